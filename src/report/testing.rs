//! Renders `onus test` results: text (expected vs actual, with the key
//! differences) and JSON, then the line `N passed, M failed`; and the
//! control coverage table of `--coverage`, with each tested control's
//! `require` clauses: whether a subject failed it and whether one held it
//! (text, and a `coverage` member of the JSON report).

use crate::check::program::Program;
use crate::escape::terminal;
use crate::source::SourceMap;
use crate::testing::{Clause, Coverage, FirstError, TestResult, coverage_percent};
use serde::Serialize;
use std::fmt::Write;

pub fn summary_line(results: &[TestResult]) -> String {
    let passed = results.iter().filter(|r| r.passed()).count();
    format!("{passed} passed, {} failed", results.len() - passed)
}

pub fn text(results: &[TestResult], sources: &SourceMap) -> String {
    let mut out = String::new();
    for r in results {
        let verdict = if r.passed() { "PASS" } else { "FAIL" };
        let (file, line) = location(sources, r.span);
        let _ = writeln!(out, "{verdict}  {}  ({file}:{line})", terminal(&r.name));
        if let Some(e) = &r.error {
            let _ = writeln!(out, "      error: {}", terminal(e));
        }
        for x in r.expects.iter().filter(|x| !x.ok) {
            let (_, line) = location(sources, x.span);
            let _ = writeln!(
                out,
                "      line {line}: expect {} {}",
                terminal(&x.target),
                terminal(&x.expected)
            );
            let _ = writeln!(out, "        expected: {}", terminal(&x.expected));
            let _ = writeln!(out, "        actual:   {}", terminal(&x.actual));
            if let Some(e) = &x.first_error {
                let _ = writeln!(out, "        error:    {}", terminal(&describe(e)));
            }
            for k in &x.missing_keys {
                let _ = writeln!(
                    out,
                    "        - {:?}  expected to fail, but does not",
                    terminal(k)
                );
            }
            for k in &x.unexpected_keys {
                let _ = writeln!(
                    out,
                    "        + {:?}  fails, but was not expected to",
                    terminal(k)
                );
            }
        }
    }
    let _ = writeln!(out, "\n{}", summary_line(results));
    out
}

/// `subject "KEY" at POINTER: MESSAGE`.
fn describe(e: &FirstError) -> String {
    match &e.pointer {
        Some(pointer) => format!("subject {:?} at {pointer}: {}", e.subject, e.message),
        None => format!("subject {:?}: {}", e.subject, e.message),
    }
}

fn location(sources: &SourceMap, span: crate::source::Span) -> (String, usize) {
    let file = sources.get(span.file);
    (file.name.clone(), file.line_col(span.start).0)
}

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    coverage: Option<Vec<JsonCoverage<'a>>>,
    passed: usize,
    failed: usize,
    tests: Vec<JsonTest<'a>>,
}

#[derive(Serialize)]
struct JsonTest<'a> {
    name: &'a str,
    status: &'static str,
    file: String,
    line: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    expectations: Vec<JsonExpect<'a>>,
}

#[derive(Serialize)]
struct JsonExpect<'a> {
    target: &'a str,
    expected: &'a str,
    actual: &'a str,
    ok: bool,
    line: usize,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    missing_keys: &'a [String],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    unexpected_keys: &'a [String],
    /// The control's first error, when the expectation is not met.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<JsonError<'a>>,
}

#[derive(Serialize)]
struct JsonCoverage<'a> {
    control: &'a str,
    checked: bool,
    tested: bool,
    clauses: Vec<JsonClause<'a>>,
}

#[derive(Serialize)]
struct JsonClause<'a> {
    line: usize,
    require: &'a str,
    /// A subject of a test failed this clause.
    failed: bool,
    /// It held for a subject of a test.
    held: bool,
}

fn json_coverage<'a>(
    program: &'a Program,
    cov: &'a [Coverage],
    sources: &SourceMap,
) -> Vec<JsonCoverage<'a>> {
    cov.iter()
        .map(|c| JsonCoverage {
            control: &program.controls[c.control].id,
            checked: c.checked,
            tested: c.tested,
            clauses: c
                .clauses
                .iter()
                .map(|k| JsonClause {
                    line: location(sources, k.span).1,
                    require: &k.text,
                    failed: k.failed,
                    held: k.held,
                })
                .collect(),
        })
        .collect()
}

#[derive(Serialize)]
struct JsonError<'a> {
    subject: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pointer: Option<&'a str>,
    message: &'a str,
}

/// The JSON report; with `coverage`, its per-control coverage too.
pub fn json(
    results: &[TestResult],
    sources: &SourceMap,
    coverage: Option<(&Program, &[Coverage])>,
) -> String {
    let passed = results.iter().filter(|r| r.passed()).count();
    let report = JsonReport {
        version: 1,
        coverage: coverage.map(|(program, cov)| json_coverage(program, cov, sources)),
        passed,
        failed: results.len() - passed,
        tests: results
            .iter()
            .map(|r| {
                let (file, line) = location(sources, r.span);
                JsonTest {
                    name: &r.name,
                    status: if r.passed() { "pass" } else { "fail" },
                    file,
                    line,
                    error: r.error.as_deref(),
                    expectations: r
                        .expects
                        .iter()
                        .map(|x| JsonExpect {
                            target: &x.target,
                            expected: &x.expected,
                            actual: &x.actual,
                            ok: x.ok,
                            line: location(sources, x.span).1,
                            missing_keys: &x.missing_keys,
                            unexpected_keys: &x.unexpected_keys,
                            error: x.first_error.as_ref().map(|e| JsonError {
                                subject: &e.subject,
                                pointer: e.pointer.as_deref(),
                                message: &e.message,
                            }),
                        })
                        .collect(),
                }
            })
            .collect(),
    };
    super::json_document(&report)
}

/// `onus test --format junit`: a testsuite per policy file, a testcase per
/// `test` block, a `<failure>` listing its unmet expectations.
pub fn junit(results: &[TestResult], sources: &SourceMap) -> String {
    use super::junit::{Case, Outcome, Suite, render_suites};
    let mut suites: Vec<Suite> = Vec::new();
    for r in results {
        let (file, line) = location(sources, r.span);
        let outcome = match (&r.error, r.passed()) {
            (Some(e), _) => Outcome::Error {
                message: "the test could not run".into(),
                details: e.clone(),
            },
            (None, true) => Outcome::Passed,
            (None, false) => {
                let unmet: Vec<_> = r.expects.iter().filter(|x| !x.ok).collect();
                let details = unmet
                    .iter()
                    .map(|x| {
                        let mut d = format!(
                            "line {}: expect {} {}: actual {}\n",
                            location(sources, x.span).1,
                            x.target,
                            x.expected,
                            x.actual
                        );
                        for k in &x.missing_keys {
                            d.push_str(&format!("  - {k:?} expected to fail, but does not\n"));
                        }
                        for k in &x.unexpected_keys {
                            d.push_str(&format!("  + {k:?} fails, but was not expected to\n"));
                        }
                        if let Some(e) = &x.first_error {
                            d.push_str(&format!("  error: {}\n", describe(e)));
                        }
                        d
                    })
                    .collect();
                Outcome::Failure {
                    message: format!(
                        "{} of {} expectations not met",
                        unmet.len(),
                        r.expects.len()
                    ),
                    details,
                }
            }
        };
        let case = Case {
            classname: file.clone(),
            name: r.name.clone(),
            location: Some((file.clone(), line)),
            outcome,
            output: String::new(),
        };
        match suites.iter_mut().find(|s| s.name == file) {
            Some(suite) => suite.cases.push(case),
            None => suites.push(Suite {
                name: file,
                properties: Vec::new(),
                cases: vec![case],
            }),
        }
    }
    render_suites(&suites)
}

/// One coverage line: service(s), owner, control, coverage.
type Row<'p> = (String, &'p str, &'p str, &'p Coverage);

/// Per service and owner: which controls are checked and which are tested.
pub fn coverage_text(program: &Program, cov: &[Coverage], sources: &SourceMap) -> String {
    let mut rows: Vec<Row<'_>> = cov
        .iter()
        .map(|c| {
            let control = &program.controls[c.control];
            let service = control
                .services
                .iter()
                .map(|s| program.services[*s].id.as_str())
                .collect::<Vec<_>>()
                .join(",");
            (
                service,
                program.decider_name(control.owner),
                control.id.as_str(),
                c,
            )
        })
        .collect();
    rows.sort_by(|a, b| (&a.0, a.1, a.2).cmp(&(&b.0, b.1, b.2)));
    let width =
        |f: &dyn Fn(&Row<'_>) -> usize, min: usize| rows.iter().map(f).max().unwrap_or(0).max(min);
    let (ws, wo, wc) = (
        width(&|r| r.0.len(), 7),
        width(&|r| r.1.len(), 5),
        width(&|r| r.2.len(), 7),
    );
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:ws$}  {:wo$}  {:wc$}  checked  tested",
        "service", "owner", "control"
    );
    for (service, owner, control, c) in &rows {
        let yes = |b: bool| if b { "yes" } else { "no" };
        let _ = writeln!(
            out,
            "{:ws$}  {:wo$}  {:wc$}  {:7}  {}",
            terminal(service),
            owner,
            terminal(control),
            yes(c.checked),
            if c.checked { yes(c.tested) } else { "-" }
        );
    }
    let checked = cov.iter().filter(|c| c.checked).count();
    let tested = cov.iter().filter(|c| c.checked && c.tested).count();
    let _ = writeln!(
        out,
        "coverage: {tested} of {checked} checked controls exercised by a test ({:.1}%)",
        coverage_percent(cov)
    );
    write_clauses(&mut out, program, cov, sources);
    out
}

/// Each tested control's `require` clauses: failed by a subject, held for
/// one, both (`yes`) or neither (`no`); then how many were both.
fn write_clauses(out: &mut String, program: &Program, cov: &[Coverage], sources: &SourceMap) {
    let tested: Vec<&Coverage> = cov.iter().filter(|c| c.checked && c.tested).collect();
    if tested.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\nrequire clauses of the tested controls (failed: a test's subject failed it; held: it held for one)"
    );
    let yes = |b: bool| if b { "yes" } else { "no" };
    let all: Vec<&Clause> = tested.iter().flat_map(|c| &c.clauses).collect();
    for c in &tested {
        let _ = writeln!(out, "{}", terminal(&program.controls[c.control].id));
        for k in &c.clauses {
            let line = location(sources, k.span).1;
            let _ = writeln!(
                out,
                "  line {line:<4}  failed {:3}  held {:3}  {}",
                yes(k.failed),
                yes(k.held),
                terminal(&k.text)
            );
        }
    }
    let both = all.iter().filter(|k| k.failed && k.held).count();
    let _ = writeln!(
        out,
        "clauses: {both} of {} both failed and held by a test's subject",
        all.len()
    );
}
