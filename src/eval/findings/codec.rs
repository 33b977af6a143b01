//! Findings as bytes, for a `Spill`: each field in order, strings as a
//! little-endian u64 length and their UTF-8 bytes. In: a finding; out: its
//! bytes, which `decode` turns back into an equal finding (None for bytes
//! no `encode` wrote).

use crate::eval::{Passed, SubjectError, Violation};
use crate::source::{FileId, Span};

/// A finding that can be written to a temporary file and read back.
pub trait Spillable: Clone + Sized {
    fn encode(&self, out: &mut Vec<u8>);
    fn decode(input: &mut &[u8]) -> Option<Self>;
}

fn put_u64(out: &mut Vec<u8>, n: u64) {
    out.extend_from_slice(&n.to_le_bytes());
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_u64(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

fn put_option(out: &mut Vec<u8>, s: Option<&str>) {
    out.push(u8::from(s.is_some()));
    if let Some(s) = s {
        put_str(out, s);
    }
}

fn put_span(out: &mut Vec<u8>, span: Span) {
    for n in [span.file.0, span.start, span.end] {
        out.extend_from_slice(&n.to_le_bytes());
    }
}

fn take<'b>(input: &mut &'b [u8], n: usize) -> Option<&'b [u8]> {
    let (head, rest) = input.split_at_checked(n)?;
    *input = rest;
    Some(head)
}

fn take_u64(input: &mut &[u8]) -> Option<u64> {
    Some(u64::from_le_bytes(take(input, 8)?.try_into().ok()?))
}

fn take_u32(input: &mut &[u8]) -> Option<u32> {
    Some(u32::from_le_bytes(take(input, 4)?.try_into().ok()?))
}

fn take_bool(input: &mut &[u8]) -> Option<bool> {
    match take(input, 1)? {
        [0] => Some(false),
        [1] => Some(true),
        _ => None,
    }
}

fn take_str(input: &mut &[u8]) -> Option<String> {
    let len = usize::try_from(take_u64(input)?).ok()?;
    String::from_utf8(take(input, len)?.to_vec()).ok()
}

fn take_option(input: &mut &[u8]) -> Option<Option<String>> {
    match take_bool(input)? {
        true => take_str(input).map(Some),
        false => Some(None),
    }
}

fn take_span(input: &mut &[u8]) -> Option<Span> {
    Some(Span {
        file: FileId(take_u32(input)?),
        start: take_u32(input)?,
        end: take_u32(input)?,
    })
}

impl Spillable for Violation {
    fn encode(&self, out: &mut Vec<u8>) {
        put_str(out, &self.key);
        put_option(out, self.pointer.as_deref());
        put_str(out, &self.message);
        out.push(u8::from(self.waived));
        put_span(out, self.span);
    }

    fn decode(input: &mut &[u8]) -> Option<Self> {
        Some(Violation {
            key: take_str(input)?,
            pointer: take_option(input)?,
            message: take_str(input)?,
            waived: take_bool(input)?,
            span: take_span(input)?,
        })
    }
}

impl Spillable for SubjectError {
    fn encode(&self, out: &mut Vec<u8>) {
        put_str(out, &self.key);
        put_option(out, self.pointer.as_deref());
        put_str(out, &self.message);
        put_span(out, self.span);
        out.push(u8::from(self.attested));
    }

    fn decode(input: &mut &[u8]) -> Option<Self> {
        Some(SubjectError {
            key: take_str(input)?,
            pointer: take_option(input)?,
            message: take_str(input)?,
            span: take_span(input)?,
            attested: take_bool(input)?,
        })
    }
}

impl Spillable for Passed {
    fn encode(&self, out: &mut Vec<u8>) {
        put_str(out, &self.key);
        put_option(out, self.pointer.as_deref());
    }

    fn decode(input: &mut &[u8]) -> Option<Self> {
        Some(Passed {
            key: take_str(input)?,
            pointer: take_option(input)?,
        })
    }
}
