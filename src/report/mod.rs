//! Reports: the checked program, its evaluation outcome and all diagnostics
//! in, rendered text out. Every renderer reads the same `Run`; this module
//! also decides the exit code (SPEC §5) and which format renders what.

pub mod coverage;
pub mod explain;
pub mod github;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod matrix;
pub mod output;
pub mod sarif;
pub mod testing;
pub mod text;

use crate::check::program::{
    Attestation, Control, Decider, Evidence, Program, Status, Validity, Waiver,
};
use crate::diagnostic::Diagnostic;
use crate::eval::{ControlResult, Outcome};
use crate::source::{SourceMap, Span};
use crate::value::Word;
use std::fmt;
use std::io::{self, Write};
use std::str::FromStr;

/// A control's ownership by name, as the human reports print it: what
/// is the same as the decider is left out, so a two-party policy reads as
/// it always did.
pub struct Ownership<'a> {
    pub owner: &'a str,
    /// `unassigned` when nothing assigns the layer.
    pub decider: &'a str,
    /// Who operates the layer, when that is not the decider.
    pub operator: Option<&'a str>,
    /// Who answers for the layer, when that is not the decider.
    pub accountable: Option<&'a str>,
    /// The service the layer was inherited from (the end of its tier),
    /// when that is not the control's own.
    pub inherited_from: Option<&'a str>,
}

impl<'a> Ownership<'a> {
    pub fn of(program: &'a Program, c: &Control) -> Ownership<'a> {
        let decider = c.decider.map_or("unassigned", |d| program.decider_name(d));
        let differs = |d: Option<Decider>| {
            d.map(|d| program.decider_name(d))
                .filter(|name| *name != decider)
        };
        Ownership {
            owner: program.decider_name(c.owner),
            decider,
            operator: differs(c.operator),
            accountable: differs(c.accountable),
            inherited_from: c
                .tier
                .last()
                .filter(|_| c.tier.len() > 1)
                .map(|s| program.services[*s].id.as_str()),
        }
    }

    /// `, operated by O, accountable A, inherited from S`, each part
    /// when present, with names passed through `name`.
    pub fn details(&self, name: impl Fn(&str) -> String) -> String {
        let mut s = String::new();
        if let Some(op) = self.operator {
            s.push_str(&format!(", operated by {}", name(op)));
        }
        if let Some(a) = self.accountable {
            s.push_str(&format!(", accountable {}", name(a)));
        }
        if let Some(from) = self.inherited_from {
            s.push_str(&format!(", inherited from {}", name(from)));
        }
        s
    }
}

/// The formats of `onus check --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckFormat {
    Text,
    Json,
    Sarif,
    Junit,
    Github,
    Markdown,
}

impl CheckFormat {
    pub const ALL: [CheckFormat; 6] = [
        CheckFormat::Text,
        CheckFormat::Json,
        CheckFormat::Sarif,
        CheckFormat::Junit,
        CheckFormat::Github,
        CheckFormat::Markdown,
    ];

    pub fn name(self) -> &'static str {
        match self {
            CheckFormat::Text => "text",
            CheckFormat::Json => "json",
            CheckFormat::Sarif => "sarif",
            CheckFormat::Junit => "junit",
            CheckFormat::Github => "github",
            CheckFormat::Markdown => "markdown",
        }
    }
}

impl fmt::Display for CheckFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for CheckFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        CheckFormat::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| {
                format!(
                    "unknown format `{s}`; expected {}",
                    output::choices(&CheckFormat::ALL)
                )
            })
    }
}

/// Writes one `onus check` report to `out`; the JSON and text reports as
/// they are rendered, so their text is never held whole. An error if
/// findings spilled to a temporary file could not be read back: what was
/// written lacks them, and a report file is then not replaced.
pub fn write(
    format: CheckFormat,
    run: &Run<'_>,
    gate: Gate,
    color: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    write_format(format, run, gate, color, out)?;
    match run.outcome.and_then(Outcome::findings_failure) {
        Some(why) => Err(io::Error::other(format!(
            "the findings spilled to a temporary file could not be read back ({why})"
        ))),
        None => Ok(()),
    }
}

fn write_format(
    format: CheckFormat,
    run: &Run<'_>,
    gate: Gate,
    color: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        CheckFormat::Json => json::write(run, out),
        CheckFormat::Sarif => sarif::write(run, out),
        CheckFormat::Text => {
            let mut text = Unformatted { out, error: None };
            text::write(run, gate, text::Style { color }, &mut text);
            text.error.map_or(Ok(()), Err)
        }
        _ => out.write_all(render(format, run, gate, color).as_bytes()),
    }
}

/// A text report's `fmt::Write` onto its destination, keeping the first
/// I/O error (`fmt::Error` carries none).
struct Unformatted<'w> {
    out: &'w mut dyn Write,
    error: Option<io::Error>,
}

impl std::fmt::Write for Unformatted<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        if self.error.is_some() {
            return Err(std::fmt::Error);
        }
        self.out.write_all(s.as_bytes()).map_err(|e| {
            self.error = Some(e);
            std::fmt::Error
        })
    }
}

/// Renders one `onus check` report; `color` only affects `text`.
pub fn render(format: CheckFormat, run: &Run<'_>, gate: Gate, color: bool) -> String {
    match format {
        CheckFormat::Text => text::render(run, gate, text::Style { color }),
        CheckFormat::Json => json::render(run),
        CheckFormat::Sarif => sarif::render(run),
        CheckFormat::Junit => junit::render(run),
        CheckFormat::Github => github::render(run, gate),
        CheckFormat::Markdown => markdown::render(run, gate),
    }
}

/// A place in a policy file, 1-based, columns in characters; `file` is the
/// name the session shows (relative to the working directory when possible).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Position<'a> {
    pub file: &'a str,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

/// Everything a renderer may show about one run.
pub struct Run<'a> {
    pub program: &'a Program,
    /// None when the policy could not be loaded (nothing was evaluated).
    pub outcome: Option<&'a Outcome>,
    pub diagnostics: &'a [Diagnostic],
    pub sources: &'a SourceMap,
    /// Where the run came from (the JSON report's `run`).
    pub info: Option<&'a crate::session::RunInfo>,
    /// `--baseline`: the earlier run each finding is compared with.
    pub baseline: Option<&'a crate::diff::Baseline>,
}

/// What fails the gate: `--fail-on`, `--strict`, `--require-evidence` and
/// `--fail-on-new`.
#[derive(Clone, Copy, Debug)]
pub struct Gate {
    pub fail_on: Word,
    pub strict: bool,
    /// An unverified control, or an inherited one without current
    /// evidence, fails like a failing check.
    pub require_evidence: bool,
    /// Only findings the baseline does not have fail the gate.
    pub fail_on_new: bool,
}

impl Default for Gate {
    fn default() -> Self {
        Gate {
            fail_on: Word::Info,
            strict: false,
            require_evidence: false,
            fail_on_new: false,
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub controls: usize,
    pub pass: usize,
    pub fail: usize,
    pub error: usize,
    pub waived: usize,
    pub inherited: usize,
    pub unverified: usize,
    pub unevaluated: usize,
    pub attested: usize,
    pub assertions_failed: usize,
    /// With a baseline: violations and error subjects it does not have.
    pub new: Option<usize>,
}

impl<'a> Run<'a> {
    /// Each control with its result, in declaration order.
    pub fn controls(&self) -> impl Iterator<Item = (&'a Control, &'a ControlResult)> {
        let results = self.outcome.map(|o| o.controls.as_slice()).unwrap_or(&[]);
        self.program.controls.iter().zip(results)
    }

    /// Each control with its index in the program and its result.
    pub fn indexed_controls(
        &self,
    ) -> impl Iterator<Item = (usize, &'a Control, &'a ControlResult)> {
        self.controls().enumerate().map(|(i, (c, r))| (i, c, r))
    }

    /// The waiver that covers a violation of control `control` for `key`;
    /// in a sharded run (`merge`), for the key within its shard.
    pub fn waiver(&self, control: usize, key: &str) -> Option<&'a Waiver> {
        let covering = |key: &str| {
            self.program
                .waivers
                .iter()
                .find(|w| w.control == control && w.covers(key))
        };
        covering(key).or_else(|| {
            let (_, within) = key.split_once(crate::merge::SEPARATOR)?;
            covering(within)
        })
    }

    /// Where a span is, for the formats that locate results in the policy.
    pub fn position(&self, span: Span) -> Position<'a> {
        let file = self.sources.get(span.file);
        let (line, column) = file.line_col(span.start);
        let (end_line, end_column) = file.line_col(span.end);
        Position {
            file: file.name.as_str(),
            line,
            column,
            end_line,
            end_column,
        }
    }

    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for (_, r) in self.controls() {
            s.controls += 1;
            match r.status {
                Status::Pass => s.pass += 1,
                Status::Fail => s.fail += 1,
                Status::Error => s.error += 1,
                Status::Waived => s.waived += 1,
                Status::Inherited => s.inherited += 1,
                Status::Unverified => s.unverified += 1,
                Status::Unevaluated => s.unevaluated += 1,
                Status::Attested => s.attested += 1,
            }
        }
        s.assertions_failed = self.outcome.map_or(0, |o| {
            o.assertions
                .iter()
                .filter(|a| a.status == Status::Fail)
                .count()
        });
        s.new = self.baseline.map(|_| {
            self.controls()
                .map(|(c, r)| {
                    let violations = r
                        .violations
                        .iter()
                        .filter(|v| self.is_new(c, &v.key) == Some(true));
                    let errors = r
                        .errors
                        .iter()
                        .filter(|e| self.is_new(c, &e.key) == Some(true));
                    violations.count() + errors.count()
                })
                .sum()
        });
        s
    }

    /// With a baseline, whether a finding of control `c` for `key` is new
    /// (the baseline had no violation or error for that subject).
    pub fn is_new(&self, c: &Control, key: &str) -> Option<bool> {
        self.baseline.map(|b| b.is_new(&c.id, key))
    }

    pub fn service_name(&self, c: &Control) -> &'a str {
        c.services
            .first()
            .map_or("", |s| self.program.services[*s].id.as_str())
    }

    pub fn layer_name(&self, c: &Control) -> &'a str {
        c.layer.map_or("", |l| self.program.layers[l].id.as_str())
    }

    pub fn ownership(&self, c: &Control) -> Ownership<'a> {
        Ownership::of(self.program, c)
    }

    /// Every service the control covers, by name.
    pub fn service_names(&self, c: &Control) -> Vec<&'a str> {
        c.services
            .iter()
            .map(|s| self.program.services[*s].id.as_str())
            .collect()
    }

    /// Whether this control's result fails the gate.
    pub fn gates(&self, c: &Control, r: &ControlResult, gate: Gate) -> bool {
        let counts = match c.enforce {
            Word::Hard => true,
            Word::Soft => gate.strict,
            _ => false,
        };
        let failing = match r.status {
            Status::Fail | Status::Error => !gate.fail_on_new || self.has_new_finding(c, r),
            // Missing evidence is not a finding a baseline can have seen.
            _ => gate.require_evidence && lacks_evidence(c, r.status),
        };
        counts && c.severity >= gate.fail_on && failing
    }

    /// The attestations of control `control`, in declaration order.
    pub fn attestations(&self, control: usize) -> impl Iterator<Item = &'a Attestation> {
        self.program.attestations_of(control)
    }

    /// Whether a finding fails the gate: its control does, and under
    /// `--fail-on-new` the finding is new.
    pub fn finding_gates(&self, c: &Control, r: &ControlResult, gate: Gate, key: &str) -> bool {
        self.gates(c, r, gate) && (!gate.fail_on_new || self.is_new(c, key) != Some(false))
    }

    fn has_new_finding(&self, c: &Control, r: &ControlResult) -> bool {
        let new = |key: &str| self.is_new(c, key) != Some(false);
        r.violations.iter().any(|v| !v.waived && new(&v.key))
            || r.errors.iter().any(|e| !e.attested && new(&e.key))
    }

    /// SPEC §5: 2 when loading failed, 1 when the gate fails, else 0.
    pub fn exit_code(&self, gate: Gate) -> i32 {
        if self.outcome.is_none()
            || self
                .diagnostics
                .iter()
                .any(|d| d.is_error() && !d.code.starts_with('L'))
        {
            return 2;
        }
        let control_fails = self.controls().any(|(c, r)| self.gates(c, r, gate));
        let assertion_fails = self.outcome.is_some_and(|o| {
            self.program
                .assertions
                .iter()
                .zip(&o.assertions)
                .any(|(a, r)| {
                    matches!(r.status, Status::Fail | Status::Error)
                        && !(gate.fail_on_new
                            && self.baseline.is_some_and(|b| b.assertion_failed(&a.name)))
                })
        });
        i32::from(control_fails || assertion_fails)
    }
}

/// What `--require-evidence` refuses: an unverified control (nothing
/// checked it, nobody vouches for it now), or an inherited one whose
/// provider evidence does not cover the run's date.
pub fn lacks_evidence(c: &Control, status: Status) -> bool {
    match status {
        Status::Unverified => true,
        Status::Inherited => c.current_evidence().next().is_none(),
        _ => false,
    }
}

/// An attestation in one line: "attested by WHO on DATE until DATE,
/// evidence URI: WHY", marked when it no longer (or not yet) counts.
pub fn attestation_note(a: &Attestation) -> String {
    let mut note = format!("attested by {} on {} until {}", a.by, a.on, a.until);
    if let Some(keys) = &a.keys {
        note.push_str(&format!(" for {}", keys.join(", ")));
    }
    note.push_str(&format!(", evidence {}", a.evidence));
    if let Some(because) = &a.because {
        note.push_str(&format!(": {because}"));
    }
    match a.validity {
        Validity::Current => {}
        Validity::Expired => note.push_str(" (expired)"),
        Validity::NotYet => note.push_str(" (not yet valid)"),
    }
    note
}

/// Provider evidence in one line: "evidence URI for FROM..TO", marked
/// stale when the period does not cover the run's date.
pub fn evidence_note(e: &Evidence) -> String {
    let mut note = format!("evidence {} for {}..{}", e.uri, e.from, e.to);
    if e.validity != Validity::Current {
        note.push_str(" (stale)");
    }
    note
}

/// How a subject is named in messages: its key, then its JSON pointer when
/// the pointer says something the key does not.
pub fn subject_label(key: &str, pointer: Option<&str>) -> String {
    match pointer {
        Some(p) if p != key => format!("{key} ({p})"),
        _ => key.to_string(),
    }
}

/// A waiver in one line: "waived until DATE by WHO: WHY", each part only
/// when the waiver says it.
pub fn waiver_note(w: &Waiver) -> String {
    let mut note = String::from("waived");
    if let Some(until) = w.until {
        note.push_str(&format!(" until {until}"));
    }
    if let Some(by) = &w.by {
        note.push_str(&format!(" by {by}"));
    }
    if let Some(because) = &w.because {
        note.push_str(&format!(": {because}"));
    }
    note
}

/// A list serialised as it is walked, never collected: a stream's
/// findings can be millions.
pub(crate) struct Each<'a, T>(std::cell::Cell<Option<Box<dyn Iterator<Item = T> + 'a>>>);

impl<'a, T> Each<'a, T> {
    pub(crate) fn new(items: impl Iterator<Item = T> + 'a) -> Self {
        Each(std::cell::Cell::new(Some(Box::new(items))))
    }
}

impl<T: serde::Serialize> serde::Serialize for Each<'_, T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // A report is serialised once; a second time would find it empty.
        serializer.collect_seq(self.0.take().into_iter().flatten())
    }
}

/// A report document as pretty JSON, terminal-safe (`escape::SafeJson`),
/// with a final newline.
pub(crate) fn json_document(doc: &impl serde::Serialize) -> String {
    written(|out| write_json(doc, out))
}

/// What `write` writes to a JSON document, as text; a document that could
/// not be serialised says why.
pub(crate) fn written(write: impl FnOnce(&mut Vec<u8>) -> io::Result<()>) -> String {
    let mut out = Vec::new();
    match write(&mut out) {
        // SafeJson writes only whole characters of valid JSON.
        Ok(()) => String::from_utf8_lossy(&out).into_owned(),
        Err(e) => format!("{}\n", serde_json::json!({ "error": e.to_string() })),
    }
}

/// `json_document`, written to `out` as it is serialised.
pub fn write_json(doc: &impl serde::Serialize, mut out: impl Write) -> io::Result<()> {
    let mut serializer =
        serde_json::Serializer::with_formatter(&mut out, crate::escape::SafeJson::default());
    doc.serialize(&mut serializer)?;
    out.write_all(b"\n")
}
