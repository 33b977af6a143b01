//! The SHA-256 of facts as they are read: a reader in, the same bytes out,
//! and at the end the digest of every byte that passed (what `sha256sum`
//! prints), so a report can name its inputs without the text being kept.

use sha2::{Digest as _, Sha256};
use std::io::Read;

/// The length and SHA-256 (lowercase hex) of an input's bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Digest {
    pub bytes: u64,
    pub sha256: String,
}

/// A reader that hashes what it reads.
pub struct Hashing<R> {
    inner: R,
    hasher: Sha256,
    bytes: u64,
}

impl<R: Read> Hashing<R> {
    pub fn new(inner: R) -> Hashing<R> {
        Hashing {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }

    /// Reads what is left (a reader may stop at the end of the data it
    /// wanted), then the digest of the whole input.
    pub fn finish(mut self) -> std::io::Result<Digest> {
        std::io::copy(&mut self, &mut std::io::sink())?;
        Ok(self.digest())
    }

    /// The digest of the bytes read so far.
    pub fn digest(&self) -> Digest {
        Digest {
            bytes: self.bytes,
            sha256: hex(&self.hasher.clone().finalize()),
        }
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashing_reads_through_and_digests_the_rest() {
        // FIPS 180-2, appendix B.1.
        let mut r = Hashing::new(&b"abc"[..]);
        let mut first = [0u8; 1];
        r.read_exact(&mut first).expect("one byte");
        let d = r.finish().expect("digest");
        assert_eq!(
            d.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(d.bytes, 3);
    }
}
