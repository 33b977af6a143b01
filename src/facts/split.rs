//! One large file read by several threads: a file in, the same arena a
//! single thread would build out. The file is cut after newlines (a raw
//! newline is never inside a JSON token, so each cut is between tokens).
//! JSON lines: each thread reads whole lines of its part, and the parts
//! are joined in order. One JSON document: each later thread guesses that
//! its part starts inside an array, before an element, and reads on with
//! the containers it cannot see as *virtual* ones: closing one records a
//! `Level` (what the part held of it), and the next token tells the kind
//! of the one beneath. The thread before it, when its own reading reaches
//! the cut exactly there (an array, after `[` or `,`, only whitespace to
//! the cut), takes that result in: the guessed state was the true one, so
//! the rest parses as it would have (JSON is deterministic); each level is
//! checked against the container it closes (kind, depth, repeated keys).
//! Any other state, or any error in a later part, and the thread before
//! simply reads on itself: errors are found and reported as one thread
//! would find them.

use super::arena::{self, Builder, Keys, Packed, Part, Shapes};
use super::input::Input;
use super::json::{self, Fail, Frame, Parser, Res};
use super::{FactsError, Limits, MAX_DEPTH};
use std::collections::HashSet;
use std::fs::File;
use std::io::Read;
use std::sync::mpsc;

/// Files smaller than this are read by one thread: starting threads and
/// joining arenas would cost more than it saves.
pub(super) const PARALLEL_FROM: u64 = 32 << 20;

/// A container opened before a thread's part of the input and closed in
/// it: what the part held of it (for an object, its keys too).
pub(super) struct Level {
    pub(super) object: bool,
    pub(super) values: Vec<Packed>,
    pub(super) keys: Vec<u32>,
}

/// What a later thread read, from its cut to the end of the input.
pub(super) struct Segment {
    parts: Vec<Part>,
    keys: Keys,
    shapes: Shapes,
    levels: Vec<Level>,
    /// The deepest nesting in it, from the array it started in.
    depth: i64,
}

/// The thread reading the part after this one: where its part begins,
/// and its result (None: its guess was wrong, or the part has an error).
pub(super) struct Successor {
    at: u64,
    result: mpsc::Receiver<Option<Segment>>,
}

/// What a container of unknown kind does next.
pub(super) enum Next {
    /// A value starts with this byte.
    Value(u8),
    /// A value was read: what follows it.
    After,
    /// The input ended (every container was closed).
    End,
}

/// A file read from an offset, leaving its cursor alone, so threads can
/// read one file at once.
#[cfg(unix)]
struct At<'f> {
    file: &'f File,
    offset: u64,
}

#[cfg(unix)]
impl Read for At<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = std::os::unix::fs::FileExt::read_at(self.file, buf, self.offset)?;
        self.offset += n as u64;
        Ok(n)
    }
}

/// Whether `read` may take a file of `size` bytes on several threads.
pub(super) fn may_split(size: u64, from: u64, limits: &Limits) -> bool {
    cfg!(unix) && limits.threads >= 2 && size >= from && size <= limits.max_size
}

/// The first bytes of a file (`encoding::HEAD` of them, or fewer).
#[cfg(unix)]
pub(super) fn head(file: &File) -> Vec<u8> {
    let mut head = Vec::with_capacity(super::encoding::HEAD);
    let _ = At { file, offset: 0 }
        .take(super::encoding::HEAD as u64)
        .read_to_end(&mut head);
    head
}

/// The digest of a whole file, read from its start while other threads
/// read parts of it.
#[cfg(unix)]
pub(super) fn hash_file(file: &File) -> std::io::Result<super::Digest> {
    super::Hashing::new(At { file, offset: 0 }).finish()
}

#[cfg(not(unix))]
pub(super) fn head(_file: &File) -> Vec<u8> {
    Vec::new()
}

#[cfg(not(unix))]
pub(super) fn hash_file(file: &File) -> std::io::Result<super::Digest> {
    super::Hashing::new(file).finish()
}

/// Where to cut a file of `size` bytes for `threads` threads: just after
/// a newline near each even share (none found nearby: no cut there).
#[cfg(unix)]
fn cuts(file: &File, size: u64, threads: usize) -> Vec<u64> {
    const LOOK: usize = 1 << 20;
    let mut cuts = Vec::new();
    let mut window = vec![0; LOOK];
    for i in 1..threads as u64 {
        let from = size * i / threads as u64;
        let Ok(n) = std::os::unix::fs::FileExt::read_at(file, &mut window, from) else {
            break;
        };
        if let Some(nl) = memchr::memchr(b'\n', &window[..n]) {
            let cut = from + nl as u64 + 1;
            if cut < size && cuts.last().is_none_or(|&c| c < cut) {
                cuts.push(cut);
            }
        }
    }
    cuts
}

/// Reads a regular file of `size` bytes on `limits.threads` threads, or
/// None to read it on one (smaller than `from` bytes, no place to cut, or
/// no thread to be had).
#[cfg(unix)]
pub(super) fn read(
    file: &File,
    size: u64,
    from: u64,
    lines: bool,
    limits: &Limits,
) -> Option<Result<(Builder, Packed), FactsError>> {
    if !may_split(size, from, limits) {
        return None;
    }
    let cuts = cuts(file, size, limits.threads);
    let first = *cuts.first()?;
    std::thread::scope(|scope| {
        let mut next: Option<Successor> = None;
        let mut later = Vec::new();
        for (i, &at) in cuts.iter().enumerate().rev() {
            let end = cuts.get(i + 1).copied().unwrap_or(size);
            let input = Input::new(At { file, offset: at }, limits.max_size).at(at);
            let spawned = if lines {
                let (send, result) = mpsc::channel();
                later.push(result);
                std::thread::Builder::new().spawn_scoped(scope, move || {
                    let _ = send.send(line_segment(input.ending(end - at), limits));
                })
            } else {
                let (send, result) = mpsc::channel();
                let after = next.replace(Successor { at, result });
                std::thread::Builder::new().spawn_scoped(scope, move || {
                    let _ = send.send(speculate(input, after, limits));
                })
            };
            // No thread to be had: one reads it all.
            spawned.ok()?;
        }
        let input = Input::new(At { file, offset: 0 }, limits.max_size);
        if lines {
            later.reverse();
            return Some(read_lines(input.ending(first), later, limits));
        }
        let mut p = Parser::new(input, Builder::new(limits.arena_limit()), false);
        p.next = next;
        Some(json::whole(p))
    })
}

#[cfg(not(unix))]
pub(super) fn read(
    _file: &File,
    _size: u64,
    _from: u64,
    _lines: bool,
    _limits: &Limits,
) -> Option<Result<(Builder, Packed), FactsError>> {
    None
}

/// A later thread's part of a JSON document, read as the continuation of
/// an array it is inside (see the module's comment).
fn speculate<R: Read>(
    input: Input<R>,
    next: Option<Successor>,
    limits: &Limits,
) -> Option<Segment> {
    let mut p = Parser::new(input, Builder::new(limits.arena_limit()), false);
    p.find_doc_end(0);
    p.next = next;
    p.stack.push(Frame::virtual_frame(false, false));
    let c = p.peek_ws().ok()??;
    if !matches!(
        c,
        b'{' | b'[' | b'"' | b't' | b'f' | b'n' | b'-' | b'0'..=b'9'
    ) {
        return None;
    }
    p.values(c).ok()?;
    if !(p.stack.len() == 1 && p.stack[0].unknown && p.input.eof) {
        return None;
    }
    let parts = p.b.finish().ok()?;
    Some(Segment {
        parts,
        keys: std::mem::take(&mut p.b.keys),
        shapes: std::mem::take(&mut p.b.shapes),
        levels: p.levels,
        depth: p.depth,
    })
}

/// A later thread's lines: the documents (one level: elements of the root
/// list), how many, and the newlines of the part; or the first error,
/// its line counted from the part's start.
type Lines = Result<(Segment, usize, u64), FactsError>;

fn line_segment<R: Read>(input: Input<R>, limits: &Limits) -> Lines {
    let mut p = Parser::new(input, Builder::new(limits.arena_limit()), true);
    p.find_doc_end(0);
    p.lines_part().map_err(|e| *e)?;
    let values = std::mem::take(&mut p.b.scratch);
    let parts =
        p.b.finish()
            .map_err(|m| FactsError::syntax(m.into(), 0, 0))?;
    let segment = Segment {
        parts,
        keys: std::mem::take(&mut p.b.keys),
        shapes: std::mem::take(&mut p.b.shapes),
        levels: vec![Level {
            object: false,
            values,
            keys: Vec::new(),
        }],
        depth: 0,
    };
    Ok((segment, p.documents, p.input.newlines()))
}

/// JSON lines: the first part read here, the others by their threads,
/// joined in order into one list; or the first error, at its line in the
/// file.
fn read_lines<R: Read>(
    input: Input<R>,
    later: Vec<mpsc::Receiver<Lines>>,
    limits: &Limits,
) -> Result<(Builder, Packed), FactsError> {
    let mut p = Parser::new(input, Builder::new(limits.arena_limit()), true);
    p.input.skip_bom().map_err(json::stop_error)?;
    p.find_doc_end(0);
    p.lines_part().map_err(|e| *e)?;
    let mut lines = p.input.newlines();
    for result in later {
        let (mut segment, documents, newlines) = match result.recv() {
            Ok(Ok(part)) => part,
            Ok(Err(mut e)) => {
                if e.line > 0 {
                    e.line += lines as usize;
                }
                return Err(e);
            }
            Err(_) => return Err(FactsError::syntax("a reading thread stopped".into(), 0, 0)),
        };
        p.b.absorb(
            segment.parts,
            &segment.keys,
            &segment.shapes,
            &mut segment.levels,
        )
        .map_err(|m| *p.arena_error(m))?;
        for level in segment.levels {
            arena::grow(&mut p.b.scratch, level.values.len()).map_err(|m| *p.arena_error(m))?;
            p.b.scratch.extend_from_slice(&level.values);
        }
        p.documents += documents;
        lines += newlines;
    }
    p.end_lines().map_err(|e| *e)?;
    let root = p.b.scratch.pop().unwrap_or(Packed::NULL);
    Ok((p.b, root))
}

impl<R: Read> Parser<R> {
    /// How deep the containers open now are, from the array the part
    /// started in (closed levels count down).
    pub(super) fn relative_depth(&self) -> i64 {
        self.stack.len() as i64 - 1 - self.levels.len() as i64
    }

    /// Closes the virtual container on top, whose closing bracket was just
    /// read: records what this part held of it, and goes on in the one
    /// beneath, of a kind still unknown.
    pub(super) fn close_virtual(&mut self) {
        let Some(frame) = self.stack.pop() else {
            return;
        };
        self.levels.push(Level {
            object: frame.object,
            values: self.b.scratch.split_off(frame.mark),
            keys: self.b.scratch_keys.split_off(frame.key_mark),
        });
        self.stack.push(Frame::virtual_frame(false, true));
    }

    /// A wrong guess: the part is not what it was taken for. Never
    /// reported (the thread before reads the part itself).
    fn not_so(&self) -> Fail {
        Box::new(FactsError::syntax("not a continuation".into(), 0, 0))
    }

    /// After a value in a container whose kind is not known yet: the next
    /// token tells it (`]` or `}` close it; after `,`, a key and `:` make it
    /// an object, anything else an array).
    pub(super) fn virtual_next(&mut self) -> Res<Next> {
        let top = self.stack.len() - 1;
        match self.peek_ws()? {
            None if self.input.eof => Ok(Next::End),
            Some(close @ (b']' | b'}')) => {
                self.input.pos += 1;
                self.stack[top].object = close == b'}';
                self.close_virtual();
                Ok(Next::After)
            }
            Some(b',') => {
                self.input.pos += 1;
                self.stack[top].unknown = false;
                match self.peek_ws()? {
                    Some(b'"') => {
                        let quote = self.input.pos;
                        self.input.pos += 1;
                        let escaped = self.scan_string(quote)?;
                        let text = if escaped {
                            std::mem::take(&mut self.tmp)
                        } else {
                            self.input.buf[self.run.0..self.run.1].to_vec()
                        };
                        if self.peek_ws()? == Some(b':') {
                            self.input.pos += 1;
                            self.stack[top].object = true;
                            let key = std::str::from_utf8(&text).unwrap_or_default();
                            let id = self.b.keys.intern(key).map_err(|m| self.arena_error(m))?;
                            self.push_key(id)?;
                            match self.peek_ws()? {
                                Some(c) => Ok(Next::Value(c)),
                                None => Err(self.not_so()),
                            }
                        } else {
                            self.b.push_string(&text).map_err(|m| self.arena_error(m))?;
                            Ok(Next::After)
                        }
                    }
                    Some(c) => Ok(Next::Value(c)),
                    None => Err(self.not_so()),
                }
            }
            _ => Err(self.not_so()),
        }
    }

    /// At an array element, `after` being where the whitespace before it
    /// starts: when the next part's cut is in that whitespace, takes in the
    /// next thread's result, if it has one that fits here. True when it did
    /// (the input has then been read to its end).
    pub(super) fn jump(&mut self, after: u64) -> Res<bool> {
        let Some(next) = &self.next else {
            return Ok(false);
        };
        let token = self.input.offset(self.input.pos);
        if !(after <= next.at && next.at <= token) {
            if token > next.at {
                // Passed in another state: this thread reads that part.
                self.next = None;
            }
            return Ok(false);
        }
        let Some(next) = self.next.take() else {
            return Ok(false);
        };
        let Ok(Some(mut segment)) = next.result.recv() else {
            return Ok(false);
        };
        if !self.fits(&segment) {
            return Ok(false);
        }
        let here = self.relative_depth();
        self.depth = self.depth.max(here + segment.depth);
        self.b
            .absorb(
                segment.parts,
                &segment.keys,
                &segment.shapes,
                &mut segment.levels,
            )
            .map_err(|m| self.arena_error(m))?;
        for level in segment.levels {
            self.apply(level)?;
        }
        self.input.finish();
        Ok(true)
    }

    /// Whether a segment's levels close this stack as the containers they
    /// stand for would: kinds, nesting depth, keys distinct; all of them,
    /// unless the bottom is virtual (more levels then belong further down).
    fn fits(&self, segment: &Segment) -> bool {
        let speculative = self.stack.first().is_some_and(|f| f.virtual_level);
        if !speculative
            && (segment.levels.len() != self.stack.len()
                || self.stack.len() as i64 + segment.depth > MAX_DEPTH as i64)
        {
            return false;
        }
        if segment.levels.len() < self.stack.len() {
            return false;
        }
        for (frame, level) in self.stack.iter().rev().zip(&segment.levels) {
            if frame.virtual_level {
                if !frame.unknown && frame.object != level.object {
                    return false;
                }
                break;
            }
            if frame.object != level.object || frame.repeat.is_some() {
                return false;
            }
            if frame.object {
                let mine = self.b.scratch_keys[frame.key_mark..]
                    .iter()
                    .map(|k| self.b.keys.text(*k));
                let theirs = level.keys.iter().map(|k| segment.keys.text(*k));
                let mut seen = HashSet::new();
                if !mine.chain(theirs).all(|k| seen.insert(k)) {
                    return false;
                }
            }
        }
        true
    }

    /// Closes the container on top with what a later part held of it.
    fn apply(&mut self, level: Level) -> Res<()> {
        let top = self.stack.len() - 1;
        arena::grow(&mut self.b.scratch, level.values.len()).map_err(|m| self.arena_error(m))?;
        arena::grow(&mut self.b.scratch_keys, level.keys.len()).map_err(|m| self.arena_error(m))?;
        self.b.scratch.extend_from_slice(&level.values);
        self.b.scratch_keys.extend_from_slice(&level.keys);
        let frame = &mut self.stack[top];
        if frame.virtual_level {
            if frame.unknown {
                frame.object = level.object;
                frame.unknown = false;
            }
            self.close_virtual();
            return Ok(());
        }
        // Its keys were not all checked against the predicted shape.
        frame.matched = false;
        if frame.object {
            self.close_object()
        } else {
            self.close_array()
        }
    }
}
