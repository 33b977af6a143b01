//! YAML facts: YAML text in, the same arena as JSON out. yaml-rust2's
//! events drive the JSON builder, so the depth limit, duplicate keys and
//! pointers behave as for JSON. Plain scalars resolve by the YAML 1.2 core
//! schema (`yes` stays a string); several documents become a list, as
//! JSON lines do. An alias shares its anchor's subtree instead of copying
//! it (an alias bomb costs nothing to read), so pointers into it name the
//! anchor. Tags other than the core ones (`!Ref`, ...) are refused: they
//! have no JSON meaning, and dropping them would change what a check sees.

use super::arena::{Builder, Node, Packed};
use super::{ErrorKind, FactsError, Limits, MAX_DEPTH};
use std::collections::HashMap;
use std::io::Read;
use yaml_rust2::Yaml;
use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// An array or object whose end event has not come yet.
struct Open {
    /// Where its children start in the builder's scratch stack.
    mark: usize,
    is_object: bool,
    anchor: usize,
}

/// Reads YAML facts whole (within the size limit): the builder and the
/// root node.
pub(super) fn read(reader: impl Read, limits: &Limits) -> Result<(Builder, Packed), FactsError> {
    let bytes = super::input::read_all(reader, limits.max_size).map_err(super::json::stop_error)?;
    let mut text = String::from_utf8(bytes).map_err(|e| {
        let (line, column) =
            crate::source::byte_position(e.as_bytes(), e.utf8_error().valid_up_to());
        FactsError {
            message: "not valid UTF-8".into(),
            line,
            column,
            kind: ErrorKind::Utf8,
        }
    })?;
    if text.trim().is_empty() {
        return Err(super::json::empty());
    }
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    let mut builder = Builder::new(limits.arena_limit());
    build(&mut builder, &text)?;
    let root = builder.scratch.pop().unwrap_or(Packed::NULL);
    Ok((builder, root))
}

/// Reads every document of `text` into the builder, leaving one node
/// (the document, or the list of documents) on its scratch stack.
pub(super) fn build(builder: &mut Builder, text: &str) -> Result<(), FactsError> {
    let mut parser = Parser::new_from_str(text);
    let mut open: Vec<Open> = Vec::new();
    let mut anchors: HashMap<usize, Node> = HashMap::new();
    // Where each key of the open mappings is written, by scratch position,
    // so a duplicate is reported at its second occurrence.
    let mut keys_at: Vec<(usize, Marker)> = Vec::new();
    let documents_mark = builder.scratch.len();
    let mut documents = 0;
    loop {
        let (event, at) = parser
            .next_token()
            .map_err(|e| error(e.info().to_string(), e.marker()))?;
        let at_key = open
            .last()
            .is_some_and(|o| o.is_object && (builder.scratch.len() - o.mark).is_multiple_of(2));
        let is_object = matches!(event, Event::MappingStart(..));
        match event {
            Event::StreamEnd => break,
            Event::DocumentStart => documents += 1,
            Event::Scalar(value, style, anchor, tag) => {
                let node = if at_key {
                    keys_at.push((builder.scratch.len(), at));
                    // JSON keys are strings: `1:` or `true:` keys keep their text.
                    Node::Str(builder.string(&value).map_err(|m| error(m.into(), &at))?)
                } else {
                    scalar(builder, &value, style, tag.as_ref())
                        .map_err(|m| error(m.into(), &at))?
                };
                remember(&mut anchors, anchor, node);
                builder.push(node).map_err(|m| error(m.into(), &at))?;
            }
            Event::SequenceStart(anchor, tag) | Event::MappingStart(anchor, tag) => {
                if at_key {
                    return Err(error("a mapping key must be a scalar".into(), &at));
                }
                if let Some(tag) =
                    tag.filter(|t| !is_core(t, if is_object { "map" } else { "seq" }))
                {
                    return Err(error(unsupported_tag(&tag), &at));
                }
                if open.len() >= MAX_DEPTH {
                    return Err(error(
                        format!("arrays and objects nest more than {MAX_DEPTH} levels deep"),
                        &at,
                    ));
                }
                open.push(Open {
                    mark: builder.scratch.len(),
                    is_object,
                    anchor,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(o) = open.pop() else { continue };
                if o.is_object
                    && let Some(second) = builder.duplicate_key(o.mark)
                {
                    let key = builder.text_of(&builder.scratch_node(second));
                    let key = crate::escape::terminal(key).into_owned();
                    let at = keys_at
                        .iter()
                        .find(|(i, _)| *i == second)
                        .map_or(at, |(_, m)| *m);
                    return Err(error(format!("duplicate key `{key}` in mapping"), &at));
                }
                keys_at.truncate(keys_at.partition_point(|(i, _)| *i < o.mark));
                builder
                    .finish_block(o.mark, o.is_object)
                    .map_err(|m| error(m.into(), &at))?;
                if let Some(node) = builder.last() {
                    remember(&mut anchors, o.anchor, node);
                }
            }
            Event::Alias(id) => {
                let node = anchors.get(&id).copied().ok_or_else(|| {
                    error(
                        "alias inside its own anchor: facts cannot be recursive".into(),
                        &at,
                    )
                })?;
                if at_key {
                    if !matches!(node, Node::Str(_)) {
                        return Err(error("a mapping key must be a scalar".into(), &at));
                    }
                    keys_at.push((builder.scratch.len(), at));
                }
                builder.aliases.push(builder.scratch.len());
                builder.push(node).map_err(|m| error(m.into(), &at))?;
            }
            Event::StreamStart | Event::DocumentEnd | Event::Nothing => {}
        }
    }
    match documents {
        0 => Err(FactsError::syntax(
            "the YAML stream has no document".into(),
            1,
            1,
        )),
        1 => Ok(()),
        _ => builder
            .finish_block(documents_mark, false)
            .map_err(|m| FactsError::syntax(m.into(), 0, 0)),
    }
}

fn remember(anchors: &mut HashMap<usize, Node>, anchor: usize, node: Node) {
    // yaml-rust2 numbers anchors from 1; 0 means none.
    if anchor != 0 {
        anchors.insert(anchor, node);
    }
}

/// A value scalar: quoted ones are strings; plain ones resolve by the
/// YAML 1.2 core schema, or by their core tag (`!!str 10`).
fn scalar(
    builder: &mut Builder,
    value: &str,
    style: TScalarStyle,
    tag: Option<&Tag>,
) -> Result<Node, String> {
    let resolved = match tag {
        Some(t) if is_core(t, "str") => Yaml::String(value.to_string()),
        Some(t)
            if ["int", "float", "bool", "null"]
                .iter()
                .any(|s| is_core(t, s)) =>
        {
            Yaml::from_str(value)
        }
        Some(t) => return Err(unsupported_tag(t)),
        None if style == TScalarStyle::Plain => Yaml::from_str(value),
        None => Yaml::String(value.to_string()),
    };
    Ok(match resolved {
        Yaml::Null => Node::Null,
        Yaml::Boolean(b) => Node::Bool(b),
        Yaml::Integer(i) => Node::Int(i),
        Yaml::Real(text) => match text.parse::<f64>() {
            Ok(f) if f.is_finite() => Node::Float(f),
            // `.inf` and `.nan` (and anything else JSON cannot hold).
            _ => {
                return Err(format!(
                    "`{text}` is not a finite number, which JSON facts cannot hold"
                ));
            }
        },
        _ => Node::Str(builder.string(value)?),
    })
}

/// Whether a tag is the YAML core tag `!!name`.
fn is_core(tag: &Tag, name: &str) -> bool {
    (tag.handle == "!!" || tag.handle == "tag:yaml.org,2002:") && tag.suffix == name
}

fn unsupported_tag(tag: &Tag) -> String {
    format!(
        "YAML tag `{}{}` has no JSON meaning; convert the file to JSON first",
        crate::escape::terminal(&tag.handle),
        crate::escape::terminal(&tag.suffix)
    )
}

fn error(message: String, at: &Marker) -> FactsError {
    FactsError::syntax(message, at.line(), at.col() + 1)
}

#[cfg(test)]
mod tests {
    use crate::facts::{Facts, FactsFormat};
    use crate::value::Value;

    fn json(text: &str) -> String {
        let facts = Facts::parse(text.into(), None, FactsFormat::Yaml).expect("valid YAML");
        crate::eval::Evaluator::root(&facts).to_json().to_string()
    }

    fn error(text: &str) -> String {
        match Facts::parse(text.into(), None, FactsFormat::Yaml) {
            Ok(_) => panic!("accepted {text:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn scalars_resolve_by_the_core_schema() {
        let text = "a: 1\nb: 1.5\nc: true\nd: ~\ne: yes\nf: '1'\ng: !!str 2\nh: 0x10\ni: 99999999999999999999\n";
        assert_eq!(
            json(text),
            r#"{"a":1,"b":1.5,"c":true,"d":null,"e":"yes","f":"1","g":"2","h":16,"i":1e+20}"#
        );
    }

    #[test]
    fn keys_are_strings_and_documents_a_list() {
        assert_eq!(json("1: a\ntrue: b\n"), r#"{"1":"a","true":"b"}"#);
        assert_eq!(json("--- {a: 1}\n--- [2]\n"), r#"[{"a":1},[2]]"#);
        assert_eq!(json("- x\n"), r#"["x"]"#);
    }

    #[test]
    fn aliases_share_their_anchor() {
        let text = "base: &b {port: 22}\nrules: [*b, *b]\n";
        let facts = Facts::parse(text.into(), None, FactsFormat::Yaml).expect("valid");
        let root = crate::eval::Evaluator::root(&facts);
        assert_eq!(
            root.to_json().to_string(),
            r#"{"base":{"port":22},"rules":[{"port":22},{"port":22}]}"#
        );
        let second = root.get("rules").and_then(|rules| rules.index(1));
        let Some(Value::Map(second)) = second else {
            panic!("rules[1] is an object")
        };
        // The pointer names where the data is written: the anchor.
        assert_eq!(second.pointer(), "/base");
    }

    #[test]
    fn what_json_cannot_hold_is_refused_with_a_position() {
        assert!(error("a: 1\na: 2\n").starts_with("line 2, column 1: duplicate key `a`"));
        assert!(error("x:\n  b: 1\n  c: {d: 1, e: 2}\n  b: 2\n").starts_with("line 4, column 3"));
        assert!(error("x: !Ref Bucket\n").starts_with("line 1, column 9: YAML tag `!Ref`"));
        assert!(error("x: .nan\n").contains("not a finite number"));
        assert!(error("? [a]\n: 1\n").contains("key must be a scalar"));
        assert!(error("a: *nowhere\n").contains("unknown anchor"));
        assert!(error("a: &x [*x]\n").contains("cannot be recursive"));
        assert!(error("a: [\n").starts_with("line 2"));
        assert!(error("# only a comment\n").contains("no document"));
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert!(error(&deep).contains("nest more than 127"));
    }
}
