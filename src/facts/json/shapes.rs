//! Arrays and objects into the arena: the frames of open containers, keys
//! interned and checked for repeats, and object shapes predicted from the
//! last object closed in the same place, so that uniform exports cost one
//! comparison per key. A container is written to the builder when it closes.

use super::errors::Code;
use super::{Parser, Res};
use crate::facts::arena::{self, NONE};
use crate::facts::{FactsError, MAX_DEPTH};
use std::collections::HashSet;
use std::io::Read;

/// An open array or object.
pub(in crate::facts) struct Frame {
    pub(in crate::facts) object: bool,
    /// Every key so far is the one the predicted shape has there.
    pub(in crate::facts) matched: bool,
    /// Where its children start in the builder's scratch.
    pub(in crate::facts) mark: usize,
    /// Where its keys start in the builder's scratch keys.
    pub(in crate::facts) key_mark: usize,
    /// Where it sits (the key it is under, plus one; arrays pass theirs
    /// on to their elements): the last shape closed there is predicted.
    context: u32,
    shape: u32,
    /// The first repeated key, reported when the object closes (after
    /// any syntax error before its end, as serde_json would).
    pub(in crate::facts) repeat: Option<Box<Repeat>>,
    /// The keys so far, once there are too many to compare one by one.
    #[allow(
        clippy::box_collection,
        reason = "one word in every frame; most objects never need the set"
    )]
    seen: Option<Box<HashSet<u32>>>,
    /// Opened before the part of the input this thread reads (see `split`):
    /// closing it records a `Level` instead of a block.
    pub(in crate::facts) virtual_level: bool,
    /// A virtual container whose kind the next token will tell.
    pub(in crate::facts) unknown: bool,
}

impl Frame {
    /// The frame a thread reading from the middle of a document starts in:
    /// an array opened before, or a container of a kind not yet known.
    pub(in crate::facts) fn virtual_frame(object: bool, unknown: bool) -> Frame {
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

pub(in crate::facts) struct Repeat {
    message: String,
    /// Where the key is written; None for an escaped key, reported at the
    /// end of its object.
    at: Option<(usize, usize)>,
}

/// Shapes remembered per context: exports mix a few (tags with and
/// without an owner, ...).
pub(super) const CANDIDATES: usize = 4;

impl<R: Read> Parser<R> {
    // ---- containers -------------------------------------------------------

    /// Opens the array or object whose bracket is at `pos`.
    pub(super) fn open(&mut self, object: bool) -> Res<()> {
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

    pub(in crate::facts) fn close_array(&mut self) -> Res<()> {
        let Some(frame) = self.stack.pop() else {
            return Ok(());
        };
        self.b
            .close(frame.mark, NONE)
            .map_err(|m| self.arena_error(m))
    }

    /// Closes the object whose `}` was just read.
    pub(in crate::facts) fn close_object(&mut self) -> Res<()> {
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
    pub(super) fn entry(&mut self) -> Res<u8> {
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
    pub(in crate::facts) fn push_key(&mut self, k: u32) -> Res<()> {
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
}
