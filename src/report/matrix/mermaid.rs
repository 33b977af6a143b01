//! The matrix as a Mermaid flowchart that draws the provider/customer
//! boundary the way the seed article does: each service splits into the
//! layers the provider decides (left), the shared ones (middle) and the ones
//! the customer decides (right); every customer side leads to "Business
//! risk still belongs to the customer". Layers that are `none`, and std
//! layers nothing assigns, hang off the service in dashed boxes (a custom
//! layer a service does not assign is one it does not use: not drawn).
//!
//! In: a `Matrix`. Out: text that starts with `flowchart`. Node ids are
//! generated (`s0`, `s0_provider`, ...); every label is escaped with
//! `escape::mermaid`, so names cannot close a label or inject markup.

use super::{Matrix, MatrixCell};
use crate::check::program::Status;
use crate::escape::mermaid as esc;
use std::fmt::Write;

/// The sides of the boundary, in drawing order: (decider, node suffix, heading).
const SIDES: [(&str, &str, &str); 5] = [
    ("provider", "provider", "Provider decides"),
    ("shared", "shared", "Shared"),
    ("customer", "customer", "Customer decides"),
    ("none", "none", "Not applicable"),
    ("unassigned", "unassigned", "Unassigned"),
];

fn layer_line(m: &Matrix<'_>, row: usize, cell: &MatrixCell<'_>) -> String {
    let mut line = esc(m.layer_id(row));
    if let Some(op) = cell.operator() {
        let _ = write!(line, " (operated by {})", esc(op));
    }
    if cell.is_override() {
        line.push_str(" ✎");
    }
    let failing = cell.count(Status::Fail) + cell.count(Status::Error);
    if failing > 0 {
        let _ = write!(line, " ✗{failing}");
    }
    line
}

pub fn render(m: &Matrix<'_>) -> String {
    let mut out = String::from("flowchart TD\n");
    out.push_str("  %% onus: who decides each responsibility layer, per service\n");
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
    let mut classes: Vec<(String, &str)> = Vec::new();
    let mut any_customer = false;
    for col in 0..m.columns.len() {
        let service = format!("s{col}");
        let _ = writeln!(
            out,
            "  {service}[\"{}<br/>model {}\"]",
            esc(m.service_id(col)),
            esc(m.model_id(col))
        );
        classes.push((service.clone(), "service"));
        for (decider, suffix, heading) in SIDES {
            let cells: Vec<(usize, &MatrixCell<'_>)> = (0..m.rows.len())
                .filter_map(|row| m.cell(row, col).map(|c| (row, c)))
                .filter(|(_, c)| c.decider() == decider)
                .filter(|(_, c)| c.cell.is_some() || m.program.layers[c.layer].std)
                .collect();
            if cells.is_empty() {
                continue;
            }
            let node = format!("{service}_{suffix}");
            let lines: Vec<String> = cells
                .iter()
                .map(|(row, c)| layer_line(m, *row, c))
                .collect();
            let _ = writeln!(
                out,
                "  {service} --> {node}[\"{heading}<br/>{}\"]",
                lines.join("<br/>")
            );
            classes.push((node.clone(), suffix));
            if cells.iter().any(|(_, c)| c.failing()) {
                classes.push((node.clone(), "failing"));
            }
            if decider == "customer" {
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
