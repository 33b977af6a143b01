//! The human report: per control its status, owner and decider, each
//! violation and error with key, pointer and message (marked `new` when
//! the run has a baseline that lacks it), then a summary line.
//! Everything echoed from facts or policies is escaped for the terminal.

use super::{Gate, Run};
use crate::check::program::Status;
use crate::escape::terminal;
use crate::eval::ControlResult;
use std::fmt::{self, Write};

/// ANSI styling, or none (not a terminal, or NO_COLOR).
#[derive(Clone, Copy)]
pub struct Style {
    pub color: bool,
}

impl Style {
    pub(crate) fn paint(self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    pub(crate) fn status(self, status: Status) -> String {
        let label = format!("{:<11}", status.as_str().to_uppercase());
        let code = match status {
            Status::Pass => "32",
            Status::Fail => "1;31",
            Status::Error => "1;35",
            Status::Waived => "33",
            Status::Inherited => "36",
            Status::Unverified => "33",
            Status::Unevaluated => "2",
            Status::Attested => "32",
        };
        self.paint(code, &label)
    }

    pub(crate) fn dim(self, text: &str) -> String {
        self.paint("2", text)
    }
}

pub fn render(run: &Run<'_>, gate: Gate, style: Style) -> String {
    let mut out = String::new();
    write(run, gate, style, &mut out);
    out
}

/// The report, written to `out` control by control and finding by finding
/// (a stream's findings can be millions; `super::write` passes its
/// destination, not a string).
pub fn write(run: &Run<'_>, gate: Gate, style: Style, out: &mut impl fmt::Write) {
    let Some(outcome) = run.outcome else {
        let _ = writeln!(out, "policy not loaded: see the diagnostics above");
        return;
    };
    for (i, (_, r)) in run.controls().enumerate() {
        render_control(out, run, i, r, style);
    }
    if !run.program.assertions.is_empty() {
        let _ = writeln!(out);
        for (a, r) in run.program.assertions.iter().zip(&outcome.assertions) {
            let _ = write!(
                out,
                "{} assert \"{}\"",
                style.status(r.status),
                terminal(&a.name)
            );
            if let Some(m) = &r.message {
                let _ = write!(out, "  {}", style.dim(&terminal(m)));
            }
            let _ = out.write_char('\n');
        }
    }
    let s = run.summary();
    let mut parts = vec![
        format!("{} pass", s.pass),
        format!("{} fail", s.fail),
        format!("{} error", s.error),
        format!("{} waived", s.waived),
        format!("{} inherited", s.inherited),
        format!("{} unverified", s.unverified),
    ];
    if s.attested > 0 {
        parts.push(format!("{} attested", s.attested));
    }
    if s.unevaluated > 0 {
        parts.push(format!("{} unevaluated", s.unevaluated));
    }
    if gate.require_evidence {
        let lacking: Vec<&str> = run
            .controls()
            .filter(|(c, r)| super::lacks_evidence(c, r.status))
            .map(|(c, _)| c.id.as_str())
            .collect();
        if !lacking.is_empty() {
            let _ = writeln!(
                out,
                "\n--require-evidence: no check and no current evidence for {}",
                terminal(&lacking.join(", "))
            );
        }
    }
    let verdict = match run.exit_code(gate) {
        0 => style.paint("32", "ok"),
        _ => style.paint("1;31", "FAILED"),
    };
    let errored = outcome
        .assertions
        .iter()
        .filter(|a| a.status == Status::Error)
        .count();
    let errored = if errored > 0 {
        format!(", {errored} errored")
    } else {
        String::new()
    };
    let new = s
        .new
        .map(|n| format!("; {n} new since the baseline"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "\n{verdict}: {} control{}: {}; {} assertion{} failed{errored}{new}",
        s.controls,
        plural(s.controls),
        parts.join(", "),
        s.assertions_failed,
        plural(s.assertions_failed)
    );
}

/// A subject's key and, when it says more, its pointer.
fn subject(key: &str, pointer: Option<&str>, style: Style) -> String {
    match pointer {
        Some(p) if p != key => format!("{} {}", terminal(key), style.dim(&terminal(p))),
        _ => terminal(key).into_owned(),
    }
}

/// One control's block: the status line, then its subject count or why it
/// was not checked, then each violation and error.
/// The text of control `index` of the program and its result.
pub fn render_control(
    out: &mut impl fmt::Write,
    run: &Run<'_>,
    index: usize,
    r: &ControlResult,
    style: Style,
) {
    let c = &run.program.controls[index];
    let o = run.ownership(c);
    let ownership = format!(
        "owner {}, decided by {}{}",
        terminal(o.owner),
        terminal(o.decider),
        o.details(|n| terminal(n).into_owned())
    );
    let _ = writeln!(
        out,
        "{} {}  {}/{}  {} {}  {}",
        style.status(r.status),
        terminal(&c.id),
        terminal(run.service_name(c)),
        terminal(run.layer_name(c)),
        c.severity.name(),
        c.enforce.name(),
        style.dim(&ownership),
    );
    let indent = " ".repeat(12);
    if let Some(title) = &c.title {
        let _ = writeln!(out, "{indent}{}", style.dim(&terminal(title)));
    }
    match r.status {
        Status::Inherited => {
            let _ = writeln!(
                out,
                "{indent}{}",
                style.dim("no check: the provider answers for this control")
            );
        }
        Status::Unverified => {
            let _ = writeln!(
                out,
                "{indent}{}",
                style.dim("no check: nothing verifies this customer-side control")
            );
        }
        Status::Unevaluated => {
            let _ = writeln!(
                out,
                "{indent}{}",
                style.dim("not evaluated: no --facts given")
            );
        }
        Status::Attested if !c.checked() => {
            let _ = writeln!(
                out,
                "{indent}{}",
                style.dim("no check: a person vouches for this control")
            );
        }
        _ => {
            let mut counts = format!("{} subject{}", r.subjects, plural(r.subjects));
            if r.filtered > 0 {
                let _ = write!(counts, " ({} left out by `where`)", r.filtered);
            }
            // A `for` that errored selected nothing either; its error says why.
            if r.subjects == 0 && r.errors.is_empty() {
                counts.push_str(" — the `for` selected nothing, so nothing was checked");
            }
            let _ = writeln!(out, "{indent}{}", style.dim(&counts));
        }
    }
    for a in run.attestations(index) {
        let _ = writeln!(
            out,
            "{indent}{}",
            style.dim(&terminal(&super::attestation_note(a)))
        );
    }
    for e in &c.evidence {
        let _ = writeln!(
            out,
            "{indent}{}",
            style.dim(&terminal(&super::evidence_note(e)))
        );
    }
    for v in &r.violations {
        let mark = match (v.waived, run.is_new(c, &v.key) == Some(true)) {
            (true, true) => "~ waived, new",
            (true, false) => "~ waived",
            (false, true) => "✗ new",
            (false, false) => "✗",
        };
        let mark = style.paint(if v.waived { "33" } else { "31" }, mark);
        let subject = subject(&v.key, v.pointer.as_deref(), style);
        let _ = writeln!(
            out,
            "{indent}{mark} {subject}  {}",
            lines(&v.message, &indent)
        );
        if let Some(w) = v.waived.then(|| run.waiver(index, &v.key)).flatten() {
            let _ = writeln!(
                out,
                "{indent}  {}",
                style.dim(&terminal(&super::waiver_note(w)))
            );
        }
    }
    for e in &r.errors {
        let subject = subject(&e.key, e.pointer.as_deref(), style);
        let mark = match (e.attested, run.is_new(c, &e.key) == Some(true)) {
            (true, _) => style.paint("32", "~ attested"),
            (false, true) => style.paint("35", "! new"),
            (false, false) => style.paint("35", "!"),
        };
        let _ = writeln!(
            out,
            "{indent}{mark} {subject}  {}",
            lines(&e.message, &indent)
        );
    }
    for p in r.passed.iter().flatten() {
        let subject = subject(&p.key, p.pointer.as_deref(), style);
        let _ = writeln!(out, "{indent}{} {subject}", style.paint("32", "✓"));
    }
}

/// A message that may hold line breaks (a policy's `else "…\n…"`, text
/// from the facts): each line made safe for the terminal, the lines after
/// the first indented below it, instead of a `\u{a}` in one long line.
fn lines(message: &str, indent: &str) -> String {
    message
        .lines()
        .map(|l| terminal(l).into_owned())
        .collect::<Vec<_>>()
        .join(&format!("\n{indent}    "))
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
