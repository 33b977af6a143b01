//! Renders `onus explain`: the `for` selection, the outcome counts, and per
//! failing or erroring subject the deciding step with its sub-expressions'
//! values, the JSON pointer and the policy span. Text and stable JSON.

use crate::check::program::{Program, Status};
use crate::escape::terminal;
use crate::explain::{Explanation, Role};
use crate::source::{SourceMap, Span};
use serde::Serialize;
use std::fmt::Write;

fn at(sources: &SourceMap, span: Span) -> (String, usize, usize) {
    let file = sources.get(span.file);
    let (line, column) = file.line_col(span.start);
    (file.name.clone(), line, column)
}

/// A message on one line of the explanation (facts may hold line breaks).
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Source text on one line (runs of whitespace collapsed).
fn source_text(sources: &SourceMap, span: Span) -> String {
    sources
        .slice(span)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn text(program: &Program, e: &Explanation, sources: &SourceMap) -> String {
    let c = &program.controls[e.control];
    let r = &e.result;
    let mut out = String::new();
    let services: Vec<&str> = c
        .services
        .iter()
        .map(|s| program.services[*s].id.as_str())
        .collect();
    let layer = c.layer.map_or("", |l| program.layers[l].id.as_str());
    let _ = writeln!(
        out,
        "control {} ({}/{layer}): {}",
        terminal(&c.id),
        services.join(","),
        r.status.as_str().to_uppercase()
    );
    match &c.selection {
        Some(sel) => {
            let mut line = format!(
                "  {}: {} item{}",
                terminal(&source_text(sources, sel.source.span)),
                r.subjects + r.filtered,
                if r.subjects + r.filtered == 1 {
                    ""
                } else {
                    "s"
                }
            );
            if let Some(f) = &sel.filter {
                let _ = write!(
                    line,
                    ", {} left out by `where {}`",
                    r.filtered,
                    terminal(&source_text(sources, f.span))
                );
            }
            let _ = writeln!(
                out,
                "{line}, {} subject{} checked",
                r.subjects,
                if r.subjects == 1 { "" } else { "s" }
            );
        }
        None if matches!(r.status, Status::Inherited | Status::Unverified) => {
            let _ = writeln!(out, "  no check ({})", r.status.as_str());
        }
        None => {
            let _ = writeln!(out, "  one subject: the facts root");
        }
    }
    let failing = r.violations.iter().filter(|v| !v.waived).count();
    let waived = r.violations.len() - failing;
    let passed = r
        .subjects
        .saturating_sub(r.violations.len() + r.errors.len());
    let _ = writeln!(
        out,
        "  {passed} passed, {failing} failed, {} errored, {waived} waived",
        r.errors.len()
    );
    for s in &e.subjects {
        let mark = match s.outcome {
            "fail" => "✗",
            "waived" => "~",
            "error" => "!",
            _ => "✓",
        };
        let pointer = s
            .pointer
            .as_deref()
            .map(|p| format!("  {}", terminal(p)))
            .unwrap_or_default();
        let _ = writeln!(out, "\n  {mark} {}{pointer}", terminal(&s.key));
        if let Some(m) = &s.message {
            let _ = writeln!(out, "    {}", terminal(&one_line(m)));
        }
        for t in &s.trace {
            let verb = match (t.role, s.outcome) {
                (Role::Let(_), _) if t.value.is_err() => Some("errored"),
                (Role::Let(_), _) => Some("bound"),
                (Role::Require(_), "fail" | "waived") => Some("failed"),
                (Role::Require(_), "error") if t.value.is_err() => Some("errored"),
                (Role::Require(_), _) => Some("held"),
                (Role::Filter | Role::Key, _) => Some("errored"),
                (Role::Expr | Role::Witness, _) => None,
            };
            if let Some(verb) = verb {
                let (file, line, col) = at(sources, t.span);
                let _ = writeln!(out, "    {verb} at {file}:{line}:{col}");
            }
            let value = match &t.value {
                Ok(v) => v.clone(),
                Err(e) => format!("error: {}", one_line(e)),
            };
            let note = t
                .note
                .as_deref()
                .map(|n| format!("   ({n})"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "    {}{} = {}{}",
                "  ".repeat(t.depth),
                terminal(&source_text(sources, t.span)),
                terminal(&value),
                terminal(&note)
            );
        }
    }
    // Errors of the run rather than of one subject: a limit that stopped
    // it, a key several failing subjects share.
    let explained = |key: &str| {
        e.subjects
            .iter()
            .any(|s| s.key == key && s.pointer.is_none())
    };
    for err in r
        .errors
        .iter()
        .filter(|x| x.pointer.is_none() && !explained(&x.key))
    {
        let (file, line, col) = at(sources, err.span);
        let _ = writeln!(
            out,
            "\n  ! {}\n    {}\n    at {file}:{line}:{col}",
            terminal(&err.key),
            terminal(&one_line(&err.message))
        );
    }
    if e.omitted > 0 {
        let _ = writeln!(
            out,
            "\n  … and {} more failing or erroring subjects (--limit to show more)",
            e.omitted
        );
    }
    out
}

#[derive(Serialize)]
struct JsonExplanation<'a> {
    version: u32,
    control: &'a str,
    status: &'static str,
    items: usize,
    filtered: usize,
    subjects: usize,
    passed: usize,
    failed: usize,
    errored: usize,
    waived: usize,
    explained: Vec<JsonSubject<'a>>,
    omitted: usize,
}

#[derive(Serialize)]
struct JsonSubject<'a> {
    key: &'a str,
    pointer: Option<&'a str>,
    outcome: &'static str,
    message: Option<&'a str>,
    step: Option<JsonSpan>,
    trace: Vec<JsonTrace<'a>>,
}

#[derive(Serialize)]
struct JsonSpan {
    text: String,
    file: String,
    line: usize,
    column: usize,
}

#[derive(Serialize)]
struct JsonTrace<'a> {
    depth: usize,
    expr: JsonSpan,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'a str>,
    /// `let`, `require`, `where`, `key` (a step's root line) or `witness`
    /// (the element that decided a quantifier); absent for sub-expressions.
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<&'static str>,
    /// For `let` and `require`: the step's index in the control.
    #[serde(skip_serializing_if = "Option::is_none")]
    step: Option<usize>,
}

fn json_span(sources: &SourceMap, span: Span) -> JsonSpan {
    let (file, line, column) = at(sources, span);
    JsonSpan {
        text: source_text(sources, span),
        file,
        line,
        column,
    }
}

pub fn json(program: &Program, e: &Explanation, sources: &SourceMap) -> String {
    let r = &e.result;
    let failed = r.violations.iter().filter(|v| !v.waived).count();
    let report = JsonExplanation {
        version: 1,
        control: &program.controls[e.control].id,
        status: r.status.as_str(),
        items: r.subjects + r.filtered,
        filtered: r.filtered,
        subjects: r.subjects,
        passed: r
            .subjects
            .saturating_sub(r.violations.len() + r.errors.len()),
        failed,
        errored: r.errors.len(),
        waived: r.violations.len() - failed,
        explained: e
            .subjects
            .iter()
            .map(|s| JsonSubject {
                key: &s.key,
                pointer: s.pointer.as_deref(),
                outcome: s.outcome,
                message: s.message.as_deref(),
                step: s.step.map(|sp| json_span(sources, sp)),
                trace: s
                    .trace
                    .iter()
                    .map(|t| JsonTrace {
                        depth: t.depth,
                        expr: json_span(sources, t.span),
                        value: t.value.as_deref().ok(),
                        error: t.value.as_ref().err().map(String::as_str),
                        note: t.note.as_deref(),
                        role: match t.role {
                            Role::Expr => None,
                            Role::Let(_) => Some("let"),
                            Role::Require(_) => Some("require"),
                            Role::Filter => Some("where"),
                            Role::Key => Some("key"),
                            Role::Witness => Some("witness"),
                        },
                        step: match t.role {
                            Role::Let(i) | Role::Require(i) => Some(i),
                            _ => None,
                        },
                    })
                    .collect(),
            })
            .collect(),
        omitted: e.omitted,
    };
    super::json_document(&report)
}
