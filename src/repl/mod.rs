//! The REPL, `onus repl`: one piece of input in (an expression, a
//! declaration or a `:command`), one reply out, and the session goes on
//! after every error. One engine ([`SessionRepl`], on the library's
//! `Session`: no second evaluator) behind two front ends: `terminal`
//! (rustyline: history, completion, highlighting, hints, multi-line input)
//! and `piped` (line by line, no prompts, no escape codes).
//!
//! Every reply, error reports included, goes to standard output in the
//! order of the inputs, so a piped session reads as one transcript. Standard
//! error only says when the line editor cannot start. A piped session exits
//! 1 when anything it reported was an error, so scripts can rely on it.

// REPL errors are diagnostics rendered at once, on a cold path: boxing
// them would only add noise.
#![allow(clippy::result_large_err)]

mod command;
mod complete;
mod declare;
mod engine;
mod explain;
mod highlight;
mod input;
mod piped;
mod terminal;
mod views;

pub use complete::{Candidate, Completion, KEYWORDS};
pub use engine::SessionRepl;

use crate::eval::Options;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

/// What one input produced.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reply {
    /// Text for standard output, newline-terminated (or empty).
    pub text: String,
    /// The input asked to leave (`:quit`).
    pub quit: bool,
    /// The reply reports an error (a diagnostic of severity error).
    pub failed: bool,
}

/// What a front end needs from a REPL.
pub trait Repl {
    /// Answers one complete input (the front ends read on while the
    /// parser says the input is incomplete).
    fn handle(&mut self, input: &str) -> Reply;
    /// Tab completion of the word before the cursor.
    fn complete(&self, line: &str, pos: usize) -> Completion;
    /// Text to show after the cursor, and what accepting it inserts.
    fn hint(&self, line: &str, pos: usize) -> Option<(String, Option<String>)>;
}

/// The command line of `onus repl`.
pub struct Config {
    pub options: Options,
    /// Policy files or directories loaded at the start.
    pub paths: Vec<PathBuf>,
    /// `[NAME=]FILE` facts loaded at the start.
    pub facts: Vec<String>,
    /// How YAML facts resolve plain scalars (`--yaml-schema`).
    pub yaml_schema: crate::facts::YamlSchema,
}

/// Runs the REPL on the terminal, or on piped standard input. The exit
/// code is 0 after `:quit` or the end of input; piped, it is 1 when loading
/// the command line's files or any input reported an error.
pub fn run(config: Config) -> i32 {
    let interactive = std::io::stdin().is_terminal();
    let color = interactive
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let (mut repl, startup) = SessionRepl::start(config, color);
    let mut stdout = std::io::stdout();
    // A closed standard output ends the session like the end of input.
    let _ = stdout.write_all(startup.text.as_bytes());
    if interactive {
        match terminal::run(repl, color) {
            Ok(()) => return 0,
            Err((back, reason)) => {
                eprintln!("onus repl: no line editor ({reason}); reading plain lines");
                repl = back;
            }
        }
    }
    let failed = piped::run(&mut repl, std::io::stdin().lock(), &mut stdout);
    i32::from(startup.failed || failed)
}
