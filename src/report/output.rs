//! Where reports go. In: the `--format FORMAT[=FILE]` and `--output FILE`
//! values of one command. Out: a list of targets, each a format and a
//! destination (standard output or a file), and the files written.
//!
//! Invariants: at most one target writes to standard output; no two
//! targets write the same file, however it is named (`r.json`,
//! `./r.json`, a link to it); a regular file is replaced atomically
//! (written to a temporary file in the same directory, then renamed over
//! it), so a reader never sees half a report. A symbolic link is written
//! through to its target, and a device or FIFO (`/dev/null`,
//! `/dev/stdout`, a named pipe) is written in place: neither is ever
//! replaced by a regular file.
//!
//! Pairing: a format given as `FORMAT=FILE` has its file; the `--output`
//! values go, in order, to the formats given without one. Without any
//! `--output`, the one format without a file goes to standard output. `-`
//! as a file means standard output.

use std::fmt::Display;
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// One `--format` value: a format, and the file it goes to when written as
/// `FORMAT=FILE`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatSpec<F> {
    pub format: F,
    pub file: Option<PathBuf>,
}

impl<F: FromStr<Err = String>> FromStr for FormatSpec<F> {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let (name, file) = match s.split_once('=') {
            Some((name, "")) => return Err(format!("`{name}=` needs a file name after `=`")),
            Some((name, file)) => (name, Some(PathBuf::from(file))),
            None => (s, None),
        };
        Ok(FormatSpec {
            format: name.parse()?,
            file,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Destination {
    Stdout,
    File(PathBuf),
}

impl Destination {
    fn from_path(path: &Path) -> Destination {
        if path.as_os_str() == "-" {
            Destination::Stdout
        } else {
            Destination::File(path.to_path_buf())
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target<F> {
    pub format: F,
    pub destination: Destination,
}

/// "a, b or c", for error messages that list the accepted formats.
pub fn choices<F: Display>(all: &[F]) -> String {
    let names: Vec<String> = all.iter().map(ToString::to_string).collect();
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    }
}

/// Pairs formats with destinations (see the module documentation); an
/// error message for combinations that are ambiguous or collide.
pub fn plan<F: Copy + Display>(
    specs: &[FormatSpec<F>],
    outputs: &[PathBuf],
    default: F,
) -> Result<Vec<Target<F>>, String> {
    let default_spec = [FormatSpec {
        format: default,
        file: None,
    }];
    let specs = if specs.is_empty() {
        &default_spec[..]
    } else {
        specs
    };
    let unpaired = specs.iter().filter(|s| s.file.is_none()).count();
    if !outputs.is_empty() && outputs.len() != unpaired {
        return Err(format!(
            "{} --output value{} for {unpaired} format{} without a file; give one --output per --format (in the same order), or write --format FORMAT=FILE",
            outputs.len(),
            if outputs.len() == 1 { "" } else { "s" },
            if unpaired == 1 { "" } else { "s" },
        ));
    }
    if outputs.is_empty() && unpaired > 1 {
        return Err(format!(
            "{unpaired} formats would all go to standard output; give each but one a file with --output FILE (paired in order) or --format FORMAT=FILE"
        ));
    }
    let mut outputs = outputs.iter();
    let mut targets: Vec<Target<F>> = Vec::with_capacity(specs.len());
    for spec in specs {
        let destination = match &spec.file {
            Some(file) => Destination::from_path(file),
            None => outputs
                .next()
                .map_or(Destination::Stdout, |f| Destination::from_path(f)),
        };
        if let Some(earlier) = targets
            .iter()
            .find(|t| same_destination(&t.destination, &destination))
        {
            return Err(match &destination {
                Destination::Stdout => format!(
                    "both {} and {} would go to standard output; give one of them a file",
                    earlier.format, spec.format
                ),
                Destination::File(f) => format!(
                    "{} and {} would both be written to {}",
                    earlier.format,
                    spec.format,
                    f.display()
                ),
            });
        }
        targets.push(Target {
            format: spec.format,
            destination,
        });
    }
    Ok(targets)
}

/// Whether two destinations are the same stream or the same file under
/// any name: paths are compared once made absolute, with every link and
/// `..` resolved (for a file not written yet, its folder's).
fn same_destination(a: &Destination, b: &Destination) -> bool {
    match (a, b) {
        (Destination::Stdout, Destination::Stdout) => true,
        (Destination::File(a), Destination::File(b)) => a == b || identity(a) == identity(b),
        _ => false,
    }
}

fn identity(path: &Path) -> Option<PathBuf> {
    if let Ok(real) = fs::canonicalize(path) {
        return Some(real);
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    Some(fs::canonicalize(dir).ok()?.join(path.file_name()?))
}

/// Writes every target: the files, then standard output (so nothing is
/// printed when a file cannot be written). `render` gets the format,
/// whether it goes to standard output (for colour), and where to write;
/// what it writes is not held whole. Stops at the first file that cannot
/// be written, with a message naming it; standard output that cannot be
/// written (a closed pipe: `onus check | head`) is not an error.
pub fn deliver<F: Copy>(
    targets: &[Target<F>],
    stdout: &mut dyn Write,
    mut render: impl FnMut(F, bool, &mut dyn Write) -> io::Result<()>,
) -> Result<(), String> {
    let mut to_stdout = None;
    for target in targets {
        match &target.destination {
            Destination::Stdout => to_stdout = Some(target.format),
            Destination::File(path) => {
                write_atomic_with(path, |out| render(target.format, false, out)).map_err(|e| {
                    format!(
                        "cannot write {}: {}",
                        path.display(),
                        crate::session::io_reason(&e)
                    )
                })?;
            }
        }
    }
    if let Some(format) = to_stdout {
        let mut out = io::BufWriter::new(stdout);
        let _ = render(format, true, &mut out).and_then(|()| out.flush());
    }
    Ok(())
}

/// `write_atomic_with` for bytes at hand.
pub fn write_atomic(path: &Path, contents: &[u8]) -> io::Result<()> {
    write_atomic_with(path, |out| out.write_all(contents))
}

/// Writes what `write` writes to `path`. A regular file (or a new one) is replaced
/// atomically: a temporary file in the same directory (so the rename never
/// crosses file systems), synced, then renamed over the target; the
/// temporary file is removed on failure. A symbolic link is followed to
/// the file it names, which is replaced the same way. Anything else that
/// exists (a device such as `/dev/null`, a FIFO) and every path under
/// `/dev` or `/proc` (`/dev/stdout`, `/dev/fd/3`: streams another program
/// opened, whatever they lead to) is opened and appended to in place.
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let stream = path.starts_with("/dev") || path.starts_with("/proc");
    match fs::metadata(path) {
        Ok(meta) if meta.is_dir() => {
            return Err(io::Error::new(
                io::ErrorKind::IsADirectory,
                "is a directory",
            ));
        }
        Ok(meta) if stream || !meta.is_file() => {
            let mut stream = io::BufWriter::new(OpenOptions::new().append(true).open(path)?);
            return write(&mut stream).and_then(|()| stream.flush());
        }
        Ok(_) => {
            // Through any links, to the file that is really replaced.
            let real = fs::canonicalize(path)?;
            return replace_file(&real, write);
        }
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        Err(_) => {}
    }
    // Nothing there yet; a dangling link is written through to its target.
    let mut path = path.to_path_buf();
    for _ in 0..40 {
        match fs::read_link(&path) {
            Ok(target) => {
                path = match path.parent() {
                    Some(dir) => dir.join(target),
                    None => target,
                };
            }
            Err(_) => break,
        }
    }
    replace_file(&path, write)
}

/// Writes what `write` writes to a temporary file beside `path`, then
/// renames it over `path` (a regular file, or nothing yet).
fn replace_file(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file name"))?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut opened = None;
    for attempt in 0..100u32 {
        let temp = dir.join(format!(
            ".{}.{}-{attempt}.tmp",
            name.to_string_lossy(),
            std::process::id()
        ));
        match OpenOptions::new().write(true).create_new(true).open(&temp) {
            Ok(f) => {
                opened = Some((temp, f));
                break;
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    let Some((temp, file)) = opened else {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            "no free temporary file name",
        ));
    };
    let mut file = io::BufWriter::new(file);
    let written = write(&mut file)
        .and_then(|()| file.into_inner().map_err(|e| e.into_error()))
        .and_then(|f| f.sync_all())
        .and_then(|()| fs::rename(&temp, path));
    if written.is_err() {
        let _ = fs::remove_file(&temp);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::CheckFormat;

    fn specs(values: &[&str]) -> Vec<FormatSpec<CheckFormat>> {
        values.iter().filter_map(|v| v.parse().ok()).collect()
    }

    fn paths(values: &[&str]) -> Vec<PathBuf> {
        values.iter().map(PathBuf::from).collect()
    }

    fn file(f: CheckFormat, p: &str) -> Target<CheckFormat> {
        Target {
            format: f,
            destination: Destination::File(PathBuf::from(p)),
        }
    }

    #[test]
    fn no_format_is_text_on_stdout() {
        let t = plan(&[], &[], CheckFormat::Text);
        assert_eq!(
            t,
            Ok(vec![Target {
                format: CheckFormat::Text,
                destination: Destination::Stdout
            }])
        );
    }

    #[test]
    fn outputs_pair_with_formats_by_position() {
        let t = plan(
            &specs(&["json", "sarif"]),
            &paths(&["r.json", "r.sarif"]),
            CheckFormat::Text,
        );
        assert_eq!(
            t,
            Ok(vec![
                file(CheckFormat::Json, "r.json"),
                file(CheckFormat::Sarif, "r.sarif")
            ])
        );
    }

    #[test]
    fn inline_files_and_one_stdout_mix() {
        let t = plan(&specs(&["text", "sarif=out.sarif"]), &[], CheckFormat::Text);
        assert_eq!(
            t,
            Ok(vec![
                Target {
                    format: CheckFormat::Text,
                    destination: Destination::Stdout
                },
                file(CheckFormat::Sarif, "out.sarif")
            ])
        );
    }

    #[test]
    fn outputs_skip_formats_with_their_own_file() {
        let t = plan(
            &specs(&["junit=j.xml", "json"]),
            &paths(&["r.json"]),
            CheckFormat::Text,
        );
        assert_eq!(
            t,
            Ok(vec![
                file(CheckFormat::Junit, "j.xml"),
                file(CheckFormat::Json, "r.json")
            ])
        );
    }

    #[test]
    fn output_without_format_is_the_default_format() {
        let t = plan(&[], &paths(&["report.txt"]), CheckFormat::Text);
        assert_eq!(t, Ok(vec![file(CheckFormat::Text, "report.txt")]));
    }

    #[test]
    fn ambiguous_or_colliding_plans_are_errors() {
        assert!(plan(&specs(&["json", "sarif"]), &[], CheckFormat::Text).is_err());
        assert!(
            plan(
                &specs(&["json", "sarif"]),
                &paths(&["a"]),
                CheckFormat::Text
            )
            .is_err()
        );
        assert!(plan(&specs(&["json=a", "sarif=a"]), &[], CheckFormat::Text).is_err());
        assert!(plan(&specs(&["json=-", "sarif"]), &[], CheckFormat::Text).is_err());
    }

    #[test]
    fn bad_specs_are_rejected() {
        assert!("yaml".parse::<FormatSpec<CheckFormat>>().is_err());
        assert!("json=".parse::<FormatSpec<CheckFormat>>().is_err());
    }

    #[test]
    fn the_same_file_under_two_names_is_refused() {
        let dir = std::env::temp_dir().join(format!("onus-alias-test-{}", std::process::id()));
        let _ = fs::create_dir_all(dir.join("sub"));
        let a = dir.join("r.json");
        let b = dir.join("sub/../r.json");
        let specs = vec![
            FormatSpec {
                format: CheckFormat::Json,
                file: Some(a.clone()),
            },
            FormatSpec {
                format: CheckFormat::Sarif,
                file: Some(b),
            },
        ];
        assert!(plan(&specs, &[], CheckFormat::Text).is_err());
        let _ = fs::write(&a, "x");
        #[cfg(unix)]
        {
            let _ = std::os::unix::fs::symlink(&a, dir.join("link.json"));
            let linked = vec![
                specs[0].clone(),
                FormatSpec {
                    format: CheckFormat::Sarif,
                    file: Some(dir.join("link.json")),
                },
            ];
            assert!(plan(&linked, &[], CheckFormat::Text).is_err());
        }
        let _ = fs::remove_dir_all(&dir);
    }

    #[cfg(unix)]
    #[test]
    fn writes_through_links_and_into_devices() {
        let dir = std::env::temp_dir().join(format!("onus-through-test-{}", std::process::id()));
        let _ = fs::create_dir_all(&dir);
        let real = dir.join("real.json");
        let link = dir.join("link.json");
        let _ = fs::write(&real, "old");
        let _ = std::os::unix::fs::symlink(&real, &link);
        assert!(write_atomic(&link, b"new").is_ok());
        assert!(fs::symlink_metadata(&link).is_ok_and(|m| m.file_type().is_symlink()));
        assert_eq!(fs::read_to_string(&real).ok().as_deref(), Some("new"));
        let dangling = dir.join("dangling.json");
        let _ = std::os::unix::fs::symlink(dir.join("later.json"), &dangling);
        assert!(write_atomic(&dangling, b"made").is_ok());
        assert_eq!(
            fs::read_to_string(dir.join("later.json")).ok().as_deref(),
            Some("made")
        );
        assert!(write_atomic(Path::new("/dev/null"), b"nothing").is_ok());
        assert!(fs::metadata("/dev/null").is_ok_and(|m| !m.is_file()));
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn atomic_write_replaces_and_leaves_no_temporary_file() {
        let dir = std::env::temp_dir().join(format!("onus-output-test-{}", std::process::id()));
        let _ = fs::create_dir_all(&dir);
        let target = dir.join("report.json");
        assert!(write_atomic(&target, b"first").is_ok());
        assert!(write_atomic(&target, b"second").is_ok());
        assert_eq!(fs::read_to_string(&target).ok().as_deref(), Some("second"));
        let leftovers = fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0);
        assert_eq!(leftovers, 1);
        let _ = fs::remove_dir_all(&dir);
    }
}
