//! JSON lines in batches: a stream in, one batch of whole lines at a time
//! out, each knowing its first line and record in the whole stream, so a
//! run can read, evaluate and drop records in bounded memory, with the
//! pointers (`/events/1234567`) and error lines of the whole stream.
//! Records are counted the way `json` reads lines: a blank line (only
//! whitespace, as `str::trim` sees it) is no record.

use super::input::{Input, Stop};
use super::json::{self, Parser};
use super::{ErrorKind, Facts, FactsError, Limits};
use std::io::Read;

/// Bytes read into one batch (more when one line is longer).
pub const BATCH: usize = 16 << 20;

/// Whole lines of a stream.
pub struct Batch {
    bytes: Vec<u8>,
    /// Lines before it in the stream.
    first_line: u64,
    /// Records before it in the stream.
    first_record: u64,
    /// The stream began with a byte order mark (skipped).
    bom: bool,
}

/// A JSON-lines stream cut into batches.
pub struct Batches<R> {
    reader: R,
    /// Bytes read and not yet in a batch (the start of a line).
    carry: Vec<u8>,
    size: usize,
    limits: Limits,
    lines: u64,
    records: u64,
    started: bool,
    bom: bool,
    done: bool,
}

impl<R: Read> Batches<R> {
    /// Batches of about `limits.batch` bytes.
    pub fn new(reader: R, limits: Limits) -> Batches<R> {
        Batches {
            reader,
            carry: Vec::new(),
            size: limits.batch.max(1),
            limits,
            lines: 0,
            records: 0,
            started: false,
            bom: false,
            done: false,
        }
    }

    /// What the batches are read from.
    pub fn reader(&self) -> &R {
        &self.reader
    }

    /// The next batch, None after the last; an error when the stream
    /// cannot be read, or holds nothing but whitespace.
    pub fn next_batch(&mut self) -> Result<Option<Batch>, FactsError> {
        loop {
            let cut = if self.done {
                Some(self.carry.len())
            } else if self.carry.len() >= self.size || memchr::memchr(0, &self.carry).is_some() {
                // Whole lines; a NUL byte (binary input, never JSON) ends a
                // batch where it is, for the parser to report.
                match memchr::memrchr(b'\n', &self.carry) {
                    Some(i) => Some(i + 1),
                    None if memchr::memchr(0, &self.carry).is_some() => Some(self.carry.len()),
                    None => None,
                }
            } else {
                None
            };
            if let Some(cut) = cut.filter(|&c| c > 0 || self.done) {
                if cut == 0 {
                    return self.end();
                }
                let rest = self.carry.split_off(cut);
                let bytes = std::mem::replace(&mut self.carry, rest);
                let batch = Batch {
                    first_line: self.lines,
                    first_record: self.records,
                    bom: self.bom,
                    bytes,
                };
                self.lines += memchr::memchr_iter(b'\n', &batch.bytes).count() as u64;
                self.records += records(&batch.bytes);
                return Ok(Some(batch));
            }
            self.fill()?;
        }
    }

    /// After the last batch: an error if the stream held no record at all
    /// (as for the whole file: it is empty), else the end.
    fn end(&mut self) -> Result<Option<Batch>, FactsError> {
        if self.records == 0 && !self.bom {
            return Err(json::empty());
        }
        Ok(None)
    }

    /// Reads up to a batch more.
    fn fill(&mut self) -> Result<(), FactsError> {
        let have = self.carry.len();
        // A line longer than the limit: the input is too large.
        if have as u64 > self.limits.max_size {
            return Err(json::stop_error(Stop::TooLarge));
        }
        self.carry
            .try_reserve(self.size)
            .map_err(|_| json::stop_error(Stop::OutOfMemory))?;
        self.carry.resize(have + self.size, 0);
        let read = loop {
            match self.reader.read(&mut self.carry[have..]) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                other => break other,
            }
        };
        let n = read.map_err(|e| json::stop_error(Stop::Io(e)))?;
        self.carry.truncate(have + n);
        if !self.started {
            self.started = true;
            if self.carry.starts_with(b"\xEF\xBB\xBF") {
                self.carry.drain(..3);
                self.bom = true;
            }
        }
        self.done = n == 0;
        Ok(())
    }
}

/// Records in whole lines: those with more than whitespace.
fn records(bytes: &[u8]) -> u64 {
    let mut n = 0;
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', bytes).chain(std::iter::once(bytes.len())) {
        let line = &bytes[start..end.min(bytes.len())];
        start = end + 1;
        let rest = line.trim_ascii_start();
        let blank = match rest.first() {
            None => true,
            Some(&b) if b < 0x80 => false,
            Some(_) => std::str::from_utf8(rest).is_ok_and(|s| s.trim().is_empty()),
        };
        n += u64::from(!blank);
        if start > bytes.len() {
            break;
        }
    }
    n
}

impl Facts {
    /// The records of one batch, as the list they are in the stream (named
    /// `mount`): pointers and error lines count from the stream's start.
    pub fn read_batch(
        batch: Batch,
        mount: Option<String>,
        limits: &Limits,
    ) -> Result<Facts, FactsError> {
        let input = Input::new(&batch.bytes[..], limits.max_size).at_line(batch.first_line);
        let mut p = Parser::new(
            input,
            super::arena::Builder::new(limits.arena_limit()),
            true,
        );
        p.input.bom = batch.bom;
        p.find_doc_end(0);
        p.lines_part()
            .and_then(|()| {
                p.b.close(0, super::arena::NONE)
                    .map_err(|m| p.arena_error(m))
            })
            .map_err(|e| *e)?;
        let root = p.b.scratch.pop().unwrap_or(super::arena::Packed::NULL);
        let parts =
            p.b.finish()
                .map_err(|m| FactsError::unpositioned(ErrorKind::Syntax, m.into()))?;
        let mut facts = Facts::assemble(mount, parts, p.b, root);
        facts.first_index = batch.first_record as usize;
        Ok(facts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::FactsFormat;

    fn read_all(
        text: &str,
        size: usize,
    ) -> Result<Vec<(serde_json::Value, Vec<String>)>, FactsError> {
        let limits = Limits {
            batch: size,
            ..Limits::default()
        };
        let mut batches = Batches::new(text.as_bytes(), limits);
        let mut out = Vec::new();
        while let Some(batch) = batches.next_batch()? {
            let facts = Facts::read_batch(batch, Some("events".into()), &Limits::default())?;
            let root = crate::eval::Evaluator::root(&facts);
            let pointers = match facts.root() {
                crate::facts::Node::Array(b) => (0..facts.len(b))
                    .map(|i| facts.child_pointer(b, i))
                    .collect(),
                _ => Vec::new(),
            };
            out.push((root.to_json(), pointers));
        }
        Ok(out)
    }

    /// Batches hold what the whole stream holds, in order, with the
    /// pointers and error lines of the whole stream.
    #[test]
    fn batches_read_as_the_whole_stream_does() {
        let text: String = (0..50)
            .map(|i| {
                if i % 7 == 3 {
                    "  \n".to_string()
                } else {
                    format!("{{\"id\": {i}}}\n")
                }
            })
            .collect();
        let whole = Facts::parse(text.clone(), Some("events".into()), FactsFormat::JsonLines)
            .expect("valid");
        let want = crate::eval::Evaluator::root(&whole).to_json();
        for size in [1, 10, 64, 1 << 20] {
            let batches = read_all(&text, size).expect("valid");
            let records: Vec<serde_json::Value> = batches
                .iter()
                .flat_map(|(v, _)| v.as_array().cloned().unwrap_or_default())
                .collect();
            assert_eq!(serde_json::Value::Array(records), want, "batches of {size}");
            let pointers: Vec<String> = batches.iter().flat_map(|(_, p)| p.clone()).collect();
            let expected: Vec<String> = (0..pointers.len())
                .map(|i| format!("/events/{i}"))
                .collect();
            assert_eq!(pointers, expected);
        }
        let broken = format!("{text}{{\"id\": }}\n");
        let e = read_all(&broken, 16).expect_err("error");
        let Err(whole) = Facts::parse(broken, None, FactsFormat::JsonLines) else {
            panic!("the broken line is an error");
        };
        assert_eq!(
            (e.line, e.column, e.message),
            (whole.line, whole.column, whole.message)
        );
        let e = read_all(" \n\n", 16).expect_err("empty");
        assert_eq!(e.kind, ErrorKind::Empty);
        let e = read_all("\0\0\0\0\0", 2).expect_err("binary");
        assert!(e.message.contains("NUL"), "{}", e.message);
    }
}
