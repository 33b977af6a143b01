//! The arena that facts are read into: values in, packed 8-byte nodes out.
//! A container's children are one contiguous block of nodes; object keys
//! are not stored per object but once per *shape* (the key list objects of
//! one export share), and each key text once. Strings are copied into one
//! buffer, so the input text is not kept. Invariant: every block, string
//! and shape a node names exists, and a shape never repeats a key.

// Keys and shapes are interned once per object of the facts: foldhash, seeded
// per process, is several times faster than SipHash on short keys.
use foldhash::HashMap;
use std::sync::Arc;

/// No block, shape or owner.
pub(super) const NONE: u32 = u32::MAX;

/// One value, packed: the low 3 bits are the kind, the rest its payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Packed(u64);

const TAG_BITS: u32 = 3;
const TAG_MASK: u64 = (1 << TAG_BITS) - 1;
const NULL: u64 = 0;
const FALSE: u64 = 1;
const TRUE: u64 = 2;
/// A 61-bit integer, shifted in place.
const INT: u64 = 3;
/// A string: offset in the high 32 bits, length in the 29 between.
const STR: u64 = 4;
const ARRAY: u64 = 5;
const OBJECT: u64 = 6;
/// A value that does not fit (a float, a wide integer, a huge string):
/// an index into `Part::wide`.
const WIDE: u64 = 7;
const INLINE_STR_LEN: u32 = (1 << 29) - 1;

/// A string in the arena: `len` bytes at `offset` of the string buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StrRef {
    pub(super) offset: u32,
    pub(super) len: u32,
}

/// A node as the evaluator sees it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Node {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(StrRef),
    /// An array: its elements are the nodes of this block.
    Array(u32),
    /// An object: its block holds one value per key of its shape.
    Object(u32),
}

#[derive(Clone, Copy, Debug)]
pub(super) enum Wide {
    Int(i64),
    Float(f64),
    Str(StrRef),
}

impl Packed {
    pub(super) const NULL: Packed = Packed(NULL);

    pub(super) fn bool(b: bool) -> Packed {
        Packed(if b { TRUE } else { FALSE })
    }

    /// An integer that fits in 61 bits.
    pub(super) fn small_int(i: i64) -> Option<Packed> {
        let packed = (i << TAG_BITS) >> TAG_BITS == i;
        packed.then_some(Packed(((i as u64) << TAG_BITS) | INT))
    }

    pub(super) fn short_str(s: StrRef) -> Option<Packed> {
        (s.len <= INLINE_STR_LEN).then_some(Packed(
            ((s.offset as u64) << 32) | ((s.len as u64) << TAG_BITS) | STR,
        ))
    }

    pub(super) fn array(block: u32) -> Packed {
        Packed(((block as u64) << 32) | ARRAY)
    }

    pub(super) fn object(block: u32) -> Packed {
        Packed(((block as u64) << 32) | OBJECT)
    }

    fn wide(index: u32) -> Packed {
        Packed(((index as u64) << TAG_BITS) | WIDE)
    }

    /// The block of an array or object.
    pub(super) fn block(self) -> Option<u32> {
        matches!(self.0 & TAG_MASK, ARRAY | OBJECT).then_some((self.0 >> 32) as u32)
    }

    /// Where a wide node's value is (in the `wide` of the part holding it).
    pub(super) fn wide_index(self) -> Option<u32> {
        (self.0 & TAG_MASK == WIDE).then_some((self.0 >> TAG_BITS) as u32)
    }

    /// The same node with its block id moved by `by` (when parts are joined).
    pub(super) fn shifted(self, blocks: u32, strings: u32, wide: u32) -> Packed {
        match self.0 & TAG_MASK {
            ARRAY | OBJECT => Packed(self.0 + ((blocks as u64) << 32)),
            STR => Packed(self.0 + ((strings as u64) << 32)),
            WIDE => Packed(self.0 + ((wide as u64) << TAG_BITS)),
            _ => self,
        }
    }
}

/// The children of one array or object.
#[derive(Clone, Copy, Debug)]
pub(super) struct Block {
    /// Index in the nodes of the first child.
    pub(super) start: u32,
    /// Number of children (values, for an object).
    pub(super) len: u32,
    /// The object's shape; `NONE` for an array.
    pub(super) shape: u32,
}

/// Nodes, blocks and strings: all of a document, or of the part of it one
/// thread read. Ids are global: a part's first node, block and string
/// byte are at the bases, so joining parts never rewrites them.
#[derive(Default)]
pub(super) struct Part {
    pub(super) node_base: u32,
    pub(super) block_base: u32,
    pub(super) string_base: u32,
    pub(super) wide_base: u32,
    pub(super) nodes: Vec<Packed>,
    pub(super) blocks: Vec<Block>,
    pub(super) strings: String,
    pub(super) wide: Vec<Wide>,
    /// The nodes that are YAML aliases, ascending: they share a block that
    /// another node (the anchor) owns.
    pub(super) aliases: Vec<u32>,
}

impl Part {
    /// An empty part that starts where this one ends.
    pub(super) fn next(&self) -> Part {
        Part {
            node_base: self.node_base + self.nodes.len() as u32,
            block_base: self.block_base + self.blocks.len() as u32,
            string_base: self.string_base + self.strings.len() as u32,
            wide_base: self.wide_base + self.wide.len() as u32,
            ..Part::default()
        }
    }

    /// A node that is not wide (`Packed::wide_index` is None).
    pub(super) fn inline(p: Packed) -> Node {
        match p.0 & TAG_MASK {
            FALSE => Node::Bool(false),
            TRUE => Node::Bool(true),
            INT => Node::Int((p.0 as i64) >> TAG_BITS),
            STR => Node::Str(StrRef {
                offset: (p.0 >> 32) as u32,
                len: ((p.0 >> TAG_BITS) as u32) & INLINE_STR_LEN,
            }),
            ARRAY => Node::Array((p.0 >> 32) as u32),
            OBJECT => Node::Object((p.0 >> 32) as u32),
            _ => Node::Null,
        }
    }

    /// Any node whose wide part, if it has one, is in this part.
    pub(super) fn decode(&self, p: Packed) -> Node {
        let Some(index) = p.wide_index() else {
            return Part::inline(p);
        };
        match self
            .wide
            .get((index as usize).wrapping_sub(self.wide_base as usize))
        {
            Some(Wide::Int(i)) => Node::Int(*i),
            Some(Wide::Float(f)) => Node::Float(*f),
            Some(Wide::Str(s)) => Node::Str(*s),
            None => Node::Null,
        }
    }

    /// The text of a string of this part.
    pub(super) fn str(&self, s: StrRef) -> &str {
        let start = (s.offset as usize).wrapping_sub(self.string_base as usize);
        self.strings
            .get(start..start + s.len as usize)
            .unwrap_or("")
    }
}

/// Each distinct key text once, with an id.
#[derive(Default)]
pub(super) struct Keys {
    names: Vec<Arc<str>>,
    /// A plain key of up to 7 bytes with its closing quote, little-endian
    /// and zero-padded: raw input starting with these bytes is this key.
    /// `u64::MAX` for the others (no input word matches it: the quote).
    words: Vec<u64>,
    /// Whether raw input bytes equal to the key are the key: no quote,
    /// backslash or control character in it.
    plain: Vec<bool>,
    ids: HashMap<Arc<str>, u32>,
}

impl Keys {
    pub(super) fn intern(&mut self, key: &str) -> Result<u32, &'static str> {
        if let Some(&id) = self.ids.get(key) {
            return Ok(id);
        }
        let id = u32::try_from(self.names.len()).map_err(|_| "too many distinct keys")?;
        let plain = !key.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20);
        let word = if plain && key.len() <= 7 {
            let mut bytes = [0u8; 8];
            bytes[..key.len()].copy_from_slice(key.as_bytes());
            bytes[key.len()] = b'"';
            u64::from_le_bytes(bytes)
        } else {
            u64::MAX
        };
        let name: Arc<str> = key.into();
        self.names.push(name.clone());
        self.words.push(word);
        self.plain.push(plain);
        self.ids.insert(name, id);
        Ok(id)
    }

    #[inline]
    pub(super) fn text(&self, id: u32) -> &str {
        self.names.get(id as usize).map_or("", |n| n)
    }

    /// The key's word (see `words`); `u64::MAX` when it has none.
    #[inline]
    pub(super) fn word(&self, id: u32) -> u64 {
        self.words.get(id as usize).copied().unwrap_or(u64::MAX)
    }

    /// The key's bytes when raw input equal to them is this key.
    #[inline]
    pub(super) fn plain_bytes(&self, id: u32) -> Option<&[u8]> {
        self.plain
            .get(id as usize)
            .copied()
            .unwrap_or(false)
            .then(|| self.text(id).as_bytes())
    }

    pub(super) fn len(&self) -> usize {
        self.names.len()
    }
}

/// Each distinct key list once, with an id.
#[derive(Default)]
pub(super) struct Shapes {
    /// Key ids of every shape, one after another.
    keys: Vec<u32>,
    /// Start and length in `keys`, by shape id.
    spans: Vec<(u32, u32)>,
    ids: HashMap<Box<[u32]>, u32>,
}

impl Shapes {
    /// The shape with these keys, which the caller has checked are distinct.
    pub(super) fn intern(&mut self, keys: &[u32]) -> Result<u32, &'static str> {
        if let Some(&id) = self.ids.get(keys) {
            return Ok(id);
        }
        let id = u32::try_from(self.spans.len()).map_err(|_| "too many distinct objects")?;
        let start = u32::try_from(self.keys.len()).map_err(|_| "too many distinct objects")?;
        self.keys.extend_from_slice(keys);
        self.spans.push((start, keys.len() as u32));
        self.ids.insert(keys.into(), id);
        Ok(id)
    }

    #[inline]
    pub(super) fn keys(&self, shape: u32) -> &[u32] {
        match self.spans.get(shape as usize) {
            Some(&(start, len)) => &self.keys[start as usize..(start + len) as usize],
            None => &[],
        }
    }
}

/// What a reader builds nodes with: the current part, the key and shape
/// tables, and the children of the containers still open.
pub struct Builder {
    /// Parts done (another thread's, and this one's before it).
    pub(super) parts: Vec<Part>,
    /// The part being built.
    pub(super) part: Part,
    /// The part's string bytes, checked as UTF-8 once, by `finish`.
    pub(super) strings: Vec<u8>,
    pub(super) keys: Keys,
    pub(super) shapes: Shapes,
    /// Finished nodes whose container is still open.
    pub(super) scratch: Vec<Packed>,
    /// The key ids of the open objects' entries (JSON keeps them apart
    /// from the values; YAML pushes keys into `scratch` as strings).
    pub(super) scratch_keys: Vec<u32>,
    /// Positions in `scratch` of YAML aliases, ascending (JSON has none).
    pub(super) aliases: Vec<usize>,
    /// The most bytes the arena may take.
    pub(super) limit: usize,
}

impl Builder {
    pub(super) fn new(limit: usize) -> Builder {
        Builder {
            parts: Vec::new(),
            part: Part::default(),
            strings: Vec::new(),
            keys: Keys::default(),
            shapes: Shapes::default(),
            scratch: Vec::with_capacity(1024),
            scratch_keys: Vec::with_capacity(256),
            aliases: Vec::new(),
            limit,
        }
    }

    /// All the parts, finished (the builder keeps the key and shape tables).
    pub(super) fn finish(&mut self) -> Result<Vec<Part>, &'static str> {
        self.seal()?;
        Ok(std::mem::take(&mut self.parts))
    }

    /// Ends the current part; the next starts where it ends.
    fn seal(&mut self) -> Result<(), &'static str> {
        let bytes = std::mem::take(&mut self.strings);
        self.part.strings = String::from_utf8(bytes).map_err(|_| "facts strings are not UTF-8")?;
        let next = self.part.next();
        self.parts.push(std::mem::replace(&mut self.part, next));
        Ok(())
    }

    /// Takes in the arena another thread read (`parts`, with its key and
    /// shape tables), placed after everything here; `nodes` (that thread's,
    /// not yet in a block) are moved to match. Ids inside it are moved by
    /// what this arena holds, and its keys and shapes become ours.
    pub(super) fn absorb(
        &mut self,
        parts: Vec<Part>,
        keys: &Keys,
        shapes: &Shapes,
        levels: &mut [super::split::Level],
    ) -> Result<(), &'static str> {
        self.seal()?;
        let base = self.part.next();
        let end = parts.last().map(Part::next).unwrap_or_default();
        let fits = |a: u32, b: u32| a.checked_add(b).is_some();
        if !(fits(base.node_base, end.node_base)
            && fits(base.block_base, end.block_base)
            && fits(base.string_base, end.string_base)
            && fits(base.wide_base, end.wide_base))
        {
            return Err("more than 4 billion values");
        }
        let key_map: Vec<u32> = keys
            .names
            .iter()
            .map(|k| self.keys.intern(k))
            .collect::<Result<_, _>>()?;
        let mut shape_map = Vec::with_capacity(shapes.spans.len());
        for shape in 0..shapes.spans.len() as u32 {
            let mapped: Vec<u32> = shapes
                .keys(shape)
                .iter()
                .map(|k| key_map[*k as usize])
                .collect();
            shape_map.push(self.shapes.intern(&mapped)?);
        }
        let shift = |p: Packed| p.shifted(base.block_base, base.string_base, base.wide_base);
        for mut part in parts {
            for node in &mut part.nodes {
                *node = shift(*node);
            }
            for block in &mut part.blocks {
                block.start += base.node_base;
                if block.shape != NONE {
                    block.shape = shape_map[block.shape as usize];
                }
            }
            for alias in &mut part.aliases {
                *alias += base.node_base;
            }
            part.node_base += base.node_base;
            part.block_base += base.block_base;
            part.string_base += base.string_base;
            part.wide_base += base.wide_base;
            self.part = part.next();
            self.parts.push(part);
        }
        for level in levels {
            for node in &mut level.values {
                *node = shift(*node);
            }
            for key in &mut level.keys {
                *key = key_map[*key as usize];
            }
        }
        Ok(())
    }

    /// Bytes held, for the memory limit.
    fn bytes(&self) -> usize {
        self.part.nodes.capacity() * 8
            + self.part.blocks.capacity() * std::mem::size_of::<Block>()
            + self.strings.capacity()
            + self.part.wide.capacity() * std::mem::size_of::<Wide>()
            + self.scratch.capacity() * 8
    }

    /// Checks the memory limit (after a buffer grew).
    #[cold]
    fn within_limit(&self) -> Result<(), &'static str> {
        if self.bytes() > self.limit {
            Err(LIMIT)
        } else {
            Ok(())
        }
    }

    /// Stores a string and returns where it is.
    pub(super) fn string(&mut self, s: &str) -> Result<StrRef, &'static str> {
        self.bytes_string(s.as_bytes())
    }

    /// Stores the bytes of a string, which the caller has checked are UTF-8.
    #[inline]
    pub(super) fn bytes_string(&mut self, s: &[u8]) -> Result<StrRef, &'static str> {
        let offset = self.part.string_base as usize + self.strings.len();
        let (Ok(offset), Ok(len)) = (u32::try_from(offset), u32::try_from(s.len())) else {
            return Err("strings longer than 4 GiB in all");
        };
        if self.strings.capacity() - self.strings.len() < s.len() {
            grow(&mut self.strings, s.len())?;
            self.within_limit()?;
        }
        self.strings.extend_from_slice(s);
        Ok(StrRef { offset, len })
    }

    /// Pushes a string node.
    #[inline]
    pub(super) fn push_string(&mut self, s: &[u8]) -> Result<(), &'static str> {
        let s = self.bytes_string(s)?;
        match Packed::short_str(s) {
            Some(p) => self.push_packed(p),
            None => self.push(Node::Str(s)),
        }
    }

    /// The packed form of a node (its wide part stored on the side).
    pub(super) fn pack(&mut self, node: Node) -> Result<Packed, &'static str> {
        let wide = match node {
            Node::Null => return Ok(Packed::NULL),
            Node::Bool(b) => return Ok(Packed::bool(b)),
            Node::Int(i) => match Packed::small_int(i) {
                Some(p) => return Ok(p),
                None => Wide::Int(i),
            },
            Node::Float(f) => Wide::Float(f),
            Node::Str(s) => match Packed::short_str(s) {
                Some(p) => return Ok(p),
                None => Wide::Str(s),
            },
            Node::Array(b) => return Ok(Packed::array(b)),
            Node::Object(b) => return Ok(Packed::object(b)),
        };
        let index = self.part.wide_base as usize + self.part.wide.len();
        let index = u32::try_from(index).map_err(|_| "more than 4 billion numbers")?;
        grow(&mut self.part.wide, 1)?;
        self.part.wide.push(wide);
        Ok(Packed::wide(index))
    }

    pub(super) fn push(&mut self, node: Node) -> Result<(), &'static str> {
        let p = self.pack(node)?;
        self.push_packed(p)
    }

    #[inline]
    pub(super) fn push_packed(&mut self, p: Packed) -> Result<(), &'static str> {
        if self.scratch.len() == self.scratch.capacity() {
            grow(&mut self.scratch, 1)?;
            self.within_limit()?;
        }
        self.scratch.push(p);
        Ok(())
    }

    /// The node at a position of the open containers' children.
    pub(super) fn scratch_node(&self, at: usize) -> Node {
        self.scratch
            .get(at)
            .map_or(Node::Null, |p| self.part.decode(*p))
    }

    pub(super) fn last(&self) -> Option<Node> {
        self.scratch.last().map(|p| self.part.decode(*p))
    }

    pub(super) fn text_of(&self, node: &Node) -> &str {
        let Node::Str(s) = node else { return "" };
        let start = (s.offset as usize).wrapping_sub(self.part.string_base as usize);
        self.strings
            .get(start..start + s.len as usize)
            .and_then(|b| std::str::from_utf8(b).ok())
            .unwrap_or("")
    }

    /// The values and key ids (none for an array) of a block this builder
    /// finished: YAML merge keys copy a mapping's entries.
    pub(super) fn block_children(&self, block: u32) -> (&[Packed], &[u32]) {
        let index = (block as usize).wrapping_sub(self.part.block_base as usize);
        let Some(b) = self.part.blocks.get(index) else {
            return (&[], &[]);
        };
        let start = (b.start - self.part.node_base) as usize;
        let values = self.part.nodes.get(start..start + b.len as usize);
        (values.unwrap_or(&[]), self.shapes.keys(b.shape))
    }

    /// The position in `scratch` of a key that repeats an earlier one among
    /// the key/value pairs pushed since `mark` (YAML's mappings).
    pub(super) fn duplicate_key(&self, mark: usize) -> Option<usize> {
        let entries = &self.scratch[mark..];
        let mut seen = std::collections::HashSet::new();
        (0..entries.len() / 2)
            .find(|&i| !seen.insert(self.text_of(&self.part.decode(entries[2 * i]))))
            .map(|i| mark + 2 * i)
    }

    /// Ends the container whose children were pushed since `mark` (key,
    /// value, key, value… for an object, whose keys the caller has checked
    /// are distinct) and pushes its node.
    pub(super) fn finish_block(
        &mut self,
        mark: usize,
        is_object: bool,
    ) -> Result<(), &'static str> {
        if !is_object {
            return self.close(mark, NONE);
        }
        let first_key = self.scratch_keys.len();
        let first_alias = self.aliases.partition_point(|&at| at < mark);
        let aliases = self.aliases.split_off(first_alias);
        let mut values = mark;
        for i in (mark..self.scratch.len()).step_by(2) {
            let key = self.text_of(&self.part.decode(self.scratch[i])).to_string();
            let id = self.keys.intern(&key)?;
            self.scratch_keys.push(id);
            self.scratch[values] = self.scratch[i + 1];
            // An alias keeps its mark on the value, where the value now is.
            if aliases.contains(&(i + 1)) {
                self.aliases.push(values);
            }
            values += 1;
        }
        self.scratch.truncate(values);
        let shape = self.shapes.intern(&self.scratch_keys[first_key..])?;
        self.scratch_keys.truncate(first_key);
        self.close(mark, shape)
    }

    /// Moves the nodes pushed since `mark` into a new block with this shape
    /// (`NONE`: an array) and pushes the container node that owns it.
    pub(super) fn close(&mut self, mark: usize, shape: u32) -> Result<(), &'static str> {
        let count = self.scratch.len() - mark;
        let part = &mut self.part;
        let (Ok(start), Ok(id)) = (
            u32::try_from(part.node_base as usize + part.nodes.len() + count),
            u32::try_from(part.block_base as usize + part.blocks.len() + 1),
        ) else {
            return Err("more than 4 billion values");
        };
        let (start, id) = (start - count as u32, id - 1);
        if part.nodes.capacity() - part.nodes.len() < count
            || part.blocks.len() == part.blocks.capacity()
        {
            grow(&mut part.nodes, count)?;
            grow(&mut part.blocks, 1)?;
            self.within_limit()?;
        }
        let part = &mut self.part;
        let children = &self.scratch[mark..];
        if self.aliases.last().is_some_and(|&at| at >= mark) {
            let first_alias = self.aliases.partition_point(|&at| at < mark);
            let aliases = self.aliases.split_off(first_alias);
            part.aliases
                .extend(aliases.iter().map(|&at| start + (at - mark) as u32));
        }
        part.nodes.extend_from_slice(children);
        self.scratch.truncate(mark);
        part.blocks.push(Block {
            start,
            len: count as u32,
            shape,
        });
        self.scratch.push(if shape == NONE {
            Packed::array(id)
        } else {
            Packed::object(id)
        });
        Ok(())
    }
}

/// The message for an arena past the memory limit (see `limits`).
pub(super) const LIMIT: &str = "facts take more memory than --max-facts-size allows";

/// `Vec::reserve` that reports an allocation failure instead of aborting.
#[cold]
pub(super) fn grow<T>(v: &mut Vec<T>, additional: usize) -> Result<(), &'static str> {
    v.try_reserve(additional).map_err(|_| OUT_OF_MEMORY)
}

/// The message of a failed allocation; the caller names the input and size.
pub(super) const OUT_OF_MEMORY: &str = "not enough memory";
