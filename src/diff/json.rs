//! `onus diff --format json`: a change set for pipelines. In: the change set
//! and the two reports' names. Out: one object — version, the names, the
//! counts, and per owning party its changed controls, each with status
//! before and after, ownership drift, waiver changes and its new, fixed and
//! still-failing subjects. Field order is fixed by the structs below; the
//! schema is docs/diff.schema.json. Values are exact (the document is
//! terminal-safe through `report::json_document`).

use super::read::Waiver;
use super::{Change, ChangeSet, ControlChange, Finding, SubjectChange, WaiverChange};
use serde::Serialize;

/// Raised only for a change that breaks readers, as the check report's.
pub const VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    old: &'a str,
    new: &'a str,
    summary: super::Summary,
    parties: Vec<Party<'a>>,
}

#[derive(Serialize)]
struct Party<'a> {
    owner: &'a str,
    controls: Vec<Control<'a>>,
}

#[derive(Serialize)]
struct Control<'a> {
    id: &'a str,
    service: &'a str,
    layer: &'a str,
    owner: &'a str,
    decider: Option<&'a str>,
    operator: Option<&'a str>,
    severity: &'static str,
    enforce: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    team: Option<&'a str>,
    status: Before<&'a str>,
    ownership_drift: Vec<Drift<'a>>,
    waivers: Vec<WaiverEntry<'a>>,
    new: Vec<Subject<'a>>,
    fixed: Vec<Subject<'a>>,
    still_failing: Vec<Subject<'a>>,
}

/// A value before and after; null on the side where it is absent.
#[derive(Serialize)]
struct Before<T> {
    old: Option<T>,
    new: Option<T>,
}

#[derive(Serialize)]
struct Drift<'a> {
    field: &'static str,
    old: Option<&'a str>,
    new: Option<&'a str>,
}

#[derive(Serialize)]
struct WaiverEntry<'a> {
    change: &'static str,
    keys: Option<&'a [String]>,
    old: Option<WaiverTerms<'a>>,
    new: Option<WaiverTerms<'a>>,
}

#[derive(Serialize)]
struct WaiverTerms<'a> {
    until: Option<&'a str>,
    by: Option<&'a str>,
    because: Option<&'a str>,
    expired: bool,
}

#[derive(Serialize)]
struct Subject<'a> {
    key: &'a str,
    /// Where the subject is now, else where it was.
    pointer: Option<&'a str>,
    old: Option<FindingEntry<'a>>,
    new: Option<FindingEntry<'a>>,
}

#[derive(Serialize)]
struct FindingEntry<'a> {
    outcome: &'static str,
    pointer: Option<&'a str>,
    message: &'a str,
    waived: bool,
    attested: bool,
}

fn finding(f: Finding<'_>) -> FindingEntry<'_> {
    FindingEntry {
        outcome: f.outcome.name(),
        pointer: f.pointer,
        message: f.message,
        waived: f.waived,
        attested: f.attested,
    }
}

fn terms(w: &Waiver) -> WaiverTerms<'_> {
    WaiverTerms {
        until: w.until.as_deref(),
        by: w.by.as_deref(),
        because: w.because.as_deref(),
        expired: w.expired,
    }
}

fn waiver<'a>(w: &WaiverChange<'a>) -> WaiverEntry<'a> {
    WaiverEntry {
        change: w.kind.name(),
        keys: w.current().keys.as_deref(),
        old: w.old.map(terms),
        new: w.new.map(terms),
    }
}

fn subjects<'a>(c: &ControlChange<'a>, change: Change) -> Vec<Subject<'a>> {
    c.subjects(change)
        .map(|s: &SubjectChange<'a>| Subject {
            key: s.key,
            pointer: s.current().pointer,
            old: s.old.map(finding),
            new: s.new.map(finding),
        })
        .collect()
}

fn control<'a>(change: &ControlChange<'a>) -> Control<'a> {
    let c = change.current();
    Control {
        id: &c.id,
        service: &c.service,
        layer: &c.layer,
        owner: &c.owner,
        decider: c.decider.as_deref(),
        operator: c.operator.as_deref(),
        severity: c.severity.name(),
        enforce: c.enforce.name(),
        team: c.team.as_deref(),
        status: Before {
            old: change.old_status(),
            new: change.new_status(),
        },
        ownership_drift: change
            .drift
            .iter()
            .map(|d| Drift {
                field: d.field,
                old: d.old,
                new: d.new,
            })
            .collect(),
        waivers: change.waivers.iter().map(waiver).collect(),
        new: subjects(change, Change::New),
        fixed: subjects(change, Change::Fixed),
        still_failing: subjects(change, Change::StillFailing),
    }
}

pub fn render(set: &ChangeSet<'_>, old: &str, new: &str) -> String {
    let document = Document {
        version: VERSION,
        old,
        new,
        summary: set.summary(),
        parties: set
            .parties
            .iter()
            .map(|p| Party {
                owner: p.owner,
                controls: p.controls.iter().map(control).collect(),
            })
            .collect(),
    };
    crate::report::json_document(&document)
}
