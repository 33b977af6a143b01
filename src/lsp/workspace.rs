//! The server's one analysis state: the open documents and the settings
//! in, a checked `Session` (with its name index) per load root out. A
//! document's load root is its project (the nearest folder with an
//! `onus.toml`) or, outside any project, the document itself with what it
//! `use`s, as `onus check FILE` loads it. Unsaved text stands in for the
//! file on disk, in every load that reads the file.

use super::index::Index;
use super::position::Address;
use crate::check::program::Status;
use crate::diagnostic::Diagnostic;
use crate::eval::Options;
use crate::facts::YamlSchema;
use crate::session::Session;
use crate::source::{FileId, Origin};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// How long the controls' statuses may take to evaluate.
const EVALUATION_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// The project file a language server looks for above each document.
pub const PROJECT_FILE: &str = "onus.toml";

/// Settings from an `onus.toml`, or from the client's initialization
/// options (the same keys, paths relative to the workspace folder).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Policy files or folders loaded with every document.
    #[serde(default)]
    pub paths: Vec<String>,
    /// Facts, as `--facts` takes them: `[NAME=]FILE`.
    #[serde(default)]
    pub facts: Vec<String>,
    /// The run's date (`--now`), for waivers and `days_since`.
    pub now: Option<String>,
    /// How YAML facts are read (`--yaml-schema`): "1.1" or "1.2".
    pub yaml_schema: Option<String>,
}

impl Settings {
    pub fn read(dir: &Path) -> Result<Settings, String> {
        let path = dir.join(PROJECT_FILE);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        basic_toml::from_str(&text).map_err(|e| format!("invalid {}: {e}", path.display()))
    }
}

/// What is loaded together.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Root {
    /// A folder with an `onus.toml`.
    Project(PathBuf),
    /// A document outside any project: it and what it uses.
    File(PathBuf),
}

/// One load: a checked session and where its names are written.
pub struct Analysis {
    pub session: Session,
    pub index: Index,
    /// Problems with the settings or the facts, shown on the document.
    pub problems: Vec<Diagnostic>,
    /// The document the load started from.
    pub document: PathBuf,
    statuses: OnceLock<HashMap<String, Status>>,
}

impl Analysis {
    fn load(
        root: &Root,
        document: &Path,
        base: &Settings,
        overlays: &HashMap<PathBuf, String>,
    ) -> Analysis {
        let (dir, settings, mut problems) = match root {
            Root::Project(dir) => match Settings::read(dir) {
                Ok(s) => (dir.clone(), s, Vec::new()),
                Err(m) => (
                    dir.clone(),
                    Settings::default(),
                    vec![Diagnostic::error("F013", m)],
                ),
            },
            Root::File(_) => (base_dir(document), base.clone(), Vec::new()),
        };
        let now = match settings.now.as_deref().map(str::parse::<jiff::civil::Date>) {
            Some(Ok(date)) => date,
            Some(Err(_)) => {
                problems.push(Diagnostic::error(
                    "F013",
                    "`now` in the settings is not a date (YYYY-MM-DD)",
                ));
                today()
            }
            None => today(),
        };
        let mut session = Session::new(Options {
            now,
            max_steps: None,
            // A hover must not wait on a slow evaluation for long.
            timeout: Some(EVALUATION_TIMEOUT),
            jobs: None,
            show_passed: false,
        });
        session.overlays = overlays.clone();
        match settings.yaml_schema.as_deref().map(YamlSchema::parse) {
            Some(Ok(schema)) => session.yaml_schema = schema,
            Some(Err(why)) => problems.push(Diagnostic::error(
                "F013",
                format!("`yaml_schema` in the settings: {why}"),
            )),
            None => {}
        }
        let paths = if settings.paths.is_empty() && matches!(root, Root::Project(_)) {
            vec![".".to_string()]
        } else {
            settings.paths.clone()
        };
        for p in &paths {
            session.load_path(&dir.join(p));
        }
        session.load_path(document);
        session.check();
        for spec in &settings.facts {
            let (name, file) = match spec.split_once('=') {
                Some((n, f)) if crate::lexer::is_identifier(n) => (Some(n), f),
                _ => (None, spec.as_str()),
            };
            let file = dir.join(file).display().to_string();
            let spec = match name {
                Some(n) => format!("{n}={file}"),
                None => file,
            };
            if let Err(d) = session.load_facts_spec(&spec) {
                problems.push(d);
            }
        }
        let index = Index::build(&session);
        Analysis {
            session,
            index,
            problems,
            document: document.to_path_buf(),
            statuses: OnceLock::new(),
        }
    }

    /// A load of the standard library alone, for its documents when no
    /// open policy uses it.
    fn std_only() -> Analysis {
        let mut session = Session::new(Options {
            now: today(),
            max_steps: None,
            timeout: None,
            jobs: None,
            show_passed: false,
        });
        session.load_source("<std-only>", "use std\n".into());
        session.check();
        let index = Index::build(&session);
        Analysis {
            session,
            index,
            problems: Vec::new(),
            document: PathBuf::new(),
            statuses: OnceLock::new(),
        }
    }

    /// The file of an address in this load, if it was loaded.
    pub fn file(&self, address: &Address) -> Option<FileId> {
        let origin = match address {
            Address::File(p) => Origin::Path(canonical(p)),
            Address::Std(name) => {
                let name = crate::stdlib::FILES.iter().find(|(n, _)| n == name)?.0;
                Origin::Std(name)
            }
        };
        self.session.sources.find(&origin)
    }

    /// Where a loaded file is.
    pub fn address(&self, file: FileId) -> Option<Address> {
        match &self.session.sources.get(file).origin {
            Origin::Path(p) => Some(Address::File(p.clone())),
            Origin::Std(name) => Some(Address::Std(name.to_string())),
            Origin::Memory(_) => None,
        }
    }

    /// Each control's status from the configured facts, computed the first
    /// time it is asked for; empty without facts or when the policy has
    /// errors (it is not evaluated then).
    pub fn statuses(&self) -> &HashMap<String, Status> {
        self.statuses.get_or_init(|| {
            if self.session.facts.is_empty() || self.session.has_errors() {
                return HashMap::new();
            }
            let Ok(outcome) = self.session.evaluate() else {
                return HashMap::new();
            };
            self.session
                .program
                .controls
                .iter()
                .zip(&outcome.controls)
                .map(|(c, r)| (c.id.clone(), r.status))
                .collect()
        })
    }

    /// Every diagnostic of the load: the session's, then the settings'.
    pub fn diagnostics(&self) -> impl Iterator<Item = &Diagnostic> {
        self.session.diagnostics.iter().chain(&self.problems)
    }
}

fn today() -> jiff::civil::Date {
    jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
}

fn base_dir(document: &Path) -> PathBuf {
    document.parent().map(Path::to_path_buf).unwrap_or_default()
}

/// A path as the session keys its files: canonical when it exists.
pub fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

/// An open document.
pub struct Document {
    pub text: String,
    pub version: i32,
}

#[derive(Default)]
pub struct Workspace {
    /// The initialization options, for documents outside any project.
    pub settings: Settings,
    pub documents: BTreeMap<Address, Document>,
    analyses: BTreeMap<Root, Analysis>,
    std_only: OnceLock<Analysis>,
}

impl Workspace {
    pub fn new(settings: Settings) -> Workspace {
        Workspace {
            settings,
            ..Workspace::default()
        }
    }

    /// The load root of a document on disk.
    pub fn root_of(path: &Path) -> Root {
        let mut dir = path.parent();
        while let Some(d) = dir {
            if d.join(PROJECT_FILE).is_file() {
                return Root::Project(d.to_path_buf());
            }
            dir = d.parent();
        }
        Root::File(path.to_path_buf())
    }

    /// Reloads every load that read `changed` (and the changed document's
    /// own), drops the loads no open document needs any more, and makes
    /// the ones that are missing.
    pub fn refresh(&mut self, changed: &Address) {
        let overlays: HashMap<PathBuf, String> = self
            .documents
            .iter()
            .filter_map(|(a, d)| match a {
                Address::File(p) => Some((canonical(p), d.text.clone())),
                Address::Std(_) => None,
            })
            .collect();
        let mut needed: BTreeMap<Root, PathBuf> = BTreeMap::new();
        for address in self.documents.keys() {
            if let Address::File(p) = address {
                needed
                    .entry(Workspace::root_of(p))
                    .or_insert_with(|| p.clone());
            }
        }
        self.analyses.retain(|root, _| needed.contains_key(root));
        let changed_root = match changed {
            Address::File(p) => Some(Workspace::root_of(p)),
            Address::Std(_) => None,
        };
        for (root, document) in needed {
            let stale = match self.analyses.get(&root) {
                None => true,
                Some(a) => Some(&root) == changed_root.as_ref() || a.file(changed).is_some(),
            };
            if stale {
                let analysis = Analysis::load(&root, &document, &self.settings, &overlays);
                self.analyses.insert(root, analysis);
            }
        }
    }

    /// The load that answers for a document: its own root's, or for a std
    /// file any load that has std.
    pub fn analysis(&self, address: &Address) -> Option<&Analysis> {
        match address {
            Address::File(p) => self
                .analyses
                .get(&Workspace::root_of(p))
                .filter(|a| a.file(address).is_some())
                .or_else(|| self.analyses.values().find(|a| a.file(address).is_some())),
            Address::Std(_) => self
                .analyses
                .values()
                .find(|a| a.file(address).is_some())
                .or_else(|| Some(self.std_only.get_or_init(Analysis::std_only))),
        }
    }

    pub fn analyses(&self) -> impl Iterator<Item = (&Root, &Analysis)> {
        self.analyses.iter()
    }

    /// The text of a document as the editor has it, or as it was loaded.
    pub fn text(&self, address: &Address) -> Option<String> {
        if let Some(d) = self.documents.get(address) {
            return Some(d.text.clone());
        }
        match address {
            Address::Std(name) => crate::stdlib::FILES
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, t)| t.to_string()),
            Address::File(p) => std::fs::read_to_string(p).ok(),
        }
    }
}
