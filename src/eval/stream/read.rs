//! Reading one stream on `jobs` workers. In: the stream and the rest of
//! the facts; out: each of its controls' result over all its records.
//! Batches are cut in order; each is parsed, evaluated by every control
//! that reads the stream, and joined (`join`) as soon as the batches
//! before it are, then dropped. A worker waits before cutting a batch
//! while `WINDOW` batches a worker are cut and not yet joined, so memory
//! is bounded by the batch size however long the stream and however
//! uneven the batches' cost.

use super::Stream;
use super::join::{Joined, Partial, Repeated};
use super::ledger::Ledger;
use crate::check::program::Program;
use crate::diagnostic::Diagnostic;
use crate::eval::error::EvalError;
use crate::eval::findings::Spill;
use crate::eval::{
    ControlResult, Evaluator, Exceptions, NoObserver, Options, in_parallel, limit_diagnostic,
    visit_subjects,
};
use crate::facts::{Facts, FactsError};
use crate::value::Value;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

const WINDOW: usize = 2;

/// The batches evaluated so far, joined in order.
struct Assembly {
    /// Batches cut, and joined (the next to join).
    cut: usize,
    joined: usize,
    /// Evaluated batches that wait for an earlier one.
    waiting: BTreeMap<usize, Vec<Partial>>,
    /// One per control of the stream, in `Stream::controls` order.
    controls: Vec<Joined>,
    ledger: Ledger,
    /// Where the joined findings go past `Limits::findings_in_memory`;
    /// None until the first spill.
    spill: Option<Arc<Spill>>,
    /// A temporary file could not be written: the findings stay in memory.
    unspillable: bool,
    repeated: bool,
    /// The first batch that could not be read, and why.
    error: Option<(usize, FactsError)>,
}

impl Assembly {
    /// Joins `index` and every batch after it that waited for it.
    fn arrive(&mut self, index: usize, partials: Vec<Partial>) {
        self.waiting.insert(index, partials);
        while let Some(partials) = self.waiting.remove(&self.joined) {
            self.joined += 1;
            for (joined, p) in self.controls.iter_mut().zip(partials) {
                if let Err(Repeated) = joined.add(p, &mut self.ledger) {
                    self.repeated = true;
                }
            }
        }
    }

    /// Moves the joined findings to the temporary file once more than
    /// `keep` are held, so memory holds at most `keep` and a batch's.
    fn bound_findings(&mut self, keep: usize) {
        let held: usize = self.controls.iter().map(Joined::held).sum();
        if held <= keep || self.unspillable {
            return;
        }
        let spilled = match &self.spill {
            Some(spill) => Ok(Arc::clone(spill)),
            None => Spill::new(),
        }
        .and_then(|spill| {
            self.spill = Some(Arc::clone(&spill));
            self.controls
                .iter_mut()
                .try_for_each(|c| c.spill_to(&spill))
        });
        self.unspillable = spilled.is_err();
    }

    fn fail(&mut self, index: usize, e: FactsError) {
        if self.error.as_ref().is_none_or(|(i, _)| index < *i) {
            self.error = Some((index, e));
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Why a stream was not joined.
pub(super) enum Unread {
    Facts(FactsError),
    /// Two subjects may share a key: read it whole.
    Whole,
}

/// Each control of `stream` (in `Stream::controls` order) over all of
/// its records: its result and notes.
pub(super) fn read_stream<'a>(
    program: &'a Program,
    facts: &Option<Value<'a>>,
    fact_nodes: usize,
    options: &Options,
    stream: &Stream,
    outer: &Evaluator<'a>,
    jobs: usize,
) -> Result<Vec<(ControlResult, Vec<Diagnostic>)>, Unread> {
    let jobs = jobs.max(1);
    let stop = AtomicBool::new(false);
    let assembly = Mutex::new(Assembly {
        cut: 0,
        joined: 0,
        waiting: BTreeMap::new(),
        controls: stream.controls.iter().map(|_| Joined::new()).collect(),
        ledger: Ledger::new(stream.limits.keys_in_memory),
        spill: None,
        unspillable: false,
        repeated: false,
        error: None,
    });
    let room = Condvar::new();
    let work = |_| {
        loop {
            // Batches are cut in order, one worker at a time.
            let (index, batch) = {
                let mut batches = lock(&stream.batches);
                let mut a = lock(&assembly);
                while a.cut >= a.joined + WINDOW * jobs && !stop.load(Ordering::Relaxed) {
                    a = room.wait(a).unwrap_or_else(|e| e.into_inner());
                }
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let index = a.cut;
                a.cut += 1;
                drop(a);
                (index, batches.next_batch())
            };
            let read = batch.and_then(|b| {
                b.map(|b| Facts::read_batch(b, stream.name.clone(), &stream.limits))
                    .transpose()
            });
            let records = match read {
                Ok(Some(records)) => records,
                Ok(None) => break,
                Err(e) => {
                    lock(&assembly).fail(index, e);
                    stop.store(true, Ordering::Relaxed);
                    room.notify_all();
                    break;
                }
            };
            let partials =
                evaluate_batch(program, facts, fact_nodes, options, stream, outer, &records);
            let mut a = lock(&assembly);
            a.arrive(index, partials);
            a.bound_findings(stream.limits.findings_in_memory);
            if a.repeated {
                stop.store(true, Ordering::Relaxed);
            }
            drop(a);
            room.notify_all();
        }
    };
    in_parallel(jobs, jobs, work);
    let a = assembly.into_inner().unwrap_or_else(|e| e.into_inner());
    if let Some((_, e)) = a.error {
        return Err(Unread::Facts(e));
    }
    if a.repeated || a.ledger.repeats() {
        return Err(Unread::Whole);
    }
    Ok(a.controls
        .into_iter()
        .zip(&stream.controls)
        .map(|(joined, &c)| joined.finish(program, c))
        .collect())
}

/// One batch's result for each control of the stream.
fn evaluate_batch<'a>(
    program: &'a Program,
    facts: &Option<Value<'a>>,
    fact_nodes: usize,
    options: &Options,
    stream: &Stream,
    outer: &Evaluator<'a>,
    records: &Facts,
) -> Vec<Partial> {
    let list = Evaluator::root(records);
    let root = with_stream(facts, stream.name.as_deref(), list);
    let mut ev = Evaluator::new(
        program,
        Some(root),
        records.node_count() + fact_nodes,
        options,
    );
    ev.deadline = outer.deadline;
    stream
        .controls
        .iter()
        .map(|&c| {
            let control = &program.controls[c];
            let exceptions = Exceptions::of(program, c);
            let (result, stopped, keys) =
                visit_subjects(&ev, control, &exceptions, &mut NoObserver);
            Partial {
                result,
                stopped: stopped.map(|e: EvalError<'_>| limit_diagnostic(control, &e)),
                named: keys.named(&exceptions.waivers, &exceptions.attestations),
                fingerprints: keys.fingerprints(c as u64),
                repeats: keys.repeats(),
                any_subject: !keys.is_empty(),
            }
        })
        .collect()
}

/// The facts root of a batch: the batch list itself for the unnamed facts,
/// else the other facts with the list under its name.
fn with_stream<'a>(facts: &Option<Value<'a>>, name: Option<&str>, list: Value<'a>) -> Value<'a> {
    let Some(name) = name else {
        return list;
    };
    let mut entries: Vec<(std::sync::Arc<str>, Value<'a>)> = facts
        .as_ref()
        .and_then(|f| f.entries())
        .into_iter()
        .flatten()
        .filter(|(k, _)| k.as_str() != Some(name))
        .map(|(k, v)| (std::sync::Arc::from(k.as_str().unwrap_or_default()), v))
        .collect();
    entries.push((name.into(), list));
    Value::object(entries)
}
