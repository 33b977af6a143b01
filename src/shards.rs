//! `onus check --shard FILE…`: many facts files (one per account or
//! project) evaluated in one run, each as the facts of a run of its own, on
//! `--jobs` threads (one per core by default), a file at a time per thread.
//! In: the checked session and the files. Out: one outcome, as `merge`
//! combines the parts (each subject keyed `LABEL/KEY`, the label the file's
//! name without directory or extension), and each file's digest in order
//! for the report's `run.facts`. Invariant: a file's results are those of
//! `onus check --facts FILE` with keys prefixed, whatever the thread count;
//! only one file per thread is in memory at a time.

use crate::diagnostic::Diagnostic;
use crate::eval::{self, Options, Outcome};
use crate::framework::FileDigest;
use crate::session::{Session, combine_facts};

/// One shard read and evaluated: its digest, its outcome and its reading
/// warnings; or the one error that stops the run.
type Part = Result<(Option<FileDigest>, Outcome, Vec<Diagnostic>), Diagnostic>;

impl Session {
    /// Evaluates each file in `files` alone and merges the outcomes (F037
    /// when two files have one label). An unreadable file is the run's one
    /// result, as with `--facts`. Call only when `has_errors()` is false.
    #[allow(
        clippy::result_large_err,
        reason = "called once per run; the error is rendered at once"
    )]
    pub fn evaluate_shards(
        &mut self,
        files: &[String],
    ) -> Result<(Outcome, Vec<FileDigest>), Diagnostic> {
        let labels = crate::merge::labels(files, "facts file")?;
        let threads = self.facts_limits.threads.clamp(1, files.len().max(1));
        // Threads are spent on files; each file is evaluated on one.
        let options = Options {
            jobs: Some(1),
            ..self.options.clone()
        };
        // Threads the system refuses are done without (`in_parallel`).
        let parts = eval::in_parallel(files.len(), threads, |i| {
            self.evaluate_shard(&files[i], &options)
        });
        let mut outcomes = Vec::with_capacity(files.len());
        let mut digests = Vec::with_capacity(files.len());
        for (label, part) in labels.into_iter().zip(parts) {
            let (digest, outcome, warnings) = part?;
            digests.extend(digest);
            self.diagnostics.extend(warnings);
            outcomes.push((label, outcome));
        }
        Ok((crate::merge::outcomes(outcomes), digests))
    }

    /// Reads one shard into a session of its own and evaluates this
    /// session's program over it.
    #[allow(
        clippy::result_large_err,
        reason = "called once per shard; the error is rendered at once"
    )]
    fn evaluate_shard(&self, file: &str, options: &Options) -> Part {
        let mut reader = Session::new(options.clone());
        reader.facts_limits = crate::facts::Limits {
            threads: 1,
            ..self.facts_limits
        };
        reader.yaml_schema = self.yaml_schema;
        reader.load_facts_spec(file)?;
        let root = combine_facts(reader.facts.iter().map(|f| &f.facts))
            .map_err(|m| Diagnostic::error("F011", m))?;
        let outcome = eval::evaluate(&self.program, root, reader.fact_nodes(), options);
        let digest = reader.facts.first().and_then(|f| f.digest().cloned());
        Ok((digest, outcome, std::mem::take(&mut reader.diagnostics)))
    }
}
