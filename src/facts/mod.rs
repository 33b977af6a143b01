//! Facts: JSON (or JSON lines, or YAML) text in, one compact arena per
//! input out. Parsed once with
//! serde_json into 16-byte nodes whose strings borrow the input text; the
//! evaluator reads it in place, never copying a subtree. Duplicate keys are
//! refused (tools disagree on which one wins), and every node can name its
//! JSON pointer without the arena storing a parent per node.

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use std::fmt;

mod yaml;

/// How a facts file is written; `of_path` picks it by extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FactsFormat {
    Json,
    /// One JSON document per line, read as a list.
    JsonLines,
    /// YAML 1.2; several documents are read as a list.
    Yaml,
}

impl FactsFormat {
    /// `.jsonl` is JSON lines, `.yaml` and `.yml` are YAML, the rest JSON.
    pub fn of_path(path: &str) -> FactsFormat {
        match path.rsplit_once('.').map(|(_, ext)| ext) {
            Some("jsonl") => FactsFormat::JsonLines,
            Some("yaml" | "yml") => FactsFormat::Yaml,
            _ => FactsFormat::Json,
        }
    }
}

/// A string in the arena: a range of the input text, or of `unescaped`
/// when the JSON string contained escapes.
#[derive(Clone, Copy, Debug)]
pub struct StrRef {
    offset: u32,
    len: u32,
    unescaped: bool,
}

#[derive(Clone, Copy, Debug)]
pub enum Node {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(StrRef),
    /// An array: its elements are the nodes of this block.
    Array(u32),
    /// An object: its block holds key, value, key, value, ...
    Object(u32),
}

/// The children of one array or object, contiguous in `Facts::nodes`.
#[derive(Clone, Copy, Debug)]
struct Block {
    start: u32,
    /// Number of nodes in the block (twice the entries for an object).
    len: u32,
    /// Index in `nodes` of the array or object node that owns this block;
    /// `ROOT` for the document root.
    owner: u32,
    is_object: bool,
}

const ROOT: u32 = u32::MAX;

/// Why facts could not be read: a message with the line and column.
#[derive(Debug, Clone, PartialEq)]
pub struct FactsError {
    pub message: String,
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for FactsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            f.write_str(&self.message)
        } else {
            write!(
                f,
                "line {}, column {}: {}",
                self.line, self.column, self.message
            )
        }
    }
}

pub struct Facts {
    /// The name under `facts` (`facts.NAME`), or None for the root.
    mount: Option<String>,
    text: String,
    unescaped: String,
    nodes: Vec<Node>,
    blocks: Vec<Block>,
    root: Node,
}

impl Facts {
    /// Parses one facts document (JSON lines and YAML streams: a list of
    /// their documents).
    pub fn parse(
        mut text: String,
        mount: Option<String>,
        format: FactsFormat,
    ) -> Result<Facts, FactsError> {
        // A byte order mark (Windows tools write one) is not JSON, but it
        // carries no data either: read what follows it.
        if text.starts_with('\u{feff}') {
            text.drain(..'\u{feff}'.len_utf8());
        }
        if u32::try_from(text.len()).is_err() {
            return Err(FactsError {
                message: "facts larger than 4 GiB are not supported".into(),
                line: 0,
                column: 0,
            });
        }
        let mut facts = Facts {
            mount,
            text: String::new(),
            unescaped: String::new(),
            // Generous: capacity that is never written costs address space,
            // not memory, while growing would copy the whole arena.
            nodes: Vec::with_capacity(text.len() / 6 + 16),
            blocks: Vec::with_capacity(text.len() / 48 + 16),
            root: Node::Null,
        };
        let mut builder = Builder {
            text: &text,
            unescaped: &mut facts.unescaped,
            nodes: &mut facts.nodes,
            blocks: &mut facts.blocks,
            scratch: Vec::with_capacity(1024),
            aliases: Vec::new(),
            duplicate_at: None,
        };
        match format {
            FactsFormat::JsonLines => {
                for (n, line) in text.split('\n').enumerate() {
                    if !line.trim().is_empty() {
                        builder
                            .document(line)
                            .map_err(|e| builder.json_error(&e, n + 1))?;
                    }
                }
                builder.finish_block(0, false);
            }
            FactsFormat::Json => builder
                .document(&text)
                .map_err(|e| builder.json_error(&e, e.line()))?,
            FactsFormat::Yaml => yaml::build(&mut builder, &text)?,
        }
        let root = builder.scratch.pop().unwrap_or(Node::Null);
        facts.root = root;
        facts.text = text;
        Ok(facts)
    }

    /// The text as parsed: the input without a leading byte order mark.
    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn mount(&self) -> Option<&str> {
        self.mount.as_deref()
    }

    pub fn root(&self) -> Node {
        self.root
    }

    /// Number of nodes (a measure of the input's size, for budgets).
    pub fn node_count(&self) -> usize {
        self.nodes.len() + 1
    }

    /// Whether the string is `key` (lengths first: most keys differ there).
    pub fn str_is(&self, s: StrRef, key: &str) -> bool {
        s.len as usize == key.len() && self.str(s) == key
    }

    pub fn str(&self, s: StrRef) -> &str {
        let source = if s.unescaped {
            &self.unescaped
        } else {
            &self.text
        };
        let start = s.offset as usize;
        source.get(start..start + s.len as usize).unwrap_or("")
    }

    /// The nodes of a block: array elements, or key/value pairs.
    pub fn block(&self, block: u32) -> &[Node] {
        match self.blocks.get(block as usize) {
            Some(b) => &self.nodes[b.start as usize..(b.start + b.len) as usize],
            None => &[],
        }
    }

    /// The node index of element `i` of a block (for pointers).
    fn block_start(&self, block: u32) -> u32 {
        self.blocks.get(block as usize).map_or(0, |b| b.start)
    }

    /// RFC 6901 pointer of a container (by its block), including the mount.
    pub fn pointer(&self, block: u32) -> String {
        let owner = self.blocks.get(block as usize).map_or(ROOT, |b| b.owner);
        self.node_pointer(owner)
    }

    /// Pointer of element `index` (array) or of the value under the
    /// `index`-th key (object) of a container.
    pub fn child_pointer(&self, block: u32, index: usize) -> String {
        let is_object = self.blocks.get(block as usize).is_some_and(|b| b.is_object);
        let node = self.block_start(block) as usize + if is_object { 2 * index + 1 } else { index };
        self.node_pointer(u32::try_from(node).unwrap_or(ROOT))
    }

    fn node_pointer(&self, mut node: u32) -> String {
        let mut segments = Vec::new();
        while node != ROOT {
            let b = self
                .blocks
                .partition_point(|b| b.start <= node)
                .saturating_sub(1);
            let Some(block) = self.blocks.get(b) else {
                break;
            };
            let offset = node - block.start;
            if block.is_object {
                match self.nodes.get(node as usize - 1) {
                    Some(Node::Str(k)) => segments.push(escape_pointer(self.str(*k))),
                    _ => segments.push(String::new()),
                }
            } else {
                segments.push(offset.to_string());
            }
            node = block.owner;
        }
        let mut out = String::new();
        if let Some(m) = &self.mount {
            out.push('/');
            out.push_str(&escape_pointer(m));
        }
        for s in segments.iter().rev() {
            out.push('/');
            out.push_str(s);
        }
        out
    }
}

fn escape_pointer(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

/// How deep arrays and objects may nest: serde_json's recursion limit (128
/// allows 127 levels), which keeps hostile facts from exhausting the stack.
pub const MAX_DEPTH: usize = 127;

/// serde_json's message without its " at line L column C" suffix, which is
/// reported separately, and in plain words where serde's would puzzle.
fn strip_position(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    let msg = match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg,
    };
    if msg == "recursion limit exceeded" {
        return format!("arrays and objects nest more than {MAX_DEPTH} levels deep");
    }
    msg
}

struct Builder<'b> {
    /// The whole input: borrowed strings are ranges of it.
    text: &'b str,
    unescaped: &'b mut String,
    nodes: &'b mut Vec<Node>,
    blocks: &'b mut Vec<Block>,
    /// Finished nodes whose container is still open.
    scratch: Vec<Node>,
    /// Positions in `scratch` of YAML aliases, ascending (JSON has none).
    aliases: Vec<usize>,
    /// Byte offset in `text` of a repeated key, when one was refused.
    duplicate_at: Option<usize>,
}

impl Builder<'_> {
    /// A serde_json error with its position: `line` and serde's column,
    /// or where a refused duplicate key is written.
    fn json_error(&self, e: &serde_json::Error, line: usize) -> FactsError {
        let (line, column) = match self.duplicate_at {
            Some(at) => crate::source::byte_position(self.text.as_bytes(), at),
            None => (line, e.column()),
        };
        FactsError {
            message: strip_position(e),
            line,
            column,
        }
    }

    fn document(&mut self, doc: &str) -> Result<(), serde_json::Error> {
        let mut de = serde_json::Deserializer::from_str(doc);
        NodeSeed(self).deserialize(&mut de)?;
        de.end()
    }

    fn string(&mut self, s: &str, borrowed: bool) -> Result<StrRef, String> {
        let base = self.text.as_ptr() as usize;
        let addr = s.as_ptr() as usize;
        let len = u32::try_from(s.len()).map_err(|_| "string too long".to_string())?;
        if borrowed && addr >= base && addr + s.len() <= base + self.text.len() {
            return Ok(StrRef {
                offset: (addr - base) as u32,
                len,
                unescaped: false,
            });
        }
        let offset =
            u32::try_from(self.unescaped.len()).map_err(|_| "facts too large".to_string())?;
        self.unescaped.push_str(s);
        Ok(StrRef {
            offset,
            len,
            unescaped: true,
        })
    }

    fn text_of(&self, node: &Node) -> &str {
        match node {
            Node::Str(s) => {
                let source: &str = if s.unescaped {
                    self.unescaped
                } else {
                    self.text
                };
                let start = s.offset as usize;
                source.get(start..start + s.len as usize).unwrap_or("")
            }
            _ => "",
        }
    }

    /// Moves the nodes pushed since `mark` into a new block and pushes the
    /// container node that owns it.
    fn finish_block(&mut self, mark: usize, is_object: bool) {
        let start = self.nodes.len() as u32;
        let id = self.blocks.len() as u32;
        // A YAML alias shares its anchor's block: the anchor names it.
        let first_alias = self.aliases.partition_point(|&at| at < mark);
        let aliases = self.aliases.split_off(first_alias);
        for (i, node) in self.scratch.drain(mark..).enumerate() {
            if let Node::Array(b) | Node::Object(b) = node
                && !aliases.contains(&(mark + i))
            {
                self.blocks[b as usize].owner = start + i as u32;
            }
            self.nodes.push(node);
        }
        let len = self.nodes.len() as u32 - start;
        self.blocks.push(Block {
            start,
            len,
            owner: ROOT,
            is_object,
        });
        self.scratch.push(if is_object {
            Node::Object(id)
        } else {
            Node::Array(id)
        });
    }

    /// The first key that occurs twice among the entries pushed since `mark`.
    /// The position in `scratch` of a key that repeats an earlier one
    /// among the entries pushed since `mark`.
    fn duplicate_key(&self, mark: usize) -> Option<usize> {
        let entries = &self.scratch[mark..];
        let count = entries.len() / 2;
        if count <= 16 {
            // Small objects (nearly all): compare lengths before bytes, no allocation.
            for i in 1..count {
                let Node::Str(a) = entries[2 * i] else {
                    continue;
                };
                for j in 0..i {
                    if let Node::Str(b) = entries[2 * j]
                        && a.len == b.len
                        && self.text_of(&entries[2 * i]) == self.text_of(&entries[2 * j])
                    {
                        return Some(mark + 2 * i);
                    }
                }
            }
            return None;
        }
        let mut sorted: Vec<(&str, usize)> = (mark..self.scratch.len())
            .step_by(2)
            .map(|i| (self.text_of(&self.scratch[i]), i))
            .collect();
        sorted.sort_unstable();
        sorted.windows(2).find(|w| w[0].0 == w[1].0).map(|w| w[1].1)
    }

    /// The error for a repeated key: its text, and where it is written
    /// when the key is a slice of the input (serde_json would give the end
    /// of the object).
    fn duplicate_key_error(&mut self, at: usize) -> String {
        let key = self.scratch[at];
        if let Node::Str(s) = key
            && !s.unescaped
        {
            // The opening quote.
            self.duplicate_at = Some(s.offset.saturating_sub(1) as usize);
        }
        let key = crate::escape::terminal(self.text_of(&key)).into_owned();
        format!("duplicate key `{key}` in object")
    }
}

struct NodeSeed<'a, 'b>(&'a mut Builder<'b>);

impl<'de> DeserializeSeed<'de> for NodeSeed<'_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for NodeSeed<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.0.scratch.push(Node::Null);
        Ok(())
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.0.scratch.push(Node::Bool(v));
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.0.scratch.push(Node::Int(v));
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.0.scratch.push(match i64::try_from(v) {
            Ok(i) => Node::Int(i),
            Err(_) => Node::Float(v as f64),
        });
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        self.0.scratch.push(Node::Float(v));
        Ok(())
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<(), E> {
        let s = self.0.string(v, true).map_err(E::custom)?;
        self.0.scratch.push(Node::Str(s));
        Ok(())
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        let s = self.0.string(v, false).map_err(E::custom)?;
        self.0.scratch.push(Node::Str(s));
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mark = self.0.scratch.len();
        while seq.next_element_seed(NodeSeed(self.0))?.is_some() {}
        self.0.finish_block(mark, false);
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mark = self.0.scratch.len();
        while map.next_key_seed(NodeSeed(self.0))?.is_some() {
            map.next_value_seed(NodeSeed(self.0))?;
        }
        if let Some(at) = self.0.duplicate_key(mark) {
            return Err(de::Error::custom(self.0.duplicate_key_error(at)));
        }
        self.0.finish_block(mark, true);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Facts {
        Facts::parse(s.to_string(), None, FactsFormat::Json).expect("valid JSON")
    }

    #[test]
    fn pointers_name_every_node() {
        let f = parse(r#"{"a": [1, {"b/c": [true, {"d": null}]}], "e": {}}"#);
        let Node::Object(root) = f.root() else {
            panic!()
        };
        assert_eq!(f.pointer(root), "");
        let Node::Array(a) = f.block(root)[1] else {
            panic!()
        };
        assert_eq!(f.pointer(a), "/a");
        assert_eq!(f.child_pointer(a, 0), "/a/0");
        let Node::Object(o) = f.block(a)[1] else {
            panic!()
        };
        assert_eq!(f.pointer(o), "/a/1");
        let Node::Array(inner) = f.block(o)[1] else {
            panic!()
        };
        assert_eq!(f.pointer(inner), "/a/1/b~1c");
        let Node::Object(d) = f.block(inner)[1] else {
            panic!()
        };
        assert_eq!(f.child_pointer(d, 0), "/a/1/b~1c/1/d");
    }

    #[test]
    fn strings_borrow_or_unescape() {
        let f = parse(r#"["plain", "esc\"aped", "\u00e9"]"#);
        let Node::Array(a) = f.root() else { panic!() };
        let texts: Vec<&str> = f
            .block(a)
            .iter()
            .map(|n| match n {
                Node::Str(s) => f.str(*s),
                _ => "",
            })
            .collect();
        assert_eq!(texts, ["plain", "esc\"aped", "é"]);
    }

    #[test]
    fn errors_have_positions() {
        let e = Facts::parse("{\n  \"a\": [1,]\n}".into(), None, FactsFormat::Json)
            .err()
            .expect("error");
        assert_eq!((e.line, e.column), (2, 11));
        let e = Facts::parse(r#"{"a": 1, "a": 2}"#.into(), None, FactsFormat::Json)
            .err()
            .expect("error");
        assert!(e.message.contains("duplicate key `a`"), "{}", e.message);
        assert_eq!((e.line, e.column), (1, 10), "at the second `a`");
    }

    /// A repeated key is reported where it is written, in small and large
    /// objects and in JSON lines; an escaped key at the object's end.
    #[test]
    fn duplicate_keys_are_located() {
        let at = |text: &str, format| {
            let e = Facts::parse(text.into(), None, format)
                .err()
                .expect("error");
            (e.line, e.column)
        };
        let large: String = (0..40).map(|i| format!("\"k{i}\": {i}, ")).collect();
        let large = format!("{{\n{large}\n  \"k7\": 0}}");
        assert_eq!(at(&large, FactsFormat::Json), (3, 3));
        let lines = "{\"a\": 1}\n{\"b\": 1, \"b\": 2}\n";
        assert_eq!(at(lines, FactsFormat::JsonLines), (2, 10));
        assert_eq!(
            at(r#"{"\u0061": 1, "\u0061": 2}"#, FactsFormat::Json),
            (1, 26)
        );
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = "[".repeat(100_000) + &"]".repeat(100_000);
        let e = Facts::parse(deep, None, FactsFormat::Json)
            .err()
            .expect("error");
        assert_eq!(
            e.message,
            "arrays and objects nest more than 127 levels deep"
        );
        assert_eq!((e.line, e.column), (1, MAX_DEPTH + 1));
        let just_fits = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(Facts::parse(just_fits, None, FactsFormat::Json).is_ok());
    }

    #[test]
    fn integers_beyond_64_bits_become_floats() {
        // Like jq and JavaScript: exact up to i64, approximate beyond.
        let f = parse("[9223372036854775807, 18446744073709551615]");
        let Node::Array(a) = f.root() else { panic!() };
        assert!(matches!(f.block(a)[0], Node::Int(i64::MAX)));
        assert!(matches!(f.block(a)[1], Node::Float(x) if x == 18446744073709551615.0));
    }

    #[test]
    fn a_byte_order_mark_is_skipped() {
        let f = parse("\u{feff}{\"a\": [1]}");
        let Node::Object(o) = f.root() else { panic!() };
        assert_eq!(f.block(o).len(), 2);
        let e = Facts::parse("\u{feff}{\n,}".into(), None, FactsFormat::Json)
            .err()
            .expect("error");
        assert_eq!((e.line, e.column), (2, 1));
    }

    #[test]
    fn jsonl_is_a_list_of_documents() {
        let f = Facts::parse(
            "{\"a\":1}\n\n{\"a\":2}\n".into(),
            None,
            FactsFormat::JsonLines,
        )
        .expect("valid");
        let Node::Array(a) = f.root() else { panic!() };
        assert_eq!(f.block(a).len(), 2);
        assert_eq!(f.child_pointer(a, 1), "/1");
        let e = Facts::parse("{}\n{bad}\n".into(), None, FactsFormat::JsonLines)
            .err()
            .expect("error");
        assert_eq!(e.line, 2);
    }
}
