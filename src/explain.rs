//! `onus explain`: one control and the facts in, why it passed or failed
//! out. Re-runs the control with an observer that, for each failing or
//! erroring subject (or the one named), retraces the deciding `require`:
//! the value of each sub-expression, function calls expanded one level.

use crate::check::program::{Control, Ir, IrKind, Program, Step};
use crate::eval::{self, ControlResult, Machine, Observer, Options, Seen, Verdict};
use crate::source::Span;
use crate::value::Value;

/// How deep the trace follows sub-expressions.
const MAX_TRACE_DEPTH: usize = 6;
/// Values longer than this are abbreviated.
const MAX_VALUE_CHARS: usize = 120;

/// One sub-expression and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    pub depth: usize,
    pub span: Span,
    /// The value, or the error evaluating it.
    pub value: Result<String, String>,
    /// Set on the first line of an expanded function body: `in fn NAME(x = v)`.
    pub note: Option<String>,
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
    /// Failing and erroring subjects explained (at most the limit), or the
    /// one subject asked for.
    pub subjects: Vec<SubjectExplanation>,
    /// Failing or erroring subjects beyond the limit.
    pub omitted: usize,
}

struct Explainer {
    wanted: Option<String>,
    limit: usize,
    subjects: Vec<SubjectExplanation>,
    omitted: usize,
}

impl<'a> Observer<'a> for Explainer {
    fn wants_passing(&self) -> bool {
        self.wanted.is_some()
    }

    fn subject(&mut self, m: &mut Machine<'a, '_>, c: &'a Control, seen: &Seen) {
        if self.wanted.as_ref().is_some_and(|w| *w != seen.key) {
            return;
        }
        if self.wanted.is_none() && self.subjects.len() >= self.limit {
            self.omitted += 1;
            return;
        }
        let (outcome, message, steps): (_, _, Vec<usize>) = match &seen.verdict {
            Verdict::Pass => ("pass", None, (0..c.steps.len()).collect()),
            Verdict::Fail {
                step,
                message,
                waived,
            } => (
                if *waived { "waived" } else { "fail" },
                Some(message.clone()),
                vec![*step],
            ),
            Verdict::Error { step, message } => (
                "error",
                Some(message.clone()),
                step.iter().copied().collect(),
            ),
        };
        let mut trace = Vec::new();
        let mut step_span = None;
        for i in steps {
            let ir = match &c.steps[i] {
                Step::Require { cond, .. } => cond,
                Step::Let(_, value) => value,
            };
            step_span.get_or_insert(ir.span);
            trace_expr(m, ir, 0, false, &mut trace);
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

/// Explains control `control` over `facts`; `subject` names one subject
/// to show whatever its outcome; otherwise up to `limit` failing or
/// erroring subjects are shown.
pub fn explain<'a>(
    program: &'a Program,
    facts: Option<Value<'a>>,
    fact_nodes: usize,
    options: &Options,
    control: usize,
    subject: Option<&str>,
    limit: usize,
) -> Explanation {
    let mut explainer = Explainer {
        wanted: subject.map(str::to_string),
        limit,
        subjects: Vec::new(),
        omitted: 0,
    };
    let result =
        eval::observe_control(program, facts, fact_nodes, options, control, &mut explainer);
    Explanation {
        control,
        result,
        subjects: explainer.subjects,
        omitted: explainer.omitted,
    }
}

fn show(v: &Value<'_>) -> String {
    let text = match v {
        Value::Text(_) | Value::String(_) => v.to_json().to_string(),
        v => v.display(),
    };
    if text.chars().count() <= MAX_VALUE_CHARS {
        return text;
    }
    match v.len() {
        Some(n) if v.is_list() => format!("[…] (list of {n})"),
        Some(n) if v.is_object() => format!("{{…}} (object with {n} keys)"),
        _ => format!(
            "{}…",
            text.chars().take(MAX_VALUE_CHARS).collect::<String>()
        ),
    }
}

/// Records `ir` and its interesting sub-expressions. Constants and bare
/// variables are not worth a line; bodies of quantifiers and comprehensions
/// depend on their loop variable and are shown as a whole.
fn trace_expr<'a>(
    m: &mut Machine<'a, '_>,
    ir: &'a Ir,
    depth: usize,
    in_fn: bool,
    out: &mut Vec<Trace>,
) {
    let value = m.eval(ir).map(|v| show(&v)).map_err(|e| e.message());
    out.push(Trace {
        depth,
        span: ir.span,
        value,
        note: None,
    });
    if depth >= MAX_TRACE_DEPTH {
        return;
    }
    let children: Vec<&'a Ir> = match &ir.kind {
        IrKind::Field { base, .. } => vec![&**base],
        IrKind::Index { base, index, .. } => vec![&**base, &**index],
        IrKind::Not(x) | IrKind::Neg(x) | IrKind::Matches(x, _) => vec![&**x],
        IrKind::Binary(_, l, r) => vec![&**l, &**r],
        IrKind::Call(_, args) | IrKind::CallFn(_, args) => args.iter().collect(),
        IrKind::Quant { source, .. } | IrKind::Comprehension { source, .. } => vec![&**source],
        IrKind::If {
            cond,
            then,
            otherwise,
        } => {
            let taken = match m.eval(cond) {
                Ok(Value::Bool(true)) => Some(&**then),
                Ok(Value::Bool(false)) => Some(&**otherwise),
                _ => None,
            };
            std::iter::once(&**cond).chain(taken).collect()
        }
        _ => Vec::new(),
    };
    for child in children {
        if worth_a_line(child, ir) {
            trace_expr(m, child, depth + 1, in_fn, out);
        }
    }
    if let IrKind::CallFn(f, args) = &ir.kind
        && !in_fn
    {
        expand_call(m, *f as usize, args, depth + 1, out);
    }
}

fn worth_a_line(child: &Ir, parent: &Ir) -> bool {
    !matches!(
        child.kind,
        IrKind::Const(_) | IrKind::Local(_) | IrKind::Facts
    ) && child.span != parent.span
}

/// Shows a function's body evaluated with the call's arguments.
fn expand_call<'a>(
    m: &mut Machine<'a, '_>,
    f: usize,
    args: &'a [Ir],
    depth: usize,
    out: &mut Vec<Trace>,
) {
    let program = m.ev.program;
    let func = &program.functions[f];
    let values: Result<Vec<Value<'a>>, _> = args.iter().map(|a| m.eval(a)).collect();
    let Ok(values) = values else { return };
    let params: Vec<String> = values.iter().map(show).collect();
    let frame = m.enter_frame(func.slots, values);
    let first = out.len();
    trace_expr(m, &func.body, depth, true, out);
    m.leave_frame(frame);
    if let Some(t) = out.get_mut(first) {
        t.note = Some(format!("in fn {}({})", func.name, params.join(", ")));
    }
}
