//! `onus diff --format text`: a change set for people at a terminal. In: the
//! change set, the two reports' names, and the gate when `--fail-on-new` is
//! given. Out: the counts, then per owning party each changed control with
//! its status, ownership drift, waiver changes and its new (`+`), fixed
//! (`-`) and still-failing (`=`) subjects — key, pointer, message — and a
//! verdict when there is a gate. Everything from the reports is escaped for
//! the terminal.

use super::{
    Change, ChangeSet, ControlChange, Finding, Outcome, SubjectChange, Summary, WaiverChange,
};
use crate::escape::terminal;
use crate::report::Gate;
use std::fmt::Write;

pub fn render(set: &ChangeSet<'_>, old: &str, new: &str, gate: Option<Gate>) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "onus diff {} → {}", terminal(old), terminal(new));
    let s = set.summary();
    let _ = writeln!(out, "{}", findings(&s));
    let others = [
        (s.status_changes, "status change", "status changes"),
        (s.ownership_drift, "ownership drift", "ownership drifts"),
        (s.waiver_changes, "waiver change", "waiver changes"),
    ];
    let _ = writeln!(
        out,
        "{}",
        counts(&others, "no status, ownership or waiver changed")
    );
    for party in &set.parties {
        let _ = writeln!(
            out,
            "\nowner {}: {}",
            terminal(party.owner),
            findings(&party.summary())
        );
        for c in &party.controls {
            control(&mut out, c);
        }
    }
    if let Some(gate) = gate {
        let _ = match set.failing(gate) {
            0 => writeln!(out, "\nok: nothing new fails the gate"),
            n => writeln!(
                out,
                "\nFAILED: {n} new finding{} fail{} the gate",
                plural(n),
                if n == 1 { "s" } else { "" }
            ),
        };
    }
    out
}

fn findings(s: &Summary) -> String {
    let findings = [
        (s.new_violations, "new violation", "new violations"),
        (s.new_errors, "new error", "new errors"),
        (s.fixed_violations, "fixed violation", "fixed violations"),
        (s.fixed_errors, "fixed error", "fixed errors"),
        (s.still_failing, "still failing", "still failing"),
    ];
    counts(&findings, "no failing subjects in either run")
}

/// "1 new violation, 3 still failing": the non-zero counts (each with its
/// singular and plural noun), else `none`.
fn counts(items: &[(usize, &str, &str)], none: &str) -> String {
    let parts: Vec<String> = items
        .iter()
        .filter(|(n, ..)| *n > 0)
        .map(|(n, one, many)| format!("{n} {}", if *n == 1 { one } else { many }))
        .collect();
    if parts.is_empty() {
        none.to_string()
    } else {
        parts.join(", ")
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn control(out: &mut String, change: &ControlChange<'_>) {
    let c = change.current();
    let status = match (change.old_status(), change.new_status()) {
        (Some(o), Some(n)) if o == n => o.to_string(),
        (Some(o), Some(n)) => format!("{o} → {n}"),
        (None, Some(n)) => format!("new control, {n}"),
        (Some(o), None) => format!("{o}, control removed"),
        (None, None) => String::new(),
    };
    let decider = c.decider.as_deref().unwrap_or("unassigned");
    let mut ownership = format!(
        "owner {}, decided by {}",
        terminal(&c.owner),
        terminal(decider)
    );
    if let Some(op) = c.operator.as_deref().filter(|op| *op != decider) {
        let _ = write!(ownership, ", operated by {}", terminal(op));
    }
    let _ = writeln!(
        out,
        "  {}  {}/{}  {} {}  {}  {ownership}",
        terminal(&c.id),
        terminal(&c.service),
        terminal(&c.layer),
        c.severity.name(),
        c.enforce.name(),
        terminal(&status),
    );
    if !change.drift.is_empty() {
        let fields: Vec<String> = change
            .drift
            .iter()
            .map(|d| {
                format!(
                    "{} {} → {}",
                    d.field,
                    terminal(d.old.unwrap_or("unassigned")),
                    terminal(d.new.unwrap_or("unassigned"))
                )
            })
            .collect();
        let _ = writeln!(out, "    ~ ownership drift: {}", fields.join("; "));
    }
    for w in &change.waivers {
        let _ = writeln!(out, "    {}", waiver(w));
    }
    for (change_kind, mark) in [
        (Change::New, "+ new   "),
        (Change::Fixed, "- fixed "),
        (Change::StillFailing, "= still "),
    ] {
        for s in change.subjects(change_kind) {
            let _ = writeln!(out, "    {mark} {}", subject(s));
        }
    }
}

/// A subject: key, pointer when it says more, message, and what changed
/// about its waiver or pointer.
fn subject(s: &SubjectChange<'_>) -> String {
    let f = s.current();
    let mut line = terminal(s.key).into_owned();
    if let Some(p) = f.pointer.filter(|p| *p != s.key) {
        let _ = write!(line, " {}", terminal(p));
    }
    let _ = write!(line, "  {}", message(f));
    let notes = notes(s);
    if !notes.is_empty() {
        let _ = write!(line, "  ({})", notes.join("; "));
    }
    line
}

pub(super) fn message(f: Finding<'_>) -> String {
    match f.outcome {
        Outcome::Violation => terminal(f.message).into_owned(),
        Outcome::Error => format!("could not evaluate: {}", terminal(f.message)),
    }
}

/// What a subject line adds in parentheses: its waiver or attestation,
/// and, for a subject failing in both runs, a move or a change of outcome.
pub(super) fn notes(s: &SubjectChange<'_>) -> Vec<String> {
    let mut notes = Vec::new();
    // Whether a waiver and an attestation covered the finding.
    let exceptions = |f: Finding<'_>| [("waived", f.waived), ("attested", f.attested)];
    match (s.old, s.new) {
        (None, Some(n)) => notes.extend(
            exceptions(n)
                .into_iter()
                .filter(|(_, is)| *is)
                .map(|(w, _)| w.to_string()),
        ),
        (Some(o), None) => notes.extend(
            exceptions(o)
                .into_iter()
                .filter(|(_, is)| *is)
                .map(|(w, _)| format!("was {w}")),
        ),
        (Some(o), Some(n)) => {
            for ((word, before), (_, after)) in exceptions(o).into_iter().zip(exceptions(n)) {
                match (before, after) {
                    (true, true) => notes.push(word.to_string()),
                    (true, false) => notes.push(format!("no longer {word}")),
                    (false, true) => notes.push(format!("now {word}")),
                    (false, false) => {}
                }
            }
            match (o.outcome, n.outcome) {
                (Outcome::Violation, Outcome::Error) => notes.push("was a violation".into()),
                (Outcome::Error, Outcome::Violation) => notes.push("was an error".into()),
                _ => {}
            }
            if o.pointer != n.pointer {
                notes.push(format!(
                    "was at {}",
                    terminal(o.pointer.unwrap_or("no pointer"))
                ));
            }
        }
        _ => {}
    }
    notes
}

/// "waiver for KEYS expired: waived until DATE by WHO: WHY".
fn waiver(change: &WaiverChange<'_>) -> String {
    let w = change.current();
    let keys = match &w.keys {
        Some(keys) => keys
            .iter()
            .map(|k| format!("\"{}\"", terminal(k)))
            .collect::<Vec<_>>()
            .join(", "),
        None => "every subject".to_string(),
    };
    let mut line = format!("waiver for {keys} {}", change.kind.name());
    if let (Some(o), Some(n)) = (change.old, change.new) {
        for (what, before, after) in [
            ("until", &o.until, &n.until),
            ("by", &o.by, &n.by),
            ("because", &o.because, &n.because),
        ] {
            if before != after {
                let _ = write!(
                    line,
                    "; {what} {} → {}",
                    terminal(before.as_deref().unwrap_or("(none)")),
                    terminal(after.as_deref().unwrap_or("(none)"))
                );
            }
        }
        if o.expired && !n.expired {
            line.push_str("; in force again");
        }
    }
    let _ = write!(line, ": {}", terminal(&w.note()));
    line
}
