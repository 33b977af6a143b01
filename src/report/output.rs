//! Where reports go. In: the `--format FORMAT[=FILE]` and `--output FILE`
//! values of one command. Out: a list of targets, each a format and a
//! destination (standard output or a file), and the files written.
//!
//! Invariants: at most one target writes to standard output; no two
//! targets write the same file; a file is replaced atomically (written to a
//! temporary file in the same directory, then renamed over it), so a reader
//! never sees half a report.
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
        if let Some(earlier) = targets.iter().find(|t| t.destination == destination) {
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

/// Renders every target and writes the files; returns what goes to standard
/// output (empty when nothing does). `render` gets the format and whether
/// the text goes to standard output (for colour). Stops at the first file
/// that cannot be written, with a message naming it.
pub fn deliver<F: Copy>(
    targets: &[Target<F>],
    mut render: impl FnMut(F, bool) -> String,
) -> Result<String, String> {
    let mut stdout = String::new();
    for target in targets {
        match &target.destination {
            Destination::Stdout => stdout = render(target.format, true),
            Destination::File(path) => {
                let text = render(target.format, false);
                write_atomic(path, text.as_bytes()).map_err(|e| {
                    format!(
                        "cannot write {}: {}",
                        path.display(),
                        crate::session::io_reason(&e)
                    )
                })?;
            }
        }
    }
    Ok(stdout)
}

/// Replaces `path` with `contents` atomically: a temporary file in the same
/// directory (so the rename never crosses file systems), synced, then
/// renamed over the target. The temporary file is removed on failure.
pub fn write_atomic(path: &Path, contents: &[u8]) -> io::Result<()> {
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file name"))?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    for attempt in 0..100u32 {
        let temp = dir.join(format!(
            ".{}.{}-{attempt}.tmp",
            name.to_string_lossy(),
            std::process::id()
        ));
        let mut file = match OpenOptions::new().write(true).create_new(true).open(&temp) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        };
        let written = file
            .write_all(contents)
            .and_then(|()| file.sync_all())
            .and_then(|()| fs::rename(&temp, path));
        if written.is_err() {
            let _ = fs::remove_file(&temp);
        }
        return written;
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        "no free temporary file name",
    ))
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
