//! Loading policy: a file, a directory's `.onus` files, or text, each
//! parsed once and followed through its `use`s (other files, `std`,
//! `std.NAME`) and framework catalogs. Every file is read at most once per
//! load, within the policy-size limit; what cannot be read is a diagnostic.

use super::files::{PolicyReadError, collect_onus_files, display_name, read_policy};
use super::{LoadedModule, Session};
use crate::ast::{FrameworkSource, ItemKind, Module, UseTarget};
use crate::diagnostic::Diagnostic;
use crate::framework::FileDigest;
use crate::parser;
use crate::source::{FileId, Origin, Span};
use crate::stdlib;
use std::path::Path;

/// The largest policy file read by default (`--max-policy-bytes`). Parsing
/// holds about 200 bytes per byte of the densest text (a token per byte:
/// the token, its span and its tree node), so this keeps a policy under
/// a gigabyte; hand-written policies are a thousand times smaller.
pub const MAX_POLICY_BYTES: u64 = 4 << 20;

impl Session {
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
}
