//! Evaluation: the checked program and the facts in, one result per control
//! and per assertion out (SPEC §5). Missing facts and type errors make the
//! subject `error`, never `pass`; limits stop the control with a diagnostic.

mod build;
mod builtins;
mod calls;
pub mod cidr;
pub mod error;
mod index;
mod keys;
mod machine;
mod ops;
mod patterns;
pub mod policy;
pub mod stream;

use crate::check::program::{
    Attestation, Control, PolicyList, Program, Status, Step, Validity, Waiver,
};
use crate::diagnostic::Diagnostic;
use crate::source::Span;
use crate::value::Value;
pub use build::Items;
use error::{ErrorKind, EvalError};
use jiff::civil::Date;
use keys::SubjectKeys;
pub use machine::Machine;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

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
    pub violations: Vec<Violation>,
    pub errors: Vec<SubjectError>,
    /// The passing subjects, in order; None unless `Options::show_passed`.
    pub passed: Option<Vec<Passed>>,
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

/// Below this many facts nodes, starting threads costs more than it saves.
const PARALLEL_FROM_NODES: usize = 200_000;

/// The stack each worker thread starts with: address space, not memory,
/// until used. Larger than `machine::FRAME_STACK`, so that a function call
/// on a worker finds the room it needs where it is: with the default 2 MiB
/// every call took a fresh stack segment (an `mmap` and a `munmap`), and
/// `--jobs 2` ran four times slower than `--jobs 1` on a policy of `fn`s.
const WORKER_STACK: usize = 64 << 20;

/// `f(0..n)` on up to `jobs` threads, each taking the next index as it goes;
/// results come back in index order, so output never depends on scheduling.
/// Threads the system refuses (a thread or memory limit below `--jobs`)
/// are done without: the work goes to those that started, or to this one.
fn in_parallel<T: Send>(n: usize, jobs: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    if jobs <= 1 || n <= 1 {
        return (0..n).map(f).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        let mut mine = Vec::new();
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if i >= n {
                return mine;
            }
            mine.push((i, f(i)));
        }
    };
    let mut done: Vec<(usize, T)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..jobs.min(n))
            .map(|_| {
                std::thread::Builder::new()
                    .stack_size(WORKER_STACK)
                    .spawn_scoped(scope, work)
            })
            .collect();
        // A worker that could not be started leaves its share to the others
        // (or to this thread, when none started).
        let mut done: Vec<(usize, T)> = Vec::new();
        let mut started = 0;
        for w in workers.into_iter().flatten() {
            started += 1;
            done.extend(
                w.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            );
        }
        if started == 0 {
            done.extend(work());
        }
        done
    });
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, t)| t).collect()
}

/// Threads for the controls: `--jobs`, else one per core once the facts
/// are large enough to pay for them.
fn jobs(options: &Options, fact_nodes: usize) -> usize {
    match options.jobs {
        Some(n) => n.max(1),
        None if fact_nodes >= PARALLEL_FROM_NODES => {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        }
        None => 1,
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

fn limit_diagnostic(c: &Control, limit: &EvalError<'_>) -> Diagnostic {
    Diagnostic::error(
        "L001",
        format!("control `{}` stopped: {}", c.id, limit.message()),
    )
    .with_label(limit.span, "stopped while evaluating this")
    .with_help(
        "raise the limit with --max-steps N or --timeout SECONDS if this much work is expected",
    )
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
    /// `--require-subjects`: a checked control whose `for` selected no
    /// subject verified nothing, so it is not let pass. It becomes `error`
    /// (nothing failed; the check could not be made), with an error entry
    /// keyed `(for)` that says why, like a `for` that could not be read.
    pub fn require_subjects(&mut self, program: &Program) {
        for (c, r) in program.controls.iter().zip(&mut self.controls) {
            let Some(selection) = &c.selection else {
                continue;
            };
            if r.status != Status::Pass || r.subjects > 0 {
                continue;
            }
            let left_out = match r.filtered {
                0 => String::new(),
                n => format!(" ({n} left out by `where`)"),
            };
            r.status = Status::Error;
            r.errors.push(SubjectError {
                key: "(for)".into(),
                pointer: None,
                message: format!(
                    "the `for` selected no subjects{left_out}; --require-subjects asks for at least one"
                ),
                span: selection.source.span,
                attested: false,
            });
        }
    }
}

impl ControlResult {
    fn empty(status: Status) -> Self {
        ControlResult {
            status,
            subjects: 0,
            filtered: 0,
            violations: Vec::new(),
            errors: Vec::new(),
            passed: None,
        }
    }
}

/// Where a subject sits: its own container, or its index in a facts
/// container, or nowhere in the facts (a computed value).
struct Location<'a> {
    container: Option<crate::value::FactRef<'a>>,
    index: usize,
}

impl Location<'_> {
    fn pointer(&self, subject: &Value<'_>) -> Option<String> {
        match subject {
            Value::Array(r) | Value::Map(r) => Some(r.pointer()),
            _ => self
                .container
                .map(|c| c.facts.child_pointer(c.block, self.index)),
        }
    }
}

/// How one subject came out, as an `Observer` sees it.
pub enum Verdict {
    Pass,
    /// The first failing `require` (index into `Control::steps`), its
    /// message, and whether a waiver covers the subject.
    Fail {
        step: usize,
        message: String,
        waived: bool,
    },
    /// The step that errored (None: the `where` clause or the key).
    Error {
        step: Option<usize>,
        message: String,
    },
}

/// One subject, with where it is and how it came out.
pub struct Seen {
    pub key: String,
    pub pointer: Option<String>,
    pub verdict: Verdict,
}

/// Sees each subject after its steps ran, with its frame still bound, so
/// `onus explain` can retrace the deciding `require` in place.
pub trait Observer<'a> {
    /// Whether passing subjects are shown too (their key is then computed).
    fn wants_passing(&self) -> bool {
        false
    }

    fn subject(&mut self, _m: &mut Machine<'a, '_>, _c: &'a Control, _seen: &Seen) {}
}

/// The observer of ordinary runs.
pub struct NoObserver;

impl Observer<'_> for NoObserver {}

/// Runs one control with an observer (for `explain`).
pub fn observe_control<'a>(
    program: &'a Program,
    facts: Option<Value<'a>>,
    fact_nodes: usize,
    options: &Options,
    control: usize,
    observer: &mut impl Observer<'a>,
) -> ControlResult {
    let ev = Evaluator::new(program, facts, fact_nodes, options);
    let exceptions = Exceptions::of(program, control);
    run_control(&ev, &program.controls[control], &exceptions, observer).0
}

/// The waivers and attestations of one control.
struct Exceptions<'p> {
    waivers: Vec<&'p Waiver>,
    attestations: Vec<&'p Attestation>,
}

impl<'p> Exceptions<'p> {
    fn of(program: &'p Program, control: usize) -> Self {
        Exceptions {
            waivers: program
                .waivers
                .iter()
                .filter(|w| w.control == control)
                .collect(),
            attestations: program.attestations_of(control).collect(),
        }
    }

    /// Whether some waiver or attestation names subjects by key.
    fn keyed(&self) -> bool {
        self.waivers.iter().any(|w| w.keys.is_some())
            || self.attestations.iter().any(|a| a.keys.is_some())
    }

    /// The status of a control without checks: attested while a control-wide
    /// attestation is current, unverified once the last one expired.
    fn unchecked_status(&self, c: &Control) -> Status {
        let whole = || self.attestations.iter().filter(|a| a.keys.is_none());
        if whole().any(|a| a.validity == Validity::Current) {
            Status::Attested
        } else if whole().any(|a| a.validity == Validity::Expired) {
            Status::Unverified
        } else {
            c.unchecked_status()
        }
    }
}

/// One control's result, the limit that stopped it early if any, and the
/// warnings about its subject keys.
fn run_control<'a>(
    ev: &Evaluator<'a>,
    c: &'a Control,
    exceptions: &Exceptions<'_>,
    observer: &mut impl Observer<'a>,
) -> (ControlResult, Option<EvalError<'a>>, Vec<Diagnostic>) {
    let (r, stopped, keys) = visit_subjects(ev, c, exceptions, observer);
    let mut notes = keys.diagnostics(c, &exceptions.waivers, &exceptions.attestations);
    notes.extend(keys::overruled(c, &exceptions.attestations, &r.violations));
    (r, stopped, notes)
}

/// One control's result, the limit that stopped it early if any, and the
/// keys of its subjects (a stream joins them over its batches).
fn visit_subjects<'a>(
    ev: &Evaluator<'a>,
    c: &'a Control,
    exceptions: &Exceptions<'_>,
    observer: &mut impl Observer<'a>,
) -> (ControlResult, Option<EvalError<'a>>, SubjectKeys<'a>) {
    let (waivers, attestations) = (&exceptions.waivers, &exceptions.attestations);
    let mut keys = SubjectKeys::new(exceptions.keyed());
    let recorded = |mut r: ControlResult| {
        r.passed = ev.show_passed.then(Vec::new);
        r
    };
    if !c.checked() {
        let status = exceptions.unchecked_status(c);
        return (recorded(ControlResult::empty(status)), None, keys);
    }
    let mut m = Machine::new(ev, c.slots);
    let mut r = recorded(ControlResult::empty(Status::Pass));
    let outcome = match &c.selection {
        None => {
            r.subjects = 1;
            let root = ev.facts.clone().unwrap_or(Value::Null);
            let location = Location {
                container: None,
                index: 0,
            };
            let mut visit = Visit {
                waivers,
                keys: &mut keys,
                result: &mut r,
            };
            check_subject(&mut m, c, root, &location, &mut visit, observer)
        }
        Some(sel) => {
            let mut visit = Visit {
                waivers,
                keys: &mut keys,
                result: &mut r,
            };
            select(&mut m, c, sel, &mut visit, observer)
        }
    };
    let stopped = outcome.err();
    // A person vouches for what a subject raised: not for the shared-key
    // errors added next, nor for anything once a limit stopped the run.
    let raised = r.errors.len();
    unwaive_shared_keys(&mut r, waivers);
    if let Some(limit) = &stopped {
        r.errors.push(SubjectError {
            key: "(stopped)".into(),
            pointer: None,
            message: limit.message(),
            span: limit.span,
            attested: false,
        });
    }
    for e in &mut r.errors[..raised] {
        e.attested = stopped.is_none() && attestations.iter().any(|a| a.covers(&e.key));
    }
    r.status = status_of(&r);
    (r, stopped, keys)
}

/// A checked control's status from its violations and errors.
fn status_of(r: &ControlResult) -> Status {
    if r.violations.iter().any(|v| !v.waived) {
        Status::Fail
    } else if r.errors.iter().any(|e| !e.attested) {
        Status::Error
    } else if !r.violations.is_empty() {
        Status::Waived
    } else if !r.errors.is_empty() {
        Status::Attested
    } else {
        Status::Pass
    }
}

/// What a control's run accumulates while it visits its subjects.
struct Visit<'r, 'a> {
    waivers: &'r [&'r Waiver],
    keys: &'r mut SubjectKeys<'a>,
    result: &'r mut ControlResult,
}

/// A waiver that names keys cannot tell apart subjects that share one
/// (facts decide the keys): such violations are not waived (fail closed),
/// and an error per shared key says why. A waiver of the whole control
/// names no key, so it still covers them.
fn unwaive_shared_keys(r: &mut ControlResult, waivers: &[&Waiver]) {
    let by_key = |key: &str| {
        waivers.iter().any(|w| w.keys.is_some() && w.covers(key))
            && !waivers.iter().any(|w| w.keys.is_none() && w.covers(key))
    };
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for v in r.violations.iter().filter(|v| v.waived) {
        *counts.entry(v.key.as_str()).or_default() += 1;
    }
    // In the order of first appearance, so that reports are stable.
    let mut shared: Vec<(String, usize, Span)> = Vec::new();
    for v in &r.violations {
        if let Some(n) = counts.remove(v.key.as_str())
            && n > 1
            && by_key(&v.key)
        {
            shared.push((v.key.clone(), n, v.span));
        }
    }
    if shared.is_empty() {
        return;
    }
    let keys: HashSet<&str> = shared.iter().map(|(k, _, _)| k.as_str()).collect();
    for v in &mut r.violations {
        if keys.contains(v.key.as_str()) {
            v.waived = false;
        }
    }
    for (key, n, span) in shared {
        r.errors.push(SubjectError {
            message: format!(
                "{n} failing subjects have the key `{key}`: a waiver by key cannot tell them apart, so it waives none of them; give the control a `key` that is unique per subject"
            ),
            key,
            pointer: None,
            span,
            attested: false,
        });
    }
}

/// Runs the `for` selection; `Err` only for a limit.
fn select<'a>(
    m: &mut Machine<'a, '_>,
    c: &'a Control,
    sel: &'a crate::check::program::Selection,
    visit: &mut Visit<'_, 'a>,
    observer: &mut impl Observer<'a>,
) -> Result<(), EvalError<'a>> {
    let items = match m.eval_shared(&sel.source).and_then(|v| {
        visit.keys.reserve_for(&v);
        Items::new(v, sel.source.span)
    }) {
        Ok(items) => items,
        Err(e) if e.is_limit() => return Err(e),
        Err(e) => {
            visit.result.errors.push(SubjectError {
                key: "(for)".into(),
                pointer: e.pointer(),
                message: e.message(),
                span: e.span,
                attested: false,
            });
            return Ok(());
        }
    };
    let container = items.container();
    visit.keys.set_container(container);
    for (index, (k, v)) in items.enumerate() {
        let location = Location { container, index };
        // An element of a shared list that failed errors as its subject.
        let selected = build::element(v.clone()).and_then(|v| {
            m.bind(sel.binding, k, v);
            match &sel.filter {
                Some(filter) => m.eval_bool(filter, "`where`"),
                None => Ok(true),
            }
        });
        match selected {
            Ok(true) => {}
            Ok(false) => {
                visit.result.filtered += 1;
                continue;
            }
            Err(e) if e.is_limit() => return Err(e),
            Err(e) => {
                visit.result.subjects += 1;
                let pointer = location.pointer(&v);
                let error = SubjectError {
                    key: default_key(&v, &pointer, index),
                    pointer,
                    message: e.message(),
                    span: e.span,
                    attested: false,
                };
                observer.subject(
                    m,
                    c,
                    &Seen {
                        key: error.key.clone(),
                        pointer: error.pointer.clone(),
                        verdict: Verdict::Error {
                            step: None,
                            message: error.message.clone(),
                        },
                    },
                );
                visit.result.errors.push(error);
                continue;
            }
        }
        visit.result.subjects += 1;
        check_subject(m, c, v, &location, visit, observer)?;
    }
    Ok(())
}

/// Evaluates the steps for one subject; `Err` only for a limit.
fn check_subject<'a>(
    m: &mut Machine<'a, '_>,
    c: &'a Control,
    subject: Value<'a>,
    location: &Location<'a>,
    visit: &mut Visit<'_, 'a>,
    observer: &mut impl Observer<'a>,
) -> Result<(), EvalError<'a>> {
    let mut failed: Option<(usize, String, Span)> = None;
    let mut error: Option<(usize, EvalError<'a>)> = None;
    for (i, step) in c.steps.iter().enumerate() {
        match step {
            Step::Let(slot, value) => match m.eval_shared(value) {
                Ok(v) => m.set(*slot, v),
                Err(e) if e.is_limit() => return Err(e),
                Err(e) => {
                    error = Some((i, e));
                    break;
                }
            },
            Step::Require {
                cond,
                message,
                text,
                span,
            } => match m.eval(cond) {
                Ok(Value::Bool(true)) => {}
                Ok(Value::Bool(false)) => {
                    if failed.is_none() {
                        failed = Some((i, failure_message(m, message.as_ref(), text)?, *span));
                    }
                }
                Ok(v) => {
                    error.get_or_insert((
                        i,
                        EvalError::type_error(
                            cond.span,
                            format!("`require` needs a bool, got {}", v.type_name()),
                        ),
                    ));
                }
                Err(e) if e.is_limit() => return Err(e),
                Err(e) => {
                    error.get_or_insert((i, e));
                }
            },
        }
    }
    let reported = failed.is_some()
        || error.is_some()
        || observer.wants_passing()
        || visit.result.passed.is_some();
    // The subject's own key, computed for every subject so that repeated
    // keys are found; a key that cannot be computed matters only where the
    // subject is reported (below, as an error).
    let own_key = match &c.key {
        None => Ok(visit.keys.default_own_key(&subject)),
        Some(k) => match m.eval(k) {
            Ok(v) => match keys::own_key(&v) {
                Some(key) => Ok(Some(key)),
                None => Err(EvalError::type_error(
                    k.span,
                    format!("`key` must be a string or a number, got {}", v.type_name()),
                )),
            },
            Err(e) if e.is_limit() => return Err(e),
            Err(e) => Err(e),
        },
    };
    if !reported && !visit.keys.with_pointers {
        if let Ok(Some(key)) = own_key {
            visit.keys.add(key, location.index);
        }
        return Ok(());
    }
    let pointer = location.pointer(&subject);
    let key = match own_key {
        Ok(Some(key)) => Ok(key.into_owned()),
        Ok(None) => Ok(default_key(&subject, &pointer, location.index)),
        Err(e) => Err(e),
    };
    if let Ok(key) = &key {
        visit
            .keys
            .add(std::borrow::Cow::Owned(key.clone()), location.index);
    }
    if !reported {
        return Ok(());
    }
    let (key, failed, error) = match key {
        Ok(key) => (key, failed, error),
        Err(e) => (
            default_key(&subject, &pointer, location.index),
            None,
            Some((usize::MAX, e)),
        ),
    };
    let waived = failed.is_some() && visit.waivers.iter().any(|w| w.covers(&key));
    let verdict = match (&failed, &error) {
        (Some((step, message, _)), _) => Verdict::Fail {
            step: *step,
            message: message.clone(),
            waived,
        },
        (None, Some((step, e))) => Verdict::Error {
            step: (*step != usize::MAX).then_some(*step),
            message: e.message(),
        },
        (None, None) => Verdict::Pass,
    };
    observer.subject(
        m,
        c,
        &Seen {
            key: key.clone(),
            pointer: pointer.clone(),
            verdict,
        },
    );
    match (failed, error) {
        (Some((_, message, span)), _) => visit.result.violations.push(Violation {
            waived,
            key,
            pointer,
            message,
            span,
        }),
        (None, Some((_, e))) => visit.result.errors.push(SubjectError {
            key,
            pointer,
            message: e.message(),
            span: e.span,
            attested: false,
        }),
        (None, None) => {
            if let Some(passed) = &mut visit.result.passed {
                passed.push(Passed { key, pointer });
            }
        }
    }
    Ok(())
}

fn failure_message<'a>(
    m: &mut Machine<'a, '_>,
    message: Option<&'a crate::check::program::Ir>,
    text: &str,
) -> Result<String, EvalError<'a>> {
    let default = || format!("requirement `{text}` failed");
    let Some(message) = message else {
        return Ok(default());
    };
    match m.eval(message) {
        Ok(v) => Ok(v.display()),
        Err(e) if e.is_limit() => Err(e),
        Err(e) => Ok(format!(
            "{} (the message could not be built: {})",
            default(),
            e.message()
        )),
    }
}

/// SPEC §2: the subject's `id`, `name` or `arn`, else its JSON pointer
/// (`(facts)` for the root, whose pointer is empty).
fn default_key(subject: &Value<'_>, pointer: &Option<String>, index: usize) -> String {
    for field in ["id", "name", "arn"] {
        if let Some(v) = subject.get(field)
            && (v.as_str().is_some() || v.as_f64().is_some())
        {
            return v.display();
        }
    }
    match pointer.as_deref() {
        Some("") => "(facts)".to_string(),
        Some(p) => p.to_string(),
        None => format!("#{index}"),
    }
}
