//! `onus diff --format markdown`: a change set to post as a pull-request
//! comment. In: the change set, the two reports' names, and the gate when
//! `--fail-on-new` is given. Out: GitHub-flavoured Markdown — a verdict, the
//! counts, then a section per owning party: its new and fixed subjects
//! (control, key, pointer, message), status changes, ownership drift and
//! waiver changes as tables, and its still-failing subjects collapsed; at
//! most `MAX_ROWS` rows per table, then "… and N more".
//!
//! Invariant: every table cell from the reports goes through
//! `escape::markdown_cell` and every heading through `escape::markdown`, so
//! no value can add a cell, a link, HTML or a mention.

use super::text::{message, notes};
use super::{Change, ChangeSet, ControlChange, Party, SubjectChange, WaiverChangeKind};
use crate::escape::{markdown as md_inline, markdown_cell as md};
use crate::report::Gate;
use std::fmt::Write;

/// Rows per table before "… and N more": a comment stays readable and well
/// under GitHub's size limit.
pub const MAX_ROWS: usize = 50;

pub fn render(set: &ChangeSet<'_>, old: &str, new: &str, gate: Option<Gate>) -> String {
    let mut out = String::new();
    let verdict = match gate.map(|g| set.failing(g)) {
        None => String::new(),
        Some(0) => ": ✅ nothing new fails the gate".to_string(),
        Some(n) => format!(
            ": ❌ {n} new finding{} fail{} the gate",
            if n == 1 { "" } else { "s" },
            if n == 1 { "s" } else { "" }
        ),
    };
    let _ = writeln!(out, "## onus diff{verdict}\n");
    let _ = writeln!(out, "From {} to {}\n", md(old), md(new));
    let s = set.summary();
    let _ = writeln!(
        out,
        "| | violations | errors |\n|---|---:|---:|\n| 🆕 new | {} | {} |\n| ✅ fixed | {} | {} |\n",
        s.new_violations, s.new_errors, s.fixed_violations, s.fixed_errors
    );
    let _ = writeln!(
        out,
        "{} still failing · {} status change{} · {} ownership drift · {} waiver change{}\n",
        s.still_failing,
        s.status_changes,
        plural(s.status_changes),
        s.ownership_drift,
        s.waiver_changes,
        plural(s.waiver_changes)
    );
    for party in &set.parties {
        section(&mut out, party);
    }
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Writes a table of at most `MAX_ROWS` rows, then how many were left out.
fn table(out: &mut String, header: &str, rows: Vec<String>) {
    if rows.is_empty() {
        return;
    }
    let columns = header.matches('|').count() - 1;
    let _ = writeln!(out, "{header}\n{}|", "|---".repeat(columns));
    for row in rows.iter().take(MAX_ROWS) {
        let _ = writeln!(out, "{row}");
    }
    if rows.len() > MAX_ROWS {
        let _ = writeln!(out, "\n… and {} more", rows.len() - MAX_ROWS);
    }
    out.push('\n');
}

fn subject_row(c: &ControlChange<'_>, s: &SubjectChange<'_>, mark: &str) -> String {
    let f = s.current();
    let notes = notes(s);
    let notes = if notes.is_empty() {
        String::new()
    } else {
        format!(" ({})", notes.join("; "))
    };
    let mark = if mark.is_empty() {
        String::new()
    } else {
        format!("| {mark} ")
    };
    format!(
        "{mark}| {} | {} | {} | {} |",
        md(&c.current().id),
        md(s.key),
        md(f.pointer.unwrap_or("—")),
        md(&format!("{}{notes}", message(f)))
    )
}

fn section(out: &mut String, party: &Party<'_>) {
    let _ = writeln!(out, "### Owned by {}\n", md_inline(party.owner));
    let mut changed = Vec::new();
    for (change, mark) in [(Change::New, "🆕 new"), (Change::Fixed, "✅ fixed")] {
        for c in &party.controls {
            changed.extend(c.subjects(change).map(|s| subject_row(c, s, mark)));
        }
    }
    table(out, "| | control | subject | pointer | message |", changed);
    let statuses = party
        .controls
        .iter()
        .filter(|c| c.status_changed())
        .map(|c| {
            let current = c.current();
            format!(
                "| {} | {} / {} | {} {} | {} → {} |",
                md(&current.id),
                md(&current.service),
                md(&current.layer),
                current.severity.name(),
                current.enforce.name(),
                md(c.old_status().unwrap_or("(no control)")),
                md(c.new_status().unwrap_or("(removed)"))
            )
        })
        .collect();
    table(
        out,
        "| control | service / layer | severity | status |",
        statuses,
    );
    let drift = party
        .controls
        .iter()
        .flat_map(|c| {
            c.drift.iter().map(|d| {
                format!(
                    "| {} | {} | {} | {} |",
                    md(&c.current().id),
                    d.field,
                    md(d.old.unwrap_or("unassigned")),
                    md(d.new.unwrap_or("unassigned"))
                )
            })
        })
        .collect();
    table(out, "| ownership drift | field | before | after |", drift);
    let waivers = party
        .controls
        .iter()
        .flat_map(|c| {
            c.waivers.iter().map(|w| {
                let keys = w
                    .current()
                    .keys
                    .as_ref()
                    .map_or_else(|| "every subject".to_string(), |keys| keys.join(", "));
                let before = w
                    .old
                    .filter(|_| w.kind == WaiverChangeKind::Changed)
                    .map(|o| match (o.expired, w.new.is_some_and(|n| n.expired)) {
                        (true, false) => {
                            format!("in force again (was expired: {}); now: ", o.note())
                        }
                        _ => format!("was: {}; now: ", o.note()),
                    });
                format!(
                    "| {} | {} | {} | {} |",
                    md(&c.current().id),
                    md(&keys),
                    w.kind.name(),
                    md(&format!(
                        "{}{}",
                        before.unwrap_or_default(),
                        w.current().note()
                    ))
                )
            })
        })
        .collect();
    table(out, "| waiver of | subjects | change | waiver |", waivers);
    let still: Vec<String> = party
        .controls
        .iter()
        .flat_map(|c| {
            c.subjects(Change::StillFailing)
                .map(|s| subject_row(c, s, ""))
        })
        .collect();
    if !still.is_empty() {
        let _ = writeln!(
            out,
            "<details><summary>{} still failing</summary>\n",
            still.len()
        );
        table(out, "| control | subject | pointer | message |", still);
        let _ = writeln!(out, "</details>\n");
    }
}
