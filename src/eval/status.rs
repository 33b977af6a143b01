//! A control's status and notes: its waivers and attestations
//! (`Exceptions`), the status its violations and errors give, violations
//! a waiver by key cannot tell apart (unwaived, fail closed), the L001 note
//! of a limit, and `--require-subjects`. Nothing here evaluates policy.

use super::error::EvalError;
use super::{ControlResult, Outcome, SubjectError};
use crate::check::program::{Attestation, Control, Program, Status, Validity, Waiver};
use crate::diagnostic::Diagnostic;
use crate::source::Span;
use std::collections::{HashMap, HashSet};

/// The waivers and attestations of one control.
pub(super) struct Exceptions<'p> {
    pub(super) waivers: Vec<&'p Waiver>,
    pub(super) attestations: Vec<&'p Attestation>,
}

impl<'p> Exceptions<'p> {
    pub(super) fn of(program: &'p Program, control: usize) -> Self {
        Exceptions {
            waivers: program
                .waivers
                .iter()
                .filter(|w| w.control == control)
                .collect(),
            attestations: program.attestations_of(control).collect(),
        }
    }

    /// Whether some waiver or attestation names subjects by key.
    pub(super) fn keyed(&self) -> bool {
        self.waivers.iter().any(|w| w.keys.is_some())
            || self.attestations.iter().any(|a| a.keys.is_some())
    }

    /// The status of a control without checks: attested while a control-wide
    /// attestation is current, unverified once the last one expired.
    pub(super) fn unchecked_status(&self, c: &Control) -> Status {
        let whole = || self.attestations.iter().filter(|a| a.keys.is_none());
        if whole().any(|a| a.validity == Validity::Current) {
            Status::Attested
        } else if whole().any(|a| a.validity == Validity::Expired) {
            Status::Unverified
        } else {
            c.unchecked_status()
        }
    }
}

/// A checked control's status from its violations and errors.
pub(super) fn status_of(r: &ControlResult) -> Status {
    if r.violations.iter().any(|v| !v.waived) {
        Status::Fail
    } else if r.errors.iter().any(|e| !e.attested) {
        Status::Error
    } else if !r.violations.is_empty() {
        Status::Waived
    } else if !r.errors.is_empty() {
        Status::Attested
    } else {
        Status::Pass
    }
}

/// A waiver that names keys cannot tell apart subjects that share one
/// (facts decide the keys): such violations are not waived (fail closed),
/// and an error per shared key says why. A waiver of the whole control
/// names no key, so it still covers them.
pub(super) fn unwaive_shared_keys(r: &mut ControlResult, waivers: &[&Waiver]) {
    let by_key = |key: &str| {
        waivers.iter().any(|w| w.keys.is_some() && w.covers(key))
            && !waivers.iter().any(|w| w.keys.is_none() && w.covers(key))
    };
    let mut counts: HashMap<String, usize> = HashMap::new();
    for v in r.violations.iter().filter(|v| v.waived) {
        *counts.entry(v.key.clone()).or_default() += 1;
    }
    // In the order of first appearance, so that reports are stable.
    let mut shared: Vec<(String, usize, Span)> = Vec::new();
    for v in &r.violations {
        if let Some(n) = counts.remove(v.key.as_str())
            && n > 1
            && by_key(&v.key)
        {
            shared.push((v.key.clone(), n, v.span));
        }
    }
    if shared.is_empty() {
        return;
    }
    let keys: HashSet<&str> = shared.iter().map(|(k, _, _)| k.as_str()).collect();
    r.violations.for_each_mut(|v| {
        if keys.contains(v.key.as_str()) {
            v.waived = false;
        }
    });
    for (key, n, span) in shared {
        r.errors.push(SubjectError {
            message: format!(
                "{n} failing subjects have the key `{key}`: a waiver by key cannot tell them apart, so it waives none of them; give the control a `key` that is unique per subject"
            ),
            key,
            pointer: None,
            span,
            attested: false,
        });
    }
}

pub(super) fn limit_diagnostic(c: &Control, limit: &EvalError<'_>) -> Diagnostic {
    Diagnostic::error(
        "L001",
        format!("control `{}` stopped: {}", c.id, limit.message()),
    )
    .with_label(limit.span, "stopped while evaluating this")
    .with_help(
        "raise the limit with --max-steps N or --timeout SECONDS if this much work is expected",
    )
}

impl Outcome {
    /// `--require-subjects`: a checked control whose `for` selected no
    /// subject verified nothing, so it is not let pass. It becomes `error`
    /// (nothing failed; the check could not be made), with an error entry
    /// keyed `(for)` that says why, like a `for` that could not be read.
    pub fn require_subjects(&mut self, program: &Program) {
        for (c, r) in program.controls.iter().zip(&mut self.controls) {
            let Some(selection) = &c.selection else {
                continue;
            };
            if r.status != Status::Pass || r.subjects > 0 {
                continue;
            }
            let left_out = match r.filtered {
                0 => String::new(),
                n => format!(" ({n} left out by `where`)"),
            };
            r.status = Status::Error;
            r.errors.push(SubjectError {
                key: "(for)".into(),
                pointer: None,
                message: format!(
                    "the `for` selected no subjects{left_out}; --require-subjects asks for at least one"
                ),
                span: selection.source.span,
                attested: false,
            });
        }
    }
}
