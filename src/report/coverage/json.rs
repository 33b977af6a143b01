//! `onus coverage --format json`: the coverage as one object, described by
//! `docs/coverage.schema.json` (every object closed). Field order is fixed
//! by the structs below; statuses are the check report's, plus
//! `not_addressed` for a requirement no control maps to.

use super::CoverageRun;
use crate::diagnostic;
use crate::report::json::{Attestation, Evidence, RunObject, attestation, evidence, run_object};
use serde::Serialize;

pub const VERSION: u32 = 1;

#[derive(Serialize)]
struct Report<'a> {
    version: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    run: Option<RunObject<'a>>,
    framework: Framework<'a>,
    evaluated: bool,
    summary: Summary<'a>,
    requirements: Vec<Requirement<'a>>,
    diagnostics: Vec<serde_json::Value>,
}

#[derive(Serialize)]
struct Framework<'a> {
    id: &'a str,
    title: &'a str,
    version: Option<&'a str>,
    /// The catalog file; null for a framework written in the policy.
    source: Option<&'a str>,
}

#[derive(Serialize)]
struct Summary<'a> {
    requirements: usize,
    addressed: usize,
    passing: usize,
    inherited: usize,
    not_addressed: usize,
    addressed_percent: f64,
    passing_percent: f64,
    inherited_percent: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    min_coverage: Option<f64>,
    statuses: serde_json::Map<String, serde_json::Value>,
    owners: Vec<Owner<'a>>,
}

#[derive(Serialize)]
struct Owner<'a> {
    owner: &'a str,
    requirements: usize,
    controls: usize,
    statuses: serde_json::Map<String, serde_json::Value>,
}

#[derive(Serialize)]
struct Requirement<'a> {
    id: &'a str,
    title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    label: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<&'a str>,
    status: &'static str,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    accountable: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    team: Option<&'a str>,
    status: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    attestations: Vec<Attestation<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    evidence: Vec<Evidence<'a>>,
}

/// Percentages to one decimal, as the other formats print them.
fn round(p: f64) -> f64 {
    (p * 10.0).round() / 10.0
}

fn counts(
    statuses: &[(crate::check::program::Status, usize)],
) -> serde_json::Map<String, serde_json::Value> {
    statuses
        .iter()
        .map(|(s, n)| (s.as_str().to_string(), (*n).into()))
        .collect()
}

pub fn render(run: &CoverageRun<'_>) -> String {
    let cov = run.coverage;
    let s = &cov.summary;
    let catalog = &cov.framework.catalog;
    let requirements = cov
        .rows
        .iter()
        .map(|row| Requirement {
            id: &row.requirement.id,
            title: &row.requirement.title,
            label: row.requirement.label.as_deref(),
            group: row.requirement.group.as_deref(),
            status: row.status.map_or("not_addressed", |s| s.as_str()),
            controls: row
                .controls
                .iter()
                .map(|m| Control {
                    id: &m.control.id,
                    service: run.service(m.control),
                    layer: run.layer(m.control),
                    owner: m.owner,
                    decider: m.decider,
                    operator: m.operator,
                    accountable: m.accountable.filter(|a| Some(*a) != m.decider),
                    team: m.control.team.as_deref(),
                    status: m.status.as_str(),
                    attestations: run.attestations(m).map(attestation).collect(),
                    evidence: m.control.evidence.iter().map(evidence).collect(),
                })
                .collect(),
        })
        .collect();
    let report = Report {
        version: VERSION,
        run: run.info.map(run_object),
        framework: Framework {
            id: &cov.framework.id,
            title: &catalog.title,
            version: catalog.version.as_deref(),
            source: cov.framework.digest.as_ref().map(|d| d.path.as_str()),
        },
        evaluated: cov.evaluated,
        summary: Summary {
            requirements: s.requirements,
            addressed: s.addressed,
            passing: s.passing,
            inherited: s.inherited,
            not_addressed: s.not_addressed(),
            addressed_percent: round(s.percent(s.addressed)),
            passing_percent: round(s.percent(s.passing)),
            inherited_percent: round(s.percent(s.inherited)),
            min_coverage: run.min_coverage,
            statuses: counts(&s.statuses),
            owners: s
                .owners
                .iter()
                .map(|o| Owner {
                    owner: &o.owner,
                    requirements: o.requirements,
                    controls: o.controls,
                    statuses: counts(&o.statuses),
                })
                .collect(),
        },
        requirements,
        diagnostics: run
            .diagnostics
            .iter()
            .map(|d| diagnostic::to_json(d, run.sources))
            .collect(),
    };
    crate::report::json_document(&report)
}
