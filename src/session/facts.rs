//! Facts as a session takes them: a `--facts` spec or text read into
//! `FactsInput`s (JSON lines deferred to streaming when asked), read errors
//! as F010/F011/F014 diagnostics, and the several documents combined into
//! the one facts root. Facts are read once and never copied afterwards.

use super::Session;
use super::files::{display_name, io_reason};
use super::run_info::facts_digest;
use crate::diagnostic::Diagnostic;
use crate::facts::{ErrorKind, Facts, FactsError, FactsFormat};
use crate::framework::FileDigest;
use crate::value::Value;
use std::path::Path;
use std::sync::Arc;

/// Facts given on the command line, already parsed.
pub struct FactsInput {
    /// Where they came from (path, or `-` for standard input).
    pub source: String,
    pub facts: Facts,
    /// Path, size and SHA-256 of the bytes, hashed as they were read.
    digest: Option<FileDigest>,
}

impl FactsInput {
    pub fn new(source: String, facts: Facts) -> FactsInput {
        let digest = facts.digest().map(|d| facts_digest(&source, d));
        FactsInput {
            source,
            facts,
            digest,
        }
    }

    /// Path, size and SHA-256 of the bytes as they were read (None only
    /// for facts that were never a whole input: a batch of a stream).
    pub fn digest(&self) -> Option<&FileDigest> {
        self.digest.as_ref()
    }
}

impl Session {
    /// Adds parsed facts: `name` None is the root, `Some(n)` is `facts.n`.
    pub fn add_facts(
        &mut self,
        source: String,
        name: Option<String>,
        text: String,
        format: FactsFormat,
    ) -> Result<(), FactsError> {
        let (facts, ambiguities) = Facts::read_noting(
            text.as_bytes(),
            name,
            format,
            &self.facts_limits,
            self.yaml_schema,
        )?;
        self.note_facts(source, facts, &ambiguities);
        Ok(())
    }

    /// The facts root: the single unnamed document, with each named one
    /// added under its name. An error when two unnamed documents are given.
    pub fn facts_root(&self) -> Result<Option<Value<'_>>, String> {
        combine_facts(self.facts.iter().map(|f| &f.facts))
    }

    pub fn fact_nodes(&self) -> usize {
        self.facts.iter().map(|f| f.facts.node_count()).sum()
    }

    /// Loads facts named on a command line: `[NAME=]FILE`, with `-` for
    /// standard input, `.jsonl` read as one document per line and `.yaml`
    /// or `.yml` as YAML. The file is read as a stream, never held whole.
    #[allow(
        clippy::result_large_err,
        reason = "called once per facts file; the error is rendered at once"
    )]
    pub fn load_facts_spec(&mut self, spec: &str) -> Result<(), Diagnostic> {
        let (name, file) = match spec.split_once('=') {
            Some((n, f)) if crate::lexer::is_identifier(n) => (Some(n.to_string()), f),
            _ => (None, spec),
        };
        let format = FactsFormat::of_path(file);
        let limits = self.facts_limits;
        let schema = self.yaml_schema;
        if self.stream_json_lines && format == FactsFormat::JsonLines {
            return self.defer_stream(name, file);
        }
        let (source, read) = if file == "-" {
            let source = "<stdin>".to_string();
            let read = Facts::read_noting(std::io::stdin().lock(), name, format, &limits, schema);
            (source, read.map_err(|e| (e, None)))
        } else {
            let cannot = |reason: String| {
                Diagnostic::error("F010", format!("cannot read facts {file}: {reason}"))
            };
            let opened = std::fs::File::open(file).and_then(|f| Ok((f.metadata()?, f)));
            let (metadata, f) = opened.map_err(|e| cannot(io_reason(&e)))?;
            if metadata.is_dir() {
                return Err(cannot("is a directory".into()));
            }
            let source = display_name(Path::new(file));
            let read = Facts::read_file_noting(f, metadata.len(), name, format, &limits, schema);
            (source, read.map_err(|e| (e, Some(metadata.len()))))
        };
        let (facts, ambiguities) =
            read.map_err(|(e, size)| facts_error(file, &source, e, size, &limits))?;
        self.note_facts(source, facts, &ambiguities);
        Ok(())
    }

    /// Adds read facts, with a warning for each YAML scalar that YAML 1.1
    /// reads otherwise.
    fn note_facts(
        &mut self,
        source: String,
        facts: Facts,
        ambiguities: &[crate::facts::Ambiguity],
    ) {
        let warnings = crate::yaml_warnings::warnings(&source, &facts, ambiguities);
        self.diagnostics.extend(warnings);
        self.facts.push(FactsInput::new(source, facts));
    }
}

/// The diagnostic for facts that could not be read: F010 when the input
/// could not be read, F011 when it is not facts, F014 when it is too large
/// for the limit or for memory.
pub(crate) fn facts_error(
    file: &str,
    source: &str,
    e: FactsError,
    size: Option<u64>,
    limits: &crate::facts::Limits,
) -> Diagnostic {
    let mib = |bytes: u64| bytes.div_ceil(1 << 20);
    match e.kind {
        ErrorKind::Io if file == "-" => Diagnostic::error(
            "F010",
            format!("cannot read facts from standard input: {}", e.message),
        ),
        ErrorKind::Io => Diagnostic::error("F010", format!("cannot read facts {file}: {}", e.message)),
        ErrorKind::Empty => Diagnostic::error("F011", format!("invalid facts {source}: the file is empty"))
            .at(source.to_string(), 1, 1)
            .with_help("facts are a JSON document (or JSON lines in a .jsonl file, or YAML in a .yaml file)"),
        ErrorKind::TooLarge => Diagnostic::error(
            "F014",
            format!(
                "facts {source} take more than the limit of {} MiB",
                mib(limits.max_size)
            ),
        )
        .with_help("raise the limit with --max-facts-size SIZE (e.g. 8G) if the input is expected to be this large"),
        ErrorKind::OutOfMemory => {
            let size = size.map(|s| format!(" ({} MiB)", mib(s))).unwrap_or_default();
            Diagnostic::error("F014", format!("not enough memory to read facts {source}{size}"))
                .with_help("free memory, raise the process's memory limit, or split the facts")
        }
        ErrorKind::Unmarked(encoding) => Diagnostic::error("F011", format!("invalid facts {source}: {}", e.message))
            .at(source.to_string(), e.line, e.column)
            .with_help(format!("convert it to UTF-8, e.g. `iconv -f {encoding} -t UTF-8 {source} > facts.json`, or write it with a byte order mark")),
        ErrorKind::Syntax | ErrorKind::Utf8 => {
            let d = Diagnostic::error("F011", format!("invalid facts {source}: {}", e.message));
            if e.line == 0 {
                d
            } else {
                d.at(source.to_string(), e.line, e.column)
            }
        }
    }
}

/// The facts root of several documents, as `--facts` builds it (and a test's
/// `given`s): the single unnamed document, with each named one added under
/// its name, replacing a key of the same name. An error when two unnamed
/// documents are given, or named ones over an unnamed non-object.
pub fn combine_facts<'a>(
    documents: impl Iterator<Item = &'a Facts> + Clone,
) -> Result<Option<Value<'a>>, String> {
    let mut unnamed = documents.clone().filter(|f| f.mount().is_none());
    let root = unnamed.next().map(|f| Value::from_node(f, f.root()));
    if unnamed.next().is_some() {
        return Err("only one unnamed --facts may be given; name the others with NAME=FILE".into());
    }
    let mut named = documents.filter(|f| f.mount().is_some()).peekable();
    if named.peek().is_none() {
        return Ok(root);
    }
    let mut entries: Vec<(Arc<str>, Value<'a>)> = Vec::new();
    if let Some(root) = root {
        let Some(items) = root.entries() else {
            return Err(
                "the unnamed facts must be a JSON object when named facts are added to it".into(),
            );
        };
        for (k, v) in items {
            entries.push((Arc::from(k.as_str().unwrap_or_default()), v));
        }
    }
    for f in named {
        let name = f.mount().unwrap_or_default();
        entries.retain(|(k, _)| &**k != name);
        entries.push((Arc::from(name), Value::from_node(f, f.root())));
    }
    Ok(Some(Value::object(entries)))
}
