//! The subject keys a stream's batches have seen, as 64-bit fingerprints,
//! to find a key that two batches share. In: each batch's fingerprints
//! (distinct within it). Out: whether any fingerprint came twice. Memory
//! stays bounded however long the stream: past `Limits::keys_in_memory`
//! fingerprints, they are appended to 256 anonymous temporary files by
//! their top byte, and at the end each file is sorted on its own, so the
//! most held at once is one 256th of them.
//!
//! A temporary file that cannot be written answers "repeated": the caller
//! then reads the stream whole, which is exact, only not bounded.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, Write};

const PARTS: usize = 256;

pub(super) struct Ledger {
    /// Fingerprints not yet spilled, by their top byte.
    parts: Vec<Vec<u64>>,
    held: usize,
    keep: usize,
    /// The spilled fingerprints, by their top byte; None until the first
    /// spill.
    files: Option<Vec<BufWriter<File>>>,
    failed: bool,
}

impl Ledger {
    /// A ledger that holds up to `keep` fingerprints in memory.
    pub fn new(keep: usize) -> Ledger {
        Ledger {
            parts: vec![Vec::new(); PARTS],
            held: 0,
            keep: keep.max(1),
            files: None,
            failed: false,
        }
    }

    pub fn add(&mut self, fingerprints: &[u64]) {
        for &f in fingerprints {
            self.parts[part(f)].push(f);
        }
        self.held += fingerprints.len();
        if self.held > self.keep && !self.failed {
            self.failed = self.spill().is_err();
        }
    }

    /// Whether a fingerprint was added twice (or a file failed).
    pub fn repeats(mut self) -> bool {
        if self.failed {
            return true;
        }
        let files = match self.files.take() {
            None => return self.parts.iter_mut().any(|p| repeats_in(p)),
            Some(files) => files,
        };
        self.parts
            .iter_mut()
            .zip(files)
            .any(|(part, file)| read_back(file, part).unwrap_or(true))
    }

    fn spill(&mut self) -> io::Result<()> {
        if self.files.is_none() {
            let files = (0..PARTS)
                .map(|_| tempfile::tempfile().map(BufWriter::new))
                .collect::<io::Result<Vec<_>>>()?;
            self.files = Some(files);
        }
        let files = self.files.iter_mut().flatten();
        for (part, file) in self.parts.iter_mut().zip(files) {
            for f in part.drain(..) {
                file.write_all(&f.to_le_bytes())?;
            }
            part.shrink_to(self.keep / PARTS);
        }
        self.held = 0;
        Ok(())
    }
}

fn part(fingerprint: u64) -> usize {
    (fingerprint >> 56) as usize
}

/// Sorts `part` and says whether a fingerprint is in it twice.
fn repeats_in(part: &mut [u64]) -> bool {
    part.sort_unstable();
    part.windows(2).any(|w| w[0] == w[1])
}

/// Whether a fingerprint is twice among one part's spilled and held ones.
fn read_back(file: BufWriter<File>, held: &mut Vec<u64>) -> io::Result<bool> {
    let mut file = file.into_inner().map_err(|e| e.into_error())?;
    let bytes = file.stream_position()?;
    file.rewind()?;
    let mut all = Vec::with_capacity(held.len() + (bytes / 8) as usize);
    let mut reader = BufReader::new(file);
    let mut word = [0u8; 8];
    for _ in 0..bytes / 8 {
        reader.read_exact(&mut word)?;
        all.push(u64::from_le_bytes(word));
    }
    all.append(held);
    Ok(repeats_in(&mut all))
}

#[cfg(test)]
mod tests {
    use super::Ledger;

    /// Fingerprints spread over every part, as hashes are.
    fn spread(i: u64) -> u64 {
        i.wrapping_mul(0x9e37_79b9_7f4a_7c15)
    }

    #[test]
    fn a_repeat_is_found_in_memory_and_across_spilled_files() {
        for keep in [1_000_000, 1000, 7] {
            let mut distinct = Ledger::new(keep);
            let mut repeated = Ledger::new(keep);
            for batch in 0..50u64 {
                let prints: Vec<u64> = (batch * 100..batch * 100 + 100).map(spread).collect();
                distinct.add(&prints);
                repeated.add(&prints);
            }
            // The first batch's first key, seen again in the last batch.
            repeated.add(&[spread(0)]);
            assert!(!distinct.repeats(), "keep {keep}");
            assert!(repeated.repeats(), "keep {keep}");
        }
    }
}
