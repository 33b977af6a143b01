//! How much facts may take: a size (`--max-facts-size`, default 4 GiB)
//! that bounds both the bytes read from one input and the arena they are
//! parsed into, so an endless or hostile stream (`/dev/zero`, `yes '[1,'`)
//! stops with an error instead of exhausting memory. A JSON-lines stream
//! evaluated record by record is bounded per batch instead (see `stream`).

/// The default `--max-facts-size`: 4 GiB, the most one arena can address.
pub const DEFAULT_MAX_SIZE: u64 = 4 << 30;

#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// The most bytes read from one input, and the most its arena may take.
    pub max_size: u64,
    /// Threads that may read one large file (by lines, or at split points
    /// of a long array); 1 reads on the calling thread alone.
    pub threads: usize,
    /// Bytes of a JSON-lines stream read into one batch (`stream`).
    pub batch: usize,
    /// Subject-key fingerprints of a stream held in memory before they
    /// are spilled to temporary files (`eval::stream`).
    pub keys_in_memory: usize,
    /// Findings (violations, errors, passing subjects) of a stream's
    /// controls held in memory before they are spilled to a temporary
    /// file (`eval::findings`).
    pub findings_in_memory: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_size: DEFAULT_MAX_SIZE,
            threads: 1,
            batch: super::stream::BATCH,
            keys_in_memory: 1 << 20,
            findings_in_memory: 1 << 16,
        }
    }
}

impl Limits {
    pub(super) fn arena_limit(&self) -> usize {
        usize::try_from(self.max_size).unwrap_or(usize::MAX)
    }
}

/// A size such as `512M`, `4G`, `100k` or a number of bytes (K, M, G and
/// T are powers of 1024, in either case, with an optional `iB` or `B`).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let bad = || format!("`{s}` is not a size (e.g. 512M, 4G or a number of bytes)");
    let t = s.trim();
    let t = t
        .strip_suffix("iB")
        .or_else(|| t.strip_suffix('B'))
        .unwrap_or(t);
    let (digits, shift) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let shift = match c.to_ascii_lowercase() {
                'k' => 10,
                'm' => 20,
                'g' => 30,
                't' => 40,
                _ => return Err(bad()),
            };
            (&t[..i], shift)
        }
        _ => (t, 0),
    };
    let n: u64 = digits.parse().map_err(|_| bad())?;
    n.checked_mul(1 << shift).filter(|&n| n > 0).ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes_read_with_binary_units() {
        assert_eq!(parse_size("512M"), Ok(512 << 20));
        assert_eq!(parse_size("4GiB"), Ok(4 << 30));
        assert_eq!(parse_size("100k"), Ok(100 << 10));
        assert_eq!(parse_size("1000"), Ok(1000));
        assert!(parse_size("0").is_err());
        assert!(parse_size("12X").is_err());
        assert!(parse_size("99999999999T").is_err());
    }
}
