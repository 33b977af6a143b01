//! The JSON parser's tokens: the document's bytes as the buffer holds
//! them (more on demand, whitespace), strings (plain runs eight bytes at a
//! time, escapes decoded, UTF-8 checked) and the literals `true`, `false`
//! and `null`. Every token is read in place; a string is copied only when
//! it has escapes.

use super::errors::{Code, stop_error};
use super::{Parser, Res};
use crate::facts::arena::Packed;
use std::io::Read;

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// The first byte from `i` on that is a quote, a backslash, a control
/// character or not ASCII: eight at a time (the lowest byte flagged in
/// a word is always a real one: a borrow only runs upwards).
#[inline]
fn skip_plain(buf: &[u8], mut i: usize) -> usize {
    while let Some(chunk) = buf.get(i..i + 8) {
        let Ok(bytes) = <[u8; 8]>::try_from(chunk) else {
            break;
        };
        let w = u64::from_le_bytes(bytes);
        let quote = w ^ (ONES * u64::from(b'"'));
        let backslash = w ^ (ONES * u64::from(b'\\'));
        let flagged = ((quote.wrapping_sub(ONES) & !quote)
            | (backslash.wrapping_sub(ONES) & !backslash)
            | w.wrapping_sub(ONES * 0x20)
            | w)
            & HIGH;
        if flagged != 0 {
            return i + (flagged.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < buf.len() && !matches!(buf[i], b'"' | b'\\' | 0..=0x1F | 0x80..) {
        i += 1;
    }
    i
}

fn hex4(b: &[u8]) -> Option<u16> {
    let mut n = 0u16;
    for &c in b {
        n = n << 4 | (c as char).to_digit(16)? as u16;
    }
    Some(n)
}

fn push_char(out: &mut Vec<u8>, c: u32) {
    let c = char::from_u32(c).unwrap_or('\u{FFFD}');
    out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
}

impl<R: Read> Parser<R> {
    // ---- input ------------------------------------------------------------

    /// Sets `doc_end` from buffer index `from` on: the next newline in
    /// JSON lines, else the end of the data.
    pub(in crate::facts) fn find_doc_end(&mut self, from: usize) {
        let end = self.input.end;
        self.doc_end = if self.lines {
            memchr::memchr(b'\n', &self.input.buf[from.min(end)..end]).map_or(end, |i| from + i)
        } else {
            end
        };
    }

    /// More bytes for the document, keeping those from buffer index `keep`
    /// on: `Some(shift)` when the buffer moved by `shift` (maybe with
    /// nothing new: ask again), None at the document's end.
    pub(super) fn more(&mut self, keep: usize) -> Res<Option<usize>> {
        if self.doc_end < self.input.end {
            return Ok(None);
        }
        let from = self.doc_end;
        match self.input.more(keep) {
            Ok(Some(shift)) => {
                self.find_doc_end(from - shift);
                Ok(Some(shift))
            }
            Ok(None) => Ok(None),
            Err(stop) => Err(Box::new(stop_error(stop))),
        }
    }

    /// Whether the document's bytes end at `doc_end` (no more will come).
    #[inline]
    pub(super) fn at_last_bytes(&self) -> bool {
        self.doc_end < self.input.end || self.input.eof
    }

    /// Makes `n` bytes from buffer index `i` available, unless the
    /// document ends first; returns where index `i` is now.
    pub(super) fn ensure(&mut self, mut i: usize, n: usize) -> Res<usize> {
        while self.doc_end - i < n {
            match self.more(i)? {
                Some(shift) => i -= shift,
                None => break,
            }
        }
        Ok(i)
    }

    /// Skips whitespace; the next byte, not consumed, or None at the end.
    #[inline(always)]
    pub(in crate::facts) fn peek_ws(&mut self) -> Res<Option<u8>> {
        let pos = self.input.pos;
        if pos < self.doc_end {
            let c = self.input.buf[pos];
            if !matches!(c, b' ' | b'\n' | b'\t' | b'\r') {
                return Ok(Some(c));
            }
        }
        self.skip_ws()
    }

    #[inline(never)]
    fn skip_ws(&mut self) -> Res<Option<u8>> {
        loop {
            let mut pos = self.input.pos;
            while pos < self.doc_end {
                let c = self.input.buf[pos];
                if !matches!(c, b' ' | b'\n' | b'\t' | b'\r') {
                    self.input.pos = pos;
                    return Ok(Some(c));
                }
                pos += 1;
            }
            self.input.pos = pos;
            if self.more(pos)?.is_none() {
                return Ok(None);
            }
        }
    }

    /// Whether everything from `pos` to the document's end is Unicode
    /// whitespace (what `str::trim` removes); consumes it.
    pub(super) fn rest_is_blank(&mut self) -> Res<bool> {
        loop {
            let pos = self.input.pos;
            let bytes = &self.input.buf[pos..self.doc_end];
            let (text, complete) = match std::str::from_utf8(bytes) {
                Ok(t) => (t, true),
                Err(e) if e.error_len().is_none() => (
                    std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or(""),
                    false,
                ),
                Err(_) => return Ok(false),
            };
            if !text.chars().all(char::is_whitespace) {
                return Ok(false);
            }
            self.input.pos = pos + text.len();
            if self.more(self.input.pos)?.is_none() {
                return Ok(complete);
            }
        }
    }

    // ---- scalars ----------------------------------------------------------

    /// A string value, its opening quote just consumed.
    #[inline]
    pub(super) fn string_value(&mut self) -> Res<()> {
        let start = self.input.pos;
        let buf = &self.input.buf[..self.doc_end];
        let end = skip_plain(buf, start);
        if buf.get(end) == Some(&b'"') {
            self.input.pos = end + 1;
            return self
                .b
                .push_string(&self.input.buf[start..end])
                .map_err(|m| self.arena_error(m));
        }
        self.string_value_slow(start)
    }

    #[inline(never)]
    fn string_value_slow(&mut self, start: usize) -> Res<()> {
        let escaped = self.scan_string(start)?;
        let pushed = if escaped {
            self.b.push_string(&self.tmp)
        } else {
            self.b.push_string(&self.input.buf[self.run.0..self.run.1])
        };
        pushed.map_err(|m| self.arena_error(m))
    }

    /// Reads the rest of a string whose opening quote was just consumed,
    /// keeping the buffer from index `keep` on meanwhile. Its text ends in
    /// `run` (no escapes) or `tmp` (decoded); returns which: true for `tmp`.
    pub(in crate::facts) fn scan_string(&mut self, mut keep: usize) -> Res<bool> {
        let mut start = self.input.pos;
        let mut i = start;
        let mut escaped = false;
        // The first byte of the current run that is not ASCII.
        let mut wide_from = usize::MAX;
        loop {
            i = skip_plain(&self.input.buf[..self.doc_end], i);
            if i == self.doc_end {
                let Some(shift) = self.more(keep)? else {
                    self.validate(wide_from, i)?;
                    return Err(self.err_at(i, Code::EofString));
                };
                keep -= shift;
                start -= shift;
                i -= shift;
                wide_from = wide_from.saturating_sub(shift);
                continue;
            }
            match self.input.buf[i] {
                b'"' => {
                    self.validate(wide_from, i)?;
                    if escaped {
                        self.tmp.extend_from_slice(&self.input.buf[start..i]);
                    } else {
                        self.run = (start, i);
                    }
                    self.input.pos = i + 1;
                    return Ok(escaped);
                }
                b'\\' => {
                    self.validate(wide_from, i)?;
                    wide_from = usize::MAX;
                    if !escaped {
                        self.tmp.clear();
                        escaped = true;
                    }
                    self.tmp.extend_from_slice(&self.input.buf[start..i]);
                    // What came before is in `tmp`, and an escaped key is
                    // reported at its object's end: keep only what follows.
                    let at = self.ensure(i + 1, 11)?;
                    i = self.escape(at)?;
                    start = i;
                    keep = i;
                }
                0..=0x1F => {
                    self.validate(wide_from, i)?;
                    return Err(self.err_at(i + 1, Code::ControlCharacter));
                }
                _ => {
                    wide_from = wide_from.min(i);
                    while i < self.doc_end && self.input.buf[i] >= 0x80 {
                        i += 1;
                    }
                }
            }
        }
    }

    /// Decodes the escape after a backslash, at buffer index `i` (with its
    /// bytes there, as `ensure` left them); returns the index after it.
    fn escape(&mut self, mut i: usize) -> Res<usize> {
        let end = self.doc_end;
        let Some(&c) = self.input.buf[..end].get(i) else {
            return Err(self.err_at(end, Code::EofString));
        };
        i += 1;
        let byte = match c {
            b'"' => b'"',
            b'\\' => b'\\',
            b'/' => b'/',
            b'b' => 0x08,
            b'f' => 0x0C,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'u' => {
                let (n, at) = self.hex_escape(i)?;
                i = at;
                if (0xDC00..=0xDFFF).contains(&n) {
                    return Err(self.err_at(i, Code::LoneSurrogate));
                }
                if !(0xD800..=0xDBFF).contains(&n) {
                    push_char(&mut self.tmp, n.into());
                    return Ok(i);
                }
                for expected in [b'\\', b'u'] {
                    match self.input.buf[..end].get(i) {
                        None => return Err(self.err_at(i, Code::EofString)),
                        Some(&b) if b != expected => {
                            return Err(self.err_at(i + 1, Code::UnexpectedEndOfHexEscape));
                        }
                        Some(_) => i += 1,
                    }
                }
                let (low, at) = self.hex_escape(i)?;
                if !(0xDC00..=0xDFFF).contains(&low) {
                    return Err(self.err_at(at, Code::LoneSurrogate));
                }
                let c = (((n as u32 - 0xD800) << 10) | (low as u32 - 0xDC00)) + 0x1_0000;
                push_char(&mut self.tmp, c);
                return Ok(at);
            }
            _ => return Err(self.err_at(i, Code::InvalidEscape)),
        };
        self.tmp.push(byte);
        Ok(i)
    }

    /// Four hex digits at `i`, and the index after them.
    fn hex_escape(&self, i: usize) -> Res<(u16, usize)> {
        let Some(digits) = self.input.buf[..self.doc_end].get(i..i + 4) else {
            return Err(self.err_at(self.doc_end, Code::EofString));
        };
        match hex4(digits) {
            Some(n) => Ok((n, i + 4)),
            None => Err(self.err_at(i + 4, Code::InvalidEscape)),
        }
    }

    /// `true`, `false` or `null`, whose first letter is at `pos`.
    #[inline]
    pub(super) fn literal(&mut self, rest: &[u8], node: Packed) -> Res<()> {
        let pos = self.input.pos;
        let end = pos + 1 + rest.len();
        if self.input.buf[..self.doc_end].get(pos + 1..end) == Some(rest) {
            self.input.pos = end;
            return self.b.push_packed(node).map_err(|m| self.arena_error(m));
        }
        self.literal_slow(rest, node)
    }

    #[inline(never)]
    fn literal_slow(&mut self, rest: &[u8], node: Packed) -> Res<()> {
        self.input.pos += 1;
        for &expected in rest {
            while self.input.pos == self.doc_end {
                if self.more(self.input.pos)?.is_none() {
                    return Err(self.err_at(self.input.pos, Code::EofValue));
                }
            }
            let c = self.input.buf[self.input.pos];
            self.input.pos += 1;
            if c != expected {
                return Err(self.err_at(self.input.pos, Code::ExpectedIdent));
            }
        }
        self.b.push_packed(node).map_err(|m| self.arena_error(m))
    }
}
