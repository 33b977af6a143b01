//! Facts input: a byte stream in, a window of it at a time out, so a file
//! of any size is read through a buffer of about a megabyte (plus the
//! longest token). Knows the line and column of every byte still in the
//! buffer, and stops at the size limit instead of reading on.

use std::io::Read;

/// Bytes asked of the reader at a time.
pub(super) const CHUNK: usize = 1 << 20;

/// Why input stopped early.
#[derive(Debug)]
pub(super) enum Stop {
    Io(std::io::Error),
    /// More bytes than the size limit.
    TooLarge,
    /// A buffer could not grow.
    OutOfMemory,
}

pub(super) struct Input<R> {
    reader: R,
    pub(super) buf: Vec<u8>,
    /// Next byte to look at.
    pub(super) pos: usize,
    /// Bytes of `buf` holding data.
    pub(super) end: usize,
    /// The reader has nothing more.
    pub(super) eof: bool,
    /// Offset of `buf[0]` in the text (after any byte order mark).
    pub(super) base: u64,
    /// Newlines before `buf[0]`.
    lines: u64,
    /// Offset where the line holding `buf[0]` starts.
    line_start: u64,
    /// Characters from `line_start` to `buf[0]`, when it starts before.
    line_chars: u64,
    /// The most bytes to read; `read` stops past it.
    limit: u64,
    read: u64,
    /// The text began with a byte order mark (skipped).
    pub(super) bom: bool,
    /// Offset where reading stops (a part of a file), if any.
    stop_at: Option<u64>,
}

impl<R: Read> Input<R> {
    pub(super) fn new(reader: R, limit: u64) -> Input<R> {
        Input {
            reader,
            buf: Vec::new(),
            pos: 0,
            end: 0,
            eof: false,
            base: 0,
            lines: 0,
            line_start: 0,
            line_chars: 0,
            limit,
            read: 0,
            bom: false,
            stop_at: None,
        }
    }

    /// The same input, its first byte at `offset` of the text (one
    /// thread's part of a file): offsets are the file's.
    pub(super) fn at(mut self, offset: u64) -> Input<R> {
        self.base = offset;
        self.line_start = offset;
        self
    }

    /// The same input, its first byte on line `line + 1` (a batch of a
    /// stream's lines).
    pub(super) fn at_line(mut self, line: u64) -> Input<R> {
        self.lines = line;
        self
    }

    /// The same input, read only up to `len` bytes from where it starts
    /// (one thread's part of a file).
    pub(super) fn ending(mut self, len: u64) -> Input<R> {
        self.stop_at = Some(len);
        self
    }

    /// Stops reading: another thread read the rest.
    pub(super) fn finish(&mut self) {
        self.pos = self.end;
        self.eof = true;
    }

    /// Newlines in everything read (when all of it has been).
    pub(super) fn newlines(&self) -> u64 {
        self.lines + memchr::memchr_iter(b'\n', &self.buf[..self.end]).count() as u64
    }

    /// Reads past a byte order mark (Windows tools write one): it carries
    /// no data, and positions count from after it.
    pub(super) fn skip_bom(&mut self) -> Result<(), Stop> {
        while self.end < 3 && self.fill()? {}
        if self.buf[..self.end].starts_with(b"\xEF\xBB\xBF") {
            self.discard(3);
            self.base = 0;
            self.line_start = 0;
            self.bom = true;
        }
        Ok(())
    }

    /// Forgets the bytes before `cut`, counting their lines.
    fn discard(&mut self, cut: usize) {
        let gone = &self.buf[..cut];
        match memchr::memrchr(b'\n', gone) {
            Some(i) => {
                self.lines += memchr::memchr_iter(b'\n', gone).count() as u64;
                self.line_start = self.base + i as u64 + 1;
                self.line_chars = chars(&gone[i + 1..]);
            }
            None => self.line_chars += chars(gone),
        }
        self.base += cut as u64;
        self.buf.copy_within(cut..self.end, 0);
        self.end -= cut;
        self.pos = self.pos.saturating_sub(cut);
    }

    /// Reads more, keeping the bytes from `keep` on (the token being
    /// read): `Some(shift)` when the bytes moved `shift` towards the start
    /// (perhaps with nothing new, at the end: ask again), `None` when there
    /// is nothing more to read and nothing moved.
    pub(super) fn more(&mut self, keep: usize) -> Result<Option<usize>, Stop> {
        if self.eof {
            return Ok(None);
        }
        self.discard(keep);
        self.fill()?;
        Ok(Some(keep))
    }

    /// Reads at least one more byte unless at the end; false at the end.
    fn fill(&mut self) -> Result<bool, Stop> {
        if self.eof {
            return Ok(false);
        }
        if self.buf.len() - self.end < CHUNK / 2 {
            // From 8 KiB up: small facts (a test's, the REPL's) stay small.
            let want = (self.buf.len() * 2).max(8 << 10);
            self.buf
                .try_reserve_exact(want - self.buf.len())
                .map_err(|_| Stop::OutOfMemory)?;
            self.buf.resize(want, 0);
        }
        let mut room = self.buf.len() - self.end;
        if let Some(stop) = self.stop_at {
            room = room.min(stop.saturating_sub(self.read) as usize);
            if room == 0 {
                self.eof = true;
                return Ok(false);
            }
        }
        // One byte past the limit shows the input is too large.
        room = room.min(self.limit.saturating_sub(self.read).saturating_add(1) as usize);
        loop {
            match self.reader.read(&mut self.buf[self.end..self.end + room]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.end += n;
                    self.read += n as u64;
                    if self.read > self.limit {
                        return Err(Stop::TooLarge);
                    }
                    return Ok(true);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Stop::Io(e)),
            }
        }
    }

    /// Offset in the text of `buf[i]`.
    pub(super) fn offset(&self, i: usize) -> u64 {
        self.base + i as u64
    }

    /// Line (from 1) and column of the byte at offset `at` of the text,
    /// which must be in the buffer or just past it. The column counts
    /// bytes before it on its line (serde_json's way: the 1-based column
    /// of the byte before `at`) or, with `in_chars`, is the 1-based
    /// character column of `at` itself.
    pub(super) fn position(&self, at: u64, in_chars: bool) -> (usize, usize) {
        let i = (at.saturating_sub(self.base) as usize).min(self.end);
        let before = &self.buf[..i];
        let newlines = memchr::memchr_iter(b'\n', before).count() as u64;
        let line = (self.lines + newlines + 1) as usize;
        let (start, chars_before) = match memchr::memrchr(b'\n', before) {
            Some(j) => (self.base + j as u64 + 1, chars(&before[j + 1..])),
            None => (self.line_start, self.line_chars + chars(before)),
        };
        let column = if in_chars {
            // A byte order mark counts as the first character of line 1.
            chars_before + 1 + u64::from(self.bom && line == 1)
        } else {
            at - start
        };
        (line, column as usize)
    }
}

/// All of a reader's bytes (YAML is parsed whole), within the limit.
pub(super) fn read_all(reader: impl Read, limit: u64) -> Result<Vec<u8>, Stop> {
    let mut input = Input::new(reader, limit);
    // Nothing is discarded: `fill` grows the buffer as it goes.
    while input.fill()? {}
    input.buf.truncate(input.end);
    Ok(input.buf)
}

/// Characters in valid UTF-8 bytes: those that do not continue one.
fn chars(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b & 0xC0 != 0x80).count() as u64
}
