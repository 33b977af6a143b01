//! YAML facts: YAML text in, the same arena as JSON out. yaml-rust2's
//! events drive the JSON builder, so the depth limit, duplicate keys and
//! pointers behave as for JSON. Plain scalars resolve by the YAML 1.2 core
//! schema (`yes` stays a string, and each scalar YAML 1.1 reads otherwise
//! is noted), or by YAML 1.1 as Kubernetes reads it, `<<` merge keys
//! included (`yaml_schema`); several documents become a list, as JSON
//! lines do. An alias shares its anchor's subtree instead of copying it
//! (an alias bomb costs nothing to read), so pointers into it name the
//! anchor. CloudFormation's short-form tags (`!Ref X`) become their long
//! form (`{"Ref": "X"}`); other tags than the core ones are refused: they
//! have no JSON meaning, and dropping them would change what a check sees.

use super::arena::{Builder, Node, Packed};
use super::cloudformation;
use super::yaml_schema::{self, Ambiguity, Reading, YamlSchema};
use super::{ErrorKind, FactsError, Limits, MAX_DEPTH};
use std::collections::{HashMap, HashSet};
use std::io::Read;
use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// An array or object whose end event has not come yet.
struct Open {
    /// Where its children start in the builder's scratch stack.
    mark: usize,
    is_object: bool,
    anchor: usize,
    /// The one-key object of a CloudFormation short form, closed with the
    /// node it wraps.
    is_wrapper: bool,
    /// Scratch positions of this mapping's `<<` merge keys (YAML 1.1).
    merges: Vec<usize>,
}

/// How one input is read, and what the reading noticed.
pub(super) struct Reader {
    pub(super) schema: YamlSchema,
    /// Plain scalars YAML 1.1 would read otherwise (noted under 1.2).
    pub(super) ambiguities: Vec<Ambiguity>,
}

/// Reads YAML facts whole (within the size limit): the builder and the
/// root node.
pub(super) fn read(
    reader: impl Read,
    limits: &Limits,
    how: &mut Reader,
) -> Result<(Builder, Packed), FactsError> {
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
    build(&mut builder, &text, how)?;
    let root = builder.scratch.pop().unwrap_or(Packed::NULL);
    Ok((builder, root))
}

/// Reads every document of `text` into the builder, leaving one node
/// (the document, or the list of documents) on its scratch stack.
pub(super) fn build(builder: &mut Builder, text: &str, how: &mut Reader) -> Result<(), FactsError> {
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
                let wrap = match tag.as_ref() {
                    Some(t) if !at_key => cloudformation::long_form(t),
                    Some(t) if !is_core_scalar(t) => return Err(error(unsupported_tag(t), &at)),
                    _ => None,
                };
                if let Some(key) = wrap {
                    wrap_scalar(builder, &key, &value).map_err(|m| error(m.into(), &at))?;
                    if let Some(node) = builder.last() {
                        remember(&mut anchors, anchor, node);
                    }
                    continue;
                }
                let plain = style == TScalarStyle::Plain && tag.is_none();
                let node = if at_key {
                    keys_at.push((builder.scratch.len(), at));
                    let key = if plain {
                        key_text(&value, how, &at, &mut open, builder.scratch.len())
                    } else {
                        value.clone()
                    };
                    // JSON keys are strings: `1:` or `true:` keys keep their text.
                    Node::Str(builder.string(&key).map_err(|m| error(m.into(), &at))?)
                } else if plain {
                    let reading = match how.schema {
                        YamlSchema::Core12 => {
                            let read = yaml_schema::core12(&value);
                            note(how, &value, read, false, &at);
                            read
                        }
                        YamlSchema::Yaml11 => yaml_schema::yaml11(&value, false),
                    };
                    store(builder, &value, reading).map_err(|m| error(m, &at))?
                } else {
                    scalar(builder, &value, tag.as_ref()).map_err(|m| error(m, &at))?
                };
                remember(&mut anchors, anchor, node);
                builder.push(node).map_err(|m| error(m.into(), &at))?;
            }
            Event::SequenceStart(anchor, tag) | Event::MappingStart(anchor, tag) => {
                if at_key {
                    return Err(error("a mapping key must be a scalar".into(), &at));
                }
                let wrap = match tag {
                    Some(t) if is_core(&t, if is_object { "map" } else { "seq" }) => None,
                    Some(t) => Some(
                        cloudformation::long_form(&t)
                            .ok_or_else(|| error(unsupported_tag(&t), &at))?,
                    ),
                    None => None,
                };
                if open.len() + usize::from(wrap.is_some()) >= MAX_DEPTH {
                    return Err(error(
                        format!("arrays and objects nest more than {MAX_DEPTH} levels deep"),
                        &at,
                    ));
                }
                let anchor = match wrap {
                    Some(key) => {
                        open.push(Open {
                            mark: builder.scratch.len(),
                            is_object: true,
                            anchor,
                            is_wrapper: true,
                            merges: Vec::new(),
                        });
                        builder
                            .push_string(key.as_bytes())
                            .map_err(|m| error(m.into(), &at))?;
                        0
                    }
                    None => anchor,
                };
                open.push(Open {
                    mark: builder.scratch.len(),
                    is_object,
                    anchor,
                    is_wrapper: false,
                    merges: Vec::new(),
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
                if !o.merges.is_empty() {
                    let merge_at = keys_at
                        .iter()
                        .find(|(i, _)| o.merges.contains(i))
                        .map_or(at, |(_, m)| *m);
                    merge(builder, o.mark, &o.merges).map_err(|m| error(m, &merge_at))?;
                }
                keys_at.truncate(keys_at.partition_point(|(i, _)| *i < o.mark));
                builder
                    .finish_block(o.mark, o.is_object)
                    .map_err(|m| error(m.into(), &at))?;
                if let Some(node) = builder.last() {
                    remember(&mut anchors, o.anchor, node);
                }
                if let Some(wrapper) = open.pop_if(|w| w.is_wrapper) {
                    builder
                        .finish_block(wrapper.mark, true)
                        .map_err(|m| error(m.into(), &at))?;
                    if let Some(node) = builder.last() {
                        remember(&mut anchors, wrapper.anchor, node);
                    }
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

/// The text a plain mapping key is stored under: itself under YAML 1.2
/// (noted when 1.1 reads it otherwise); under 1.1, a boolean or number
/// key's JSON text, and `<<` marks a merge of the open mapping.
fn key_text(
    value: &str,
    how: &mut Reader,
    at: &Marker,
    open: &mut [Open],
    position: usize,
) -> String {
    match how.schema {
        YamlSchema::Core12 => {
            note(how, value, Reading::Str, true, at);
            value.to_string()
        }
        YamlSchema::Yaml11 => match yaml_schema::yaml11(value, true) {
            Reading::Merge => {
                if let Some(o) = open.last_mut() {
                    o.merges.push(position);
                }
                value.to_string()
            }
            reading => reading.key_text(value),
        },
    }
}

/// Notes a plain scalar that YAML 1.1 reads otherwise than `read`.
fn note(how: &mut Reader, text: &str, read: Reading, is_key: bool, at: &Marker) {
    if let Some(other) = yaml_schema::differs(text, read, is_key) {
        how.ambiguities.push(Ambiguity {
            line: at.line(),
            column: at.col() + 1,
            text: text.to_string(),
            yaml12: if is_key {
                format!("the key {}", read.describe(text))
            } else {
                read.describe(text)
            },
            yaml11: match other {
                Reading::Merge => "a merge key".into(),
                _ if is_key => {
                    let key = other.key_text(text);
                    format!("the key {}", Reading::Str.describe(&key))
                }
                _ => other.describe(text),
            },
        });
    }
}

/// A CloudFormation short form over a scalar, as its long form: a one-key
/// object holding the text (`!GetAtt A.B`: the list `["A", "B"]`).
fn wrap_scalar(builder: &mut Builder, key: &str, text: &str) -> Result<(), &'static str> {
    let mark = builder.scratch.len();
    builder.push_string(key.as_bytes())?;
    match cloudformation::split_get_att(key, text) {
        Some((resource, attribute)) => {
            let list = builder.scratch.len();
            builder.push_string(resource.as_bytes())?;
            builder.push_string(attribute.as_bytes())?;
            builder.finish_block(list, false)?;
        }
        None => builder.push_string(text.as_bytes())?,
    }
    builder.finish_block(mark, true)
}

/// Applies the `<<` merge keys of the mapping whose entries were pushed
/// since `mark`, as YAML 1.1's merge type says: the mapping (or each of
/// the list of mappings) a merge key names adds the keys the mapping does
/// not write itself, the earlier of a list winning. Merged values are
/// shared, as aliases are.
fn merge(builder: &mut Builder, mark: usize, merges: &[usize]) -> Result<(), String> {
    let first_alias = builder.aliases.partition_point(|&at| at < mark);
    let aliased: HashSet<usize> = builder.aliases.split_off(first_alias).into_iter().collect();
    let mut seen: HashSet<String> = HashSet::new();
    // Key, value, and whether the value is shared.
    let mut entries: Vec<(Packed, Packed, bool)> = Vec::new();
    for at in (mark..builder.scratch.len()).step_by(2) {
        if merges.contains(&at) {
            continue;
        }
        seen.insert(builder.text_of(&builder.scratch_node(at)).to_string());
        entries.push((
            builder.scratch[at],
            builder.scratch[at + 1],
            aliased.contains(&(at + 1)),
        ));
    }
    let not_a_mapping = || "a merge key (`<<`) takes a mapping or a list of mappings".to_string();
    for &at in merges {
        let sources = match builder.scratch_node(at + 1) {
            Node::Object(block) => vec![block],
            Node::Array(block) => builder
                .block_children(block)
                .0
                .iter()
                .map(|p| match builder.part.decode(*p) {
                    Node::Object(b) => Ok(b),
                    _ => Err(not_a_mapping()),
                })
                .collect::<Result<Vec<u32>, String>>()?,
            _ => return Err(not_a_mapping()),
        };
        for block in sources {
            let (values, keys) = builder.block_children(block);
            let merged: Vec<(String, Packed)> = keys
                .iter()
                .zip(values)
                .map(|(k, v)| (builder.keys.text(*k).to_string(), *v))
                .collect();
            for (key, value) in merged {
                if seen.insert(key.clone()) {
                    let key = builder.string(&key)?;
                    entries.push((builder.pack(Node::Str(key))?, value, true));
                }
            }
        }
    }
    builder.scratch.truncate(mark);
    for (key, value, shared) in entries {
        builder.push_packed(key)?;
        if shared {
            builder.aliases.push(builder.scratch.len());
        }
        builder.push_packed(value)?;
    }
    Ok(())
}

fn remember(anchors: &mut HashMap<usize, Node>, anchor: usize, node: Node) {
    // yaml-rust2 numbers anchors from 1; 0 means none.
    if anchor != 0 {
        anchors.insert(anchor, node);
    }
}

/// A quoted or core-tagged value scalar: quoted ones are strings, and a
/// core tag (`!!str 10`, `!!int 10`) resolves it as that tag says.
fn scalar(builder: &mut Builder, value: &str, tag: Option<&Tag>) -> Result<Node, String> {
    let reading = match tag {
        None => Reading::Str,
        Some(t) if is_core(t, "str") => Reading::Str,
        Some(t) if is_core_scalar(t) => yaml_schema::core12(value),
        Some(t) => return Err(unsupported_tag(t)),
    };
    store(builder, value, reading)
}

/// The node of a scalar read this way.
fn store(builder: &mut Builder, value: &str, reading: Reading) -> Result<Node, String> {
    Ok(match reading {
        Reading::Null => Node::Null,
        Reading::Bool(b) => Node::Bool(b),
        Reading::Int(i) => Node::Int(i),
        Reading::Float(f) if f.is_finite() => Node::Float(f),
        // `.inf` and `.nan` (and anything else JSON cannot hold).
        Reading::Float(_) => {
            return Err(format!(
                "`{}` is not a finite number, which JSON facts cannot hold",
                crate::escape::terminal(value)
            ));
        }
        Reading::Str | Reading::Merge => Node::Str(builder.string(value)?),
    })
}

/// Whether a tag is one of the core schema's scalar tags (`!!int`).
fn is_core_scalar(tag: &Tag) -> bool {
    ["str", "int", "float", "bool", "null"]
        .iter()
        .any(|s| is_core(tag, s))
}

/// Whether a tag is the YAML core tag `!!name`.
fn is_core(tag: &Tag, name: &str) -> bool {
    (tag.handle == "!!" || tag.handle == "tag:yaml.org,2002:") && tag.suffix == name
}

fn unsupported_tag(tag: &Tag) -> String {
    format!(
        "YAML tag `{}{}` has no JSON meaning (onus reads the core tags and CloudFormation's short forms); convert the file to JSON first",
        crate::escape::terminal(&tag.handle),
        crate::escape::terminal(&tag.suffix)
    )
}

fn error(message: String, at: &Marker) -> FactsError {
    FactsError::syntax(message, at.line(), at.col() + 1)
}

#[cfg(test)]
mod tests {
    use crate::facts::{Facts, FactsFormat, MAX_DEPTH};
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
        assert!(error("x: !Bogus Bucket\n").starts_with("line 1, column 11: YAML tag `!Bogus`"));
        let sequence = error("x: !Bogus [a]\n");
        assert!(sequence.starts_with("line 1, column ") && sequence.contains("tag `!Bogus`"));
        assert!(error("!Ref x: 1\n").contains("YAML tag `!Ref`"));
        assert!(error("x: .nan\n").contains("not a finite number"));
        assert!(error("? [a]\n: 1\n").contains("key must be a scalar"));
        assert!(error("a: *nowhere\n").contains("unknown anchor"));
        assert!(error("a: &x [*x]\n").contains("cannot be recursive"));
        assert!(error("a: [\n").starts_with("line 2"));
        assert!(error("# only a comment\n").contains("no document"));
        // yaml-rust2 stops flow collections at its own, lower, limit.
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert!(
            error(&deep).starts_with("line 1, column 256: recursion limit exceeded"),
            "{}",
            error(&deep)
        );
        let block: String = (0..MAX_DEPTH + 1)
            .map(|i| format!("{}- \n", "  ".repeat(i)))
            .collect();
        assert!(
            error(&block).contains("nest more than"),
            "{}",
            error(&block)
        );
    }
}
