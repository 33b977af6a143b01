//! The system security plan: in, the rows of one framework's coverage; out,
//! an SSP whose `system-implementation` has one component per service (and
//! the system itself when a control names no service) and one party per
//! onus party, and whose `control-implementation` has one
//! `implemented-requirement` per requirement with a `by-component` per
//! service its controls cover.
//!
//! Invariants, per control on a component (see docs/oscal.md): decided by
//! the provider → `export.provided`, and `inherited` when its status is
//! inherited, pass or attested; decided by the customer side (customer, a
//! team, a third party) → `export.responsibilities`, and `satisfied` only
//! when its status is pass or attested; shared → both, the responsibility
//! linked to the provided part, `satisfied` as for the customer. So a
//! failing, erroring, waived, unverified or unevaluated customer control is
//! never `satisfied`.

use super::{
    Export, Placed, Rows, Side, back_matter, catalog_uuid, is_met, metadata, root,
    service_component, service_uuid, system_component,
};
use crate::check::program::Status;
use crate::coverage::{Mapped, Row, is_passing};
use crate::oscal::uuid;
use serde_json::{Value, json};
use std::collections::BTreeMap;

pub(super) fn build(run: &Export<'_>, rows: &Rows<'_, '_>) -> Value {
    let program = run.coverage.program;
    let framework = run.coverage.framework;
    let root = root(run);
    let mut components = vec![system_component(run)];
    components.extend((0..program.services.len()).map(|s| service_component(run, s, true)));
    let requirements: Vec<Value> = rows
        .rows
        .iter()
        .map(|row| implemented_requirement(run, row))
        .collect();
    json!({
        "system-security-plan": {
            "uuid": uuid("system-security-plan", &root),
            "metadata": metadata(run, format!("System security plan of {} for {}", run.system, framework.catalog.title)),
            "import-profile": {
                "href": format!("#{}", catalog_uuid(run)),
                "remarks": "The framework's catalog, in back-matter.",
            },
            "system-characteristics": {
                "system-ids": [{
                    "identifier-type": "https://ietf.org/rfc/rfc4122",
                    "id": uuid("system", run.system),
                }],
                "system-name": run.system,
                "description": format!(
                    "The services, layers and controls of the onus policy at `{}`, with who decides and operates each layer.",
                    run.system
                ),
                "system-information": {
                    "information-types": [{
                        "title": "As the policy states",
                        "description": "onus does not categorize information; the policy's services and controls say what they hold.",
                    }],
                },
                "status": { "state": "operational" },
                "authorization-boundary": {
                    "description": "The services the onus policy declares.",
                },
            },
            "system-implementation": {
                "components": components,
            },
            "control-implementation": {
                "description": format!(
                    "How the onus controls implement {}: the provider's part is exported as `provided` (and `inherited` when it holds), the customer's as `responsibilities` (and `satisfied` when the facts or an attestation show it).",
                    framework.catalog.title
                ),
                "implemented-requirements": requirements,
            },
            "back-matter": back_matter(run),
        }
    })
}

fn implemented_requirement(run: &Export<'_>, row: &Row<'_>) -> Value {
    let id = &row.requirement.id;
    let mut by_service: BTreeMap<usize, Vec<&Mapped>> = BTreeMap::new();
    for m in &row.controls {
        for &service in &m.control.services {
            by_service.entry(service).or_default().push(m);
        }
    }
    let by_components: Vec<Value> = by_service
        .into_iter()
        .map(|(service, controls)| by_component(run, id, service, &controls))
        .collect();
    let remarks = (!row.addressed()).then_some("No onus control names this requirement.");
    json!({
        "uuid": uuid("implemented-requirement", &format!("{}:{id}", root(run))),
        "control-id": id,
        "by-components": by_components,
        "remarks": remarks,
    })
}

fn by_component(
    run: &Export<'_>,
    requirement: &str,
    service: usize,
    controls: &[&Mapped],
) -> Value {
    let program = run.coverage.program;
    let evaluated = run.coverage.evaluated;
    let name = &program.services[service].id;
    let at = format!("{requirement}:{name}");
    let placed: Vec<Placed> = controls
        .iter()
        .map(|m| Placed::new(program, m, service))
        .collect();
    let state = implementation_state(&placed);
    // The state as a prop too (OSCAL's own name, no `ns`): OSCAL 1.0 tools
    // and the onus importer read it there.
    let mut props = vec![json!({ "name": "implementation-status", "value": state })];
    let mut lines = Vec::new();
    let (mut provided, mut responsibilities, mut inherited, mut satisfied) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for p in &placed {
        let control = &p.mapped.control.id;
        let status = p.mapped.status;
        props.extend(p.props(program));
        let result = if evaluated || !p.mapped.control.checked() {
            format!("status {}", status.as_str())
        } else {
            "not evaluated (no facts)".to_string()
        };
        lines.push(format!("- {}; {result}.", p.describe(program)));
        let key = format!("{at}:{control}");
        let side = p.side();
        let provided_uuid = uuid("provided", &key);
        if matches!(side, Side::Provider | Side::Shared) {
            provided.push(json!({
                "uuid": provided_uuid,
                "description": format!("The provider's part of `{control}` on {name}: {}.", side_words(side)),
                "responsible-roles": p.roles(program),
            }));
        }
        if side == Side::Provider && is_met(status) {
            inherited.push(json!({
                "uuid": uuid("inherited", &key),
                "provided-uuid": provided_uuid,
                "description": format!("`{control}` is the provider's; onus records it as {}.", status.as_str()),
            }));
        }
        if matches!(side, Side::Customer | Side::Shared) {
            let responsibility_uuid = uuid("responsibility", &key);
            responsibilities.push(json!({
                "uuid": responsibility_uuid,
                "provided-uuid": (side == Side::Shared).then_some(&provided_uuid),
                "description": format!("The customer side's part of `{control}` on {name}: {}.", side_words(side)),
                "responsible-roles": p.roles(program),
            }));
            if is_passing(status) {
                satisfied.push(json!({
                    "uuid": uuid("satisfied", &key),
                    "responsibility-uuid": responsibility_uuid,
                    "description": satisfied_words(status),
                    "responsible-roles": p.roles(program),
                }));
            }
        }
    }
    let export = (!provided.is_empty() || !responsibilities.is_empty()).then(|| {
        json!({
            "provided": provided,
            "responsibilities": responsibilities,
        })
    });
    json!({
        "component-uuid": service_uuid(run, service),
        "uuid": uuid("by-component", &format!("{}:{at}", root(run))),
        "description": format!("The onus controls on {name} for {requirement}:\n\n{}", lines.join("\n")),
        "props": props,
        "implementation-status": { "state": state },
        "export": export,
        "inherited": inherited,
        "satisfied": satisfied,
    })
}

fn side_words(side: Side) -> &'static str {
    match side {
        Side::Provider => "the provider decides this layer",
        Side::Shared => "the provider and the customer share this layer",
        Side::Customer => "the customer side decides this layer",
        Side::NotApplicable => "the layer does not exist here",
    }
}

fn satisfied_words(status: Status) -> &'static str {
    match status {
        Status::Attested => "A current attestation vouches for it.",
        _ => "Every subject the facts hold passes its checks.",
    }
}

/// implemented: every applicable control is met (pass, attested,
/// inherited); partial: some are; planned: none is; not-applicable: the
/// layers of all of them do not exist for the component.
fn implementation_state(placed: &[Placed]) -> &'static str {
    let applicable: Vec<&Placed> = placed
        .iter()
        .filter(|p| p.side() != Side::NotApplicable)
        .collect();
    let met = applicable
        .iter()
        .filter(|p| is_met(p.mapped.status))
        .count();
    if applicable.is_empty() {
        "not-applicable"
    } else if met == applicable.len() {
        "implemented"
    } else if met > 0 {
        "partial"
    } else {
        "planned"
    }
}
