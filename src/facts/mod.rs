//! Facts: JSON (or JSON lines, or YAML) bytes in, one compact arena per
//! input out. JSON is read as a stream through a small buffer, straight
//! into packed 8-byte nodes (`arena`), with strings copied once into one
//! buffer, so memory is about the size of the input and the text itself
//! is never held whole. The evaluator reads the arena in place, never
//! copying a subtree. Duplicate keys are refused (tools disagree on which
//! one wins), errors carry the line and column serde_json would give, and
//! every node can name its JSON pointer without storing a parent per node.

mod arena;
mod cloudformation;
mod digest;
pub mod encoding;
mod input;
mod json;
mod limits;
mod split;
mod stream;
mod yaml;
mod yaml_schema;

pub use arena::{Node, StrRef};
pub use digest::{Digest, Hashing};
pub use limits::{DEFAULT_MAX_SIZE, Limits, parse_size};
pub use stream::{BATCH, Batch, Batches};
pub use yaml_schema::{Ambiguity, YamlSchema};

use arena::{Keys, NONE, Packed, Part, Shapes};
use std::fmt;
use std::io::Read;
use std::sync::OnceLock;

/// How a facts file is written; `of_path` picks it by extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FactsFormat {
    Json,
    /// One JSON document per line, read as a list.
    JsonLines,
    /// YAML (1.2 unless `YamlSchema` says 1.1); several documents are
    /// read as a list.
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

/// What kind of problem stopped reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Not JSON (or YAML): the message says why.
    Syntax,
    /// Bytes that are not UTF-8.
    Utf8,
    /// Nothing but whitespace.
    Empty,
    /// The input could not be read (the message is the reason).
    Io,
    /// More than the size limit (`Limits::max_size`).
    TooLarge,
    /// An allocation failed.
    OutOfMemory,
    /// UTF-16 or UTF-32 (named) without a byte order mark.
    Unmarked(&'static str),
}

/// Why facts could not be read: a message with the line and column.
#[derive(Debug, Clone, PartialEq)]
pub struct FactsError {
    pub message: String,
    pub line: usize,
    pub column: usize,
    pub kind: ErrorKind,
}

impl FactsError {
    pub(crate) fn syntax(message: String, line: usize, column: usize) -> FactsError {
        FactsError {
            message,
            line,
            column,
            kind: ErrorKind::Syntax,
        }
    }

    fn unpositioned(kind: ErrorKind, message: String) -> FactsError {
        FactsError {
            message,
            line: 0,
            column: 0,
            kind,
        }
    }
}

/// A read that failed.
fn io_error(e: std::io::Error) -> FactsError {
    FactsError::unpositioned(ErrorKind::Io, crate::session::io_reason(&e))
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

/// How deep arrays and objects may nest. Real exports go past serde_json's
/// 127 (a Terraform plan of 40 nested modules nests 128 levels, three per
/// module under `configuration`); the readers use no recursion, and 512
/// keeps what recurses over values later (printing, comparing) well
/// within an evaluation thread's stack.
pub const MAX_DEPTH: usize = 512;

pub struct Facts {
    /// The name under `facts` (`facts.NAME`), or None for the root.
    mount: Option<String>,
    /// Usually one; more when threads read parts of one document.
    parts: Vec<Part>,
    keys: Keys,
    shapes: Shapes,
    root: Packed,
    /// Values plus object keys, plus one: the size measure of budgets.
    node_count: usize,
    /// Added to the indexes of the root list in pointers: the position in
    /// the whole stream of a batch's first record.
    first_index: usize,
    /// The node that holds each block, by block id (`NONE` for the root):
    /// found on the first pointer asked for, as most runs need none or few.
    owners: OnceLock<Vec<u32>>,
    /// Of the input's bytes, hashed as they were read (None for a batch:
    /// its stream is hashed as a whole).
    digest: Option<Digest>,
}

impl Facts {
    /// Parses one facts document held in memory (JSON lines and YAML
    /// streams: a list of their documents).
    pub fn parse(
        text: String,
        mount: Option<String>,
        format: FactsFormat,
    ) -> Result<Facts, FactsError> {
        Facts::read(text.as_bytes(), mount, format, &Limits::default())
    }

    /// Reads one facts file, on several threads when it is large (see
    /// `split`; then one more thread hashes the file as they read it).
    pub fn read_file(
        file: std::fs::File,
        size: u64,
        mount: Option<String>,
        format: FactsFormat,
        limits: &Limits,
    ) -> Result<Facts, FactsError> {
        Facts::read_file_noting(file, size, mount, format, limits, YamlSchema::default())
            .map(|(facts, _)| facts)
    }

    /// Reads one facts file as `read_file` does, YAML by this schema; also
    /// returns the YAML plain scalars that YAML 1.1 would read otherwise.
    pub fn read_file_noting(
        file: std::fs::File,
        size: u64,
        mount: Option<String>,
        format: FactsFormat,
        limits: &Limits,
        schema: YamlSchema,
    ) -> Result<(Facts, Vec<Ambiguity>), FactsError> {
        let lines = format == FactsFormat::JsonLines;
        if format != FactsFormat::Yaml
            && split::may_split(size, split::PARALLEL_FROM, limits)
            && Facts::utf8_head(&file)
        {
            let split = std::thread::scope(|scope| {
                // A thread the system refuses is done without: the digest is
                // then taken after the read, on this thread.
                let hashing =
                    std::thread::Builder::new().spawn_scoped(scope, || split::hash_file(&file));
                let read = split::read(&file, size, split::PARALLEL_FROM, lines, limits);
                let hashed = match hashing {
                    Ok(thread) => thread.join().ok(),
                    Err(_) => Some(split::hash_file(&file)),
                };
                (read, hashed)
            });
            if let (Some(read), Some(hashed)) = split {
                let (mut builder, root) = read?;
                let parts = builder
                    .finish()
                    .map_err(|m| FactsError::unpositioned(ErrorKind::Syntax, m.into()))?;
                let mut facts = Facts::assemble(mount, parts, builder, root);
                facts.digest = Some(hashed.map_err(io_error)?);
                return Ok((facts, Vec::new()));
            }
        }
        Facts::read_noting(
            std::io::BufReader::with_capacity(0, file),
            mount,
            format,
            limits,
            schema,
        )
    }

    /// Whether a file's first bytes are UTF-8 (not UTF-16 or UTF-32), so
    /// that it can be read in batches as it comes.
    pub fn utf8_head(file: &std::fs::File) -> bool {
        encoding::head(&split::head(file)) == encoding::Head::Utf8
    }

    /// Reads one facts document from a stream, within the limits (YAML by
    /// the 1.2 core schema), hashing its bytes as they come. UTF-16 and
    /// UTF-32 with a byte order mark are transcoded first (`encoding`), the
    /// one case read whole.
    pub fn read(
        reader: impl Read,
        mount: Option<String>,
        format: FactsFormat,
        limits: &Limits,
    ) -> Result<Facts, FactsError> {
        Facts::read_noting(reader, mount, format, limits, YamlSchema::default())
            .map(|(facts, _)| facts)
    }

    /// Reads one facts document as `read` does, YAML by this schema; also
    /// returns the YAML plain scalars that YAML 1.1 would read otherwise
    /// (none under 1.1, or for JSON).
    pub fn read_noting(
        reader: impl Read,
        mount: Option<String>,
        format: FactsFormat,
        limits: &Limits,
        schema: YamlSchema,
    ) -> Result<(Facts, Vec<Ambiguity>), FactsError> {
        let mut reader = Hashing::new(reader);
        let mut head = Vec::with_capacity(encoding::HEAD);
        (&mut reader)
            .take(encoding::HEAD as u64)
            .read_to_end(&mut head)
            .map_err(io_error)?;
        let (mut facts, ambiguities) = match encoding::head(&head) {
            encoding::Head::Utf8 => Facts::read_utf8(
                std::io::Cursor::new(head).chain(&mut reader),
                mount,
                format,
                limits,
                schema,
            )?,
            encoding::Head::Unmarked(name, first_nul) => {
                let (line, column) = crate::source::byte_position(&head, first_nul);
                return Err(FactsError {
                    message: format!(
                        "not UTF-8: this looks like {name} text without a byte order mark"
                    ),
                    line,
                    column,
                    kind: ErrorKind::Unmarked(name),
                });
            }
            encoding::Head::Marked => {
                let mut bytes = head;
                (&mut reader)
                    .take(limits.max_size.saturating_mul(4))
                    .read_to_end(&mut bytes)
                    .map_err(io_error)?;
                let text = encoding::decode(bytes, "").map_err(|e| FactsError {
                    message: e.message,
                    line: e.line,
                    column: e.column,
                    kind: ErrorKind::Utf8,
                })?;
                Facts::read_utf8(text.as_bytes(), mount, format, limits, schema)?
            }
        };
        facts.digest = Some(reader.finish().map_err(io_error)?);
        Ok((facts, ambiguities))
    }

    /// Reads UTF-8 facts (a leading byte order mark skipped).
    fn read_utf8(
        reader: impl Read,
        mount: Option<String>,
        format: FactsFormat,
        limits: &Limits,
        schema: YamlSchema,
    ) -> Result<(Facts, Vec<Ambiguity>), FactsError> {
        let mut how = yaml::Reader {
            schema,
            ambiguities: Vec::new(),
        };
        let (mut builder, root) = match format {
            FactsFormat::Json | FactsFormat::JsonLines => {
                json::read(reader, format == FactsFormat::JsonLines, limits)?
            }
            FactsFormat::Yaml => yaml::read(reader, limits, &mut how)?,
        };
        let parts = builder
            .finish()
            .map_err(|m| FactsError::unpositioned(ErrorKind::Syntax, m.into()))?;
        let facts = Facts::assemble(mount, parts, builder, root);
        Ok((facts, how.ambiguities))
    }

    fn assemble(
        mount: Option<String>,
        parts: Vec<Part>,
        builder: arena::Builder,
        root: Packed,
    ) -> Facts {
        let entries: usize = parts
            .iter()
            .flat_map(|p| &p.blocks)
            .filter(|b| b.shape != NONE)
            .map(|b| b.len as usize)
            .sum();
        let values: usize = parts.iter().map(|p| p.nodes.len()).sum();
        Facts {
            mount,
            parts,
            keys: builder.keys,
            shapes: builder.shapes,
            root,
            node_count: values + entries + 1,
            first_index: 0,
            owners: OnceLock::new(),
            digest: None,
        }
    }

    /// Length and SHA-256 of the input's bytes as read (None for a batch
    /// of a stream).
    pub fn digest(&self) -> Option<&Digest> {
        self.digest.as_ref()
    }

    pub fn mount(&self) -> Option<&str> {
        self.mount.as_deref()
    }

    pub fn root(&self) -> Node {
        self.decode(self.root)
    }

    /// Number of values and keys (a measure of the input's size, for budgets).
    pub fn node_count(&self) -> usize {
        self.node_count
    }

    /// The part holding the item at `index` of the id space `base` names.
    fn part(&self, index: u32, base: impl Fn(&Part) -> u32) -> &Part {
        match self.parts.as_slice() {
            [only] => only,
            parts => {
                &parts[parts
                    .partition_point(|p| base(p) <= index)
                    .saturating_sub(1)]
            }
        }
    }

    fn decode(&self, p: Packed) -> Node {
        match p.wide_index() {
            None => Part::inline(p),
            Some(i) => self.part(i, |p| p.wide_base).decode(p),
        }
    }

    pub fn str(&self, s: StrRef) -> &str {
        self.part(s.offset, |p| p.string_base).str(s)
    }

    /// Whether the string is `key` (lengths first: most keys differ there).
    pub fn str_is(&self, s: StrRef, key: &str) -> bool {
        s.len as usize == key.len() && self.str(s) == key
    }

    fn block_of(&self, block: u32) -> Option<(&Part, &arena::Block)> {
        let part = self.part(block, |p| p.block_base);
        let b = part
            .blocks
            .get((block as usize).wrapping_sub(part.block_base as usize))?;
        Some((part, b))
    }

    /// The packed children of a block.
    fn children(&self, block: u32) -> (&[Packed], &arena::Block) {
        const EMPTY: arena::Block = arena::Block {
            start: 0,
            len: 0,
            shape: NONE,
        };
        match self.block_of(block) {
            Some((part, b)) => {
                let start = (b.start - part.node_base) as usize;
                (&part.nodes[start..start + b.len as usize], b)
            }
            None => (&[], &EMPTY),
        }
    }

    /// Elements of an array, or entries of an object.
    pub fn len(&self, block: u32) -> usize {
        self.children(block).0.len()
    }

    /// Element `i` of an array, or the value of entry `i` of an object.
    pub fn child(&self, block: u32, i: usize) -> Option<Node> {
        self.children(block).0.get(i).map(|p| self.decode(*p))
    }

    /// The key of entry `i` of an object.
    pub fn key(&self, block: u32, i: usize) -> Option<&str> {
        let (_, b) = self.children(block);
        let key = *self.shapes.keys(b.shape).get(i)?;
        Some(self.keys.text(key))
    }

    /// The children of a block, decoded one at a time.
    pub fn iter(&self, block: u32) -> Children<'_> {
        let (nodes, b) = self.children(block);
        Children {
            facts: self,
            nodes: nodes.iter(),
            keys: self.shapes.keys(b.shape).iter(),
        }
    }

    /// The value under `key` in an object, trying entry `hint` first
    /// (objects from one export share their key order); also returns
    /// where the key was.
    pub fn get(&self, block: u32, key: &str, hint: usize) -> Option<(usize, Node)> {
        let (nodes, b) = self.children(block);
        let keys = self.shapes.keys(b.shape);
        let is = |i: usize| keys.get(i).is_some_and(|k| self.keys.text(*k) == key);
        let at = if is(hint) {
            hint
        } else {
            (0..keys.len()).find(|&i| is(i))?
        };
        Some((at, self.decode(*nodes.get(at)?)))
    }

    /// RFC 6901 pointer of a container (by its block), including the mount.
    pub fn pointer(&self, block: u32) -> String {
        self.node_pointer(self.owner(block))
    }

    fn owner(&self, block: u32) -> u32 {
        let owners = self.owners.get_or_init(|| {
            let blocks = self.parts.iter().map(|p| p.blocks.len()).sum();
            let mut owners = vec![NONE; blocks];
            for part in &self.parts {
                let mut aliases = part.aliases.iter().peekable();
                for (i, node) in part.nodes.iter().enumerate() {
                    let at = part.node_base + i as u32;
                    if aliases.next_if(|&&a| a == at).is_some() {
                        continue;
                    }
                    if let Some(b) = node.block()
                        && let Some(slot) = owners.get_mut(b as usize)
                    {
                        *slot = at;
                    }
                }
            }
            owners
        });
        owners.get(block as usize).copied().unwrap_or(NONE)
    }

    /// Pointer of element `index` (array) or of the value of the
    /// `index`-th entry (object) of a container.
    pub fn child_pointer(&self, block: u32, index: usize) -> String {
        let node = self
            .block_of(block)
            .and_then(|(_, b)| u32::try_from(b.start as usize + index).ok());
        self.node_pointer(node.unwrap_or(NONE))
    }

    fn node_pointer(&self, mut node: u32) -> String {
        let mut segments = Vec::new();
        while node != NONE {
            let part = self.part(node, |p| p.node_base);
            let b = part
                .blocks
                .partition_point(|b| b.start <= node)
                .saturating_sub(1);
            let Some(block) = part.blocks.get(b) else {
                break;
            };
            let offset = (node - block.start) as usize;
            if block.shape != NONE {
                let key = self.shapes.keys(block.shape).get(offset);
                segments.push(escape_pointer(key.map_or("", |k| self.keys.text(*k))));
            } else {
                let id = part.block_base + b as u32;
                let owner = self.owner(id);
                let first = if owner == NONE { self.first_index } else { 0 };
                segments.push((offset + first).to_string());
            }
            node = self.owner(part.block_base + b as u32);
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

/// The children of an array or object in order: values, each with its
/// key for an object.
pub struct Children<'a> {
    facts: &'a Facts,
    nodes: std::slice::Iter<'a, Packed>,
    keys: std::slice::Iter<'a, u32>,
}

impl<'a> Iterator for Children<'a> {
    type Item = (Option<&'a str>, Node);

    fn next(&mut self) -> Option<Self::Item> {
        let node = self.facts.decode(*self.nodes.next()?);
        let key = self.keys.next().map(|k| self.facts.keys.text(*k));
        Some((key, node))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.nodes.size_hint()
    }
}

fn escape_pointer(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests;
