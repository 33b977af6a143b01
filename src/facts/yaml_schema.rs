//! How a plain YAML scalar reads: by the YAML 1.2 core schema (onus's
//! default, yaml-rust2's resolution) or by YAML 1.1 as Kubernetes reads it
//! (sigs.k8s.io/yaml, which is go-yaml v2's `resolve`). In: the scalar's
//! text. Out: its `Reading` under each schema, so a reader can store one and
//! note where the other differs. Quoted and tagged scalars never come here.

use yaml_rust2::Yaml;

/// Which YAML schema resolves plain scalars (`--yaml-schema`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum YamlSchema {
    /// The YAML 1.2 core schema: `yes` and `off` stay strings, `<<` a key.
    #[default]
    Core12,
    /// YAML 1.1 as go-yaml v2 reads it: its booleans, integers with
    /// `_`, `0777` octal and `0b` binary, and `<<` merge keys.
    Yaml11,
}

impl YamlSchema {
    /// `1.1` or `1.2`, as `--yaml-schema` takes them.
    pub fn parse(s: &str) -> Result<YamlSchema, String> {
        match s {
            "1.1" => Ok(YamlSchema::Yaml11),
            "1.2" => Ok(YamlSchema::Core12),
            _ => Err("expected 1.1 or 1.2".into()),
        }
    }
}

/// A plain scalar that YAML 1.1 reads otherwise than the YAML 1.2 it was
/// read by: where it is, its text, and both readings (as JSON, or `a merge
/// key`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ambiguity {
    pub line: usize,
    pub column: usize,
    pub text: String,
    pub yaml12: String,
    pub yaml11: String,
}

/// What a plain scalar means.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Reading {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// The text itself.
    Str,
    /// `<<` as a mapping key in YAML 1.1: merge the mapping(s) it names.
    Merge,
}

impl Reading {
    /// Both readings mean the same value (NaN is NaN).
    fn same(self, other: Reading) -> bool {
        match (self, other) {
            (Reading::Float(a), Reading::Float(b)) => a == b || (a.is_nan() && b.is_nan()),
            // `08` is 8 either way in JSON.
            (Reading::Int(i), Reading::Float(f)) | (Reading::Float(f), Reading::Int(i)) => {
                i as f64 == f
            }
            (a, b) => a == b,
        }
    }

    /// The reading as JSON would write it (`text` for a string).
    pub(super) fn describe(self, text: &str) -> String {
        match self {
            Reading::Null => "null".into(),
            Reading::Bool(b) => b.to_string(),
            Reading::Int(i) => i.to_string(),
            Reading::Float(f) => format!("{f:?}"),
            Reading::Str => serde_json::Value::String(text.into()).to_string(),
            Reading::Merge => "a merge key".into(),
        }
    }

    /// The text of a mapping key read this way: sigs.k8s.io/yaml writes a
    /// boolean or number key as its JSON text (`on:` is the key `true`).
    pub(super) fn key_text(self, text: &str) -> String {
        match self {
            Reading::Bool(_) | Reading::Int(_) | Reading::Float(_) => self.describe(text),
            Reading::Null | Reading::Str | Reading::Merge => text.to_string(),
        }
    }
}

/// A plain scalar by the YAML 1.2 core schema as yaml-rust2 resolves it.
pub(super) fn core12(text: &str) -> Reading {
    match Yaml::from_str(text) {
        Yaml::Null => Reading::Null,
        Yaml::Boolean(b) => Reading::Bool(b),
        Yaml::Integer(i) => Reading::Int(i),
        // `.inf` and `.nan` do not parse here: they are refused anyway.
        Yaml::Real(t) => Reading::Float(t.parse().unwrap_or(f64::NAN)),
        _ => Reading::Str,
    }
}

/// A plain scalar by YAML 1.1 as go-yaml v2's `resolve` reads it (in a key
/// position, `<<` is a merge). Timestamps stay strings there too.
pub(super) fn yaml11(text: &str, is_key: bool) -> Reading {
    match text {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Reading::Bool(true);
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Reading::Bool(false);
        }
        "" | "~" | "null" | "Null" | "NULL" => return Reading::Null,
        ".nan" | ".NaN" | ".NAN" => return Reading::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Reading::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Reading::Float(f64::NEG_INFINITY),
        "<<" if is_key => return Reading::Merge,
        _ => {}
    }
    match text.as_bytes().first() {
        // go-yaml parses these with strconv.ParseFloat.
        Some(b'.') => match text.parse::<f64>() {
            Ok(f) if f.is_finite() => Reading::Float(f),
            _ => Reading::Str,
        },
        Some(b'+' | b'-' | b'0'..=b'9') => number11(&text.replace('_', "")),
        _ => Reading::Str,
    }
}

/// go-yaml v2's numbers, underscores removed: strconv.ParseInt with base 0
/// (`0x`, `0o`, `0b`, and a leading `0` for octal), then ParseUint, then
/// its float pattern; anything else (or out of range) is a string.
fn number11(plain: &str) -> Reading {
    if let Some(i) = go_int(plain) {
        return match i64::try_from(i) {
            Ok(i) => Reading::Int(i),
            // ParseUint takes what ParseInt cannot hold; JSON holds it as
            // a float, as onus holds other wide integers.
            Err(_) => Reading::Float(i as f64),
        };
    }
    if is_go_yaml_float(plain) {
        match plain.parse::<f64>() {
            Ok(f) if f.is_finite() => return Reading::Float(f),
            _ => {}
        }
    }
    Reading::Str
}

/// strconv.ParseInt(s, 0, 64), widened to also hold ParseUint's range.
fn go_int(s: &str) -> Option<i128> {
    let (negative, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let prefixed = |lower: &str, upper: &str| body.strip_prefix(lower).or(body.strip_prefix(upper));
    let (radix, digits) = if let Some(d) = prefixed("0x", "0X") {
        (16, d)
    } else if let Some(d) = prefixed("0o", "0O") {
        (8, d)
    } else if let Some(d) = prefixed("0b", "0B") {
        (2, d)
    } else if body.len() > 1 && body.starts_with('0') {
        (8, &body[1..])
    } else {
        (10, body)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u64::from_str_radix(digits, radix).ok()?;
    let value = if negative {
        -i128::from(magnitude)
    } else {
        i128::from(magnitude)
    };
    // ParseUint takes no sign, and ParseInt stops at i64's range.
    let fits = i64::try_from(value).is_ok() || s.as_bytes()[0].is_ascii_digit();
    fits.then_some(value)
}

/// go-yaml v2's `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_go_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'-' | b'+')));
    let digits = |i: &mut usize| {
        let from = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - from
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// How YAML 1.1 reads a plain scalar that YAML 1.2 reads as `read`, when
/// the two differ.
pub(super) fn differs(text: &str, read: Reading, is_key: bool) -> Option<Reading> {
    let other = yaml11(text, is_key);
    if is_key {
        // A key is text under 1.2; under 1.1 it differs by its key text.
        let differs = other == Reading::Merge || other.key_text(text) != text;
        return differs.then_some(other);
    }
    (!other.same(read)).then_some(other)
}

#[cfg(test)]
mod tests {
    use super::{Reading, core12, yaml11};

    #[test]
    fn yaml11_reads_as_go_yaml_v2() {
        for (text, reading) in [
            ("yes", Reading::Bool(true)),
            ("Y", Reading::Bool(true)),
            ("On", Reading::Bool(true)),
            ("off", Reading::Bool(false)),
            ("NO", Reading::Bool(false)),
            ("n", Reading::Bool(false)),
            ("0777", Reading::Int(511)),
            ("0o17", Reading::Int(15)),
            ("1_000", Reading::Int(1000)),
            ("0x1F", Reading::Int(31)),
            ("-0b101", Reading::Int(-5)),
            ("+12", Reading::Int(12)),
            ("08", Reading::Float(8.0)),
            ("1e3", Reading::Float(1000.0)),
            (".5", Reading::Float(0.5)),
            (
                "18446744073709551615",
                Reading::Float(18446744073709551615.0),
            ),
            ("1e999", Reading::Str),
            ("nan", Reading::Str),
            ("2001-12-14", Reading::Str),
            ("190:20:30", Reading::Str),
            ("NULL", Reading::Null),
            ("<<", Reading::Str),
            ("-", Reading::Str),
        ] {
            assert_eq!(yaml11(text, false), reading, "{text}");
        }
        assert_eq!(yaml11("<<", true), Reading::Merge);
    }

    #[test]
    fn core12_is_yaml_rust2s_resolution() {
        assert_eq!(core12("off"), Reading::Str);
        assert_eq!(core12("0777"), Reading::Int(777));
        assert_eq!(core12("1_000"), Reading::Str);
        assert_eq!(core12("0o17"), Reading::Int(15));
        assert_eq!(core12("true"), Reading::Bool(true));
    }
}
