//! The library API: a `Session` loads policy files (following `use`),
//! checks them, loads facts and evaluates. The CLI, the REPL and the tests
//! all drive onus through it; it never prints. This file holds the session
//! itself (check, rollback, evaluation, coverage); loading policies, the file
//! system, facts and provenance are in the modules below.

mod facts;
mod files;
mod load;
mod run_info;

pub(crate) use facts::facts_error;
pub use facts::{FactsInput, combine_facts};
pub use files::{JsonTextError, display_name, io_reason, read_json_text};
pub(crate) use files::{collect_onus_files, file_kind, read_policy, read_policy_from};
pub use load::MAX_POLICY_BYTES;
pub use run_info::RunInfo;
pub(crate) use run_info::facts_digest;

use crate::ast::Module;
use crate::check::{self, program::Program};
use crate::diagnostic::{self, Diagnostic};
use crate::eval::{self, Options, Outcome};
use crate::facts::YamlSchema;
use crate::framework::{Catalogs, FileDigest};
use crate::parser;
use crate::source::{FileId, Origin, SourceMap};
use crate::value::Value;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

#[derive(Clone)]
pub struct LoadedModule {
    pub file: FileId,
    pub module: Module,
    pub std: bool,
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
