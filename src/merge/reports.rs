//! `onus merge`: JSON reports of separate runs of one policy (one per
//! account, run by any batch system) in, one report of the same schema
//! (docs/report.schema.json) out, with the summary recomputed and `run`
//! naming every input of every run. Invariant: reports merge only when they
//! are of the same policy (the same policy files byte for byte and the same
//! onus, which carries the standard library) evaluated on the same date;
//! anything else, or a report that cannot be read, is one diagnostic
//! (F030–F038), never a partial result. Controls combine by `merge`'s rule.

use super::{UNMATCHED_KEY, combined_status, labels, prefixed, status_named};
use crate::check::program::Status;
use crate::diagnostic::Diagnostic;
use crate::diff::read;
use crate::escape::terminal;
use crate::framework::FileDigest;
use crate::report::Gate;
use crate::value::Word;
use serde_json::{Map, Value, json};
use std::path::Path;

/// One report to merge: its name as shown, its text and its digest.
pub struct Input {
    pub name: String,
    pub text: String,
    pub digest: FileDigest,
}

/// Reads a report file (F030 unreadable, F031 not UTF-8).
#[allow(
    clippy::result_large_err,
    reason = "called once per report; the error is rendered at once"
)]
pub fn read(path: &Path) -> Result<Input, Diagnostic> {
    let (name, text) = read::read_text(path)?;
    let digest = FileDigest::of(name.clone(), &[text.as_bytes()]);
    Ok(Input { name, text, digest })
}

/// What `merge` refuses with, at the report that does not fit.
fn mismatch(code: &'static str, message: String, help: &str) -> Diagnostic {
    Diagnostic::error(code, message).with_help(help)
}

const SAME_POLICY: &str = "merge the reports of runs of one policy: the same policy files byte for byte (run.policy_files lists each one's SHA-256) and the same onus release";

/// The merged report document, or why the reports do not merge.
#[allow(
    clippy::result_large_err,
    reason = "called once per merge; the error is rendered at once"
)]
pub fn merge(inputs: &[Input]) -> Result<Value, Diagnostic> {
    let names: Vec<String> = inputs.iter().map(|i| i.name.clone()).collect();
    let labels = labels(&names, "report")?;
    let mut documents = Vec::with_capacity(inputs.len());
    for input in inputs {
        // Version, shape, identities and whether the run loaded.
        read::parse(&input.name, &input.text)?;
        let document: Value = serde_json::from_str(&input.text).map_err(|e| {
            Diagnostic::error(
                "F031",
                format!("report {} is not valid JSON: {e}", input.name),
            )
        })?;
        if !document.get("run").is_some_and(Value::is_object) {
            return Err(mismatch(
                "F038",
                format!(
                    "{} has no `run`: nothing says which policy it is of",
                    input.name
                ),
                "merge reports written by `onus check --format json` (they name their policy files in `run`)",
            ));
        }
        documents.push(document);
    }
    let Some(first) = documents.first() else {
        return Err(Diagnostic::error("F038", "no reports to merge"));
    };
    for (doc, input) in documents.iter().zip(inputs).skip(1) {
        same_run_kind(first, &inputs[0].name, doc, &input.name)?;
    }
    let mut report = Map::new();
    report.insert("version".into(), first["version"].clone());
    report.insert("run".into(), run(&documents, inputs, &labels));
    let controls = controls(&documents, &labels);
    let assertions = assertions(&documents);
    report.insert(
        "summary".into(),
        summary(&controls, &assertions, &documents),
    );
    report.insert("controls".into(), Value::Array(controls));
    report.insert("assertions".into(), Value::Array(assertions));
    let mut diagnostics: Vec<Value> = Vec::new();
    for d in documents.iter().flat_map(|d| list(d, "diagnostics")) {
        // The policy's own warnings are in every report: once is enough.
        let everywhere = || {
            documents
                .iter()
                .all(|doc| list(doc, "diagnostics").contains(d))
        };
        if !diagnostics.contains(d) && (text(d, "code") != UNMATCHED_KEY || everywhere()) {
            diagnostics.push(d.clone());
        }
    }
    report.insert("diagnostics".into(), Value::Array(diagnostics));
    if let Some(waivers) = first.get("waivers") {
        report.insert("waivers".into(), waivers.clone());
    }
    Ok(Value::Object(report))
}

/// The array at `field` of `value`, empty when absent.
fn list<'v>(value: &'v Value, field: &str) -> &'v [Value] {
    value
        .get(field)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn text<'v>(value: &'v Value, field: &str) -> &'v str {
    value.get(field).and_then(Value::as_str).unwrap_or_default()
}

/// Refuses `doc` unless it is a run of `first`'s policy on its date.
#[allow(
    clippy::result_large_err,
    reason = "called once per report; the error is rendered at once"
)]
fn same_run_kind(
    first: &Value,
    first_name: &str,
    doc: &Value,
    name: &str,
) -> Result<(), Diagnostic> {
    let (a, b) = (&first["run"], &doc["run"]);
    let (first_name, name) = (terminal(first_name), terminal(name));
    let (va, vb) = (text(a, "onus_version"), text(b, "onus_version"));
    if va != vb {
        return Err(mismatch(
            "F035",
            format!(
                "{name} was written by onus {}, {first_name} by onus {}: the standard library may differ",
                terminal(vb),
                terminal(va)
            ),
            SAME_POLICY,
        ));
    }
    let digests = |run: &Value| -> Vec<(String, u64)> {
        list(run, "policy_files")
            .iter()
            .map(|f| {
                (
                    text(f, "sha256").to_string(),
                    f["bytes"].as_u64().unwrap_or(0),
                )
            })
            .collect()
    };
    if digests(a) != digests(b) {
        let files = |run: &Value| -> Vec<String> {
            list(run, "policy_files")
                .iter()
                .map(|f| terminal(text(f, "path")).into_owned())
                .collect()
        };
        return Err(mismatch(
            "F035",
            format!(
                "{name} is not a report of the same policy as {first_name}: its policy files ({}) differ from {first_name}'s ({})",
                files(b).join(", "),
                files(a).join(", ")
            ),
            SAME_POLICY,
        ));
    }
    let ids = |d: &Value| -> Vec<String> {
        list(d, "controls")
            .iter()
            .map(|c| text(c, "id").to_string())
            .collect()
    };
    let assertion_names = |d: &Value| -> Vec<String> {
        list(d, "assertions")
            .iter()
            .map(|c| text(c, "name").to_string())
            .collect()
    };
    if ids(first) != ids(doc) || assertion_names(first) != assertion_names(doc) {
        return Err(mismatch(
            "F035",
            format!(
                "{name} and {first_name} name the same policy files but not the same controls and assertions"
            ),
            SAME_POLICY,
        ));
    }
    let (na, nb) = (text(a, "now"), text(b, "now"));
    if na != nb {
        return Err(mismatch(
            "F036",
            format!(
                "{name} was evaluated as of {}, {first_name} as of {}: waivers, attestations and evidence may count differently",
                terminal(nb),
                terminal(na)
            ),
            "run every part with the same --now DATE",
        ));
    }
    Ok(())
}

/// Every input of every run: the first run's onus, date and policy files
/// (all runs share them), the earliest start, every run's facts in order,
/// and each report with its label.
fn run(documents: &[Value], inputs: &[Input], labels: &[String]) -> Value {
    let first = &documents[0]["run"];
    let runs = documents.iter().map(|d| &d["run"]);
    let started_at = runs
        .clone()
        .map(|r| text(r, "started_at"))
        .min()
        .unwrap_or_default();
    let facts: Vec<Value> = runs
        .clone()
        .flat_map(|r| list(r, "facts"))
        .cloned()
        .collect();
    let mut frameworks: Vec<Value> = Vec::new();
    for f in runs.clone().flat_map(|r| list(r, "frameworks")) {
        if !frameworks.contains(f) {
            frameworks.push(f.clone());
        }
    }
    let mut reports = Vec::new();
    for ((doc, input), label) in documents.iter().zip(inputs).zip(labels) {
        reports.push(json!({
            "label": label,
            "path": input.digest.path,
            "bytes": input.digest.bytes,
            "sha256": input.digest.sha256,
        }));
        // A merged report merged again: its parts, under both labels.
        for part in list(&doc["run"], "reports") {
            let mut part = part.clone();
            if let Some(inner) = part.get("label").and_then(Value::as_str) {
                part["label"] = Value::from(prefixed(label, inner));
            }
            reports.push(part);
        }
    }
    let mut run = Map::new();
    run.insert("onus_version".into(), first["onus_version"].clone());
    run.insert("now".into(), first["now"].clone());
    run.insert("started_at".into(), Value::from(started_at));
    run.insert("policy_files".into(), first["policy_files"].clone());
    run.insert("facts".into(), Value::Array(facts));
    if !frameworks.is_empty() {
        run.insert("frameworks".into(), Value::Array(frameworks));
    }
    run.insert("reports".into(), Value::Array(reports));
    Value::Object(run)
}

/// Each control of the first report, with every report's subjects.
fn controls(documents: &[Value], labels: &[String]) -> Vec<Value> {
    let mut merged: Vec<Value> = list(&documents[0], "controls").to_vec();
    for (i, control) in merged.iter_mut().enumerate() {
        let parts: Vec<(&String, &Value)> = documents
            .iter()
            .zip(labels)
            .filter_map(|(d, l)| list(d, "controls").get(i).map(|c| (l, c)))
            .collect();
        let status = combined_status(
            parts
                .iter()
                .filter_map(|(_, c)| status_named(text(c, "status"))),
        );
        let subjects: u64 = parts
            .iter()
            .filter_map(|(_, c)| c["subjects"].as_u64())
            .sum();
        let keyed = |field: &str| -> Vec<Value> {
            parts
                .iter()
                .flat_map(|(label, c)| {
                    list(c, field).iter().map(|subject| {
                        let mut subject = subject.clone();
                        let key = prefixed(label, text(&subject, "key"));
                        subject["key"] = Value::from(key);
                        subject
                    })
                })
                .collect()
        };
        let violations = keyed("violations");
        let errors = keyed("errors");
        let passed = parts
            .iter()
            .any(|(_, c)| c.get("passed").is_some())
            .then(|| keyed("passed"));
        control["status"] = Value::from(status.as_str());
        control["subjects"] = Value::from(subjects);
        control["violations"] = Value::Array(violations);
        control["errors"] = Value::Array(errors);
        if let Some(passed) = passed {
            control["passed"] = Value::Array(passed);
        }
    }
    merged
}

/// Each assertion with the combined status, and the message of the first
/// report that had it.
fn assertions(documents: &[Value]) -> Vec<Value> {
    let mut merged: Vec<Value> = list(&documents[0], "assertions").to_vec();
    for (i, assertion) in merged.iter_mut().enumerate() {
        let parts: Vec<&Value> = documents
            .iter()
            .filter_map(|d| list(d, "assertions").get(i))
            .collect();
        let status = combined_status(parts.iter().filter_map(|a| status_named(text(a, "status"))));
        let Some(object) = assertion.as_object_mut() else {
            continue;
        };
        object.insert("status".into(), Value::from(status.as_str()));
        object.remove("message");
        let message = parts
            .iter()
            .find(|a| text(a, "status") == status.as_str())
            .and_then(|a| a.get("message"));
        if let Some(message) = message {
            object.insert("message".into(), message.clone());
        }
    }
    merged
}

/// The summary of the merged controls, as `onus check` counts it.
fn summary(controls: &[Value], assertions: &[Value], documents: &[Value]) -> Value {
    let count = |status: Status| {
        controls
            .iter()
            .filter(|c| text(c, "status") == status.as_str())
            .count()
    };
    let mut s = Map::new();
    s.insert("controls".into(), Value::from(controls.len()));
    for status in [
        Status::Pass,
        Status::Fail,
        Status::Error,
        Status::Waived,
        Status::Inherited,
        Status::Unverified,
        Status::Attested,
    ] {
        s.insert(status.as_str().into(), Value::from(count(status)));
    }
    let unevaluated = count(Status::Unevaluated);
    if unevaluated > 0 {
        s.insert("unevaluated".into(), Value::from(unevaluated));
    }
    let failed = assertions
        .iter()
        .filter(|a| text(a, "status") == Status::Fail.as_str())
        .count();
    s.insert("assertions_failed".into(), Value::from(failed));
    // With a baseline, every run marked its findings new or not.
    if documents.iter().any(|d| d["summary"].get("new").is_some()) {
        let new = controls
            .iter()
            .flat_map(|c| list(c, "violations").iter().chain(list(c, "errors")))
            .filter(|f| f.get("new").and_then(Value::as_bool) == Some(true))
            .count();
        s.insert("new".into(), Value::from(new));
    }
    Value::Object(s)
}

/// SPEC §5's gate over a merged report, as `Run::gates` decides it for one
/// run: 1 when a counted control fails or errs (or, with
/// `require_evidence`, lacks evidence), or an assertion fails; else 0.
pub fn exit_code(report: &Value, gate: Gate) -> i32 {
    let control_fails = list(report, "controls").iter().any(|c| {
        let counts = match text(c, "enforce") {
            "hard" => true,
            "soft" => gate.strict,
            _ => false,
        };
        let severe = Word::parse(text(c, "severity")).is_some_and(|s| s >= gate.fail_on);
        let failing = match status_named(text(c, "status")) {
            Some(Status::Fail | Status::Error) => true,
            Some(Status::Unverified) => gate.require_evidence,
            Some(Status::Inherited) => {
                gate.require_evidence
                    && !list(c, "evidence")
                        .iter()
                        .any(|e| text(e, "validity") == "current")
            }
            _ => false,
        };
        counts && severe && failing
    });
    let assertion_fails = list(report, "assertions")
        .iter()
        .any(|a| matches!(text(a, "status"), "fail" | "error"));
    i32::from(control_fails || assertion_fails)
}

/// The merged report as `onus check --format json` prints one.
pub fn render(report: &Value) -> String {
    crate::report::json_document(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(enforce: &str, status: &str, evidence: &str) -> Value {
        json!({"controls": [{"enforce": enforce, "severity": "high", "status": status,
            "evidence": [{"validity": evidence}]}], "assertions": []})
    }

    #[test]
    fn the_gate_is_checks_gate() {
        let gate = Gate::default();
        assert_eq!(exit_code(&report("hard", "fail", "current"), gate), 1);
        assert_eq!(exit_code(&report("soft", "fail", "current"), gate), 0);
        let strict = Gate {
            strict: true,
            ..gate
        };
        assert_eq!(exit_code(&report("soft", "error", "current"), strict), 1);
        let critical = Gate {
            fail_on: Word::Critical,
            ..gate
        };
        assert_eq!(exit_code(&report("hard", "fail", "current"), critical), 0);
        let evidence = Gate {
            require_evidence: true,
            ..gate
        };
        assert_eq!(
            exit_code(&report("hard", "inherited", "current"), evidence),
            0
        );
        assert_eq!(
            exit_code(&report("hard", "inherited", "expired"), evidence),
            1
        );
        assert_eq!(
            exit_code(&report("hard", "unverified", "current"), evidence),
            1
        );
        assert_eq!(exit_code(&report("hard", "unverified", "current"), gate), 0);
        let failed = json!({"controls": [], "assertions": [{"status": "error"}]});
        assert_eq!(exit_code(&failed, gate), 1);
    }
}
