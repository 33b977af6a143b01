//! `--format sarif`: one SARIF 2.1.0 log for code-scanning tools. In: a
//! `Run`. Out: a log with one run whose driver is `onus`, a rule per
//! control and a result per violation and per error subject.
//!
//! Invariants: the log validates against the official SARIF 2.1.0 schema
//! (tests/schemas/sarif-2.1.0.json, checked by tests/formats.rs); every
//! result is located at its control's first `require` by a URI relative to
//! the working directory (`file://` only for files outside it); rule levels
//! follow severity (critical/high → error, medium/low → warning, info →
//! note); waived violations carry an `external` suppression; diagnostics are
//! tool-configuration notifications, not results; text from the facts in
//! messages is terminal-escaped, and kept exact in `properties`; with a
//! baseline, every result has a `baselineState` (`new` or `unchanged`).

use super::{Each, Position, Run, attestation_note, evidence_note, subject_label, waiver_note};
use crate::check::program::Control;
use crate::diagnostic::{Diagnostic, Severity};
use crate::escape::{self, terminal};
use crate::eval::{SubjectError, Violation};
use crate::source::Span;
use crate::value::Word;
use serde::Serialize;
use std::collections::BTreeMap;

/// The `$schema` the log declares: the OASIS 2.1.0 schema with errata 01.
pub const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [SarifRun<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifRun<'a> {
    tool: Tool<'a>,
    invocations: [Invocation; 1],
    column_kind: &'static str,
    results: Each<'a, SarifResult<'a>>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    rules: Vec<Rule<'a>>,
}

#[derive(Serialize)]
struct Message {
    text: String,
}

#[derive(Serialize)]
struct MultiformatMessage {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule<'a> {
    id: &'a str,
    name: &'a str,
    short_description: Message,
    full_description: Message,
    help: MultiformatMessage,
    default_configuration: Configuration,
    properties: RuleProperties<'a>,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties<'a> {
    tags: Vec<String>,
    severity: &'static str,
    /// GitHub code scanning ranks security alerts by this score (0–10).
    #[serde(rename = "security-severity", skip_serializing_if = "Option::is_none")]
    security_severity: Option<&'static str>,
    enforce: &'static str,
    owner: &'a str,
    decider: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    operator: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    accountable: Option<&'a str>,
    #[serde(rename = "inheritedFrom", skip_serializing_if = "Option::is_none")]
    inherited_from: Option<&'a str>,
    service: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    services: Vec<&'a str>,
    layer: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    team: Option<&'a str>,
    refs: &'a [String],
    /// Who vouched for the control, and the provider's evidence, one line each.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    attestations: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    evidence: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    kind: &'static str,
    level: &'static str,
    message: Message,
    locations: Vec<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    /// With `--baseline`: `new` or `unchanged`.
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline_state: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<Suppression>,
    properties: ResultProperties<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Message>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
}

#[derive(Serialize)]
struct Suppression {
    kind: &'static str,
    status: &'static str,
    justification: String,
}

#[derive(Serialize)]
struct ResultProperties<'a> {
    /// `violation` or `error` (the subject could not be evaluated).
    outcome: &'static str,
    key: String,
    pointer: Option<String>,
    waived: bool,
    service: &'a str,
    layer: &'a str,
    owner: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    tool_configuration_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    descriptor: Descriptor,
    level: &'static str,
    message: Message,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<Location>,
}

#[derive(Serialize)]
struct Descriptor {
    id: &'static str,
}

/// SARIF's `baselineState` of a finding compared with a baseline.
fn baseline_state(new: Option<bool>) -> Option<&'static str> {
    new.map(|new| if new { "new" } else { "unchanged" })
}

/// SARIF level of a control's severity.
pub fn level(severity: Word) -> &'static str {
    match severity {
        Word::Critical | Word::High => "error",
        Word::Medium | Word::Low => "warning",
        _ => "note",
    }
}

/// GitHub's security-severity score for a severity (info has none).
fn security_severity(severity: Word) -> Option<&'static str> {
    match severity {
        Word::Critical => Some("9.5"),
        Word::High => Some("8.0"),
        Word::Medium => Some("5.5"),
        Word::Low => Some("3.0"),
        _ => None,
    }
}

/// A policy file name as a URI reference: relative names stay relative
/// (percent-encoded, `/` separators); absolute paths become `file://` URIs.
pub fn artifact_uri(name: &str) -> String {
    let path = name.replace('\\', "/");
    let bytes = path.as_bytes();
    let drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    let (mut out, rest) = if path.starts_with('/') {
        ("file://".to_string(), path.as_str())
    } else if drive {
        (format!("file:///{}:", char::from(bytes[0])), &path[2..])
    } else {
        (String::new(), path.as_str())
    };
    for b in rest.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn location(p: &Position<'_>, id: Option<usize>, message: Option<String>) -> Location {
    Location {
        id,
        physical_location: PhysicalLocation {
            artifact_location: ArtifactLocation {
                uri: artifact_uri(p.file),
            },
            region: Region {
                start_line: p.line,
                start_column: p.column,
                end_line: p.end_line,
                end_column: p.end_column,
            },
        },
        message: message.map(|text| Message { text }),
    }
}

/// The control's one-line description: its title, else the first line of
/// its doc comment, else its id.
fn short_description(c: &Control) -> String {
    let first_doc_line = c
        .doc
        .as_deref()
        .and_then(|d| d.lines().find(|l| !l.trim().is_empty()));
    terminal(c.title.as_deref().or(first_doc_line).unwrap_or(&c.id)).into_owned()
}

fn rule<'a>(run: &Run<'a>, index: usize, c: &'a Control) -> Rule<'a> {
    let o = run.ownership(c);
    let decider = o.decider;
    let operator = o.operator;
    let service = run.service_name(c);
    let layer = run.layer_name(c);
    let short = short_description(c);
    let doc = c
        .doc
        .as_deref()
        .map(|d| escape::terminal_block(d).into_owned());
    let ownership = format!(
        "{} (decided by {decider}{})",
        o.owner,
        o.details(|n| terminal(n).into_owned())
    );
    let mut facts = vec![
        ("Service", run.service_names(c).join(", ")),
        ("Layer", layer.to_string()),
        ("Owner", ownership),
        ("Severity", c.severity.name().to_string()),
        ("Enforcement", c.enforce.name().to_string()),
    ];
    if let Some(team) = &c.team {
        facts.push(("Team", terminal(team).into_owned()));
    }
    if !c.refs.is_empty() {
        facts.push(("References", terminal(&c.refs.join(", ")).into_owned()));
    }
    let intro = doc.clone().unwrap_or_else(|| short.clone());
    let help_text = facts.iter().fold(format!("{intro}\n"), |acc, (k, v)| {
        format!("{acc}\n{k}: {v}")
    });
    let help_markdown = facts.iter().fold(format!("{intro}\n"), |acc, (k, v)| {
        format!("{acc}\n- **{k}**: {}", escape::markdown(v))
    });
    let services = run.service_names(c);
    Rule {
        id: &c.id,
        name: &c.id,
        full_description: Message {
            text: doc.unwrap_or_else(|| short.clone()),
        },
        short_description: Message { text: short },
        help: MultiformatMessage {
            text: help_text,
            markdown: help_markdown,
        },
        default_configuration: Configuration {
            level: level(c.severity),
        },
        properties: RuleProperties {
            tags: vec![
                "security".into(),
                format!("owner:{}", o.owner),
                format!("layer:{layer}"),
            ],
            severity: c.severity.name(),
            security_severity: security_severity(c.severity),
            enforce: c.enforce.name(),
            owner: o.owner,
            decider,
            operator,
            accountable: o.accountable,
            inherited_from: o.inherited_from,
            service,
            services: if services.len() > 1 {
                services
            } else {
                Vec::new()
            },
            layer,
            team: c.team.as_deref(),
            refs: &c.refs,
            attestations: run
                .attestations(index)
                .map(|a| terminal(&attestation_note(a)).into_owned())
                .collect(),
            evidence: c
                .evidence
                .iter()
                .map(|e| terminal(&evidence_note(e)).into_owned())
                .collect(),
        },
    }
}

fn notification(run: &Run<'_>, d: &Diagnostic) -> Notification {
    let locations = match (d.primary_span(), &d.at) {
        (Some(span), _) => vec![location(&run.position(span), None, None)],
        (None, Some((file, line, column))) => vec![location(
            &Position {
                file,
                line: *line,
                column: *column,
                end_line: *line,
                end_column: *column,
            },
            None,
            None,
        )],
        (None, None) => Vec::new(),
    };
    Notification {
        descriptor: Descriptor { id: d.code },
        level: match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        },
        message: Message {
            text: escape::terminal_block(&d.message).into_owned(),
        },
        locations,
    }
}

/// The log, written to `out` as it is serialised: its results are walked,
/// never collected (a stream's findings can be millions).
pub fn write(run: &Run<'_>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let rules = run
        .indexed_controls()
        .map(|(index, c, _)| rule(run, index, c))
        .collect();
    let log = Log {
        schema: SCHEMA_URI,
        version: "2.1.0",
        runs: [SarifRun {
            tool: Tool {
                driver: Driver {
                    name: "onus",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    rules,
                },
            },
            invocations: [Invocation {
                execution_successful: run.outcome.is_some(),
                tool_configuration_notifications: run
                    .diagnostics
                    .iter()
                    .map(|d| notification(run, d))
                    .collect(),
            }],
            column_kind: "unicodeCodePoints",
            results: Each::new(results(run)),
        }],
    };
    super::write_json(&log, out)
}

pub fn render(run: &Run<'_>) -> String {
    super::written(|out| write(run, out))
}

/// A result per violation and per error subject, control by control.
fn results<'r>(run: &'r Run<'r>) -> impl Iterator<Item = SarifResult<'r>> + 'r {
    run.indexed_controls().flat_map(move |(index, c, r)| {
        let at = run.position(c.require_span());
        let violations = {
            let at = at.clone();
            r.violations
                .iter()
                .map(move |v| violation(run, index, c, &at, &v))
        };
        let errors = r.errors.iter().map(move |e| error(run, index, c, &at, &e));
        violations.chain(errors)
    })
}

/// Where the result happened, when that is not the first `require`.
fn related(run: &Run<'_>, at: &Position<'_>, span: Span, what: &str) -> Vec<Location> {
    let p = run.position(span);
    if p == *at {
        Vec::new()
    } else {
        vec![location(&p, Some(1), Some(what.to_string()))]
    }
}

/// What a violation and an error subject each give a result.
struct Finding<'f> {
    key: &'f str,
    pointer: Option<&'f str>,
    span: Span,
    /// The message, the subject's label before it.
    text: String,
    /// What the related location, if any, says happened there.
    happened: &'static str,
    outcome: &'static str,
    waived: bool,
    suppression: Option<Suppression>,
}

fn violation<'r>(
    run: &'r Run<'r>,
    index: usize,
    c: &'r Control,
    at: &Position<'_>,
    v: &Violation,
) -> SarifResult<'r> {
    let label = subject_label(&v.key, v.pointer.as_deref());
    let suppression = v.waived.then(|| {
        let waiver = run.waiver(index, &v.key);
        accepted(&waiver.map_or_else(|| "waived".to_string(), waiver_note))
    });
    let finding = Finding {
        key: &v.key,
        pointer: v.pointer.as_deref(),
        span: v.span,
        text: format!("{}: {}", terminal(&label), terminal(&v.message)),
        happened: "the `require` that failed",
        outcome: "violation",
        waived: v.waived,
        suppression,
    };
    result(run, index, c, at, finding)
}

fn error<'r>(
    run: &'r Run<'r>,
    index: usize,
    c: &'r Control,
    at: &Position<'_>,
    e: &SubjectError,
) -> SarifResult<'r> {
    let label = subject_label(&e.key, e.pointer.as_deref());
    // A person vouched for what the facts could not show.
    let suppression = run
        .attestations(index)
        .find(|a| e.attested && a.covers(&e.key))
        .map(|a| accepted(&attestation_note(a)));
    let finding = Finding {
        key: &e.key,
        pointer: e.pointer.as_deref(),
        span: e.span,
        text: format!(
            "could not evaluate {}: {}",
            terminal(&label),
            terminal(&e.message)
        ),
        happened: "evaluation failed here",
        outcome: "error",
        waived: false,
        suppression,
    };
    result(run, index, c, at, finding)
}

/// An `external` suppression a person accepted, with their note.
fn accepted(note: &str) -> Suppression {
    Suppression {
        kind: "external",
        status: "accepted",
        justification: terminal(note).into_owned(),
    }
}

fn result<'r>(
    run: &'r Run<'r>,
    index: usize,
    c: &'r Control,
    at: &Position<'_>,
    f: Finding<'_>,
) -> SarifResult<'r> {
    SarifResult {
        rule_id: &c.id,
        rule_index: index,
        kind: "fail",
        level: level(c.severity),
        message: Message { text: f.text },
        locations: vec![location(at, None, None)],
        related_locations: related(run, at, f.span, f.happened),
        partial_fingerprints: BTreeMap::from([("onusSubject/v1", format!("{}/{}", c.id, f.key))]),
        baseline_state: baseline_state(run.is_new(c, f.key)),
        suppressions: f.suppression.into_iter().collect(),
        properties: ResultProperties {
            outcome: f.outcome,
            key: f.key.to_string(),
            pointer: f.pointer.map(str::to_string),
            waived: f.waived,
            service: run.service_name(c),
            layer: run.layer_name(c),
            owner: run.program.decider_name(c.owner),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_names_stay_relative() {
        assert_eq!(artifact_uri("policies/main.onus"), "policies/main.onus");
        assert_eq!(
            artifact_uri("my policies/a:b.onus"),
            "my%20policies/a%3Ab.onus"
        );
        assert_eq!(artifact_uri("dir\\x.onus"), "dir/x.onus");
    }

    #[test]
    fn absolute_paths_become_file_uris() {
        assert_eq!(artifact_uri("/srv/p.onus"), "file:///srv/p.onus");
        assert_eq!(artifact_uri("C:\\p.onus"), "file:///C:/p.onus");
    }

    #[test]
    fn severity_maps_to_level() {
        assert_eq!(level(Word::Critical), "error");
        assert_eq!(level(Word::High), "error");
        assert_eq!(level(Word::Medium), "warning");
        assert_eq!(level(Word::Low), "warning");
        assert_eq!(level(Word::Info), "note");
    }
}
