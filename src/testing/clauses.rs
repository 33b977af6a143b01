//! Which `require` clauses of a control the tests exercise. In: the result
//! of each control a test expects something of. Out: per clause, in order,
//! whether a subject failed it and whether it held for a subject.
//!
//! Invariant: a control stops a subject at its first failing `require`, so
//! a subject failing clause k held every clause before k, and a passing
//! subject held them all: the clauses that held form a prefix.

use crate::check::program::{Control, Step};
use crate::eval::ControlResult;
use crate::source::Span;
use std::collections::BTreeSet;

/// What one test's subjects did to one control's clauses.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Exercised {
    /// Indices (in order of the control's `require`s) a subject failed.
    pub failed: BTreeSet<usize>,
    /// The first `held` clauses held for some subject.
    pub held: usize,
}

impl Exercised {
    /// Reads a control's result: its violations' clauses, and how far its
    /// subjects got.
    pub fn of(control: &Control, result: &ControlResult) -> Exercised {
        let spans = require_spans(control);
        let failed: BTreeSet<usize> = result
            .violations
            .iter()
            .filter_map(|v| spans.iter().position(|s| *s == v.span))
            .collect();
        let failing = result.violations.len() + result.errors.len();
        let held = if result.subjects > failing {
            spans.len()
        } else {
            failed.last().copied().unwrap_or(0)
        };
        Exercised { failed, held }
    }

    /// Both tests' findings together.
    pub fn merge(&mut self, other: &Exercised) {
        self.failed.extend(other.failed.iter().copied());
        self.held = self.held.max(other.held);
    }
}

/// One `require` of a control and how the tests exercised it.
#[derive(Debug, Clone, PartialEq)]
pub struct Clause {
    pub span: Span,
    /// The condition as written.
    pub text: String,
    /// A subject of some test failed it.
    pub failed: bool,
    /// It held for a subject of some test.
    pub held: bool,
}

/// The control's clauses, marked by what the tests did (`None`: no test
/// expects anything of the control).
pub fn clauses(control: &Control, exercised: Option<&Exercised>) -> Vec<Clause> {
    let mut index = 0;
    control
        .steps
        .iter()
        .filter_map(|s| match s {
            Step::Require { text, span, .. } => {
                let i = index;
                index += 1;
                Some(Clause {
                    span: *span,
                    text: text.clone(),
                    failed: exercised.is_some_and(|x| x.failed.contains(&i)),
                    held: exercised.is_some_and(|x| i < x.held),
                })
            }
            Step::Let(..) => None,
        })
        .collect()
}

fn require_spans(control: &Control) -> Vec<Span> {
    control
        .steps
        .iter()
        .filter_map(|s| match s {
            Step::Require { span, .. } => Some(*span),
            Step::Let(..) => None,
        })
        .collect()
}
