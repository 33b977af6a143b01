//! `--format json`: the stable machine-readable report of SPEC §5, printed
//! even when loading failed (then `controls` is empty and `diagnostics` says
//! why). Field order is fixed by the structs below.

use super::Run;
use crate::diagnostic;
use serde::Serialize;

pub const VERSION: u32 = 1;

#[derive(Serialize)]
struct Report<'a> {
    version: u32,
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
    #[serde(skip_serializing_if = "is_zero")]
    unevaluated: usize,
    assertions_failed: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    new: Option<usize>,
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
    subjects: usize,
    violations: Vec<Violation<'a>>,
    errors: Vec<SubjectError<'a>>,
    /// With `--show-passed`: the subjects that met every `require`.
    #[serde(skip_serializing_if = "Option::is_none")]
    passed: Option<Vec<Passed<'a>>>,
}

#[derive(Serialize)]
struct Passed<'a> {
    key: &'a str,
    pointer: Option<&'a str>,
}

#[derive(Serialize)]
struct Violation<'a> {
    key: &'a str,
    pointer: Option<&'a str>,
    message: &'a str,
    waived: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    new: Option<bool>,
}

#[derive(Serialize)]
struct SubjectError<'a> {
    key: &'a str,
    pointer: Option<&'a str>,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    new: Option<bool>,
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
    let s = run.summary();
    let controls = run
        .controls()
        .map(|(c, r)| Control {
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
            subjects: r.subjects,
            violations: r
                .violations
                .iter()
                .map(|v| Violation {
                    key: &v.key,
                    pointer: v.pointer.as_deref(),
                    message: &v.message,
                    waived: v.waived,
                    new: run.is_new(c, &v.key),
                })
                .collect(),
            errors: r
                .errors
                .iter()
                .map(|e| SubjectError {
                    key: &e.key,
                    pointer: e.pointer.as_deref(),
                    message: &e.message,
                    new: run.is_new(c, &e.key),
                })
                .collect(),
            passed: r.passed.as_ref().map(|passed| {
                passed
                    .iter()
                    .map(|p| Passed {
                        key: &p.key,
                        pointer: p.pointer.as_deref(),
                    })
                    .collect()
            }),
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
        summary: Summary {
            controls: s.controls,
            pass: s.pass,
            fail: s.fail,
            error: s.error,
            waived: s.waived,
            inherited: s.inherited,
            unverified: s.unverified,
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
    super::json_document(&report)
}
