//! Visiting one control's subjects: the `for` selection and its `where`,
//! each subject's steps and `require`s, its key and pointer, into the
//! control's violations, errors and passes; an `Observer` sees each subject
//! with its frame still bound (`onus explain`). `Err` only for a limit.

use super::build::{self, Items};
use super::error::EvalError;
use super::keys::{self, SubjectKeys};
use super::status::{Exceptions, status_of, unwaive_shared_keys};
use super::{
    ControlResult, Evaluator, Findings, Machine, Options, Passed, SubjectError, Violation,
};
use crate::check::program::{Control, Program, Status, Step, Waiver};
use crate::diagnostic::Diagnostic;
use crate::source::Span;
use crate::value::Value;

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

/// One control's result, the limit that stopped it early if any, and the
/// warnings about its subject keys.
pub(super) fn run_control<'a>(
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
pub(super) fn visit_subjects<'a>(
    ev: &Evaluator<'a>,
    c: &'a Control,
    exceptions: &Exceptions<'_>,
    observer: &mut impl Observer<'a>,
) -> (ControlResult, Option<EvalError<'a>>, SubjectKeys<'a>) {
    let (waivers, attestations) = (&exceptions.waivers, &exceptions.attestations);
    let mut keys = SubjectKeys::new(exceptions.keyed());
    let recorded = |mut r: ControlResult| {
        r.passed = ev.show_passed.then(Findings::new);
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
    r.errors.for_each_mut(|e| {
        e.attested = stopped.is_none() && attestations.iter().any(|a| a.covers(&e.key));
    });
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
    r.status = status_of(&r);
    (r, stopped, keys)
}

/// What a control's run accumulates while it visits its subjects.
struct Visit<'r, 'a> {
    waivers: &'r [&'r Waiver],
    keys: &'r mut SubjectKeys<'a>,
    result: &'r mut ControlResult,
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
