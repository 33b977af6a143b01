//! The policy test runner (`onus test`): the checked program in, one result
//! per `test` block out. Each test evaluates the whole policy against its
//! own `given` facts and compares statuses and failing keys with `expect`.
//! A `given file` in YAML is read by the run's YAML schema, as `--facts`
//! is, and its F040 warnings are kept with the test's result. Coverage:
//! which checked controls the tests expect something of, and which of
//! their `require` clauses a subject failed or held (`clauses`).

mod clauses;

pub use clauses::{Clause, Exercised};

use crate::check::program::{ExpectTarget, Expectation, Given, Program, Status, Test};
use crate::diagnostic::Diagnostic;
use crate::eval::{self, Machine, Options, Outcome};
use crate::facts::{Facts, FactsFormat, Limits, YamlSchema};
use crate::source::Span;
use std::collections::BTreeSet;

/// One `expect` line and what happened.
#[derive(Debug, Clone, PartialEq)]
pub struct ExpectResult {
    /// `control NAME` or `assertion "NAME"`.
    pub target: String,
    pub expected: String,
    pub actual: String,
    /// Keys expected to fail but passing (`-`) and failing but not expected (`+`).
    pub missing_keys: Vec<String>,
    pub unexpected_keys: Vec<String>,
    /// The control's first subject error, when the expectation is not met.
    pub first_error: Option<FirstError>,
    pub ok: bool,
    pub span: Span,
}

/// The first error of a control that errored: which subject, where in the
/// facts, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct FirstError {
    pub subject: String,
    pub pointer: Option<String>,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TestResult {
    pub name: String,
    pub span: Span,
    /// Why the test could not run (unreadable `given file`, bad facts).
    pub error: Option<String>,
    pub expects: Vec<ExpectResult>,
    /// The F040 warnings of its YAML `given file`s read by YAML 1.2.
    pub warnings: Vec<Diagnostic>,
    /// For each control it expects something of: what its subjects did to
    /// the control's `require` clauses.
    pub exercised: Vec<(usize, Exercised)>,
}

impl TestResult {
    pub fn passed(&self) -> bool {
        self.error.is_none() && self.expects.iter().all(|e| e.ok)
    }
}

/// Every test of the program; YAML `given file`s are read by `schema`.
pub fn run(program: &Program, options: &Options, schema: YamlSchema) -> Vec<TestResult> {
    program
        .tests
        .iter()
        .map(|t| run_one(program, t, options, schema))
        .collect()
}

/// One `given`'s facts as text in its format: its literal (JSON) or its
/// file (by extension, as for `--facts`).
fn given_text(
    program: &Program,
    source: &Given,
    options: &Options,
) -> Result<(String, FactsFormat), String> {
    match source {
        Given::File(path, _) => std::fs::read_to_string(path)
            .map(|text| (text, FactsFormat::of_path(&path.to_string_lossy())))
            .map_err(|e| {
                format!(
                    "cannot read given file {}: {}",
                    crate::session::display_name(path),
                    crate::session::io_reason(&e)
                )
            }),
        Given::Inline(ir, slots) => {
            let ev = eval::Evaluator::new(program, None, 0, options);
            let mut m = Machine::new(&ev, *slots);
            m.eval(ir)
                .map(|v| (v.to_json().to_string(), FactsFormat::Json))
                .map_err(|e| format!("cannot build the given facts: {}", e.message()))
        }
    }
}

/// Every `given` of the test parsed, each named one mounted under its name
/// (`{}` when the test gives nothing), and the F040 warnings of its files.
fn given_facts(
    program: &Program,
    test: &Test,
    options: &Options,
    schema: YamlSchema,
) -> Result<(Vec<Facts>, Vec<Diagnostic>), String> {
    if test.givens.is_empty() {
        let empty = Facts::parse("{}".into(), None, FactsFormat::Json);
        return empty
            .map(|f| (vec![f], Vec::new()))
            .map_err(|e| e.to_string());
    }
    let mut warnings = Vec::new();
    let mut documents = Vec::new();
    for g in &test.givens {
        let (text, format) = given_text(program, &g.source, options)?;
        let read = Facts::read_noting(
            text.as_bytes(),
            g.name.clone(),
            format,
            &Limits::default(),
            schema,
        );
        let (facts, ambiguities) = read.map_err(|e| match &g.name {
            Some(name) => format!("invalid given facts `{name}`: {e}"),
            None => format!("invalid given facts: {e}"),
        })?;
        if let Given::File(path, _) = &g.source {
            let source = crate::session::display_name(path);
            warnings.extend(crate::yaml_warnings::warnings(
                &source,
                &facts,
                &ambiguities,
            ));
        }
        documents.push(facts);
    }
    Ok((documents, warnings))
}

fn run_one(program: &Program, test: &Test, options: &Options, schema: YamlSchema) -> TestResult {
    let mut result = TestResult {
        name: test.name.clone(),
        span: test.span,
        error: None,
        expects: Vec::new(),
        warnings: Vec::new(),
        exercised: Vec::new(),
    };
    let documents = match given_facts(program, test, options, schema) {
        Ok((documents, warnings)) => {
            result.warnings = warnings;
            documents
        }
        Err(e) => {
            result.error = Some(e);
            return result;
        }
    };
    let root = match crate::session::combine_facts(documents.iter()) {
        Ok(root) => root,
        Err(e) => {
            result.error = Some(format!("cannot combine the given facts: {e}"));
            return result;
        }
    };
    let nodes = documents.iter().map(Facts::node_count).sum();
    let outcome = eval::evaluate(program, root, nodes, options);
    result.expects = test
        .expects
        .iter()
        .map(|x| compare(program, &outcome, &x.target, &x.expectation, x.span))
        .collect();
    let expected: BTreeSet<usize> = test
        .expects
        .iter()
        .filter_map(|x| match x.target {
            ExpectTarget::Control(i) => Some(i),
            ExpectTarget::Assertion(_) => None,
        })
        .collect();
    result.exercised = expected
        .into_iter()
        .map(|i| (i, Exercised::of(&program.controls[i], &outcome.controls[i])))
        .collect();
    result
}

fn compare(
    program: &Program,
    outcome: &Outcome,
    target: &ExpectTarget,
    expectation: &Expectation,
    span: Span,
) -> ExpectResult {
    let (name, status, failing, first_error) = match target {
        ExpectTarget::Control(i) => {
            let r = &outcome.controls[*i];
            let first_error = r.errors.first().map(|e| FirstError {
                subject: e.key.clone(),
                pointer: e.pointer.clone(),
                message: e.message.clone(),
            });
            let failing: BTreeSet<String> = r
                .violations
                .iter()
                .filter(|v| !v.waived)
                .map(|v| v.key.clone())
                .collect();
            (
                format!("control {}", program.controls[*i].id),
                r.status,
                failing,
                first_error,
            )
        }
        ExpectTarget::Assertion(i) => (
            format!("assertion \"{}\"", program.assertions[*i].name),
            outcome.assertions[*i].status,
            BTreeSet::new(),
            None,
        ),
    };
    let (wanted, expected) = match expectation {
        Expectation::Passes => (Status::Pass, "passes".to_string()),
        Expectation::Fails(None) => (Status::Fail, "fails".to_string()),
        Expectation::Fails(Some(keys)) => {
            (Status::Fail, format!("fails on [{}]", quoted(keys.iter())))
        }
        Expectation::Errors => (Status::Error, "errors".to_string()),
        Expectation::Is(s) => (*s, format!("is {}", s.as_str())),
    };
    let (missing_keys, unexpected_keys) = match expectation {
        Expectation::Fails(Some(keys)) => {
            let keys: BTreeSet<String> = keys.iter().cloned().collect();
            (
                keys.difference(&failing).cloned().collect(),
                failing.difference(&keys).cloned().collect(),
            )
        }
        _ => (Vec::new(), Vec::new()),
    };
    let actual = match status {
        Status::Fail if !failing.is_empty() => format!("fail on [{}]", quoted(failing.iter())),
        s => s.as_str().to_string(),
    };
    let ok = status == wanted && missing_keys.is_empty() && unexpected_keys.is_empty();
    ExpectResult {
        target: name,
        ok,
        first_error: first_error.filter(|_| !ok),
        expected,
        actual,
        missing_keys,
        unexpected_keys,
        span,
    }
}

fn quoted<'k>(keys: impl Iterator<Item = &'k String>) -> String {
    keys.map(|k| format!("{k:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Test coverage of one control: whether it is checked and exercised, and
/// what the tests' subjects did to each of its `require` clauses.
#[derive(Debug, Clone, PartialEq)]
pub struct Coverage {
    pub control: usize,
    pub checked: bool,
    pub tested: bool,
    pub clauses: Vec<Clause>,
}

/// Coverage of every control by the tests that ran (`results`).
pub fn coverage(program: &Program, results: &[TestResult]) -> Vec<Coverage> {
    let tested: BTreeSet<usize> = program
        .tests
        .iter()
        .flat_map(|t| &t.expects)
        .filter_map(|x| match x.target {
            ExpectTarget::Control(i) => Some(i),
            ExpectTarget::Assertion(_) => None,
        })
        .collect();
    let mut exercised: Vec<Option<Exercised>> = vec![None; program.controls.len()];
    for (i, x) in results.iter().flat_map(|r| &r.exercised) {
        match &mut exercised[*i] {
            Some(seen) => seen.merge(x),
            slot => *slot = Some(x.clone()),
        }
    }
    program
        .controls
        .iter()
        .enumerate()
        .map(|(i, c)| Coverage {
            control: i,
            checked: c.checked(),
            tested: tested.contains(&i),
            clauses: clauses::clauses(c, exercised[i].as_ref()),
        })
        .collect()
}

/// Percentage of checked controls that some test exercises (100 when none
/// is checked).
pub fn coverage_percent(cov: &[Coverage]) -> f64 {
    let checked = cov.iter().filter(|c| c.checked).count();
    if checked == 0 {
        return 100.0;
    }
    let tested = cov.iter().filter(|c| c.checked && c.tested).count();
    100.0 * tested as f64 / checked as f64
}
