//! JSON and JSON lines: bytes in (streamed through `Input`), nodes in a
//! `Builder` out. A hand-written parser with an explicit stack (no
//! recursion, whatever the depth), that finds the end of plain strings
//! eight bytes at a time and predicts object keys from the last object
//! read in the same place, so uniform exports cost one comparison per key.
//! It accepts exactly what serde_json accepts, and fails with serde_json's
//! message at serde_json's line and column (`facts/tests.rs` holds it to that);
//! strings must be UTF-8, checked as they are read.

//!
//! The parser is one type over several files: `tokens` (bytes, whitespace,
//! strings, literals), `number`, `shapes` (containers, keys, predicted
//! shapes) and `errors` (codes, messages, positions).

mod errors;
mod number;
mod shapes;
mod tokens;

use super::arena::{Builder, NONE, Packed};
use super::input::Input;
use super::{FactsError, Limits};
use errors::Code;
pub(super) use errors::{empty, stop_error};
use shapes::CANDIDATES;
pub(super) use shapes::Frame;
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
}
