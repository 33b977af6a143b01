//! Evaluating a JSON-lines input a batch at a time: the checked program, a
//! stream of batches and the rest of the facts in; the same `Outcome` as
//! reading it whole out, in bounded memory.
//!
//! The rule: a JSON-lines facts input named NAME is streamed when every
//! use of `facts.NAME` in the policy is the `for` of a control
//! (`for r in facts.NAME …`); then each record is only seen by the
//! controls one at a time. Any other use (`for i, r in …`, which binds the
//! index in the whole list; a top-level `let`, a function, a
//! `where` or `require` reading the list, an assertion, `facts` itself)
//! needs the whole list, and `uses_whole` names the first one. For the
//! unnamed facts (the root is the list), `for r in facts` is the one use.
//!
//! Batches are read in order and evaluated on all cores; each control's
//! results are joined in record order as the batches finish (`read`,
//! `join`), so reports are byte for byte those of the whole-list run, and
//! what is held at once is a few batches and up to
//! `Limits::findings_in_memory` findings: past that the joined findings are
//! spilled to a temporary file (`eval::findings`). One difference: the step budget of each batch is
//! the one its records would give (`BASE_STEPS` + `STEPS_PER_NODE` per
//! node), as the size of the whole stream is not known in advance.
//!
//! Subject keys are joined too. A waiver's or attestation's key that
//! names no subject (A006) is decided after the last batch, from which
//! keys each batch saw; an attestation that the facts refute (A008) is
//! found in the joined violations; an error is attested per batch, and
//! none is when a limit stopped the control, as in the whole run. A key
//! shared by two subjects (A007) is found within a batch exactly, and
//! across batches by a 64-bit fingerprint of each distinct key (8 bytes a
//! subject per control, spilled to temporary files past a million:
//! `ledger`): when either finds one, the stream is not joined but read
//! whole (`Unjoined::Whole`), so the warning is the whole run's, exactly.
//! A fingerprint shared by two different keys only costs that reread.

mod join;
mod ledger;
mod read;

use super::{ControlResult, Evaluator, Options, Outcome, in_parallel};
use crate::check::program::{Ir, IrKind, Program, Step};
use crate::diagnostic::Diagnostic;
use crate::facts::{Batches, FactsError, Hashing, Limits};
use crate::source::Span;
use crate::value::Value;
use read::{Unread, read_stream};
use std::io::Read;
use std::sync::Mutex;

/// The first use of the stream `name` (None: the unnamed facts) that needs
/// the whole list, if any; else the controls that read it record by
/// record.
pub fn uses_whole(program: &Program, name: Option<&str>) -> Result<Vec<usize>, Span> {
    let mut whole = None;
    let mut readers = Vec::new();
    for g in &program.globals {
        walk(&g.value, name, None, &mut whole);
    }
    for f in &program.functions {
        walk(&f.body, name, None, &mut whole);
    }
    for (i, c) in program.controls.iter().enumerate() {
        match &c.selection {
            Some(sel) => {
                // `for i, r in …` binds each record's index in the whole
                // list, which a batch does not know.
                let allowed = sel.binding.key.is_none().then_some(&sel.source);
                walk(&sel.source, name, allowed, &mut whole);
                if is_stream(&sel.source, name) {
                    readers.push(i);
                }
                if let Some(filter) = &sel.filter {
                    walk(filter, name, None, &mut whole);
                }
            }
            // The subject of a control without `for` is the root itself.
            None if name.is_none() && c.checked() => {
                whole.get_or_insert(c.span);
            }
            None => {}
        }
        if let Some(key) = &c.key {
            walk(key, name, None, &mut whole);
        }
        for step in &c.steps {
            match step {
                Step::Let(_, value) => walk(value, name, None, &mut whole),
                Step::Require { cond, message, .. } => {
                    walk(cond, name, None, &mut whole);
                    if let Some(m) = message {
                        walk(m, name, None, &mut whole);
                    }
                }
            }
        }
    }
    for a in &program.assertions {
        walk(&a.cond, name, None, &mut whole);
    }
    match whole {
        Some(span) => Err(span),
        None => Ok(readers),
    }
}

/// Whether `ir` is the stream itself: `facts.NAME`, or `facts` for the
/// unnamed facts.
fn is_stream(ir: &Ir, name: Option<&str>) -> bool {
    match (&ir.kind, name) {
        (IrKind::Facts, None) => true,
        (
            IrKind::Field {
                base, name: field, ..
            },
            Some(name),
        ) => matches!(base.kind, IrKind::Facts) && **field == *name,
        _ => false,
    }
}

/// Records in `whole` the first use of the stream in `ir` other than
/// `allowed` (a control's `for`).
fn walk(ir: &Ir, name: Option<&str>, allowed: Option<&Ir>, whole: &mut Option<Span>) {
    if whole.is_some() {
        return;
    }
    if is_stream(ir, name) {
        if !allowed.is_some_and(|a| std::ptr::eq(a, ir)) {
            *whole = Some(ir.span);
        }
        return;
    }
    let mut go = |child: &Ir| walk(child, name, None, whole);
    match &ir.kind {
        // Another name under `facts` is not the stream.
        IrKind::Field { base, .. } if matches!(base.kind, IrKind::Facts) => {}
        // `facts` itself holds the stream too.
        IrKind::Facts => *whole = Some(ir.span),
        IrKind::Invalid
        | IrKind::Const(_)
        | IrKind::Local(_)
        | IrKind::Global(_)
        | IrKind::Now
        | IrKind::Policy(_) => {}
        IrKind::List(items)
        | IrKind::Template(items)
        | IrKind::Call(_, items)
        | IrKind::CallFn(_, items) => items.iter().for_each(go),
        IrKind::Object(entries) => entries.iter().for_each(|(_, v)| go(v)),
        IrKind::Field { base, .. } => go(base),
        IrKind::Index { base, index, .. } => {
            go(base);
            go(index);
        }
        IrKind::Not(a) | IrKind::Neg(a) | IrKind::Has(a) | IrKind::Matches(a, _) => go(a),
        IrKind::Binary(_, a, b) => {
            go(a);
            go(b);
        }
        IrKind::Quant {
            source,
            filter,
            body,
            ..
        } => {
            go(source);
            filter.iter().for_each(|f| go(f));
            go(body);
        }
        IrKind::Comprehension {
            elem,
            source,
            filter,
            ..
        } => {
            go(elem);
            go(source);
            filter.iter().for_each(|f| go(f));
        }
        IrKind::ObjectComprehension {
            key,
            value,
            source,
            filter,
            ..
        } => {
            go(key);
            go(value);
            go(source);
            filter.iter().for_each(|f| go(f));
        }
        IrKind::Slice { base, from, to } => {
            go(base);
            from.iter().for_each(|f| go(f));
            to.iter().for_each(|t| go(t));
        }
        IrKind::With { value, body, .. } => {
            go(value);
            go(body);
        }
        IrKind::If {
            cond,
            then,
            otherwise,
        } => {
            go(cond);
            go(then);
            go(otherwise);
        }
    }
}

/// A JSON-lines input to read a batch at a time.
pub struct Stream {
    /// `facts.NAME`, or None for the unnamed facts.
    pub name: Option<String>,
    /// The controls that read it record by record (`uses_whole`).
    pub controls: Vec<usize>,
    /// Hashed as they are read: once the last batch is cut, the digest is
    /// the whole input's.
    pub batches: Mutex<Batches<Hashing<Box<dyn Read + Send>>>>,
    pub limits: Limits,
}

/// Why a run with streams ended without an outcome.
pub enum Unjoined {
    /// Stream `i` could not be read.
    Facts(usize, FactsError),
    /// Two subjects of stream `i` may share a key: read it whole.
    Whole(usize),
}

/// Evaluates every control and assertion with the streams read a batch at
/// a time; `facts` is the rest of the facts. The error of a stream that
/// could not be read (its index, and why) ends the run, as reading it
/// whole would.
pub fn evaluate<'a>(
    program: &'a Program,
    facts: Option<Value<'a>>,
    fact_nodes: usize,
    options: &Options,
    streams: &[Stream],
) -> Result<Outcome, Unjoined> {
    let jobs = super::jobs(options, usize::MAX);
    let mut ev = Evaluator::new(program, facts.clone(), fact_nodes, options);
    let streamed: Vec<bool> = (0..program.controls.len())
        .map(|i| streams.iter().any(|s| s.controls.contains(&i)))
        .collect();
    let mut results: Vec<Option<(ControlResult, Vec<Diagnostic>)>> =
        in_parallel(program.controls.len(), jobs, |i| {
            (!streamed[i]).then(|| super::control_outcome(&ev, i, false))
        });
    for (s, stream) in streams.iter().enumerate() {
        let joined = read_stream(program, &facts, fact_nodes, options, stream, &ev, jobs);
        let joined = joined.map_err(|why| match why {
            Unread::Facts(e) => Unjoined::Facts(s, e),
            Unread::Whole => Unjoined::Whole(s),
        })?;
        for (&c, result) in stream.controls.iter().zip(joined) {
            results[c] = Some(result);
        }
    }
    let mut controls = Vec::with_capacity(results.len());
    let mut diagnostics = Vec::new();
    for (i, r) in results.into_iter().enumerate() {
        let (result, notes) = r.unwrap_or_else(|| super::control_outcome(&ev, i, false));
        controls.push(result);
        diagnostics.extend(notes);
    }
    let assertions = super::assertions(&mut ev, &controls);
    Ok(Outcome {
        controls,
        assertions,
        diagnostics,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Session;

    /// `uses_whole` for `facts.events` in a policy of one control with
    /// `selection` and `body`, plus `extra` declarations.
    fn rule(selection: &str, body: &str, extra: &str) -> Result<Vec<usize>, Span> {
        let mut s = Session::new(Options {
            now: jiff::civil::date(2026, 11, 22),
            max_steps: None,
            timeout: None,
            jobs: None,
            show_passed: false,
        });
        let text = format!(
            "use std\nservice logs: saas {{}}\n{extra}\ncontrol c {{\n  service = logs\n  layer = logging\n  {selection}\n  require {body}\n}}\n"
        );
        s.load_source("<test>", text);
        s.check();
        assert!(!s.has_errors(), "{:?}", s.diagnostics);
        uses_whole(&s.program, Some("events"))
    }

    /// Only `for r in facts.events` reads records one at a time; any other
    /// use of the list needs it whole.
    #[test]
    fn a_stream_is_read_record_by_record_only_by_a_controls_for() {
        assert_eq!(
            rule("for e in facts.events where e.kind != \"x\"", "e.ok", ""),
            Ok(vec![0])
        );
        assert_eq!(rule("for a in facts.accounts", "a.ok", ""), Ok(vec![]));
        assert!(rule("for i, e in facts.events", "e.ok", "").is_err());
        assert!(rule("for e in facts.events", "count(facts.events) > 1", "").is_err());
        assert!(
            rule(
                "for a in facts.accounts",
                "a.ok",
                "let n = count(facts.events)"
            )
            .is_err()
        );
        assert!(rule("for a in facts.accounts", "a.ok", "let everything = facts").is_err());
    }
}
