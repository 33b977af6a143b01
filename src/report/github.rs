//! `--format github`: GitHub Actions workflow commands, which the runner
//! turns into annotations on the policy file. In: a `Run` and the gate.
//! Out: one command per line — one per violation, one per error subject and
//! one per diagnostic — then a plain summary line.
//!
//! Levels: `::error` when the result fails the gate (a `hard` control at or
//! above `--fail-on`, or a `soft` one with `--strict`; with `--fail-on-new`
//! only a new finding), `::warning` when it does not (`soft`, `advisory`,
//! below the threshold, or already in the baseline), `::notice` for a
//! waived violation. Diagnostics keep their own level. So the errors shown
//! on a pull request are exactly what fails the build.
//!
//! Invariant: every value is encoded by GitHub's rules (`%`, CR, LF in
//! messages; also `:` and `,` in properties) after terminal escaping, so
//! nothing from the facts can end a command, start another one on a new
//! line, or reach the log as a raw control character.

use super::{Gate, Position, Run, attestation_note, subject_label, waiver_note};
use crate::check::program::Status;
use crate::diagnostic::Severity;
use crate::escape::{github_data, github_property};
use std::fmt::Write;

/// One workflow command; `position` locates the annotation.
fn command(
    out: &mut String,
    level: &str,
    position: Option<&Position<'_>>,
    title: &str,
    message: &str,
) {
    let mut props = Vec::new();
    if let Some(p) = position {
        props.push(format!("file={}", github_property(p.file)));
        props.push(format!("line={}", p.line));
        props.push(format!("col={}", p.column));
        if (p.end_line, p.end_column) != (p.line, p.column) {
            props.push(format!("endLine={}", p.end_line));
            if p.end_line == p.line {
                props.push(format!("endColumn={}", p.end_column));
            }
        }
    }
    props.push(format!("title={}", github_property(title)));
    let _ = writeln!(
        out,
        "::{level} {}::{}",
        props.join(","),
        github_data(message)
    );
}

pub fn render(run: &Run<'_>, gate: Gate) -> String {
    let mut out = String::new();
    for d in run.diagnostics {
        let level = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        // A policy span, or a place in a facts file.
        let position = match (d.primary_span(), &d.at) {
            (Some(span), _) => Some(run.position(span)),
            (None, Some((file, line, column))) => Some(Position {
                file,
                line: *line,
                column: *column,
                end_line: *line,
                end_column: *column,
            }),
            (None, None) => None,
        };
        command(
            &mut out,
            level,
            position.as_ref(),
            &format!("onus {}", d.code),
            &d.message,
        );
    }
    for (index, c, r) in run.indexed_controls() {
        let at = run.position(c.require_span());
        let fails_gate = |key: &str| run.finding_gates(c, r, gate, key);
        let title = format!("onus {} ({} {})", c.id, c.severity.name(), c.enforce.name());
        for v in &r.violations {
            let subject = subject_label(&v.key, v.pointer.as_deref());
            if v.waived {
                let note = run
                    .waiver(index, &v.key)
                    .map_or_else(|| "waived".to_string(), waiver_note);
                command(
                    &mut out,
                    "notice",
                    Some(&at),
                    &title,
                    &format!("{subject}: {} [{note}]", v.message),
                );
            } else {
                let level = if fails_gate(&v.key) {
                    "error"
                } else {
                    "warning"
                };
                command(
                    &mut out,
                    level,
                    Some(&at),
                    &title,
                    &format!("{subject}: {}", v.message),
                );
            }
        }
        for e in &r.errors {
            let subject = subject_label(&e.key, e.pointer.as_deref());
            if e.attested {
                command(
                    &mut out,
                    "notice",
                    Some(&at),
                    &title,
                    &format!("could not evaluate {subject}: {} [attested]", e.message),
                );
                continue;
            }
            let level = if fails_gate(&e.key) {
                "error"
            } else {
                "warning"
            };
            command(
                &mut out,
                level,
                Some(&at),
                &title,
                &format!("could not evaluate {subject}: {}", e.message),
            );
        }
        for a in run.attestations(index) {
            command(
                &mut out,
                "notice",
                Some(&run.position(a.span)),
                &title,
                &attestation_note(a),
            );
        }
        if run.gates(c, r, gate) && !matches!(r.status, Status::Fail | Status::Error) {
            command(
                &mut out,
                "error",
                Some(&run.position(c.span)),
                &title,
                "nothing checks this control and no current evidence covers it (--require-evidence)",
            );
        }
    }
    if let Some(outcome) = run.outcome {
        for (a, r) in run.program.assertions.iter().zip(&outcome.assertions) {
            let level = match r.status {
                Status::Fail | Status::Error => "error",
                _ => continue,
            };
            let message = match &r.message {
                Some(m) => format!("assertion \"{}\" {}: {m}", a.name, r.status.as_str()),
                None => format!("assertion \"{}\" does not hold", a.name),
            };
            command(
                &mut out,
                level,
                Some(&run.position(a.span)),
                "onus assertion",
                &message,
            );
        }
    }
    let s = run.summary();
    let verdict = match run.exit_code(gate) {
        0 => "ok",
        2 => "not loaded",
        _ => "FAILED",
    };
    let attested = match s.attested {
        0 => String::new(),
        n => format!(", {n} attested"),
    };
    let _ = writeln!(
        out,
        "onus: {verdict}: {} controls: {} pass, {} fail, {} error, {} waived, {} inherited, {} unverified{attested}; {} assertions failed",
        s.controls,
        s.pass,
        s.fail,
        s.error,
        s.waived,
        s.inherited,
        s.unverified,
        s.assertions_failed
    );
    out
}
