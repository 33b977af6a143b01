//! Hover: the occurrence under the cursor in, Markdown out. A layer in a
//! control or a service says who decides and operates it there and quotes
//! the model line that says so; a service shows its model and overrides; a
//! control its owner and, with facts, its last status; a built-in its
//! signature and documentation. Everything comes from the checked program.

use super::index::{Occurrence, Target, Within};
use super::workspace::Analysis;
use crate::builtins::Builtin;
use crate::check::program::{Cell, Decider, Program};
use crate::lexer::lines::lines;
use crate::source::Span;
use std::fmt::Write as _;

pub fn hover(analysis: &Analysis, occurrence: &Occurrence) -> String {
    let program = &analysis.session.program;
    let mut out = String::new();
    match &occurrence.target {
        Target::Layer(layer) => layer_hover(analysis, layer, &occurrence.within, &mut out),
        Target::Service(name) => service_hover(analysis, name, &mut out),
        Target::Model(name) => model_hover(analysis, name, &mut out),
        Target::Control(name) => control_hover(analysis, name, &mut out),
        Target::Party(name) => {
            if let Some(p) = program.parties.iter().find(|p| &p.id == name) {
                let _ = write!(out, "**party** `{}`", p.id);
                match (&p.span, p.kind.name()) {
                    (None, _) => out.push_str(" (built in)"),
                    (Some(_), kind) => {
                        let _ = write!(out, ": {kind}");
                    }
                }
                if let Some(to) = p.accountable_to {
                    let _ = write!(out, ", accountable to `{}`", program.party_name(to));
                }
                doc(&p.doc, &mut out);
            }
        }
        Target::Let(name) | Target::Fn(name) => {
            let kind = if matches!(occurrence.target, Target::Let(_)) {
                "let"
            } else {
                "fn"
            };
            let _ = write!(out, "**{kind}** `{name}`");
            if let Some(span) = analysis.index.definition(&occurrence.target) {
                quote(analysis, span, &mut out);
            }
        }
        Target::Local(name, span) => {
            let _ = write!(out, "**local** `{name}`");
            quote(analysis, *span, &mut out);
        }
        Target::Builtin(b) => builtin_hover(*b, &mut out),
    }
    out
}

/// The documentation of a built-in, as `onus help builtins` prints it.
fn builtin_hover(b: Builtin, out: &mut String) {
    let (example, value) = b.example();
    let _ = write!(
        out,
        "```onus\n{}\n```\n{}\n\nExample: `{example}` gives `{value}`",
        b.signature(),
        b.doc()
    );
}

fn doc(doc: &Option<String>, out: &mut String) {
    if let Some(d) = doc {
        let _ = write!(out, "\n\n{}", d.trim());
    }
}

/// The whole line that holds a span, as a code block, with where it is.
fn quote(analysis: &Analysis, span: Span, out: &mut String) {
    let file = analysis.session.sources.get(span.file);
    let (line, _) = file.line_col(span.start);
    let text = lines(&file.text).nth(line - 1).unwrap_or_default().trim();
    let _ = write!(out, "\n\n`{}:{line}`\n```onus\n{text}\n```", file.name);
}

/// Who decides, operates and (in a service) is accountable for one cell,
/// and the line that says so.
fn cell(analysis: &Analysis, cell: &Cell, accountable: Option<Decider>, out: &mut String) {
    let program = &analysis.session.program;
    let _ = write!(
        out,
        "\n- decides: **{}**\n- operates: {}",
        program.decider_name(cell.decider),
        program.decider_name(cell.operator())
    );
    if let Some(a) = accountable {
        let _ = write!(out, "\n- accountable: {}", program.decider_name(a));
    }
    let said = if cell.is_override {
        format!("overridden by service `{}`", cell.origin)
    } else {
        format!("said by model `{}`", cell.origin)
    };
    let _ = write!(out, "\n\n{said}:");
    quote(analysis, cell.span, out);
}

fn layer_hover(analysis: &Analysis, layer: &str, within: &Within, out: &mut String) {
    let program = &analysis.session.program;
    let Some(index) = program.layer(layer) else {
        return;
    };
    let l = &program.layers[index];
    let _ = write!(out, "**layer** `{layer}`");
    if let Some(d) = &l.description {
        let _ = write!(out, ": {d}");
    }
    let services: Vec<usize> = match within {
        Within::Control(c) => program
            .control(c)
            .map(|i| program.controls[i].services.clone())
            .unwrap_or_default(),
        Within::Service(s) => program.service(s).into_iter().collect(),
        Within::Model(m) => {
            if let Some(model) = program.models.iter().find(|x| &x.id == m)
                && let Some(c) = model.matrix.get(&index)
            {
                let _ = write!(out, "\n\nIn model `{m}`:");
                cell(analysis, c, None, out);
            }
            Vec::new()
        }
        Within::Other => Vec::new(),
    };
    for s in services {
        let service = &program.services[s];
        let _ = write!(out, "\n\nIn service `{}`", service.id);
        if let Some(m) = service.model {
            let _ = write!(out, " (model `{}`)", program.models[m].id);
        }
        out.push(':');
        match service.matrix.get(&index) {
            Some(r) => {
                if r.source != s {
                    let _ = write!(out, "\n- from its host `{}`", program.services[r.source].id);
                }
                cell(analysis, &r.cell, Some(r.accountable), out);
            }
            None => out.push_str("\n- no model assigns it (O001)"),
        }
    }
    doc(&l.doc, out);
}

fn service_hover(analysis: &Analysis, name: &str, out: &mut String) {
    let program = &analysis.session.program;
    let Some(s) = program.service(name).map(|i| &program.services[i]) else {
        return;
    };
    let _ = write!(out, "**service** `{}`", s.id);
    if let Some(model) = s.model.map(|m| &program.models[m]) {
        let _ = write!(out, ": model `{}`", model.id);
        if let Some(parent) = model.parent {
            let _ = write!(out, " (extends `{}`)", program.models[parent].id);
        }
    }
    if let Some(host) = s.host {
        let _ = write!(out, " on `{}`", program.services[host].id);
    }
    let overrides: Vec<(&usize, &Cell)> = s.own.iter().filter(|(_, c)| c.is_override).collect();
    if !overrides.is_empty() {
        out.push_str("\n\nOverrides:");
        for (layer, c) in overrides {
            let _ = write!(
                out,
                "\n- `{}`: {}",
                program.layers[*layer].id,
                assignment(program, c)
            );
        }
    }
    if !s.attrs.is_empty() {
        out.push_str("\n\nAttributes:");
        for (k, v) in &s.attrs {
            let _ = write!(out, "\n- `{k}` = `{}`", v.display());
        }
    }
    doc(&s.doc, out);
}

fn assignment(program: &Program, c: &Cell) -> String {
    let decider = program.decider_name(c.decider);
    match c.operated_by {
        Some(op) => format!("{decider} operated_by {}", program.party_name(op)),
        None => decider.to_string(),
    }
}

fn model_hover(analysis: &Analysis, name: &str, out: &mut String) {
    let program = &analysis.session.program;
    let Some(m) = program.models.iter().find(|m| m.id == name) else {
        return;
    };
    let _ = write!(out, "**model** `{}`", m.id);
    if let Some(parent) = m.parent {
        let _ = write!(out, " extends `{}`", program.models[parent].id);
    }
    if m.std {
        out.push_str(" (std)");
    }
    let _ = write!(out, ": {} layers assigned", m.matrix.len());
    doc(&m.doc, out);
}

fn control_hover(analysis: &Analysis, name: &str, out: &mut String) {
    let program: &Program = &analysis.session.program;
    let Some(c) = program.control(name).map(|i| &program.controls[i]) else {
        return;
    };
    let _ = write!(out, "**control** `{}`", c.id);
    let services: Vec<&str> = c
        .services
        .iter()
        .map(|s| program.services[*s].id.as_str())
        .collect();
    if let Some(layer) = c.layer {
        let _ = write!(
            out,
            " on `{}/{}`",
            services.join(", "),
            program.layers[layer].id
        );
    }
    let _ = write!(out, "\n- owner: **{}**", program.decider_name(c.owner));
    if c.explicit_owner.is_some() {
        out.push_str(" (claimed)");
    }
    if let Some(d) = c.decider {
        let _ = write!(out, "\n- decided by: {}", program.decider_name(d));
    }
    if let Some(op) = c.operator {
        let _ = write!(out, "\n- operated by: {}", program.decider_name(op));
    }
    if let Some(a) = c.accountable {
        let _ = write!(out, "\n- accountable: {}", program.decider_name(a));
    }
    let _ = write!(
        out,
        "\n- {} {}, {}",
        c.severity.name(),
        c.enforce.name(),
        if c.checked() {
            "checked"
        } else {
            "not checked"
        }
    );
    if let Some(status) = analysis.statuses().get(&c.id) {
        let _ = write!(out, "\n- last status: **{}**", status.as_str());
    }
    doc(&c.doc, out);
}
