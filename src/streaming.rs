//! `onus check` with JSON-lines facts: each one is opened when loaded and,
//! when the policy reads it only record by record (`eval::stream`), read
//! and evaluated a batch at a time in bounded memory; else it is read
//! whole, and a warning (F015) names the construct that needs the whole
//! list. The outcome is the same either way: when two subjects of a
//! streamed input may share a key (`eval::stream`), it is read again, whole.
//! A streamed input is hashed batch by batch, in order, for the report.

use crate::diagnostic::Diagnostic;
use crate::eval::stream::Unjoined;
use crate::eval::{self, Outcome};
use crate::facts::{Batches, Facts, FactsFormat, Hashing};
use crate::session::{Session, display_name, facts_digest, facts_error, io_reason};
use std::path::Path;
use std::sync::Mutex;

/// A JSON-lines input opened, not yet read.
pub struct Deferred {
    name: Option<String>,
    /// As written on the command line.
    file: String,
    /// As reports name it.
    source: String,
    input: std::fs::File,
    size: u64,
    /// Read whole without a warning: streamed, two subjects may have
    /// shared a key.
    whole: bool,
}

impl Session {
    /// Opens a JSON-lines facts file (`.jsonl`; standard input is read
    /// as JSON) to read when evaluating.
    #[allow(
        clippy::result_large_err,
        reason = "called once per facts file; the error is rendered at once"
    )]
    pub(crate) fn defer_stream(
        &mut self,
        name: Option<String>,
        file: &str,
    ) -> Result<(), Diagnostic> {
        let cannot = |reason: String| {
            Diagnostic::error("F010", format!("cannot read facts {file}: {reason}"))
        };
        let opened = std::fs::File::open(file).and_then(|f| Ok((f.metadata()?, f)));
        let (metadata, input) = opened.map_err(|e| cannot(io_reason(&e)))?;
        if metadata.is_dir() {
            return Err(cannot("is a directory".into()));
        }
        self.streams.push(Deferred {
            name,
            file: file.to_string(),
            source: display_name(Path::new(file)),
            input,
            size: metadata.len(),
            whole: false,
        });
        Ok(())
    }

    /// Reads the JSON-lines inputs opened by `load_facts_spec` without
    /// evaluating (the policy has errors, or other facts do): their
    /// errors, as reading them at load time would give.
    pub fn check_streams(&mut self) -> Vec<Diagnostic> {
        let limits = self.facts_limits;
        let mut errors = Vec::new();
        for deferred in std::mem::take(&mut self.streams) {
            let mut batches = Batches::new(&deferred.input, limits);
            let read = std::iter::from_fn(|| batches.next_batch().transpose()).try_for_each(|b| {
                b.and_then(|b| Facts::read_batch(b, None, &limits))
                    .map(drop)
            });
            if let Err(e) = read {
                errors.push(facts_error(
                    &deferred.file,
                    &deferred.source,
                    e,
                    Some(deferred.size),
                    &limits,
                ));
            }
        }
        errors
    }

    /// Evaluates, reading the JSON-lines inputs opened by `load_facts_spec`:
    /// a batch at a time where the policy allows it, else whole. An error
    /// in the facts (any of them) is the run's one result, as when they
    /// are read before evaluating.
    #[allow(
        clippy::result_large_err,
        reason = "called once per run; the error is rendered at once"
    )]
    pub fn evaluate_streaming(&mut self) -> Result<Outcome, Diagnostic> {
        let limits = self.facts_limits;
        let mut streams = Vec::new();
        let mut sources: Vec<(String, String, Option<String>)> = Vec::new();
        for deferred in std::mem::take(&mut self.streams) {
            let name = deferred.name.as_deref();
            let shared = self.facts.iter().any(|f| f.facts.mount() == name)
                || sources.iter().any(|(_, _, n)| n.as_deref() == name);
            // A UTF-16 or UTF-32 file is transcoded whole (`facts::encoding`).
            let utf8 = Facts::utf8_head(&deferred.input);
            match eval::stream::uses_whole(&self.program, name) {
                Ok(controls) if !shared && utf8 && !deferred.whole => {
                    sources.push((deferred.file, deferred.source, deferred.name.clone()));
                    let input: Box<dyn std::io::Read + Send> = Box::new(deferred.input);
                    streams.push(eval::stream::Stream {
                        name: deferred.name,
                        controls,
                        batches: Mutex::new(Batches::new(Hashing::new(input), limits)),
                        limits,
                    });
                }
                whole => {
                    if let Err(span) = whole {
                        let what = name.map_or("facts".to_string(), |n| format!("facts.{n}"));
                        self.diagnostics.push(
                            Diagnostic::warning(
                                "F015",
                                format!("{what} ({}) is read into memory whole", deferred.source),
                            )
                            .with_label(span, "this reads the whole list")
                            .with_help(format!(
                                "a JSON-lines file is streamed in bounded memory when `for r in {what}` in controls is its only use"
                            )),
                        );
                    }
                    let size = deferred.size;
                    let read = Facts::read_file(
                        deferred.input,
                        size,
                        deferred.name,
                        FactsFormat::JsonLines,
                        &limits,
                    );
                    let facts = read.map_err(|e| {
                        facts_error(&deferred.file, &deferred.source, e, Some(size), &limits)
                    })?;
                    self.facts
                        .push(crate::session::FactsInput::new(deferred.source, facts));
                }
            }
        }
        let root = self
            .facts_root()
            .map_err(|m| Diagnostic::error("F012", m))?;
        if streams.is_empty() {
            return Ok(eval::evaluate(
                &self.program,
                root,
                self.fact_nodes(),
                &self.options,
            ));
        }
        if streams.iter().any(|s| s.name.is_none()) && root.is_some() {
            return Err(Diagnostic::error(
                "F012",
                "only one unnamed --facts may be given; name the others with NAME=FILE",
            ));
        }
        if root.as_ref().is_some_and(|r| !r.is_object()) {
            return Err(Diagnostic::error(
                "F012",
                "the unnamed facts must be a JSON object when named facts are added to it",
            ));
        }
        let outcome = eval::stream::evaluate(
            &self.program,
            root,
            self.fact_nodes(),
            &self.options,
            &streams,
        );
        match outcome {
            Ok(outcome) => {
                for (stream, (_, source, _)) in streams.iter().zip(&sources) {
                    let batches = stream.batches.lock().unwrap_or_else(|e| e.into_inner());
                    self.streamed
                        .push(facts_digest(source, &batches.reader().digest()));
                }
                Ok(outcome)
            }
            Err(Unjoined::Facts(i, e)) => {
                let (file, source, _) = &sources[i];
                Err(facts_error(file, source, e, None, &limits))
            }
            Err(Unjoined::Whole(i)) => {
                drop(streams);
                for (s, (file, _, name)) in sources.into_iter().enumerate() {
                    self.defer_stream(name, &file)?;
                    if let Some(deferred) = self.streams.last_mut() {
                        deferred.whole = s == i;
                    }
                }
                self.evaluate_streaming()
            }
        }
    }
}
