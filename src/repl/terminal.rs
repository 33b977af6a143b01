//! The terminal front end (rustyline): prompts, line editing, history kept
//! in the user's cache directory, Tab completion, syntax highlighting,
//! hints, and multi-line input: Enter on an incomplete declaration or an
//! open bracket starts a new line instead of submitting.

use super::input::is_incomplete;
use super::{Repl, highlight};
use rustyline::completion::{Completer, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::{Hint, Hinter};
use rustyline::history::DefaultHistory;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
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

impl<R: Repl> Validator for ReplHelper<R> {
    fn validate(&self, ctx: &mut ValidationContext<'_>) -> rustyline::Result<ValidationResult> {
        Ok(if is_incomplete(ctx.input()) {
            ValidationResult::Incomplete
        } else {
            ValidationResult::Valid(None)
        })
    }
}

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

/// Reads and answers lines until `:quit`, end of input (Ctrl-D) or a
/// terminal error; Ctrl-C abandons the line being edited. When no line
/// editor can start, the REPL comes back with the reason.
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
    let prompt = (
        "onus> ",
        if color {
            "\x1b[1;32monus>\x1b[0m "
        } else {
            "onus> "
        },
    );
    loop {
        match editor.readline(&prompt) {
            Ok(line) => {
                if line.trim().is_empty() {
                    continue;
                }
                let _ = editor.add_history_entry(line.as_str());
                let Ok(mut repl) = shared.try_borrow_mut() else {
                    continue;
                };
                let reply = repl.handle(&line);
                let _ = stdout.write_all(reply.text.as_bytes());
                let _ = stdout.flush();
                if reply.quit {
                    break;
                }
            }
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break,
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
