//! The matrix as a terminal grid (`text`) and as a Markdown table
//! (`markdown`). In: a `Matrix`. Out: one row per layer, one column per
//! service, each cell `DECIDER[→OPERATOR][(ACCOUNTABLE)][*][@HOST] [N
//! controls with status marks]`, then a legend. Names are terminal- or
//! Markdown-escaped.

use super::{Matrix, MatrixCell};
use crate::check::program::Status;
use crate::escape::{markdown as md, terminal};
use std::fmt::Write;

fn mark(status: Status) -> &'static str {
    match status {
        Status::Pass => "✓",
        Status::Fail => "✗",
        Status::Error => "!",
        Status::Waived => "~",
        Status::Inherited => "↑",
        Status::Unverified => "?",
        Status::Unevaluated => "·",
        Status::Attested => "✎",
    }
}

/// `DECIDER[→OPERATOR][(ACCOUNTABLE)][*][@HOST] [N marks]`.
pub(super) fn cell_text(cell: &MatrixCell<'_>) -> String {
    let mut s = terminal(cell.decider).into_owned();
    if let Some(op) = cell.operator {
        let _ = write!(s, "→{}", terminal(op));
    }
    if let Some(a) = cell.accountable {
        let _ = write!(s, "({})", terminal(a));
    }
    if cell.is_override() {
        s.push('*');
    }
    if let Some(host) = cell.inherited_from {
        let _ = write!(s, "@{}", terminal(host));
    }
    if !cell.controls.is_empty() {
        let _ = write!(s, " [{}", cell.controls.len());
        for (status, n) in cell.status_counts() {
            let _ = write!(s, " {}{n}", mark(status));
        }
        s.push(']');
    }
    s
}

fn width(s: &str) -> usize {
    s.chars().count()
}

fn pad(s: &str, to: usize) -> String {
    format!("{s}{}", " ".repeat(to.saturating_sub(width(s))))
}

pub fn render_text(m: &Matrix<'_>) -> String {
    let mut out = String::new();
    if m.columns.is_empty() {
        out.push_str(
            "no services are loaded: declare `service NAME: MODEL { }` to see its matrix\n",
        );
        return out;
    }
    // Columns: the layer names, then one per service.
    let mut table: Vec<Vec<String>> = Vec::new();
    let mut header = vec!["layer".to_string()];
    let mut models = vec![String::new()];
    for col in 0..m.columns.len() {
        header.push(terminal(m.service_id(col)).into_owned());
        models.push(format!("({})", terminal(&m.made_of(col))));
    }
    table.push(header);
    table.push(models);
    for row in 0..m.rows.len() {
        let mut line = vec![terminal(m.layer_id(row)).into_owned()];
        for col in 0..m.columns.len() {
            line.push(m.cell(row, col).map(cell_text).unwrap_or_default());
        }
        table.push(line);
    }
    let widths: Vec<usize> = (0..=m.columns.len())
        .map(|i| {
            table
                .iter()
                .map(|r| r.get(i).map_or(0, |c| width(c)))
                .max()
                .unwrap_or(0)
        })
        .collect();
    for line in &table {
        let cells: Vec<String> = line.iter().zip(&widths).map(|(c, w)| pad(c, *w)).collect();
        let _ = writeln!(out, "{}", cells.join("  ").trim_end());
    }
    let _ = writeln!(out, "\n{}", legend(m));
    if m.evaluated {
        let attested = m.cells.iter().any(|c| c.count(Status::Attested) > 0);
        let _ = writeln!(
            out,
            "✓ pass  ✗ fail  ! error  ~ waived  ↑ inherited  ? unverified{}",
            if attested { "  ✎ attested" } else { "" }
        );
    } else {
        let _ = writeln!(out, "statuses: give --facts to evaluate the controls");
    }
    out
}

/// What the marks of a text cell mean; the party marks only when used.
fn legend(m: &Matrix<'_>) -> String {
    let mut legend = String::from("A→B: A decides, B operates");
    if m.has_accountable() {
        legend.push_str(" · (C): C is accountable");
    }
    legend.push_str(" · *: the service overrides its model");
    if m.has_inherited() {
        legend.push_str(" · @S: inherited from host S");
    }
    legend.push_str(" · [N]: controls on the cell");
    legend
}

fn status_words(cell: &MatrixCell<'_>) -> String {
    let parts: Vec<String> = cell
        .status_counts()
        .into_iter()
        .map(|(status, n)| {
            let icon = match status {
                Status::Fail => "❌ ",
                Status::Error => "⚠️ ",
                _ => "",
            };
            format!("{icon}{n} {}", status.as_str())
        })
        .collect();
    parts.join(", ")
}

pub(super) fn markdown_cell(cell: &MatrixCell<'_>) -> String {
    let mut s = md(cell.decider);
    if let Some(op) = cell.operator {
        let _ = write!(s, " → {}", md(op));
    }
    if cell.failing() {
        s = format!("**{s}**");
    }
    if cell.is_override() {
        s.push_str(" ✎");
    }
    if let Some(a) = cell.accountable {
        let _ = write!(s, "<br>accountable: {}", md(a));
    }
    if let Some(host) = cell.inherited_from {
        let _ = write!(s, "<br>from {}", md(host));
    }
    if !cell.controls.is_empty() {
        let n = cell.controls.len();
        let _ = write!(s, "<br>{n} control{}", if n == 1 { "" } else { "s" });
        let statuses = status_words(cell);
        if !statuses.is_empty() {
            let _ = write!(s, ": {statuses}");
        }
    }
    s
}

pub fn render_markdown(m: &Matrix<'_>) -> String {
    let mut out = String::from("## Shared responsibility matrix\n\n");
    if m.columns.is_empty() {
        out.push_str("No services are loaded.\n");
        return out;
    }
    out.push_str("| layer |");
    for col in 0..m.columns.len() {
        let _ = write!(
            out,
            " {}<br>*{}* |",
            md(m.service_id(col)),
            md(&m.made_of(col))
        );
    }
    out.push_str("\n|---|");
    out.push_str(&"---|".repeat(m.columns.len()));
    out.push('\n');
    for row in 0..m.rows.len() {
        let _ = write!(out, "| {} |", md(m.layer_id(row)));
        for col in 0..m.columns.len() {
            let _ = write!(
                out,
                " {} |",
                m.cell(row, col).map(markdown_cell).unwrap_or_default()
            );
        }
        out.push('\n');
    }
    out.push_str(
        "\n**provider** / **customer**: who decides and can change the layer; **shared**: both; **none**: the layer does not exist; \
         **unassigned**: nothing assigns it. A → B: A decides, B operates. ✎: the service overrides its model.",
    );
    if m.has_accountable() || m.has_inherited() {
        out.push_str(
            " Accountable: who answers for the layer, when not its decider. From: the host the layer is inherited from.",
        );
    }
    if m.evaluated {
        out.push_str(" Failing cells are in bold.\n");
    } else {
        out.push_str(" Give `--facts` to see the controls' statuses.\n");
    }
    out
}
