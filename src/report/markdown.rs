//! `--format markdown`: a report to post as a pull-request comment. In: a
//! `Run` and the gate. Out: GitHub-flavoured Markdown — a verdict, a status
//! summary table, a section per failing or erroring control (owner, decider,
//! team, and its violations as a table, at most `MAX_LISTED` rows then "…
//! and N more"), failed assertions, diagnostics, and every control in a
//! collapsed table.
//!
//! Invariant: everything that comes from the facts or the policy is passed
//! through `escape::markdown`, so keys, pointers and messages cannot break
//! the tables, inject links or HTML, mention users, or carry control
//! characters.

use super::{Gate, Run, evidence_note, waiver_note};
use crate::check::program::{Control, Status};
use crate::diagnostic;
use crate::escape::markdown as md;
use crate::eval::ControlResult;
use std::fmt::Write;

/// Violations and errors listed per control before "… and N more".
pub const MAX_LISTED: usize = 20;

pub(crate) fn icon(status: Status) -> &'static str {
    match status {
        Status::Pass => "✅",
        Status::Fail => "❌",
        Status::Error => "⚠️",
        Status::Waived => "🔕",
        Status::Inherited => "☁️",
        Status::Unverified => "❔",
        Status::Unevaluated => "⏸️",
        Status::Attested => "📝",
    }
}

fn ownership(run: &Run<'_>, c: &Control) -> String {
    let o = run.ownership(c);
    let mut s = format!(
        "owner **{}**, decided by **{}**{}",
        md(o.owner),
        md(o.decider),
        o.details(|n| format!("**{}**", md(n)))
    );
    if let Some(team) = &c.team {
        let _ = write!(s, ", team **{}**", md(team));
    }
    s
}

fn control_section(out: &mut String, run: &Run<'_>, index: usize, c: &Control, r: &ControlResult) {
    let _ = writeln!(
        out,
        "#### {} `{}` — {} / {}\n",
        icon(r.status),
        c.id,
        md(&run.service_names(c).join(", ")),
        md(run.layer_name(c))
    );
    if let Some(title) = c.title.as_deref().or(c.doc.as_deref()) {
        let _ = writeln!(out, "{}\n", md(title.lines().next().unwrap_or_default()));
    }
    let waived = r.violations.iter().filter(|v| v.waived).count();
    let outcomes: Vec<String> = [
        (r.violations.len() - waived, "failing"),
        (r.errors.len(), "not evaluable"),
        (waived, "waived"),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .collect();
    let _ = writeln!(
        out,
        "{} · severity **{}** · enforce **{}** · {}: {}\n",
        ownership(run, c),
        c.severity.name(),
        c.enforce.name(),
        subjects(r.subjects),
        outcomes.join(", ")
    );
    let _ = writeln!(out, "| | subject | pointer | message |\n|---|---|---|---|");
    let rows = r
        .violations
        .iter()
        .map(|v| {
            let message = if v.waived {
                let note = run
                    .waiver(index, &v.key)
                    .map_or_else(|| "waived".to_string(), waiver_note);
                format!("{} ({note})", v.message)
            } else {
                v.message.clone()
            };
            let mark = if v.waived { "🔕" } else { "❌" };
            (mark, v.key.clone(), v.pointer.clone(), message)
        })
        .chain(
            r.errors
                .iter()
                .map(|e| ("⚠️", e.key.clone(), e.pointer.clone(), e.message.clone())),
        );
    // Only the listed rows are built; the rest are counted.
    let mut listed = 0;
    for (mark, key, pointer, message) in rows.take(MAX_LISTED) {
        listed += 1;
        let _ = writeln!(
            out,
            "| {mark} | {} | {} | {} |",
            md(&key),
            md(pointer.as_deref().unwrap_or("—")),
            md(&message)
        );
    }
    let more = r.violations.len() + r.errors.len() - listed;
    if more > 0 {
        let _ = writeln!(out, "\n… and {more} more");
    }
    out.push('\n');
}

/// Who vouched for what, until when and on what evidence; and the
/// provider's evidence for inherited controls.
fn audit_trail(out: &mut String, run: &Run<'_>) {
    let attestations = &run.program.attestations;
    let evidenced: Vec<_> = run
        .program
        .controls
        .iter()
        .filter(|c| !c.evidence.is_empty())
        .collect();
    if attestations.is_empty() && evidenced.is_empty() {
        return;
    }
    let _ = writeln!(out, "### Attestations and evidence\n");
    if !attestations.is_empty() {
        let _ = writeln!(
            out,
            "| control | subjects | by | on | until | evidence | because | valid |\n|---|---|---|---|---|---|---|---|"
        );
        for a in attestations {
            let subjects = a.keys.as_ref().map_or("all".to_string(), |k| k.join(", "));
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} | {} | {} | {} | {} |",
                run.program.controls[a.control].id,
                md(&subjects),
                md(&a.by),
                a.on,
                a.until,
                md(&a.evidence),
                md(a.because.as_deref().unwrap_or("—")),
                a.validity.as_str()
            );
        }
        out.push('\n');
    }
    for c in &evidenced {
        for e in &c.evidence {
            let _ = writeln!(out, "- `{}`: {}", c.id, md(&evidence_note(e)));
        }
    }
    if !evidenced.is_empty() {
        out.push('\n');
    }
}

fn subjects(n: usize) -> String {
    format!("{n} subject{}", if n == 1 { "" } else { "s" })
}

pub fn render(run: &Run<'_>, gate: Gate) -> String {
    let mut out = String::new();
    let s = run.summary();
    let verdict = match run.exit_code(gate) {
        0 => "✅ passed",
        2 => "🛑 policy not loaded",
        _ => "❌ failed",
    };
    let _ = writeln!(out, "## onus: {verdict}\n");
    if run.outcome.is_some() {
        let _ = writeln!(out, "| status | controls |\n|---|---:|");
        let counts = [
            (Status::Pass, s.pass),
            (Status::Fail, s.fail),
            (Status::Error, s.error),
            (Status::Waived, s.waived),
            (Status::Inherited, s.inherited),
            (Status::Unverified, s.unverified),
            (Status::Attested, s.attested),
            (Status::Unevaluated, s.unevaluated),
        ];
        for (status, n) in counts {
            if n > 0 || matches!(status, Status::Pass | Status::Fail | Status::Error) {
                let _ = writeln!(out, "| {} {} | {n} |", icon(status), status.as_str());
            }
        }
        let _ = writeln!(out, "| **total** | **{}** |\n", s.controls);
        if s.assertions_failed > 0 {
            let _ = writeln!(
                out,
                "**{} assertion{} failed.**\n",
                s.assertions_failed,
                if s.assertions_failed == 1 { "" } else { "s" }
            );
        }
    }
    let attention: Vec<_> = run
        .indexed_controls()
        .filter(|(_, _, r)| matches!(r.status, Status::Fail | Status::Error))
        .collect();
    if !attention.is_empty() {
        let _ = writeln!(out, "### Failing and erroring controls\n");
        for (index, c, r) in attention {
            control_section(&mut out, run, index, c, r);
        }
    }
    if let Some(outcome) = run.outcome {
        let failed: Vec<_> = run
            .program
            .assertions
            .iter()
            .zip(&outcome.assertions)
            .filter(|(_, r)| matches!(r.status, Status::Fail | Status::Error))
            .collect();
        if !failed.is_empty() {
            let _ = writeln!(out, "### Assertions\n");
            for (a, r) in failed {
                let detail = r
                    .message
                    .as_deref()
                    .map(|m| format!(": {}", md(m)))
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "- {} {} — {}{detail}",
                    icon(r.status),
                    md(&a.name),
                    r.status.as_str()
                );
            }
            out.push('\n');
        }
    }
    audit_trail(&mut out, run);
    if !run.diagnostics.is_empty() {
        let _ = writeln!(out, "### Diagnostics\n");
        for d in run.diagnostics {
            let at = diagnostic::location(d, run.sources)
                .map(|(f, l, c)| format!(" at {}:{l}:{c}", md(&f)))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "- **{}** {}{at}: {}",
                d.severity.as_str(),
                d.code,
                md(&d.message)
            );
        }
        out.push('\n');
    }
    if s.controls > 0 {
        let _ = writeln!(
            out,
            "<details><summary>All {} controls</summary>\n\n| | control | service / layer | owner | severity | status |\n|---|---|---|---|---|---|",
            s.controls
        );
        for (c, r) in run.controls() {
            let _ = writeln!(
                out,
                "| {} | `{}` | {} / {} | {} | {} {} | {} |",
                icon(r.status),
                c.id,
                md(&run.service_names(c).join(", ")),
                md(run.layer_name(c)),
                md(run.ownership(c).owner),
                c.severity.name(),
                c.enforce.name(),
                r.status.as_str()
            );
        }
        let _ = writeln!(out, "\n</details>");
    }
    out
}
