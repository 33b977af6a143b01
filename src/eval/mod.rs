//! Evaluation: the checked program and the facts in, one result per control
//! and per assertion out (SPEC §5). Missing facts and type errors make the
//! subject `error`, never `pass`; limits stop the control with a diagnostic.
//! This file holds the evaluator, the result types and the run over every
//! control and assertion; one control's visit is in `visit`, its status and
//! notes in `status`, the threads in `parallel`.

mod build;
mod builtins;
mod calls;
pub mod cidr;
pub mod findings;
mod index;
mod keys;
mod machine;
mod ops;
mod parallel;
mod patterns;
pub mod policy;
mod status;
pub mod stream;
mod visit;

use crate::check::program::{PolicyList, Program, Status};
use crate::diagnostic::Diagnostic;
use crate::source::Span;
use crate::value::Value;
pub use crate::value::error;
pub use build::Items;
use error::{ErrorKind, EvalError};
pub use findings::Findings;
use jiff::civil::Date;
pub use machine::Machine;
pub(crate) use parallel::in_parallel;
use parallel::jobs;
use status::{Exceptions, limit_diagnostic, status_of};
use std::sync::OnceLock;
use std::time::{Duration, Instant};
pub use visit::{NoObserver, Observer, Seen, Verdict, observe_control};
use visit::{run_control, visit_subjects};

pub use builtins::{from_json, to_date};

/// Steps every control may take whatever the input size; the budget grows
/// by `STEPS_PER_NODE` for each node of the facts, so linear work on any
/// input fits and runaway (cubic) work is stopped in seconds.
pub const BASE_STEPS: u64 = 50_000_000;
pub const STEPS_PER_NODE: u64 = 100;

#[derive(Clone, Debug)]
pub struct Options {
    pub now: Date,
    /// Step budget per control; None: `BASE_STEPS + STEPS_PER_NODE × nodes`.
    pub max_steps: Option<u64>,
    pub timeout: Option<Duration>,
    /// Threads evaluating controls; None: one per core for large facts.
    pub jobs: Option<usize>,
    /// Record the key and pointer of every passing subject too
    /// (`--show-passed`).
    pub show_passed: bool,
}

pub struct Evaluator<'a> {
    pub program: &'a Program,
    /// The facts root; None during static analysis.
    pub facts: Option<Value<'a>>,
    pub now: Date,
    pub max_steps: u64,
    pub deadline: Option<Instant>,
    pub show_passed: bool,
    globals: Vec<OnceLock<Result<Value<'a>, EvalError<'a>>>>,
    /// The introspection lists, built on first use (most policies never
    /// read them, and a large policy makes them large).
    lists: [OnceLock<Value<'static>>; 4],
    /// Control statuses for `controls[].status`, once they are known.
    statuses: Option<Vec<Status>>,
    /// Hash indexes of large facts objects, built once per run.
    indexes: index::SharedIndexes<'a>,
    /// Compiled patterns, once per run.
    patterns: patterns::SharedPatterns,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Violation {
    pub key: String,
    pub pointer: Option<String>,
    pub message: String,
    pub waived: bool,
    /// The `require` that failed first.
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SubjectError {
    pub key: String,
    pub pointer: Option<String>,
    pub message: String,
    pub span: Span,
    /// A current attestation vouches for this subject: what the facts
    /// could not show, a person checked.
    pub attested: bool,
}

/// A subject that met every `require` (kept with `--show-passed`).
#[derive(Clone, Debug, PartialEq)]
pub struct Passed {
    pub key: String,
    pub pointer: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ControlResult {
    pub status: Status,
    /// Subjects checked (after `where`).
    pub subjects: usize,
    /// Subjects the `where` clause left out.
    pub filtered: usize,
    pub violations: Findings<Violation>,
    pub errors: Findings<SubjectError>,
    /// The passing subjects, in order; None unless `Options::show_passed`.
    pub passed: Option<Findings<Passed>>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AssertionResult {
    pub status: Status,
    pub message: Option<String>,
}

#[derive(Debug, Default)]
pub struct Outcome {
    pub controls: Vec<ControlResult>,
    pub assertions: Vec<AssertionResult>,
    /// Limits hit during evaluation (budget, timeout).
    pub diagnostics: Vec<Diagnostic>,
}

impl<'a> Evaluator<'a> {
    /// The root value of one facts document.
    pub fn root(facts: &'a crate::facts::Facts) -> Value<'a> {
        Value::from_node(facts, facts.root())
    }

    pub fn new(
        program: &'a Program,
        facts: Option<Value<'a>>,
        fact_nodes: usize,
        options: &Options,
    ) -> Self {
        Evaluator {
            program,
            facts,
            now: options.now,
            max_steps: options.max_steps.unwrap_or(
                BASE_STEPS.saturating_add(STEPS_PER_NODE.saturating_mul(fact_nodes as u64)),
            ),
            deadline: options.timeout.map(|t| Instant::now() + t),
            show_passed: options.show_passed,
            globals: program.globals.iter().map(|_| OnceLock::new()).collect(),
            lists: Default::default(),
            statuses: None,
            indexes: Default::default(),
            patterns: Default::default(),
        }
    }

    fn global(&self, i: usize, m: &mut Machine<'a, '_>) -> Result<Value<'a>, EvalError<'a>> {
        let g = &self.program.globals[i];
        self.globals[i]
            .get_or_init(|| {
                // Shared by every control: an element that fails is kept,
                // for the subjects that read it (`eval::build`).
                let tolerant = std::mem::replace(&mut m.tolerant, true);
                let value = m.in_frame(g.slots, Vec::new(), &g.value);
                m.tolerant = tolerant;
                value
            })
            .clone()
    }

    fn policy_list(&self, list: PolicyList) -> Value<'a> {
        let program = self.program;
        let (i, build): (usize, &dyn Fn() -> Value<'static>) = match list {
            PolicyList::Controls => (0, &|| policy::controls(program, self.statuses.as_deref())),
            PolicyList::Services => (1, &|| policy::services(program)),
            PolicyList::Layers => (2, &|| policy::layers(program)),
            PolicyList::Parties => (3, &|| policy::parties(program)),
        };
        self.lists[i].get_or_init(build).clone()
    }

    /// Gives `controls[].status` its values for the assertions, and forgets
    /// globals that may have read the earlier list.
    fn set_statuses(&mut self, statuses: &[Status]) {
        self.statuses = Some(statuses.to_vec());
        self.lists[0] = OnceLock::new();
        self.globals = self
            .program
            .globals
            .iter()
            .map(|_| OnceLock::new())
            .collect();
    }
}

/// Evaluates every control, then every assertion.
pub fn evaluate<'a>(
    program: &'a Program,
    facts: Option<Value<'a>>,
    fact_nodes: usize,
    options: &Options,
) -> Outcome {
    let mut ev = Evaluator::new(program, facts, fact_nodes, options);
    let static_only = ev.facts.is_none();
    let jobs = jobs(options, fact_nodes);
    let mut controls = Vec::with_capacity(program.controls.len());
    let mut diagnostics = Vec::new();
    let one = |i| control_outcome(&ev, i, static_only);
    for (result, notes) in in_parallel(program.controls.len(), jobs, one) {
        controls.push(result);
        diagnostics.extend(notes);
    }
    let assertions = assertions(&mut ev, &controls);
    Outcome {
        controls,
        assertions,
        diagnostics,
    }
}

/// Control `i`'s result, and its notes: subject-key warnings, then the
/// L001 diagnostic of a limit that stopped it.
fn control_outcome(
    ev: &Evaluator<'_>,
    i: usize,
    static_only: bool,
) -> (ControlResult, Vec<Diagnostic>) {
    let c = &ev.program.controls[i];
    if static_only && c.checked() {
        return (ControlResult::empty(Status::Unevaluated), Vec::new());
    }
    let exceptions = Exceptions::of(ev.program, i);
    let (result, stopped, mut notes) = run_control(ev, c, &exceptions, &mut NoObserver);
    notes.extend(stopped.map(|limit| limit_diagnostic(c, &limit)));
    (result, notes)
}

/// Every assertion, once the controls' statuses are known.
fn assertions(ev: &mut Evaluator<'_>, controls: &[ControlResult]) -> Vec<AssertionResult> {
    let statuses: Vec<Status> = controls.iter().map(|r| r.status).collect();
    ev.set_statuses(&statuses);
    let ev = &*ev;
    ev.program
        .assertions
        .iter()
        .map(|a| {
            let mut m = Machine::new(ev, a.slots);
            match m.eval_bool(&a.cond, "an assertion") {
                Ok(true) => AssertionResult {
                    status: Status::Pass,
                    message: None,
                },
                Ok(false) => AssertionResult {
                    status: Status::Fail,
                    message: None,
                },
                Err(e) if matches!(e.kind, ErrorKind::NoFacts) => AssertionResult {
                    status: Status::Unevaluated,
                    message: Some(e.message()),
                },
                Err(e) => AssertionResult {
                    status: Status::Error,
                    message: Some(e.message()),
                },
            }
        })
        .collect()
}

impl Outcome {
    /// Why findings spilled to a temporary file could not be read back
    /// (`findings`), if some could not: what was written from them lacks
    /// them.
    pub fn findings_failure(&self) -> Option<String> {
        self.controls.iter().find_map(|r| {
            r.violations
                .failure()
                .or_else(|| r.errors.failure())
                .or_else(|| r.passed.as_ref().and_then(Findings::failure))
        })
    }
}

impl ControlResult {
    fn empty(status: Status) -> Self {
        ControlResult {
            status,
            subjects: 0,
            filtered: 0,
            violations: Findings::new(),
            errors: Findings::new(),
            passed: None,
        }
    }
}
