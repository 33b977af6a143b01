//! The `onus fmt` command over files: paths (`-` for standard input) in;
//! files rewritten in place, or with `check` the names of those that would
//! change, or with `diff` a unified diff of each; an exit status out. A
//! file is replaced atomically (a temporary file beside it with the same
//! mode, owner and group, then a rename) and never touched when it does not
//! parse; a file with several hard links is rewritten in place instead, so
//! that every link sees the new text. A directory that cannot be read is an
//! error, never an empty success.

use super::format_source;
use crate::diagnostic::{self, Diagnostic};
use crate::session::{
    MAX_POLICY_BYTES, collect_onus_files, display_name, file_kind, io_reason, read_policy,
    read_policy_from,
};
use crate::source::{Origin, SourceMap};
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// The name standard input goes by in messages and in `--check` output.
const STDIN_NAME: &str = "<stdin>";

#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Write nothing; list the files that would change.
    pub check: bool,
    /// Write nothing; print a unified diff of each file that would change.
    pub diff: bool,
    /// Colour the rendered diagnostics.
    pub color: bool,
}

/// How a run went; the worst file decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// Everything is formatted (now, or already).
    Clean,
    /// With `check` or `diff`: some file would change.
    WouldChange,
    /// Some file could not be read, parsed or written.
    Failed,
}

impl Status {
    /// The process exit code: 0, 1 or 2 (SPEC §6).
    pub fn exit_code(self) -> u8 {
        match self {
            Status::Clean => 0,
            Status::WouldChange => 1,
            Status::Failed => 2,
        }
    }
}

/// Where the command reads and writes, so tests can run it in memory.
pub struct Streams<'a> {
    pub stdin: &'a mut dyn Read,
    pub stdout: &'a mut dyn Write,
    pub stderr: &'a mut dyn Write,
}

/// Formats every path: a file, every `.onus` file below a directory, or
/// standard input for `-` (written formatted to standard output).
pub fn run(paths: &[PathBuf], options: Options, streams: &mut Streams<'_>) -> Status {
    let mut status = Status::Clean;
    for path in paths {
        let outcome = if path.as_os_str() == "-" {
            format_stdin(options, streams)
        } else if path.is_dir() {
            let mut files = Vec::new();
            let mut unreadable = Vec::new();
            collect_onus_files(path, &mut files, &mut unreadable);
            files.sort();
            let walked = if unreadable.is_empty() {
                Status::Clean
            } else {
                report(&unreadable, &SourceMap::default(), options, streams)
            };
            files
                .iter()
                .map(|file| format_file(file, options, streams))
                .fold(walked, Status::max)
        } else {
            format_file(path, options, streams)
        };
        status = status.max(outcome);
    }
    status
}

fn format_file(path: &Path, options: Options, streams: &mut Streams<'_>) -> Status {
    let name = display_name(path);
    let text = match read_policy(path, MAX_POLICY_BYTES) {
        Ok(bytes) => bytes,
        Err(e) => {
            let message = format!("cannot read policy {name}: {e}");
            return fail(Diagnostic::error("F001", message), options, streams);
        }
    };
    let Ok(text) = String::from_utf8(text) else {
        let message = format!("policy file {name} is not valid UTF-8");
        return fail(Diagnostic::error("F003", message), options, streams);
    };
    let mut sources = SourceMap::default();
    let file = sources.add(Origin::Path(path.to_path_buf()), name.clone(), text);
    let text = &sources.get(file).text;
    let formatted = match format_source(text, file) {
        Ok(formatted) => formatted,
        Err(diagnostics) => return report(&diagnostics, &sources, options, streams),
    };
    if formatted == *text {
        return Status::Clean;
    }
    if options.check || options.diff {
        would_change(&name, text, &formatted, options, streams);
        return Status::WouldChange;
    }
    match write_atomically(path, &formatted) {
        Ok(()) => Status::Clean,
        Err(e) => {
            let message = format!("cannot write {name}: {}", io_reason(&e));
            fail(Diagnostic::error("F020", message), options, streams)
        }
    }
}

fn format_stdin(options: Options, streams: &mut Streams<'_>) -> Status {
    let bytes = match read_policy_from(&mut *streams.stdin, MAX_POLICY_BYTES) {
        Ok(bytes) => bytes,
        Err(e) => {
            let message = format!("cannot read standard input: {e}");
            return fail(Diagnostic::error("F001", message), options, streams);
        }
    };
    let Ok(text) = String::from_utf8(bytes) else {
        return fail(
            Diagnostic::error("F003", "standard input is not valid UTF-8"),
            options,
            streams,
        );
    };
    let mut sources = SourceMap::default();
    let file = sources.add(Origin::Memory(STDIN_NAME.into()), STDIN_NAME.into(), text);
    let text = &sources.get(file).text;
    match format_source(text, file) {
        Err(diagnostics) => report(&diagnostics, &sources, options, streams),
        Ok(formatted) if options.check || options.diff => {
            if formatted == *text {
                Status::Clean
            } else {
                would_change(STDIN_NAME, text, &formatted, options, streams);
                Status::WouldChange
            }
        }
        Ok(formatted) => {
            let _ = streams.stdout.write_all(formatted.as_bytes());
            Status::Clean
        }
    }
}

/// Says that `name` would change: its name, or with `diff` a unified diff
/// from its text to the formatted one (three lines of context).
fn would_change(
    name: &str,
    text: &str,
    formatted: &str,
    options: Options,
    streams: &mut Streams<'_>,
) {
    // A closed pipe is not worth an error; the exit code still tells.
    if options.diff {
        let diff = similar::TextDiff::from_lines(text, formatted);
        let unified = diff
            .unified_diff()
            .context_radius(3)
            .header(name, name)
            .to_string();
        let _ = streams.stdout.write_all(unified.as_bytes());
    } else {
        let _ = writeln!(streams.stdout, "{name}");
    }
}

fn fail(d: Diagnostic, options: Options, streams: &mut Streams<'_>) -> Status {
    report(&[d], &SourceMap::default(), options, streams)
}

fn report(
    diagnostics: &[Diagnostic],
    sources: &SourceMap,
    options: Options,
    streams: &mut Streams<'_>,
) -> Status {
    let rendered = diagnostic::render(diagnostics, sources, options.color);
    let _ = streams.stderr.write_all(rendered.as_bytes());
    Status::Failed
}

/// Replaces the file's contents so that a reader sees the old text or the
/// new, never a mix: the new text goes to a temporary file in the same
/// directory, given the original's mode, owner and group, which is then
/// renamed over the original. A symbolic link is followed: the file it
/// points to is rewritten. A file with more than one hard link is written
/// in place (a rename would split it from its other names), and so is one
/// whose owner or group this process cannot give the temporary file. A
/// file that is not a regular one (a FIFO read once) is refused.
fn write_atomically(path: &Path, text: &str) -> io::Result<()> {
    let target = fs::canonicalize(path)?;
    let original = fs::metadata(&target)?;
    if !original.is_file() {
        return Err(io::Error::other(format!(
            "{}, not a regular file",
            file_kind(&original.file_type())
        )));
    }
    if hard_links(&original) > 1 {
        return write_in_place(&target, text);
    }
    let (Some(dir), Some(file_name)) = (target.parent(), target.file_name()) else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a file path",
        ));
    };
    let temporary = dir.join(format!(
        ".{}.{}.onus-fmt",
        file_name.to_string_lossy(),
        std::process::id()
    ));
    let written = (|| {
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temporary)?;
        file.write_all(text.as_bytes())?;
        if !same_owner(&file, &original)? {
            return Ok(false);
        }
        file.set_permissions(original.permissions())?;
        file.sync_all()?;
        fs::rename(&temporary, &target).map(|()| true)
    })();
    match written {
        Ok(true) => Ok(()),
        Ok(false) => {
            let _ = fs::remove_file(&temporary);
            write_in_place(&target, text)
        }
        Err(e) => {
            let _ = fs::remove_file(&temporary);
            Err(e)
        }
    }
}

/// Rewrites the file itself: its inode, links, owner, group and mode stay.
fn write_in_place(target: &Path, text: &str) -> io::Result<()> {
    let mut file = fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(target)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

#[cfg(unix)]
fn hard_links(meta: &fs::Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::nlink(meta)
}

#[cfg(not(unix))]
fn hard_links(_: &fs::Metadata) -> u64 {
    1
}

/// Gives the new file the original's owner and group; false when this
/// process may not (only root may give a file away).
#[cfg(unix)]
fn same_owner(file: &fs::File, original: &fs::Metadata) -> io::Result<bool> {
    use std::os::unix::fs::MetadataExt;
    let new = file.metadata()?;
    if (new.uid(), new.gid()) == (original.uid(), original.gid()) {
        return Ok(true);
    }
    match std::os::unix::fs::fchown(file, Some(original.uid()), Some(original.gid())) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => Ok(false),
        Err(e) => Err(e),
    }
}

#[cfg(not(unix))]
fn same_owner(_: &fs::File, _: &fs::Metadata) -> io::Result<bool> {
    Ok(true)
}
