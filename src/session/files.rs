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
/// output). A symbolic link to a directory elsewhere is followed, once; one
/// to a directory inside `dir` is not (its files are read where they are),
/// so the walk cannot loop or read a file twice.
pub(crate) fn collect_onus_files(
    dir: &Path,
    out: &mut Vec<PathBuf>,
    problems: &mut Vec<Diagnostic>,
) {
    let root = dir.canonicalize().ok();
    let mut walked = std::collections::HashSet::new();
    walk(dir, root.as_deref(), &mut walked, out, problems);
}

/// One directory of the walk; `walked` holds the linked directories
/// outside `root` already entered.
fn walk(
    dir: &Path,
    root: Option<&Path>,
    walked: &mut std::collections::HashSet<PathBuf>,
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
    let mut entries = Vec::new();
    match std::fs::read_dir(dir) {
        Ok(listing) => {
            for entry in listing {
                match entry {
                    Ok(entry) => entries.push(entry),
                    Err(e) => problems.push(unreadable(&e)),
                }
            }
        }
        Err(e) => return problems.push(unreadable(&e)),
    }
    // In name order, so which of two links to one folder is followed does
    // not depend on the file system.
    entries.sort_by_key(|entry| entry.file_name());
    for entry in entries {
        let path = entry.path();
        let file_type = match entry.file_type() {
            Ok(t) => t,
            Err(e) => {
                problems.push(unreadable(&e));
                continue;
            }
        };
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let walked_name = !(name.starts_with('.') || name.starts_with('_') || name == "target");
        if file_type.is_dir() {
            if walked_name {
                walk(&path, root, walked, out, problems);
            }
        } else if file_type.is_symlink() && path.is_dir() {
            let outside = path
                .canonicalize()
                .ok()
                .filter(|target| root.is_none_or(|root| !target.starts_with(root)));
            if let Some(target) = outside
                && walked_name
                && walked.insert(target)
            {
                walk(&path, root, walked, out, problems);
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
    read_policy_from(file, limit)
}

/// The bytes of policy text from a reader (standard input too), refused
/// past `limit` while reading.
pub(crate) fn read_policy_from(
    reader: impl std::io::Read,
    limit: u64,
) -> Result<Vec<u8>, PolicyReadError> {
    use std::io::Read;
    let mut content = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut content)
        .map_err(PolicyReadError::Io)?;
    if content.len() as u64 > limit {
        return Err(PolicyReadError::TooLarge { size: None, limit });
    }
    Ok(content)
}

/// Why JSON text (a report, an OSCAL document) was not read.
#[derive(Debug)]
pub enum JsonTextError {
    Io(std::io::Error),
    /// More bytes than the limit.
    TooLarge(u64),
    /// A NUL byte at this line and column: never part of JSON (or XML) text.
    Nul {
        line: usize,
        column: usize,
    },
}

impl std::fmt::Display for JsonTextError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JsonTextError::Io(e) => f.write_str(&io_reason(e)),
            JsonTextError::TooLarge(limit) => write!(f, "it is larger than {}", bytes(*limit)),
            JsonTextError::Nul { line, column } => {
                write!(f, "a NUL byte at line {line}, column {column}: not text")
            }
        }
    }
}

/// At most `limit` bytes of text from `path`, read in pieces so that an
/// endless or binary source (`/dev/zero`) stops at its first NUL byte or at
/// the limit instead of filling memory.
pub fn read_json_text(path: &Path, limit: u64) -> Result<Vec<u8>, JsonTextError> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(JsonTextError::Io)?;
    let mut reader = file.take(limit.saturating_add(1));
    let mut content = Vec::new();
    let mut piece = vec![0; 64 << 10];
    loop {
        let n = match reader.read(&mut piece) {
            Ok(0) => return Ok(content),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(JsonTextError::Io(e)),
        };
        if let Some(at) = piece[..n].iter().position(|&b| b == 0) {
            content.extend_from_slice(&piece[..at]);
            let (line, column) = crate::source::byte_position(&content, content.len());
            return Err(JsonTextError::Nul { line, column });
        }
        if (content.len() + n) as u64 > limit {
            return Err(JsonTextError::TooLarge(limit));
        }
        content.extend_from_slice(&piece[..n]);
    }
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
    fn directory_walks_skip_hidden_set_aside_and_build_folders_follow_links_out_and_do_not_loop() {
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
        // A link back to the top, one to a folder walked anyway, and two
        // to one folder elsewhere, which links back to the top.
        let _ = std::os::unix::fs::symlink(&dir, dir.join("sub/up"));
        let _ = std::os::unix::fs::symlink(dir.join("sub"), dir.join("again"));
        let elsewhere = dir.with_extension("shared");
        let _ = std::fs::create_dir_all(&elsewhere);
        let _ = std::fs::write(elsewhere.join("f.onus"), "use std\n");
        let _ = std::os::unix::fs::symlink(&dir, elsewhere.join("back"));
        let _ = std::os::unix::fs::symlink(&elsewhere, dir.join("shared"));
        let _ = std::os::unix::fs::symlink(&elsewhere, dir.join("sub/shared"));
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
        let _ = std::fs::remove_dir_all(&elsewhere);
        assert_eq!(names.len(), 3, "{names:?}");
        assert_eq!(names[..2], ["a.onus", "shared/f.onus"], "{names:?}");
        assert!(names[2] == "sub/b.onus", "{names:?}");
    }
}
