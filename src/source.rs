//! Source files and spans: loaded text in, stable `FileId`s and byte `Span`s out;
//! every span points into a file held by the `SourceMap` for the whole session.

use crate::lexer::lines::later_line_starts;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Index of a file in the [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FileId(pub u32);

/// A byte range in one source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, range: std::ops::Range<usize>) -> Span {
        Span {
            file,
            start: clamp_u32(range.start),
            end: clamp_u32(range.end),
        }
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    /// The smallest span covering both (same file assumed).
    pub fn join(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

fn clamp_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Where a file came from: a path on disk, the embedded standard library, or an
/// in-memory buffer (REPL input, tests given as text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    Path(PathBuf),
    Std(&'static str),
    Memory(String),
}

pub struct SourceFile {
    pub origin: Origin,
    /// The name shown in diagnostics and reports (relative where possible).
    pub name: String,
    pub text: String,
    line_starts: Vec<u32>,
    /// Characters before each line start, built the first time a
    /// diagnostic needs a character offset.
    line_chars: OnceLock<Vec<usize>>,
}

impl SourceFile {
    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: u32) -> (usize, usize) {
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1) - 1;
        let start = self.line_starts[line] as usize;
        let end = (offset as usize).min(self.text.len());
        let column = self
            .text
            .get(start..end)
            .map_or(end - start, |s| s.chars().count());
        (line + 1, column + 1)
    }

    /// The number of characters before a byte offset (moved back to a
    /// character boundary): a line lookup and a count within the line.
    pub fn char_offset(&self, offset: u32) -> usize {
        let mut at = (offset as usize).min(self.text.len());
        while !self.text.is_char_boundary(at) {
            at -= 1;
        }
        let line_chars = self.line_chars.get_or_init(|| {
            let mut before = 0;
            let mut starts = Vec::with_capacity(self.line_starts.len());
            for (i, &start) in self.line_starts.iter().enumerate() {
                starts.push(before);
                let next = self
                    .line_starts
                    .get(i + 1)
                    .map_or(self.text.len(), |&n| n as usize);
                before += self
                    .text
                    .get(start as usize..next)
                    .map_or(0, |l| l.chars().count());
            }
            starts
        });
        let (line, column) = self.line_col(clamp_u32(at));
        line_chars.get(line - 1).copied().unwrap_or_default() + column - 1
    }

    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.range()).unwrap_or("")
    }

    /// Length in bytes of the line holding a byte offset, line end excluded.
    pub fn line_len(&self, offset: u32) -> usize {
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1);
        let start = self.line_starts[line - 1] as usize;
        let next = self
            .line_starts
            .get(line)
            .map_or(self.text.len(), |&next| next as usize);
        let text = self.text.get(start..next).unwrap_or("");
        let text = text.strip_suffix('\n').unwrap_or(text);
        text.strip_suffix('\r').unwrap_or(text).len()
    }

    pub fn dir(&self) -> Option<&Path> {
        match &self.origin {
            Origin::Path(p) => p.parent(),
            _ => None,
        }
    }
}

#[derive(Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn add(&mut self, origin: Origin, name: String, text: String) -> FileId {
        // Lines end where the lexer and the renderer end them: `\n`, `\r\n`, lone `\r`.
        let mut line_starts = vec![0];
        line_starts.extend(later_line_starts(&text).map(clamp_u32));
        let id = FileId(clamp_u32(self.files.len()));
        self.files.push(SourceFile {
            origin,
            name,
            text,
            line_starts,
            line_chars: OnceLock::new(),
        });
        id
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn find(&self, origin: &Origin) -> Option<FileId> {
        self.files
            .iter()
            .position(|f| &f.origin == origin)
            .map(|i| FileId(clamp_u32(i)))
    }

    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(clamp_u32(i)), f))
    }

    pub fn slice(&self, span: Span) -> &str {
        self.get(span.file).slice(span)
    }
}

impl fmt::Display for FileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// 1-based line and column (in characters) of a byte offset in raw bytes,
/// for inputs that are not in a `SourceMap` (facts, unreadable files).
pub fn byte_position(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    (
        line,
        String::from_utf8_lossy(&before[line_start..])
            .chars()
            .count()
            + 1,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Character offsets agree with counting from the start, inside
    /// multi-byte characters included (moved back to their start).
    #[test]
    fn char_offsets_count_characters() {
        let mut map = SourceMap::default();
        let text = "ab\néé\r\n\nx€\ry";
        let id = map.add(Origin::Memory("t".into()), "t".into(), text.into());
        let file = map.get(id);
        for byte in 0..=text.len() + 2 {
            let mut at = byte.min(text.len());
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            assert_eq!(
                file.char_offset(byte as u32),
                text[..at].chars().count(),
                "{byte}"
            );
        }
    }

    /// Line numbers end lines as the lexer and ariadne do: a lone carriage
    /// return is a line end, `\r\n` is one.
    #[test]
    fn every_line_end_starts_a_line() {
        let mut map = SourceMap::default();
        let text = "a\rbc\r\nd\ne";
        let id = map.add(Origin::Memory("t".into()), "t".into(), text.into());
        let file = map.get(id);
        let at = |c: char| text.find(c).map_or(0, |i| i as u32);
        assert_eq!(file.line_col(at('c')), (2, 2));
        assert_eq!(file.line_col(at('d')), (3, 1));
        assert_eq!(file.line_col(at('e')), (4, 1));
        assert_eq!(file.line_len(at('b')), 2);
    }
}
