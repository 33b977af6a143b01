//! String literals: a body scanned to its closing quote through nested
//! interpolations (bounded depth, stopping on its line), split into text
//! and `{…}` code, each code part lexed in place, and escapes decoded.
//! Offsets stay those of the whole file, so every span points into it.

use super::{LexError, Lexed, Token, lex_into};
use crate::diagnostic::Diagnostic;
use crate::source::{FileId, Span};
use std::ops::Range;

/// Interpolations nest (`"{f("{x}")}"`); deeper than this is refused so that
/// hostile input cannot exhaust the stack.
pub(super) const MAX_STRING_NESTING: usize = 16;

pub(super) fn lex_string<'s>(lex: &mut logos::Lexer<'s, Token<'s>>) -> Result<&'s str, LexError> {
    let rest = lex.remainder();
    match scan_string(rest.as_bytes(), 0, 0) {
        Ok(end) => {
            lex.bump(end);
            let slice = lex.slice();
            Ok(&slice[1..slice.len() - 1])
        }
        Err(stop) if stop.too_deep => {
            // The rest of the line belongs to the refused string: lexing it
            // as code would only report follow-on errors.
            let line_end = rest[stop.at..]
                .find('\n')
                .map_or(rest.len(), |n| stop.at + n);
            lex.bump(line_end);
            Err(LexError::NestedTooDeep)
        }
        Err(stop) => {
            lex.bump(stop.at);
            Err(match stop.interpolation {
                Some(brace) => LexError::UnterminatedInterpolation(brace + 1),
                None => LexError::UnterminatedString,
            })
        }
    }
}

/// Where and why a string literal could not be scanned to its end.
struct Stop {
    at: usize,
    too_deep: bool,
    /// The `{` of the outermost interpolation left open, if it stopped
    /// inside one.
    interpolation: Option<usize>,
}

/// Scans a string body that starts at `i` (just after the opening quote).
/// Returns the index just past the closing quote, or where it stopped: the
/// end of the line where it was left unterminated, or the interpolation
/// that nests too deep. Only ever stops on ASCII bytes, so returned indices
/// are character boundaries.
fn scan_string(b: &[u8], mut i: usize, nesting: usize) -> Result<usize, Stop> {
    loop {
        match b.get(i) {
            None | Some(b'\n') => {
                return Err(Stop {
                    at: i,
                    too_deep: false,
                    interpolation: None,
                });
            }
            Some(b'"') => return Ok(i + 1),
            Some(b'\\') => match unicode_escape_len(b, i) {
                Some(len) => i += len,
                // A backslash takes the next byte with it, but neither the
                // line end (the string still stops on its line) nor the end
                // of the input: a bump past it panics in logos.
                None => {
                    i += if matches!(b.get(i + 1), Some(b'\n') | None) {
                        1
                    } else {
                        2
                    }
                }
            },
            Some(b'{') if b.get(i + 1) == Some(&b'{') => i += 2,
            Some(b'{') => {
                i = scan_code(b, i + 1, nesting + 1).map_err(|mut stop| {
                    // Each level out overwrites it: the outermost `{` stays.
                    stop.interpolation = Some(i);
                    stop
                })?
            }
            Some(_) => i += 1,
        }
    }
}

/// The length of a `\u{..}` escape at `i` (closed on its line), so that
/// its braces are not taken for an interpolation.
fn unicode_escape_len(b: &[u8], i: usize) -> Option<usize> {
    if b.get(i + 1) != Some(&b'u') || b.get(i + 2) != Some(&b'{') {
        return None;
    }
    let rest = b.get(i + 3..)?;
    let close = rest
        .iter()
        .position(|&c| matches!(c, b'}' | b'"' | b'\n'))?;
    (rest[close] == b'}').then_some(close + 4)
}

/// Scans interpolated code from `i` to just past its closing `}`.
fn scan_code(b: &[u8], mut i: usize, nesting: usize) -> Result<usize, Stop> {
    if nesting > MAX_STRING_NESTING {
        return Err(Stop {
            at: i,
            too_deep: true,
            interpolation: None,
        });
    }
    let mut depth = 1usize;
    loop {
        match b.get(i) {
            None | Some(b'\n') => {
                return Err(Stop {
                    at: i,
                    too_deep: false,
                    interpolation: None,
                });
            }
            Some(b'"') => i = scan_string(b, i + 1, nesting)?,
            Some(b'{') => {
                depth += 1;
                i += 1;
            }
            Some(b'}') => {
                depth -= 1;
                i += 1;
                if depth == 0 {
                    return Ok(i);
                }
            }
            Some(_) => i += 1,
        }
    }
}

/// A piece of a string literal's body, as byte ranges into the body.
enum Segment {
    Text(Range<usize>),
    Code(Range<usize>),
}

/// Splits a well-formed string body (as accepted by `scan_string`) into text
/// and interpolated code.
fn segments(body: &str) -> Vec<Segment> {
    let b = body.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += unicode_escape_len(b, i).unwrap_or(2),
            b'{' if b.get(i + 1) == Some(&b'{') => i += 2,
            b'{' => {
                out.push(Segment::Text(start..i));
                let end = scan_code(b, i + 1, 1).unwrap_or(b.len());
                out.push(Segment::Code(i + 1..end.saturating_sub(1).max(i + 1)));
                i = end;
                start = end;
            }
            _ => i += 1,
        }
    }
    out.push(Segment::Text(start..b.len().max(start)));
    out
}

/// Emits a string literal: one `Str` token, or a `StrBegin … StrEnd` run
/// with the interpolated code lexed in between.
pub(super) fn push_string<'src>(
    body: &'src str,
    body_base: usize,
    whole: Range<usize>,
    file: FileId,
    out: &mut Lexed<'src>,
) {
    let segs = segments(body);
    for seg in &segs {
        if let Segment::Text(r) = seg {
            check_text(&body[r.clone()], body_base + r.start, file, out);
        }
    }
    if segs.len() == 1 {
        out.tokens.push((Token::Str(body), whole));
        return;
    }
    let last = segs.len() - 1;
    for (n, seg) in segs.into_iter().enumerate() {
        match seg {
            Segment::Text(r) => {
                let text = &body[r.clone()];
                let (tok, span) = if n == 0 {
                    (Token::StrBegin(text), whole.start..body_base + r.end)
                } else if n == last {
                    (Token::StrEnd(text), body_base + r.start - 1..whole.end)
                } else {
                    (
                        Token::StrMid(text),
                        body_base + r.start - 1..body_base + r.end + 1,
                    )
                };
                out.tokens.push((tok, span));
            }
            Segment::Code(r) => {
                if body[r.clone()].trim().is_empty() {
                    out.report(
                        Diagnostic::error("P004", "empty interpolation `{}` in string")
                            .with_label(
                                Span::new(file, body_base + r.start - 1..body_base + r.end + 1),
                                "nothing to interpolate",
                            )
                            .with_help("write `{{}}` for literal braces"),
                    );
                    out.tokens
                        .push((Token::Error, body_base + r.start..body_base + r.end));
                } else {
                    out.interpolations
                        .push(body_base + r.start..body_base + r.end);
                    lex_into(&body[r.clone()], body_base + r.start, file, out);
                }
            }
        }
    }
}

/// Reports invalid escapes and lone `}` in one text segment of a string.
fn check_text(text: &str, base: usize, file: FileId, out: &mut Lexed<'_>) {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => match unescape_one(&text[i + 1..]) {
                Ok((_, len)) => i += 1 + len,
                Err(len) => {
                    out.report(
                        Diagnostic::error("P003", "invalid escape sequence in string")
                            .with_label(Span::new(file, base + i..base + i + 1 + len), "not a valid escape")
                            .with_help(r#"valid escapes are \" \\ \n \t \r and \u{HEX}; write `{{` and `}}` for braces"#),
                    );
                    i += 1 + len;
                }
            },
            b'{' | b'}' if b.get(i + 1) == Some(&b[i]) => i += 2,
            b'}' => {
                out.report(
                    Diagnostic::error("P003", "unmatched `}` in string").with_label(
                        Span::new(file, base + i..base + i + 1),
                        "write `}}` for a literal brace",
                    ),
                );
                i += 1;
            }
            _ => i += 1,
        }
    }
}

/// Decodes one escape (the text after a backslash): the character and the
/// number of bytes consumed, or `Err(bytes)` to underline when invalid.
fn unescape_one(rest: &str) -> Result<(char, usize), usize> {
    let mut it = rest.chars();
    let c = it.next().ok_or(0usize)?;
    Ok(match c {
        '"' => ('"', 1),
        '\\' => ('\\', 1),
        'n' => ('\n', 1),
        't' => ('\t', 1),
        'r' => ('\r', 1),
        'u' => {
            let close = rest.find('}').ok_or(1usize)?;
            let hex = rest
                .get(2..close)
                .filter(|_| rest[1..].starts_with('{'))
                .ok_or(close + 1)?;
            let code = u32::from_str_radix(hex, 16).map_err(|_| close + 1)?;
            (char::from_u32(code).ok_or(close + 1)?, close + 1)
        }
        other => return Err(other.len_utf8()),
    })
}

/// Processes escapes and doubled braces in raw string text. Invalid escapes
/// were reported by the lexer and are kept literally here.
pub fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    while let Some(c) = raw[i..].chars().next() {
        match c {
            '\\' => match unescape_one(&raw[i + 1..]) {
                Ok((ch, len)) => {
                    out.push(ch);
                    i += 1 + len;
                }
                Err(_) => {
                    out.push('\\');
                    i += 1;
                }
            },
            '{' | '}' if raw[i + 1..].starts_with(c) => {
                out.push(c);
                i += 2;
            }
            c => {
                out.push(c);
                i += c.len_utf8();
            }
        }
    }
    out
}
