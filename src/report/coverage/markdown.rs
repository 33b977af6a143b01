//! Coverage as GitHub-flavoured Markdown, for a pull-request comment or an
//! audit folder: the framework, a summary table, each owner's share, and a
//! table with one row per requirement whose last cell lists the mapped
//! controls with owner, decider, status, attestations and evidence.
//! Everything from the policy or the catalog goes through
//! `escape::markdown`.

use super::{CoverageRun, percent, status_counts};
use crate::escape::markdown as md;
use crate::report::markdown::icon;
use crate::report::{attestation_note, evidence_note};
use std::fmt::Write;

pub fn render(run: &CoverageRun<'_>) -> String {
    let cov = run.coverage;
    let s = &cov.summary;
    let catalog = &cov.framework.catalog;
    let mut out = String::new();
    let verdict = match (run.min_coverage, run.below_minimum()) {
        (Some(_), true) => " — ❌ below --min-coverage",
        (Some(_), false) => " — ✅",
        (None, _) => "",
    };
    let _ = writeln!(out, "## onus coverage: `{}`{verdict}\n", cov.framework.id);
    let version = catalog
        .version
        .as_deref()
        .map(|v| format!(" (version {})", md(v)))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "**{}**{version}: {} requirements.{}\n",
        md(&catalog.title),
        s.requirements,
        if cov.evaluated {
            ""
        } else {
            " Checked controls are not evaluated (no facts were given)."
        }
    );
    let _ = writeln!(out, "| | requirements | share |\n|---|---:|---:|");
    for (what, n) in [
        ("addressed", s.addressed),
        ("passing", s.passing),
        ("inherited", s.inherited),
        ("not addressed", s.not_addressed()),
    ] {
        let _ = writeln!(out, "| {what} | {n} | {} |", percent(s.percent(n)));
    }
    if let Some(min) = run.min_coverage {
        let _ = writeln!(out, "\nMinimum addressed share (`--min-coverage`): {min}%.");
    }
    out.push('\n');
    if !s.owners.is_empty() {
        let _ = writeln!(
            out,
            "### By owner\n\n| owner | requirements | controls | statuses |\n|---|---:|---:|---|"
        );
        for o in &s.owners {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                md(&o.owner),
                o.requirements,
                o.controls,
                status_counts(&o.statuses)
            );
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "### Requirements\n\n| requirement | title | status | controls |\n|---|---|---|---|"
    );
    for row in &cov.rows {
        let status = match row.status {
            Some(st) => format!("{} {}", icon(st), st.as_str()),
            None => "➖ not addressed".to_string(),
        };
        let controls: Vec<String> = row
            .controls
            .iter()
            .map(|m| {
                let c = m.control;
                let mut cell = format!(
                    "{} `{}` — {} / {}, owner **{}**, decided by **{}**: {}",
                    icon(m.status),
                    c.id,
                    md(run.service(c)),
                    md(run.layer(c)),
                    m.owner,
                    m.decider.unwrap_or("unassigned"),
                    m.status.as_str()
                );
                let notes = run
                    .attestations(m)
                    .map(attestation_note)
                    .chain(c.evidence.iter().map(evidence_note));
                for note in notes {
                    let _ = write!(cell, "<br>↳ {}", md(&note));
                }
                cell
            })
            .collect();
        let _ = writeln!(
            out,
            "| {} | {} | {status} | {} |",
            md(&row.requirement.id),
            md(&row.requirement.title),
            if controls.is_empty() {
                "—".to_string()
            } else {
                controls.join("<br>")
            }
        );
    }
    out
}
