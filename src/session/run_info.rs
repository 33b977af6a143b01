//! A run's provenance: the onus version, the dates, and every policy,
//! facts and catalog input with its size and SHA-256, as the reports print
//! it. Digests are those taken as the inputs were read, never recomputed.

use super::{FactsInput, Session};
use crate::framework::FileDigest;

/// A report's name for facts read from `source`.
pub(crate) fn facts_digest(source: &str, digest: &crate::facts::Digest) -> FileDigest {
    FileDigest {
        path: source.to_string(),
        bytes: digest.bytes,
        sha256: digest.sha256.clone(),
    }
}

/// Where a run came from, so that a report filed as evidence can be traced
/// to its exact inputs.
#[derive(Clone, Debug)]
pub struct RunInfo {
    pub onus_version: &'static str,
    pub now: jiff::civil::Date,
    pub started_at: jiff::Timestamp,
    /// Policy files read from disk, in load order (std is part of the version).
    pub policy_files: Vec<FileDigest>,
    pub facts: Vec<FileDigest>,
    /// Framework catalogs read from disk.
    pub frameworks: Vec<FileDigest>,
}

impl Session {
    /// The run's provenance: version, dates, and every input with its digest.
    pub fn run_info(&self) -> RunInfo {
        let policy_files = self
            .modules
            .iter()
            .filter_map(|m| self.digests.get(&m.file).cloned())
            .collect();
        let frameworks = self
            .program
            .frameworks
            .iter()
            .filter_map(|f| f.digest.clone())
            .collect();
        RunInfo {
            onus_version: env!("CARGO_PKG_VERSION"),
            now: self.options.now,
            started_at: self.started_at,
            policy_files,
            facts: self
                .facts
                .iter()
                .filter_map(FactsInput::digest)
                .chain(&self.streamed)
                .cloned()
                .collect(),
            frameworks,
        }
    }
}
