//! The file system as policy loading sees it: the walk of a policy
//! directory, a policy file's bytes within a size limit, and paths and I/O
//! errors as messages show them. Nothing here knows about a session.

use crate::diagnostic::Diagnostic;
use std::path::{Path, PathBuf};

/// Every `.onus` file below `dir`, in `out`; an F001 error in `problems`
/// for each directory that cannot be read and each `.onus` name that is
/// not a regular file (or a link to one): a FIFO would block the read
/// forever, and a policy onus did not read must never make a run look
/// clean. Like Go's tools, the walk skips directories whose names start
/// with `.` or `_` (hidden, or set aside on purpose) and `target` (build
/// output); it does not follow symbolic links to directories, so it
/// cannot loop.
pub(crate) fn collect_onus_files(
    dir: &Path,
    out: &mut Vec<PathBuf>,
    problems: &mut Vec<Diagnostic>,
) {
    let unreadable = |e: &std::io::Error| {
        Diagnostic::error(
            "F001",
            format!(
                "cannot read directory {}: {}",
                display_name(dir),
                io_reason(e)
            ),
        )
        .with_help("onus does not skip policies it cannot read: make the directory readable, or rename it to start with `_` to set it aside")
    };
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => return problems.push(unreadable(&e)),
    };
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                problems.push(unreadable(&e));
                continue;
            }
        };
        let path = entry.path();
        let file_type = match entry.file_type() {
            Ok(t) => t,
            Err(e) => {
                problems.push(unreadable(&e));
                continue;
            }
        };
        if file_type.is_dir() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if !(name.starts_with('.') || name.starts_with('_') || name == "target") {
                collect_onus_files(&path, out, problems);
            }
        } else if path.extension().and_then(|e| e.to_str()) == Some("onus") {
            // A link is judged by its target; a broken one is reported
            // when it is read.
            match std::fs::metadata(&path) {
                Ok(meta) if !meta.is_file() => problems.push(
                    Diagnostic::error(
                        "F001",
                        format!(
                            "cannot read policy {}: {}, not a regular file",
                            display_name(&path),
                            file_kind(&meta.file_type())
                        ),
                    )
                    .with_help("a policy directory holds policy files; move this one out, or give it another name"),
                ),
                _ => out.push(path),
            }
        }
    }
}

/// What a file that is not a regular one is, for messages.
pub(crate) fn file_kind(t: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
    }
    if t.is_dir() {
        "a directory"
    } else {
        "a special file"
    }
}

/// Why a policy file was not read.
#[derive(Debug)]
pub(crate) enum PolicyReadError {
    Io(std::io::Error),
    /// Longer than the limit; the size when it was known before reading.
    TooLarge {
        size: Option<u64>,
        limit: u64,
    },
}

impl std::fmt::Display for PolicyReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PolicyReadError::Io(e) => f.write_str(&io_reason(e)),
            PolicyReadError::TooLarge { size, limit } => {
                match size {
                    Some(size) => write!(f, "{}", bytes(*size))?,
                    None => write!(f, "more than {}", bytes(*limit))?,
                }
                write!(
                    f,
                    " is over the limit of {} for a policy file",
                    bytes(*limit)
                )
            }
        }
    }
}

/// The bytes of a policy file, or why not: a file longer than `limit`
/// (checked before reading where the size is known, and while reading
/// where it is not) is refused.
pub(crate) fn read_policy(path: &Path, limit: u64) -> Result<Vec<u8>, PolicyReadError> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(PolicyReadError::Io)?;
    let meta = file.metadata().map_err(PolicyReadError::Io)?;
    if meta.is_dir() {
        return Err(PolicyReadError::Io(std::io::ErrorKind::IsADirectory.into()));
    }
    if meta.is_file() && meta.len() > limit {
        return Err(PolicyReadError::TooLarge {
            size: Some(meta.len()),
            limit,
        });
    }
    let mut content = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut content)
        .map_err(PolicyReadError::Io)?;
    if content.len() as u64 > limit {
        return Err(PolicyReadError::TooLarge { size: None, limit });
    }
    Ok(content)
}

/// A size as people read it: `4 MiB`, `23.8 MiB`, `97.7 KiB`, `512 bytes`.
fn bytes(n: u64) -> String {
    for (unit, size) in [("MiB", 1u64 << 20), ("KiB", 1 << 10)] {
        if n >= size && n.is_multiple_of(size) {
            return format!("{} {unit}", n / size);
        }
        if n >= size {
            return format!("{:.1} {unit}", n as f64 / size as f64);
        }
    }
    format!("{n} bytes")
}

/// A path as the user would write it: relative to the working directory
/// when it is below it.
pub fn display_name(path: &Path) -> String {
    let cwd = std::env::current_dir().ok();
    let absolute = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let cwd_canonical = cwd.as_ref().and_then(|c| c.canonicalize().ok());
    for base in [cwd.as_ref(), cwd_canonical.as_ref()].into_iter().flatten() {
        if let Ok(rel) = absolute.strip_prefix(base) {
            return rel.display().to_string();
        }
    }
    path.display().to_string()
}

pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::IsADirectory => "is a directory".into(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn directory_walks_skip_hidden_set_aside_and_build_folders_and_do_not_loop() {
        let dir = std::env::temp_dir().join(format!("onus-walk-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for sub in ["sub", ".git", "_old", "target", ".hidden/deeper"] {
            let _ = std::fs::create_dir_all(dir.join(sub));
        }
        for file in [
            "a.onus",
            "sub/b.onus",
            ".git/c.onus",
            "_old/c.onus",
            "target/d.onus",
            ".hidden/deeper/e.onus",
        ] {
            let _ = std::fs::write(dir.join(file), "use std\n");
        }
        // A link back to the top, and one to a folder walked anyway.
        let _ = std::os::unix::fs::symlink(&dir, dir.join("sub/up"));
        let _ = std::os::unix::fs::symlink(dir.join("sub"), dir.join("again"));
        let mut files = Vec::new();
        let mut problems = Vec::new();
        collect_onus_files(&dir, &mut files, &mut problems);
        assert!(problems.is_empty(), "{problems:?}");
        files.sort();
        let names: Vec<String> = files
            .iter()
            .map(|f| f.strip_prefix(&dir).unwrap_or(f).display().to_string())
            .collect();
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(names, ["a.onus", "sub/b.onus"]);
    }
}
