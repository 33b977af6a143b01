//! The component definition: in, the rows of one framework's coverage; out,
//! one component per service (type `service`; its model, provider, host and
//! tenant in onus props), each with one `control-implementations` entry for the
//! framework and one `implemented-requirement` per requirement its controls
//! reference, saying which onus controls implement it and who decides,
//! operates and answers for each.
//!
//! Invariant: a service no control of the framework covers still appears,
//! without `control-implementations`; statuses are not part of it (a
//! component definition states capabilities; the SSP and the assessment
//! results carry the run).

use super::{Export, Placed, Rows, back_matter, catalog_uuid, metadata, root, service_component};
use crate::coverage::Mapped;
use crate::oscal::uuid;
use serde_json::{Value, json};
use std::collections::BTreeMap;

pub(super) fn build(run: &Export<'_>, rows: &Rows<'_, '_>) -> Value {
    let program = run.coverage.program;
    let framework = run.coverage.framework;
    // Service -> requirement id -> its controls there, in row order.
    let mut by_service: BTreeMap<usize, Vec<(&str, Vec<&Mapped>)>> = BTreeMap::new();
    for row in &rows.rows {
        for m in &row.controls {
            for &service in &m.control.services {
                let requirements = by_service.entry(service).or_default();
                let id = row.requirement.id.as_str();
                match requirements.iter_mut().find(|(r, _)| *r == id) {
                    Some((_, controls)) => controls.push(m),
                    None => requirements.push((id, vec![m])),
                }
            }
        }
    }
    let mut components = Vec::new();
    for service in 0..program.services.len() {
        let mut value = service_component(run, service, false);
        if let Some(requirements) = by_service.get(&service) {
            let name = &program.services[service].id;
            let implemented: Vec<Value> = requirements
                .iter()
                .map(|(id, controls)| implemented_requirement(run, service, id, controls))
                .collect();
            value["control-implementations"] = json!([{
                "uuid": uuid("control-implementation", &format!("{}:{name}", root(run))),
                "source": format!("#{}", catalog_uuid(run)),
                "description": format!("How the onus controls on {name} implement {}.", framework.catalog.title),
                "implemented-requirements": implemented,
            }]);
        }
        components.push(value);
    }
    json!({
        "component-definition": {
            "uuid": uuid("component-definition", &root(run)),
            "metadata": metadata(run, format!("Components of {} and the {} requirements their onus controls implement", run.system, framework.id)),
            "components": components,
            "back-matter": back_matter(run),
        }
    })
}

fn implemented_requirement(
    run: &Export<'_>,
    service: usize,
    requirement: &str,
    controls: &[&Mapped],
) -> Value {
    let program = run.coverage.program;
    let name = &program.services[service].id;
    let placed: Vec<Placed> = controls
        .iter()
        .map(|m| Placed::new(program, m, service))
        .collect();
    let mut props = Vec::new();
    let mut lines = Vec::new();
    for p in &placed {
        props.extend(p.props(program));
        lines.push(format!("- {}.", p.describe(program)));
    }
    // The roles of every control, each party once per role.
    let mut roles: Vec<(String, Vec<String>)> = Vec::new();
    for p in &placed {
        for role in p.roles(program) {
            let id = role["role-id"].as_str().unwrap_or_default().to_string();
            let uuids = role["party-uuids"].as_array().cloned().unwrap_or_default();
            let at = match roles.iter().position(|(r, _)| *r == id) {
                Some(at) => at,
                None => {
                    roles.push((id, Vec::new()));
                    roles.len() - 1
                }
            };
            for u in uuids.iter().filter_map(Value::as_str) {
                if !roles[at].1.iter().any(|have| have == u) {
                    roles[at].1.push(u.to_string());
                }
            }
        }
    }
    let roles: Vec<Value> = roles
        .into_iter()
        .map(|(id, uuids)| json!({ "role-id": id, "party-uuids": uuids }))
        .collect();
    json!({
        "uuid": uuid("implemented-requirement", &format!("{}:{name}:{requirement}", root(run))),
        "control-id": requirement,
        "description": format!("The onus controls on {name} for {requirement}:\n\n{}", lines.join("\n")),
        "props": props,
        "responsible-roles": roles,
    })
}
