//! OSCAL 1.2.1 documents from a run: in, the checked program, its coverage
//! of one framework (statuses from one evaluation outcome, or static) and
//! the run's provenance; out, one `serde_json::Value` — a component
//! definition, a system security plan or assessment results. The pieces all
//! three share live here: metadata, parties, service components, the
//! back-matter resources (catalog, policy files, facts) and the onus props.
//!
//! Invariants: every UUID comes from `oscal::uuid` with a stable name, and
//! every timestamp is the run's `started_at` (which the command sets from
//! the run's date, not the clock), so the same inputs give the same
//! bytes; no member is null or an empty array (OSCAL forbids both);
//! requirement ids that are not OSCAL tokens are left out (and named in
//! `Document::skipped`), so every document stays valid.

mod assessment_results;
mod component_definition;
mod ssp;

use super::{OSCAL_VERSION, prop, uuid};
use crate::check::program::{Decider, PartyId, PartyKind, Program, Status};
use crate::coverage::{Coverage, Mapped, Row};
use crate::eval::Outcome;
use crate::framework::FileDigest;
use crate::session::RunInfo;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The three documents `onus export oscal --kind` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    ComponentDefinition,
    Ssp,
    AssessmentResults,
}

impl Kind {
    pub const ALL: [Kind; 3] = [
        Kind::ComponentDefinition,
        Kind::Ssp,
        Kind::AssessmentResults,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::ComponentDefinition => "component-definition",
            Kind::Ssp => "ssp",
            Kind::AssessmentResults => "assessment-results",
        }
    }
}

/// What an export reads: the coverage (program, framework, statuses), the
/// outcome it came from, and where the run came from.
pub struct Export<'a> {
    pub coverage: &'a Coverage<'a>,
    pub outcome: &'a Outcome,
    pub info: &'a RunInfo,
    /// The system the documents describe, as the command line named it
    /// (the policy paths): the name of its SSP and of every UUID's root.
    pub system: &'a str,
}

/// An exported document and the requirement ids it had to leave out.
pub struct Document {
    pub value: Value,
    /// Requirement ids that are not OSCAL tokens (`2.1.4`): no
    /// `control-id` may name them.
    pub skipped: Vec<String>,
}

/// Builds the document of `kind`; an error when the framework has no
/// requirement an OSCAL document can name.
pub fn export(kind: Kind, run: &Export<'_>) -> Result<Document, String> {
    let rows = Rows::of(run.coverage)?;
    let mut value = match kind {
        Kind::ComponentDefinition => component_definition::build(run, &rows),
        Kind::Ssp => ssp::build(run, &rows),
        Kind::AssessmentResults => assessment_results::build(run, &rows),
    };
    prune(&mut value);
    Ok(Document {
        value,
        skipped: rows.skipped,
    })
}

/// The rows a document speaks of: the addressed requirements whose ids are
/// tokens, or, when none is addressed, every such requirement (a plan or a
/// result must name at least one).
struct Rows<'c, 'a> {
    rows: Vec<&'c Row<'a>>,
    skipped: Vec<String>,
}

impl<'c, 'a> Rows<'c, 'a> {
    fn of(coverage: &'c Coverage<'a>) -> Result<Rows<'c, 'a>, String> {
        let (named, skipped): (Vec<&Row>, Vec<&Row>) = coverage
            .rows
            .iter()
            .partition(|r| is_token(&r.requirement.id));
        let skipped = skipped
            .iter()
            .filter(|r| r.addressed())
            .map(|r| r.requirement.id.clone())
            .collect();
        let addressed: Vec<&Row> = named.iter().copied().filter(|r| r.addressed()).collect();
        let rows = if addressed.is_empty() {
            named
        } else {
            addressed
        };
        if rows.is_empty() {
            return Err(format!(
                "framework `{}` has no requirement whose id an OSCAL document can name (ids must start with a letter or `_`)",
                coverage.framework.id
            ));
        }
        Ok(Rows { rows, skipped })
    }

    /// Every control of the rows, once, in declaration order.
    fn controls(&self) -> Vec<&'c Mapped<'a>> {
        let mut by_index: BTreeMap<usize, &Mapped> = BTreeMap::new();
        for row in &self.rows {
            for m in &row.controls {
                by_index.entry(m.index).or_insert(m);
            }
        }
        by_index.into_values().collect()
    }
}

/// An OSCAL token (XML NCName), as `control-id` and `target-id` must be;
/// ASCII only, which every catalog id onus has met is.
fn is_token(id: &str) -> bool {
    let mut chars = id.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// A text as an OSCAL single-line string (no newline, no surrounding
/// space, not empty) if it is one: facts may hold anything.
fn single_line(text: &str) -> Option<&str> {
    (!text.is_empty() && !text.contains(['\n', '\r']) && text.trim() == text).then_some(text)
}

/// Removes null members and empty arrays, which OSCAL's schemas refuse.
fn prune(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !(v.is_null() || v.as_array().is_some_and(Vec::is_empty)));
            map.values_mut().for_each(prune);
        }
        Value::Array(items) => items.iter_mut().for_each(prune),
        _ => {}
    }
}

/// RFC 3339 with the zone, as OSCAL's date-time wants it.
fn timestamp(t: jiff::Timestamp) -> String {
    t.to_string()
}

/// The document's metadata: title, dates from the run, a version that
/// changes with the policy, the parties and the three roles.
fn metadata(run: &Export<'_>, title: String) -> Value {
    let at = timestamp(run.info.started_at);
    json!({
        "title": title,
        "published": at,
        "last-modified": at,
        "version": version(run.info),
        "oscal-version": OSCAL_VERSION,
        "roles": [
            { "id": "decider", "title": "Decides the layer (onus: who decides)" },
            { "id": "operator", "title": "Operates the layer (onus: operated_by, else the decider)" },
            { "id": "accountable", "title": "Answers for the layer (onus: accountable)" },
        ],
        "parties": parties(run.coverage.program),
        "remarks": format!(
            "Written by onus {} from the policy's framework `{}` on {} (the run's date).",
            run.info.onus_version, run.coverage.framework.id, run.info.now
        ),
    })
}

/// `policy-` and the first 16 hex digits of the SHA-256 over the policy
/// files' digests: the same policy, the same version.
fn version(info: &RunInfo) -> String {
    let parts: Vec<&[u8]> = info
        .policy_files
        .iter()
        .map(|d| d.sha256.as_bytes())
        .collect();
    let digest = FileDigest::of(String::new(), &parts);
    format!("policy-{}", &digest.sha256[..16])
}

fn parties(program: &Program) -> Vec<Value> {
    program
        .parties
        .iter()
        .map(|p| {
            let kind = match (p.kind, p.accountable_to) {
                (PartyKind::ThirdParty, Some(to)) => format!(
                    "onus party: a third party, accountable to {}",
                    program.party_name(to)
                ),
                (kind, _) => format!("onus party: {}", kind.name().replace('_', " ")),
            };
            json!({
                "uuid": party_uuid(&p.id),
                "type": "organization",
                "name": p.id,
                "props": [prop("onus-party", &p.id)],
                "remarks": match &p.doc {
                    Some(doc) => format!("{kind}. {doc}"),
                    None => kind,
                },
            })
        })
        .collect()
}

fn party_uuid(name: &str) -> String {
    uuid("party", name)
}

/// The parties a decider stands for: `shared` is the provider and the
/// customer; `none` is nobody.
fn party_uuids(program: &Program, decider: Decider) -> Vec<String> {
    let ids = match decider {
        Decider::Party(p) => vec![p],
        Decider::Shared => vec![PartyId::PROVIDER, PartyId::CUSTOMER],
        Decider::None => Vec::new(),
    };
    ids.into_iter()
        .map(|p| party_uuid(program.party_name(p)))
        .collect()
}

fn service_uuid(run: &Export<'_>, service: usize) -> String {
    uuid("component", &run.coverage.program.services[service].id)
}

/// The component of every service the program declares (type `service`,
/// with the onus props); `with_status` for the system models that require
/// an operational status (SSP, assessment results).
fn service_component(run: &Export<'_>, service: usize, with_status: bool) -> Value {
    let program = run.coverage.program;
    let s = &program.services[service];
    let model = s.model.map(|m| program.models[m].id.as_str());
    let provider = s
        .attrs
        .iter()
        .find(|(name, _)| name == "provider")
        .and_then(|(_, v)| v.as_str().and_then(single_line).map(str::to_string))
        .unwrap_or_else(|| program.party_name(PartyId::PROVIDER).to_string());
    let mut props = vec![prop("onus-service", &s.id)];
    if let Some(model) = model {
        props.push(prop("model", model));
    }
    props.push(prop("provider", &provider));
    if let Some(host) = s.host {
        props.push(prop("host", &program.services[host].id));
    }
    if s.tenant != PartyId::CUSTOMER {
        props.push(prop("tenant", program.party_name(s.tenant)));
    }
    let description = match (&s.doc, model) {
        (Some(doc), _) => doc.clone(),
        (None, Some(model)) => format!("The onus service `{}`, a {model}.", s.id),
        (None, None) => format!("The onus service `{}`.", s.id),
    };
    let mut component = json!({
        "uuid": service_uuid(run, service),
        "type": "service",
        "title": s.id,
        "description": description,
        "props": props,
    });
    if with_status {
        component["status"] = json!({ "state": "operational" });
    }
    component
}

/// The system itself (an SSP's `this-system` component).
fn system_component(run: &Export<'_>) -> Value {
    json!({
        "uuid": uuid("component", &format!("system:{}", run.system)),
        "type": "this-system",
        "title": run.system,
        "description": format!("The system the onus policy at `{}` describes.", run.system),
        "status": { "state": "operational" },
    })
}

/// One control on one service: who decides, operates and answers for
/// its layer there, as the matrix resolves it.
struct Placed<'c, 'a> {
    mapped: &'c Mapped<'a>,
    decider: Option<Decider>,
    operator: Option<Decider>,
    accountable: Option<Decider>,
}

/// Which side of the shared responsibility model a placed control is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    Provider,
    Customer,
    Shared,
    /// The layer does not exist for the service (`none`).
    NotApplicable,
}

impl<'c, 'a> Placed<'c, 'a> {
    fn new(program: &Program, mapped: &'c Mapped<'a>, service: usize) -> Placed<'c, 'a> {
        let control = mapped.control;
        let resolved = control
            .layer
            .and_then(|layer| program.resolved(service, layer));
        match resolved {
            Some(r) => Placed {
                mapped,
                decider: Some(r.decider()),
                operator: Some(r.operator()),
                accountable: Some(r.accountable),
            },
            None => Placed {
                mapped,
                decider: control.decider,
                operator: control.operator,
                accountable: control.accountable,
            },
        }
    }

    /// Decided by the provider, the customer's side (customer, a team, a
    /// third party), both, or nobody; the owner stands in where nothing
    /// assigns the layer.
    fn side(&self) -> Side {
        match self.decider.unwrap_or(self.mapped.control.owner) {
            Decider::PROVIDER => Side::Provider,
            Decider::Shared => Side::Shared,
            Decider::None => Side::NotApplicable,
            Decider::Party(_) => Side::Customer,
        }
    }

    /// The onus props of the control: `onus-control`, then `layer`,
    /// `decider`, `operator` and `accountable` where known.
    fn props(&self, program: &Program) -> Vec<Value> {
        let control = self.mapped.control;
        let mut props = vec![prop("onus-control", &control.id)];
        if let Some(layer) = control.layer {
            props.push(prop("layer", &program.layers[layer].id));
        }
        for (name, who) in [
            ("decider", self.decider),
            ("operator", self.operator),
            ("accountable", self.accountable),
        ] {
            if let Some(who) = who {
                props.push(prop(name, program.decider_name(who)));
            }
        }
        props
    }

    /// `responsible-roles`: the decider, operator and accountable parties.
    fn roles(&self, program: &Program) -> Vec<Value> {
        let mut roles = Vec::new();
        for (role, who) in [
            ("decider", self.decider),
            ("operator", self.operator),
            ("accountable", self.accountable),
        ] {
            let uuids = who.map_or_else(Vec::new, |d| party_uuids(program, d));
            if !uuids.is_empty() {
                roles.push(json!({ "role-id": role, "party-uuids": uuids }));
            }
        }
        roles
    }

    /// One line on the control: its name, title, layer, and who decides
    /// and operates it there.
    fn describe(&self, program: &Program) -> String {
        let control = self.mapped.control;
        let mut line = format!("`{}`", control.id);
        if let Some(text) = control.title.as_deref().or(control.doc.as_deref()) {
            // The first paragraph, on one line.
            let first = text.split("\n\n").next().unwrap_or_default();
            let words: Vec<&str> = first.split_whitespace().collect();
            if !words.is_empty() {
                line.push_str(&format!(" ({})", words.join(" ")));
            }
        }
        if let Some(layer) = control.layer {
            line.push_str(&format!(", layer `{}`", program.layers[layer].id));
        }
        let name = |d: Option<Decider>| d.map_or("nobody", |d| program.decider_name(d));
        line.push_str(&format!(
            ": decided by {}, operated by {}",
            name(self.decider),
            name(self.operator)
        ));
        line
    }
}

/// Met for the implementation status: shown by the facts, vouched for by
/// an attestation, or stated by the provider.
fn is_met(status: Status) -> bool {
    matches!(status, Status::Pass | Status::Attested | Status::Inherited)
}

/// The back-matter resources: the framework's catalog, the policy (the
/// plan an assessment follows) and each facts file, with their digests.
fn back_matter(run: &Export<'_>) -> Value {
    let framework = run.coverage.framework;
    let mut catalog = json!({
        "uuid": catalog_uuid(run),
        "title": framework.catalog.title,
    });
    match &framework.digest {
        Some(d) => catalog["rlinks"] = json!([rlink(d, "application/oscal.catalog+json")]),
        None => {
            catalog["description"] = json!(format!(
                "Framework `{}`, written in the policy.",
                framework.id
            ))
        }
    }
    let policy = json!({
        "uuid": policy_uuid(run),
        "title": "The onus policy",
        "description": "The onus policy files the run loaded: its controls are the assessment's plan.",
        "rlinks": run.info.policy_files.iter().map(|d| rlink(d, "text/plain")).collect::<Vec<_>>(),
    });
    let mut resources = vec![catalog, policy];
    for d in &run.info.facts {
        resources.push(json!({
            "uuid": facts_uuid(d),
            "title": format!("Facts {}", d.path),
            "description": "A facts file the controls were evaluated against.",
            "rlinks": [rlink(d, "application/octet-stream")],
        }));
    }
    json!({ "resources": resources })
}

fn rlink(d: &FileDigest, media_type: &str) -> Value {
    json!({
        "href": d.path,
        "media-type": media_type,
        "hashes": [{ "algorithm": "SHA-256", "value": d.sha256 }],
    })
}

fn catalog_uuid(run: &Export<'_>) -> String {
    uuid(
        "resource",
        &format!("framework:{}", run.coverage.framework.id),
    )
}

fn policy_uuid(run: &Export<'_>) -> String {
    uuid("resource", &format!("policy:{}", run.system))
}

fn facts_uuid(d: &FileDigest) -> String {
    uuid("resource", &format!("facts:{}", d.path))
}

/// The name every UUID of a document hangs from: system and framework.
fn root(run: &Export<'_>) -> String {
    format!("{}:{}", run.system, run.coverage.framework.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_ncnames() {
        assert!(is_token("ac-2.1"));
        assert!(is_token("_x"));
        assert!(!is_token("2.1.4"));
        assert!(!is_token("164.312(b)"));
        assert!(!is_token(""));
        assert!(!is_token("art 44"));
    }

    #[test]
    fn prune_drops_nulls_and_empty_arrays_but_keeps_empty_objects() {
        let mut v = json!({ "a": null, "b": [], "c": { "include-all": {} }, "d": [ { "e": [] } ] });
        prune(&mut v);
        assert_eq!(v, json!({ "c": { "include-all": {} }, "d": [ {} ] }));
    }

    #[test]
    fn single_lines_refuse_what_oscal_strings_cannot_hold() {
        assert_eq!(single_line("claims-prod"), Some("claims-prod"));
        assert_eq!(single_line(""), None);
        assert_eq!(single_line(" x"), None);
        assert_eq!(single_line("a\nb"), None);
    }
}
