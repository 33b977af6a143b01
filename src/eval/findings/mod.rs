//! A control's findings (violations, errors, passing subjects), in order.
//! In: findings pushed or appended in order; out: the same findings in
//! the same order (`iter`). A streamed run moves them, past a bound, to an
//! anonymous temporary file (`spill_to`), so a report of millions of
//! findings is written in bounded memory: reading them back decodes one
//! segment at a time.
//!
//! Invariant: a spilled finding reads back equal to the one written
//! (`codec`). A temporary file that cannot be written leaves the findings
//! in memory (exact, only not bounded); one that cannot be read back is
//! recorded (`Findings::failure`), so that the run can say its report is
//! incomplete instead of passing over what it lost.

mod codec;

pub use codec::Spillable;
use std::borrow::Cow;
use std::fmt;
use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::sync::{Arc, Mutex, MutexGuard};

/// An anonymous temporary file of encoded findings, appended to in
/// segments and read back by position.
pub struct Spill {
    file: Mutex<SpillFile>,
}

struct SpillFile {
    writer: BufWriter<File>,
    end: u64,
    /// A write failed part way: where the file ends is no longer known,
    /// so nothing more is appended.
    broken: bool,
    /// Why a segment could not be read back, once one could not.
    failure: Option<String>,
}

impl Spill {
    pub fn new() -> io::Result<Arc<Spill>> {
        Ok(Arc::new(Spill {
            file: Mutex::new(SpillFile {
                writer: BufWriter::new(tempfile::tempfile()?),
                end: 0,
                broken: false,
                failure: None,
            }),
        }))
    }

    fn lock(&self) -> MutexGuard<'_, SpillFile> {
        self.file.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Appends `bytes`; where they start.
    fn append(&self, bytes: &[u8]) -> io::Result<u64> {
        let mut f = self.lock();
        if f.broken {
            return Err(io::Error::other("an earlier write to the file failed"));
        }
        let at = f.end;
        if let Err(e) = f.writer.write_all(bytes) {
            f.broken = true;
            return Err(e);
        }
        f.end += bytes.len() as u64;
        Ok(at)
    }

    /// The `len` bytes at `at`; None (and the failure recorded) if they
    /// cannot be read.
    fn read(&self, at: u64, len: usize) -> Option<Vec<u8>> {
        let mut f = self.lock();
        let read = |f: &mut SpillFile| -> io::Result<Vec<u8>> {
            f.writer.flush()?;
            let file = f.writer.get_mut();
            file.seek(SeekFrom::Start(at))?;
            let mut bytes = vec![0; len];
            file.read_exact(&mut bytes)?;
            Ok(bytes)
        };
        match read(&mut f) {
            Ok(bytes) => Some(bytes),
            Err(e) => {
                f.failure.get_or_insert_with(|| e.to_string());
                None
            }
        }
    }

    fn fail(&self, why: &str) {
        self.lock().failure.get_or_insert_with(|| why.to_string());
    }
}

/// Findings written to a `Spill` together.
#[derive(Clone)]
struct Segment {
    spill: Arc<Spill>,
    at: u64,
    bytes: usize,
    count: usize,
}

impl Segment {
    /// The segment's findings, decoded; fewer (and the failure recorded)
    /// if it cannot be read back whole.
    fn decode<T: Spillable>(&self) -> Vec<T> {
        let Some(bytes) = self.spill.read(self.at, self.bytes) else {
            return Vec::new();
        };
        let mut input = bytes.as_slice();
        let mut items = Vec::with_capacity(self.count);
        while items.len() < self.count {
            match T::decode(&mut input) {
                Some(item) => items.push(item),
                None => {
                    self.spill.fail("a spilled finding did not decode");
                    break;
                }
            }
        }
        items
    }
}

/// Findings in order: the spilled segments first, then those held.
#[derive(Clone)]
pub struct Findings<T> {
    segments: Vec<Segment>,
    spilled: usize,
    held: Vec<T>,
}

impl<T> Default for Findings<T> {
    fn default() -> Self {
        Findings {
            segments: Vec::new(),
            spilled: 0,
            held: Vec::new(),
        }
    }
}

impl<T: Spillable> Findings<T> {
    pub fn new() -> Self {
        Findings::default()
    }

    pub fn len(&self) -> usize {
        self.spilled + self.held.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The findings held in memory, not yet spilled.
    pub fn held(&self) -> usize {
        self.held.len()
    }

    pub fn push(&mut self, item: T) {
        self.held.push(item);
    }

    /// Moves `other`'s findings after these.
    pub fn append(&mut self, other: &mut Findings<T>) {
        if other.segments.is_empty() {
            self.held.append(&mut other.held);
        } else if self.held.is_empty() {
            self.segments.append(&mut other.segments);
            self.spilled += std::mem::take(&mut other.spilled);
            self.held.append(&mut other.held);
        } else {
            // Spilled findings cannot go after held ones: read them back.
            self.extend(std::mem::take(other));
        }
    }

    /// Moves the held findings to `spill`, after those spilled before.
    pub fn spill_to(&mut self, spill: &Arc<Spill>) -> io::Result<()> {
        if self.held.is_empty() {
            return Ok(());
        }
        let mut bytes = Vec::new();
        self.held.iter().for_each(|item| item.encode(&mut bytes));
        let at = spill.append(&bytes)?;
        self.segments.push(Segment {
            spill: Arc::clone(spill),
            at,
            bytes: bytes.len(),
            count: self.held.len(),
        });
        self.spilled += self.held.len();
        self.held = Vec::new();
        Ok(())
    }

    /// Changes every finding in place; spilled ones are read back, changed
    /// and written again.
    pub fn for_each_mut(&mut self, mut change: impl FnMut(&mut T)) {
        for segment in &mut self.segments {
            let mut items = segment.decode::<T>();
            items.iter_mut().for_each(&mut change);
            segment.count = items.len();
            let mut bytes = Vec::new();
            items.iter().for_each(|item| item.encode(&mut bytes));
            match segment.spill.append(&bytes) {
                Ok(at) => {
                    segment.at = at;
                    segment.bytes = bytes.len();
                }
                Err(e) => segment.spill.fail(&e.to_string()),
            }
        }
        self.spilled = self.segments.iter().map(|s| s.count).sum();
        self.held.iter_mut().for_each(change);
    }

    pub fn iter(&self) -> Iter<'_, T> {
        Iter {
            segments: self.segments.iter(),
            decoded: Vec::new().into_iter(),
            held: self.held.iter(),
        }
    }

    pub fn first(&self) -> Option<Cow<'_, T>> {
        self.iter().next()
    }

    /// Why some spilled findings could not be read back, if any could not.
    pub fn failure(&self) -> Option<String> {
        self.segments
            .iter()
            .find_map(|s| s.spill.lock().failure.clone())
    }
}

/// The findings in order, borrowed while held and decoded once spilled.
pub struct Iter<'f, T> {
    segments: std::slice::Iter<'f, Segment>,
    decoded: std::vec::IntoIter<T>,
    held: std::slice::Iter<'f, T>,
}

impl<'f, T: Spillable> Iterator for Iter<'f, T> {
    type Item = Cow<'f, T>;

    fn next(&mut self) -> Option<Cow<'f, T>> {
        loop {
            if let Some(item) = self.decoded.next() {
                return Some(Cow::Owned(item));
            }
            match self.segments.next() {
                Some(segment) => self.decoded = segment.decode().into_iter(),
                None => return self.held.next().map(Cow::Borrowed),
            }
        }
    }
}

impl<'f, T: Spillable> IntoIterator for &'f Findings<T> {
    type Item = Cow<'f, T>;
    type IntoIter = Iter<'f, T>;

    fn into_iter(self) -> Iter<'f, T> {
        self.iter()
    }
}

impl<T: Spillable> IntoIterator for Findings<T> {
    type Item = T;
    type IntoIter = IntoIter<T>;

    fn into_iter(self) -> IntoIter<T> {
        IntoIter {
            segments: self.segments.into_iter(),
            decoded: Vec::new().into_iter(),
            held: self.held.into_iter(),
        }
    }
}

/// The findings in order, moved while held and decoded once spilled.
pub struct IntoIter<T> {
    segments: std::vec::IntoIter<Segment>,
    decoded: std::vec::IntoIter<T>,
    held: std::vec::IntoIter<T>,
}

impl<T: Spillable> Iterator for IntoIter<T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        loop {
            if let Some(item) = self.decoded.next() {
                return Some(item);
            }
            match self.segments.next() {
                Some(segment) => self.decoded = segment.decode().into_iter(),
                None => return self.held.next(),
            }
        }
    }
}

impl<T: Spillable> Extend<T> for Findings<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, items: I) {
        self.held.extend(items);
    }
}

impl<T: Spillable> FromIterator<T> for Findings<T> {
    fn from_iter<I: IntoIterator<Item = T>>(items: I) -> Self {
        Findings::from(items.into_iter().collect::<Vec<T>>())
    }
}

impl<T> From<Vec<T>> for Findings<T> {
    fn from(held: Vec<T>) -> Self {
        Findings {
            segments: Vec::new(),
            spilled: 0,
            held,
        }
    }
}

impl<T: Spillable + fmt::Debug> fmt::Debug for Findings<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<T: Spillable + PartialEq> PartialEq for Findings<T> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

#[cfg(test)]
mod tests;
