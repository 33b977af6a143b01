//! The matrix as a Mermaid flowchart that draws the provider/customer
//! boundary the way the seed article does: each service splits into the
//! layers the provider decides (left), the shared ones (middle) and the ones
//! the customer decides (right), then one side per declared party that
//! decides some of its layers; every customer side (and every team's) leads
//! to "Business risk still belongs to the customer". Layers that are `none`, and std
//! layers nothing assigns, hang off the service in dashed boxes (a custom
//! layer a service does not assign is one it does not use: not drawn).
//!
//! In: a `Matrix`. Out: text that starts with `flowchart`. Node ids are
//! generated (`s0`, `s0_provider`, ...); every label is escaped with
//! `escape::mermaid`, so names cannot close a label or inject markup.

use super::{DeciderClass, Matrix, MatrixCell};
use crate::check::program::Status;
use crate::escape::mermaid as esc;
use std::fmt::Write;

/// A side of the boundary: the cells whose decider it gathers, its node
/// suffix, heading and class.
struct Side {
    suffix: String,
    heading: String,
    class: &'static str,
    /// Its layers stay the customer's business risk.
    customer_side: bool,
}

/// The sides of one service, in drawing order: provider, shared, customer,
/// then each declared party that decides a layer here, then the layers
/// that are `none` or unassigned. Each with its cells.
fn sides<'m, 'a>(m: &'m Matrix<'a>, col: usize) -> Vec<(Side, Vec<(usize, &'m MatrixCell<'a>)>)> {
    let cells: Vec<(usize, &MatrixCell<'_>)> = (0..m.rows.len())
        .filter_map(|row| m.cell(row, col).map(|c| (row, c)))
        .filter(|(_, c)| c.resolved.is_some() || m.program.layers[c.layer].std)
        .collect();
    let fixed = |class: DeciderClass, heading: &str| Side {
        suffix: class.name().to_string(),
        heading: heading.to_string(),
        class: class.name(),
        customer_side: class == DeciderClass::Customer,
    };
    let mut sides = vec![
        (
            fixed(DeciderClass::Provider, "Provider decides"),
            DeciderClass::Provider,
        ),
        (fixed(DeciderClass::Shared, "Shared"), DeciderClass::Shared),
        (
            fixed(DeciderClass::Customer, "Customer decides"),
            DeciderClass::Customer,
        ),
    ]
    .into_iter()
    .map(|(side, class)| {
        let mine = cells
            .iter()
            .filter(|(_, c)| c.class == class)
            .copied()
            .collect();
        (side, mine)
    })
    .collect::<Vec<_>>();
    // Declared parties, in declaration order.
    for (i, party) in m.program.parties.iter().enumerate() {
        let mine: Vec<(usize, &MatrixCell<'_>)> = cells
            .iter()
            .filter(|(_, c)| {
                matches!(c.class, DeciderClass::Team | DeciderClass::ThirdParty)
                    && c.decider == party.id
            })
            .copied()
            .collect();
        if let Some((_, first)) = mine.first() {
            let team = first.class == DeciderClass::Team;
            sides.push((
                Side {
                    suffix: format!("p{i}"),
                    heading: format!("{} decides", esc(&party.id)),
                    class: first.class.name(),
                    customer_side: team,
                },
                mine,
            ));
        }
    }
    for (class, heading) in [
        (DeciderClass::None, "Not applicable"),
        (DeciderClass::Unassigned, "Unassigned"),
    ] {
        let mine = cells
            .iter()
            .filter(|(_, c)| c.class == class)
            .copied()
            .collect();
        sides.push((fixed(class, heading), mine));
    }
    sides.retain(|(_, cells)| !cells.is_empty());
    sides
}

fn layer_line(m: &Matrix<'_>, row: usize, cell: &MatrixCell<'_>) -> String {
    let mut line = esc(m.layer_id(row));
    if let Some(op) = cell.operator {
        let _ = write!(line, " (operated by {})", esc(op));
    }
    if let Some(a) = cell.accountable {
        let _ = write!(line, " (accountable: {})", esc(a));
    }
    if cell.is_override() {
        line.push_str(" ✎");
    }
    if let Some(host) = cell.inherited_from {
        let _ = write!(line, " (from {})", esc(host));
    }
    let failing = cell.count(Status::Fail) + cell.count(Status::Error);
    if failing > 0 {
        let _ = write!(line, " ✗{failing}");
    }
    line
}

/// The class definitions every drawing starts with.
pub(super) fn class_defs(out: &mut String) {
    out.push_str("  classDef service fill:#ffffff,stroke:#374151,stroke-width:2px,color:#111827\n");
    out.push_str("  classDef provider fill:#dbeafe,stroke:#1d4ed8,color:#1e3a8a\n");
    out.push_str("  classDef shared fill:#ede9fe,stroke:#6d28d9,color:#4c1d95\n");
    out.push_str("  classDef customer fill:#fef3c7,stroke:#b45309,color:#78350f\n");
    out.push_str(
        "  classDef none fill:#f3f4f6,stroke:#9ca3af,color:#4b5563,stroke-dasharray:4 3\n",
    );
    out.push_str(
        "  classDef unassigned fill:#fee2e2,stroke:#b91c1c,color:#7f1d1d,stroke-dasharray:4 3\n",
    );
    out.push_str("  classDef failing stroke:#dc2626,stroke-width:3px\n");
    out.push_str("  classDef risk fill:#fff7ed,stroke:#9a3412,color:#7c2d12\n");
}

pub fn render(m: &Matrix<'_>) -> String {
    let mut out = String::from("flowchart TD\n");
    out.push_str("  %% onus: who decides each responsibility layer, per service\n");
    class_defs(&mut out);
    let party_classes = m.party_classes();
    if party_classes.contains(&DeciderClass::Team) {
        out.push_str("  classDef team fill:#dcfce7,stroke:#15803d,color:#14532d\n");
    }
    if party_classes.contains(&DeciderClass::ThirdParty) {
        out.push_str("  classDef third_party fill:#ffe4e6,stroke:#be123c,color:#881337\n");
    }
    let mut classes: Vec<(String, &str)> = Vec::new();
    let mut any_customer = false;
    for col in 0..m.columns.len() {
        let service = format!("s{col}");
        let made_of = if m.model_id(col).is_empty() {
            m.made_of(col)
        } else {
            format!("model {}", m.made_of(col))
        };
        let _ = writeln!(
            out,
            "  {service}[\"{}<br/>{}\"]",
            esc(m.service_id(col)),
            esc(&made_of)
        );
        classes.push((service.clone(), "service"));
        for (side, cells) in sides(m, col) {
            let node = format!("{service}_{}", side.suffix);
            let lines: Vec<String> = cells
                .iter()
                .map(|(row, c)| layer_line(m, *row, c))
                .collect();
            let _ = writeln!(
                out,
                "  {service} --> {node}[\"{}<br/>{}\"]",
                side.heading,
                lines.join("<br/>")
            );
            classes.push((node.clone(), side.class));
            if cells.iter().any(|(_, c)| c.failing()) {
                classes.push((node.clone(), "failing"));
            }
            if side.customer_side {
                any_customer = true;
                let _ = writeln!(out, "  {node} --> risk");
            }
        }
    }
    if any_customer {
        out.push_str("  risk[\"Business risk still belongs to the customer\"]\n");
        classes.push(("risk".into(), "risk"));
    }
    for (node, class) in classes {
        let _ = writeln!(out, "  class {node} {class}");
    }
    out
}
