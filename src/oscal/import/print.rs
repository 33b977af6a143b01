//! The onus source of a `Plan`. In: the plan and what the header names (the
//! file, the document's title and uuid, the mapping). Out: policy text that
//! the formatter then makes canonical. Invariant: text from the document
//! reaches the output only as a string literal (escaped by the formatter's
//! own quoting) or as comment lines with every line break and invisible
//! character removed, so no document can add a declaration.

use super::mapping::{FALLBACK, Mapping};
use super::plan::{Cell, Plan};
use std::fmt::Write;

pub struct Header<'a> {
    pub file: &'a str,
    pub kind: &'a str,
    pub title: &'a str,
    pub uuid: &'a str,
    pub mapping: &'a Mapping,
    pub mapping_file: Option<&'a str>,
    pub framework: &'a str,
    pub catalog: Option<&'a str>,
}

/// One line of comment text: line breaks, control and invisible characters
/// become spaces.
fn comment_text(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() || is_invisible(c) {
                ' '
            } else {
                c
            }
        })
        .collect()
}

fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

/// `///` lines of a text; its lines stay lines.
fn doc_comment(out: &mut String, text: &str) {
    let text = text.trim();
    if text.is_empty() {
        return;
    }
    for line in text.lines() {
        let line = comment_text(line);
        let line = line.trim_end();
        if line.is_empty() {
            out.push_str("///\n");
        } else {
            let _ = writeln!(out, "/// {line}");
        }
    }
}

fn cell(c: &Cell) -> String {
    if c.operator == c.decider {
        c.decider.clone()
    } else {
        format!("{} operated_by {}", c.decider, c.operator)
    }
}

pub fn source(plan: &Plan, header: &Header) -> String {
    let quote = crate::fmt::string_literal;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "// Imported by `onus import oscal` from {}: {} \"{}\" ({}).",
        comment_text(header.file),
        header.kind,
        comment_text(header.title),
        comment_text(header.uuid)
    );
    out.push_str("//\n");
    out.push_str("// Who decides a layer: a requirement stated only as `provided` is the\n");
    out.push_str("// provider's, only as `responsibility` the customer's, both is `shared`.\n");
    out.push_str("// Provided statements are require-less controls on the provider's side\n");
    out.push_str("// (`inherited`); responsibilities are customer controls without `require`\n");
    out.push_str("// (`unverified` until a check or an `attest` covers them).\n");
    if plan.from_onus_props {
        out.push_str("// Requirements with onus props (an SSP onus exported) take their layer,\n");
        out.push_str("// decider and operator from the props, not from the table below.\n");
    }
    out.push_str("//\n");
    match header.mapping_file {
        Some(file) => {
            let _ = writeln!(
                out,
                "// Requirement → layer (default table, * = set by {}):",
                comment_text(file)
            );
        }
        None => {
            out.push_str("// Requirement → layer (default table; --mapping FILE overrides it):\n")
        }
    }
    for (key, layer, overridden) in header.mapping.entries() {
        let mark = if overridden { " *" } else { "" };
        let _ = writeln!(
            out,
            "//   {} → {}{mark}",
            comment_text(key),
            comment_text(layer)
        );
    }
    let _ = writeln!(out, "//   anything else → {FALLBACK}");
    out.push_str("//\n// The requirements of this document:\n");
    for p in &plan.placements {
        let _ = writeln!(
            out,
            "//   {} → {} (by {})",
            comment_text(&p.requirement),
            p.layer,
            comment_text(&p.by)
        );
    }
    if plan.extends.is_none() {
        out.push_str("//\n// Other standard layers are not stated by the document: each is O001\n");
        out.push_str("// (unowned) until you assign it, or import again with --extends MODEL.\n");
    }
    out.push_str("\nuse std\n\n");
    if let Some(catalog) = header.catalog {
        let _ = writeln!(
            out,
            "framework {} from {}\n",
            header.framework,
            quote(catalog)
        );
    }
    for layer in &plan.custom_layers {
        let _ = writeln!(
            out,
            "layer {layer} {}\n",
            quote("declared by the import's mapping")
        );
    }
    for party in &plan.parties {
        match &party.accountable_to {
            Some(to) => {
                let _ = writeln!(out, "party {}: third_party accountable_to {to}", party.name);
            }
            None => {
                let _ = writeln!(out, "party {}: team", party.name);
            }
        }
    }
    if !plan.parties.is_empty() {
        out.push('\n');
    }
    doc_comment(
        &mut out,
        &format!("{}, as its OSCAL {} states it.", header.title, header.kind),
    );
    match &plan.extends {
        Some(parent) => {
            let _ = writeln!(out, "model {} extends {parent} {{", plan.model);
        }
        None => {
            let _ = writeln!(out, "model {} {{", plan.model);
        }
    }
    for (layer, c) in &plan.model_cells {
        let _ = writeln!(out, "  {layer}: {}", cell(c));
    }
    out.push_str("}\n");
    for service in &plan.services {
        out.push('\n');
        doc_comment(&mut out, &service.doc);
        let _ = write!(out, "service {}: {}", service.name, plan.model);
        if let Some(host) = &service.host {
            let _ = write!(out, " on {host}");
        }
        out.push_str(" {\n");
        if let Some(provider) = &service.provider {
            let _ = writeln!(out, "  provider = {}", quote(provider));
        }
        if let Some(tenant) = &service.tenant {
            let _ = writeln!(out, "  tenant = {tenant}");
        }
        for (layer, c) in &service.overrides {
            let _ = writeln!(out, "  {layer}: {}", cell(c));
        }
        out.push_str("}\n");
    }
    for control in &plan.controls {
        out.push('\n');
        doc_comment(&mut out, &control.doc);
        let refs: Vec<String> = control.refs.iter().map(|r| quote(r)).collect();
        let _ = writeln!(
            out,
            "control {} {{\n  service = {}\n  layer = {}\n  title = {}\n  refs = [{}]\n}}",
            control.name,
            control.service,
            control.layer,
            quote(&control.title),
            refs.join(", ")
        );
    }
    out
}
