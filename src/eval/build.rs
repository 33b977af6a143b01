//! Lists, objects and comprehensions: their parts evaluated in, a new
//! container out, its built bytes charged. Inside a top-level `let` (the
//! machine is `tolerant` there) a part that fails does not fail the whole
//! value that several controls share: it is kept as a `Value::Failed`
//! element of a `Value::Poisoned` container, and raises its error for the
//! subjects that read it, and only for them (reading the element, or using
//! the container whole). A `where`/`if` or a key that fails still fails the
//! container: which elements it holds is then unknown.

use super::error::EvalError;
use super::machine::{ELEMENT_BYTES, ENTRY_BYTES, Machine, OBJECT_BYTES, R};
use crate::check::program::{Binding, Ir};
use crate::source::Span;
use crate::value::{FactRef, Object, ObjectBuilder, Poisoned, Value};
use std::sync::Arc;

/// The first failure a part carries: its own, or its container's.
fn failure<'v, 'a>(v: &'v Value<'a>) -> Option<&'v Arc<EvalError<'a>>> {
    match v {
        Value::Failed(e) => Some(e),
        Value::Poisoned(p) => Some(&p.first),
        _ => None,
    }
}

/// `value`, poisoned with `first` if a part failed.
fn poisoned<'a>(value: Value<'a>, first: Option<Arc<EvalError<'a>>>) -> Value<'a> {
    match first {
        None => value,
        Some(first) => Value::Poisoned(Arc::new(Poisoned { value, first })),
    }
}

/// A list of values (some possibly failed or poisoned).
pub(super) fn list(items: Vec<Value<'_>>) -> Value<'_> {
    let first = items.iter().find_map(failure).cloned();
    poisoned(Value::list(items), first)
}

fn object(o: Object<'_>) -> Value<'_> {
    let first = o.entries().iter().find_map(|(_, v)| failure(v)).cloned();
    poisoned(Value::Object(Arc::new(o)), first)
}

impl<'a> Machine<'a, '_> {
    /// One part of a container: in a shared value, a failure is kept.
    fn part(&mut self, ir: &'a Ir) -> R<'a> {
        match self.eval_shared(ir) {
            Err(e) if self.tolerant && !e.is_limit() => Ok(Value::Failed(Arc::new(e))),
            other => other,
        }
    }

    pub(super) fn list(&mut self, items: &'a [Ir], span: Span) -> R<'a> {
        self.charge_bytes(ELEMENT_BYTES * items.len(), span)?;
        let values = items
            .iter()
            .map(|i| self.part(i))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(list(values))
    }

    pub(super) fn object(&mut self, entries: &'a [(Arc<str>, Ir)], span: Span) -> R<'a> {
        self.charge_bytes(OBJECT_BYTES + ENTRY_BYTES * entries.len(), span)?;
        let mut out = Vec::with_capacity(entries.len());
        for (k, v) in entries {
            out.push((k.clone(), self.part(v)?));
        }
        // The checker refused repeated keys in a literal.
        Ok(object(Object::from_distinct(out)))
    }

    /// The elements of a loop's source, each read as an element: one that
    /// failed raises its error here.
    fn each(&mut self, source: &'a Ir) -> Result<Items<'a>, EvalError<'a>> {
        Items::new(self.eval_shared(source)?, source.span)
    }

    fn keep(
        &mut self,
        binding: Binding,
        item: (Value<'a>, Value<'a>),
        filter: Option<&'a Ir>,
    ) -> Result<bool, EvalError<'a>> {
        let (k, v) = item;
        let v = element(v)?;
        self.bind(binding, k, v);
        match filter {
            Some(f) => self.eval_bool(f, "`if`"),
            None => Ok(true),
        }
    }

    pub(super) fn comprehension(
        &mut self,
        elem: &'a Ir,
        binding: Binding,
        source: &'a Ir,
        filter: Option<&'a Ir>,
    ) -> R<'a> {
        let mut out = Vec::new();
        for item in self.each(source)? {
            if !self.keep(binding, item, filter)? {
                continue;
            }
            let v = self.part(elem)?;
            self.charge_bytes(ELEMENT_BYTES, elem.span)?;
            out.push(v);
        }
        Ok(list(out))
    }

    pub(super) fn object_comprehension(
        &mut self,
        key: &'a Ir,
        value: &'a Ir,
        binding: Binding,
        source: &'a Ir,
        filter: Option<&'a Ir>,
    ) -> R<'a> {
        let mut out = ObjectBuilder::default();
        for item in self.each(source)? {
            if !self.keep(binding, item, filter)? {
                continue;
            }
            let name: Arc<str> = match self.eval(key)? {
                Value::String(s) => s,
                Value::Text(t) => Arc::from(t),
                Value::Word(w) => Arc::from(w.name()),
                v => {
                    return Err(EvalError::type_error(
                        key.span,
                        format!("an object's keys are strings, not {}", v.type_name()),
                    ));
                }
            };
            let v = self.part(value)?;
            self.charge_bytes(ENTRY_BYTES + name.len(), value.span)?;
            out.insert(name, v);
        }
        Ok(object(out.finish()))
    }
}

/// An element read out of a container: a failed one raises its error.
pub(super) fn element<'a>(v: Value<'a>) -> R<'a> {
    match v {
        Value::Failed(e) => Err((*e).clone()),
        v => Ok(v),
    }
}

/// One iteration of a loop: key (index or object key) and value.
pub struct Items<'a> {
    source: Value<'a>,
    pos: usize,
}

impl<'a> Items<'a> {
    /// The elements of a list or object (a poisoned one's too: its failed
    /// elements raise where they are read).
    pub fn new(source: Value<'a>, span: Span) -> Result<Items<'a>, EvalError<'a>> {
        let source = match source {
            Value::Poisoned(p) => p.value.clone(),
            v => v,
        };
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
            Value::Object(o) => o
                .entries()
                .get(i)
                .map(|(k, v)| (Value::String(k.clone()), v.clone())),
            Value::Map(r) => r.entry(i),
            _ => None,
        };
        self.pos += 1;
        item
    }
}
