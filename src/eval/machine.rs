//! The expression interpreter: lowered `Ir` and a frame of slots in, a
//! `Value` or an `EvalError` out. Every step is counted against the
//! control's budget; nothing here allocates unless the expression builds
//! a new list, object or string.

use super::Evaluator;
use super::builtins;
use super::error::{EvalError, Missing};
use crate::ast::{BinaryOp, Quantifier};
use crate::builtins::Builtin;
use crate::check::program::{Binding, Ir, IrKind};
use crate::source::Span;
use crate::value::{FactRef, Value};
use std::sync::Arc;
use std::time::Instant;

pub type R<'a> = Result<Value<'a>, EvalError<'a>>;

/// How often (in steps) the wall clock is read for `--timeout`.
const CLOCK_INTERVAL: u64 = 1 << 16;

/// Stack enough for one frame's body: an expression nested to the parser's
/// limit, unoptimised.
const FRAME_STACK: usize = 4 << 20;

pub struct Machine<'a, 'e> {
    pub ev: &'e Evaluator<'a>,
    pub slots: Vec<Value<'a>>,
    /// Evaluated arguments of the built-in calls in progress.
    args: Vec<Value<'a>>,
    base: usize,
    steps: u64,
    limit: u64,
    deadline: Option<Instant>,
}

/// One iteration of a loop: key (index or object key) and value.
pub struct Items<'a> {
    source: Value<'a>,
    pos: usize,
}

impl<'a> Items<'a> {
    pub fn new(source: Value<'a>, span: Span) -> Result<Items<'a>, EvalError<'a>> {
        if source.is_list() || source.is_object() {
            Ok(Items { source, pos: 0 })
        } else {
            Err(EvalError::type_error(
                span,
                format!(
                    "cannot iterate over {}; expected a list or an object",
                    source.type_name()
                ),
            ))
        }
    }

    /// Where element `pos - 1` lives in the facts, when it does.
    pub fn container(&self) -> Option<FactRef<'a>> {
        match &self.source {
            Value::Array(r) | Value::Map(r) => Some(*r),
            _ => None,
        }
    }
}

impl<'a> Iterator for Items<'a> {
    type Item = (Value<'a>, Value<'a>);

    fn next(&mut self) -> Option<(Value<'a>, Value<'a>)> {
        let i = self.pos;
        let item = match &self.source {
            Value::List(l) => l.get(i).map(|v| (Value::Int(i as i64), v.clone())),
            Value::Array(r) => r.element(i).map(|v| (Value::Int(i as i64), v)),
            Value::Object(o) => o.get(i).map(|(k, v)| (Value::String(k.clone()), v.clone())),
            Value::Map(r) => r.entry(i),
            _ => None,
        };
        self.pos += 1;
        item
    }
}

impl<'a, 'e> Machine<'a, 'e> {
    pub fn new(ev: &'e Evaluator<'a>, slots: u32) -> Self {
        Machine {
            ev,
            slots: vec![Value::Null; slots as usize],
            args: Vec::new(),
            base: 0,
            steps: 0,
            limit: ev.max_steps,
            deadline: ev.deadline,
        }
    }

    pub fn set(&mut self, slot: u32, v: Value<'a>) {
        let i = self.base + slot as usize;
        if let Some(s) = self.slots.get_mut(i) {
            *s = v;
        }
    }

    pub fn bind(&mut self, binding: Binding, key: Value<'a>, value: Value<'a>) {
        if let Some(k) = binding.key {
            self.set(k, key);
        }
        self.set(binding.value, value);
    }

    fn tick(&mut self, span: Span) -> Result<(), EvalError<'a>> {
        self.charge(1, span)
    }

    /// Counts `work` steps against the budget, and reads the clock at the
    /// first step (a control that starts after the deadline stops at once)
    /// and each time the count passes another multiple of `CLOCK_INTERVAL`.
    fn charge(&mut self, work: u64, span: Span) -> Result<(), EvalError<'a>> {
        let before = self.steps;
        self.steps = self.steps.saturating_add(work);
        if self.steps > self.limit {
            return Err(EvalError::new(
                super::error::ErrorKind::Budget(self.limit),
                span,
            ));
        }
        if (before == 0 || before / CLOCK_INTERVAL != self.steps / CLOCK_INTERVAL)
            && self.deadline.is_some_and(|d| Instant::now() > d)
        {
            return Err(EvalError::new(super::error::ErrorKind::Timeout, span));
        }
        Ok(())
    }

    /// Runs `body` in a fresh frame of `slots` slots, with `args` in the
    /// first ones (function calls, globals). Declarations never recurse,
    /// but a chain of thousands of `let`s or `fn`s each using the next
    /// nests one frame per link: past `FRAME_STACK` of free stack, the
    /// frame gets a fresh stack of its own instead of overflowing.
    pub fn in_frame(&mut self, slots: u32, args: Vec<Value<'a>>, body: &'a Ir) -> R<'a> {
        let frame = self.enter_frame(slots, args);
        let out = stacker::maybe_grow(FRAME_STACK, 4 * FRAME_STACK, || self.eval(body));
        self.leave_frame(frame);
        out
    }

    /// Opens a frame of `slots` slots holding `args`; returns what
    /// `leave_frame` needs to restore the caller's.
    pub fn enter_frame(&mut self, slots: u32, args: Vec<Value<'a>>) -> (usize, usize) {
        let saved = (self.base, self.slots.len());
        let base = self.slots.len();
        self.slots.resize(base + slots as usize, Value::Null);
        for (i, a) in args.into_iter().enumerate() {
            if let Some(s) = self.slots.get_mut(base + i) {
                *s = a;
            }
        }
        self.base = base;
        saved
    }

    pub fn leave_frame(&mut self, (base, len): (usize, usize)) {
        self.base = base;
        self.slots.truncate(len);
    }

    pub fn eval_bool(&mut self, ir: &'a Ir, what: &str) -> Result<bool, EvalError<'a>> {
        match self.eval(ir)? {
            Value::Bool(b) => Ok(b),
            v => Err(EvalError::type_error(
                ir.span,
                format!("{what} needs a bool, got {}", v.type_name()),
            )),
        }
    }

    pub fn eval(&mut self, ir: &'a Ir) -> R<'a> {
        self.tick(ir.span)?;
        match &ir.kind {
            IrKind::Invalid => Err(EvalError::invalid(ir.span, "this expression did not check")),
            IrKind::Const(v) => Ok(v.clone()),
            IrKind::Local(s) => Ok(self
                .slots
                .get(self.base + *s as usize)
                .cloned()
                .unwrap_or(Value::Null)),
            IrKind::Global(g) => {
                let ev = self.ev;
                ev.global(*g as usize, self)
            }
            IrKind::Facts => match &self.ev.facts {
                Some(f) => Ok(f.clone()),
                None => Err(EvalError::new(super::error::ErrorKind::NoFacts, ir.span)),
            },
            IrKind::Now => Ok(Value::Date(self.ev.now)),
            IrKind::Policy(list) => Ok(self.ev.policy_list(*list)),
            IrKind::List(items) => {
                let values = items
                    .iter()
                    .map(|i| self.eval(i))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Value::list(values))
            }
            IrKind::Object(entries) => {
                let mut out = Vec::with_capacity(entries.len());
                for (k, v) in entries {
                    out.push((k.clone(), self.eval(v)?));
                }
                Ok(Value::Object(out.into()))
            }
            IrKind::Template(parts) => {
                let mut s = String::new();
                for p in parts {
                    let v = self.eval(p)?;
                    self.charge(size(&v), p.span)?;
                    s.push_str(&v.display());
                }
                Ok(Value::string(s))
            }
            IrKind::Field {
                base,
                name,
                optional,
                hint,
            } => {
                let b = self.eval(base)?;
                match b.get_hinted(name, hint) {
                    Some(v) => Ok(v),
                    None => field(b, name, *optional, ir.span),
                }
            }
            IrKind::Index {
                base,
                index,
                optional,
            } => {
                let b = self.eval(base)?;
                let i = self.eval(index)?;
                self.index(b, i, *optional, ir.span)
            }
            IrKind::Not(x) => Ok(Value::Bool(!self.eval_bool(x, "`not`")?)),
            IrKind::Neg(x) => match self.eval(x)? {
                Value::Int(i) => i
                    .checked_neg()
                    .map(Value::Int)
                    .ok_or_else(|| EvalError::invalid(ir.span, "integer overflow")),
                Value::Float(f) => Ok(Value::Float(-f)),
                Value::Duration(d) => Ok(Value::Duration(-d)),
                v => Err(EvalError::type_error(
                    ir.span,
                    format!("cannot negate {}", v.type_name()),
                )),
            },
            IrKind::Binary(op, l, r) => self.binary(*op, l, r, ir.span),
            IrKind::Call(b, args) => {
                // Arguments go on a stack shared by all calls: no allocation per call.
                let base = self.args.len();
                for a in args {
                    match self.eval(a) {
                        Ok(v) => self.args.push(v),
                        Err(e) => {
                            self.args.truncate(base);
                            return Err(e);
                        }
                    }
                }
                let work = builtin_work(*b, &self.args[base..]);
                let out = self
                    .charge(work, ir.span)
                    .and_then(|()| builtins::call(self.ev, *b, &self.args[base..], args, ir.span));
                self.args.truncate(base);
                out
            }
            IrKind::Matches(subject, re) => match self.eval(subject)? {
                v if v.as_str().is_some() => {
                    self.charge(size(&v), ir.span)?;
                    Ok(Value::Bool(re.is_match(v.as_str().unwrap_or_default())))
                }
                v => Err(EvalError::type_error(
                    subject.span,
                    format!("`matches` needs a string, got {}", v.type_name()),
                )),
            },
            IrKind::CallFn(f, args) => {
                let func = &self.ev.program.functions[*f as usize];
                let values = args
                    .iter()
                    .map(|a| self.eval(a))
                    .collect::<Result<Vec<_>, _>>()?;
                self.in_frame(func.slots, values, &func.body)
            }
            IrKind::Has(x) => match self.eval(x) {
                Ok(_) => Ok(Value::Bool(true)),
                Err(e) if e.is_missing() => Ok(Value::Bool(false)),
                Err(e) => Err(e),
            },
            IrKind::Quant {
                kind,
                binding,
                source,
                filter,
                body,
            } => {
                let items = Items::new(self.eval(source)?, source.span)?;
                for (k, v) in items {
                    self.bind(*binding, k, v);
                    if let Some(f) = filter
                        && !self.eval_bool(f, "`where`")?
                    {
                        continue;
                    }
                    let holds = self.eval_bool(body, "a quantifier's body")?;
                    match (kind, holds) {
                        (Quantifier::All, false) | (Quantifier::None, true) => {
                            return Ok(Value::Bool(false));
                        }
                        (Quantifier::Any, true) => return Ok(Value::Bool(true)),
                        _ => {}
                    }
                }
                Ok(Value::Bool(*kind != Quantifier::Any))
            }
            IrKind::Comprehension {
                elem,
                binding,
                source,
                filter,
            } => {
                let items = Items::new(self.eval(source)?, source.span)?;
                let mut out = Vec::new();
                for (k, v) in items {
                    self.bind(*binding, k, v);
                    if let Some(f) = filter
                        && !self.eval_bool(f, "`if`")?
                    {
                        continue;
                    }
                    out.push(self.eval(elem)?);
                }
                Ok(Value::list(out))
            }
            IrKind::If {
                cond,
                then,
                otherwise,
            } => {
                if self.eval_bool(cond, "`if`")? {
                    self.eval(then)
                } else {
                    self.eval(otherwise)
                }
            }
        }
    }

    fn index(&mut self, base: Value<'a>, index: Value<'a>, optional: bool, span: Span) -> R<'a> {
        let missing = |what| {
            if optional {
                Ok(Value::Null)
            } else {
                Err(EvalError::missing(span, container(&base), what))
            }
        };
        match (&base, &index) {
            (Value::Null, _) if optional => Ok(Value::Null),
            (Value::Null, Value::Int(i)) => Err(EvalError::through_null(span, Missing::Index(*i))),
            (b, Value::Int(i)) if b.is_list() => {
                let len = b.len().unwrap_or(0) as i64;
                let at = if *i < 0 { len + i } else { *i };
                match usize::try_from(at).ok().and_then(|at| b.index(at)) {
                    Some(v) => Ok(v),
                    None => missing(Missing::Index(*i)),
                }
            }
            (b, k) if b.is_object() && k.as_str().is_some() => {
                let key = k.as_str().unwrap_or_default();
                match b.get(key) {
                    Some(v) => Ok(v),
                    None => missing(Missing::Computed(Arc::from(key))),
                }
            }
            (b, i) => Err(EvalError::type_error(
                span,
                format!("cannot index {} with {}", b.type_name(), i.type_name()),
            )),
        }
    }

    fn binary(&mut self, op: BinaryOp, l: &'a Ir, r: &'a Ir, span: Span) -> R<'a> {
        match op {
            BinaryOp::And => {
                return Ok(Value::Bool(
                    self.eval_bool(l, "`and`")? && self.eval_bool(r, "`and`")?,
                ));
            }
            BinaryOp::Or => {
                return Ok(Value::Bool(
                    self.eval_bool(l, "`or`")? || self.eval_bool(r, "`or`")?,
                ));
            }
            BinaryOp::Coalesce => {
                return match self.eval(l) {
                    Ok(Value::Null) => self.eval(r),
                    Err(e) if e.is_missing() => self.eval(r),
                    other => other,
                };
            }
            _ => {}
        }
        let a = self.eval(l)?;
        let b = self.eval(r)?;
        let work = match op {
            BinaryOp::In => size(&b),
            BinaryOp::Eq | BinaryOp::Ne => size(&a).min(size(&b)),
            BinaryOp::Add => size(&a) + size(&b),
            _ => 0,
        };
        self.charge(work, span)?;
        super::ops::binary(op, a, b, span)
    }
}

/// The work, in steps, of walking a value once: a step per element of a
/// list or object, per 64 bytes of a string. Operations whose cost grows
/// with the data they are given (`in`, `==`, `+`, `join`, `sort`, an
/// interpolation, …) are charged this on top of their one step, so that
/// hostile facts cannot turn a handful of steps into hours of work: a
/// `for` over 100k subjects each testing `in` a 100k-long list used 500k
/// steps and ran for hours.
fn size(v: &Value<'_>) -> u64 {
    let n = match v {
        Value::List(l) => l.len(),
        Value::Object(o) => o.len(),
        Value::Array(r) | Value::Map(r) => r.len(),
        v => v.as_str().map_or(0, |s| s.len() / 64),
    };
    n as u64
}

/// The work of a built-in call beyond its one step: none for those that
/// look at a fixed part of their arguments, the size of every argument for
/// the others.
fn builtin_work(b: Builtin, args: &[Value<'_>]) -> u64 {
    use Builtin::*;
    match b {
        Len | Count | TypeOf | Has | Now | Date | DaysSince | Abs | StartsWith | EndsWith
        | Owner | Decider | Operator | Accountable | CidrContains | CidrOverlaps | IsPublicCidr => {
            0
        }
        _ => args.iter().map(size).sum(),
    }
}

/// The facts container a value reads from, for error pointers.
fn container<'a>(v: &Value<'a>) -> Option<FactRef<'a>> {
    match v {
        Value::Array(r) | Value::Map(r) => Some(*r),
        _ => None,
    }
}

pub fn field<'a>(base: Value<'a>, name: &'a str, optional: bool, span: Span) -> R<'a> {
    match &base {
        Value::Map(_) | Value::Object(_) => match base.get(name) {
            Some(v) => Ok(v),
            None if optional => Ok(Value::Null),
            None => Err(EvalError::missing(
                span,
                container(&base),
                Missing::Key(name),
            )),
        },
        Value::Null if optional => Ok(Value::Null),
        Value::Null => Err(EvalError::through_null(span, Missing::Key(name))),
        v => Err(EvalError::type_error(
            span,
            format!("cannot read `.{name}` of {}", v.type_name()),
        )),
    }
}
