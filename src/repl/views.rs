//! Read-only views of the checked program for the REPL: `:controls`,
//! `:services`, `:owner` and `:matrix`. A `Program` in, aligned plain text
//! out; everything taken from policies is escaped for the terminal.

use crate::check::program::{Decider, Program, Resolved, Service};
use crate::escape::terminal;
use std::fmt::Write as _;

/// Left-aligned columns separated by two spaces, without trailing blanks.
fn table(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (cell, width) in row.iter().zip(&widths) {
            let _ = write!(line, "{cell:<width$}  ");
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The first line of a doc comment, escaped.
fn doc_line(doc: Option<&str>) -> Option<String> {
    doc.and_then(|d| d.lines().map(str::trim).find(|l| !l.is_empty()))
        .map(|l| terminal(l).into_owned())
}

/// The names of a control's services, `-` for none.
fn services_of(program: &Program, services: &[usize]) -> String {
    if services.is_empty() {
        return "-".into();
    }
    let names: Vec<&str> = services
        .iter()
        .map(|&s| program.services[s].id.as_str())
        .collect();
    names.join(",")
}

pub fn controls(program: &Program) -> String {
    if program.controls.is_empty() {
        return "no controls declared\n".into();
    }
    let mut rows = Vec::new();
    for c in &program.controls {
        let layer = c.layer.map_or("-", |l| program.layers[l].id.as_str());
        let mut row = vec![
            terminal(&c.id).into_owned(),
            format!("{}/{layer}", services_of(program, &c.services)),
            format!("owner {}", terminal(program.decider_name(c.owner))),
            c.severity.name().to_string(),
            c.enforce.name().to_string(),
            if c.checked() { "checked" } else { "no check" }.to_string(),
        ];
        if let Some(doc) = doc_line(c.doc.as_deref().or(c.title.as_deref())) {
            row.push(format!("-- {doc}"));
        }
        rows.push(row);
    }
    table(&rows)
}

pub fn services(program: &Program) -> String {
    if program.services.is_empty() {
        return "no services declared\n".into();
    }
    let mut rows = Vec::new();
    for s in &program.services {
        let attrs: Vec<String> = s
            .attrs
            .iter()
            .map(|(k, v)| format!("{k}={}", terminal(&v.to_json().to_string())))
            .collect();
        let overrides: Vec<&str> = s
            .own
            .iter()
            .filter(|(_, cell)| cell.is_override)
            .map(|(&l, _)| program.layers[l].id.as_str())
            .collect();
        let made_of: Vec<String> = s
            .model
            .map(|m| format!("model {}", program.models[m].id))
            .into_iter()
            .chain(s.host.map(|h| format!("on {}", program.services[h].id)))
            .collect();
        let mut row = vec![s.id.clone(), made_of.join(" "), attrs.join(" ")];
        if s.tenant != crate::check::program::PartyId::CUSTOMER {
            row.push(format!("tenant {}", terminal(program.party_name(s.tenant))));
        }
        if !overrides.is_empty() {
            row.push(format!("overrides {}", overrides.join(",")));
        }
        if let Some(doc) = doc_line(s.doc.as_deref()) {
            row.push(format!("-- {doc}"));
        }
        rows.push(row);
    }
    table(&rows)
}

/// Where a resolved assignment was made: the model, the service's
/// override, or either on the host it was inherited from.
fn origin(program: &Program, service: usize, r: &Resolved) -> String {
    let said = if r.cell.is_override {
        format!("override in service {}", r.cell.origin)
    } else {
        format!("model {}", r.cell.origin)
    };
    if r.source == service {
        return said;
    }
    let tier: Vec<&str> = program
        .tier(service, r)
        .iter()
        .map(|s| program.services[*s].id.as_str())
        .collect();
    format!("{said}, inherited through {}", tier.join(" on "))
}

/// What a service is built from: `model vendor_db extends
/// managed_database`, then `on HOST` when it has a host.
fn lineage(program: &Program, service: &Service) -> String {
    let mut chain = Vec::new();
    let mut at = service.model;
    while let Some(m) = at.filter(|_| chain.len() <= program.models.len()) {
        chain.push(program.models[m].id.as_str());
        at = program.models[m].parent;
    }
    let mut out = if chain.is_empty() {
        String::new()
    } else {
        format!("model {}", chain.join(" extends "))
    };
    if let Some(h) = service.host {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&format!("on {}", program.services[h].id));
    }
    out
}

/// `:owner SERVICE [LAYER]`: who decides, who operates, and from where.
pub fn owner(program: &Program, service: usize, layer: Option<usize>) -> String {
    let s = &program.services[service];
    let name = |d: Decider| terminal(program.decider_name(d)).into_owned();
    let mut out = String::new();
    if let Some(l) = layer {
        let layer_id = &program.layers[l].id;
        match s.matrix.get(&l) {
            Some(r) => {
                let _ = writeln!(out, "{} {layer_id}", s.id);
                let _ = writeln!(out, "  decided by   {}", name(r.decider()));
                let _ = writeln!(out, "  operated by  {}", name(r.operator()));
                if r.accountable != r.decider() {
                    let _ = writeln!(out, "  accountable  {}", name(r.accountable));
                }
                let _ = writeln!(out, "  from         {}", origin(program, service, r));
            }
            None => {
                let _ = writeln!(
                    out,
                    "{} {layer_id}: unassigned ({} does not assign it)",
                    s.id,
                    lineage(program, s)
                );
            }
        }
        return out;
    }
    let _ = writeln!(out, "service {}: {}", s.id, lineage(program, s));
    if let Some(doc) = doc_line(s.doc.as_deref()) {
        let _ = writeln!(out, "  {doc}");
    }
    let mut rows = vec![vec![
        "layer".to_string(),
        "decider".into(),
        "operator".into(),
        "from".into(),
    ]];
    for (l, layer) in program.layers.iter().enumerate() {
        match s.matrix.get(&l) {
            Some(r) => {
                let mut operator = name(r.operator());
                if r.accountable != r.decider() {
                    operator.push_str(&format!(" (accountable {})", name(r.accountable)));
                }
                rows.push(vec![
                    layer.id.clone(),
                    name(r.decider()),
                    operator,
                    origin(program, service, r),
                ])
            }
            None if layer.std => rows.push(vec![layer.id.clone(), "unassigned".into()]),
            None => {}
        }
    }
    out.push_str(&table(&rows));
    out
}

/// `:matrix`: one row per layer, one column per service; a cell is the
/// decider, `*` marks a service's override, `/party` who operates it,
/// `@host` the host it was inherited from.
pub fn matrix(program: &Program, services: &[usize]) -> String {
    if services.is_empty() {
        return "no services declared\n".into();
    }
    let mut header = vec!["layer".to_string()];
    header.extend(services.iter().map(|&s| program.services[s].id.clone()));
    let mut rows = vec![header];
    let mut inherited = false;
    for (l, layer) in program.layers.iter().enumerate() {
        let cells: Vec<Option<(usize, &Resolved)>> = services
            .iter()
            .map(|&s| program.services[s].matrix.get(&l).map(|r| (s, r)))
            .collect();
        if !layer.std && cells.iter().all(Option::is_none) {
            continue;
        }
        let mut row = vec![layer.id.clone()];
        row.extend(cells.into_iter().map(|cell| match cell {
            None => "-".to_string(),
            Some((s, r)) => {
                let mut text = terminal(program.decider_name(r.decider())).into_owned();
                // Only the service's own override: an inherited one is its host's.
                if r.cell.is_override && r.source == s {
                    text.push('*');
                }
                if let Some(op) = r.cell.operated_by {
                    let _ = write!(text, "/{}", terminal(program.party_name(op)));
                }
                if r.source != s {
                    inherited = true;
                    let _ = write!(text, "@{}", terminal(&program.services[r.source].id));
                }
                text
            }
        }));
        rows.push(row);
    }
    let mut out = table(&rows);
    out.push_str(if inherited {
        "(* the service overrides its model; /party operates the layer; @host inherited from it; - unassigned)\n"
    } else {
        "(* the service overrides its model; /party operates the layer; - unassigned)\n"
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_and_trim() {
        let rows = vec![
            vec!["a".to_string(), "long".into(), String::new()],
            vec!["wide".to_string(), "b".into()],
        ];
        assert_eq!(table(&rows), "a     long\nwide  b\n");
    }

    #[test]
    fn doc_lines_are_first_non_empty_and_escaped() {
        assert_eq!(doc_line(Some("\n  first\nsecond")), Some("first".into()));
        assert_eq!(doc_line(Some("bell\u{7}")), Some("bell\\u{7}".into()));
        assert_eq!(doc_line(None), None);
    }
}
