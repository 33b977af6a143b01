//! Coverage as one self-contained HTML page: inline CSS only (no scripts,
//! fonts or images from anywhere); a summary bar, each owner's share, and a
//! `<table>` with one row per requirement (id, title, combined status) and
//! its mapped controls with owner, decider, status, attestations and
//! evidence.
//!
//! Invariants: every text from the policy or the catalog is escaped with
//! `escape::xml`; the page is well-formed XML (void elements self-closed,
//! no named entities), which the tests check.

use super::{CoverageRun, percent, status_counts};
use crate::check::program::Status;
use crate::escape::xml as esc;
use crate::report::{attestation_note, evidence_note};
use std::fmt::Write;

const STYLE: &str = r#"
:root { --ink: #111827; --muted: #6b7280; --line: #e5e7eb;
  --fail: #dc2626; --error: #c026d3; --pass: #15803d; --waived: #a16207; }
* { box-sizing: border-box; }
body { margin: 24px 28px; color: var(--ink); background: #fff;
  font: 13px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
h1 { font-size: 20px; margin: 0 0 2px; }
h2 { font-size: 15px; margin: 24px 0 8px; }
.sub { color: var(--muted); margin: 0 0 14px; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
.bar { display: flex; flex-wrap: wrap; gap: 10px; margin: 0 0 12px; padding: 0; list-style: none; }
.bar li { border: 1px solid var(--line); border-radius: 6px; padding: 6px 12px; }
.bar .n { font-size: 18px; font-weight: 650; display: block; }
.meter { height: 10px; width: 420px; max-width: 100%; background: var(--line); border-radius: 5px; overflow: hidden; display: flex; }
.meter span { display: block; height: 100%; }
.m-pass { background: var(--pass); } .m-inherited { background: #2563eb; } .m-other { background: #f59e0b; }
table { border-collapse: collapse; }
th, td { text-align: left; padding: 4px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 12px; color: var(--muted); font-weight: 600; }
tr.na td { color: var(--muted); }
.badge { display: inline-block; padding: 0 7px; border-radius: 999px; font-size: 11px; font-weight: 600; color: #fff; white-space: nowrap; }
.s-fail { background: var(--fail); } .s-error { background: var(--error); } .s-pass { background: var(--pass); }
.s-waived { background: var(--waived); } .s-inherited { background: #2563eb; } .s-unverified { background: #d97706; }
.s-unevaluated { background: #9ca3af; } .s-attested { background: #0f766e; } .s-none { background: #d1d5db; color: #374151; }
ul.controls { margin: 0; padding: 0; list-style: none; }
ul.controls li + li { margin-top: 3px; }
.who { color: var(--muted); }
.note { display: block; color: var(--muted); font-size: 12px; margin-left: 14px; }
footer { margin-top: 24px; color: var(--muted); font-size: 11px; }
"#;

fn badge(status: Option<Status>) -> String {
    match status {
        Some(s) => format!("<span class=\"badge s-{0}\">{0}</span>", s.as_str()),
        None => "<span class=\"badge s-none\">not addressed</span>".to_string(),
    }
}

pub fn render(run: &CoverageRun<'_>) -> String {
    let cov = run.coverage;
    let s = &cov.summary;
    let catalog = &cov.framework.catalog;
    let mut out = String::with_capacity(64 * 1024);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n");
    let _ = writeln!(
        out,
        "<meta name=\"generator\" content=\"onus {}\" />",
        env!("CARGO_PKG_VERSION")
    );
    let _ = writeln!(
        out,
        "<title>Coverage of {}</title>\n<style>{STYLE}</style>\n</head>\n<body>",
        esc(&cov.framework.id)
    );
    let version = catalog
        .version
        .as_deref()
        .map(|v| format!(", version {}", esc(v)))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "<h1>Coverage of <code>{}</code></h1>\n<p class=\"sub\">{}{version}: {} requirements{}</p>",
        esc(&cov.framework.id),
        esc(&catalog.title),
        s.requirements,
        if cov.evaluated {
            ", with the statuses of their controls against the facts"
        } else {
            "; checked controls are not evaluated (no facts were given)"
        }
    );
    out.push_str("<ul class=\"bar\">");
    for (what, n) in [
        ("addressed", s.addressed),
        ("passing", s.passing),
        ("inherited", s.inherited),
        ("not addressed", s.not_addressed()),
    ] {
        let _ = write!(
            out,
            "<li><span class=\"n\">{}</span>{n} {what}</li>",
            percent(s.percent(n))
        );
    }
    out.push_str("</ul>\n");
    let other = s.addressed - s.passing - s.inherited;
    let _ = writeln!(
        out,
        "<div class=\"meter\" title=\"passing, inherited, other addressed\"><span class=\"m-pass\" style=\"width: {:.2}%\"></span><span class=\"m-inherited\" style=\"width: {:.2}%\"></span><span class=\"m-other\" style=\"width: {:.2}%\"></span></div>",
        s.percent(s.passing),
        s.percent(s.inherited),
        s.percent(other)
    );
    if let Some(min) = run.min_coverage {
        let verdict = if run.below_minimum() {
            "below the minimum"
        } else {
            "meets the minimum"
        };
        let _ = writeln!(
            out,
            "<p>Addressed share {} {verdict} of {min}% (<code>--min-coverage</code>).</p>",
            percent(s.percent(s.addressed))
        );
    }
    if !s.owners.is_empty() {
        out.push_str("<h2>By owner</h2>\n<table class=\"owners\">\n<thead><tr><th>owner</th><th>requirements</th><th>controls</th><th>statuses</th></tr></thead>\n<tbody>\n");
        for o in &s.owners {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&o.owner),
                o.requirements,
                o.controls,
                esc(&status_counts(&o.statuses))
            );
        }
        out.push_str("</tbody>\n</table>\n");
    }
    out.push_str("<h2>Requirements</h2>\n<table class=\"requirements\">\n<thead><tr><th>requirement</th><th>title</th><th>status</th><th>controls</th></tr></thead>\n<tbody>\n");
    for row in &cov.rows {
        let class = if row.addressed() { "" } else { " class=\"na\"" };
        let label = row
            .requirement
            .label
            .as_deref()
            .map(|l| format!(" title=\"{}\"", esc(l)))
            .unwrap_or_default();
        let _ = write!(
            out,
            "<tr{class}><td><code{label}>{}</code></td><td>{}</td><td>{}</td><td>",
            esc(&row.requirement.id),
            esc(&row.requirement.title),
            badge(row.status)
        );
        if !row.controls.is_empty() {
            out.push_str("<ul class=\"controls\">");
            for m in &row.controls {
                let c = m.control;
                let _ = write!(
                    out,
                    "<li>{} <code>{}</code> <span class=\"who\">{} / {} · owner {}, decided by {}</span>",
                    badge(Some(m.status)),
                    esc(&c.id),
                    esc(run.service(c)),
                    esc(run.layer(c)),
                    m.owner,
                    m.decider.unwrap_or("unassigned")
                );
                let notes = run
                    .attestations(m)
                    .map(attestation_note)
                    .chain(c.evidence.iter().map(evidence_note));
                for note in notes {
                    let _ = write!(out, "<span class=\"note\">{}</span>", esc(&note));
                }
                out.push_str("</li>");
            }
            out.push_str("</ul>");
        }
        out.push_str("</td></tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
    let _ = writeln!(
        out,
        "<footer>generated by onus {}</footer>\n</body>\n</html>",
        env!("CARGO_PKG_VERSION")
    );
    out
}
