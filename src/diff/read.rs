//! Reading `onus check --format json` reports back. In: a file (or its
//! text). Out: a typed `Report`, or one diagnostic saying what is wrong and
//! where — file, line and column for text that is not JSON, the JSON pointer
//! (and line and column) of a field of the wrong shape, or the `version` when
//! it is not the one this onus writes. Fields this reader does not know are
//! ignored, so reports that later builds extend without raising `version`
//! still read.

use crate::diagnostic::Diagnostic;
use crate::session::{display_name, read_json_text};
use crate::value::{Word, WordClass};
use serde::{Deserialize, Deserializer};
use std::collections::HashSet;
use std::path::Path;

/// The one report version this onus reads: the one it writes.
pub const VERSION: u64 = crate::report::json::VERSION as u64;

/// What every refusal suggests: where a readable report comes from.
/// The largest report read (`diff`, `merge`, `--baseline`): the most facts
/// one run reads (`facts::DEFAULT_MAX_SIZE`), as its report may list them all.
pub const MAX_REPORT_BYTES: u64 = crate::facts::DEFAULT_MAX_SIZE;

const HELP: &str = "onus diff and --baseline read the output of `onus check --format json`";

/// One `onus check --format json` report, as far as comparing needs it.
#[derive(Debug, Deserialize)]
pub struct Report {
    pub controls: Vec<Control>,
    #[serde(default)]
    pub assertions: Vec<Assertion>,
    /// Absent when the policy has no waivers.
    #[serde(default)]
    pub waivers: Vec<Waiver>,
    #[serde(default)]
    pub diagnostics: Vec<ReportDiagnostic>,
}

/// A diagnostic of the run, as far as telling whether it loaded needs.
#[derive(Debug, Deserialize)]
pub struct ReportDiagnostic {
    pub code: String,
    pub severity: String,
    pub message: String,
}

#[derive(Debug, Deserialize)]
pub struct Control {
    pub id: String,
    pub service: String,
    pub layer: String,
    pub owner: String,
    pub decider: Option<String>,
    pub operator: Option<String>,
    /// Who answers for the layer; absent from reports before parties.
    pub accountable: Option<String>,
    #[serde(deserialize_with = "severity")]
    pub severity: Word,
    #[serde(deserialize_with = "enforcement")]
    pub enforce: Word,
    pub team: Option<String>,
    /// A string, not a closed set: later builds may add statuses.
    pub status: String,
    pub violations: Vec<Violation>,
    pub errors: Vec<SubjectError>,
}

#[derive(Debug, Deserialize)]
pub struct Violation {
    pub key: String,
    pub pointer: Option<String>,
    pub message: String,
    #[serde(default)]
    pub waived: bool,
}

#[derive(Debug, Deserialize)]
pub struct SubjectError {
    pub key: String,
    pub pointer: Option<String>,
    pub message: String,
    /// A current attestation vouched for it; absent before attestations.
    #[serde(default)]
    pub attested: bool,
}

#[derive(Debug, Deserialize)]
pub struct Assertion {
    pub name: String,
    pub status: String,
}

#[derive(Debug, Deserialize, PartialEq, Eq)]
pub struct Waiver {
    pub control: String,
    /// None waives every subject of the control.
    pub keys: Option<Vec<String>>,
    pub until: Option<String>,
    pub by: Option<String>,
    pub because: Option<String>,
    #[serde(default)]
    pub expired: bool,
}

impl Waiver {
    /// The waiver in one line, as `report::waiver_note` writes a policy's:
    /// "waived until DATE by WHO: WHY", each part when the waiver has it.
    pub fn note(&self) -> String {
        let mut note = String::from("waived");
        for (prefix, part) in [
            (" until ", &self.until),
            (" by ", &self.by),
            (": ", &self.because),
        ] {
            if let Some(part) = part {
                note.push_str(prefix);
                note.push_str(part);
            }
        }
        note
    }
}

fn word<'de, D: Deserializer<'de>>(
    d: D,
    class: WordClass,
    expected: &str,
) -> Result<Word, D::Error> {
    let s = String::deserialize(d)?;
    Word::parse(&s)
        .filter(|w| w.class() == class)
        .ok_or_else(|| {
            serde::de::Error::custom(format!("unknown value `{s}`, expected {expected}"))
        })
}

fn severity<'de, D: Deserializer<'de>>(d: D) -> Result<Word, D::Error> {
    word(
        d,
        WordClass::Severity,
        "info, low, medium, high or critical",
    )
}

fn enforcement<'de, D: Deserializer<'de>>(d: D) -> Result<Word, D::Error> {
    word(d, WordClass::Enforcement, "advisory, soft or hard")
}

/// Only the version, read first: a report of another version may have any
/// other shape, and must be refused for its version, not its shape. Only a
/// JSON object is one (serde would read a struct from an array too).
struct Versioned {
    version: Option<serde_json::Value>,
}

impl<'de> Deserialize<'de> for Versioned {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Object;
        impl<'de> serde::de::Visitor<'de> for Object {
            type Value = Versioned;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object (an onus check report)")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Versioned, A::Error> {
                let mut version = None;
                while let Some(key) = map.next_key::<String>()? {
                    if key == "version" {
                        version = Some(map.next_value()?);
                    } else {
                        map.next_value::<serde::de::IgnoredAny>()?;
                    }
                }
                Ok(Versioned { version })
            }
        }
        d.deserialize_map(Object)
    }
}

/// Reads and checks a report file; `path` is shown as the user wrote it.
#[allow(
    clippy::result_large_err,
    reason = "read once or twice per run; the error is rendered at once"
)]
pub fn load(path: &Path) -> Result<Report, Diagnostic> {
    let (name, text) = read_text(path)?;
    parse(&name, &text)
}

/// A report file's name as shown and its text, F030 when it cannot be read
/// and F031 when it is not UTF-8.
#[allow(
    clippy::result_large_err,
    reason = "read once or twice per run; the error is rendered at once"
)]
pub fn read_text(path: &Path) -> Result<(String, String), Diagnostic> {
    let name = display_name(path);
    let bytes = read_json_text(path, MAX_REPORT_BYTES)
        .map_err(|e| Diagnostic::error("F030", format!("cannot read report {name}: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let (line, column) =
            crate::source::byte_position(e.as_bytes(), e.utf8_error().valid_up_to());
        Diagnostic::error("F031", format!("report {name} is not valid UTF-8"))
            .at(name.clone(), line, column)
            .with_help(HELP)
    })?;
    Ok((name, text))
}

/// Checks and reads the text of a report named `name`.
#[allow(
    clippy::result_large_err,
    reason = "read once or twice per run; the error is rendered at once"
)]
pub fn parse(name: &str, text: &str) -> Result<Report, Diagnostic> {
    let versioned: Versioned = deserialize(name, text)?;
    match versioned.version {
        None => Err(Diagnostic::error(
            "F032",
            format!("{name} is not an onus check report: it has no `version` field"),
        )
        .with_help(HELP)),
        Some(v) if v.as_u64() == Some(VERSION) => {
            let report: Report = deserialize(name, text)?;
            check_identities(name, &report)?;
            check_loaded(name, &report)?;
            Ok(report)
        }
        Some(serde_json::Value::Number(n)) => Err(Diagnostic::error(
            "F033",
            format!("{name} is a report of version {n}; this onus reads version {VERSION} only"),
        )
        .with_help("compare reports written by the same onus release, or run `onus check --format json` again with this one")),
        Some(other) => Err(Diagnostic::error(
            "F032",
            format!(
                "{name} is not an onus check report: at /version: expected the number {VERSION}, found {}",
                crate::escape::terminal(&described(&other))
            ),
        )
        .with_help(HELP)),
    }
}

/// A JSON value in a message: short scalars as written, the rest by kind.
fn described(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Array(_) => "an array".into(),
        serde_json::Value::Object(_) => "an object".into(),
        serde_json::Value::String(s) if s.chars().count() > 40 => "a long string".into(),
        scalar => scalar.to_string(),
    }
}

#[allow(
    clippy::result_large_err,
    reason = "read once or twice per run; the error is rendered at once"
)]
fn deserialize<T: serde::de::DeserializeOwned>(name: &str, text: &str) -> Result<T, Diagnostic> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut de)
        .map_err(|e| refusal(name, text, e.inner(), &pointer(e.path())))?;
    // Text after the document.
    de.end().map_err(|e| refusal(name, text, &e, "/"))?;
    Ok(value)
}

/// A serde_json error as a diagnostic: F032 for a value of the wrong shape
/// (at `pointer`), F031 for text that is not JSON; both with the position.
fn refusal(name: &str, text: &str, e: &serde_json::Error, pointer: &str) -> Diagnostic {
    let (line, column) = char_position(text, e.line(), e.column());
    let message = crate::escape::terminal(&strip_position(e)).into_owned();
    let diagnostic = if e.is_data() {
        Diagnostic::error(
            "F032",
            format!(
                "{name} is not an onus check report: at {}: {message}",
                crate::escape::terminal(pointer)
            ),
        )
    } else {
        Diagnostic::error(
            "F031",
            format!("report {name} is not valid JSON: {message}"),
        )
    };
    diagnostic.at(name, line, column).with_help(HELP)
}

/// The RFC 6901 pointer of a serde path; `/` for the document itself.
fn pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path.iter() {
        out.push('/');
        match segment {
            Segment::Seq { index } => out.push_str(&index.to_string()),
            Segment::Map { key } => out.push_str(&key.replace('~', "~0").replace('/', "~1")),
            Segment::Enum { variant } => out.push_str(variant),
            Segment::Unknown => out.push('?'),
        }
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// serde_json's message without its " at line L column C" suffix.
fn strip_position(e: &serde_json::Error) -> String {
    let message = e.to_string();
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message,
    }
}

/// serde_json's line and byte column as a line and a column in characters
/// (both 1-based; serde says column 0 for an error before a line's first
/// byte).
fn char_position(text: &str, line: usize, byte_column: usize) -> (usize, usize) {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let mut offset = (line_start + byte_column.saturating_sub(1)).min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    crate::source::byte_position(text.as_bytes(), offset)
}

/// Control ids name subjects, and waivers name controls: a report that
/// repeats an id, or waives a control it does not have, is not onus's.
#[allow(
    clippy::result_large_err,
    reason = "read once or twice per run; the error is rendered at once"
)]
fn check_identities(name: &str, report: &Report) -> Result<(), Diagnostic> {
    let refuse = |pointer: String, what: String| {
        Diagnostic::error(
            "F032",
            format!("{name} is not an onus check report: at {pointer}: {what}"),
        )
        .with_help(HELP)
    };
    let mut ids = HashSet::new();
    for (i, c) in report.controls.iter().enumerate() {
        if !ids.insert(c.id.as_str()) {
            let id = crate::escape::terminal(&c.id);
            return Err(refuse(
                format!("/controls/{i}/id"),
                format!("control `{id}` appears twice"),
            ));
        }
    }
    for (i, w) in report.waivers.iter().enumerate() {
        if !ids.contains(w.control.as_str()) {
            let id = crate::escape::terminal(&w.control);
            return Err(refuse(
                format!("/waivers/{i}/control"),
                format!("no control `{id}` in the report"),
            ));
        }
    }
    Ok(())
}

/// A run that did not load has no results (its `controls` are empty):
/// compared, everything it lacks would look fixed, or new. Refused by the
/// rule of `check`'s exit 2: an error diagnostic other than a limit's.
#[allow(
    clippy::result_large_err,
    reason = "read once or twice per run; the error is rendered at once"
)]
fn check_loaded(name: &str, report: &Report) -> Result<(), Diagnostic> {
    let fatal = report
        .diagnostics
        .iter()
        .find(|d| d.severity == "error" && !d.code.starts_with('L'));
    match fatal {
        Some(d) => Err(Diagnostic::error(
            "F034",
            format!(
                "{name} is the report of a run that did not load ({}: {}); it has no results to compare",
                crate::escape::terminal(&d.code),
                crate::escape::terminal(&d.message)
            ),
        )
        .with_help("fix what its diagnostics say and run `onus check --format json` again")),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(text: &str) -> Diagnostic {
        parse("r.json", text).expect_err("refused")
    }

    #[test]
    fn syntax_errors_have_a_line_and_a_column_in_characters() {
        let d = refusal("{\n  \"version\": 1,\n  \"é\": [1,]\n}");
        assert_eq!(d.code, "F031");
        assert_eq!(d.at, Some(("r.json".into(), 3, 11)));
    }

    #[test]
    fn shape_errors_name_the_pointer() {
        let d = refusal(
            r#"{"version": 1, "controls": [{"id": "a", "service": "s", "layer": "l",
            "owner": "customer", "severity": "high", "enforce": "hard",
            "status": 3, "violations": [], "errors": []}]}"#,
        );
        assert_eq!(d.code, "F032");
        assert!(
            d.message.contains("at /controls/0/status: invalid type"),
            "{}",
            d.message
        );
        assert_eq!(d.at.as_ref().map(|a| a.1), Some(3));
    }

    #[test]
    fn missing_fields_and_unknown_words_are_shape_errors() {
        let d = refusal(r#"{"version": 1}"#);
        assert!(
            d.message.contains("at /: missing field `controls`"),
            "{}",
            d.message
        );
        let d = refusal(
            r#"{"version": 1, "controls": [{"id": "a", "service": "s", "layer": "l",
            "owner": "customer", "severity": "urgent", "enforce": "hard",
            "status": "pass", "violations": [], "errors": []}]}"#,
        );
        assert!(
            d.message
                .contains("at /controls/0/severity: unknown value `urgent`"),
            "{}",
            d.message
        );
    }

    #[test]
    fn other_versions_and_foreign_documents_are_refused() {
        assert_eq!(refusal(r#"{"version": 2, "anything": true}"#).code, "F033");
        let sarif = refusal(r#"{"version": "2.1.0", "runs": []}"#);
        assert_eq!(sarif.code, "F032");
        assert!(
            sarif.message.contains("found \"2.1.0\""),
            "{}",
            sarif.message
        );
        assert_eq!(refusal("[1, 2]").code, "F032");
        assert_eq!(refusal(r#"{"controls": []}"#).code, "F032");
        assert_eq!(refusal(r#"{"version": 1, "controls": []} x"#).code, "F031");
        let not_loaded = r#"{"version": 1, "controls": [], "diagnostics": [
            {"code": "L001", "severity": "error", "message": "budget"},
            {"code": "P001", "severity": "error", "message": "expected `}`"}]}"#;
        let d = refusal(not_loaded);
        assert_eq!(d.code, "F034");
        assert!(d.message.contains("P001: expected `}`"), "{}", d.message);
    }

    #[test]
    fn unknown_fields_are_ignored() {
        let report = parse(
            "r.json",
            r#"{"version": 1, "run": {"onus_version": "9"}, "controls": [{"id": "a",
            "service": "s", "layer": "l", "owner": "platform", "accountable": "payments",
            "tier": ["a", "b"], "severity": "high", "enforce": "hard", "status": "attested",
            "violations": [], "errors": [], "passed": []}]}"#,
        )
        .expect("read");
        assert_eq!(report.controls[0].status, "attested");
        assert_eq!(report.controls[0].owner, "platform");
    }

    #[test]
    fn a_repeated_control_id_is_refused() {
        let control = r#"{"id": "a", "service": "s", "layer": "l", "owner": "customer",
            "severity": "high", "enforce": "hard", "status": "pass", "violations": [], "errors": []}"#;
        let d = refusal(&format!(
            r#"{{"version": 1, "controls": [{control}, {control}]}}"#
        ));
        assert!(d.message.contains("at /controls/1/id"), "{}", d.message);
    }
}
