//! Positions and addresses, converted in one place: byte offsets of a text
//! in, LSP positions (line, UTF-16 code unit) out and back; file paths and
//! std files in, URIs out and back. Every offset handed back lies on a
//! character boundary of the text it came from.

use crate::lexer::lines::later_line_starts;
use lsp_types::{Position, Range, Uri};
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// The start of every line of one text, for conversions both ways.
pub struct LineIndex<'t> {
    text: &'t str,
    starts: Vec<usize>,
}

impl<'t> LineIndex<'t> {
    pub fn new(text: &'t str) -> LineIndex<'t> {
        // The protocol ends a line at `\n`, `\r\n` or a lone `\r`, as the lexer does.
        let mut starts = vec![0];
        starts.extend(later_line_starts(text));
        LineIndex { text, starts }
    }

    /// The LSP position of a byte offset (moved back to a character
    /// boundary; past the end means the end).
    pub fn position(&self, offset: usize) -> Position {
        let mut at = offset.min(self.text.len());
        while !self.text.is_char_boundary(at) {
            at -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= at) - 1;
        let character: usize = self.text[self.starts[line]..at]
            .chars()
            .map(char::len_utf16)
            .sum();
        Position::new(line as u32, character as u32)
    }

    pub fn range(&self, bytes: std::ops::Range<usize>) -> Range {
        Range::new(self.position(bytes.start), self.position(bytes.end))
    }

    /// The byte offset of an LSP position. A character past the end of its
    /// line means the end of the line (as the protocol says); a line past
    /// the end means the end of the text.
    pub fn offset(&self, position: Position) -> usize {
        let Some(&start) = self.starts.get(position.line as usize) else {
            return self.text.len();
        };
        let next = self
            .starts
            .get(position.line as usize + 1)
            .map_or(self.text.len(), |&next| next);
        let line = &self.text[start..next];
        let line = line.strip_suffix('\n').unwrap_or(line);
        let line = line.strip_suffix('\r').unwrap_or(line);
        let mut units = 0;
        for (i, c) in line.char_indices() {
            if units >= position.character as usize {
                return start + i;
            }
            units += c.len_utf16();
        }
        start + line.len()
    }
}

/// The scheme of the standard library's read-only documents.
pub const STD_SCHEME: &str = "onus-std";

/// Where a document lives: a file on disk, or a file of the embedded
/// standard library.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Address {
    File(PathBuf),
    /// The std file's name as the `SourceMap` has it (`<std>/models.onus`).
    Std(String),
}

impl Address {
    pub fn from_uri(uri: &Uri) -> Option<Address> {
        let scheme = uri.scheme()?.as_str();
        let path = uri.path().as_estr().decode().into_string().ok()?;
        match scheme {
            "file" => Some(Address::File(PathBuf::from(path.as_ref()))),
            STD_SCHEME => {
                let name = format!("<std>/{}", path.trim_start_matches('/'));
                crate::stdlib::FILES
                    .iter()
                    .any(|(n, _)| *n == name)
                    .then_some(Address::Std(name))
            }
            _ => None,
        }
    }

    pub fn uri(&self) -> Option<Uri> {
        let text = match self {
            Address::File(path) => format!("file://{}", encode_path(path)?),
            Address::Std(name) => format!(
                "{STD_SCHEME}:///{}",
                encode(name.trim_start_matches("<std>/"))
            ),
        };
        Uri::from_str(&text).ok()
    }
}

/// An absolute path, percent-encoded for a `file://` URI.
fn encode_path(path: &Path) -> Option<String> {
    let text = path.to_str()?;
    let text = text.replace('\\', "/");
    let text = if text.starts_with('/') {
        text
    } else {
        format!("/{text}")
    };
    Some(encode(&text))
}

/// Percent-encodes everything but RFC 3986's unreserved characters and `/`.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// UTF-16 columns both ways, astral characters (two code units) and
    /// CRLF line ends included, and every position maps back to itself.
    #[test]
    fn positions_count_utf16_code_units() {
        let text = "ab\r\né𝄞x\n\nla\rst";
        let index = LineIndex::new(text);
        assert_eq!(index.position(0), Position::new(0, 0));
        let x = text.find('x').unwrap_or_default();
        assert_eq!(index.position(x), Position::new(1, 3));
        assert_eq!(index.offset(Position::new(1, 3)), x);
        assert_eq!(
            index.offset(Position::new(0, 99)),
            2,
            "end of line, before CR"
        );
        assert_eq!(index.offset(Position::new(9, 0)), text.len());
        // A lone carriage return ends a line, as the protocol says.
        let s = text.rfind('s').unwrap_or_default();
        assert_eq!(index.position(s), Position::new(4, 0));
        assert_eq!(index.offset(Position::new(3, 99)), s - 1);
        // Inside the clef (a surrogate pair) moves back to its start.
        let clef = text.find('𝄞').unwrap_or_default();
        assert_eq!(index.position(clef + 2), Position::new(1, 1));
        for (offset, _) in text.char_indices() {
            if text.as_bytes()[offset] != b'\n' && text.as_bytes()[offset] != b'\r' {
                assert_eq!(index.offset(index.position(offset)), offset, "{offset}");
            }
        }
    }

    #[test]
    fn addresses_round_trip_through_uris() {
        let file = Address::File(PathBuf::from("/tmp/my policies/a#b.onus"));
        let uri = file.uri().map(|u| u.as_str().to_string());
        assert_eq!(uri.as_deref(), Some("file:///tmp/my%20policies/a%23b.onus"));
        let back = file.uri().and_then(|u| Address::from_uri(&u));
        assert_eq!(back, Some(file));
        let std = Address::Std("<std>/models.onus".into());
        let uri = std.uri().map(|u| u.as_str().to_string());
        assert_eq!(uri.as_deref(), Some("onus-std:///models.onus"));
        assert_eq!(std.uri().and_then(|u| Address::from_uri(&u)), Some(std));
        let unknown = Uri::from_str("onus-std:///nothing.onus").ok();
        assert_eq!(unknown.and_then(|u| Address::from_uri(&u)), None);
    }
}
