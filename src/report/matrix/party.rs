//! One party's view of the matrix (`onus matrix --party NAME`) as text,
//! Markdown and Mermaid. In: a `PartyView`. Out: a heading with the party's
//! totals, then one line per layer it decides, operates or answers for,
//! service by service, with the cell as the matrix shows it and the
//! controls on it (with statuses when facts were given). Names are escaped
//! for each format.

use super::text::{cell_text, markdown_cell};
use super::{MatrixCell, PartyView};
use crate::check::program::Roles;
use crate::escape::{markdown as md, mermaid, terminal};
use std::fmt::Write;

/// `decides, operates, accountable` (the roles it has).
fn roles_text(roles: Roles) -> String {
    roles.names().join(", ")
}

/// The rows of the view: (service, layer, roles, cell).
fn rows<'v, 'a>(
    view: &'v PartyView<'_, 'a>,
) -> impl Iterator<Item = (&'a str, &'a str, Roles, &'v MatrixCell<'a>)> + 'v {
    let m = view.matrix;
    view.entries.iter().filter_map(move |&(col, row, roles)| {
        Some((m.service_id(col), m.layer_id(row), roles, m.cell(row, col)?))
    })
}

fn control_ids(
    view: &PartyView<'_, '_>,
    cell: &MatrixCell<'_>,
    escape: fn(&str) -> String,
) -> String {
    let ids: Vec<String> = cell
        .controls
        .iter()
        .map(|c| {
            let id = escape(&view.matrix.program.controls[c.control].id);
            match c.status {
                Some(status) => format!("{id} {}", status.as_str()),
                None => id,
            }
        })
        .collect();
    ids.join(", ")
}

pub fn render_text(view: &PartyView<'_, '_>) -> String {
    let mut out = format!(
        "{} ({}): {}\n",
        terminal(view.name()),
        terminal(&view.describe()),
        view.summary()
    );
    if view.entries.is_empty() {
        return out;
    }
    let mut table = vec![vec![
        "service".to_string(),
        "layer".into(),
        "roles".into(),
        "cell".into(),
        "controls".into(),
    ]];
    for (service, layer, roles, cell) in rows(view) {
        table.push(vec![
            terminal(service).into_owned(),
            terminal(layer).into_owned(),
            roles_text(roles),
            cell_text(cell),
            control_ids(view, cell, |s| terminal(s).into_owned()),
        ]);
    }
    let widths: Vec<usize> = (0..5)
        .map(|i| {
            table
                .iter()
                .map(|r| r[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    out.push('\n');
    for line in &table {
        let cells: Vec<String> = line
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c}{}", " ".repeat(w - c.chars().count())))
            .collect();
        let _ = writeln!(out, "{}", cells.join("  ").trim_end());
    }
    if !view.matrix.evaluated {
        let _ = writeln!(out, "\nstatuses: give --facts to evaluate the controls");
    }
    out
}

pub fn render_markdown(view: &PartyView<'_, '_>) -> String {
    let mut out = format!(
        "## Responsibilities of {}\n\n{} — {}.\n",
        md(view.name()),
        md(&view.describe()),
        view.summary()
    );
    if view.entries.is_empty() {
        return out;
    }
    out.push_str("\n| service | layer | roles | cell | controls |\n|---|---|---|---|---|\n");
    for (service, layer, roles, cell) in rows(view) {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            md(service),
            md(layer),
            roles_text(roles),
            markdown_cell(cell),
            control_ids(view, cell, md)
        );
    }
    out
}

/// One box of the party flowchart: node suffix, heading, which entries it
/// holds, and its class.
type Group = (&'static str, &'static str, fn(Roles) -> bool, &'static str);

/// A flowchart: the party, each service it has a role in, and per service
/// the layers it decides, those it only operates, and those it only
/// answers for.
pub fn render_mermaid(view: &PartyView<'_, '_>) -> String {
    let mut out = String::from("flowchart LR\n");
    let _ = writeln!(
        out,
        "  %% onus: what {} decides, operates and answers for",
        mermaid(view.name())
    );
    super::mermaid::class_defs(&mut out);
    let _ = writeln!(
        out,
        "  party[\"{}<br/>{}\"]",
        mermaid(view.name()),
        mermaid(&view.describe())
    );
    let mut classes = vec![("party".to_string(), "service")];
    let m = view.matrix;
    let mut col_done: Vec<usize> = Vec::new();
    for &(col, _, _) in &view.entries {
        if col_done.contains(&col) {
            continue;
        }
        col_done.push(col);
        let service = format!("s{col}");
        let _ = writeln!(
            out,
            "  party --> {service}[\"{}<br/>{}\"]",
            mermaid(m.service_id(col)),
            mermaid(&m.made_of(col))
        );
        classes.push((service.clone(), "service"));
        let groups: [Group; 3] = [
            ("decides", "Decides", |r| r.decides, "customer"),
            (
                "operates",
                "Operates only",
                |r| r.operates && !r.decides,
                "shared",
            ),
            (
                "accountable",
                "Accountable only",
                |r| r.accountable && !r.decides && !r.operates,
                "provider",
            ),
        ];
        for (suffix, heading, wanted, class) in groups {
            let lines: Vec<String> = view
                .entries
                .iter()
                .filter(|(c, _, roles)| *c == col && wanted(*roles))
                .filter_map(|(_, row, _)| {
                    let cell = m.cell(*row, col)?;
                    let mut line =
                        format!("{}: {}", mermaid(m.layer_id(*row)), mermaid(cell.decider));
                    if let Some(op) = cell.operator {
                        let _ = write!(line, " → {}", mermaid(op));
                    }
                    let failing = cell.count(crate::check::program::Status::Fail)
                        + cell.count(crate::check::program::Status::Error);
                    if failing > 0 {
                        let _ = write!(line, " ✗{failing}");
                    }
                    Some(line)
                })
                .collect();
            if lines.is_empty() {
                continue;
            }
            let node = format!("{service}_{suffix}");
            let _ = writeln!(
                out,
                "  {service} --> {node}[\"{heading}<br/>{}\"]",
                lines.join("<br/>")
            );
            classes.push((node, class));
        }
    }
    for (node, class) in classes {
        let _ = writeln!(out, "  class {node} {class}");
    }
    out
}
