//! Assessment results: in, the rows of one framework's coverage and the
//! outcome their statuses came from; out, one `result` for the run (start
//! and end from its provenance) with an `observation` per evaluated control
//! of the framework — its subjects as `subjects` (inventory items with the
//! key and JSON pointer) — and a `finding` per failing or erroring one,
//! targeting its requirement's objective.
//!
//! Invariants: a control is observed when it has checks and the run
//! evaluated it (a static run observes nothing); every subject an
//! observation names is an inventory item of the result's local
//! definitions, one per distinct (pointer, key); `import-ap` points at the
//! back-matter resource of the policy, the only plan an onus run follows.

use super::{
    Export, Placed, Rows, back_matter, facts_uuid, metadata, policy_uuid, root, service_component,
    service_uuid, single_line, timestamp,
};
use crate::check::program::Status;
use crate::coverage::Mapped;
use crate::oscal::{prop, uuid};
use serde_json::{Value, json};

pub(super) fn build(run: &Export<'_>, rows: &Rows<'_, '_>) -> Value {
    let program = run.coverage.program;
    let framework = run.coverage.framework;
    let root = root(run);
    let components: Vec<Value> = (0..program.services.len())
        .map(|s| service_component(run, s, true))
        .collect();
    let mut inventory = Inventory::default();
    let mut observations = Vec::new();
    let mut findings = Vec::new();
    for m in rows.controls() {
        if !run.coverage.evaluated || !m.control.checked() || m.status == Status::Unevaluated {
            continue;
        }
        let observation = observation(run, m, &mut inventory);
        let observation_uuid = observation["uuid"].clone();
        observations.push(observation);
        if matches!(m.status, Status::Fail | Status::Error) {
            findings.push(finding(run, m, rows, observation_uuid));
        }
    }
    let reviewed: Vec<Value> = rows
        .rows
        .iter()
        .map(|r| json!({ "control-id": r.requirement.id }))
        .collect();
    let start = timestamp(run.info.started_at);
    json!({
        "assessment-results": {
            "uuid": uuid("assessment-results", &root),
            "metadata": metadata(run, format!("Assessment of {} against {}", run.system, framework.catalog.title)),
            "import-ap": {
                "href": format!("#{}", policy_uuid(run)),
                "remarks": "onus writes no assessment plan: the plan is the policy itself (its controls, checks and the facts they read), listed in back-matter with the digest of every file.",
            },
            "results": [{
                "uuid": uuid("result", &format!("{root}:{start}")),
                "title": format!("onus run of {}, {}", run.system, run.info.now),
                "description": format!(
                    "The controls of the onus policy at `{}` that name {} requirements, evaluated {}.",
                    run.system,
                    framework.id,
                    if run.coverage.evaluated { "against the facts in back-matter" } else { "statically (no facts): nothing was observed" }
                ),
                "start": start,
                // One instant: the date the facts were assessed as of.
                "end": start,
                "local-definitions": {
                    "components": components,
                    "inventory-items": inventory.items,
                },
                "reviewed-controls": {
                    "control-selections": [{ "include-controls": reviewed }],
                },
                "observations": observations,
                "findings": findings,
            }],
            "back-matter": back_matter(run),
        }
    })
}

fn observation(run: &Export<'_>, m: &Mapped<'_>, inventory: &mut Inventory) -> Value {
    let program = run.coverage.program;
    let control = m.control;
    let component_uuids: Vec<String> = control
        .services
        .iter()
        .map(|&s| service_uuid(run, s))
        .collect();
    let mut subjects = Vec::new();
    if let Some(result) = run.outcome.controls.get(m.index) {
        for v in &result.violations {
            let verdict = if v.waived { "waived" } else { "fail" };
            subjects.push(inventory.subject(
                &v.key,
                v.pointer.as_deref(),
                verdict,
                Some(&v.message),
                &component_uuids,
            ));
        }
        for e in &result.errors {
            let verdict = if e.attested { "attested" } else { "error" };
            subjects.push(inventory.subject(
                &e.key,
                e.pointer.as_deref(),
                verdict,
                Some(&e.message),
                &component_uuids,
            ));
        }
        for p in result.passed.iter().flatten() {
            subjects.push(inventory.subject(
                &p.key,
                p.pointer.as_deref(),
                "pass",
                None,
                &component_uuids,
            ));
        }
    }
    let checked = run.outcome.controls.get(m.index).map_or(0, |r| r.subjects);
    // Who decides and operates it, as on its first service (the checker
    // requires one).
    let placed = Placed::new(
        program,
        m,
        control.services.first().copied().unwrap_or_default(),
    );
    let mut props = placed.props(program);
    props.push(prop("status", m.status.as_str()));
    let evidence: Vec<Value> = run
        .info
        .facts
        .iter()
        .map(|d| {
            json!({
                "href": format!("#{}", facts_uuid(d)),
                "description": format!("The facts file {} (SHA-256 {}).", d.path, d.sha256),
            })
        })
        .collect();
    json!({
        "uuid": uuid("observation", &format!("{}:{}", root(run), control.id)),
        "title": format!("{}: {}", control.id, m.status.as_str()),
        "description": format!(
            "{}. {checked} subject(s) checked; status {}.",
            placed.describe(program),
            m.status.as_str()
        ),
        "props": props,
        "methods": ["TEST"],
        "types": ["control-objective"],
        "subjects": subjects,
        "relevant-evidence": evidence,
        "collected": timestamp(run.info.started_at),
    })
}

fn finding(run: &Export<'_>, m: &Mapped<'_>, rows: &Rows<'_, '_>, observation: Value) -> Value {
    let control = m.control;
    let requirements: Vec<&str> = rows
        .rows
        .iter()
        .filter(|r| r.controls.iter().any(|c| c.index == m.index))
        .map(|r| r.requirement.id.as_str())
        .collect();
    let first = requirements.first().copied().unwrap_or_default();
    let mut props: Vec<Value> = requirements
        .iter()
        .map(|r| prop("requirement", r))
        .collect();
    props.insert(0, prop("onus-control", &control.id));
    let (failing, erroring) = run.outcome.controls.get(m.index).map_or((0, 0), |r| {
        (
            r.violations.iter().filter(|v| !v.waived).count(),
            r.errors.iter().filter(|e| !e.attested).count(),
        )
    });
    let verb = if m.status == Status::Fail {
        "fails"
    } else {
        "cannot be evaluated"
    };
    json!({
        "uuid": uuid("finding", &format!("{}:{}", root(run), control.id)),
        "title": format!("{} {verb}", control.id),
        "description": format!(
            "`{}` {verb}: {failing} subject(s) fail its checks and {erroring} could not be evaluated. It implements {}.",
            control.id,
            requirements.join(", ")
        ),
        "props": props,
        "target": {
            "type": "objective-id",
            "target-id": format!("{first}_obj"),
            "status": { "state": "not-satisfied" },
        },
        "related-observations": [{ "observation-uuid": observation }],
    })
}

/// The subjects observed, one inventory item per distinct (pointer, key).
#[derive(Default)]
struct Inventory {
    items: Vec<Value>,
    seen: std::collections::HashMap<String, usize>,
}

impl Inventory {
    /// A subject reference to the item for `key` at `pointer` (made on
    /// first sight), with its verdict and, for a failure, the message.
    fn subject(
        &mut self,
        key: &str,
        pointer: Option<&str>,
        verdict: &str,
        message: Option<&str>,
        components: &[String],
    ) -> Value {
        let name = format!("{}\u{0}{key}", pointer.unwrap_or_default());
        let item_uuid = uuid("subject", &name);
        let mut facts_props = Vec::new();
        if let Some(key) = single_line(key) {
            facts_props.push(prop("key", key));
        }
        if let Some(pointer) = pointer.and_then(single_line) {
            facts_props.push(prop("pointer", pointer));
        }
        // What does not fit an OSCAL string (a key with a newline) is kept
        // whole in the remarks.
        let mut remarks = format!("key: {key}");
        if let Some(pointer) = pointer {
            remarks.push_str(&format!("\npointer: {pointer}"));
        }
        match self.seen.get(&name) {
            Some(&at) => {
                if let Some(list) = self.items[at]["implemented-components"].as_array_mut() {
                    for c in components {
                        if !list.iter().any(|h| h["component-uuid"] == c.as_str()) {
                            list.push(json!({ "component-uuid": c }));
                        }
                    }
                }
            }
            None => {
                self.seen.insert(name, self.items.len());
                self.items.push(json!({
                    "uuid": item_uuid,
                    "description": format!("A subject of the facts: {remarks}"),
                    "props": facts_props,
                    "implemented-components": components.iter().map(|c| json!({ "component-uuid": c })).collect::<Vec<_>>(),
                }));
            }
        }
        let mut props = facts_props;
        props.push(prop("verdict", verdict));
        if let Some(message) = message {
            remarks.push_str(&format!("\n{message}"));
        }
        json!({
            "subject-uuid": item_uuid,
            "type": "inventory-item",
            "title": single_line(key),
            "props": props,
            "remarks": remarks,
        })
    }
}
