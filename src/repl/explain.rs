//! `:explain CONTROL`: the session and one control in, why it has its
//! status out: what it covers, how many subjects were checked, and for each
//! failing or erroring subject its key, JSON pointer, message and the policy
//! text that decided it. Passing subjects are counted, not listed.
//! Everything the REPL knows about explaining is behind [`explain`], so a
//! richer explainer can replace it in one place.

use super::views::services_of;
use crate::Session;
use crate::check::program::Status;
use crate::diagnostic::Diagnostic;
use crate::escape::terminal;
use crate::source::Span;
use std::fmt::Write as _;

/// Evaluates the loaded policy and explains control number `control`.
pub fn explain(session: &Session, control: usize) -> Result<String, Diagnostic> {
    let outcome = session
        .evaluate()
        .map_err(|message| Diagnostic::error("F012", message))?;
    let program = &session.program;
    let (Some(c), Some(r)) = (program.controls.get(control), outcome.controls.get(control)) else {
        return Err(Diagnostic::error(
            "R004",
            "the control is not in the evaluated program",
        ));
    };
    let mut out = String::new();
    let _ = writeln!(out, "control {}: {}", terminal(&c.id), r.status.as_str());
    let layer = c.layer.map_or("-", |l| program.layers[l].id.as_str());
    let decider = c.decider.map_or("nobody", |d| d.name());
    let _ = writeln!(
        out,
        "  on {}/{layer}, owner {} (decided by {decider}), severity {}, enforce {}",
        services_of(program, &c.services),
        c.owner.name(),
        c.severity.name(),
        c.enforce.name()
    );
    match r.status {
        Status::Inherited => {
            out.push_str("  no check: the provider decides this layer and answers for it\n");
            return Ok(out);
        }
        Status::Unverified => {
            out.push_str("  no check: the control has no `require`, so nothing verifies it\n");
            return Ok(out);
        }
        Status::Unevaluated => {
            out.push_str("  not evaluated: no facts are loaded (`:facts FILE` loads some)\n");
            return Ok(out);
        }
        _ => {}
    }
    let _ = write!(
        out,
        "  {} subject{} checked",
        r.subjects,
        plural(r.subjects)
    );
    if r.filtered > 0 {
        let _ = write!(out, ", {} left out by `where`", r.filtered);
    }
    out.push('\n');
    for v in &r.violations {
        let mark = if v.waived { "~ waived" } else { "✗" };
        let _ = writeln!(
            out,
            "  {mark} {}{}: {}",
            terminal(&v.key),
            pointer(v.pointer.as_deref(), &v.key),
            terminal(&v.message)
        );
        let _ = writeln!(out, "      failed: {}", located(session, v.span));
    }
    for e in &r.errors {
        let _ = writeln!(
            out,
            "  ! {}{}: {}",
            terminal(&e.key),
            pointer(e.pointer.as_deref(), &e.key),
            terminal(&e.message)
        );
        let _ = writeln!(out, "      while evaluating: {}", located(session, e.span));
    }
    let passed = r
        .subjects
        .saturating_sub(r.violations.len() + r.errors.len());
    if passed > 0 {
        let _ = writeln!(out, "  {passed} subject{} passed", plural(passed));
    }
    Ok(out)
}

/// ` (/pointer)` when the pointer says more than the key.
fn pointer(pointer: Option<&str>, key: &str) -> String {
    match pointer {
        Some(p) if p != key => format!(" ({})", terminal(p)),
        _ => String::new(),
    }
}

/// The policy text at a span (its first line, shortened) and where it is.
fn located(session: &Session, span: Span) -> String {
    let file = session.sources.get(span.file);
    let text = file.slice(span).lines().next().unwrap_or("").trim();
    let short: String = text.chars().take(72).collect();
    let ellipsis = if short.len() < text.len() { "…" } else { "" };
    let (line, column) = file.line_col(span.start);
    format!(
        "{}{ellipsis}  ({}:{line}:{column})",
        terminal(&short),
        terminal(&file.name)
    )
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
