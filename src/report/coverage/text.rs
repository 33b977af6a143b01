//! Coverage for a terminal: the framework and its summary, one line per
//! requirement (id, combined status or "not addressed", title) with a line
//! per mapped control (status, id, service/layer, owner and decider) and
//! its attestations and evidence, then the share of each owner.
//! Everything from the policy or the catalog is terminal-escaped.

use super::{CoverageRun, percent, status_counts};
use crate::escape::terminal;
use crate::report::text::Style;
use crate::report::{attestation_note, evidence_note};
use std::fmt::Write;

pub fn render(run: &CoverageRun<'_>, style: Style) -> String {
    let cov = run.coverage;
    let s = &cov.summary;
    let mut out = String::new();
    let catalog = &cov.framework.catalog;
    let version = catalog
        .version
        .as_deref()
        .map(|v| format!(" ({})", terminal(v)))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "Coverage of {}: {}{version}",
        terminal(&cov.framework.id),
        terminal(&catalog.title)
    );
    let _ = writeln!(
        out,
        "{} requirements: {} addressed ({}), {} passing ({}), {} inherited ({}), {} not addressed",
        s.requirements,
        s.addressed,
        percent(s.percent(s.addressed)),
        s.passing,
        percent(s.percent(s.passing)),
        s.inherited,
        percent(s.percent(s.inherited)),
        s.not_addressed()
    );
    if !cov.evaluated {
        let _ = writeln!(
            out,
            "{}",
            style.dim("checked controls are not evaluated: give --facts to see their statuses")
        );
    }
    out.push('\n');
    let width = cov
        .rows
        .iter()
        .map(|r| r.requirement.id.chars().count())
        .max()
        .unwrap_or(0);
    let indent = " ".repeat(width + 2);
    for row in &cov.rows {
        let id = format!("{:<width$}", terminal(&row.requirement.id));
        // Status labels are 11 wide; "not addressed" takes 13.
        let status = match row.status {
            Some(status) => format!("{}  ", style.status(status)),
            None => style.dim("not addressed"),
        };
        let _ = writeln!(out, "{id}  {status} {}", terminal(&row.requirement.title));
        for m in &row.controls {
            let c = m.control;
            let decider = m.decider.unwrap_or("unassigned");
            let _ = writeln!(
                out,
                "{indent}  {} {}  {}/{}  {}",
                style.status(m.status),
                terminal(&c.id),
                terminal(run.service(c)),
                terminal(run.layer(c)),
                style.dim(&format!("owner {}, decided by {decider}", m.owner))
            );
            let notes = run
                .attestations(m)
                .map(attestation_note)
                .chain(c.evidence.iter().map(evidence_note));
            for note in notes {
                let _ = writeln!(
                    out,
                    "{indent}{}{}",
                    " ".repeat(14),
                    style.dim(&terminal(&note))
                );
            }
        }
    }
    if !s.owners.is_empty() {
        let _ = writeln!(out, "\nBy owner:");
        let owner_width = s.owners.iter().map(|o| o.owner.len()).max().unwrap_or(0);
        for o in &s.owners {
            let _ = writeln!(
                out,
                "  {:<owner_width$}  {} requirement{}, {} control{}: {}",
                terminal(&o.owner),
                o.requirements,
                plural(o.requirements),
                o.controls,
                plural(o.controls),
                status_counts(&o.statuses)
            );
        }
    }
    if let Some(min) = run.min_coverage {
        let addressed = percent(s.percent(s.addressed));
        let line = if run.below_minimum() {
            style.paint(
                "1;31",
                &format!(
                    "FAILED: {addressed} of requirements addressed, below --min-coverage {min}%"
                ),
            )
        } else {
            style.paint(
                "32",
                &format!("ok: {addressed} of requirements addressed (--min-coverage {min}%)"),
            )
        };
        let _ = writeln!(out, "\n{line}");
    }
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
