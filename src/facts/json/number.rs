//! JSON numbers: the digits at the parser's position into an integer or a
//! float node, exactly as serde_json reads them (the same values, the same
//! errors), read again with more bytes when the buffer ends inside one.

use super::errors::Code;
use super::{Parser, Res};
use crate::facts::arena::{self, Packed};
use std::io::Read;

impl<R: Read> Parser<R> {
    /// A number whose first digit is at `pos` (after its `-`, if negative).
    #[inline]
    pub(super) fn number(&mut self, negative: bool) -> Res<()> {
        // Most numbers in facts are small integers: up to 18 digits that
        // end before the buffer does, with no fraction or exponent.
        let pos = self.input.pos;
        let buf = &self.input.buf[..self.doc_end];
        let first = buf.get(pos).copied().unwrap_or(0);
        if first.is_ascii_digit()
            && (first != b'0' || !buf.get(pos + 1).is_some_and(u8::is_ascii_digit))
        {
            let mut n: i64 = 0;
            let mut i = pos;
            while i < buf.len() && i - pos < 18 && buf[i].is_ascii_digit() {
                n = n * 10 + i64::from(buf[i] - b'0');
                i += 1;
            }
            if i < buf.len()
                && !matches!(buf[i], b'0'..=b'9' | b'.' | b'e' | b'E')
                && (n != 0 || !negative)
            {
                self.input.pos = i;
                let node = Packed::small_int(if negative { -n } else { n });
                if let Some(node) = node {
                    return self.b.push_packed(node).map_err(|m| self.arena_error(m));
                }
                self.input.pos = pos;
            }
        }
        self.number_slow(negative)
    }

    #[inline(never)]
    fn number_slow(&mut self, negative: bool) -> Res<()> {
        loop {
            let start = self.input.pos;
            let last = self.at_last_bytes();
            match scan_number(&self.input.buf[start..self.doc_end], last, negative) {
                Ok((len, node)) => {
                    self.input.pos = start + len;
                    return self.b.push(node).map_err(|m| self.arena_error(m));
                }
                Err(NumberStop::Error(code, at)) => return Err(self.err_at(start + at, code)),
                Err(NumberStop::Incomplete) => {
                    self.more(start)?;
                }
            }
        }
    }
}

enum NumberStop {
    /// The bytes end before the number does: read more.
    Incomplete,
    /// serde_json's error, at this many bytes from the number's start.
    Error(Code, usize),
}

/// The number at the start of `s` (after its sign): its length and value,
/// with serde_json's errors and their positions. `last`: no byte follows
/// `s` (else a number that reaches its end may go on).
fn scan_number(s: &[u8], last: bool, negative: bool) -> Result<(usize, arena::Node), NumberStop> {
    use NumberStop::{Error, Incomplete};
    let len = s.len();
    let digit = |i: usize| s.get(i).is_some_and(u8::is_ascii_digit);
    // Reaching the end of the bytes is only final when they are the last.
    let end = |i: usize| {
        if i >= len && !last {
            Err(Incomplete)
        } else {
            Ok(())
        }
    };
    end(0)?;
    let Some(&first) = s.first() else {
        return Err(Error(Code::EofValue, 0));
    };
    let mut i = 1;
    let mut significand: u64 = 0;
    let mut wide = false;
    let mut nonzero = false;
    match first {
        b'0' => {
            end(1)?;
            if digit(1) {
                return Err(Error(Code::InvalidNumber, 2));
            }
        }
        b'1'..=b'9' => {
            significand = u64::from(first - b'0');
            nonzero = true;
            while digit(i) {
                let d = u64::from(s[i] - b'0');
                match significand.checked_mul(10).and_then(|n| n.checked_add(d)) {
                    Some(n) if !wide => significand = n,
                    _ => wide = true,
                }
                i += 1;
            }
            end(i)?;
        }
        _ => return Err(Error(Code::InvalidNumber, 1)),
    }
    let mut float = false;
    if s.get(i) == Some(&b'.') {
        float = true;
        i += 1;
        let digits = i;
        while digit(i) {
            nonzero |= s[i] != b'0';
            i += 1;
        }
        end(i)?;
        if i == digits {
            return Err(if i < len {
                Error(Code::InvalidNumber, i + 1)
            } else {
                Error(Code::EofValue, i)
            });
        }
    }
    if matches!(s.get(i), Some(b'e' | b'E')) {
        float = true;
        i += 1;
        end(i)?;
        let mut positive = true;
        if let Some(&sign @ (b'+' | b'-')) = s.get(i) {
            positive = sign == b'+';
            i += 1;
            end(i)?;
        }
        if i >= len {
            return Err(Error(Code::EofValue, i));
        }
        if !digit(i) {
            return Err(Error(Code::InvalidNumber, i + 1));
        }
        let mut exponent = i32::from(s[i] - b'0');
        i += 1;
        while digit(i) {
            let d = i32::from(s[i] - b'0');
            i += 1;
            match exponent.checked_mul(10).and_then(|n| n.checked_add(d)) {
                Some(n) => exponent = n,
                None if nonzero && positive => return Err(Error(Code::NumberOutOfRange, i)),
                None => {
                    while digit(i) {
                        i += 1;
                    }
                    end(i)?;
                    return Ok((i, arena::Node::Float(if negative { -0.0 } else { 0.0 })));
                }
            }
        }
        end(i)?;
    }
    if !float && !wide {
        let node = if !negative {
            i64::try_from(significand)
                .map_or(arena::Node::Float(significand as f64), arena::Node::Int)
        } else {
            // serde_json's rule: -0 and what does not fit are floats.
            let n = (significand as i64).wrapping_neg();
            if n >= 0 {
                arena::Node::Float(-(significand as f64))
            } else {
                arena::Node::Int(n)
            }
        };
        return Ok((i, node));
    }
    let text = std::str::from_utf8(&s[..i]).unwrap_or_default();
    match text.parse::<f64>() {
        Ok(f) if f.is_finite() => Ok((i, arena::Node::Float(if negative { -f } else { f }))),
        _ => Err(Error(Code::NumberOutOfRange, i)),
    }
}
