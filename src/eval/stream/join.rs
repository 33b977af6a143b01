//! One control's results over a stream's batches, joined as they arrive
//! in order. In: each batch's result for the control; out: the result
//! and notes of reading the records as one list. Results are moved, not
//! copied (and spilled by `read` past a bound), and nothing else of a
//! batch is kept but its key fingerprints (in the `Ledger`).

use super::super::{ControlResult, Diagnostic, Exceptions, Findings, keys, status_of};
use super::ledger::Ledger;
use crate::check::program::{Program, Status};
use crate::eval::findings::Spill;
use std::sync::Arc;

/// One batch's result for one control.
pub(super) struct Partial {
    pub result: ControlResult,
    pub stopped: Option<Diagnostic>,
    /// `SubjectKeys::named`, `fingerprints`, and whether a key repeated
    /// within the batch or it had a subject.
    pub named: Vec<bool>,
    pub fingerprints: Vec<u64>,
    pub repeats: bool,
    pub any_subject: bool,
}

/// A repeated key (A007): the stream must be read whole for its warning.
pub(super) struct Repeated;

pub(super) struct Joined {
    result: ControlResult,
    stopped: Option<Diagnostic>,
    named: Vec<bool>,
    any_subject: bool,
}

impl Joined {
    pub fn new() -> Joined {
        Joined {
            result: ControlResult::empty(Status::Pass),
            stopped: None,
            named: Vec::new(),
            any_subject: false,
        }
    }

    /// Adds the next batch's result. A batch that stopped (a limit) is
    /// the last one seen, as in the whole run.
    pub fn add(&mut self, p: Partial, ledger: &mut Ledger) -> Result<(), Repeated> {
        if self.stopped.is_some() {
            return Ok(());
        }
        if p.repeats {
            return Err(Repeated);
        }
        ledger.add(&p.fingerprints);
        let (r, mut batch) = (&mut self.result, p.result);
        r.subjects += batch.subjects;
        r.filtered += batch.filtered;
        r.violations.append(&mut batch.violations);
        r.errors.append(&mut batch.errors);
        if let Some(mut passed) = batch.passed {
            r.passed
                .get_or_insert_with(Findings::new)
                .append(&mut passed);
        }
        self.named.resize(p.named.len(), false);
        for (n, seen) in self.named.iter_mut().zip(&p.named) {
            *n |= seen;
        }
        self.any_subject |= p.any_subject;
        self.stopped = p.stopped;
        Ok(())
    }

    /// The findings joined so far and held in memory.
    pub fn held(&self) -> usize {
        let r = &self.result;
        r.violations.held() + r.errors.held() + r.passed.as_ref().map_or(0, Findings::held)
    }

    /// Moves the findings held to `spill`.
    pub fn spill_to(&mut self, spill: &Arc<Spill>) -> std::io::Result<()> {
        let r = &mut self.result;
        r.violations.spill_to(spill)?;
        r.errors.spill_to(spill)?;
        r.passed.as_mut().map_or(Ok(()), |p| p.spill_to(spill))
    }

    /// The control's result over the whole stream, with its notes.
    pub fn finish(self, program: &Program, c: usize) -> (ControlResult, Vec<Diagnostic>) {
        let control = &program.controls[c];
        let exceptions = Exceptions::of(program, c);
        if !control.checked() {
            let status = exceptions.unchecked_status(control);
            return (ControlResult::empty(status), Vec::new());
        }
        let mut r = self.result;
        if self.stopped.is_some() {
            // A limit is not something a person can vouch for (`visit_subjects`).
            r.errors.for_each_mut(|e| e.attested = false);
        }
        r.status = status_of(&r);
        let (waivers, attestations) = (&exceptions.waivers, &exceptions.attestations);
        let mut notes = keys::unknown_keys(
            control,
            waivers,
            attestations,
            &self.named,
            self.any_subject,
        );
        notes.extend(keys::overruled(control, attestations, &r.violations));
        notes.extend(self.stopped);
        (r, notes)
    }
}
