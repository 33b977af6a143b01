//! Facts bytes in, UTF-8 text out. A byte order mark picks the encoding:
//! UTF-8, UTF-16 (LE/BE) and UTF-32 (LE/BE) are transcoded (the mark
//! dropped); bytes without one must be UTF-8. A file that looks like
//! UTF-16 or UTF-32 written without a mark (NUL bytes at alternating
//! positions, which no JSON or YAML text contains) is named as such, with
//! how to convert it, instead of failing later as bad JSON.

/// Why the bytes are not text, and where (1-based, in characters).
#[derive(Debug, PartialEq, Eq)]
pub struct EncodingError {
    pub message: String,
    pub line: usize,
    pub column: usize,
    /// How to fix it, when we can tell (an encoding to convert from).
    pub help: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Unicode {
    Utf16Le,
    Utf16Be,
    Utf32Le,
    Utf32Be,
}

impl Unicode {
    fn name(self) -> &'static str {
        match self {
            Unicode::Utf16Le => "UTF-16LE",
            Unicode::Utf16Be => "UTF-16BE",
            Unicode::Utf32Le => "UTF-32LE",
            Unicode::Utf32Be => "UTF-32BE",
        }
    }

    fn unit(self) -> usize {
        match self {
            Unicode::Utf16Le | Unicode::Utf16Be => 2,
            Unicode::Utf32Le | Unicode::Utf32Be => 4,
        }
    }

    /// The encoding a byte order mark at the start of `bytes` names, and
    /// the mark's length. UTF-32LE's mark starts with UTF-16LE's, so it is
    /// tried first.
    fn from_mark(bytes: &[u8]) -> Option<(Unicode, usize)> {
        match bytes {
            [0xFF, 0xFE, 0, 0, ..] => Some((Unicode::Utf32Le, 4)),
            [0, 0, 0xFE, 0xFF, ..] => Some((Unicode::Utf32Be, 4)),
            [0xFF, 0xFE, ..] => Some((Unicode::Utf16Le, 2)),
            [0xFE, 0xFF, ..] => Some((Unicode::Utf16Be, 2)),
            _ => None,
        }
    }
}

/// Bytes enough to tell an input's encoding (`head`).
pub const HEAD: usize = 1024;

/// What an input's first bytes (up to `HEAD`) say of its encoding.
#[derive(Debug, PartialEq, Eq)]
pub enum Head {
    /// UTF-8, with or without a mark: read as it comes.
    Utf8,
    /// A UTF-16 or UTF-32 byte order mark: to transcode (`decode`).
    Marked,
    /// UTF-16 or UTF-32 without a mark (named), and the offset of the
    /// first NUL byte.
    Unmarked(&'static str, usize),
}

pub fn head(bytes: &[u8]) -> Head {
    if Unicode::from_mark(bytes).is_some() {
        Head::Marked
    } else if let Some((encoding, first_nul)) = unmarked_wide(bytes) {
        Head::Unmarked(encoding.name(), first_nul)
    } else {
        Head::Utf8
    }
}

/// The text of facts `bytes`; `source` names them in messages.
pub fn decode(bytes: Vec<u8>, source: &str) -> Result<String, EncodingError> {
    if let Some((encoding, mark)) = Unicode::from_mark(&bytes) {
        return transcode(&bytes[mark..], encoding).map_err(|before| {
            let (line, column) = text_position(&before);
            EncodingError {
                message: format!(
                    "not valid {0}: the byte order mark says {0}, but the text is not",
                    encoding.name()
                ),
                line,
                column,
                help: None,
            }
        });
    }
    if let Some((encoding, first_nul)) = unmarked_wide(&bytes) {
        let (line, column) = crate::source::byte_position(&bytes, first_nul);
        return Err(EncodingError {
            message: format!(
                "not UTF-8: this looks like {} text without a byte order mark",
                encoding.name()
            ),
            line,
            column,
            help: Some(format!(
                "convert it to UTF-8, e.g. `iconv -f {} -t UTF-8 {source} > facts.json`, or write it with a byte order mark",
                encoding.name()
            )),
        });
    }
    String::from_utf8(bytes).map_err(|e| {
        let (line, column) =
            crate::source::byte_position(e.as_bytes(), e.utf8_error().valid_up_to());
        EncodingError {
            message: "not valid UTF-8".into(),
            line,
            column,
            help: None,
        }
    })
}

/// The line and column just after `text`.
fn text_position(text: &str) -> (usize, usize) {
    let line_start = text.rfind('\n').map_or(0, |i| i + 1);
    (
        text.matches('\n').count() + 1,
        text[line_start..].chars().count() + 1,
    )
}

/// `body` (after the mark) as UTF-8, or, when a code unit is not valid (a
/// lone surrogate, a value above U+10FFFF, or a truncated last unit), the
/// text before it.
fn transcode(body: &[u8], encoding: Unicode) -> Result<String, String> {
    let unit = encoding.unit();
    let whole = body.len() - body.len() % unit;
    let mut text = String::with_capacity(body.len() / unit * 2);
    match encoding {
        Unicode::Utf16Le | Unicode::Utf16Be => {
            let units = body[..whole].chunks_exact(2).map(|u| {
                let pair = [u[0], u[1]];
                if encoding == Unicode::Utf16Le {
                    u16::from_le_bytes(pair)
                } else {
                    u16::from_be_bytes(pair)
                }
            });
            for c in char::decode_utf16(units) {
                match c {
                    Ok(c) => text.push(c),
                    Err(_) => return Err(text),
                }
            }
        }
        Unicode::Utf32Le | Unicode::Utf32Be => {
            for u in body[..whole].chunks_exact(4) {
                let quad = [u[0], u[1], u[2], u[3]];
                let value = if encoding == Unicode::Utf32Le {
                    u32::from_le_bytes(quad)
                } else {
                    u32::from_be_bytes(quad)
                };
                match char::from_u32(value) {
                    Some(c) => text.push(c),
                    None => return Err(text),
                }
            }
        }
    }
    if whole != body.len() {
        return Err(text);
    }
    Ok(text)
}

/// Whether `bytes` look like UTF-16 or UTF-32 written without a mark: in
/// the first KiB, NUL bytes fill most positions of one residue (two of
/// four, or three of four) and none of the others. Returns the encoding
/// and the offset of the first NUL.
fn unmarked_wide(bytes: &[u8]) -> Option<(Unicode, usize)> {
    let head = &bytes[..bytes.len().min(1024)];
    let first_nul = head.iter().position(|&b| b == 0)?;
    if head.len() < 4 {
        return None;
    }
    let mut nuls = [0usize; 4];
    let mut totals = [0usize; 4];
    for (i, &b) in head.iter().enumerate() {
        totals[i % 4] += 1;
        nuls[i % 4] += usize::from(b == 0);
    }
    // "Mostly NUL" leaves room for non-ASCII characters; "no NUL" is exact,
    // since the text's own bytes are never NUL in JSON or YAML.
    let mostly = |r: usize| nuls[r] * 4 >= totals[r] * 3;
    let clear = |r: usize| nuls[r] == 0;
    let pattern = [mostly(0), mostly(1), mostly(2), mostly(3)];
    let clean = [clear(0), clear(1), clear(2), clear(3)];
    let encoding = match (pattern, clean) {
        ([false, true, true, true], [true, ..]) => Unicode::Utf32Le,
        ([true, true, true, false], [_, _, _, true]) => Unicode::Utf32Be,
        ([false, true, false, true], [true, _, true, _]) => Unicode::Utf16Le,
        ([true, false, true, false], [_, true, _, true]) => Unicode::Utf16Be,
        _ => return None,
    };
    Some((encoding, first_nul))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(text: &str, little: bool, mark: bool) -> Vec<u8> {
        let mut out = Vec::new();
        let units = mark
            .then_some(0xFEFF)
            .into_iter()
            .chain(text.encode_utf16());
        for u in units {
            out.extend(if little {
                u.to_le_bytes()
            } else {
                u.to_be_bytes()
            });
        }
        out
    }

    fn utf32(text: &str, little: bool) -> Vec<u8> {
        let mut out = Vec::new();
        for c in std::iter::once('\u{feff}').chain(text.chars()) {
            let c = c as u32;
            out.extend(if little {
                c.to_le_bytes()
            } else {
                c.to_be_bytes()
            });
        }
        out
    }

    const TEXT: &str = "{\"name\": \"café ☕ 𝄞\", \"n\": [1, 2]}\r\n";

    #[test]
    fn a_mark_picks_the_encoding_and_is_dropped() {
        for bytes in [
            utf16(TEXT, true, true),
            utf16(TEXT, false, true),
            utf32(TEXT, true),
            utf32(TEXT, false),
        ] {
            assert_eq!(decode(bytes, "f").as_deref(), Ok(TEXT));
        }
        assert_eq!(decode(TEXT.as_bytes().to_vec(), "f").as_deref(), Ok(TEXT));
    }

    #[test]
    fn a_lone_surrogate_or_a_cut_unit_is_located() {
        let mut bytes = utf16("{\n\"a\": 1}", true, true);
        bytes.extend([0x00, 0xD8, b'x', 0]);
        let e = decode(bytes.clone(), "f").unwrap_err();
        assert_eq!(
            (e.line, e.column, e.message.contains("UTF-16LE")),
            (2, 8, true)
        );
        bytes.truncate(bytes.len() - 3);
        assert_eq!(decode(bytes, "f").unwrap_err().column, 8);
        let mut wide = utf32("ab", false);
        wide.extend([0, 0x11, 0, 0]);
        assert_eq!(decode(wide, "f").unwrap_err().column, 3);
    }

    #[test]
    fn unmarked_wide_text_is_named_with_a_conversion() {
        let e = decode(utf16(TEXT, true, false), "plan.json").unwrap_err();
        assert!(e.message.contains("UTF-16LE"), "{}", e.message);
        assert_eq!((e.line, e.column), (1, 2));
        assert!(
            e.help
                .unwrap()
                .contains("iconv -f UTF-16LE -t UTF-8 plan.json")
        );
        let e = decode(utf16(TEXT, false, false), "f").unwrap_err();
        assert!(e.message.contains("UTF-16BE"), "{}", e.message);
        let mut wide = utf32(TEXT, true);
        wide.drain(..4);
        assert!(decode(wide, "f").unwrap_err().message.contains("UTF-32LE"));
    }

    #[test]
    fn invalid_utf8_keeps_its_error_and_a_stray_nul_is_left_to_the_parser() {
        let e = decode(b"{\"a\": \"caf\xe9\"}".to_vec(), "f").unwrap_err();
        assert_eq!(
            (e.message.as_str(), e.column, e.help),
            ("not valid UTF-8", 11, None)
        );
        assert_eq!(
            decode(b"{\"a\": \"\0\"}".to_vec(), "f").as_deref(),
            Ok("{\"a\": \"\0\"}")
        );
        assert!(decode(vec![0xFF], "f").is_err());
    }
}
