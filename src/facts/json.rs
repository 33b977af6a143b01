//! JSON and JSON lines: bytes in (streamed through `Input`), nodes in a
//! `Builder` out. A hand-written parser with an explicit stack (no
//! recursion, whatever the depth), that finds the end of plain strings
//! eight bytes at a time and predicts object keys from the last object
//! read in the same place, so uniform exports cost one comparison per key.
//! It accepts exactly what serde_json accepts, and fails with serde_json's
//! message at serde_json's line and column (`tests.rs` holds it to that);
//! strings must be UTF-8, checked as they are read.

use super::arena::{self, Builder, NONE, Packed};
use super::input::{Input, Stop};
use super::{ErrorKind, FactsError, Limits, MAX_DEPTH};
use std::collections::HashSet;
use std::io::Read;

/// Errors stay boxed inside the parser, so results are one word wide.
pub(super) type Fail = Box<FactsError>;
pub(super) type Res<T> = Result<T, Fail>;

/// Reads a JSON document, or JSON lines as a list; returns the builder
/// and the root node.
pub(super) fn read(
    reader: impl Read,
    lines: bool,
    limits: &Limits,
) -> Result<(Builder, Packed), FactsError> {
    let p = Parser::new(
        Input::new(reader, limits.max_size),
        Builder::new(limits.arena_limit()),
        lines,
    );
    if lines { read_lines(p) } else { whole(p) }
}

/// Reads one JSON document with this parser: the builder and the root.
pub(super) fn whole<R: Read>(mut p: Parser<R>) -> Result<(Builder, Packed), FactsError> {
    p.input.skip_bom().map_err(stop_error)?;
    p.find_doc_end(0);
    p.whole().map_err(|e| *e)?;
    let root = p.b.scratch.pop().unwrap_or(Packed::NULL);
    Ok((p.b, root))
}

fn read_lines<R: Read>(mut p: Parser<R>) -> Result<(Builder, Packed), FactsError> {
    p.input.skip_bom().map_err(stop_error)?;
    p.find_doc_end(0);
    p.lines_part()
        .and_then(|()| p.end_lines())
        .map_err(|e| *e)?;
    let root = p.b.scratch.pop().unwrap_or(Packed::NULL);
    Ok((p.b, root))
}

/// serde_json's error codes, with its messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Code {
    EofList,
    EofObject,
    EofString,
    EofValue,
    ExpectedColon,
    ExpectedListCommaOrEnd,
    ExpectedObjectCommaOrEnd,
    ExpectedIdent,
    ExpectedValue,
    InvalidEscape,
    InvalidNumber,
    NumberOutOfRange,
    ControlCharacter,
    KeyMustBeAString,
    LoneSurrogate,
    TrailingComma,
    TrailingCharacters,
    UnexpectedEndOfHexEscape,
    TooDeep,
}

impl Code {
    fn message(self) -> String {
        match self {
            Code::EofList => "EOF while parsing a list",
            Code::EofObject => "EOF while parsing an object",
            Code::EofString => "EOF while parsing a string",
            Code::EofValue => "EOF while parsing a value",
            Code::ExpectedColon => "expected `:`",
            Code::ExpectedListCommaOrEnd => "expected `,` or `]`",
            Code::ExpectedObjectCommaOrEnd => "expected `,` or `}`",
            Code::ExpectedIdent => "expected ident",
            Code::ExpectedValue => "expected value",
            Code::InvalidEscape => "invalid escape",
            Code::InvalidNumber => "invalid number",
            Code::NumberOutOfRange => "number out of range",
            Code::ControlCharacter => {
                "control character (\\u0000-\\u001F) found while parsing a string"
            }
            Code::KeyMustBeAString => "key must be a string",
            Code::LoneSurrogate => "lone leading surrogate in hex escape",
            Code::TrailingComma => "trailing comma",
            Code::TrailingCharacters => "trailing characters",
            Code::UnexpectedEndOfHexEscape => "unexpected end of hex escape",
            Code::TooDeep => {
                return format!("arrays and objects nest more than {MAX_DEPTH} levels deep");
            }
        }
        .to_string()
    }
}

/// An open array or object.
pub(super) struct Frame {
    pub(super) object: bool,
    /// Every key so far is the one the predicted shape has there.
    pub(super) matched: bool,
    /// Where its children start in the builder's scratch.
    pub(super) mark: usize,
    /// Where its keys start in the builder's scratch keys.
    pub(super) key_mark: usize,
    /// Where it sits (the key it is under, plus one; arrays pass theirs
    /// on to their elements): the last shape closed there is predicted.
    context: u32,
    shape: u32,
    /// The first repeated key, reported when the object closes (after
    /// any syntax error before its end, as serde_json would).
    pub(super) repeat: Option<Box<Repeat>>,
    /// The keys so far, once there are too many to compare one by one.
    #[allow(
        clippy::box_collection,
        reason = "one word in every frame; most objects never need the set"
    )]
    seen: Option<Box<HashSet<u32>>>,
    /// Opened before the part of the input this thread reads (see `split`):
    /// closing it records a `Level` instead of a block.
    pub(super) virtual_level: bool,
    /// A virtual container whose kind the next token will tell.
    pub(super) unknown: bool,
}

impl Frame {
    /// The frame a thread reading from the middle of a document starts in:
    /// an array opened before, or a container of a kind not yet known.
    pub(super) fn virtual_frame(object: bool, unknown: bool) -> Frame {
        Frame {
            object,
            matched: false,
            mark: 0,
            key_mark: 0,
            context: 0,
            shape: NONE,
            repeat: None,
            seen: None,
            virtual_level: true,
            unknown,
        }
    }
}

pub(super) struct Repeat {
    message: String,
    /// Where the key is written; None for an escaped key, reported at the
    /// end of its object.
    at: Option<(usize, usize)>,
}

pub(super) struct Parser<R> {
    pub(super) input: Input<R>,
    pub(super) b: Builder,
    pub(super) stack: Vec<Frame>,
    /// Containers opened before this thread's part, closed in it.
    pub(super) levels: Vec<super::split::Level>,
    /// The deepest nesting reached, counted from where this part began.
    pub(super) depth: i64,
    /// The thread reading the part of the input after this one's.
    pub(super) next: Option<super::split::Successor>,
    /// End of the current document's bytes in the buffer: the data end,
    /// or in JSON lines the next newline.
    doc_end: usize,
    lines: bool,
    /// The shapes last closed in each context, most recent first.
    contexts: Vec<[u32; CANDIDATES]>,
    /// The text of a string with escapes, decoded.
    pub(super) tmp: Vec<u8>,
    /// The text of a string without escapes, in the buffer.
    pub(super) run: (usize, usize),
    /// Documents read (JSON lines).
    pub(super) documents: usize,
}

/// Shapes remembered per context: exports mix a few (tags with and
/// without an owner, ...).
const CANDIDATES: usize = 4;

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
    pub(super) fn new(input: Input<R>, b: Builder, lines: bool) -> Parser<R> {
        Parser {
            input,
            b,
            stack: Vec::new(),
            levels: Vec::new(),
            depth: 0,
            next: None,
            doc_end: 0,
            lines,
            contexts: vec![[NONE; CANDIDATES]],
            tmp: Vec::new(),
            run: (0, 0),
            documents: 0,
        }
    }

    // ---- errors -----------------------------------------------------------

    /// An error at buffer index `i` (serde_json's `error`: the column of
    /// the byte before `i`).
    #[cold]
    fn err_at(&self, i: usize, code: Code) -> Fail {
        let (line, column) = self.input.position(self.input.offset(i), false);
        Box::new(FactsError::syntax(code.message(), line, column))
    }

    /// An error about the byte at `pos` (serde_json's `peek_error`), which
    /// is not UTF-8 or a NUL byte when that is why it is unexpected.
    #[cold]
    fn peek_error(&mut self, code: Code) -> Fail {
        let pos = self.input.pos;
        if pos < self.doc_end {
            let c = self.input.buf[pos];
            if c >= 0x80 {
                let pos = self.ensure(pos, 4).unwrap_or(pos);
                let end = (pos + 4).min(self.doc_end);
                if let Err(e) = std::str::from_utf8(&self.input.buf[pos..end])
                    && e.valid_up_to() == 0
                {
                    return self.utf8_error(pos);
                }
                return self.err_at(pos + 1, code);
            }
            if c == 0 {
                let (line, column) = self.input.position(self.input.offset(pos + 1), false);
                return Box::new(FactsError::syntax(
                    "a NUL byte: binary data, not JSON text".into(),
                    line,
                    column,
                ));
            }
            return self.err_at(pos + 1, code);
        }
        self.err_at(pos, code)
    }

    #[cold]
    fn utf8_error(&self, i: usize) -> Fail {
        let (line, column) = self.input.position(self.input.offset(i), true);
        Box::new(FactsError {
            message: "not valid UTF-8".into(),
            line,
            column,
            kind: ErrorKind::Utf8,
        })
    }

    /// The bytes `from..to` of the buffer must be UTF-8.
    fn validate(&self, from: usize, to: usize) -> Res<()> {
        if from >= to {
            return Ok(());
        }
        std::str::from_utf8(&self.input.buf[from..to])
            .map(|_| ())
            .map_err(|e| self.utf8_error(from + e.valid_up_to()))
    }

    /// An arena error (a limit, or an allocation that failed).
    #[cold]
    pub(super) fn arena_error(&self, message: &'static str) -> Fail {
        let kind = match message {
            arena::LIMIT => ErrorKind::TooLarge,
            arena::OUT_OF_MEMORY => ErrorKind::OutOfMemory,
            _ => ErrorKind::Syntax,
        };
        let (line, column) = self
            .input
            .position(self.input.offset(self.input.pos), false);
        Box::new(FactsError {
            message: message.into(),
            line,
            column,
            kind,
        })
    }

    // ---- input ------------------------------------------------------------

    /// Sets `doc_end` from buffer index `from` on: the next newline in
    /// JSON lines, else the end of the data.
    pub(super) fn find_doc_end(&mut self, from: usize) {
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
    fn more(&mut self, keep: usize) -> Res<Option<usize>> {
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
    fn at_last_bytes(&self) -> bool {
        self.doc_end < self.input.end || self.input.eof
    }

    /// Makes `n` bytes from buffer index `i` available, unless the
    /// document ends first; returns where index `i` is now.
    fn ensure(&mut self, mut i: usize, n: usize) -> Res<usize> {
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
    pub(super) fn peek_ws(&mut self) -> Res<Option<u8>> {
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
    fn rest_is_blank(&mut self) -> Res<bool> {
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

    // ---- documents --------------------------------------------------------

    /// One JSON document, the whole input.
    pub(super) fn whole(&mut self) -> Res<()> {
        match self.peek_ws()? {
            None if !self.input.bom => return Err(Box::new(empty())),
            Some(c) if c >= 0x80 => {
                let e = self.peek_error(Code::ExpectedValue);
                return Err(if !self.input.bom && self.rest_is_blank()? {
                    Box::new(empty())
                } else {
                    e
                });
            }
            _ => {}
        }
        self.document()?;
        match self.peek_ws()? {
            Some(_) => Err(self.peek_error(Code::TrailingCharacters)),
            None => Ok(()),
        }
    }

    /// JSON lines: a document per line (blank lines skipped), each left on
    /// the scratch stack.
    pub(super) fn lines_part(&mut self) -> Res<()> {
        loop {
            match self.peek_ws()? {
                None => {}
                Some(c) if c >= 0x80 => {
                    let e = self.peek_error(Code::ExpectedValue);
                    if !self.rest_is_blank()? {
                        return Err(e);
                    }
                }
                Some(_) => {
                    self.document()?;
                    if self.peek_ws()?.is_some() {
                        return Err(self.peek_error(Code::TrailingCharacters));
                    }
                    self.documents += 1;
                }
            }
            if self.doc_end < self.input.end {
                self.input.pos = self.doc_end + 1;
                self.find_doc_end(self.input.pos);
            } else if self.input.eof {
                return Ok(());
            }
        }
    }

    /// The list of the documents read (none at all: the input is empty).
    pub(super) fn end_lines(&mut self) -> Res<()> {
        if self.documents == 0 && !self.input.bom {
            return Err(Box::new(empty()));
        }
        self.b.close(0, NONE).map_err(|m| self.arena_error(m))
    }

    /// One value (nested ones included) at `pos`, after whitespace.
    pub(super) fn document(&mut self) -> Res<()> {
        let Some(c) = self.peek_ws()? else {
            return Err(self.peek_error(Code::EofValue));
        };
        self.values(c)
    }

    /// The value whose first byte `c` is at `pos`, and what follows it until
    /// the stack is empty (or, reading from the middle, the input ends).
    pub(super) fn values(&mut self, mut c: u8) -> Res<()> {
        'value: loop {
            match c {
                b'{' => {
                    self.open(true)?;
                    match self.peek_ws()? {
                        Some(b'}') => {
                            self.input.pos += 1;
                            self.close_object()?;
                        }
                        Some(b'"') => {
                            c = self.entry()?;
                            continue 'value;
                        }
                        Some(_) => return Err(self.peek_error(Code::KeyMustBeAString)),
                        None => return Err(self.peek_error(Code::EofObject)),
                    }
                }
                b'[' => {
                    self.open(false)?;
                    let after = self.input.offset(self.input.pos);
                    match self.peek_ws()? {
                        Some(b']') => {
                            self.input.pos += 1;
                            self.close_array()?;
                        }
                        Some(_) if self.next.is_some() && self.jump(after)? => return Ok(()),
                        Some(next) => {
                            c = next;
                            continue 'value;
                        }
                        None => return Err(self.peek_error(Code::EofList)),
                    }
                }
                b'"' => {
                    self.input.pos += 1;
                    self.string_value()?;
                }
                b't' => self.literal(b"rue", Packed::bool(true))?,
                b'f' => self.literal(b"alse", Packed::bool(false))?,
                b'n' => self.literal(b"ull", Packed::NULL)?,
                b'-' => {
                    self.input.pos += 1;
                    self.number(true)?;
                }
                b'0'..=b'9' => self.number(false)?,
                _ => return Err(self.peek_error(Code::ExpectedValue)),
            }
            // After a value: the next element or entry, or the end of
            // containers, until one needs a value again.
            loop {
                let Some(&Frame {
                    object,
                    virtual_level,
                    unknown,
                    ..
                }) = self.stack.last()
                else {
                    return Ok(());
                };
                if unknown {
                    match self.virtual_next()? {
                        super::split::Next::Value(next) => {
                            c = next;
                            continue 'value;
                        }
                        super::split::Next::After => continue,
                        super::split::Next::End => return Ok(()),
                    }
                }
                if object {
                    match self.peek_ws()? {
                        Some(b',') => {
                            self.input.pos += 1;
                            match self.peek_ws()? {
                                Some(b'"') => {
                                    c = self.entry()?;
                                    continue 'value;
                                }
                                Some(b'}') => return Err(self.peek_error(Code::TrailingComma)),
                                Some(_) => return Err(self.peek_error(Code::KeyMustBeAString)),
                                None => return Err(self.peek_error(Code::EofValue)),
                            }
                        }
                        Some(b'}') => {
                            self.input.pos += 1;
                            if virtual_level {
                                self.close_virtual();
                            } else {
                                self.close_object()?;
                            }
                        }
                        Some(_) => return Err(self.peek_error(Code::ExpectedObjectCommaOrEnd)),
                        None => return Err(self.peek_error(Code::EofObject)),
                    }
                } else {
                    match self.peek_ws()? {
                        Some(b',') => {
                            self.input.pos += 1;
                            let after = self.input.offset(self.input.pos);
                            match self.peek_ws()? {
                                Some(b']') => return Err(self.peek_error(Code::TrailingComma)),
                                Some(_) if self.next.is_some() && self.jump(after)? => {
                                    return Ok(());
                                }
                                Some(next) => {
                                    c = next;
                                    continue 'value;
                                }
                                None => return Err(self.peek_error(Code::EofValue)),
                            }
                        }
                        Some(b']') => {
                            self.input.pos += 1;
                            if virtual_level {
                                self.close_virtual();
                            } else {
                                self.close_array()?;
                            }
                        }
                        Some(_) => return Err(self.peek_error(Code::ExpectedListCommaOrEnd)),
                        None => return Err(self.peek_error(Code::EofList)),
                    }
                }
            }
        }
    }

    // ---- containers -------------------------------------------------------

    /// Opens the array or object whose bracket is at `pos`.
    fn open(&mut self, object: bool) -> Res<()> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(self.peek_error(Code::TooDeep));
        }
        self.input.pos += 1;
        let context = match self.stack.last() {
            Some(top) if top.object => self.b.scratch_keys.last().map_or(0, |k| k + 1),
            Some(top) => top.context,
            None => 0,
        };
        let shape = if object {
            self.contexts.get(context as usize).map_or(NONE, |c| c[0])
        } else {
            NONE
        };
        self.stack.push(Frame {
            object,
            matched: shape != NONE,
            mark: self.b.scratch.len(),
            key_mark: self.b.scratch_keys.len(),
            context,
            shape,
            repeat: None,
            seen: None,
            virtual_level: false,
            unknown: false,
        });
        if self.stack[0].virtual_level {
            self.depth = self.depth.max(self.relative_depth());
        }
        Ok(())
    }

    pub(super) fn close_array(&mut self) -> Res<()> {
        let Some(frame) = self.stack.pop() else {
            return Ok(());
        };
        self.b
            .close(frame.mark, NONE)
            .map_err(|m| self.arena_error(m))
    }

    /// Closes the object whose `}` was just read.
    pub(super) fn close_object(&mut self) -> Res<()> {
        let Some(frame) = self.stack.pop() else {
            return Ok(());
        };
        if let Some(repeat) = frame.repeat {
            let (line, column) = repeat.at.unwrap_or_else(|| {
                self.input
                    .position(self.input.offset(self.input.pos), false)
            });
            return Err(Box::new(FactsError::syntax(repeat.message, line, column)));
        }
        let keys = &self.b.scratch_keys[frame.key_mark..];
        let candidates = self
            .contexts
            .get(frame.context as usize)
            .copied()
            .unwrap_or([NONE; CANDIDATES]);
        let known = if frame.matched && self.b.shapes.keys(frame.shape).len() == keys.len() {
            Some(frame.shape)
        } else {
            candidates
                .iter()
                .copied()
                .find(|&c| c != NONE && self.b.shapes.keys(c) == keys)
        };
        let shape = match known {
            Some(shape) => shape,
            None => self
                .b
                .shapes
                .intern(keys)
                .map_err(|m| self.arena_error(m))?,
        };
        if let Some(slot) = self.contexts.get_mut(frame.context as usize)
            && slot[0] != shape
        {
            // Most recent first: the others move down, the last drops out.
            let at = slot
                .iter()
                .position(|&c| c == shape)
                .unwrap_or(CANDIDATES - 1);
            slot.copy_within(0..at, 1);
            slot[0] = shape;
        }
        self.b.scratch_keys.truncate(frame.key_mark);
        self.b
            .close(frame.mark, shape)
            .map_err(|m| self.arena_error(m))
    }

    /// Reads a key (its quote at `pos`) and the colon after it; returns the
    /// first byte of the value.
    fn entry(&mut self) -> Res<u8> {
        self.key()?;
        match self.peek_ws()? {
            Some(b':') => self.input.pos += 1,
            Some(_) => return Err(self.peek_error(Code::ExpectedColon)),
            None => return Err(self.peek_error(Code::EofObject)),
        }
        match self.peek_ws()? {
            Some(c) => Ok(c),
            None => Err(self.peek_error(Code::EofValue)),
        }
    }

    #[inline]
    fn key(&mut self) -> Res<()> {
        let top = self.stack.len() - 1;
        let frame = &self.stack[top];
        if frame.matched {
            let index = self.b.scratch_keys.len() - frame.key_mark;
            if let Some(&k) = self.b.shapes.keys(frame.shape).get(index)
                && self.is_key_here(k)
            {
                return self.push_key(k);
            }
            self.switch_shape(top, index)?;
            if self.stack[top].matched {
                return Ok(());
            }
        }
        self.unpredicted_key(top)
    }

    #[inline]
    pub(super) fn push_key(&mut self, k: u32) -> Res<()> {
        if self.b.scratch_keys.len() == self.b.scratch_keys.capacity() {
            arena::grow(&mut self.b.scratch_keys, 1).map_err(|m| self.arena_error(m))?;
        }
        self.b.scratch_keys.push(k);
        Ok(())
    }

    /// Whether the key whose quote is at `pos` is key `k`; if so, consumed.
    #[inline(always)]
    fn is_key_here(&mut self, k: u32) -> bool {
        let pos = self.input.pos;
        let word = self.b.keys.word(k);
        let buf = &self.input.buf[..self.doc_end];
        if word != u64::MAX
            && let Some(&bytes) = buf
                .get(pos + 1..pos + 9)
                .and_then(|b| <&[u8; 8]>::try_from(b).ok())
        {
            // The key and its quote in one comparison.
            let len = (64 - word.leading_zeros()).div_ceil(8);
            let mask = u64::MAX >> (64 - 8 * len);
            if u64::from_le_bytes(bytes) & mask == word {
                self.input.pos = pos + 1 + len as usize;
                return true;
            }
            return false;
        }
        let Some(want) = self.b.keys.plain_bytes(k) else {
            return false;
        };
        let end = pos + 1 + want.len();
        if buf.get(pos + 1..end) == Some(want) && buf.get(end) == Some(&b'"') {
            self.input.pos = end + 1;
            return true;
        }
        false
    }

    /// The key at `pos` is not the predicted one: tries the other shapes
    /// remembered in this context that agree on the keys so far (with the
    /// buffer long enough to tell); else stops predicting.
    #[cold]
    fn switch_shape(&mut self, top: usize, index: usize) -> Res<()> {
        let pos = self.ensure(self.input.pos, 64)?;
        self.input.pos = pos;
        let frame = &self.stack[top];
        let so_far = &self.b.scratch_keys[frame.key_mark..];
        let candidates = self
            .contexts
            .get(frame.context as usize)
            .copied()
            .unwrap_or([NONE; CANDIDATES]);
        let mut next = [(NONE, NONE); CANDIDATES];
        for (slot, c) in next.iter_mut().zip(candidates) {
            let keys = self.b.shapes.keys(c);
            if c != NONE && c != frame.shape && keys.len() > index && keys[..index] == *so_far {
                *slot = (c, keys[index]);
            }
        }
        for (c, k) in next {
            if c != NONE && self.is_key_here(k) {
                self.stack[top].shape = c;
                return self.push_key(k);
            }
        }
        self.stack[top].matched = false;
        Ok(())
    }

    #[inline(never)]
    fn unpredicted_key(&mut self, top: usize) -> Res<()> {
        let quote = self.input.pos;
        self.input.pos += 1;
        let escaped = self.scan_string(quote)?;
        let text = if escaped {
            &self.tmp[..]
        } else {
            &self.input.buf[self.run.0..self.run.1]
        };
        let text = std::str::from_utf8(text).unwrap_or_default();
        let id = self.b.keys.intern(text).map_err(|m| self.arena_error(m))?;
        if self.contexts.len() < self.b.keys.len() + 1 {
            self.contexts
                .resize(self.b.keys.len() + 1, [NONE; CANDIDATES]);
        }
        let frame = &mut self.stack[top];
        if frame.repeat.is_none() {
            let keys = &self.b.scratch_keys[frame.key_mark..];
            let repeated = match &mut frame.seen {
                Some(seen) => !seen.insert(id),
                None if keys.len() < 16 => keys.contains(&id),
                None => {
                    let mut seen: HashSet<u32> = keys.iter().copied().collect();
                    let repeated = !seen.insert(id);
                    frame.seen = Some(Box::new(seen));
                    repeated
                }
            };
            if repeated {
                let key = crate::escape::terminal(text).into_owned();
                let at = (!escaped).then(|| {
                    // `quote` is still in the buffer: `scan_string` kept it.
                    self.input.position(self.input.offset(self.run.0 - 1), true)
                });
                frame.repeat = Some(Box::new(Repeat {
                    message: format!("duplicate key `{key}` in object"),
                    at,
                }));
            }
        } else if let Some(seen) = &mut frame.seen {
            seen.insert(id);
        }
        self.push_key(id)
    }

    // ---- scalars ----------------------------------------------------------

    /// A string value, its opening quote just consumed.
    #[inline]
    fn string_value(&mut self) -> Res<()> {
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
    pub(super) fn scan_string(&mut self, mut keep: usize) -> Res<bool> {
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
    fn literal(&mut self, rest: &[u8], node: Packed) -> Res<()> {
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

    /// A number whose first digit is at `pos` (after its `-`, if negative).
    #[inline]
    fn number(&mut self, negative: bool) -> Res<()> {
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

/// Why input stopped, as an error.
pub(super) fn stop_error(stop: Stop) -> FactsError {
    let (kind, message) = match stop {
        Stop::Io(e) => (ErrorKind::Io, crate::session::io_reason(&e)),
        Stop::TooLarge => (ErrorKind::TooLarge, arena::LIMIT.to_string()),
        Stop::OutOfMemory => (ErrorKind::OutOfMemory, arena::OUT_OF_MEMORY.to_string()),
    };
    FactsError {
        message,
        line: 0,
        column: 0,
        kind,
    }
}

pub(super) fn empty() -> FactsError {
    FactsError {
        message: "the file is empty".into(),
        line: 1,
        column: 1,
        kind: ErrorKind::Empty,
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
