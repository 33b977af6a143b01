//! The REPL engine on the library's `Session`: input in, a reply out.
//! Expressions go to `Session::eval_expr`; declarations and `:load` are
//! all or nothing (input that would add an error is refused, its errors
//! shown, and the session is as before); a name declared again replaces the
//! earlier declaration. The engine keeps what it loaded (paths, facts, the
//! accepted declarations) so `:reload` can rebuild the session from disk
//! and `:save` can write the declarations out. A reply says whether it
//! reported an error: every diagnostic goes through one renderer, which
//! notes it.

use super::command::{self, Command};
use super::complete::{self, Completion};
use super::declare::{self, Declared, Key};
use super::input::{self, Kind};
use super::{Config, Repl, Reply, explain, views};
use crate::Session;
use crate::ast::{ItemKind, UseTarget};
use crate::diagnostic::{self, Diagnostic};
use crate::escape::terminal;
use crate::report::text::{self, Style};
use crate::report::{Gate, Run};
use crate::value::Value;
use std::cell::Cell;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Diagnostics shown for one input (a policy's are all shown).
const MAX_SHOWN_ERRORS: usize = 5;

pub struct SessionRepl {
    session: Session,
    workspace: Workspace,
    /// Inputs answered so far; input N is the source `<input N>`.
    inputs: usize,
    color: bool,
    /// An error diagnostic was rendered since the reply began.
    errored: Cell<bool>,
}

/// What the session was built from, for `:reload`.
#[derive(Default)]
struct Workspace {
    paths: Vec<PathBuf>,
    /// `[NAME=]FILE` specs with their mount (None: the root), one per mount.
    facts: Vec<(Option<String>, String)>,
    /// Accepted declarations: source name and text, in order.
    declarations: Vec<(String, String)>,
    /// Files `:save` wrote (canonical paths): the only ones it replaces.
    saved: Vec<PathBuf>,
}

impl Repl for SessionRepl {
    fn handle(&mut self, input: &str) -> Reply {
        let kind = input::kind(input);
        if kind == Kind::Empty {
            return Reply::default();
        }
        self.inputs += 1;
        self.errored.set(false);
        let name = format!("<input {}>", self.inputs);
        let mut quit = false;
        let text = match kind {
            Kind::Empty => String::new(),
            Kind::Command => match input.parse::<Command>() {
                Ok(Command::Quit) => {
                    quit = true;
                    String::new()
                }
                Ok(command) => self.command(command, &name),
                Err(d) => self.render(&[d]),
            },
            Kind::Declaration => self.declare(&name, input),
            Kind::Expression => self.evaluate(&name, input, show_value),
        };
        Reply {
            text,
            quit,
            failed: self.errored.get(),
        }
    }

    fn complete(&self, line: &str, pos: usize) -> Completion {
        complete::complete(&self.session, line, pos)
    }

    fn hint(&self, line: &str, pos: usize) -> Option<(String, Option<String>)> {
        complete::hint(line, pos)
    }
}

/// How a value prints: enum words, dates and durations as themselves,
/// everything else as pretty JSON.
fn show_value(value: &Value<'_>) -> String {
    let text = match value {
        Value::Word(_) | Value::Date(_) | Value::Duration(_) => value.display(),
        v => serde_json::to_string_pretty(&v.to_json()).unwrap_or_else(|_| v.display()),
    };
    terminal_lines(&text)
}

/// `:raw`: a string's text as it is (line breaks and all, control
/// characters still made visible); any other value as usual.
fn show_raw(value: &Value<'_>) -> String {
    match value.as_str() {
        Some(text) => terminal_lines(text),
        None => show_value(value),
    }
}

/// Terminal-safe text ending in a newline.
fn terminal_lines(text: &str) -> String {
    let mut out = crate::escape::terminal_block(text).into_owned();
    out.push('\n');
    out
}

impl SessionRepl {
    /// Loads the command line's policies and facts; the reply reports what
    /// went wrong, if anything.
    pub fn start(config: Config, color: bool) -> (SessionRepl, Reply) {
        let mut repl = SessionRepl {
            session: Session::new(config.options),
            workspace: Workspace {
                paths: config.paths,
                ..Workspace::default()
            },
            inputs: 0,
            color,
            errored: Cell::new(false),
        };
        repl.session.yaml_schema = config.yaml_schema;
        let text = repl.rebuild(&config.facts, Vec::new());
        let failed = repl.errored.get();
        (
            repl,
            Reply {
                text,
                quit: false,
                failed,
            },
        )
    }

    /// The errors of one input: the first `MAX_SHOWN_ERRORS`, then how many
    /// more there were, so that a line of garbage gets a short answer.
    fn render_input(&self, diagnostics: &[Diagnostic]) -> String {
        let shown = diagnostics.len().min(MAX_SHOWN_ERRORS);
        let mut out = self.render(&diagnostics[..shown]);
        if diagnostics.len() > shown {
            let _ = writeln!(
                out,
                "note: {} more diagnostics of this input are not shown",
                diagnostics.len() - shown
            );
        }
        out
    }

    /// Every diagnostic a reply shows is rendered here.
    fn render(&self, diagnostics: &[Diagnostic]) -> String {
        if diagnostics.iter().any(Diagnostic::is_error) {
            self.errored.set(true);
        }
        diagnostic::render(diagnostics, &self.session.sources, self.color)
    }

    /// A fresh session from the workspace: policies read again, then
    /// `facts`, then `declarations` applied again in order.
    fn rebuild(&mut self, facts: &[String], declarations: Vec<(String, String)>) -> String {
        let yaml_schema = self.session.yaml_schema;
        self.session = Session::new(self.session.options.clone());
        self.session.yaml_schema = yaml_schema;
        for path in &self.workspace.paths {
            self.session.load_path(path);
        }
        self.session.check();
        let mut out = self.render(&self.session.diagnostics);
        self.workspace.facts.clear();
        for spec in facts {
            match self.load_facts_spec(spec) {
                // Only the facts' warnings: the start does not list what it loads.
                Ok((warnings, _)) => out.push_str(&warnings),
                Err(d) => out.push_str(&self.render(&[d])),
            }
        }
        self.workspace.declarations.clear();
        for (name, text) in declarations {
            match self.apply_declaration(&name, &text) {
                Ok(_) => self.workspace.declarations.push((name, text)),
                Err(report) => {
                    out.push_str(&report);
                    let _ = writeln!(
                        out,
                        "note: the declaration of {name} no longer checks and is dropped"
                    );
                }
            }
        }
        out
    }

    fn command(&mut self, command: Command, name: &str) -> String {
        let result = match command {
            Command::Quit => Ok(String::new()),
            Command::Load(path) => self.load(Path::new(&path)),
            Command::Facts(spec) => self.load_facts(&spec),
            Command::Reload => Ok(self.reload()),
            Command::Check(controls) => self.check(&controls),
            Command::Explain { control, subject } => self.explain(&control, subject.as_deref()),
            Command::Controls => Ok(views::controls(&self.session.program)),
            Command::Services => Ok(views::services(&self.session.program)),
            Command::Owner { service, layer } => self.owner(&service, layer.as_deref()),
            Command::Matrix(services) => self.matrix(&services),
            Command::Type(expr) => {
                Ok(self.evaluate(name, &expr, |v| format!("{}\n", v.type_name())))
            }
            Command::Raw(expr) => Ok(self.evaluate(name, &expr, show_raw)),
            Command::Save(path) => self.save(Path::new(&path)),
            Command::Diagnostics if self.session.diagnostics.is_empty() => {
                Ok("no diagnostics\n".into())
            }
            Command::Diagnostics => Ok(self.render(&self.session.diagnostics)),
            Command::Help(topic) => Ok(command::help(topic)),
        };
        result.unwrap_or_else(|d| self.render(&[d]))
    }

    /// Nothing is evaluated while the loaded policy has errors (SPEC §4).
    fn refuse_if_broken(&self) -> Result<(), Diagnostic> {
        if self.session.has_errors() {
            return Err(Diagnostic::error(
                "R005",
                "the loaded policy has errors, so nothing is evaluated",
            )
            .with_help("`:diagnostics` shows them; fix the files, then `:reload`"));
        }
        Ok(())
    }

    fn evaluate(
        &mut self,
        name: &str,
        src: &str,
        show: impl FnOnce(&Value<'_>) -> String,
    ) -> String {
        if let Err(d) = self.refuse_if_broken() {
            return self.render(&[d]);
        }
        match self.session.eval_expr(name, src, show) {
            Ok(text) => text,
            Err(diagnostics) => self.render_input(&diagnostics),
        }
    }

    /// Adds a declaration, replacing earlier ones of the same names.
    fn declare(&mut self, name: &str, text: &str) -> String {
        match self.apply_declaration(name, text) {
            Ok(report) => {
                self.workspace
                    .declarations
                    .push((name.to_string(), text.to_string()));
                report
            }
            Err(report) => report,
        }
    }

    /// Loads `text` as source `name`; earlier declarations of the names it
    /// declares (outside the standard library) are taken out. When that
    /// adds an error the session is put back and the errors are the `Err`.
    fn apply_declaration(&mut self, name: &str, text: &str) -> Result<String, String> {
        let checkpoint = self.session.checkpoint();
        let before = self.session.diagnostics.clone();
        let existing = self.session.modules.len();
        let file = self.session.load_source(name, text.to_string());
        let mut out = String::new();
        for item in self
            .session
            .modules
            .iter()
            .filter(|m| m.file == file)
            .flat_map(|m| &m.module.items)
        {
            match &item.kind {
                ItemKind::Use(UseTarget::Std(_)) => out.push_str("using std\n"),
                ItemKind::Use(UseTarget::StdModule(module, _)) => {
                    let _ = writeln!(out, "using std.{module}");
                }
                ItemKind::Use(UseTarget::Path(path, _)) => {
                    let _ = writeln!(out, "using \"{}\"", terminal(path));
                }
                ItemKind::Waive(w) => {
                    let _ = writeln!(out, "added a waiver for control `{}`", w.control.text);
                }
                _ => {}
            }
        }
        let declared: Vec<Declared> = self
            .session
            .modules
            .iter()
            .filter(|m| m.file == file)
            .flat_map(|m| m.module.items.iter().filter_map(declare::declared))
            .collect();
        let keys: Vec<Key> = declared.iter().map(|d| d.key.clone()).collect();
        let replaced = declare::take_out(&mut self.session.modules[..existing], &keys);
        self.session.check();
        let new = self.diagnostics_since(&before);
        let errors: Vec<Diagnostic> = new.iter().filter(|d| d.is_error()).cloned().collect();
        if !errors.is_empty() {
            // Warnings about a refused declaration would only distract.
            let report = self.render_input(&errors);
            self.session.rollback(checkpoint);
            return Err(report);
        }
        for d in &declared {
            match replaced.iter().find(|r| r.key == d.key) {
                Some(old) => {
                    let file = self.session.sources.get(old.span.file);
                    let (line, column) = file.line_col(old.span.start);
                    let _ = writeln!(
                        out,
                        "note: {} redefined; it replaces the {} at {}:{line}:{column}",
                        d.label(),
                        old.kind,
                        terminal(&file.name)
                    );
                }
                None => {
                    let _ = writeln!(out, "added {}", d.label());
                }
            }
        }
        out.push_str(&self.render(&new));
        Ok(out)
    }

    /// The diagnostics of the last check that were not in `before`.
    fn diagnostics_since(&self, before: &[Diagnostic]) -> Vec<Diagnostic> {
        let diagnostics = &self.session.diagnostics;
        diagnostics
            .iter()
            .filter(|d| !before.contains(d))
            .cloned()
            .collect()
    }

    /// `:load PATH`: all or nothing, like a declaration.
    fn load(&mut self, path: &Path) -> Result<String, Diagnostic> {
        if !path.exists() {
            return Err(Diagnostic::error(
                "R006",
                format!(
                    "cannot load {}: no such file or directory",
                    terminal(&path.display().to_string())
                ),
            ));
        }
        let checkpoint = self.session.checkpoint();
        let before = self.session.diagnostics.clone();
        let existing = self.session.modules.len();
        self.session.load_path(path);
        let shown = terminal(&path.display().to_string()).into_owned();
        if self.session.modules.len() == existing && self.session.diagnostics == before {
            return Ok(format!(
                "{shown} is already loaded (`:reload` reads it again)\n"
            ));
        }
        self.session.check();
        let new = self.diagnostics_since(&before);
        if new.iter().any(Diagnostic::is_error) {
            let mut report = self.render(&new);
            self.session.rollback(checkpoint);
            let _ = writeln!(report, "note: {shown} has errors, so it was not loaded");
            return Ok(report);
        }
        let added = &self.session.modules[existing..];
        let files = added.iter().filter(|m| !m.std).count();
        let declarations: usize = added
            .iter()
            .filter(|m| !m.std)
            .map(|m| m.module.items.len())
            .sum();
        self.workspace.paths.push(path.to_path_buf());
        let mut out = format!(
            "loaded {shown}: {files} file{}, {declarations} declaration{}\n",
            plural(files),
            plural(declarations)
        );
        out.push_str(&self.render(&new));
        Ok(out)
    }

    /// `:facts [NAME=]FILE`: loads facts, replacing those of the same name.
    fn load_facts(&mut self, spec: &str) -> Result<String, Diagnostic> {
        self.load_facts_spec(spec)
            .map(|(warnings, loaded)| warnings + &loaded)
    }

    /// Loads facts as `:facts` does: the facts' warnings, rendered, and
    /// the line saying what was loaded.
    fn load_facts_spec(&mut self, spec: &str) -> Result<(String, String), Diagnostic> {
        if spec == "-" || spec.ends_with("=-") {
            return Err(Diagnostic::error(
                "R006",
                "the REPL reads its input from standard input, so facts cannot come from there",
            )
            .with_help("give the facts as a file"));
        }
        let before = self.session.facts.len();
        let warnings_from = self.session.diagnostics.len();
        self.session.load_facts_spec(spec)?;
        let warnings = self.render(&self.session.diagnostics[warnings_from..]);
        let Some(loaded) = self.session.facts.last() else {
            return Ok((warnings, String::new()));
        };
        let mount = loaded.facts.mount().map(str::to_string);
        let message = format!(
            "loaded {} from {}\n",
            mount
                .as_deref()
                .map_or("facts".to_string(), |m| format!("facts.{m}")),
            terminal(&loaded.source)
        );
        let mut index = 0;
        self.session.facts.retain(|f| {
            index += 1;
            index > before || f.facts.mount() != mount.as_deref()
        });
        self.workspace.facts.retain(|(m, _)| *m != mount);
        self.workspace.facts.push((mount, spec.to_string()));
        Ok((warnings, message))
    }

    /// `:save FILE`: the declarations typed in this session that are still
    /// in force (a redefined one replaces the old), in the order they were
    /// typed, in the canonical layout. It writes a new file, or one it wrote
    /// before in this session, never another existing file.
    fn save(&mut self, path: &Path) -> Result<String, Diagnostic> {
        let shown = terminal(&path.display().to_string()).into_owned();
        let ours = path
            .canonicalize()
            .is_ok_and(|p| self.workspace.saved.contains(&p));
        if path.exists() && !ours {
            return Err(Diagnostic::error(
                "R006",
                format!("{shown} exists; `:save` does not replace it"),
            )
            .with_help("give the name of a new file"));
        }
        let (text, count) = self.typed_declarations();
        if count == 0 {
            return Ok(
                "nothing to save: no declaration typed in this session is in force\n".into(),
            );
        }
        let text = crate::fmt::format_source(&text, crate::source::FileId(0)).unwrap_or(text);
        std::fs::write(path, text).map_err(|e| {
            Diagnostic::error(
                "R006",
                format!("cannot write {shown}: {}", crate::session::io_reason(&e)),
            )
        })?;
        if let Ok(canonical) = path.canonicalize()
            && !ours
        {
            self.workspace.saved.push(canonical);
        }
        Ok(format!(
            "saved {count} declaration{} to {shown}\n",
            plural(count)
        ))
    }

    /// The source of the typed declarations still in force, and how many
    /// there are: whole inputs, or the items left of an input some of whose
    /// declarations were replaced later.
    fn typed_declarations(&self) -> (String, usize) {
        let mut pieces: Vec<&str> = Vec::new();
        let mut count = 0;
        for (name, text) in &self.workspace.declarations {
            let Some(module) = self
                .session
                .modules
                .iter()
                .find(|m| !m.std && self.session.file_name(m.file) == name)
            else {
                continue;
            };
            let items = &module.module.items;
            count += items.len();
            let typed = crate::parser::parse_module(text, crate::source::FileId(0))
                .module
                .items
                .len();
            if items.len() == typed {
                pieces.push(text.trim());
            } else {
                let source = &self.session.sources.get(module.file).text;
                pieces.extend(items.iter().filter_map(|item| {
                    source.get(item.span.start as usize..item.span.end as usize)
                }));
            }
        }
        let mut text = pieces.join("\n\n");
        text.push('\n');
        (text, count)
    }

    /// `:reload`: everything read again from disk.
    fn reload(&mut self) -> String {
        let facts: Vec<String> = self
            .workspace
            .facts
            .iter()
            .map(|(_, s)| s.clone())
            .collect();
        let declarations = std::mem::take(&mut self.workspace.declarations);
        let mut out = self.rebuild(&facts, declarations);
        let (paths, facts, declarations) = (
            self.workspace.paths.len(),
            self.workspace.facts.len(),
            self.workspace.declarations.len(),
        );
        let _ = writeln!(
            out,
            "reloaded {paths} policy path{}, {facts} facts file{}, {declarations} declaration{}",
            plural(paths),
            plural(facts),
            plural(declarations)
        );
        out
    }

    fn control(&self, name: &str) -> Result<usize, Diagnostic> {
        self.session.program.control(name).ok_or_else(|| {
            Diagnostic::error("R004", format!("no control `{}`", terminal(name)))
                .with_help("`:controls` lists the controls")
        })
    }

    fn service(&self, name: &str) -> Result<usize, Diagnostic> {
        self.session.program.service(name).ok_or_else(|| {
            Diagnostic::error("R004", format!("no service `{}`", terminal(name)))
                .with_help("`:services` lists the services")
        })
    }

    /// `:check [CONTROL...]`: the text report, of the named controls only
    /// when some are named.
    fn check(&self, names: &[String]) -> Result<String, Diagnostic> {
        self.refuse_if_broken()?;
        let selected = names
            .iter()
            .map(|n| self.control(n))
            .collect::<Result<Vec<usize>, Diagnostic>>()?;
        let outcome = self
            .session
            .evaluate()
            .map_err(|message| Diagnostic::error("F012", message))?;
        let mut out = self.render(&outcome.diagnostics);
        let diagnostics = self.session.run_diagnostics(Some(&outcome));
        let run = Run {
            program: &self.session.program,
            outcome: Some(&outcome),
            diagnostics: &diagnostics,
            sources: &self.session.sources,
            info: None,
            baseline: None,
        };
        let style = Style { color: self.color };
        if selected.is_empty() {
            out.push_str(&text::render(&run, Gate::default(), style));
            return Ok(out);
        }
        let mut statuses: Vec<&str> = Vec::new();
        for (i, (_, r)) in run.controls().enumerate() {
            if selected.contains(&i) {
                text::render_control(&mut out, &run, i, r, style);
                statuses.push(r.status.as_str());
            }
        }
        let counts: Vec<String> = [
            "pass",
            "fail",
            "error",
            "waived",
            "inherited",
            "unverified",
            "unevaluated",
        ]
        .iter()
        .map(|s| (s, statuses.iter().filter(|t| *t == s).count()))
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
        let _ = writeln!(
            out,
            "\n{} of {} controls: {}",
            statuses.len(),
            self.session.program.controls.len(),
            counts.join(", ")
        );
        Ok(out)
    }

    fn explain(&self, name: &str, subject: Option<&str>) -> Result<String, Diagnostic> {
        self.refuse_if_broken()?;
        explain::explain(&self.session, self.control(name)?, subject)
    }

    fn owner(&self, service: &str, layer: Option<&str>) -> Result<String, Diagnostic> {
        let service = self.service(service)?;
        let layer = match layer {
            None => None,
            Some(l) => Some(self.session.program.layer(l).ok_or_else(|| {
                Diagnostic::error("R004", format!("no layer `{}`", terminal(l)))
                    .with_help("`:owner SERVICE` lists the layers of a service")
            })?),
        };
        Ok(views::owner(&self.session.program, service, layer))
    }

    fn matrix(&self, names: &[String]) -> Result<String, Diagnostic> {
        let services = if names.is_empty() {
            (0..self.session.program.services.len()).collect()
        } else {
            names
                .iter()
                .map(|n| self.service(n))
                .collect::<Result<Vec<usize>, Diagnostic>>()?
        };
        Ok(views::matrix(&self.session.program, &services))
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::Options;

    /// A scratch directory with one policy file.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(name: &str, policy: &str) -> Scratch {
            let dir = std::env::temp_dir().join(format!("onus-repl-{name}-{}", std::process::id()));
            let _ = std::fs::create_dir_all(&dir);
            let scratch = Scratch(dir);
            scratch.write(policy);
            scratch
        }

        fn policy(&self) -> PathBuf {
            self.0.join("policy.onus")
        }

        fn write(&self, policy: &str) {
            let _ = std::fs::write(self.policy(), policy);
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn repl(paths: Vec<PathBuf>) -> SessionRepl {
        let options = Options {
            now: jiff::civil::date(2026, 11, 22),
            max_steps: None,
            timeout: None,
            jobs: None,
            show_passed: false,
        };
        let (repl, startup) = SessionRepl::start(
            Config {
                options,
                paths,
                facts: Vec::new(),
                yaml_schema: Default::default(),
            },
            false,
        );
        assert_eq!(startup, Reply::default());
        repl
    }

    #[test]
    fn reload_reads_files_again_and_drops_declarations_that_no_longer_check() {
        let scratch = Scratch::new("reload", "let base = 1");
        let mut repl = repl(vec![scratch.policy()]);
        assert_eq!(
            repl.handle("let derived = base + 1").text,
            "added let `derived`\n"
        );
        assert_eq!(repl.handle("let kept = 3").text, "added let `kept`\n");
        assert_eq!(repl.handle("derived").text, "2\n");
        scratch.write("let other = 1");
        let reloaded = repl.handle(":reload").text;
        assert!(reloaded.contains("unknown name `base`"), "{reloaded}");
        assert!(
            reloaded.contains("the declaration of <input 1> no longer checks and is dropped"),
            "{reloaded}"
        );
        assert!(reloaded.ends_with("reloaded 1 policy path, 0 facts files, 1 declaration\n"));
        assert_eq!(repl.handle("kept + other").text, "4\n");
    }

    #[test]
    fn a_refused_file_loads_once_fixed() {
        let scratch = Scratch::new("load", "let x = nowhere");
        let mut repl = repl(Vec::new());
        let path = scratch.policy().display().to_string();
        let refused = repl.handle(&format!(":load {path}")).text;
        assert!(
            refused.contains("has errors, so it was not loaded"),
            "{refused}"
        );
        assert_eq!(repl.handle("1 + 1").text, "2\n", "the session is as before");
        scratch.write("let x = 41");
        let loaded = repl.handle(&format!(":load {path}")).text;
        assert!(loaded.starts_with("loaded "), "{loaded}");
        assert_eq!(repl.handle("x + 1").text, "42\n");
    }

    #[test]
    fn save_writes_the_declarations_in_force_to_a_new_file() {
        let scratch = Scratch::new("save", "let base = 1");
        let mut repl = repl(vec![scratch.policy()]);
        let file = scratch.0.join("session.onus");
        let save = format!(":save {}", file.display());
        assert!(repl.handle(&save).text.starts_with("nothing to save"));
        assert!(!file.exists());
        repl.handle("/// Doubled.\nlet a = base * 2  let b = 3");
        repl.handle("let b = 4");
        assert!(repl.handle("let bad = nowhere").failed);
        let saved = repl.handle(&save);
        assert!(!saved.failed, "{}", saved.text);
        assert!(saved.text.starts_with("saved 2 declarations to "));
        // The redefined `b` replaces the first, the refused `bad` is not there.
        assert_eq!(
            std::fs::read_to_string(&file).unwrap_or_default(),
            "/// Doubled.\nlet a = base * 2\n\nlet b = 4\n"
        );
        // The file it wrote it replaces; any other existing file it refuses.
        repl.handle("let c = 5");
        assert!(repl.handle(&save).text.starts_with("saved 3 declarations"));
        let refused = repl.handle(&format!(":save {}", scratch.policy().display()));
        assert!(refused.failed);
        assert!(
            refused.text.contains("does not replace it"),
            "{}",
            refused.text
        );
        assert_eq!(
            std::fs::read_to_string(scratch.policy()).unwrap_or_default(),
            "let base = 1"
        );
    }

    #[test]
    fn raw_shows_a_string_as_it_is() {
        let mut repl = repl(Vec::new());
        assert_eq!(repl.handle(r#":raw "a\tb\n\"c\"""#).text, "a\tb\n\"c\"\n");
        assert_eq!(repl.handle(r#""a\tb""#).text, "\"a\\tb\"\n");
        assert_eq!(repl.handle(":raw 1 + 1").text, "2\n");
        // Still safe for the terminal.
        assert_eq!(repl.handle(r#":raw "\u{1b}[2J""#).text, "\\u{1b}[2J\n");
    }

    #[test]
    fn replies_say_whether_they_report_an_error() {
        let mut repl = repl(Vec::new());
        assert!(!repl.handle("1 + 1").failed);
        assert!(repl.handle("nosuch").failed);
        assert!(repl.handle(":frobnicate").failed);
        assert!(repl.handle("let x = ").failed);
        assert!(!repl.handle("let x = 1").failed);
        assert!(!repl.handle(":help").failed);
    }

    #[test]
    fn quit_and_empty_input() {
        let mut repl = repl(Vec::new());
        assert_eq!(repl.handle("  // nothing\n"), Reply::default());
        assert!(repl.handle(":q").quit);
    }
}
