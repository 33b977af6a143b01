//! Built-ins that need the machine: its pattern cache and object indexes,
//! and its budget charged as they go (before they allocate, where output
//! can outgrow input: `replace`, `join`, `regex_replace`, `walk`). Also
//! `has` paths and slices. Evaluated arguments in, a value or an error out.

use super::build::element;
use super::error::EvalError;
use super::machine::{Machine, R, deep_size, size};
use super::patterns::{Glob, Kind, compile_steps};
use crate::builtins::Builtin;
use crate::check::program::{Ir, IrKind};
use crate::source::Span;
use crate::value::Value;
use regex::Regex;
use std::sync::Arc;

/// Whether `b` is evaluated here rather than in `builtins::call`.
pub(super) fn needs_machine(b: Builtin) -> bool {
    use Builtin::*;
    matches!(
        b,
        Matches
            | Glob
            | RegexReplace
            | RegexFind
            | RegexFindAll
            | RegexCaptures
            | Contains
            | Replace
            | Join
            | Walk
    )
}

/// Bytes `n` elements take in a list.
fn list_bytes(n: usize) -> usize {
    n.saturating_mul(super::machine::ELEMENT_BYTES)
}

impl<'a> Machine<'a, '_> {
    /// Evaluates the built-ins of `needs_machine` on their (at most three)
    /// arguments.
    pub(super) fn call_with_machine(
        &mut self,
        b: Builtin,
        args: [Value<'a>; 3],
        irs: &'a [Ir],
        span: Span,
    ) -> R<'a> {
        let arg_span = |i: usize| irs.get(i).map_or(span, |ir| ir.span);
        let want = |i: usize, what: &str, v: &Value<'_>| {
            EvalError::type_error(
                arg_span(i),
                format!("`{}` needs {what}, got {}", b.name(), v.type_name()),
            )
        };
        let text = |i: usize| -> Result<&str, EvalError<'a>> {
            args[i]
                .as_str()
                .ok_or_else(|| want(i, "a string", &args[i]))
        };
        // Reading the arguments once: strings by length, lists by elements
        // (printed or compared whole by `join` and `contains`).
        let cap = self.remaining();
        let given = &args[..irs.len().min(args.len())];
        let read: u64 = match b {
            Builtin::Join => given.iter().map(|a| deep_size(a, cap)).sum(),
            Builtin::Contains if args[0].is_list() => given.iter().map(|a| deep_size(a, cap)).sum(),
            // An object's key is looked up, not searched for.
            Builtin::Contains if args[0].is_object() => 0,
            _ => given.iter().map(size).sum(),
        };
        self.charge(read, span)?;
        match b {
            Builtin::Matches => {
                let re = self.regex(text(1)?, arg_span(1))?;
                Ok(Value::Bool(re.is_match(text(0)?)))
            }
            Builtin::Glob => {
                let ignore_case = match &args[2] {
                    Value::Null if irs.len() < 3 => false,
                    Value::Bool(b) => *b,
                    v => return Err(want(2, "a bool", v)),
                };
                let glob = self.glob(text(0)?, ignore_case, arg_span(0))?;
                Ok(Value::Bool(glob.is_match(text(1)?)))
            }
            Builtin::RegexFind => {
                let re = self.regex(text(1)?, arg_span(1))?;
                Ok(re
                    .find(text(0)?)
                    .map_or(Value::Null, |m| Value::string(m.as_str())))
            }
            Builtin::RegexFindAll => {
                let re = self.regex(text(1)?, arg_span(1))?;
                let mut out = Vec::new();
                for m in re.find_iter(text(0)?) {
                    self.charge_bytes(list_bytes(1) + m.len(), span)?;
                    out.push(Value::string(m.as_str()));
                }
                Ok(Value::list(out))
            }
            Builtin::RegexCaptures => {
                let re = self.regex(text(1)?, arg_span(1))?;
                let Some(caps) = re.captures(text(0)?) else {
                    return Ok(Value::Null);
                };
                self.charge_bytes(list_bytes(caps.len()), span)?;
                Ok(Value::list(
                    caps.iter()
                        .map(|g| g.map_or(Value::Null, |m| Value::string(m.as_str())))
                        .collect(),
                ))
            }
            Builtin::RegexReplace => {
                let re = self.regex(text(1)?, arg_span(1))?;
                let template = Template::parse(text(2)?);
                let subject = text(0)?;
                let mut out = String::new();
                let mut last = 0;
                for caps in re.captures_iter(subject) {
                    let whole = caps.get(0).map_or(0..0, |m| m.range());
                    // The output's length is known before it is written.
                    let grown = (whole.start - last) + template.len(&caps);
                    self.charge_bytes(grown, span)?;
                    out.push_str(&subject[last..whole.start]);
                    template.expand(&caps, &mut out);
                    last = whole.end;
                }
                out.push_str(&subject[last..]);
                Ok(Value::string(out))
            }
            Builtin::Contains if args[0].is_object() => match args[1].as_name() {
                Some(k) => Ok(Value::Bool(self.lookup(&args[0], k, span)?.is_some())),
                None => Ok(Value::Bool(false)),
            },
            Builtin::Contains => {
                if let Some(mut items) = args[0].elements() {
                    Ok(Value::Bool(items.any(|x| x.equals(&args[1]))))
                } else {
                    Ok(Value::Bool(text(0)?.contains(text(1)?)))
                }
            }
            Builtin::Replace => {
                let (s, from, to) = (text(0)?, text(1)?, text(2)?);
                let count = s.matches(from).count();
                let grown = to.len().saturating_sub(from.len()).saturating_mul(count);
                self.charge_bytes(s.len().saturating_add(grown), span)?;
                Ok(Value::string(s.replace(from, to)))
            }
            Builtin::Join => {
                let items = args[0]
                    .elements()
                    .ok_or_else(|| want(0, "a list", &args[0]))?;
                let separator = text(1)?;
                let parts: Vec<String> = items.map(|v| v.display()).collect();
                let total = parts.iter().map(String::len).sum::<usize>().saturating_add(
                    separator
                        .len()
                        .saturating_mul(parts.len().saturating_sub(1)),
                );
                self.charge_bytes(total, span)?;
                Ok(Value::string(parts.join(separator)))
            }
            Builtin::Walk => self.walk(args[0].clone(), span),
            _ => Err(EvalError::invalid(
                span,
                format!("internal: `{}` is not evaluated here", b.name()),
            )),
        }
    }

    /// The compiled regular expression, from the run's cache.
    fn regex(&mut self, pattern: &str, span: Span) -> Result<Arc<Regex>, EvalError<'a>> {
        let (compiled, new) = self
            .patterns
            .get::<Regex>(&self.ev.patterns, pattern, Kind::Regex);
        if new {
            self.charge(compile_steps(pattern.len()), span)?;
        }
        compiled.map_err(|reason| {
            EvalError::invalid(span, format!("invalid regular expression: {reason}"))
        })
    }

    fn glob(
        &mut self,
        pattern: &str,
        ignore_case: bool,
        span: Span,
    ) -> Result<Arc<Glob>, EvalError<'a>> {
        let (compiled, new) =
            self.patterns
                .get::<Glob>(&self.ev.patterns, pattern, Kind::Glob { ignore_case });
        if new {
            self.charge(compile_steps(pattern.len()), span)?;
        }
        compiled.map_err(|reason| EvalError::invalid(span, format!("invalid glob: {reason}")))
    }

    /// `walk(x)`: `[path, value]` for `x` and everything in it, pre-order.
    /// An explicit stack (values nest as deep as the facts allow); each
    /// pair is charged with its path.
    fn walk(&mut self, root: Value<'a>, span: Span) -> R<'a> {
        let mut out = Vec::new();
        let mut stack: Vec<(Arc<[Value<'a>]>, Value<'a>)> = vec![(Arc::from(Vec::new()), root)];
        while let Some((path, value)) = stack.pop() {
            // The pair; its path was charged when it was made, below.
            self.charge(1, span)?;
            self.charge_bytes(list_bytes(3), span)?;
            let children: Vec<(Value<'a>, Value<'a>)> = if let Some(items) = value.elements() {
                items
                    .enumerate()
                    .map(|(i, v)| (Value::Int(i as i64), v))
                    .collect()
            } else if let Some(entries) = value.entries() {
                entries.collect()
            } else {
                Vec::new()
            };
            // Every child's path, charged before any is made: a wide node
            // deep in the tree makes a long path per child.
            let paths = list_bytes(path.len() + 1).saturating_mul(children.len());
            self.charge_bytes(paths, span)?;
            // Pushed last to first, so the first child is visited next.
            for (step, child) in children.into_iter().rev() {
                let mut child_path = Vec::with_capacity(path.len() + 1);
                child_path.extend(path.iter().cloned());
                child_path.push(step);
                stack.push((child_path.into(), child));
            }
            out.push(Value::list(vec![Value::List(path), value]));
        }
        Ok(Value::list(out))
    }

    /// `has(path)`: the value at the end of the path, or None where a step
    /// is missing, meets null, or meets a value it cannot step into. Only
    /// limits, and errors outside the path's steps (in an index or the
    /// root's computation) other than missing facts, are errors.
    pub(super) fn path_value(&mut self, ir: &'a Ir) -> Result<Option<Value<'a>>, EvalError<'a>> {
        let swallow_missing = |r: R<'a>| match r {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.is_missing() => Ok(None),
            Err(e) => Err(e),
        };
        // An element that failed (in a shared list) is there, but only as
        // its error.
        let found = |v: Value<'a>| swallow_missing(element(v));
        match &ir.kind {
            IrKind::Field { base, name, .. } => {
                let Some(b) = self.path_value(base)? else {
                    return Ok(None);
                };
                match self.lookup(&b, name, ir.span)? {
                    Some(v) => found(v),
                    None => Ok(None),
                }
            }
            IrKind::Index { base, index, .. } => {
                let Some(b) = self.path_value(base)? else {
                    return Ok(None);
                };
                let b = b.unpoisoned().clone();
                let Some(i) = swallow_missing(self.eval(index))? else {
                    return Ok(None);
                };
                let at = match (&b, &i) {
                    (b, Value::Int(i)) if b.is_list() => {
                        let len = b.len().unwrap_or(0) as i64;
                        let at = if *i < 0 { len + i } else { *i };
                        usize::try_from(at).ok().and_then(|at| b.index(at))
                    }
                    (b, k) if b.is_object() => match k.as_name() {
                        Some(k) => self.lookup(b, k, ir.span)?,
                        None => None,
                    },
                    _ => None,
                };
                match at {
                    Some(v) => found(v),
                    None => Ok(None),
                }
            }
            _ => swallow_missing(self.eval_shared(ir)),
        }
    }

    /// A slice bound: an integer, or none when left out.
    pub(super) fn slice_bound(
        &mut self,
        bound: Option<&'a Ir>,
    ) -> Result<Option<i64>, EvalError<'a>> {
        let Some(ir) = bound else { return Ok(None) };
        match self.eval(ir)? {
            Value::Int(i) => Ok(Some(i)),
            v => Err(EvalError::type_error(
                ir.span,
                format!("a slice bound is an integer, not {}", v.type_name()),
            )),
        }
    }

    /// `base[from:to]`: elements (or characters) from `from` up to, not
    /// including, `to`; a negative bound counts from the end, and bounds
    /// past either end stop there, so a slice is never missing.
    pub(super) fn slice(
        &mut self,
        base: Value<'a>,
        from: Option<i64>,
        to: Option<i64>,
        span: Span,
    ) -> R<'a> {
        let Some(len) = base.len().filter(|_| !base.is_object()) else {
            return Err(EvalError::type_error(
                span,
                format!(
                    "cannot slice {}; expected a list or a string",
                    base.type_name()
                ),
            ));
        };
        let clamp = |b: i64| {
            let at = if b < 0 {
                (len as i64).saturating_add(b)
            } else {
                b
            };
            at.clamp(0, len as i64) as usize
        };
        let start = from.map_or(0, clamp);
        let end = to.map_or(len, clamp).max(start);
        if let Some(s) = base.as_str() {
            self.charge(size(&base), span)?;
            let mut chars = s.char_indices().map(|(i, _)| i).chain([s.len()]);
            let begin = chars.nth(start).unwrap_or(s.len());
            let stop = if end > start {
                chars.nth(end - start - 1).unwrap_or(s.len())
            } else {
                begin
            };
            self.charge_bytes(stop - begin, span)?;
            return Ok(Value::string(&s[begin..stop]));
        }
        self.charge((end - start) as u64, span)?;
        self.charge_bytes(list_bytes(end - start), span)?;
        let items = base.elements().into_iter().flatten();
        Ok(Value::list(items.skip(start).take(end - start).collect()))
    }
}

/// A `regex_replace` replacement: literal text and group references.
struct Template<'t> {
    parts: Vec<Part<'t>>,
}

enum Part<'t> {
    Text(&'t str),
    Number(usize),
    Name(&'t str),
}

impl<'t> Template<'t> {
    /// `$N`, `${N}`, `$name`, `${name}` and `$$`, as the regex crate reads
    /// them; a `$` that starts none of these is literal.
    fn parse(text: &'t str) -> Template<'t> {
        let mut parts = Vec::new();
        let mut rest = text;
        while let Some(at) = rest.find('$') {
            parts.push(Part::Text(&rest[..at]));
            let after = &rest[at + 1..];
            let (name, used) = if let Some(braced) = after.strip_prefix('{') {
                match braced.find('}') {
                    Some(close) => (&braced[..close], close + 2),
                    None => ("", 0),
                }
            } else if let Some(escaped) = after.strip_prefix('$') {
                parts.push(Part::Text("$"));
                rest = escaped;
                continue;
            } else {
                let n = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                (&after[..n], n)
            };
            if name.is_empty() {
                parts.push(Part::Text("$"));
                rest = after;
                continue;
            }
            parts.push(match name.parse::<usize>() {
                Ok(n) => Part::Number(n),
                Err(_) => Part::Name(name),
            });
            rest = &after[used..];
        }
        parts.push(Part::Text(rest));
        Template { parts }
    }

    fn group<'h>(&self, part: &Part<'_>, caps: &regex::Captures<'h>) -> &'h str {
        let m = match part {
            Part::Number(n) => caps.get(*n),
            Part::Name(n) => caps.name(n),
            Part::Text(_) => None,
        };
        m.map_or("", |m| m.as_str())
    }

    /// The length of the expansion for one match.
    fn len(&self, caps: &regex::Captures<'_>) -> usize {
        self.parts
            .iter()
            .map(|p| match p {
                Part::Text(t) => t.len(),
                group => self.group(group, caps).len(),
            })
            .fold(0usize, usize::saturating_add)
    }

    fn expand(&self, caps: &regex::Captures<'_>, out: &mut String) {
        for p in &self.parts {
            match p {
                Part::Text(t) => out.push_str(t),
                group => out.push_str(self.group(group, caps)),
            }
        }
    }
}
