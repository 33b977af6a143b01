//! Read-only views of the checked program for the REPL: `:controls`,
//! `:services`, `:owner` and `:matrix`. A `Program` in, aligned plain text
//! out; everything taken from policies is escaped for the terminal.

use crate::check::program::{Cell, Program, Service};
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
            format!("owner {}", c.owner.name()),
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
            .matrix
            .iter()
            .filter(|(_, cell)| cell.is_override)
            .map(|(&l, _)| program.layers[l].id.as_str())
            .collect();
        let mut row = vec![
            s.id.clone(),
            format!("model {}", program.models[s.model].id),
            attrs.join(" "),
        ];
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

/// Where an assignment was made: the model, or the service's override.
fn origin(cell: &Cell) -> String {
    if cell.is_override {
        format!("override in service {}", cell.origin)
    } else {
        format!("model {}", cell.origin)
    }
}

/// The model chain of a service: `vendor_db extends managed_database`.
fn lineage(program: &Program, service: &Service) -> String {
    let mut chain = vec![program.models[service.model].id.as_str()];
    let mut at = program.models[service.model].parent;
    while let Some(m) = at.filter(|_| chain.len() <= program.models.len()) {
        chain.push(program.models[m].id.as_str());
        at = program.models[m].parent;
    }
    chain.join(" extends ")
}

/// `:owner SERVICE [LAYER]`: who decides, who operates, and from where.
pub fn owner(program: &Program, service: usize, layer: Option<usize>) -> String {
    let s = &program.services[service];
    let mut out = String::new();
    if let Some(l) = layer {
        let name = &program.layers[l].id;
        match s.matrix.get(&l) {
            Some(cell) => {
                let _ = writeln!(out, "{} {name}", s.id);
                let _ = writeln!(out, "  decided by   {}", cell.decider.name());
                let _ = writeln!(out, "  operated by  {}", terminal(cell.operator()));
                let _ = writeln!(out, "  from         {}", origin(cell));
            }
            None => {
                let _ = writeln!(
                    out,
                    "{} {name}: unassigned (model {} does not assign it)",
                    s.id,
                    lineage(program, s)
                );
            }
        }
        return out;
    }
    let _ = writeln!(out, "service {}: model {}", s.id, lineage(program, s));
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
            Some(cell) => rows.push(vec![
                layer.id.clone(),
                cell.decider.name().to_string(),
                terminal(cell.operator()).into_owned(),
                origin(cell),
            ]),
            None if layer.std => rows.push(vec![layer.id.clone(), "unassigned".into()]),
            None => {}
        }
    }
    out.push_str(&table(&rows));
    out
}

/// `:matrix`: one row per layer, one column per service; a cell is the
/// decider, `*` marks a service's override, `/party` who operates it.
pub fn matrix(program: &Program, services: &[usize]) -> String {
    if services.is_empty() {
        return "no services declared\n".into();
    }
    let mut header = vec!["layer".to_string()];
    header.extend(services.iter().map(|&s| program.services[s].id.clone()));
    let mut rows = vec![header];
    for (l, layer) in program.layers.iter().enumerate() {
        let cells: Vec<Option<&Cell>> = services
            .iter()
            .map(|&s| program.services[s].matrix.get(&l))
            .collect();
        if !layer.std && cells.iter().all(Option::is_none) {
            continue;
        }
        let mut row = vec![layer.id.clone()];
        row.extend(cells.into_iter().map(|cell| match cell {
            None => "-".to_string(),
            Some(c) => {
                let mut text = c.decider.name().to_string();
                if c.is_override {
                    text.push('*');
                }
                if let Some(op) = c.operated_by.as_deref() {
                    let _ = write!(text, "/{}", terminal(op));
                }
                text
            }
        }));
        rows.push(row);
    }
    let mut out = table(&rows);
    out.push_str("(* the service overrides its model; /party operates the layer; - unassigned)\n");
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
