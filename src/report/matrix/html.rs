//! The matrix as one self-contained HTML page. In: a `Matrix`. Out: a page
//! with inline CSS only (no scripts, fonts or images from anywhere), whose
//! matrix is a `<table>`: a colour per decider, a legend, failing cells
//! outlined in red, and doc comments and descriptions as `title` tooltips;
//! a cell whose controls failed or erred lists those subjects (keys and
//! messages) in a `<details>` that opens without scripts, each linked to its
//! control's row below, where every control has its owner and status. The
//! matrix scrolls sideways in its own box rather than break words to fit a
//! narrow window. One party's view
//! (`--party`) is a page with a table of its layers, coloured the same way.
//!
//! Invariants: every name, doc comment and description is escaped with
//! `escape::xml` (text and attributes alike); the page is also well-formed
//! XML (void elements self-closed, no named entities), which the tests use
//! to check that hostile names cannot break its structure.

use super::{DeciderClass, Matrix, MatrixCell, ORDER, PartyView};
use crate::check::program::{Control, Status};
use crate::escape::xml as esc;
use std::collections::BTreeMap;
use std::fmt::Write;

const STYLE: &str = r#"
:root {
  --ink: #111827; --muted: #6b7280; --line: #e5e7eb;
  --provider: #dbeafe; --provider-ink: #1e3a8a; --provider-edge: #93c5fd;
  --shared: #ede9fe; --shared-ink: #4c1d95; --shared-edge: #c4b5fd;
  --customer: #fef3c7; --customer-ink: #78350f; --customer-edge: #fcd34d;
  --none: #f3f4f6; --none-ink: #6b7280; --none-edge: #d1d5db;
  --unassigned: #ffffff; --unassigned-ink: #991b1b; --unassigned-edge: #f87171;
  --team: #dcfce7; --team-ink: #14532d; --team-edge: #86efac;
  --third_party: #ffe4e6; --third_party-ink: #881337; --third_party-edge: #fda4af;
  --fail: #dc2626; --error: #c026d3; --pass: #15803d; --waived: #a16207;
}
* { box-sizing: border-box; }
body { margin: 24px 28px; color: var(--ink); background: #fff;
  font: 13px/1.35 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
h1 { font-size: 20px; margin: 0 0 2px; }
h2 { font-size: 15px; margin: 28px 0 8px; }
.sub { color: var(--muted); margin: 0 0 14px; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
.bar { display: flex; flex-wrap: wrap; gap: 6px 18px; align-items: center; margin: 0 0 12px; padding: 0; list-style: none; }
.bar li { display: flex; align-items: center; gap: 6px; }
.bar .label { font-weight: 600; }
.swatch { display: inline-block; width: 22px; height: 14px; border-radius: 3px; border: 1px solid; }
.chip { display: inline-block; padding: 1px 8px; border-radius: 999px; font-weight: 600; font-size: 12px; color: #fff; }
.scroll { max-width: 100%; overflow-x: auto; }
table.matrix { border-collapse: separate; border-spacing: 3px; }
.matrix th { text-align: left; font-weight: 600; padding: 4px 8px; white-space: nowrap; }
.matrix thead th { vertical-align: bottom; border-bottom: 2px solid var(--line); }
.matrix thead .model { font-weight: 400; color: var(--muted); }
.matrix tbody th { white-space: nowrap; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; font-weight: 500; }
.matrix tbody th { position: sticky; left: 0; z-index: 1; background: #fff; }
.matrix tr.group th { font-family: inherit; font-size: 11px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); padding-top: 10px; }
td.cell { padding: 3px 8px; border-radius: 5px; border: 1px solid; vertical-align: middle; min-width: 10em; }
td.d-provider { background: var(--provider); color: var(--provider-ink); border-color: var(--provider-edge); }
td.d-shared { background: var(--shared); color: var(--shared-ink); border-color: var(--shared-edge); }
td.d-customer { background: var(--customer); color: var(--customer-ink); border-color: var(--customer-edge); }
td.d-none { background: repeating-linear-gradient(135deg, #f9fafb 0 6px, var(--none) 6px 12px); color: var(--none-ink); border-color: var(--none-edge); }
td.d-team { background: var(--team); color: var(--team-ink); border-color: var(--team-edge); }
td.d-third_party { background: var(--third_party); color: var(--third_party-ink); border-color: var(--third_party-edge); }
td.d-unassigned { background: var(--unassigned); color: var(--unassigned-ink); border: 1px dashed var(--unassigned-edge); }
td.d-unassigned.unused { color: var(--muted); border-color: var(--none-edge); font-weight: 400; }
td.failing { box-shadow: inset 0 0 0 3px var(--fail); }
.who { font-weight: 650; white-space: nowrap; }
details.subjects { margin-top: 2px; font-size: 11px; }
details.subjects summary { cursor: pointer; font-weight: 600; color: var(--fail); }
details.subjects ul { margin: 2px 0 0; padding-left: 14px; max-width: 30em; overflow-wrap: break-word; }
details.subjects ul ul { padding-left: 10px; }
details.subjects a { color: inherit; }
.controls tr:target { background: #fef2f2; }
.op, .ovr, .acc, .from { font-size: 11px; opacity: .9; margin-left: 6px; white-space: nowrap; }
.from { font-style: italic; }
.ovr { font-style: italic; }
.ctl { margin-top: 1px; font-size: 11px; display: flex; flex-wrap: wrap; gap: 3px; align-items: center; }
.badge { display: inline-block; padding: 0 6px; border-radius: 999px; font-size: 11px; font-weight: 600; color: #fff; }
.s-fail { background: var(--fail); } .s-error { background: var(--error); } .s-pass { background: var(--pass); }
.s-waived { background: var(--waived); } .s-inherited { background: #2563eb; } .s-unverified { background: #d97706; }
.s-unevaluated { background: #9ca3af; } .s-attested { background: #0f766e; }
table.controls { border-collapse: collapse; min-width: 60%; }
table.controls .mono { white-space: nowrap; }
.controls th, .controls td { text-align: left; padding: 4px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
.controls th { font-size: 12px; color: var(--muted); font-weight: 600; }
footer { margin-top: 24px; color: var(--muted); font-size: 11px; }
"#;

/// Each control's status, once (a control on several services appears in
/// several cells).
fn control_statuses(m: &Matrix<'_>) -> BTreeMap<usize, Status> {
    m.cells
        .iter()
        .flat_map(|cell| cell.controls.iter())
        .filter_map(|c| c.status.map(|s| (c.control, s)))
        .collect()
}

fn badge(status: Status, text: &str) -> String {
    format!(
        "<span class=\"badge s-{}\">{}</span>",
        status.as_str(),
        esc(text)
    )
}

/// The doc comment, or the title, of a control: its tooltip text.
fn control_doc(c: &Control) -> &str {
    c.doc.as_deref().or(c.title.as_deref()).unwrap_or("")
}

fn cell_tooltip(m: &Matrix<'_>, row: usize, col: usize, cell: &MatrixCell<'_>) -> String {
    let mut tip = format!(
        "{} · {}\n{}: {}",
        m.service_id(col),
        m.layer_id(row),
        cell.decider,
        cell.class.meaning()
    );
    if let Some(op) = cell.operator {
        let _ = write!(tip, "\noperated by {op}");
    }
    if let Some(a) = cell.accountable {
        let _ = write!(tip, "\naccountable: {a}");
    }
    if let Some(r) = cell.resolved {
        if let Some(host) = cell.inherited_from {
            let tier: Vec<&str> = m
                .program
                .tier(cell.service, r)
                .iter()
                .map(|s| m.program.services[*s].id.as_str())
                .collect();
            let _ = write!(tip, "\ninherited from host {host} ({})", tier.join(" on "));
        }
        if r.cell.is_override {
            let _ = write!(
                tip,
                "\noverride: set by service {}, not by its model",
                r.cell.origin
            );
        } else {
            let _ = write!(tip, "\nfrom model {}", r.cell.origin);
        }
    }
    if !cell.controls.is_empty() {
        tip.push_str("\n\ncontrols:");
        for cc in &cell.controls {
            let control = &m.program.controls[cc.control];
            let status = cc
                .status
                .map(|s| format!(" — {}", s.as_str()))
                .unwrap_or_default();
            let doc = control_doc(control).lines().next().unwrap_or_default();
            let _ = write!(tip, "\n• {}{status}", control.id);
            if !doc.is_empty() {
                let _ = write!(tip, ": {doc}");
            }
        }
    }
    tip
}

/// One cell; `linked`: the page has the controls table its subjects link to.
fn write_cell(
    out: &mut String,
    m: &Matrix<'_>,
    (row, col): (usize, usize),
    cell: &MatrixCell<'_>,
    linked: bool,
) {
    let class = cell.class.name();
    let failing = if cell.failing() { " failing" } else { "" };
    // A custom layer is assigned only where a service uses it.
    let unused = if cell.resolved.is_none() && !m.program.layers[cell.layer].std {
        " unused"
    } else {
        ""
    };
    let _ = write!(
        out,
        "<td class=\"cell d-{class}{failing}{unused}\" title=\"{}\"><span class=\"who\">{}</span>",
        esc(&cell_tooltip(m, row, col, cell)),
        esc(cell.decider)
    );
    if let Some(op) = cell.operator {
        let _ = write!(out, "<span class=\"op\">operated by {}</span>", esc(op));
    }
    if let Some(a) = cell.accountable {
        let _ = write!(out, "<span class=\"acc\">accountable: {}</span>", esc(a));
    }
    if cell.is_override() {
        out.push_str("<span class=\"ovr\">✎ override</span>");
    }
    if let Some(host) = cell.inherited_from {
        let _ = write!(out, "<span class=\"from\">from {}</span>", esc(host));
    }
    if !cell.controls.is_empty() {
        let n = cell.controls.len();
        let _ = write!(
            out,
            "<div class=\"ctl\"><span>{n} control{}</span>",
            if n == 1 { "" } else { "s" }
        );
        for (status, count) in cell.status_counts() {
            out.push_str(&badge(status, &format!("{count} {}", status.as_str())));
        }
        out.push_str("</div>");
        write_failing_subjects(out, m, cell, linked);
    }
    out.push_str("</td>");
}

/// At most this many subjects of one control are listed in a cell; the
/// rest are counted (the report lists them all).
const SUBJECTS_PER_CONTROL: usize = 10;

/// A failing subject: key, pointer and message.
type Failing = (String, Option<String>, String);

/// A control's failing subjects (violations not waived) and erring ones
/// (errors no attestation vouches for): the first `SUBJECTS_PER_CONTROL`,
/// and how many there are.
fn failing_subjects(m: &Matrix<'_>, control: usize) -> (Vec<Failing>, usize) {
    let Some(result) = m.results.and_then(|r| r.get(control)) else {
        return (Vec::new(), 0);
    };
    let mut listed = Vec::new();
    let mut count = 0;
    let mut list = |failing: &dyn Fn() -> Failing| {
        if listed.len() < SUBJECTS_PER_CONTROL {
            listed.push(failing());
        }
        count += 1;
    };
    for v in result.violations.iter().filter(|v| !v.waived) {
        list(&|| (v.key.clone(), v.pointer.clone(), v.message.clone()));
    }
    for e in result.errors.iter().filter(|e| !e.attested) {
        list(&|| (e.key.clone(), e.pointer.clone(), e.message.clone()));
    }
    (listed, count)
}

/// The anchor of a control's row in the controls table.
fn control_anchor(id: &str) -> String {
    format!("control-{}", esc(id))
}

/// `<details>` listing, control by control, the subjects that failed or
/// erred in this cell, each control linked to its row when `linked`;
/// nothing when none did.
fn write_failing_subjects(out: &mut String, m: &Matrix<'_>, cell: &MatrixCell<'_>, linked: bool) {
    let per_control: Vec<(&Control, (Vec<Failing>, usize))> = cell
        .controls
        .iter()
        .filter(|cc| matches!(cc.status, Some(Status::Fail | Status::Error)))
        .map(|cc| {
            (
                &m.program.controls[cc.control],
                failing_subjects(m, cc.control),
            )
        })
        .filter(|(_, (_, count))| *count > 0)
        .collect();
    let total: usize = per_control.iter().map(|(_, (_, count))| count).sum();
    if total == 0 {
        return;
    }
    let _ = write!(
        out,
        "<details class=\"subjects\"><summary>{total} failing subject{}</summary><ul>",
        if total == 1 { "" } else { "s" }
    );
    for (control, (listed, count)) in per_control {
        let name = format!("<code>{}</code>", esc(&control.id));
        if linked {
            let anchor = control_anchor(&control.id);
            let _ = write!(out, "<li><a href=\"#{anchor}\">{name}</a><ul>");
        } else {
            let _ = write!(out, "<li>{name}<ul>");
        }
        for (key, pointer, message) in &listed {
            let at = pointer
                .as_deref()
                .map_or(String::new(), |p| format!(" title=\"{}\"", esc(p)));
            let _ = write!(
                out,
                "<li><code{at}>{}</code>: {}</li>",
                esc(key),
                esc(message)
            );
        }
        if count > listed.len() {
            let _ = write!(out, "<li>… and {} more</li>", count - listed.len());
        }
        out.push_str("</ul></li>");
    }
    out.push_str("</ul></details>");
}

fn write_legend(out: &mut String, m: &Matrix<'_>) {
    out.push_str("<ul class=\"bar legend\">");
    let party_classes = m.party_classes();
    for class in DeciderClass::ALL {
        let two_party = !matches!(class, DeciderClass::Team | DeciderClass::ThirdParty);
        if !two_party && !party_classes.contains(&class) {
            continue;
        }
        let name = class.name();
        let _ = write!(
            out,
            "<li title=\"{}\"><span class=\"swatch\" style=\"background: var(--{name}); border-color: var(--{name}-edge)\"></span>{}</li>",
            esc(class.meaning()),
            name.replace('_', " ")
        );
    }
    out.push_str("<li><span class=\"swatch\" style=\"border: 3px solid var(--fail)\"></span>failing or erroring control</li>");
    out.push_str("<li>✎ the service overrides its model</li>");
    if m.has_inherited() {
        out.push_str("<li><i>from S</i>: inherited from host S (<code>on</code>)</li>");
    }
    if !m.evaluated {
        out.push_str(
            "<li class=\"sub\">statuses appear when facts are given (<code>--facts</code>)</li>",
        );
    }
    out.push_str("</ul>\n");
}

fn write_summary(out: &mut String, statuses: &BTreeMap<usize, Status>) {
    let _ = write!(
        out,
        "<ul class=\"bar summary\"><li class=\"label\">{} control{}:</li>",
        statuses.len(),
        if statuses.len() == 1 { "" } else { "s" }
    );
    for status in ORDER {
        let n = statuses.values().filter(|s| **s == status).count();
        if n > 0 {
            let _ = write!(
                out,
                "<li>{}</li>",
                badge(status, &format!("{n} {}", status.as_str()))
            );
        }
    }
    out.push_str("</ul>\n");
}

fn write_matrix(out: &mut String, m: &Matrix<'_>) {
    out.push_str(
        "<div class=\"scroll\">\n<table class=\"matrix\">\n<thead><tr><th scope=\"col\">layer</th>",
    );
    for col in 0..m.columns.len() {
        let service = &m.program.services[m.columns[col]];
        let tip = service.doc.as_deref().unwrap_or("");
        let _ = write!(
            out,
            "<th scope=\"col\" title=\"{}\"><div>{}</div><div class=\"model\">{}</div></th>",
            esc(tip),
            esc(m.service_id(col)),
            esc(&m.made_of(col))
        );
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    let has_custom = m.rows.iter().any(|l| !m.program.layers[*l].std);
    let mut in_custom = false;
    for row in 0..m.rows.len() {
        let layer = &m.program.layers[m.rows[row]];
        if has_custom && !layer.std && !in_custom {
            in_custom = true;
            let _ = writeln!(
                out,
                "<tr class=\"group\"><th colspan=\"{}\">custom layers</th></tr>",
                m.columns.len() + 1
            );
        }
        let tip: Vec<&str> = [layer.description.as_deref(), layer.doc.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        let _ = write!(
            out,
            "<tr><th scope=\"row\" title=\"{}\">{}</th>",
            esc(&tip.join("\n\n")),
            esc(&layer.id)
        );
        for col in 0..m.columns.len() {
            if let Some(cell) = m.cell(row, col) {
                write_cell(out, m, (row, col), cell, true);
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n</div>\n");
}

fn write_controls(out: &mut String, m: &Matrix<'_>, statuses: &BTreeMap<usize, Status>) {
    if m.program.controls.is_empty() {
        return;
    }
    out.push_str("<h2>Controls</h2>\n<div class=\"scroll\">\n<table class=\"controls\">\n<thead><tr><th>control</th><th>service · layer</th><th>owner</th><th>decided by</th><th>severity</th>");
    if m.evaluated {
        out.push_str("<th>status</th>");
    }
    out.push_str("<th>what it says</th></tr></thead>\n<tbody>\n");
    for (index, c) in m.program.controls.iter().enumerate() {
        let services: Vec<&str> = c
            .services
            .iter()
            .map(|s| m.program.services[*s].id.as_str())
            .collect();
        let layer = c.layer.map_or("", |l| m.program.layers[l].id.as_str());
        let _ = write!(
            out,
            "<tr id=\"{}\"><td class=\"mono\" title=\"{}\">{}</td><td>{} · {}</td><td>{}</td><td>{}</td><td>{} {}</td>",
            control_anchor(&c.id),
            esc(control_doc(c)),
            esc(&c.id),
            esc(&services.join(", ")),
            esc(layer),
            esc(m.program.decider_name(c.owner)),
            esc(c
                .decider
                .map_or("unassigned", |d| m.program.decider_name(d))),
            c.severity.name(),
            c.enforce.name()
        );
        if m.evaluated {
            let status = statuses
                .get(&index)
                .map_or(String::new(), |s| badge(*s, s.as_str()));
            let _ = write!(out, "<td>{status}</td>");
        }
        let says = c
            .title
            .as_deref()
            .or(c.doc.as_deref())
            .and_then(|d| d.lines().next())
            .unwrap_or("");
        let _ = writeln!(out, "<td>{}</td></tr>", esc(says));
    }
    out.push_str("</tbody>\n</table>\n</div>\n");
}

/// One page: the head with its inline style, a title, then `body`.
fn page(title: &str, body: impl FnOnce(&mut String)) -> String {
    let mut out = String::with_capacity(32 * 1024);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n");
    let _ = writeln!(
        out,
        "<meta name=\"generator\" content=\"onus {}\" />",
        env!("CARGO_PKG_VERSION")
    );
    let _ = write!(out, "<title>{}</title>\n<style>", esc(title));
    out.push_str(STYLE);
    out.push_str("</style>\n</head>\n<body>\n");
    body(&mut out);
    let _ = writeln!(
        out,
        "<footer>generated by onus {}</footer>",
        env!("CARGO_PKG_VERSION")
    );
    out.push_str("</body>\n</html>\n");
    out
}

pub fn render(m: &Matrix<'_>) -> String {
    page("Shared responsibility matrix", |out| {
        let services = m.columns.len();
        let _ = writeln!(
            out,
            "<h1>Shared responsibility matrix</h1>\n<p class=\"sub\">{services} service{} × {} layers — who can decide and change each layer{}</p>",
            if services == 1 { "" } else { "s" },
            m.rows.len(),
            if m.evaluated {
                ", and how its controls fared against the facts"
            } else {
                ""
            }
        );
        let statuses = control_statuses(m);
        if m.evaluated {
            write_summary(out, &statuses);
        }
        write_legend(out, m);
        if services == 0 {
            out.push_str("<p>No services are loaded: declare <code>service NAME: MODEL { }</code> to see its matrix.</p>\n");
        } else {
            write_matrix(out, m);
        }
        write_controls(out, m, &statuses);
    })
}

/// `--party NAME --format html`: one row per layer the party decides,
/// operates or answers for, service by service, coloured by decider.
pub fn render_party(view: &PartyView<'_, '_>) -> String {
    let m = view.matrix;
    let name = view.name();
    page(&format!("Responsibilities of {name}"), |out| {
        let _ = writeln!(
            out,
            "<h1>Responsibilities of {}</h1>\n<p class=\"sub\">{} — {}</p>",
            esc(name),
            esc(&view.describe()),
            esc(&view.summary())
        );
        if view.entries.is_empty() {
            let _ = writeln!(
                out,
                "<p>{} decides, operates and answers for no layer of the loaded services.</p>",
                esc(name)
            );
            return;
        }
        out.push_str("<table class=\"controls party\">\n<thead><tr><th>service</th><th>layer</th><th>decides</th><th>operates</th><th>accountable</th><th>cell</th><th>controls</th></tr></thead>\n<tbody>\n");
        for &(col, row, roles) in &view.entries {
            let Some(cell) = m.cell(row, col) else {
                continue;
            };
            let tick = |has: bool| if has { "✓" } else { "" };
            let _ = write!(
                out,
                "<tr><td>{}</td><td class=\"mono\">{}</td><td>{}</td><td>{}</td><td>{}</td>",
                esc(m.service_id(col)),
                esc(m.layer_id(row)),
                tick(roles.decides),
                tick(roles.operates),
                tick(roles.accountable)
            );
            write_cell(out, m, (row, col), cell, false);
            out.push_str("<td>");
            for cc in &cell.controls {
                let control = &m.program.controls[cc.control];
                match cc.status {
                    Some(status) => out.push_str(&badge(status, &control.id)),
                    None => {
                        let _ = write!(out, "<code>{}</code> ", esc(&control.id));
                    }
                }
            }
            out.push_str("</td></tr>\n");
        }
        out.push_str("</tbody>\n</table>\n");
    })
}
