//! `onus explain`: one control and the facts in, why it passed or failed
//! out. Re-runs the control with an observer that, for each failing or
//! erroring subject (or the one named, or all), replays its steps in order,
//! binding each `let` as `check` did, and retraces the deciding `require`
//! (every `require`, for a passing subject): the value of each
//! sub-expression that decided the result. `and`/`or` show the operand that
//! decided; quantifiers and comprehensions show their collection and the
//! first element that decided (the witness) with its own sub-expressions;
//! function calls are expanded one level.

use crate::ast::{BinaryOp, Quantifier};
use crate::check::program::{Binding, Control, Ir, IrKind, Program, Step};
use crate::eval::{self, ControlResult, Items, Machine, Observer, Options, Seen, Verdict};
use crate::source::Span;
use crate::value::Value;

/// How deep the trace follows sub-expressions.
const MAX_TRACE_DEPTH: usize = 8;
/// Values longer than this are abbreviated.
const MAX_VALUE_CHARS: usize = 120;

/// What a trace line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A sub-expression.
    Expr,
    /// The value of step N, a `let`.
    Let(usize),
    /// The condition of step N, a `require`.
    Require(usize),
    /// The `where` of the `for`.
    Filter,
    /// The `key` of the control.
    Key,
    /// The element of a quantifier or comprehension that decided it,
    /// shown as its variables (`x`, `k, v`) and the element's value.
    Witness,
}

/// One sub-expression and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    pub depth: usize,
    pub span: Span,
    /// The value, or the error evaluating it.
    pub value: Result<String, String>,
    /// What else to say: `in fn NAME(x = v)` on the first line of an
    /// expanded function body; how a quantifier was decided.
    pub note: Option<String>,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SubjectExplanation {
    pub key: String,
    pub pointer: Option<String>,
    /// `fail`, `waived`, `error` or `pass`.
    pub outcome: &'static str,
    pub message: Option<String>,
    /// The expression of the deciding step (a `require` condition or a
    /// `let` value), when one decided.
    pub step: Option<Span>,
    pub trace: Vec<Trace>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    pub control: usize,
    pub result: ControlResult,
    /// The subjects explained (at most the limit).
    pub subjects: Vec<SubjectExplanation>,
    /// Subjects that would have been explained beyond the limit.
    pub omitted: usize,
}

/// Which subjects to explain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which<'w> {
    /// Those that fail or error.
    Failing,
    /// The one with this key, whatever its outcome.
    Key(&'w str),
    /// Every subject, passing ones too.
    All,
}

struct Explainer<'w> {
    which: Which<'w>,
    limit: usize,
    subjects: Vec<SubjectExplanation>,
    omitted: usize,
}

impl<'a> Observer<'a> for Explainer<'_> {
    fn wants_passing(&self) -> bool {
        self.which != Which::Failing
    }

    fn subject(&mut self, m: &mut Machine<'a, '_>, c: &'a Control, seen: &Seen) {
        if let Which::Key(wanted) = self.which
            && wanted != seen.key
        {
            return;
        }
        if self.which != Which::Key(&seen.key) && self.subjects.len() >= self.limit {
            self.omitted += 1;
            return;
        }
        // The steps replayed run up to `last`; a passing subject shows them
        // all, another only the one that decided.
        let (outcome, message, last) = match &seen.verdict {
            Verdict::Pass => ("pass", None, c.steps.len().checked_sub(1)),
            Verdict::Fail {
                step,
                message,
                waived,
            } => (
                if *waived { "waived" } else { "fail" },
                Some(message.clone()),
                Some(*step),
            ),
            Verdict::Error { step, message } => ("error", Some(message.clone()), *step),
        };
        let passed = outcome == "pass";
        let mut trace = Vec::new();
        let mut step_span = None;
        if let (Verdict::Error { step: None, .. }, Some(sel)) = (&seen.verdict, &c.selection) {
            // The `where` (or the key) errored: show it.
            let (ir, role) = match (&sel.filter, &c.key) {
                (Some(f), _) if m.eval(f).is_err() => (Some(f), Role::Filter),
                (_, Some(k)) => (Some(k), Role::Key),
                (f, None) => (f.as_ref(), Role::Filter),
            };
            if let Some(ir) = ir {
                step_span = Some(ir.span);
                Tracer { m, out: &mut trace }.trace(ir, 0, false, role);
            }
        }
        for (i, step) in c.steps.iter().enumerate() {
            let Some(last) = last.filter(|l| i <= *l) else {
                break;
            };
            let shown = passed || i == last;
            match step {
                Step::Let(slot, value) => {
                    if shown {
                        step_span.get_or_insert(value.span);
                        Tracer { m, out: &mut trace }.trace(value, 0, false, Role::Let(i));
                    }
                    // Bound as `check` bound it, whatever tracing it did
                    // to the slots its loops share.
                    match m.eval(value) {
                        Ok(v) => m.set(*slot, v),
                        Err(_) => break,
                    }
                }
                Step::Require { cond, .. } if shown => {
                    step_span.get_or_insert(cond.span);
                    Tracer { m, out: &mut trace }.trace(cond, 0, false, Role::Require(i));
                }
                Step::Require { .. } => {}
            }
        }
        self.subjects.push(SubjectExplanation {
            key: seen.key.clone(),
            pointer: seen.pointer.clone(),
            outcome,
            message,
            step: step_span,
            trace,
        });
    }
}

/// Explains control `control` over `facts`: the subjects `which` selects,
/// at most `limit` of them (a subject asked for by key is always shown).
pub fn explain<'a>(
    program: &'a Program,
    facts: Option<Value<'a>>,
    fact_nodes: usize,
    options: &Options,
    control: usize,
    which: Which<'_>,
    limit: usize,
) -> Explanation {
    let mut explainer = Explainer {
        which,
        limit,
        subjects: Vec::new(),
        omitted: 0,
    };
    let result =
        eval::observe_control(program, facts, fact_nodes, options, control, &mut explainer);
    // A waiver by a key that several failing subjects share waives none of
    // them, which is known only once every subject was seen.
    for s in &mut explainer.subjects {
        if s.outcome == "waived"
            && result
                .violations
                .iter()
                .any(|v| !v.waived && v.key == s.key && v.pointer == s.pointer)
        {
            s.outcome = "fail";
        }
    }
    Explanation {
        control,
        result,
        subjects: explainer.subjects,
        omitted: explainer.omitted,
    }
}

fn show(v: &Value<'_>) -> String {
    // Written only up to what can be shown: a witness or a collection may
    // be the whole facts, and each trace line shows one.
    let cap = MAX_VALUE_CHARS * 4;
    let mut short = String::new();
    let fits = match v {
        Value::Date(_) | Value::Duration(_) | Value::Word(_) => {
            short = v.display();
            true
        }
        v => compact_json(v, &mut short, cap),
    };
    if fits && short.chars().count() <= MAX_VALUE_CHARS {
        return short;
    }
    match v.len() {
        Some(n) if v.is_list() => format!("[…] (list of {n})"),
        Some(n) if v.is_object() => format!("{{…}} (object with {n} keys)"),
        _ => {
            // A string (or a failed list): its opening, quoted.
            let opening: String = match v.as_str() {
                Some(s) => {
                    let head: String = s.chars().take(MAX_VALUE_CHARS + 1).collect();
                    Value::string(head).to_json().to_string()
                }
                None => v.to_json().to_string(),
            };
            format!(
                "{}…",
                opening.chars().take(MAX_VALUE_CHARS).collect::<String>()
            )
        }
    }
}

/// `v` as compact JSON (as `Value::to_json` writes it) onto `out`; false,
/// with `out` left partial, as soon as it passes `cap` bytes.
fn compact_json(v: &Value<'_>, out: &mut String, cap: usize) -> bool {
    if out.len() > cap {
        return false;
    }
    match v {
        Value::Poisoned(p) => return compact_json(&p.value, out, cap),
        v if v.is_list() => {
            out.push('[');
            for (i, x) in v.elements().into_iter().flatten().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                if !compact_json(&x, out, cap) {
                    return false;
                }
            }
            out.push(']');
        }
        v if v.is_object() => {
            out.push('{');
            for (i, (k, x)) in v.entries().into_iter().flatten().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let key = k.as_str().unwrap_or_default();
                if key.len() > cap {
                    return false;
                }
                out.push_str(&serde_json::Value::from(key).to_string());
                out.push(':');
                if !compact_json(&x, out, cap) {
                    return false;
                }
            }
            out.push('}');
        }
        v if v.as_str().is_some_and(|s| s.len() > cap) => return false,
        v => out.push_str(&v.to_json().to_string()),
    }
    out.len() <= cap
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// Writes trace lines for one subject, evaluating in its frame.
struct Tracer<'m, 'a, 'e, 'o> {
    m: &'m mut Machine<'a, 'e>,
    out: &'o mut Vec<Trace>,
}

impl<'a> Tracer<'_, 'a, '_, '_> {
    fn line(&mut self, ir: &'a Ir, depth: usize, role: Role) -> Result<Value<'a>, String> {
        // As passed on: a shared list shows which of its elements failed.
        let value = self.m.eval_shared(ir).map_err(|e| e.message());
        self.out.push(Trace {
            depth,
            span: ir.span,
            value: value.as_ref().map(show).map_err(Clone::clone),
            note: None,
            role,
        });
        value
    }

    fn note(&mut self, at: usize, note: String) {
        if let Some(t) = self.out.get_mut(at) {
            t.note = Some(note);
        }
    }

    /// Records `ir` and the sub-expressions that decided its value.
    /// Constants and bare variables are not worth a line.
    fn trace(&mut self, ir: &'a Ir, depth: usize, in_fn: bool, role: Role) {
        let at = self.out.len();
        let _ = self.line(ir, depth, role);
        if depth >= MAX_TRACE_DEPTH {
            return;
        }
        let next = depth + 1;
        match &ir.kind {
            IrKind::Binary(op @ (BinaryOp::And | BinaryOp::Or), l, r) => {
                // `false and …`, `true or …`: the left operand alone
                // decided. Otherwise the right one was read: alone it
                // decided when it gave the result the left one could not
                // (`true and false`), else both did (`true and true`).
                let absorbing = *op == BinaryOp::Or;
                match self.m.eval(l) {
                    Ok(Value::Bool(b)) if b != absorbing => {
                        match self.m.eval(r) {
                            Ok(Value::Bool(rb)) if rb == absorbing => self.brief(l, ir, next),
                            _ => self.child(l, ir, next, in_fn),
                        }
                        self.child(r, ir, next, in_fn);
                    }
                    _ => self.child(l, ir, next, in_fn),
                }
            }
            IrKind::Quant {
                kind,
                binding,
                source,
                filter,
                body,
            } => self.quantifier(at, *kind, *binding, source, filter.as_deref(), body, next),
            IrKind::Comprehension {
                binding,
                source,
                filter,
                elem,
            } => self.comprehension(at, *binding, source, filter.as_deref(), &[elem], next),
            IrKind::ObjectComprehension {
                key,
                value: v,
                binding,
                source,
                filter,
            } => self.comprehension(at, *binding, source, filter.as_deref(), &[key, v], next),
            IrKind::With {
                slot,
                value: v,
                body,
            } => {
                self.child(v, ir, next, in_fn);
                if let Ok(bound) = self.m.eval(v) {
                    self.m.set(*slot, bound);
                    self.child(body, ir, next, in_fn);
                }
            }
            IrKind::If {
                cond,
                then,
                otherwise,
            } => {
                self.child(cond, ir, next, in_fn);
                match self.m.eval(cond) {
                    Ok(Value::Bool(true)) => self.child(then, ir, next, in_fn),
                    Ok(Value::Bool(false)) => self.child(otherwise, ir, next, in_fn),
                    _ => {}
                }
            }
            kind => {
                let children: Vec<&'a Ir> = match kind {
                    IrKind::Field { base, .. } => vec![&**base],
                    IrKind::Index { base, index, .. } => vec![&**base, &**index],
                    IrKind::Slice { base, from, to } => std::iter::once(&**base)
                        .chain(from.as_deref())
                        .chain(to.as_deref())
                        .collect(),
                    IrKind::Not(x) | IrKind::Neg(x) | IrKind::Matches(x, _) | IrKind::Has(x) => {
                        vec![&**x]
                    }
                    IrKind::Binary(_, l, r) => vec![&**l, &**r],
                    IrKind::Call(_, args) | IrKind::CallFn(_, args) => args.iter().collect(),
                    IrKind::List(items) | IrKind::Template(items) => items.iter().collect(),
                    IrKind::Object(entries) => entries.iter().map(|(_, v)| v).collect(),
                    _ => Vec::new(),
                };
                for child in children {
                    self.child(child, ir, next, in_fn);
                }
                if let IrKind::CallFn(f, args) = kind
                    && !in_fn
                {
                    self.expand_call(*f as usize, args, next);
                }
            }
        }
    }

    fn child(&mut self, child: &'a Ir, parent: &Ir, depth: usize, in_fn: bool) {
        if worth_a_line(child, parent) {
            self.trace(child, depth, in_fn, Role::Expr);
        }
    }

    /// One line for an operand that did not decide the result.
    fn brief(&mut self, child: &'a Ir, parent: &'a Ir, depth: usize) {
        if worth_a_line(child, parent) {
            let _ = self.line(child, depth, Role::Expr);
        }
    }

    /// `all`/`any`/`none`: the collection, then the first element that
    /// decided the result (if one did), bound, with its filter and body.
    #[allow(clippy::too_many_arguments)]
    fn quantifier(
        &mut self,
        at: usize,
        kind: Quantifier,
        binding: Binding,
        source: &'a Ir,
        filter: Option<&'a Ir>,
        body: &'a Ir,
        depth: usize,
    ) {
        self.collection(source, depth);
        let Ok(Ok(items)) = self.m.eval(source).map(|v| Items::new(v, source.span)) else {
            return;
        };
        let total = self.m.eval(source).ok().and_then(|v| v.len()).unwrap_or(0);
        let mut seen = 0;
        let mut witness = None;
        for (i, (k, v)) in items.enumerate() {
            self.m.bind(binding, k, v.clone());
            match filter.map(|f| self.m.eval(f)) {
                Some(Ok(Value::Bool(false))) => continue,
                Some(Ok(Value::Bool(true))) | None => {}
                Some(_) => {
                    witness = Some((i, v, "its `where` errored"));
                    break;
                }
            }
            seen += 1;
            let decided = match (self.m.eval(body), kind) {
                (Ok(Value::Bool(false)), Quantifier::All) => Some("the body is false"),
                (Ok(Value::Bool(true)), Quantifier::Any) => Some("the body is true"),
                (Ok(Value::Bool(true)), Quantifier::None) => Some("the body is true"),
                (Ok(Value::Bool(_)), _) => None,
                _ => Some("the body errored"),
            };
            if let Some(why) = decided {
                witness = Some((i, v, why));
                break;
            }
        }
        let Some((i, v, why)) = witness else {
            let counted = if filter.is_some() {
                format!("{} of {} after `where`", seen, plural(total, "element"))
            } else {
                plural(total, "element")
            };
            let summary = match kind {
                Quantifier::All => format!("the body held for all {counted}"),
                Quantifier::Any | Quantifier::None => {
                    format!("the body held for none of {counted}")
                }
            };
            self.note(at, summary);
            return;
        };
        self.note(
            at,
            format!("decided by element {} of {}: {why}", i + 1, total),
        );
        self.witness(binding, &v, depth);
        for part in filter.into_iter().chain([body]) {
            self.trace(part, depth + 1, false, Role::Expr);
        }
    }

    /// A comprehension: the collection, how many elements it kept, and the
    /// element that made it error (or the first one kept), with its parts.
    fn comprehension(
        &mut self,
        at: usize,
        binding: Binding,
        source: &'a Ir,
        filter: Option<&'a Ir>,
        parts: &[&'a Ir],
        depth: usize,
    ) {
        self.collection(source, depth);
        let Ok(Ok(items)) = self.m.eval(source).map(|v| Items::new(v, source.span)) else {
            return;
        };
        let total = self.m.eval(source).ok().and_then(|v| v.len()).unwrap_or(0);
        let mut kept = 0;
        let mut shown = None;
        for (i, (k, v)) in items.enumerate() {
            self.m.bind(binding, k.clone(), v.clone());
            match filter.map(|f| self.m.eval(f)) {
                Some(Ok(Value::Bool(false))) => continue,
                Some(Ok(Value::Bool(true))) | None => {}
                Some(_) => {
                    shown = Some((i, k, v, "its `if` errored"));
                    break;
                }
            }
            if parts.iter().any(|p| self.m.eval(p).is_err()) {
                shown = Some((i, k, v, "it errored"));
                break;
            }
            kept += 1;
            if shown.is_none() {
                shown = Some((i, k, v, "the first one kept"));
            }
        }
        match &shown {
            Some((i, _, _, why)) if why.ends_with("errored") => {
                self.note(at, format!("element {} of {}: {why}", i + 1, total))
            }
            _ => self.note(at, format!("kept {kept} of {}", plural(total, "element"))),
        }
        let Some((_, k, v, _)) = shown else { return };
        // Bound again: the loop above went on past it.
        self.m.bind(binding, k, v.clone());
        self.witness(binding, &v, depth);
        for part in filter.into_iter().chain(parts.iter().copied()) {
            self.trace(part, depth + 1, false, Role::Expr);
        }
    }

    /// The collection a loop runs over, a variable's included (but not a
    /// literal's, which the source shows).
    fn collection(&mut self, source: &'a Ir, depth: usize) {
        if !matches!(source.kind, IrKind::Const(_)) {
            self.trace(source, depth, false, Role::Expr);
        }
    }

    fn witness(&mut self, binding: Binding, v: &Value<'a>, depth: usize) {
        self.out.push(Trace {
            depth,
            span: binding.span,
            value: Ok(show(v)),
            note: None,
            role: Role::Witness,
        });
    }

    /// Shows a function's body evaluated with the call's arguments.
    fn expand_call(&mut self, f: usize, args: &'a [Ir], depth: usize) {
        let program = self.m.ev.program;
        let func = &program.functions[f];
        let values: Result<Vec<Value<'a>>, _> = args.iter().map(|a| self.m.eval(a)).collect();
        let Ok(values) = values else { return };
        let params: Vec<String> = values.iter().map(show).collect();
        let frame = self.m.enter_frame(func.slots, values);
        let first = self.out.len();
        self.trace(&func.body, depth, true, Role::Expr);
        self.m.leave_frame(frame);
        self.note(first, format!("in fn {}({})", func.name, params.join(", ")));
    }
}

fn worth_a_line(child: &Ir, parent: &Ir) -> bool {
    !matches!(
        child.kind,
        IrKind::Const(_) | IrKind::Local(_) | IrKind::Facts
    ) && child.span != parent.span
}
