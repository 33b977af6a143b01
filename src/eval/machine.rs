//! The expression interpreter: lowered `Ir` and a frame of slots in, a
//! `Value` or an `EvalError` out. Every step is counted against the
//! control's budget; nothing here allocates unless the expression builds
//! a new list, object or string.

use super::Evaluator;
use super::build::{Items, element};
use super::builtins;
use super::error::{EvalError, Missing};
use super::index::{self, KeyIndex, ObjectId};
use super::patterns::Patterns;
use crate::ast::{BinaryOp, Quantifier};
use crate::builtins::Builtin;
use crate::check::program::{Binding, Ir, IrKind};
use crate::source::Span;
use crate::value::{FactRef, Value};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

pub type R<'a> = Result<Value<'a>, EvalError<'a>>;

/// Bytes of built data per budget step (see `Machine::charge_bytes`): the
/// default budget of 50 million steps lets a control build 800 MB.
pub const BYTES_PER_STEP: usize = 16;
/// What a list element, an object and an object entry take, roughly.
pub const ELEMENT_BYTES: usize = std::mem::size_of::<Value<'static>>();
pub const OBJECT_BYTES: usize = 64;
pub const ENTRY_BYTES: usize = ELEMENT_BYTES + 16;

/// How often (in steps) the wall clock is read for `--timeout` (a power of
/// two: `tick` masks with it).
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
    /// The facts-object indexes this machine has used (and paid for).
    indexes: HashMap<ObjectId, Arc<KeyIndex<'a>>>,
    /// The patterns this machine has used (and paid for).
    pub(super) patterns: Patterns,
    /// Evaluating a top-level `let`: a failing element of a list or object
    /// is kept in it, not the failure of the whole (see `eval::build`).
    pub(super) tolerant: bool,
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
            indexes: HashMap::new(),
            patterns: Patterns::default(),
            tolerant: false,
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
        // Every node pays this: the common case (within the budget, no
        // clock to read) skips `charge`. A wrapped count is 0 and goes on.
        let next = self.steps.wrapping_add(1);
        if self.steps != 0 && next <= self.limit && next & (CLOCK_INTERVAL - 1) != 0 {
            self.steps = next;
            return Ok(());
        }
        self.charge(1, span)
    }

    /// Charges building `bytes` bytes of new data (strings, lists), before
    /// they are allocated: a step per `BYTES_PER_STEP`, so the budget also
    /// bounds the memory a control can make evaluation build.
    pub(super) fn charge_bytes(&mut self, bytes: usize, span: Span) -> Result<(), EvalError<'a>> {
        self.charge((bytes / BYTES_PER_STEP) as u64, span)
    }

    /// Counts `work` steps against the budget, and reads the clock at the
    /// first step (a control that starts after the deadline stops at once)
    /// and each time the count passes another multiple of `CLOCK_INTERVAL`.
    /// Steps left before the budget is spent.
    pub(super) fn remaining(&self) -> u64 {
        self.limit.saturating_sub(self.steps).saturating_add(1)
    }

    pub(super) fn charge(&mut self, work: u64, span: Span) -> Result<(), EvalError<'a>> {
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
        let out = stacker::maybe_grow(FRAME_STACK, 4 * FRAME_STACK, || self.eval_shared(body));
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

    /// The value of `ir`, to be used: a list or object holding failed
    /// elements raises its first failure.
    pub fn eval(&mut self, ir: &'a Ir) -> R<'a> {
        match self.eval_shared(ir)? {
            Value::Poisoned(p) => Err((*p.first).clone()),
            v => Ok(v),
        }
    }

    /// The value of `ir`, to be passed on (bound, returned, put in a
    /// container): one holding failed elements is kept as it is.
    pub fn eval_shared(&mut self, ir: &'a Ir) -> R<'a> {
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
            IrKind::List(items) => self.list(items, ir.span),
            IrKind::Object(entries) => self.object(entries, ir.span),
            IrKind::Template(parts) => {
                let mut s = String::new();
                for p in parts {
                    let v = self.eval(p)?;
                    // Charged whole before it is printed: a value may hold
                    // the same list many times over.
                    let whole = deep_size(&v, self.remaining());
                    self.charge(whole, p.span)?;
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
                // Only a poisoned container holds failed elements.
                let (b, poisoned) = match self.eval_shared(base)? {
                    Value::Poisoned(p) => (p.value.clone(), true),
                    b => (b, false),
                };
                let found = match b.get_hinted(name, hint, index::SCAN_UP_TO) {
                    Some(found) => found,
                    None => self.lookup(&b, name, ir.span)?,
                };
                match found {
                    Some(v) if poisoned => element(v),
                    Some(v) => Ok(v),
                    None => absent_field(b, name, *optional, ir.span),
                }
            }
            IrKind::Index {
                base,
                index,
                optional,
            } => {
                let b = unpoison(self.eval_shared(base)?);
                let i = self.eval(index)?;
                self.index(b, i, *optional, ir.span).and_then(element)
            }
            IrKind::Not(x) => Ok(Value::Bool(!self.eval_bool(x, "`not`")?)),
            IrKind::Neg(x) => match self.eval(x)? {
                Value::Int(i) => i
                    .checked_neg()
                    .map(Value::Int)
                    .ok_or_else(|| EvalError::invalid(ir.span, "integer overflow")),
                Value::Float(f) => Ok(Value::Float(-f)),
                Value::Duration(d) => d
                    .checked_neg()
                    .map(Value::Duration)
                    .ok_or_else(|| EvalError::invalid(ir.span, "duration overflow")),
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
                if super::calls::needs_machine(*b) {
                    let mut argv = [Value::Null, Value::Null, Value::Null];
                    for (slot, v) in argv.iter_mut().zip(self.args.drain(base..)) {
                        *slot = v;
                    }
                    return self.call_with_machine(*b, argv, args, ir.span);
                }
                let work = builtin_work(*b, &self.args[base..], self.remaining());
                let out = self
                    .charge(work, ir.span)
                    .and_then(|()| builtins::call(self.ev, *b, &self.args[base..], args, ir.span));
                self.args.truncate(base);
                // What a built-in makes is at most a small multiple of what
                // it read (charged above), so it is charged once made.
                let out = out?;
                self.charge_bytes(built_bytes(&out), ir.span)?;
                Ok(out)
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
                    .map(|a| self.eval_shared(a))
                    .collect::<Result<Vec<_>, _>>()?;
                self.in_frame(func.slots, values, &func.body)
            }
            IrKind::Has(x) => Ok(Value::Bool(self.path_value(x)?.is_some())),
            IrKind::Quant {
                kind,
                binding,
                source,
                filter,
                body,
            } => {
                let items = self.eval_shared(source)?;
                let poisoned = matches!(items, Value::Poisoned(_));
                for (k, v) in Items::new(items, source.span)? {
                    let v = if poisoned { element(v)? } else { v };
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
            } => self.comprehension(elem, *binding, source, filter.as_deref()),
            IrKind::ObjectComprehension {
                key,
                value,
                binding,
                source,
                filter,
            } => self.object_comprehension(key, value, *binding, source, filter.as_deref()),
            IrKind::Slice { base, from, to } => {
                let b = unpoison(self.eval_shared(base)?);
                let from = self.slice_bound(from.as_deref())?;
                let to = self.slice_bound(to.as_deref())?;
                self.slice(b, from, to, ir.span)
            }
            IrKind::With { slot, value, body } => {
                let v = self.eval_shared(value)?;
                self.set(*slot, v);
                self.eval_shared(body)
            }
            IrKind::If {
                cond,
                then,
                otherwise,
            } => {
                if self.eval_bool(cond, "`if`")? {
                    self.eval_shared(then)
                } else {
                    self.eval_shared(otherwise)
                }
            }
        }
    }

    /// The value under `key` in an object (of the facts or computed), in
    /// the same time at any size; None when absent or not an object.
    pub fn lookup(
        &mut self,
        obj: &Value<'a>,
        key: &str,
        span: Span,
    ) -> Result<Option<Value<'a>>, EvalError<'a>> {
        let obj = obj.unpoisoned();
        let Value::Map(r) = obj else {
            return Ok(obj.get(key));
        };
        if !is_large(*r) {
            return Ok(obj.get(key));
        }
        let id = index::id(*r);
        let keys = match self.indexes.get(&id) {
            Some(found) => found.clone(),
            None => {
                self.charge(r.len() as u64, span)?;
                let built = self.ev.indexes.get(*r);
                self.indexes.insert(id, built.clone());
                built
            }
        };
        Ok(keys.get(key).and_then(|&i| r.element(i as usize)))
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
            (b, k) if b.is_object() && k.as_name().is_some() => {
                let key = k.as_name().unwrap_or_default();
                match self.lookup(b, key, span)? {
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
                return match self.eval_shared(l) {
                    Ok(Value::Null) => self.eval_shared(r),
                    Err(e) if e.is_missing() => self.eval_shared(r),
                    other => other,
                };
            }
            _ => {}
        }
        let a = self.eval(l)?;
        // An object's keys are known even where some of its values failed.
        let b = match self.eval_shared(r)? {
            Value::Poisoned(p) if op == BinaryOp::In && p.value.is_object() => p.value.clone(),
            Value::Poisoned(p) => return Err((*p.first).clone()),
            v => v,
        };
        if op == BinaryOp::In && b.is_object() {
            return match a.as_name() {
                Some(k) => Ok(Value::Bool(self.lookup(&b, k, span)?.is_some())),
                None => Err(EvalError::type_error(
                    span,
                    format!("an object's keys are strings, not {}", a.type_name()),
                )),
            };
        }
        let cap = self.remaining();
        let work = match op {
            BinaryOp::In if b.is_list() => deep_size(&b, cap),
            BinaryOp::In => size(&b),
            BinaryOp::Eq | BinaryOp::Ne => deep_size(&a, cap).min(deep_size(&b, cap)),
            // `+` of strings or lists builds the result: its bytes too.
            BinaryOp::Add => {
                size(&a) + size(&b) + (concatenated_bytes(&a, &b) / BYTES_PER_STEP) as u64
            }
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
pub(super) fn size(v: &Value<'_>) -> u64 {
    let n = match v {
        Value::List(l) => l.len(),
        Value::Object(o) => o.len(),
        Value::Array(r) | Value::Map(r) => r.len(),
        v => v.as_str().map_or(0, |s| s.len() / 64),
    };
    n as u64
}

/// The bytes `a + b` builds when both are strings or both are lists.
fn concatenated_bytes(a: &Value<'_>, b: &Value<'_>) -> usize {
    match (a.as_str(), b.as_str()) {
        (Some(x), Some(y)) => x.len().saturating_add(y.len()),
        _ if a.is_list() && b.is_list() => {
            ELEMENT_BYTES.saturating_mul(a.len().unwrap_or(0).saturating_add(b.len().unwrap_or(0)))
        }
        _ => 0,
    }
}

/// The bytes a value newly built by a built-in holds at its top level
/// (strings and containers borrowed from the facts or shared cost none).
fn built_bytes(v: &Value<'_>) -> usize {
    match v {
        Value::String(s) => s.len(),
        Value::List(l) => ELEMENT_BYTES * l.len(),
        Value::Object(o) => OBJECT_BYTES + ENTRY_BYTES * o.len(),
        _ => 0,
    }
}

/// The work of a built-in call beyond its one step: none for those that
/// look at a fixed part of their arguments, the size of every argument for
/// the others.
fn builtin_work(b: Builtin, args: &[Value<'_>], cap: u64) -> u64 {
    use Builtin::*;
    match b {
        Len | Count | TypeOf | Documents | Has | Now | Date | DaysSince | Abs | StartsWith
        | EndsWith | Owner | Decider | Operator | Accountable | CidrContains | CidrOverlaps
        | IsPublicCidr => 0,
        // Two steps an element, and its key's bytes: each key is hashed,
        // and a new one copied.
        GroupBy => {
            let field = args.get(1).and_then(Value::as_str);
            let key_bytes = |item: Value<'_>| {
                let key = match field {
                    Some(f) => item.get(f),
                    None => item.index(0),
                };
                key.and_then(|k| k.as_str().map(str::len)).unwrap_or(0) / BYTES_PER_STEP
            };
            let items = args.first().and_then(Value::elements).into_iter().flatten();
            items.map(|item| 2 + key_bytes(item) as u64).sum()
        }
        // Printed or compared whole.
        ToString | Unique => args.iter().map(|a| deep_size(a, cap)).sum(),
        // Its output is every inner element: counted (and its bytes)
        // before it is built.
        Flatten => {
            let inner: u64 = args[0]
                .elements()
                .into_iter()
                .flatten()
                .map(|v| 1 + size(&v))
                .sum();
            inner + inner * (ELEMENT_BYTES / BYTES_PER_STEP) as u64
        }
        _ => args.iter().map(size).sum(),
    }
}

/// The work of reading a value whole (printing or comparing it): a step
/// per value inside it and per `BYTES_PER_STEP` bytes of its strings,
/// counted up to `cap` only, in time proportional to the count. A value
/// that holds one list many times over counts it each time, as printing
/// it does.
pub(super) fn deep_size(v: &Value<'_>, cap: u64) -> u64 {
    fn own(v: &Value<'_>) -> u64 {
        1 + v.as_str().map_or(0, |s| (s.len() / BYTES_PER_STEP) as u64)
    }
    if !(v.is_list() || v.is_object()) {
        return own(v);
    }
    let mut total = 0u64;
    let mut stack = vec![v.clone()];
    while let Some(v) = stack.pop() {
        total += own(&v);
        if total > cap {
            return total;
        }
        if let Some(items) = v.elements() {
            stack.extend(items);
        } else if let Some(entries) = v.entries() {
            for (k, v) in entries {
                total += own(&k);
                stack.push(v);
            }
        }
    }
    total
}

/// The facts container a value reads from, for error pointers.
pub(super) fn container<'a>(v: &Value<'a>) -> Option<FactRef<'a>> {
    match v {
        Value::Array(r) | Value::Map(r) => Some(*r),
        _ => None,
    }
}

/// A poisoned container's container, to read elements of.
fn unpoison(v: Value<'_>) -> Value<'_> {
    match v {
        Value::Poisoned(p) => p.value.clone(),
        v => v,
    }
}

/// Whether a facts object is large enough to be read through an index.
fn is_large(r: FactRef<'_>) -> bool {
    r.len() > index::SCAN_UP_TO
}

/// `base.name` where `base` has no entry `name`: null for `?`, else a
/// missing fact or a type error.
fn absent_field<'a>(base: Value<'a>, name: &'a str, optional: bool, span: Span) -> R<'a> {
    match &base {
        Value::Map(_) | Value::Object(_) if optional => Ok(Value::Null),
        Value::Map(_) | Value::Object(_) => Err(EvalError::missing(
            span,
            container(&base),
            Missing::Key(name),
        )),
        Value::Null if optional => Ok(Value::Null),
        Value::Null => Err(EvalError::through_null(span, Missing::Key(name))),
        v => Err(EvalError::type_error(
            span,
            format!("cannot read `.{name}` of {}", v.type_name()),
        )),
    }
}
