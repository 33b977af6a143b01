//! `--format json`: the stable machine-readable report of SPEC §5, printed
//! even when loading failed (then `controls` is empty and `diagnostics` says
//! why). Field order is fixed by the structs below.

use super::{Each, Run};
use crate::check::program;
use crate::diagnostic;
use crate::eval;
use crate::framework::FileDigest;
use crate::session::RunInfo;
use serde::Serialize;
use std::borrow::Cow;

pub const VERSION: u32 = 1;

#[derive(Serialize)]
struct Report<'a> {
    version: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    run: Option<RunObject<'a>>,
    summary: Summary,
    controls: Vec<Control<'a>>,
    assertions: Vec<Assertion<'a>>,
    diagnostics: Vec<serde_json::Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    waivers: Vec<Waiver<'a>>,
}

#[derive(Serialize)]
struct Summary {
    controls: usize,
    pass: usize,
    fail: usize,
    error: usize,
    waived: usize,
    inherited: usize,
    unverified: usize,
    attested: usize,
    #[serde(skip_serializing_if = "is_zero")]
    unevaluated: usize,
    assertions_failed: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    new: Option<usize>,
}

/// Where the run came from: a report filed as evidence names its inputs.
#[derive(Serialize)]
pub(crate) struct RunObject<'a> {
    onus_version: &'a str,
    now: String,
    started_at: String,
    policy_files: &'a [FileDigest],
    facts: &'a [FileDigest],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    frameworks: &'a [FileDigest],
}

pub(crate) fn run_object(info: &RunInfo) -> RunObject<'_> {
    RunObject {
        onus_version: info.onus_version,
        now: info.now.to_string(),
        started_at: rfc3339(info.started_at),
        policy_files: &info.policy_files,
        facts: &info.facts,
        frameworks: &info.frameworks,
    }
}

/// RFC 3339 in UTC, to the second.
pub fn rfc3339(t: jiff::Timestamp) -> String {
    t.round(jiff::Unit::Second)
        .unwrap_or(t)
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

#[derive(Serialize)]
pub(crate) struct Attestation<'a> {
    by: &'a str,
    on: String,
    until: String,
    evidence: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    keys: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    because: Option<&'a str>,
    validity: &'static str,
}

#[derive(Serialize)]
pub(crate) struct Evidence<'a> {
    uri: &'a str,
    from: String,
    to: String,
    validity: &'static str,
}

pub(crate) fn attestation(a: &program::Attestation) -> Attestation<'_> {
    Attestation {
        by: &a.by,
        on: a.on.to_string(),
        until: a.until.to_string(),
        evidence: &a.evidence,
        keys: a.keys.as_deref(),
        because: a.because.as_deref(),
        validity: a.validity.as_str(),
    }
}

pub(crate) fn evidence(e: &program::Evidence) -> Evidence<'_> {
    Evidence {
        uri: &e.uri,
        from: e.from.to_string(),
        to: e.to.to_string(),
        validity: e.validity.as_str(),
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

#[derive(Serialize)]
struct Control<'a> {
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<&'a str>,
    service: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    services: Option<Vec<&'a str>>,
    layer: &'a str,
    owner: &'a str,
    decider: Option<&'a str>,
    operator: Option<&'a str>,
    accountable: Option<&'a str>,
    tier: Vec<&'a str>,
    severity: &'static str,
    enforce: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    team: Option<&'a str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    refs: &'a [String],
    status: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    attestations: Vec<Attestation<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    evidence: Vec<Evidence<'a>>,
    subjects: usize,
    violations: Each<'a, Violation<'a>>,
    errors: Each<'a, SubjectError<'a>>,
    /// With `--show-passed`: the subjects that met every `require`.
    #[serde(skip_serializing_if = "Option::is_none")]
    passed: Option<Each<'a, Passed<'a>>>,
}

// The findings' fields borrow what is held in memory and own what was
// read back from a stream's temporary file (`eval::findings`).

#[derive(Serialize)]
struct Passed<'a> {
    key: Cow<'a, str>,
    pointer: Option<Cow<'a, str>>,
}

impl<'a> Passed<'a> {
    fn of(p: Cow<'a, eval::Passed>) -> Self {
        match p {
            Cow::Borrowed(p) => Passed {
                key: Cow::Borrowed(&p.key),
                pointer: p.pointer.as_deref().map(Cow::Borrowed),
            },
            Cow::Owned(p) => Passed {
                key: Cow::Owned(p.key),
                pointer: p.pointer.map(Cow::Owned),
            },
        }
    }
}

#[derive(Serialize)]
struct Violation<'a> {
    key: Cow<'a, str>,
    pointer: Option<Cow<'a, str>>,
    message: Cow<'a, str>,
    waived: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    new: Option<bool>,
}

impl<'a> Violation<'a> {
    fn of(v: Cow<'a, eval::Violation>, new: Option<bool>) -> Self {
        let waived = v.waived;
        match v {
            Cow::Borrowed(v) => Violation {
                key: Cow::Borrowed(&v.key),
                pointer: v.pointer.as_deref().map(Cow::Borrowed),
                message: Cow::Borrowed(&v.message),
                waived,
                new,
            },
            Cow::Owned(v) => Violation {
                key: Cow::Owned(v.key),
                pointer: v.pointer.map(Cow::Owned),
                message: Cow::Owned(v.message),
                waived,
                new,
            },
        }
    }
}

#[derive(Serialize)]
struct SubjectError<'a> {
    key: Cow<'a, str>,
    pointer: Option<Cow<'a, str>>,
    message: Cow<'a, str>,
    #[serde(skip_serializing_if = "is_false")]
    attested: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    new: Option<bool>,
}

impl<'a> SubjectError<'a> {
    fn of(e: Cow<'a, eval::SubjectError>, new: Option<bool>) -> Self {
        let attested = e.attested;
        match e {
            Cow::Borrowed(e) => SubjectError {
                key: Cow::Borrowed(&e.key),
                pointer: e.pointer.as_deref().map(Cow::Borrowed),
                message: Cow::Borrowed(&e.message),
                attested,
                new,
            },
            Cow::Owned(e) => SubjectError {
                key: Cow::Owned(e.key),
                pointer: e.pointer.map(Cow::Owned),
                message: Cow::Owned(e.message),
                attested,
                new,
            },
        }
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// A `waive` of the policy, expired or not: what `onus diff` compares.
#[derive(Serialize)]
struct Waiver<'a> {
    control: &'a str,
    /// None waives every subject.
    keys: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    until: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    by: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    because: Option<&'a str>,
    expired: bool,
}

#[derive(Serialize)]
struct Assertion<'a> {
    name: &'a str,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'a str>,
}

pub fn render(run: &Run<'_>) -> String {
    super::written(|out| write(run, out))
}

/// The report, written to `out` as it is serialised.
pub fn write(run: &Run<'_>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let s = run.summary();
    let controls = run
        .indexed_controls()
        .map(|(i, c, r)| Control {
            id: &c.id,
            title: c.title.as_deref(),
            service: run.service_name(c),
            services: (c.services.len() > 1).then(|| {
                c.services
                    .iter()
                    .map(|i| run.program.services[*i].id.as_str())
                    .collect()
            }),
            layer: run.layer_name(c),
            owner: run.program.decider_name(c.owner),
            decider: c.decider.map(|d| run.program.decider_name(d)),
            operator: c.operator.map(|d| run.program.decider_name(d)),
            accountable: c.accountable.map(|d| run.program.decider_name(d)),
            tier: c
                .tier
                .iter()
                .map(|s| run.program.services[*s].id.as_str())
                .collect(),
            severity: c.severity.name(),
            enforce: c.enforce.name(),
            team: c.team.as_deref(),
            refs: &c.refs,
            status: r.status.as_str(),
            attestations: run.attestations(i).map(attestation).collect(),
            evidence: c.evidence.iter().map(evidence).collect(),
            subjects: r.subjects,
            violations: Each::new(r.violations.iter().map(move |v| {
                let new = run.is_new(c, &v.key);
                Violation::of(v, new)
            })),
            errors: Each::new(r.errors.iter().map(move |e| {
                let new = run.is_new(c, &e.key);
                SubjectError::of(e, new)
            })),
            passed: r
                .passed
                .as_ref()
                .map(|passed| Each::new(passed.iter().map(Passed::of))),
        })
        .collect();
    let assertions = match run.outcome {
        Some(o) => run
            .program
            .assertions
            .iter()
            .zip(&o.assertions)
            .map(|(a, r)| Assertion {
                name: &a.name,
                status: r.status.as_str(),
                message: r.message.as_deref(),
            })
            .collect(),
        None => Vec::new(),
    };
    let report = Report {
        version: VERSION,
        run: run.info.map(run_object),
        summary: Summary {
            controls: s.controls,
            pass: s.pass,
            fail: s.fail,
            error: s.error,
            waived: s.waived,
            inherited: s.inherited,
            unverified: s.unverified,
            attested: s.attested,
            unevaluated: s.unevaluated,
            assertions_failed: s.assertions_failed,
            new: s.new,
        },
        controls,
        assertions,
        diagnostics: run
            .diagnostics
            .iter()
            .map(|d| diagnostic::to_json(d, run.sources))
            .collect(),
        // Like the controls, listed only for a policy that loaded.
        waivers: run
            .program
            .waivers
            .iter()
            .filter(|_| run.outcome.is_some())
            .filter_map(|w| {
                Some(Waiver {
                    control: &run.program.controls.get(w.control)?.id,
                    keys: w.keys.as_deref(),
                    until: w.until.map(|d| d.to_string()),
                    by: w.by.as_deref(),
                    because: w.because.as_deref(),
                    expired: w.expired,
                })
            })
            .collect(),
    };
    super::write_json(&report, out)
}
