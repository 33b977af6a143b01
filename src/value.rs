//! Runtime values: what expressions evaluate to. Facts containers are
//! referenced in place (`Array`/`Map` hold a `FactRef`), computed lists and
//! objects are shared with `Arc`, so cloning a value never copies facts.

pub mod error;
mod object;

pub use object::{Object, ObjectBuilder};

use crate::facts::{Facts, Node};
use error::EvalError;
use jiff::civil::Date;
use std::cmp::Ordering as Order;
use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

/// The enum words of SPEC §1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Word {
    Provider,
    Customer,
    Shared,
    None,
    Info,
    Low,
    Medium,
    High,
    Critical,
    Advisory,
    Soft,
    Hard,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WordClass {
    Ownership,
    Severity,
    Enforcement,
}

impl Word {
    pub const ALL: [Word; 12] = [
        Word::Provider,
        Word::Customer,
        Word::Shared,
        Word::None,
        Word::Info,
        Word::Low,
        Word::Medium,
        Word::High,
        Word::Critical,
        Word::Advisory,
        Word::Soft,
        Word::Hard,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Word::Provider => "provider",
            Word::Customer => "customer",
            Word::Shared => "shared",
            Word::None => "none",
            Word::Info => "info",
            Word::Low => "low",
            Word::Medium => "medium",
            Word::High => "high",
            Word::Critical => "critical",
            Word::Advisory => "advisory",
            Word::Soft => "soft",
            Word::Hard => "hard",
        }
    }

    pub fn parse(s: &str) -> Option<Word> {
        Word::ALL.into_iter().find(|w| w.name() == s)
    }

    pub fn class(self) -> WordClass {
        match self {
            Word::Provider | Word::Customer | Word::Shared | Word::None => WordClass::Ownership,
            Word::Info | Word::Low | Word::Medium | Word::High | Word::Critical => {
                WordClass::Severity
            }
            Word::Advisory | Word::Soft | Word::Hard => WordClass::Enforcement,
        }
    }
}

/// A container (array or object) inside a facts arena.
#[derive(Clone, Copy)]
pub struct FactRef<'a> {
    pub facts: &'a Facts,
    pub block: u32,
}

impl<'a> FactRef<'a> {
    /// Elements of an array, or entries of an object.
    pub(crate) fn len(self) -> usize {
        self.facts.len(self.block)
    }

    /// Element `i` of an array.
    pub fn element(self, i: usize) -> Option<Value<'a>> {
        self.facts
            .child(self.block, i)
            .map(|n| Value::from_node(self.facts, n))
    }

    /// Entry `i` of an object: its key (as a string value) and value.
    pub fn entry(self, i: usize) -> Option<(Value<'a>, Value<'a>)> {
        let key = self.facts.key(self.block, i)?;
        let value = self.facts.child(self.block, i)?;
        Some((Value::Text(key), Value::from_node(self.facts, value)))
    }

    pub fn pointer(self) -> String {
        self.facts.pointer(self.block)
    }
}

impl std::fmt::Debug for FactRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FactRef({})", self.pointer())
    }
}

#[derive(Clone)]
pub enum Value<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// A string borrowed from the facts or the policy.
    Text(&'a str),
    /// A computed string.
    String(Arc<str>),
    Date(Date),
    /// Seconds.
    Duration(i64),
    Word(Word),
    List(Arc<[Value<'a>]>),
    Object(Arc<Object<'a>>),
    /// An array in the facts.
    Array(FactRef<'a>),
    /// An object in the facts.
    Map(FactRef<'a>),
    /// A computed list or object holding elements that could not be
    /// evaluated (only a top-level `let` builds one: `eval::build`).
    /// Reading such an element raises its error; using the whole raises
    /// the first one.
    Poisoned(Arc<Poisoned<'a>>),
    /// One such element: never found outside a `Poisoned` container.
    Failed(Arc<EvalError<'a>>),
}

/// A list or object with elements that failed, and the first failure.
pub struct Poisoned<'a> {
    pub value: Value<'a>,
    pub first: Arc<EvalError<'a>>,
}

impl<'a> Value<'a> {
    pub fn from_node(facts: &'a Facts, node: Node) -> Value<'a> {
        match node {
            Node::Null => Value::Null,
            Node::Bool(b) => Value::Bool(b),
            Node::Int(i) => Value::Int(i),
            Node::Float(f) => Value::Float(f),
            Node::Str(s) => Value::Text(facts.str(s)),
            Node::Array(block) => Value::Array(FactRef { facts, block }),
            Node::Object(block) => Value::Map(FactRef { facts, block }),
        }
    }

    pub fn string(s: impl Into<Arc<str>>) -> Value<'a> {
        Value::String(s.into())
    }

    pub fn list(items: Vec<Value<'a>>) -> Value<'a> {
        Value::List(items.into())
    }

    /// An object of entries whose keys are distinct.
    pub fn object(entries: Vec<(Arc<str>, Value<'a>)>) -> Value<'a> {
        Value::Object(Arc::new(Object::from_distinct(entries)))
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Int(_) | Value::Float(_) => "number",
            Value::Text(_) | Value::String(_) => "string",
            Value::Date(_) => "date",
            Value::Duration(_) => "duration",
            Value::Word(w) => match w.class() {
                WordClass::Ownership => "ownership",
                WordClass::Severity => "severity",
                WordClass::Enforcement => "enforcement",
            },
            Value::List(_) | Value::Array(_) => "list",
            Value::Object(_) | Value::Map(_) => "object",
            Value::Poisoned(p) => p.value.type_name(),
            Value::Failed(_) => "error",
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// A string, or the name of an enum word (which compare equal to strings).
    pub fn as_name(&self) -> Option<&str> {
        match self {
            Value::Word(w) => Some(w.name()),
            v => v.as_str(),
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }

    /// The container itself, for a poisoned one.
    pub fn unpoisoned(&self) -> &Value<'a> {
        match self {
            Value::Poisoned(p) => &p.value,
            v => v,
        }
    }

    pub fn is_list(&self) -> bool {
        matches!(self, Value::List(_) | Value::Array(_))
    }

    pub fn is_object(&self) -> bool {
        matches!(self, Value::Object(_) | Value::Map(_))
    }

    /// Number of elements of a list, entries of an object, or characters of
    /// a string.
    pub fn len(&self) -> Option<usize> {
        Some(match self {
            Value::List(l) => l.len(),
            Value::Object(o) => o.len(),
            Value::Array(r) | Value::Map(r) => r.len(),
            v => v.as_str()?.chars().count(),
        })
    }

    /// Whether a list, object or string has no elements, entries or
    /// characters (`None` for other values, like [`Value::len`]).
    pub fn is_empty(&self) -> Option<bool> {
        self.len().map(|n| n == 0)
    }

    /// The elements of a list.
    pub fn elements(&self) -> Option<Elements<'a, '_>> {
        match self {
            Value::List(l) => Some(Elements::Values(l.iter())),
            Value::Array(r) => Some(Elements::Nodes(r.facts, r.facts.iter(r.block))),
            _ => None,
        }
    }

    /// The entries of an object, keys as string values.
    pub fn entries(&self) -> Option<Entries<'a, '_>> {
        match self {
            Value::Object(o) => Some(Entries::Values(o.entries().iter())),
            Value::Map(r) => Some(Entries::Nodes(r.facts, r.facts.iter(r.block))),
            _ => None,
        }
    }

    /// The value under `key`: `None` when this is not an object or the key
    /// is absent.
    pub fn get(&self, key: &str) -> Option<Value<'a>> {
        match self {
            Value::Map(r) => r
                .facts
                .get(r.block, key, 0)
                .map(|(_, n)| Value::from_node(r.facts, n)),
            Value::Object(o) => o.get(key).cloned(),
            _ => None,
        }
    }

    /// `get` with a remembered position: objects from one export share
    /// their key order, so the entry found last time is usually the one.
    /// `None` for a facts object of more than `scan_up_to` entries where
    /// the remembered position is not the key: the caller looks it up in
    /// an index instead of scanning.
    pub fn get_hinted(
        &self,
        key: &str,
        hint: &AtomicU32,
        scan_up_to: usize,
    ) -> Option<Option<Value<'a>>> {
        let Value::Map(r) = self else {
            return Some(self.get(key));
        };
        let at = hint.load(Ordering::Relaxed) as usize;
        if r.len() > scan_up_to && r.facts.key(r.block, at) != Some(key) {
            return None;
        }
        let Some((found, node)) = r.facts.get(r.block, key, at) else {
            return Some(None);
        };
        if found != at {
            hint.store(found as u32, Ordering::Relaxed);
        }
        Some(Some(Value::from_node(r.facts, node)))
    }

    pub fn index(&self, i: usize) -> Option<Value<'a>> {
        match self {
            Value::List(l) => l.get(i).cloned(),
            Value::Array(r) => r.element(i),
            _ => None,
        }
    }

    /// Structural equality; numbers compare by value, enum words equal their
    /// names as strings.
    pub fn equals(&self, other: &Value<'_>) -> bool {
        match (self, other) {
            (Value::Null, Value::Null) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (a, b) if a.as_f64().is_some() && b.as_f64().is_some() => a.as_f64() == b.as_f64(),
            (Value::Date(a), Value::Date(b)) => a == b,
            (Value::Duration(a), Value::Duration(b)) => a == b,
            (Value::Word(a), Value::Word(b)) => a == b,
            (a, b) if a.as_name().is_some() && b.as_name().is_some() => a.as_name() == b.as_name(),
            (a, b) if a.is_list() && b.is_list() => match (a.elements(), b.elements()) {
                (Some(x), Some(y)) => a.len() == b.len() && x.zip(y).all(|(x, y)| x.equals(&y)),
                _ => false,
            },
            (a, b) if a.is_object() && b.is_object() => {
                a.len() == b.len()
                    && a.entries().is_some_and(|mut es| {
                        es.all(|(k, v)| {
                            k.as_str()
                                .and_then(|k| b.get(k))
                                .is_some_and(|w| v.equals(&w))
                        })
                    })
            }
            _ => false,
        }
    }

    /// Ordering for `<`, `sort`, `min` and `max`: numbers, strings, dates,
    /// durations, and enum words of one class (severity from info to
    /// critical). `None` when the two cannot be ordered.
    pub fn compare(&self, other: &Value<'_>) -> Option<Order> {
        match (self, other) {
            (Value::Int(a), Value::Int(b)) => Some(a.cmp(b)),
            (Value::Date(a), Value::Date(b)) => Some(a.cmp(b)),
            (Value::Duration(a), Value::Duration(b)) => Some(a.cmp(b)),
            (Value::Word(a), Value::Word(b)) if a.class() == b.class() => Some(a.cmp(b)),
            (a, b) => match (a.as_f64(), b.as_f64(), a.as_str(), b.as_str()) {
                (Some(x), Some(y), _, _) => x.partial_cmp(&y),
                (_, _, Some(x), Some(y)) => Some(x.cmp(y)),
                _ => None,
            },
        }
    }

    /// The value as JSON (dates as `YYYY-MM-DD`, durations as `90d`, words
    /// as their names).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Value::Text(s) => J::String((*s).to_string()),
            Value::String(s) => J::String(s.to_string()),
            Value::Date(d) => J::String(d.to_string()),
            Value::Duration(s) => J::String(format_duration(*s)),
            Value::Word(w) => J::String(w.name().to_string()),
            Value::List(_) | Value::Array(_) => J::Array(
                self.elements()
                    .into_iter()
                    .flatten()
                    .map(|v| v.to_json())
                    .collect(),
            ),
            // Only the REPL and `explain` show these: consumers raise first.
            Value::Poisoned(p) => p.value.to_json(),
            Value::Failed(e) => J::String(format!("error: {}", e.message())),
            Value::Object(_) | Value::Map(_) => J::Object(
                self.entries()
                    .into_iter()
                    .flatten()
                    .map(|(k, v)| (k.as_str().unwrap_or_default().to_string(), v.to_json()))
                    .collect(),
            ),
        }
    }

    /// Text for string interpolation and messages: strings as they are,
    /// everything else as compact JSON.
    pub fn display(&self) -> String {
        match self {
            Value::Text(s) => (*s).to_string(),
            Value::String(s) => s.to_string(),
            Value::Date(d) => d.to_string(),
            Value::Duration(s) => format_duration(*s),
            Value::Word(w) => w.name().to_string(),
            v => v.to_json().to_string(),
        }
    }
}

impl std::fmt::Debug for Value<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.to_json())
    }
}

/// A duration in the largest unit that divides it: `90d`, `2w`, `36h`.
pub fn format_duration(seconds: i64) -> String {
    let mut out = String::new();
    for (unit, size) in [("w", 604_800), ("d", 86_400), ("h", 3600), ("m", 60)] {
        if seconds != 0 && seconds % size == 0 {
            let _ = write!(out, "{}{unit}", seconds / size);
            return out;
        }
    }
    let _ = write!(out, "{seconds}s");
    out
}

pub enum Elements<'a, 'v> {
    Values(std::slice::Iter<'v, Value<'a>>),
    Nodes(&'a Facts, crate::facts::Children<'a>),
}

impl<'a> Iterator for Elements<'a, '_> {
    type Item = Value<'a>;

    fn next(&mut self) -> Option<Value<'a>> {
        match self {
            Elements::Values(it) => it.next().cloned(),
            Elements::Nodes(facts, it) => it.next().map(|(_, n)| Value::from_node(facts, n)),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            Elements::Values(it) => it.size_hint(),
            Elements::Nodes(_, it) => it.size_hint(),
        }
    }
}

pub enum Entries<'a, 'v> {
    Values(std::slice::Iter<'v, (Arc<str>, Value<'a>)>),
    Nodes(&'a Facts, crate::facts::Children<'a>),
}

impl<'a> Iterator for Entries<'a, '_> {
    type Item = (Value<'a>, Value<'a>);

    fn next(&mut self) -> Option<(Value<'a>, Value<'a>)> {
        match self {
            Entries::Values(it) => it
                .next()
                .map(|(k, v)| (Value::String(k.clone()), v.clone())),
            Entries::Nodes(facts, it) => it.next().map(|(k, v)| {
                (
                    Value::Text(k.unwrap_or_default()),
                    Value::from_node(facts, v),
                )
            }),
        }
    }
}
