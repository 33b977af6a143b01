//! `onus check --baseline OLD.json`: the subjects that already failed. In: a
//! report read back. Out: a lookup of which control id + key pairs had a
//! violation or an error, and which assertions failed, so a run can mark
//! each of its findings new or not. Invariant: identity is control id + key
//! (the pointer is not compared), as in `onus diff`.

use super::Report;
use std::collections::{HashMap, HashSet};

pub struct Baseline {
    /// Control id → keys with a violation (waived or not) or an error.
    failing: HashMap<String, HashSet<String>>,
    /// Names of assertions that failed or errored.
    failed_assertions: HashSet<String>,
}

impl Baseline {
    pub fn new(report: &Report) -> Baseline {
        let failing = report
            .controls
            .iter()
            .map(|c| {
                let keys = c.violations.iter().map(|v| v.key.clone());
                let errors = c.errors.iter().map(|e| e.key.clone());
                (c.id.clone(), keys.chain(errors).collect())
            })
            .collect();
        let failed_assertions = report
            .assertions
            .iter()
            .filter(|a| matches!(a.status.as_str(), "fail" | "error"))
            .map(|a| a.name.clone())
            .collect();
        Baseline {
            failing,
            failed_assertions,
        }
    }

    /// Whether a finding of `control` for `key` is new: the baseline had
    /// none for that subject.
    pub fn is_new(&self, control: &str, key: &str) -> bool {
        self.failing
            .get(control)
            .is_none_or(|keys| !keys.contains(key))
    }

    /// Whether the assertion failed (or errored) in the baseline too.
    pub fn assertion_failed(&self, name: &str) -> bool {
        self.failed_assertions.contains(name)
    }
}
