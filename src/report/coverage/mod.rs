//! `onus coverage` reports: a framework's `Coverage` (rows of requirements
//! with their controls, owners and statuses, and a summary), the run's
//! diagnostics and provenance in; text, JSON, Markdown or HTML out.
//!
//! Invariant: every format shows every requirement in catalog order, "not
//! addressed" where no control maps to it, and for each mapped control its
//! owner, decider, status, attestations and evidence; whatever comes from
//! the policy or the catalog is escaped for the format.

mod html;
mod json;
mod markdown;
mod text;

use crate::check::program::{Attestation, Control};
use crate::coverage::{Coverage, Mapped};
use crate::diagnostic::Diagnostic;
use crate::session::RunInfo;
use crate::source::SourceMap;
use std::fmt;
use std::str::FromStr;

/// The formats of `onus coverage --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CoverageFormat {
    Text,
    Json,
    Markdown,
    Html,
}

impl CoverageFormat {
    pub const ALL: [CoverageFormat; 4] = [
        CoverageFormat::Text,
        CoverageFormat::Json,
        CoverageFormat::Markdown,
        CoverageFormat::Html,
    ];

    pub fn name(self) -> &'static str {
        match self {
            CoverageFormat::Text => "text",
            CoverageFormat::Json => "json",
            CoverageFormat::Markdown => "markdown",
            CoverageFormat::Html => "html",
        }
    }
}

impl fmt::Display for CoverageFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for CoverageFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        CoverageFormat::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| {
                format!(
                    "unknown format `{s}`; expected {}",
                    super::output::choices(&CoverageFormat::ALL)
                )
            })
    }
}

/// Everything a coverage report shows.
pub struct CoverageRun<'a> {
    pub coverage: &'a Coverage<'a>,
    pub diagnostics: &'a [Diagnostic],
    pub sources: &'a SourceMap,
    pub info: Option<&'a RunInfo>,
    /// `--min-coverage`: the share of requirements that must be addressed.
    pub min_coverage: Option<f64>,
}

impl CoverageRun<'_> {
    /// Whether the addressed share is below `--min-coverage`.
    pub fn below_minimum(&self) -> bool {
        let s = &self.coverage.summary;
        self.min_coverage
            .is_some_and(|min| s.percent(s.addressed) + 1e-9 < min)
    }

    /// The command's exit code: 1 below `--min-coverage`, else 0.
    pub fn exit_code(&self) -> i32 {
        i32::from(self.below_minimum())
    }

    fn service(&self, c: &Control) -> &str {
        c.services
            .first()
            .map_or("", |s| self.coverage.program.services[*s].id.as_str())
    }

    fn layer(&self, c: &Control) -> &str {
        c.layer
            .map_or("", |l| self.coverage.program.layers[l].id.as_str())
    }

    fn attestations(&self, m: &Mapped<'_>) -> impl Iterator<Item = &Attestation> {
        self.coverage.program.attestations_of(m.index)
    }
}

/// A percentage with one decimal.
fn percent(p: f64) -> String {
    format!("{p:.1}%")
}

/// "4 requirements are inherited", by status, worst first.
fn status_counts(counts: &[(crate::check::program::Status, usize)]) -> String {
    counts
        .iter()
        .map(|(s, n)| format!("{n} {}", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn render(format: CoverageFormat, run: &CoverageRun<'_>, color: bool) -> String {
    match format {
        CoverageFormat::Text => text::render(run, super::text::Style { color }),
        CoverageFormat::Json => json::render(run),
        CoverageFormat::Markdown => markdown::render(run),
        CoverageFormat::Html => html::render(run),
    }
}
