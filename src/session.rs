//! The library API: a `Session` loads policy files (following `use`),
//! checks them, loads facts and evaluates. The CLI, the REPL and the tests
//! all drive onus through it; it never prints.

use crate::ast::{FrameworkSource, ItemKind, Module, UseTarget};
use crate::check::{self, program::Program};
use crate::diagnostic::{self, Diagnostic};
use crate::eval::{self, Options, Outcome};
use crate::facts::{ErrorKind, Facts, FactsError, FactsFormat, YamlSchema};
use crate::framework::{Catalogs, FileDigest};
use crate::parser;
use crate::source::{FileId, Origin, SourceMap, Span};
use crate::stdlib;
use crate::value::Value;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The largest policy file read by default (`--max-policy-bytes`). Parsing
/// holds about 200 bytes per byte of the densest text (a token per byte:
/// the token, its span and its tree node), so this keeps a policy under
/// a gigabyte; hand-written policies are a thousand times smaller.
pub const MAX_POLICY_BYTES: u64 = 4 << 20;

#[derive(Clone)]
pub struct LoadedModule {
    pub file: FileId,
    pub module: Module,
    pub std: bool,
}

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

/// A report's name for facts read from `source`.
pub(crate) fn facts_digest(source: &str, digest: &crate::facts::Digest) -> FileDigest {
    FileDigest {
        path: source.to_string(),
        bytes: digest.bytes,
        sha256: digest.sha256.clone(),
    }
}

/// Where a run came from, so that a report filed as evidence can be traced
/// to its exact inputs.
#[derive(Clone, Debug)]
pub struct RunInfo {
    pub onus_version: &'static str,
    pub now: jiff::civil::Date,
    pub started_at: jiff::Timestamp,
    /// Policy files read from disk, in load order (std is part of the version).
    pub policy_files: Vec<FileDigest>,
    pub facts: Vec<FileDigest>,
    /// Framework catalogs read from disk.
    pub frameworks: Vec<FileDigest>,
}

/// The load as it was at one moment (`Session::checkpoint`), to return to
/// with `Session::rollback`: the REPL tries a declaration this way.
pub struct Checkpoint {
    modules: Vec<LoadedModule>,
    diagnostics: Vec<Diagnostic>,
    std_loaded: bool,
}

pub struct Session {
    pub sources: SourceMap,
    pub modules: Vec<LoadedModule>,
    /// Load, syntax and check diagnostics (evaluation adds its own).
    pub diagnostics: Vec<Diagnostic>,
    pub program: Program,
    pub facts: Vec<FactsInput>,
    pub options: Options,
    /// How much one facts input may take, and how many threads read it.
    pub facts_limits: crate::facts::Limits,
    /// How YAML facts resolve plain scalars (`--yaml-schema`).
    pub yaml_schema: YamlSchema,
    /// Read JSON-lines facts a batch at a time where the policy allows it
    /// (`onus check`; see `streaming`): they are opened when loaded, and
    /// read by `evaluate_streaming`.
    pub stream_json_lines: bool,
    /// JSON-lines facts opened, not yet read.
    pub(crate) streams: Vec<crate::streaming::Deferred>,
    /// The digests of JSON-lines facts read a batch at a time.
    pub(crate) streamed: Vec<FileDigest>,
    /// Policy files larger than this are refused (F001) before parsing.
    pub max_policy_bytes: u64,
    /// `--strict`: diagnostics that are warnings by default become errors.
    pub strict: bool,
    /// When the run started; reports print it (`RunInfo`).
    pub started_at: jiff::Timestamp,
    /// Framework catalogs, read once per path for the session's life.
    pub catalogs: Catalogs,
    /// Size and SHA-256 of each policy file read from disk.
    digests: HashMap<FileId, FileDigest>,
    /// Texts that stand in for files on disk, by canonical path: the
    /// language server's unsaved editor buffers.
    pub overlays: HashMap<PathBuf, String>,
    std_loaded: bool,
    /// The file of each loaded module read from disk, by canonical path,
    /// so that a file `use`d or named again is found at once.
    loaded_paths: HashMap<PathBuf, FileId>,
    /// The std files loaded (`std`'s and `use std.NAME`'s), by name.
    loaded_std: HashSet<&'static str>,
}

impl Session {
    pub fn new(options: Options) -> Session {
        Session {
            sources: SourceMap::default(),
            modules: Vec::new(),
            diagnostics: Vec::new(),
            program: Program::default(),
            facts: Vec::new(),
            options,
            facts_limits: crate::facts::Limits::default(),
            yaml_schema: YamlSchema::default(),
            stream_json_lines: false,
            streams: Vec::new(),
            streamed: Vec::new(),
            max_policy_bytes: MAX_POLICY_BYTES,
            strict: false,
            started_at: jiff::Timestamp::now(),
            catalogs: Catalogs::default(),
            digests: HashMap::new(),
            overlays: HashMap::new(),
            std_loaded: false,
            loaded_paths: HashMap::new(),
            loaded_std: HashSet::new(),
        }
    }

    /// Loads a policy file, or every `.onus` file below a directory. What
    /// the walk cannot read (a directory, a `.onus` name that is not a
    /// regular file) is an F001 error: never skipped silently.
    pub fn load_path(&mut self, path: &Path) {
        if path.is_dir() {
            let mut files = Vec::new();
            let unreadable = self.diagnostics.len();
            collect_onus_files(path, &mut files, &mut self.diagnostics);
            files.sort();
            if files.is_empty() && self.diagnostics.len() == unreadable {
                self.diagnostics.push(
                    Diagnostic::error(
                        "F002",
                        format!("no .onus files in directory {}", path.display()),
                    )
                    .with_help("give a policy file or a directory that contains .onus files"),
                );
            }
            for f in files {
                self.load_file(&f, None);
            }
        } else {
            self.load_file(path, None);
        }
    }

    /// Loads policy text that is not on disk (REPL input, tests).
    pub fn load_source(&mut self, name: &str, text: String) -> FileId {
        let file = self
            .sources
            .add(Origin::Memory(name.to_string()), name.to_string(), text);
        self.parse_and_follow(file, false);
        file
    }

    fn load_file(&mut self, path: &Path, used_at: Option<Span>) -> Option<FileId> {
        let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        if let Some(&id) = self.loaded_paths.get(&canonical) {
            return Some(id);
        }
        let origin = Origin::Path(canonical.clone());
        let read = match self.overlays.get(&canonical) {
            Some(text) => Ok(text.clone().into_bytes()),
            None => read_policy(path, self.max_policy_bytes),
        };
        let bytes = match read {
            Ok(b) => b,
            Err(e) => {
                let mut d = Diagnostic::error(
                    "F001",
                    format!("cannot read policy {}: {e}", display_name(path)),
                );
                if matches!(e, PolicyReadError::TooLarge { .. }) {
                    d = d.with_help("raise the limit with --max-policy-bytes N if this file is meant to be this large");
                }
                if let Some(span) = used_at {
                    d = d.with_label(span, "used here");
                }
                self.diagnostics.push(d);
                return None;
            }
        };
        let digest = FileDigest::of(display_name(path), &[&bytes]);
        let (text, invalid_at) = match String::from_utf8(bytes) {
            Ok(t) => (t, None),
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                (String::from_utf8_lossy(e.as_bytes()).into_owned(), Some(at))
            }
        };
        let file = self.sources.add(origin, display_name(path), text);
        self.digests.insert(file, digest);
        if let Some(at) = invalid_at {
            self.diagnostics.push(
                Diagnostic::error("F003", "policy file is not valid UTF-8")
                    .with_label(
                        Span::new(file, at..at + '\u{FFFD}'.len_utf8()),
                        "invalid byte here",
                    )
                    .with_help("onus reads policies as UTF-8 text"),
            );
            // An empty module marks the file as loaded, so it is read once.
            self.push_module(LoadedModule {
                file,
                module: Module { items: Vec::new() },
                std: false,
            });
            return Some(file);
        }
        self.parse_and_follow(file, false);
        Some(file)
    }

    /// Keeps a module, indexing its path when it came from disk.
    fn push_module(&mut self, module: LoadedModule) {
        match &self.sources.get(module.file).origin {
            Origin::Path(path) => {
                self.loaded_paths.insert(path.clone(), module.file);
            }
            Origin::Std(name) => {
                self.loaded_std.insert(name);
            }
            Origin::Memory(_) => {}
        }
        self.modules.push(module);
    }

    fn load_std(&mut self) {
        if self.std_loaded {
            return;
        }
        self.std_loaded = true;
        for (name, text) in stdlib::FILES {
            let file = self
                .sources
                .add(Origin::Std(name), name.to_string(), text.to_string());
            self.parse_and_follow(file, true);
        }
    }

    /// Loads `use std.NAME` once per load; an unknown NAME is an error at
    /// the `use`.
    fn load_std_module(&mut self, module: &str, span: Span) {
        let Some((_, name, text)) = stdlib::MODULES.iter().find(|(m, ..)| *m == module) else {
            let known: Vec<String> = stdlib::MODULES
                .iter()
                .map(|(m, ..)| format!("std.{m}"))
                .collect();
            self.diagnostics.push(
                Diagnostic::error("F006", format!("no standard library module `std.{module}`"))
                    .with_label(span, "not in the standard library")
                    .with_help(format!(
                        "the standard library has `std` and {}",
                        known.join(", ")
                    )),
            );
            return;
        };
        if self.loaded_std.contains(name) {
            return;
        }
        let file = self
            .sources
            .add(Origin::Std(name), name.to_string(), text.to_string());
        self.parse_and_follow(file, true);
    }

    /// Parses a file, keeps its module, and loads what it `use`s.
    fn parse_and_follow(&mut self, file: FileId, std: bool) {
        let parsed = parser::parse_module(&self.sources.get(file).text, file);
        self.diagnostics.extend(parsed.diagnostics);
        let uses: Vec<UseTarget> = parsed
            .module
            .items
            .iter()
            .filter_map(|i| match &i.kind {
                ItemKind::Use(u) => Some(u.clone()),
                _ => None,
            })
            .collect();
        let dir = self.sources.get(file).dir().map(Path::to_path_buf);
        for item in &parsed.module.items {
            if let ItemKind::Framework(f) = &item.kind
                && let FrameworkSource::Catalog(path) = &f.source
            {
                let base = dir.clone().unwrap_or_default();
                self.catalogs.load(&base, &path.value, display_name);
            }
        }
        self.push_module(LoadedModule {
            file,
            module: parsed.module,
            std,
        });
        for u in uses {
            match u {
                UseTarget::Std(_) => self.load_std(),
                UseTarget::StdModule(module, span) => self.load_std_module(&module, span),
                UseTarget::Path(p, span) => {
                    let target = dir.clone().unwrap_or_default().join(&p);
                    if target.extension().and_then(|e| e.to_str()) != Some("onus") {
                        self.diagnostics.push(
                            Diagnostic::error(
                                "F004",
                                format!("`use` loads .onus files, not \"{p}\""),
                            )
                            .with_label(span, "not a policy file"),
                        );
                        continue;
                    }
                    self.load_file(&target, Some(span));
                }
            }
        }
    }

    /// Runs name resolution, type checks and the ownership analysis over
    /// everything loaded. Call again after loading more.
    pub fn check(&mut self) {
        let inputs: Vec<check::Input> = self
            .modules
            .iter()
            .map(|m| check::Input {
                file: m.file,
                module: &m.module,
                std: m.std,
            })
            .collect();
        let (program, mut diags) =
            check::check(&inputs, &self.sources, self.options.now, &self.catalogs);
        if self.strict {
            check::apply_strict(&mut diags);
        }
        self.program = program;
        self.diagnostics.retain(|d| !is_check_code(d.code));
        self.diagnostics.extend(diags);
        diagnostic::normalize(&mut self.diagnostics);
    }

    /// Remembers the loaded modules and diagnostics; sources stay added.
    pub fn checkpoint(&self) -> Checkpoint {
        Checkpoint {
            modules: self.modules.clone(),
            diagnostics: self.diagnostics.clone(),
            std_loaded: self.std_loaded,
        }
    }

    /// Returns to a checkpoint: everything loaded or taken out since is
    /// undone, and the program is checked again.
    pub fn rollback(&mut self, to: Checkpoint) {
        self.modules = to.modules;
        self.diagnostics = to.diagnostics;
        self.std_loaded = to.std_loaded;
        // A file whose module was taken out counts as not loaded.
        let sources = &self.sources;
        self.loaded_paths = self
            .modules
            .iter()
            .filter_map(|m| match &sources.get(m.file).origin {
                Origin::Path(path) => Some((path.clone(), m.file)),
                _ => None,
            })
            .collect();
        self.loaded_std = self
            .modules
            .iter()
            .filter_map(|m| match &sources.get(m.file).origin {
                Origin::Std(name) => Some(*name),
                _ => None,
            })
            .collect();
        self.check();
    }

    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

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

    /// Evaluates every control and assertion (static analysis only when no
    /// facts are loaded). Call only when `has_errors()` is false.
    pub fn evaluate(&self) -> Result<Outcome, String> {
        let root = self.facts_root()?;
        Ok(eval::evaluate(
            &self.program,
            root,
            self.fact_nodes(),
            &self.options,
        ))
    }

    /// Every diagnostic of a run, for its reports: the session's, then
    /// those of the evaluation, if there was one.
    pub fn run_diagnostics(&self, outcome: Option<&Outcome>) -> Vec<Diagnostic> {
        let mut diagnostics = self.diagnostics.clone();
        if let Some(o) = outcome {
            diagnostics.extend(o.diagnostics.iter().cloned());
        }
        diagnostics
    }

    /// The coverage of framework `name` by the loaded controls, with their
    /// statuses from `outcome` (see `coverage`); an N015 error when no
    /// framework has that name.
    #[allow(
        clippy::result_large_err,
        reason = "called once per command; the error is rendered at once"
    )]
    pub fn coverage<'s>(
        &'s self,
        name: &str,
        outcome: &'s Outcome,
    ) -> Result<crate::coverage::Coverage<'s>, Diagnostic> {
        let names = self.program.frameworks.iter().map(|f| f.id.as_str());
        let Some(framework) = self.program.framework(name) else {
            let d = Diagnostic::error("N015", format!("unknown framework `{name}`"));
            // `nist` for `nist_800_53`: a prefix says more than a spelling.
            let d = match names.clone().find(|n| n.starts_with(name)) {
                Some(longer) => d.with_help(format!("did you mean `{longer}`?")),
                None => check::with_suggestion(d, name, names.clone()),
            };
            let declared: Vec<&str> = names.collect();
            return Err(d.or_help(if declared.is_empty() {
                "declare one in the policy: `framework NAME from \"catalog.json\"` (OSCAL) or `framework NAME \"title\" { \"ID\": \"text\" }`".to_string()
            } else {
                format!("the policy declares {}", declared.join(", "))
            }));
        };
        Ok(crate::coverage::coverage(
            &self.program,
            outcome,
            framework,
            !self.facts.is_empty(),
        ))
    }

    /// The run's provenance: version, dates, and every input with its digest.
    pub fn run_info(&self) -> RunInfo {
        let policy_files = self
            .modules
            .iter()
            .filter_map(|m| self.digests.get(&m.file).cloned())
            .collect();
        let frameworks = self
            .program
            .frameworks
            .iter()
            .filter_map(|f| f.digest.clone())
            .collect();
        RunInfo {
            onus_version: env!("CARGO_PKG_VERSION"),
            now: self.options.now,
            started_at: self.started_at,
            policy_files,
            facts: self
                .facts
                .iter()
                .filter_map(FactsInput::digest)
                .chain(&self.streamed)
                .cloned()
                .collect(),
            frameworks,
        }
    }

    pub fn file_name(&self, id: FileId) -> &str {
        &self.sources.get(id).name
    }

    /// Parses, checks and evaluates one expression against the loaded
    /// policy and facts (the REPL's input). The source is added to the
    /// session under `name`, so diagnostics can point into it.
    pub fn eval_expr<T>(
        &mut self,
        name: &str,
        src: &str,
        show: impl FnOnce(&Value<'_>) -> T,
    ) -> Result<T, Vec<Diagnostic>> {
        let file = self.sources.add(
            Origin::Memory(name.to_string()),
            name.to_string(),
            src.to_string(),
        );
        let (expr, mut diags, _) = parser::parse_expr(src, file);
        let Some(expr) = expr.filter(|_| !diags.iter().any(Diagnostic::is_error)) else {
            return Err(diags);
        };
        let (ir, slots, lower_diags) = check::lower_expr(&self.program, &expr);
        diags.extend(lower_diags);
        if diags.iter().any(Diagnostic::is_error) {
            return Err(diags);
        }
        let root = self
            .facts_root()
            .map_err(|m| vec![Diagnostic::error("F012", m)])?;
        let ev = eval::Evaluator::new(&self.program, root, self.fact_nodes(), &self.options);
        let mut machine = eval::Machine::new(&ev, slots);
        // Shown as it is: a shared list shows which of its elements failed.
        match machine.eval_shared(&ir) {
            Ok(v) => Ok(show(&v)),
            Err(e) => Err(vec![
                Diagnostic::error("E001", e.message()).with_label(e.span, "while evaluating this"),
            ]),
        }
    }
}

/// Codes produced by `check` (recomputed on every call), as opposed to
/// load and syntax diagnostics (kept).
fn is_check_code(code: &str) -> bool {
    matches!(
        code.as_bytes().first(),
        Some(b'N' | b'T' | b'O' | b'W' | b'A')
    ) || crate::framework::CATALOG_CODES.contains(&code)
}

/// Every `.onus` file below `dir`, in `out`; an F001 error in `problems`
/// for each directory that cannot be read and each `.onus` name that is
/// not a regular file (or a link to one): a FIFO would block the read
/// forever, and a policy onus did not read must never make a run look
/// clean. Like Go's tools, the walk skips directories whose names start
/// with `.` or `_` (hidden, or set aside on purpose) and `target` (build
/// output); it does not follow symbolic links to directories, so it
/// cannot loop.
pub(crate) fn collect_onus_files(
    dir: &Path,
    out: &mut Vec<PathBuf>,
    problems: &mut Vec<Diagnostic>,
) {
    let unreadable = |e: &std::io::Error| {
        Diagnostic::error(
            "F001",
            format!(
                "cannot read directory {}: {}",
                display_name(dir),
                io_reason(e)
            ),
        )
        .with_help("onus does not skip policies it cannot read: make the directory readable, or rename it to start with `_` to set it aside")
    };
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => return problems.push(unreadable(&e)),
    };
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                problems.push(unreadable(&e));
                continue;
            }
        };
        let path = entry.path();
        let file_type = match entry.file_type() {
            Ok(t) => t,
            Err(e) => {
                problems.push(unreadable(&e));
                continue;
            }
        };
        if file_type.is_dir() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if !(name.starts_with('.') || name.starts_with('_') || name == "target") {
                collect_onus_files(&path, out, problems);
            }
        } else if path.extension().and_then(|e| e.to_str()) == Some("onus") {
            // A link is judged by its target; a broken one is reported
            // when it is read.
            match std::fs::metadata(&path) {
                Ok(meta) if !meta.is_file() => problems.push(
                    Diagnostic::error(
                        "F001",
                        format!(
                            "cannot read policy {}: {}, not a regular file",
                            display_name(&path),
                            file_kind(&meta.file_type())
                        ),
                    )
                    .with_help("a policy directory holds policy files; move this one out, or give it another name"),
                ),
                _ => out.push(path),
            }
        }
    }
}

/// What a file that is not a regular one is, for messages.
pub(crate) fn file_kind(t: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
    }
    if t.is_dir() {
        "a directory"
    } else {
        "a special file"
    }
}

/// Why a policy file was not read.
#[derive(Debug)]
pub(crate) enum PolicyReadError {
    Io(std::io::Error),
    /// Longer than the limit; the size when it was known before reading.
    TooLarge {
        size: Option<u64>,
        limit: u64,
    },
}

impl std::fmt::Display for PolicyReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PolicyReadError::Io(e) => f.write_str(&io_reason(e)),
            PolicyReadError::TooLarge { size, limit } => {
                match size {
                    Some(size) => write!(f, "{}", bytes(*size))?,
                    None => write!(f, "more than {}", bytes(*limit))?,
                }
                write!(
                    f,
                    " is over the limit of {} for a policy file",
                    bytes(*limit)
                )
            }
        }
    }
}

/// The bytes of a policy file, or why not: a file longer than `limit`
/// (checked before reading where the size is known, and while reading
/// where it is not) is refused.
pub(crate) fn read_policy(path: &Path, limit: u64) -> Result<Vec<u8>, PolicyReadError> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(PolicyReadError::Io)?;
    let meta = file.metadata().map_err(PolicyReadError::Io)?;
    if meta.is_dir() {
        return Err(PolicyReadError::Io(std::io::ErrorKind::IsADirectory.into()));
    }
    if meta.is_file() && meta.len() > limit {
        return Err(PolicyReadError::TooLarge {
            size: Some(meta.len()),
            limit,
        });
    }
    let mut content = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut content)
        .map_err(PolicyReadError::Io)?;
    if content.len() as u64 > limit {
        return Err(PolicyReadError::TooLarge { size: None, limit });
    }
    Ok(content)
}

/// A size as people read it: `4 MiB`, `23.8 MiB`, `97.7 KiB`, `512 bytes`.
fn bytes(n: u64) -> String {
    for (unit, size) in [("MiB", 1u64 << 20), ("KiB", 1 << 10)] {
        if n >= size && n.is_multiple_of(size) {
            return format!("{} {unit}", n / size);
        }
        if n >= size {
            return format!("{:.1} {unit}", n as f64 / size as f64);
        }
    }
    format!("{n} bytes")
}

/// A path as the user would write it: relative to the working directory
/// when it is below it.
pub fn display_name(path: &Path) -> String {
    let cwd = std::env::current_dir().ok();
    let absolute = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let cwd_canonical = cwd.as_ref().and_then(|c| c.canonicalize().ok());
    for base in [cwd.as_ref(), cwd_canonical.as_ref()].into_iter().flatten() {
        if let Ok(rel) = absolute.strip_prefix(base) {
            return rel.display().to_string();
        }
    }
    path.display().to_string()
}

pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::IsADirectory => "is a directory".into(),
        _ => e.to_string(),
    }
}

impl Session {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> Session {
        Session::new(Options {
            now: jiff::civil::date(2026, 11, 22),
            max_steps: None,
            timeout: None,
            jobs: None,
            show_passed: false,
        })
    }

    #[test]
    fn rollback_undoes_loads_and_their_diagnostics() {
        let mut s = session();
        s.load_source("a", "let a = 1".into());
        s.check();
        let checkpoint = s.checkpoint();
        s.load_source("b", "use std\nlet b = nowhere".into());
        s.check();
        assert!(s.has_errors());
        assert_eq!(s.program.globals.len(), 2);
        s.rollback(checkpoint);
        assert!(!s.has_errors(), "{:?}", s.diagnostics);
        assert_eq!(s.program.globals.len(), 1);
        assert!(s.program.layers.is_empty(), "std is unloaded too");
        s.load_source("c", "use std".into());
        s.check();
        assert!(!s.program.layers.is_empty(), "and loads again");
    }

    #[cfg(unix)]
    #[test]
    fn directory_walks_skip_hidden_set_aside_and_build_folders_and_do_not_loop() {
        let dir = std::env::temp_dir().join(format!("onus-walk-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for sub in ["sub", ".git", "_old", "target", ".hidden/deeper"] {
            let _ = std::fs::create_dir_all(dir.join(sub));
        }
        for file in [
            "a.onus",
            "sub/b.onus",
            ".git/c.onus",
            "_old/c.onus",
            "target/d.onus",
            ".hidden/deeper/e.onus",
        ] {
            let _ = std::fs::write(dir.join(file), "use std\n");
        }
        // A link back to the top, and one to a folder walked anyway.
        let _ = std::os::unix::fs::symlink(&dir, dir.join("sub/up"));
        let _ = std::os::unix::fs::symlink(dir.join("sub"), dir.join("again"));
        let mut files = Vec::new();
        let mut problems = Vec::new();
        collect_onus_files(&dir, &mut files, &mut problems);
        assert!(problems.is_empty(), "{problems:?}");
        files.sort();
        let names: Vec<String> = files
            .iter()
            .map(|f| f.strip_prefix(&dir).unwrap_or(f).display().to_string())
            .collect();
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(names, ["a.onus", "sub/b.onus"]);
    }

    #[test]
    fn a_file_taken_out_by_rollback_is_read_again() {
        let dir = std::env::temp_dir().join(format!("onus-rollback-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let file = dir.join("x.onus");
        let _ = std::fs::write(&file, "let x = nope");
        let mut s = session();
        let checkpoint = s.checkpoint();
        s.load_path(&file);
        s.check();
        assert!(s.has_errors());
        s.rollback(checkpoint);
        let _ = std::fs::write(&file, "let x = 1");
        s.load_path(&file);
        s.check();
        let _ = std::fs::remove_dir_all(&dir);
        assert!(!s.has_errors(), "{:?}", s.diagnostics);
        assert_eq!(s.program.globals.len(), 1);
    }
}
