//! The terminal front end (rustyline): prompts, line editing, history kept
//! in the user's cache directory, Tab completion, syntax highlighting,
//! hints, and multi-line input: while a bracket or brace is open, Enter
//! shows the continuation prompt `...` (`input::Pending` decides), and
//! Ctrl-C drops the unfinished entry and says so.

use super::input::{Next, Pending};
use super::{Repl, highlight};
use rustyline::completion::{Completer, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::{Hint, Hinter};
use rustyline::history::DefaultHistory;
use rustyline::validate::Validator;
use rustyline::{ColorMode, CompletionType, Config, Context, Editor, Helper};
use std::borrow::Cow;
use std::cell::RefCell;
use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// Connects rustyline to a REPL shared with the read loop: the loop
/// borrows it to answer, the helper only between answers.
#[derive(Helper)]
struct ReplHelper<R: Repl> {
    repl: Rc<RefCell<R>>,
    color: bool,
}

impl<R: Repl> Completer for ReplHelper<R> {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let Ok(repl) = self.repl.try_borrow() else {
            return Ok((pos, Vec::new()));
        };
        let (start, candidates) = repl.complete(line, pos);
        let pairs = candidates
            .into_iter()
            .map(|c| Pair {
                display: c.display,
                replacement: c.replacement,
            })
            .collect();
        Ok((start, pairs))
    }
}

/// A hint: shown dimmed after the cursor; `accept` is what Right inserts.
struct ReplHint {
    shown: String,
    accept: Option<String>,
}

impl Hint for ReplHint {
    fn display(&self) -> &str {
        &self.shown
    }

    fn completion(&self) -> Option<&str> {
        self.accept.as_deref()
    }
}

impl<R: Repl> Hinter for ReplHelper<R> {
    type Hint = ReplHint;

    fn hint(&self, line: &str, pos: usize, _: &Context<'_>) -> Option<ReplHint> {
        let (shown, accept) = self.repl.try_borrow().ok()?.hint(line, pos)?;
        Some(ReplHint { shown, accept })
    }
}

impl<R: Repl> Highlighter for ReplHelper<R> {
    fn highlight<'l>(&self, line: &'l str, _: usize) -> Cow<'l, str> {
        match highlight::highlight(line).filter(|_| self.color) {
            Some(coloured) => Cow::Owned(coloured),
            None => Cow::Borrowed(line),
        }
    }

    fn highlight_hint<'h>(&self, hint: &'h str) -> Cow<'h, str> {
        if self.color {
            Cow::Owned(format!("\x1b[2m{hint}\x1b[0m"))
        } else {
            Cow::Borrowed(hint)
        }
    }

    fn highlight_char(&self, _: &str, _: usize, _: CmdKind) -> bool {
        self.color
    }
}

/// Enter always submits the line: the read loop, not the editor, keeps
/// the lines of an unfinished entry, so each shows its own prompt.
impl<R: Repl> Validator for ReplHelper<R> {}

/// `$XDG_CACHE_HOME/onus/history`, else `~/.cache/onus/history`.
fn history_path(xdg_cache_home: Option<OsString>, home: Option<OsString>) -> Option<PathBuf> {
    let cache = xdg_cache_home
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| {
            home.filter(|h| !h.is_empty())
                .map(|h| Path::new(&h).join(".cache"))
        })?;
    Some(cache.join("onus").join("history"))
}

fn editor<R: Repl>(color: bool) -> rustyline::Result<Editor<ReplHelper<R>, DefaultHistory>> {
    let config = Config::builder()
        .auto_add_history(false)
        .history_ignore_space(true)
        .history_ignore_dups(true)?
        .max_history_size(1000)?
        .completion_type(CompletionType::List)
        .color_mode(if color {
            ColorMode::Enabled
        } else {
            ColorMode::Disabled
        })
        .build();
    Editor::with_config(config)
}

/// Answers one entry on standard output; true when it asks to leave.
fn answer<R: Repl>(shared: &RefCell<R>, entry: &str) -> bool {
    let Ok(mut repl) = shared.try_borrow_mut() else {
        return false;
    };
    let reply = repl.handle(entry);
    let mut stdout = std::io::stdout();
    let _ = stdout.write_all(reply.text.as_bytes());
    let _ = stdout.flush();
    reply.quit
}

/// The prompts, plain and coloured: the first line of an entry, and the
/// lines that continue it (as wide, so the text lines up).
const PROMPT: (&str, &str) = ("onus> ", "\x1b[1;32monus>\x1b[0m ");
const CONTINUATION: (&str, &str) = ("  ... ", "  \x1b[2m...\x1b[0m ");

/// Reads and answers entries until `:quit`, end of input (Ctrl-D) or a
/// terminal error; Ctrl-C abandons the line being edited and the entry it
/// continues. When no line editor can start, the REPL comes back with the
/// reason.
pub fn run<R: Repl>(repl: R, color: bool) -> Result<(), (R, String)> {
    let mut editor = match editor(color) {
        Ok(e) => e,
        Err(e) => return Err((repl, e.to_string())),
    };
    let shared = Rc::new(RefCell::new(repl));
    editor.set_helper(Some(ReplHelper {
        repl: Rc::clone(&shared),
        color,
    }));
    let history = history_path(std::env::var_os("XDG_CACHE_HOME"), std::env::var_os("HOME"));
    if let Some(path) = &history {
        // No history yet, or an unreadable one: start without it.
        let _ = editor.load_history(path);
    }
    let mut stdout = std::io::stdout();
    let _ = writeln!(stdout, "onus repl: :help lists the commands, :quit leaves");
    let pick = |(plain, coloured): (&'static str, &'static str)| {
        (plain, if color { coloured } else { plain })
    };
    let mut pending = Pending::default();
    loop {
        let prompt = pick(if pending.is_empty() {
            PROMPT
        } else {
            CONTINUATION
        });
        match editor.readline(&prompt) {
            Ok(text) => {
                if pending.is_empty() && text.trim().is_empty() {
                    continue;
                }
                if !text.trim().is_empty() {
                    let _ = editor.add_history_entry(text.as_str());
                }
                // A paste may bring several lines at once.
                let mut quit = false;
                for line in text.split('\n') {
                    if let Next::Submit(entry) = pending.push(line.trim_end_matches('\r')) {
                        quit = answer(&shared, &entry);
                        if quit {
                            break;
                        }
                    }
                }
                if quit {
                    break;
                }
            }
            Err(ReadlineError::Interrupted) => {
                let lines = pending.drop_entry();
                if lines > 0 {
                    let _ = writeln!(
                        stdout,
                        "dropped the unfinished entry ({lines} line{})",
                        if lines == 1 { "" } else { "s" }
                    );
                }
            }
            Err(ReadlineError::Eof) => {
                // Inside an entry, as at the end of piped input: it is
                // answered (with its syntax error) before leaving.
                if let Some(entry) = pending.finish() {
                    answer(&shared, &entry);
                }
                break;
            }
            Err(e) => {
                eprintln!("onus repl: {e}");
                break;
            }
        }
    }
    if let Some(path) = &history {
        // History is a convenience: failing to keep it is not an error.
        let _ = path.parent().map(std::fs::create_dir_all);
        let _ = editor.save_history(path);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_lives_in_the_cache_directory() {
        assert_eq!(
            history_path(Some("/c".into()), Some("/h".into())),
            Some(PathBuf::from("/c/onus/history"))
        );
        assert_eq!(
            history_path(None, Some("/h".into())),
            Some(PathBuf::from("/h/.cache/onus/history"))
        );
        // A relative XDG_CACHE_HOME is ignored, as the spec says.
        assert_eq!(
            history_path(Some("rel".into()), Some("/h".into())),
            Some(PathBuf::from("/h/.cache/onus/history"))
        );
        assert_eq!(history_path(None, None), None);
    }
}
