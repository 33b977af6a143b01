//! Binary operators on values: two values in, a value or a type error out.
//! Integers stay exact, `/` is exact when it can be. Overflow is an error
//! everywhere (integers, durations, numbers beyond `f64`): no result is
//! ever saturated, wrapped or infinite.

use super::error::EvalError;
use crate::ast::BinaryOp;
use crate::source::Span;
use crate::value::Value;
use jiff::civil::Date;
use std::cmp::Ordering;
use std::sync::Arc;

type R<'a> = Result<Value<'a>, EvalError<'a>>;

pub fn binary<'a>(op: BinaryOp, a: Value<'a>, b: Value<'a>, span: Span) -> R<'a> {
    use BinaryOp::*;
    match op {
        Eq => Ok(Value::Bool(a.equals(&b))),
        Ne => Ok(Value::Bool(!a.equals(&b))),
        Lt | Le | Gt | Ge => {
            let ord = a.compare(&b).ok_or_else(|| {
                EvalError::type_error(
                    span,
                    format!(
                        "cannot compare {} with {} using `{}`",
                        a.type_name(),
                        b.type_name(),
                        op.symbol()
                    ),
                )
            })?;
            Ok(Value::Bool(match op {
                Lt => ord == Ordering::Less,
                Le => ord != Ordering::Greater,
                Gt => ord == Ordering::Greater,
                _ => ord != Ordering::Less,
            }))
        }
        In => membership(&a, &b, span).map(Value::Bool),
        Add | Sub | Mul | Div | Rem => arithmetic(op, a, b, span),
        And | Or | Coalesce => Err(EvalError::invalid(span, "internal: short-circuit operator")),
    }
}

fn membership(a: &Value<'_>, b: &Value<'_>, span: Span) -> Result<bool, EvalError<'static>> {
    if let Some(mut items) = b.elements() {
        return Ok(items.any(|x| x.equals(a)));
    }
    if b.is_object() {
        return match a.as_name() {
            Some(k) => Ok(b.get(k).is_some()),
            None => Err(EvalError::type_error(
                span,
                format!("an object's keys are strings, not {}", a.type_name()),
            )),
        };
    }
    match (a.as_str(), b.as_str()) {
        (Some(x), Some(y)) => Ok(y.contains(x)),
        _ => Err(EvalError::type_error(
            span,
            format!(
                "`in` needs a list, object or string on its right, got {}",
                b.type_name()
            ),
        )),
    }
}

fn arithmetic<'a>(op: BinaryOp, a: Value<'a>, b: Value<'a>, span: Span) -> R<'a> {
    use BinaryOp::*;
    let overflow = || EvalError::invalid(span, "integer overflow");
    let duration_overflow = || {
        EvalError::invalid(
            span,
            "duration overflow: the result is beyond 64 bits of seconds",
        )
    };
    match (&a, &b) {
        (Value::Int(x), Value::Int(y)) => match op {
            Add => x.checked_add(*y).map(Value::Int).ok_or_else(overflow),
            Sub => x.checked_sub(*y).map(Value::Int).ok_or_else(overflow),
            Mul => x.checked_mul(*y).map(Value::Int).ok_or_else(overflow),
            Div | Rem if *y == 0 => Err(EvalError::invalid(span, "division by zero")),
            // `i64::MIN / -1` and `i64::MIN % -1` overflow: checked, never `%`.
            Div => match x.checked_rem(*y) {
                None => Err(overflow()),
                Some(0) => x.checked_div(*y).map(Value::Int).ok_or_else(overflow),
                Some(_) => Ok(Value::Float(*x as f64 / *y as f64)),
            },
            _ => x.checked_rem(*y).map(Value::Int).ok_or_else(overflow),
        },
        (x, y) if x.as_f64().is_some() && y.as_f64().is_some() => {
            let (x, y) = (x.as_f64().unwrap_or(0.0), y.as_f64().unwrap_or(0.0));
            if matches!(op, Div | Rem) && y == 0.0 {
                return Err(EvalError::invalid(span, "division by zero"));
            }
            finite(
                match op {
                    Add => x + y,
                    Sub => x - y,
                    Mul => x * y,
                    Div => x / y,
                    _ => x % y,
                },
                span,
            )
        }
        (x, y) if op == Add && x.as_str().is_some() && y.as_str().is_some() => {
            let (x, y) = (x.as_str().unwrap_or(""), y.as_str().unwrap_or(""));
            Ok(Value::String(Arc::from(format!("{x}{y}"))))
        }
        (x, y) if op == Add && x.is_list() && y.is_list() => {
            let items: Vec<Value<'a>> = x
                .elements()
                .into_iter()
                .flatten()
                .chain(y.elements().into_iter().flatten())
                .collect();
            Ok(Value::list(items))
        }
        (Value::Duration(x), Value::Duration(y)) if matches!(op, Add | Sub) => {
            let r = if op == Add {
                x.checked_add(*y)
            } else {
                x.checked_sub(*y)
            };
            r.map(Value::Duration).ok_or_else(duration_overflow)
        }
        (Value::Duration(d), Value::Int(n)) | (Value::Int(n), Value::Duration(d)) if op == Mul => d
            .checked_mul(*n)
            .map(Value::Duration)
            .ok_or_else(duration_overflow),
        (Value::Duration(d), n) | (n, Value::Duration(d)) if op == Mul && n.as_f64().is_some() => {
            seconds(*d as f64 * n.as_f64().unwrap_or(0.0)).ok_or_else(duration_overflow)
        }
        (Value::Date(d), Value::Duration(s)) if matches!(op, Add | Sub) => {
            let secs = if op == Add { *s } else { -*s };
            shift(*d, secs)
                .map(Value::Date)
                .ok_or_else(|| EvalError::invalid(span, "date out of range"))
        }
        (Value::Duration(s), Value::Date(d)) if op == Add => shift(*d, *s)
            .map(Value::Date)
            .ok_or_else(|| EvalError::invalid(span, "date out of range")),
        (Value::Date(x), Value::Date(y)) if op == Sub => {
            Ok(Value::Duration(x.duration_since(*y).as_secs()))
        }
        _ => Err(EvalError::type_error(
            span,
            format!(
                "cannot apply `{}` to {} and {}",
                op.symbol(),
                a.type_name(),
                b.type_name()
            ),
        )),
    }
}

/// A number result, or an error when it left the range of `f64` (the
/// operands are finite: facts and literals never hold an infinity or NaN).
fn finite(x: f64, span: Span) -> R<'static> {
    if x.is_finite() {
        Ok(Value::Float(x))
    } else {
        Err(EvalError::invalid(
            span,
            "number overflow: the result is beyond the range of a 64-bit float",
        ))
    }
}

/// A duration of `x` seconds, rounded toward zero; None when it does not
/// fit a duration (`as` would saturate silently).
fn seconds(x: f64) -> Option<Value<'static>> {
    // 2^63 is exactly representable; every float below it in magnitude fits.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    let x = x.trunc();
    (x.is_finite() && x.abs() < LIMIT).then_some(Value::Duration(x as i64))
}

/// A date moved by whole days (durations shorter than a day round down).
pub fn shift(d: Date, seconds: i64) -> Option<Date> {
    let days = seconds.div_euclid(86_400);
    d.checked_add(jiff::Span::new().try_days(days).ok()?).ok()
}
