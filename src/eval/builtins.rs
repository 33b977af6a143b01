//! Built-in functions: evaluated arguments in, a value or an error out.
//! `has`, `now` and literal-pattern `matches` are lowered specially by the
//! checker, and those that need the machine (patterns, object indexes,
//! output charged as it grows) are in `eval::calls`.

use super::Evaluator;
use super::cidr;
use super::error::EvalError;
use crate::builtins::Builtin;
use crate::check::program::Ir;
use crate::source::Span;
use crate::value::Value;
use jiff::civil::Date;
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

type R<'a> = Result<Value<'a>, EvalError<'a>>;

pub fn call<'a>(
    ev: &Evaluator<'a>,
    b: Builtin,
    args: &[Value<'a>],
    irs: &[Ir],
    span: Span,
) -> R<'a> {
    let arg_span = |i: usize| irs.get(i).map_or(span, |ir| ir.span);
    let want = |i: usize, what: &str, v: &Value<'_>| {
        EvalError::type_error(
            arg_span(i),
            format!("`{}` needs {what}, got {}", b.name(), v.type_name()),
        )
    };
    let str_arg = |i: usize| -> Result<&str, EvalError<'a>> {
        let v = &args[i];
        v.as_str().ok_or_else(|| want(i, "a string", v))
    };
    Ok(match b {
        Builtin::Len | Builtin::Count => match args[0].len() {
            Some(n) => Value::Int(n as i64),
            None => return Err(want(0, "a list, object or string", &args[0])),
        },
        Builtin::Sum => {
            sum(&args[0], span)?.ok_or_else(|| want(0, "a list of numbers", &args[0]))?
        }
        Builtin::Min | Builtin::Max => extreme(b, args, span)?,
        Builtin::Keys | Builtin::Values => match args[0].entries() {
            Some(entries) => Value::list(
                entries
                    .map(|(k, v)| if b == Builtin::Keys { k } else { v })
                    .collect(),
            ),
            None => return Err(want(0, "an object", &args[0])),
        },
        Builtin::Unique => {
            let items = args[0]
                .elements()
                .ok_or_else(|| want(0, "a list", &args[0]))?;
            let mut seen = HashSet::new();
            Value::list(items.filter(|v| seen.insert(identity(v))).collect())
        }
        Builtin::Sort => {
            let mut items: Vec<Value<'a>> = args[0]
                .elements()
                .ok_or_else(|| want(0, "a list", &args[0]))?
                .collect();
            if let Some(w) = items.windows(2).find(|w| w[0].compare(&w[1]).is_none()) {
                return Err(EvalError::type_error(
                    arg_span(0),
                    format!(
                        "cannot sort a list mixing {} and {}",
                        w[0].type_name(),
                        w[1].type_name()
                    ),
                ));
            }
            items.sort_by(|x, y| x.compare(y).unwrap_or(Ordering::Equal));
            Value::list(items)
        }
        Builtin::Flatten => {
            let items = args[0]
                .elements()
                .ok_or_else(|| want(0, "a list", &args[0]))?;
            let mut out = Vec::new();
            for v in items {
                match v.elements() {
                    Some(inner) => out.extend(inner),
                    None => out.push(v),
                }
            }
            Value::list(out)
        }
        Builtin::Lower => Value::string(str_arg(0)?.to_lowercase()),
        Builtin::Upper => Value::string(str_arg(0)?.to_uppercase()),
        Builtin::Trim => Value::string(str_arg(0)?.trim()),
        Builtin::StartsWith => Value::Bool(str_arg(0)?.starts_with(str_arg(1)?)),
        Builtin::EndsWith => Value::Bool(str_arg(0)?.ends_with(str_arg(1)?)),
        Builtin::Split => {
            let sep = str_arg(1)?;
            if sep.is_empty() {
                return Err(EvalError::invalid(
                    arg_span(1),
                    "`split` needs a non-empty separator",
                ));
            }
            Value::list(str_arg(0)?.split(sep).map(Value::string).collect())
        }
        Builtin::TypeOf => Value::Text(args[0].type_name()),
        Builtin::Documents if args[0].is_list() => args[0].clone(),
        Builtin::Documents => Value::list(vec![args[0].clone()]),
        Builtin::ToNumber => match &args[0] {
            v if v.as_f64().is_some() => v.clone(),
            v => {
                let s = v
                    .as_str()
                    .ok_or_else(|| want(0, "a number or a numeric string", v))?
                    .trim();
                match (s.parse::<i64>(), s.parse::<f64>()) {
                    (Ok(i), _) => Value::Int(i),
                    (_, Ok(f)) if f.is_finite() => Value::Float(f),
                    _ => {
                        return Err(EvalError::invalid(
                            arg_span(0),
                            format!("`{}` is not a number", crate::escape::terminal(s)),
                        ));
                    }
                }
            }
        },
        Builtin::ToString => Value::string(args[0].display()),
        Builtin::FromJson => {
            let parsed = parse_json(str_arg(0)?).map_err(|e| {
                EvalError::invalid(arg_span(0), format!("`from_json`: invalid JSON: {e}"))
            })?;
            from_json(&parsed)
        }
        Builtin::Date => {
            Value::Date(to_date(&args[0]).ok_or_else(|| date_error(&args[0], arg_span(0)))?)
        }
        Builtin::Now => Value::Date(ev.now),
        Builtin::DaysSince => {
            let d = to_date(&args[0]).ok_or_else(|| date_error(&args[0], arg_span(0)))?;
            Value::Int(ev.now.duration_since(d).as_secs().div_euclid(86_400))
        }
        Builtin::Abs => match &args[0] {
            Value::Int(i) => Value::Int(
                i.checked_abs()
                    .ok_or_else(|| EvalError::invalid(span, "integer overflow"))?,
            ),
            Value::Float(f) => Value::Float(f.abs()),
            v => return Err(want(0, "a number", v)),
        },
        Builtin::CidrContains => Value::Bool(
            cidr::contains(str_arg(0)?, str_arg(1)?).map_err(|e| EvalError::invalid(span, e))?,
        ),
        Builtin::CidrOverlaps => Value::Bool(
            cidr::overlaps(str_arg(0)?, str_arg(1)?).map_err(|e| EvalError::invalid(span, e))?,
        ),
        Builtin::IsPublicCidr => Value::Bool(
            cidr::is_public(str_arg(0)?).map_err(|e| EvalError::invalid(arg_span(0), e))?,
        ),
        Builtin::Owner | Builtin::Decider | Builtin::Operator | Builtin::Accountable => {
            let service = args[0]
                .as_name()
                .ok_or_else(|| want(0, "a service name", &args[0]))?;
            let layer = args[1]
                .as_name()
                .ok_or_else(|| want(1, "a layer name", &args[1]))?;
            let program = ev.program;
            let s = program.service(service).ok_or_else(|| {
                EvalError::invalid(arg_span(0), format!("unknown service `{service}`"))
            })?;
            let l = program.layer(layer).ok_or_else(|| {
                EvalError::invalid(arg_span(1), format!("unknown layer `{layer}`"))
            })?;
            match program.resolved(s, l) {
                None => Value::Null,
                Some(r) if b == Builtin::Operator => {
                    Value::string(program.decider_name(r.operator()))
                }
                Some(r) if b == Builtin::Accountable => {
                    Value::string(program.decider_name(r.accountable))
                }
                Some(r) => program.decider_value(r.decider()),
            }
        }
        Builtin::RegexEscape => Value::string(regex::escape(str_arg(0)?)),
        Builtin::GroupBy => {
            let field = match args.get(1) {
                Some(v) => Some(str_arg(1).map_err(|_| want(1, "a field name", v))?),
                None => None,
            };
            group_by(&args[0], field, arg_span(0))?
        }
        Builtin::Has => Value::Bool(true),
        Builtin::Matches
        | Builtin::Glob
        | Builtin::RegexReplace
        | Builtin::RegexFind
        | Builtin::RegexFindAll
        | Builtin::RegexCaptures
        | Builtin::Contains
        | Builtin::Replace
        | Builtin::Join
        | Builtin::Walk => {
            return Err(EvalError::invalid(
                span,
                format!("internal: `{}` needs the machine", b.name()),
            ));
        }
    })
}

/// `group_by(list, field)` and `group_by(pairs)`: each key to the list of
/// its elements, in one pass, keys in the order first seen.
fn group_by<'a>(list: &Value<'a>, field: Option<&str>, span: Span) -> R<'a> {
    let items = list.elements().ok_or_else(|| {
        EvalError::type_error(
            span,
            format!("`group_by` needs a list, got {}", list.type_name()),
        )
    })?;
    let mut groups: Vec<(Arc<str>, Vec<Value<'a>>)> = Vec::new();
    let mut position: HashMap<Arc<str>, usize> = HashMap::new();
    for item in items {
        let (key, member) = match field {
            Some(f) => match item.get(f) {
                Some(k) => (k, item),
                None if item.is_object() => {
                    return Err(EvalError::invalid(
                        span,
                        format!(
                            "`group_by`: an element has no `{}`",
                            crate::escape::terminal(f)
                        ),
                    ));
                }
                None => {
                    return Err(EvalError::type_error(
                        span,
                        format!(
                            "`group_by` by a field needs objects, got {}",
                            item.type_name()
                        ),
                    ));
                }
            },
            None => match (item.len(), item.index(0), item.index(1)) {
                (Some(2), Some(k), Some(v)) if item.is_list() => (k, v),
                _ => {
                    return Err(EvalError::type_error(
                        span,
                        "`group_by` of one list needs `[key, value]` pairs",
                    ));
                }
            },
        };
        let Some(key) = key.as_name() else {
            return Err(EvalError::type_error(
                span,
                format!("`group_by`: keys are strings, not {}", key.type_name()),
            ));
        };
        match position.get(key) {
            Some(&at) => groups[at].1.push(member),
            None => {
                let key: Arc<str> = Arc::from(key);
                position.insert(key.clone(), groups.len());
                groups.push((key, vec![member]));
            }
        }
    }
    Ok(Value::object(
        groups
            .into_iter()
            .map(|(k, members)| (k, Value::list(members)))
            .collect(),
    ))
}

/// A hashable identity for `unique`: equal values give equal keys.
fn identity(v: &Value<'_>) -> String {
    match v {
        Value::Int(i) => format!("n{}", *i as f64),
        Value::Float(f) => format!("n{f}"),
        Value::Word(w) => format!("s{}", w.name()),
        v if v.as_str().is_some() => format!("s{}", v.as_str().unwrap_or_default()),
        v => format!("{}:{}", v.type_name(), v.to_json()),
    }
}

/// The sum of a list of numbers (None when it is not one); integers stay
/// exact, and overflow is an error, as it is for `+`.
fn sum<'a>(list: &Value<'a>, span: Span) -> Result<Option<Value<'a>>, EvalError<'a>> {
    let overflow = || EvalError::invalid(span, "`sum` overflows");
    let Some(items) = list.elements() else {
        return Ok(None);
    };
    let mut int: i64 = 0;
    let mut float: Option<f64> = None;
    for v in items {
        match (v, float) {
            (Value::Int(i), None) => int = int.checked_add(i).ok_or_else(overflow)?,
            (v, f) => match v.as_f64() {
                Some(x) => float = Some(f.unwrap_or(int as f64) + x),
                None => return Ok(None),
            },
        }
    }
    match float {
        None => Ok(Some(Value::Int(int))),
        Some(f) if f.is_finite() => Ok(Some(Value::Float(f))),
        Some(_) => Err(overflow()),
    }
}

fn extreme<'a>(b: Builtin, args: &[Value<'a>], span: Span) -> R<'a> {
    let items: Vec<Value<'a>> = match args {
        [one] => one
            .elements()
            .ok_or_else(|| {
                EvalError::type_error(span, format!("`{}` of one value needs a list", b.name()))
            })?
            .collect(),
        many => many.to_vec(),
    };
    let mut best: Option<Value<'a>> = None;
    for v in items {
        best = Some(match best {
            None => v,
            Some(cur) => {
                let ord = v.compare(&cur).ok_or_else(|| {
                    EvalError::type_error(
                        span,
                        format!("cannot compare {} with {}", v.type_name(), cur.type_name()),
                    )
                })?;
                let better = if b == Builtin::Min {
                    ord == Ordering::Less
                } else {
                    ord == Ordering::Greater
                };
                if better { v } else { cur }
            }
        });
    }
    best.ok_or_else(|| EvalError::invalid(span, format!("`{}` of an empty list", b.name())))
}

/// A date from a date value, `YYYY-MM-DD`, or a timestamp (its UTC date).
pub fn to_date(v: &Value<'_>) -> Option<Date> {
    match v {
        Value::Date(d) => Some(*d),
        v => {
            let s = v.as_str()?.trim();
            s.parse::<Date>()
                .ok()
                .or_else(|| {
                    s.parse::<jiff::Timestamp>()
                        .ok()
                        .map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).date())
                })
                .or_else(|| s.parse::<jiff::civil::DateTime>().ok().map(|dt| dt.date()))
        }
    }
}

fn date_error<'a>(v: &Value<'_>, span: Span) -> EvalError<'a> {
    match v.as_str() {
        Some(s) => EvalError::invalid(
            span,
            format!(
                "`{}` is not a date (YYYY-MM-DD or an RFC 3339 timestamp)",
                crate::escape::terminal(s)
            ),
        ),
        None => EvalError::type_error(
            span,
            format!("expected a date or a string, got {}", v.type_name()),
        ),
    }
}

/// Parses JSON text, refusing an object with a repeated key as facts
/// files do (tools disagree on which one wins: a doubled `Effect` must not
/// decide a verdict).
fn parse_json(text: &str) -> Result<serde_json::Value, serde_json::Error> {
    use serde::Deserialize;
    let mut de = serde_json::Deserializer::from_str(text);
    let value = StrictJson::deserialize(&mut de)?.0;
    de.end()?;
    Ok(value)
}

/// A JSON value whose objects have no repeated key.
struct StrictJson(serde_json::Value);

impl<'de> serde::Deserialize<'de> for StrictJson {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor).map(StrictJson)
    }
}

struct StrictVisitor;

impl<'de> serde::de::Visitor<'de> for StrictVisitor {
    type Value = serde_json::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }

    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(StrictJson(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(serde_json::Value::Array(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut object = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            // Refused before its value is read: the error points at the key.
            if object.contains_key(&key) {
                let key = crate::escape::terminal(&key).into_owned();
                return Err(serde::de::Error::custom(format!(
                    "duplicate key `{key}` in object"
                )));
            }
            let StrictJson(value) = map.next_value()?;
            object.insert(key, value);
        }
        Ok(serde_json::Value::Object(object))
    }
}

/// Converts parsed JSON into an owned value.
pub fn from_json(j: &serde_json::Value) -> Value<'static> {
    use serde_json::Value as J;
    match j {
        J::Null => Value::Null,
        J::Bool(b) => Value::Bool(*b),
        J::Number(n) => n
            .as_i64()
            .map_or_else(|| Value::Float(n.as_f64().unwrap_or(f64::NAN)), Value::Int),
        J::String(s) => Value::string(s.as_str()),
        J::Array(items) => Value::list(items.iter().map(from_json).collect()),
        J::Object(map) => Value::object(
            map.iter()
                .map(|(k, v)| (Arc::<str>::from(k.as_str()), from_json(v)))
                .collect(),
        ),
    }
}
