//! What changed between two `onus check` runs, and whose it is. In: two
//! reports read back (`read::Report`, the old and the new). Out: a typed
//! `ChangeSet`, grouped by the party that owns each control: per control its
//! status before and after, ownership drift (owner, decider, operator or
//! accountable party changed), the waivers that appeared, expired, changed or were removed,
//! and per subject whether its violation or error is new, fixed or still
//! failing. Invariant: a subject is its control id and key (the pointer is
//! shown, never compared), and every finding of either report lands in
//! exactly one subject change.

pub mod baseline;
pub mod json;
pub mod markdown;
pub mod read;
pub mod text;

pub use baseline::Baseline;
pub use read::Report;

use crate::report::Gate;
use crate::value::Word;
use read::{Control, Waiver};
use std::collections::{HashMap, VecDeque};

/// Everything that changed, per owning party.
pub struct ChangeSet<'a> {
    /// In order of first appearance: the new report's controls in order,
    /// then those only the old report has.
    pub parties: Vec<Party<'a>>,
}

/// The changes of the controls one party owns (`owner`, after the change).
pub struct Party<'a> {
    pub owner: &'a str,
    pub controls: Vec<ControlChange<'a>>,
}

/// One control present in either report, with something to say.
pub struct ControlChange<'a> {
    /// None when the control is new in the policy.
    pub old: Option<&'a Control>,
    /// None when the control was removed from the policy.
    pub new: Option<&'a Control>,
    pub drift: Vec<Drift<'a>>,
    pub waivers: Vec<WaiverChange<'a>>,
    /// New and still-failing subjects in the new report's order, then the
    /// fixed ones in the old report's.
    pub subjects: Vec<SubjectChange<'a>>,
}

/// One ownership field whose value changed.
pub struct Drift<'a> {
    /// `owner`, `decider`, `operator` or `accountable`.
    pub field: &'static str,
    pub old: Option<&'a str>,
    pub new: Option<&'a str>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaiverChangeKind {
    Appeared,
    Expired,
    Changed,
    Removed,
}

impl WaiverChangeKind {
    pub fn name(self) -> &'static str {
        match self {
            WaiverChangeKind::Appeared => "appeared",
            WaiverChangeKind::Expired => "expired",
            WaiverChangeKind::Changed => "changed",
            WaiverChangeKind::Removed => "removed",
        }
    }
}

/// A waiver (the same control and keys) that appeared, expired, changed its
/// date, author or reason (a renewal too), or was removed.
pub struct WaiverChange<'a> {
    pub kind: WaiverChangeKind,
    pub old: Option<&'a Waiver>,
    pub new: Option<&'a Waiver>,
}

impl<'a> WaiverChange<'a> {
    /// The waiver as it is now, else as it was.
    pub fn current(&self) -> &'a Waiver {
        self.new.or(self.old).expect("a waiver change has a side")
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Violation,
    Error,
}

impl Outcome {
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Violation => "violation",
            Outcome::Error => "error",
        }
    }
}

/// A violation or an error subject, as one report lists it.
#[derive(Clone, Copy, Debug)]
pub struct Finding<'a> {
    pub outcome: Outcome,
    pub pointer: Option<&'a str>,
    pub message: &'a str,
    pub waived: bool,
    /// An error a current attestation vouched for (it does not fail).
    pub attested: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// Failing now, not before.
    New,
    /// Failing before, not now.
    Fixed,
    /// Failing in both (as a violation or an error, waived or not).
    StillFailing,
}

pub struct SubjectChange<'a> {
    pub key: &'a str,
    pub old: Option<Finding<'a>>,
    pub new: Option<Finding<'a>>,
}

impl<'a> SubjectChange<'a> {
    pub fn change(&self) -> Change {
        match (self.old, self.new) {
            (None, _) => Change::New,
            (_, None) => Change::Fixed,
            _ => Change::StillFailing,
        }
    }

    /// The finding as it is now, else as it was.
    pub fn current(&self) -> Finding<'a> {
        self.new.or(self.old).expect("a subject change has a side")
    }
}

impl<'a> ControlChange<'a> {
    /// The control as it is now, else as it was.
    pub fn current(&self) -> &'a Control {
        self.new.or(self.old).expect("a control change has a side")
    }

    pub fn old_status(&self) -> Option<&'a str> {
        self.old.map(|c| c.status.as_str())
    }

    pub fn new_status(&self) -> Option<&'a str> {
        self.new.map(|c| c.status.as_str())
    }

    pub fn status_changed(&self) -> bool {
        self.old_status() != self.new_status()
    }

    /// The subjects with one kind of change.
    pub fn subjects(&self, change: Change) -> impl Iterator<Item = &SubjectChange<'a>> {
        self.subjects.iter().filter(move |s| s.change() == change)
    }

    fn is_empty(&self) -> bool {
        !self.status_changed()
            && self.drift.is_empty()
            && self.waivers.is_empty()
            && self.subjects.is_empty()
    }

    /// How many new findings, neither waived nor attested, of this control fail `gate`: all of
    /// them when the control is `hard` (or `soft` under `strict`) at or above
    /// `fail_on`, else none.
    pub fn failing(&self, gate: Gate) -> usize {
        let Some(c) = self.new else {
            return 0;
        };
        let counts = match c.enforce {
            Word::Hard => true,
            Word::Soft => gate.strict,
            _ => false,
        };
        if !counts || c.severity < gate.fail_on {
            return 0;
        }
        self.subjects(Change::New)
            .filter(|s| s.new.is_some_and(|f| !f.waived && !f.attested))
            .count()
    }
}

/// Counts over the whole change set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    pub new_violations: usize,
    pub new_errors: usize,
    pub fixed_violations: usize,
    pub fixed_errors: usize,
    pub still_failing: usize,
    pub status_changes: usize,
    pub ownership_drift: usize,
    pub waiver_changes: usize,
}

impl<'a> ChangeSet<'a> {
    pub fn controls(&self) -> impl Iterator<Item = &ControlChange<'a>> {
        self.parties.iter().flat_map(|p| &p.controls)
    }

    pub fn summary(&self) -> Summary {
        Summary::of(self.controls())
    }

    /// `--fail-on-new`: how many new findings fail the gate.
    pub fn failing(&self, gate: Gate) -> usize {
        self.controls().map(|c| c.failing(gate)).sum()
    }
}

impl Party<'_> {
    pub fn summary(&self) -> Summary {
        Summary::of(&self.controls)
    }
}

impl Summary {
    fn of<'c, 'a: 'c>(controls: impl IntoIterator<Item = &'c ControlChange<'a>>) -> Summary {
        let mut s = Summary::default();
        for c in controls {
            s.status_changes += usize::from(c.status_changed());
            s.ownership_drift += usize::from(!c.drift.is_empty());
            s.waiver_changes += c.waivers.len();
            for subject in &c.subjects {
                let outcome = subject.current().outcome;
                let counter = match (subject.change(), outcome) {
                    (Change::New, Outcome::Violation) => &mut s.new_violations,
                    (Change::New, Outcome::Error) => &mut s.new_errors,
                    (Change::Fixed, Outcome::Violation) => &mut s.fixed_violations,
                    (Change::Fixed, Outcome::Error) => &mut s.fixed_errors,
                    (Change::StillFailing, _) => &mut s.still_failing,
                };
                *counter += 1;
            }
        }
        s
    }
}

/// Compares two reports of the same policy (or of two versions of it).
pub fn compare<'a>(old: &'a Report, new: &'a Report) -> ChangeSet<'a> {
    let old_by_id: HashMap<&str, &Control> =
        old.controls.iter().map(|c| (c.id.as_str(), c)).collect();
    let new_ids: HashMap<&str, &Control> =
        new.controls.iter().map(|c| (c.id.as_str(), c)).collect();
    let pairs = new
        .controls
        .iter()
        .map(|c| (old_by_id.get(c.id.as_str()).copied(), Some(c)))
        .chain(
            old.controls
                .iter()
                .filter(|c| !new_ids.contains_key(c.id.as_str()))
                .map(|c| (Some(c), None)),
        );
    let mut parties: Vec<Party<'a>> = Vec::new();
    for (old_control, new_control) in pairs {
        let change = control_change(old, new, old_control, new_control);
        if change.is_empty() {
            continue;
        }
        let owner = change.current().owner.as_str();
        match parties.iter_mut().find(|p| p.owner == owner) {
            Some(party) => party.controls.push(change),
            None => parties.push(Party {
                owner,
                controls: vec![change],
            }),
        }
    }
    ChangeSet { parties }
}

fn control_change<'a>(
    old_report: &'a Report,
    new_report: &'a Report,
    old: Option<&'a Control>,
    new: Option<&'a Control>,
) -> ControlChange<'a> {
    let id = new.or(old).map_or("", |c| c.id.as_str());
    let drift = match (old, new) {
        (Some(o), Some(n)) => drift(o, n),
        _ => Vec::new(),
    };
    let waivers_of = |r: &'a Report| r.waivers.iter().filter(|w| w.control == id).collect();
    // A control that was not run (no facts) has no findings to compare:
    // against a run that had them, they would all look fixed, or new.
    let evaluated = |c: Option<&Control>| c.is_none_or(|c| c.status != "unevaluated");
    let subjects = if evaluated(old) && evaluated(new) {
        subject_changes(old, new)
    } else {
        Vec::new()
    };
    ControlChange {
        old,
        new,
        drift,
        waivers: waiver_changes(waivers_of(old_report), waivers_of(new_report)),
        subjects,
    }
}

fn drift<'a>(old: &'a Control, new: &'a Control) -> Vec<Drift<'a>> {
    // `accountable` only when both reports carry it: one written before
    // parties existed has no such field, which is no change.
    let accountable = (old.accountable.is_some() && new.accountable.is_some()).then_some((
        "accountable",
        old.accountable.as_ref(),
        new.accountable.as_ref(),
    ));
    [
        ("owner", Some(&old.owner), Some(&new.owner)),
        ("decider", old.decider.as_ref(), new.decider.as_ref()),
        ("operator", old.operator.as_ref(), new.operator.as_ref()),
    ]
    .into_iter()
    .chain(accountable)
    .filter(|(_, o, n)| o != n)
    .map(|(field, o, n)| Drift {
        field,
        old: o.map(String::as_str),
        new: n.map(String::as_str),
    })
    .collect()
}

/// Every finding of a control: its violations, then its error subjects.
fn findings(c: Option<&Control>) -> Vec<(&str, Finding<'_>)> {
    let Some(c) = c else {
        return Vec::new();
    };
    let violations = c.violations.iter().map(|v| {
        let finding = Finding {
            outcome: Outcome::Violation,
            pointer: v.pointer.as_deref(),
            message: &v.message,
            waived: v.waived,
            attested: false,
        };
        (v.key.as_str(), finding)
    });
    let errors = c.errors.iter().map(|e| {
        let finding = Finding {
            outcome: Outcome::Error,
            pointer: e.pointer.as_deref(),
            message: &e.message,
            waived: false,
            attested: e.attested,
        };
        (e.key.as_str(), finding)
    });
    violations.chain(errors).collect()
}

/// Pairs the findings of two runs by key. A key listed twice in one report
/// (two subjects with one key) pairs in order, so none is lost.
fn subject_changes<'a>(
    old: Option<&'a Control>,
    new: Option<&'a Control>,
) -> Vec<SubjectChange<'a>> {
    let old = findings(old);
    let mut unmatched: HashMap<&str, VecDeque<usize>> = HashMap::new();
    for (i, (key, _)) in old.iter().enumerate() {
        unmatched.entry(key).or_default().push_back(i);
    }
    let mut matched = vec![false; old.len()];
    let mut changes = Vec::new();
    for (key, finding) in findings(new) {
        let before = unmatched.get_mut(key).and_then(VecDeque::pop_front);
        if let Some(i) = before {
            matched[i] = true;
        }
        changes.push(SubjectChange {
            key,
            old: before.map(|i| old[i].1),
            new: Some(finding),
        });
    }
    for ((key, finding), _) in old.into_iter().zip(matched).filter(|(_, m)| !m) {
        changes.push(SubjectChange {
            key,
            old: Some(finding),
            new: None,
        });
    }
    changes
}

/// The keys a waiver covers, in a comparable form (None: every subject).
fn waiver_identity(w: &Waiver) -> Option<Vec<&str>> {
    w.keys.as_ref().map(|keys| {
        let mut keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        keys.sort_unstable();
        keys
    })
}

fn waiver_changes<'a>(old: Vec<&'a Waiver>, new: Vec<&'a Waiver>) -> Vec<WaiverChange<'a>> {
    let mut unmatched: Vec<Option<&Waiver>> = old.into_iter().map(Some).collect();
    let mut changes = Vec::new();
    for n in new {
        let identity = waiver_identity(n);
        let before = unmatched
            .iter_mut()
            .find(|o| o.is_some_and(|o| waiver_identity(o) == identity))
            .and_then(Option::take);
        let kind = match before {
            None => Some(WaiverChangeKind::Appeared),
            Some(o) if !o.expired && n.expired => Some(WaiverChangeKind::Expired),
            Some(o) if o != n => Some(WaiverChangeKind::Changed),
            Some(_) => None,
        };
        if let Some(kind) = kind {
            changes.push(WaiverChange {
                kind,
                old: before,
                new: Some(n),
            });
        }
    }
    for o in unmatched.into_iter().flatten() {
        changes.push(WaiverChange {
            kind: WaiverChangeKind::Removed,
            old: Some(o),
            new: None,
        });
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(text: &str) -> Report {
        read::parse("r.json", text).expect("a report")
    }

    fn control(id: &str, owner: &str, status: &str, violations: &[&str]) -> String {
        let violations: Vec<String> = violations
            .iter()
            .map(|k| {
                format!(r#"{{"key": "{k}", "pointer": "/x/{k}", "message": "m", "waived": false}}"#)
            })
            .collect();
        format!(
            r#"{{"id": "{id}", "service": "s", "layer": "l", "owner": "{owner}", "decider": "{owner}",
            "operator": "{owner}", "severity": "high", "enforce": "hard", "status": "{status}",
            "violations": [{}], "errors": []}}"#,
            violations.join(",")
        )
    }

    fn doc(controls: &[String], waivers: &str) -> Report {
        report(&format!(
            r#"{{"version": 1, "controls": [{}], "waivers": [{waivers}]}}"#,
            controls.join(",")
        ))
    }

    #[test]
    fn subjects_are_new_fixed_or_still_failing_by_control_and_key() {
        let old = doc(&[control("a", "customer", "fail", &["k1", "k2"])], "");
        let new = doc(&[control("a", "customer", "fail", &["k2", "k3"])], "");
        let set = compare(&old, &new);
        let a = &set.parties[0].controls[0];
        let kinds: Vec<(&str, Change)> = a.subjects.iter().map(|s| (s.key, s.change())).collect();
        assert_eq!(
            kinds,
            [
                ("k2", Change::StillFailing),
                ("k3", Change::New),
                ("k1", Change::Fixed)
            ]
        );
        let s = set.summary();
        assert_eq!(
            (s.new_violations, s.fixed_violations, s.still_failing),
            (1, 1, 1)
        );
    }

    #[test]
    fn unchanged_controls_are_left_out_and_parties_group_the_rest() {
        let old = doc(
            &[
                control("a", "customer", "pass", &[]),
                control("b", "provider", "inherited", &[]),
                control("c", "customer", "pass", &[]),
            ],
            "",
        );
        let new = doc(
            &[
                control("a", "customer", "pass", &[]),
                control("b", "customer", "unverified", &[]),
                control("c", "customer", "fail", &["k"]),
            ],
            "",
        );
        let set = compare(&old, &new);
        assert_eq!(set.parties.len(), 1);
        let ids: Vec<&str> = set.parties[0]
            .controls
            .iter()
            .map(|c| c.current().id.as_str())
            .collect();
        assert_eq!(ids, ["b", "c"]);
        let drift: Vec<&str> = set.parties[0].controls[0]
            .drift
            .iter()
            .map(|d| d.field)
            .collect();
        assert_eq!(drift, ["owner", "decider", "operator"]);
        assert_eq!(set.summary().status_changes, 2);
    }

    #[test]
    fn added_and_removed_controls_change_status_and_fix_their_findings() {
        let old = doc(&[control("gone", "customer", "fail", &["k"])], "");
        let new = doc(&[control("added", "shared", "pass", &[])], "");
        let set = compare(&old, &new);
        let owners: Vec<&str> = set.parties.iter().map(|p| p.owner).collect();
        assert_eq!(owners, ["shared", "customer"]);
        let added = &set.parties[0].controls[0];
        assert_eq!(
            (added.old_status(), added.new_status()),
            (None, Some("pass"))
        );
        let gone = &set.parties[1].controls[0];
        assert_eq!((gone.old_status(), gone.new_status()), (Some("fail"), None));
        assert_eq!(gone.subjects[0].change(), Change::Fixed);
        assert_eq!(set.summary().status_changes, 2);
    }

    #[test]
    fn an_unevaluated_control_compares_its_status_not_its_subjects() {
        let old = doc(&[control("a", "customer", "fail", &["k"])], "");
        let new = doc(&[control("a", "customer", "unevaluated", &[])], "");
        let set = compare(&old, &new);
        let a = &set.parties[0].controls[0];
        assert!(a.status_changed());
        assert!(a.subjects.is_empty());
    }

    #[test]
    fn accountable_drifts_only_between_reports_that_both_name_it() {
        let with = |accountable: &str| {
            control("a", "customer", "pass", &[]).replace(
                r#""severity""#,
                &format!(r#""accountable": "{accountable}", "severity""#),
            )
        };
        let fields = |old: &str, new: &str| -> Vec<&'static str> {
            let (old, new) = (doc(&[old.to_string()], ""), doc(&[new.to_string()], ""));
            let set = compare(&old, &new);
            set.controls()
                .flat_map(|c| c.drift.iter().map(|d| d.field))
                .collect()
        };
        let without = control("a", "customer", "pass", &[]);
        assert!(fields(&without, &with("payments")).is_empty());
        assert_eq!(
            fields(&with("customer"), &with("payments")),
            ["accountable"]
        );
    }

    #[test]
    fn a_key_listed_twice_pairs_in_order() {
        let old = doc(&[control("a", "customer", "fail", &["k", "k"])], "");
        let new = doc(&[control("a", "customer", "fail", &["k", "k", "k"])], "");
        let s = compare(&old, &new).summary();
        assert_eq!(
            (s.still_failing, s.new_violations, s.fixed_violations),
            (2, 1, 0)
        );
    }

    #[test]
    fn waivers_appear_expire_change_and_go() {
        let w = |keys: &str, until: &str, expired: bool| {
            format!(
                r#"{{"control": "a", "keys": {keys}, "until": "{until}", "expired": {expired}}}"#
            )
        };
        let c = [control("a", "customer", "pass", &[])];
        let old = doc(
            &c,
            &[
                w(r#"["x"]"#, "2026-01-01", false),
                w(r#"["y", "z"]"#, "2026-01-01", false),
                w("null", "2026-01-01", false),
            ]
            .join(","),
        );
        let new = doc(
            &c,
            &[
                w(r#"["x"]"#, "2026-01-01", true),
                w(r#"["z", "y"]"#, "2027-01-01", false),
                w(r#"["q"]"#, "2027-01-01", false),
            ]
            .join(","),
        );
        let set = compare(&old, &new);
        let kinds: Vec<WaiverChangeKind> = set.parties[0].controls[0]
            .waivers
            .iter()
            .map(|w| w.kind)
            .collect();
        use WaiverChangeKind::*;
        assert_eq!(kinds, [Expired, Changed, Appeared, Removed]);
    }

    #[test]
    fn only_new_unwaived_findings_of_gating_controls_fail() {
        let old = doc(&[control("a", "customer", "fail", &["k1"])], "");
        let new = doc(&[control("a", "customer", "fail", &["k1"])], "");
        let gate = Gate::default();
        assert_eq!(compare(&old, &new).failing(gate), 0);
        let new = doc(&[control("a", "customer", "fail", &["k1", "k2"])], "");
        assert_eq!(compare(&old, &new).failing(gate), 1);
        let high_bar = Gate {
            fail_on: Word::Critical,
            ..gate
        };
        assert_eq!(compare(&old, &new).failing(high_bar), 0);
    }

    #[test]
    fn a_new_error_fails_unless_an_attestation_vouches_for_it() {
        let with_error = |status: &str, attested: bool| {
            let c = control("a", "customer", status, &[]).replace(
                r#""errors": []"#,
                &format!(r#""errors": [{{"key": "k", "pointer": "/x/k", "message": "m", "attested": {attested}}}]"#),
            );
            doc(&[c], "")
        };
        let old = doc(&[control("a", "customer", "pass", &[])], "");
        let gate = Gate::default();
        assert_eq!(compare(&old, &with_error("error", false)).failing(gate), 1);
        assert_eq!(
            compare(&old, &with_error("attested", true)).failing(gate),
            0
        );
        // An error whose attestation lapsed is not new, but says so.
        let (before, after) = (with_error("attested", true), with_error("error", false));
        let set = compare(&before, &after);
        let subject = &set.parties[0].controls[0].subjects[0];
        assert_eq!(subject.change(), Change::StillFailing);
        assert_eq!(text::notes(subject), ["no longer attested"]);
    }
}
