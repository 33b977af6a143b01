//! One result out of several runs of the same policy, each over its own
//! facts (one account or project each). In: the parts, each with a label and
//! its results, in order. Out: the results of the whole — a control's
//! subjects concatenated in part order, each key prefixed `LABEL/`, its
//! status the worst that some part has, counts summed.
//! Invariant: the same rule serves a sharded `onus check` (parts are
//! outcomes) and `onus merge` (parts are JSON reports, `reports`), so both
//! give the same keys, statuses and summary for the same split.

pub mod reports;

use crate::check::program::Status;
use crate::diagnostic::Diagnostic;
use crate::eval::{AssertionResult, ControlResult, Findings, Outcome};
use std::collections::HashSet;
use std::path::Path;

/// Which status a merged control takes (Pass for none): the worst that one
/// of its parts has, in the order a requirement combines its controls
/// (`coverage::PRECEDENCE`). For a checked control this is exactly the
/// status one run over all the subjects would give (an unwaived violation
/// anywhere fails it, then an unattested error, then a waived violation,
/// then an attested error); an unchecked control's status depends only on
/// the policy and the date, which every part shares.
pub fn combined_status(statuses: impl IntoIterator<Item = Status>) -> Status {
    crate::coverage::combine(statuses).unwrap_or(Status::Pass)
}

/// A waiver's or attestation's key that matches no subject (A006) says
/// something about the whole: it is kept only when every part says it.
pub const UNMATCHED_KEY: &str = "A006";

/// Between a part's label and a subject's key.
pub const SEPARATOR: char = '/';

/// A status by its report name (`Status::parse` leaves out `unevaluated`,
/// which a policy cannot name).
pub fn status_named(name: &str) -> Option<Status> {
    crate::coverage::PRECEDENCE
        .into_iter()
        .find(|s| s.as_str() == name)
}

/// A subject's key in the merged result.
pub fn prefixed(label: &str, key: &str) -> String {
    format!("{label}{SEPARATOR}{key}")
}

/// The label of each part: its file's name without directory or extension
/// (`accounts/prod-123.json` is `prod-123`). Two parts with one label would
/// mix their subjects, so that is refused (F037); `what` names the parts in
/// the message ("facts file", "report").
#[allow(
    clippy::result_large_err,
    reason = "called once per run; the error is rendered at once"
)]
pub fn labels(paths: &[String], what: &str) -> Result<Vec<String>, Diagnostic> {
    let mut seen = HashSet::new();
    let mut labels = Vec::with_capacity(paths.len());
    for path in paths {
        let label = Path::new(path)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| path.clone());
        if !seen.insert(label.clone()) {
            let shown = crate::escape::terminal(&label);
            return Err(Diagnostic::error(
                "F037",
                format!(
                    "two {what}s are both named `{shown}`; their subjects would be keyed `{shown}{SEPARATOR}…` alike"
                ),
            )
            .with_help(format!(
                "each {what} keys its subjects by its file name without directory or extension: give each a different name"
            )));
        }
        labels.push(label);
    }
    Ok(labels)
}

/// The outcome of the whole from the outcomes of its parts (same program,
/// so the same controls and assertions in the same order).
pub fn outcomes(parts: Vec<(String, Outcome)>) -> Outcome {
    let mut merged = Outcome::default();
    let mut statuses: Vec<Vec<Status>> = Vec::new();
    let mut assertion_statuses: Vec<Vec<AssertionResult>> = Vec::new();
    let part_diagnostics: Vec<Vec<Diagnostic>> =
        parts.iter().map(|(_, o)| o.diagnostics.clone()).collect();
    for (label, outcome) in parts {
        if merged.controls.is_empty() {
            merged.controls = outcome
                .controls
                .iter()
                .map(|r| ControlResult {
                    status: r.status,
                    subjects: 0,
                    filtered: 0,
                    violations: Findings::new(),
                    errors: Findings::new(),
                    passed: r.passed.as_ref().map(|_| Findings::new()),
                })
                .collect();
            statuses = vec![Vec::new(); outcome.controls.len()];
            assertion_statuses = vec![Vec::new(); outcome.assertions.len()];
        }
        for (i, r) in outcome.controls.into_iter().enumerate() {
            let (Some(m), Some(s)) = (merged.controls.get_mut(i), statuses.get_mut(i)) else {
                continue;
            };
            s.push(r.status);
            m.subjects += r.subjects;
            m.filtered += r.filtered;
            m.violations.extend(r.violations.into_iter().map(|mut v| {
                v.key = prefixed(&label, &v.key);
                v
            }));
            m.errors.extend(r.errors.into_iter().map(|mut e| {
                e.key = prefixed(&label, &e.key);
                e
            }));
            if let (Some(all), Some(passed)) = (&mut m.passed, r.passed) {
                all.extend(passed.into_iter().map(|mut p| {
                    p.key = prefixed(&label, &p.key);
                    p
                }));
            }
        }
        for (i, a) in outcome.assertions.into_iter().enumerate() {
            if let Some(all) = assertion_statuses.get_mut(i) {
                all.push(a);
            }
        }
        for d in outcome.diagnostics {
            let everywhere = || part_diagnostics.iter().all(|p| p.contains(&d));
            if !merged.diagnostics.contains(&d) && (d.code != UNMATCHED_KEY || everywhere()) {
                merged.diagnostics.push(d);
            }
        }
    }
    for (m, s) in merged.controls.iter_mut().zip(statuses) {
        m.status = combined_status(s);
    }
    merged.assertions = assertion_statuses
        .into_iter()
        .map(|results| {
            let status = combined_status(results.iter().map(|a| a.status));
            // The message of the first part that gave the merged status.
            let message = results
                .into_iter()
                .find(|a| a.status == status)
                .and_then(|a| a.message);
            AssertionResult { status, message }
        })
        .collect();
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checked_controls_status_is_the_worst_finding() {
        use Status::*;
        assert_eq!(combined_status([Pass, Waived, Pass]), Waived);
        assert_eq!(combined_status([Attested, Waived]), Waived);
        assert_eq!(combined_status([Error, Fail]), Fail);
        assert_eq!(combined_status([Attested, Error]), Error);
        assert_eq!(combined_status([Pass, Pass]), Pass);
        assert_eq!(combined_status([Pass, Unevaluated]), Unevaluated);
        assert_eq!(combined_status([]), Pass);
    }

    #[test]
    fn every_status_has_a_place_and_a_name() {
        for s in crate::coverage::PRECEDENCE {
            assert_eq!(status_named(s.as_str()), Some(s));
        }
        assert_eq!(status_named("bogus"), None);
    }

    #[test]
    fn labels_are_file_stems_and_must_differ() {
        let paths = ["a/east.json".to_string(), "west.jsonl".to_string()];
        assert_eq!(
            labels(&paths, "report").expect("distinct"),
            ["east", "west"]
        );
        let twice = ["a/east.json".to_string(), "b/east.yaml".to_string()];
        let d = labels(&twice, "facts file").expect_err("same stem");
        assert_eq!(d.code, "F037");
        assert!(d.message.contains("`east`"), "{}", d.message);
    }
}
