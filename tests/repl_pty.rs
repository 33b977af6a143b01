//! Drives the interactive REPL through a pseudo-terminal, as a person at a
//! terminal would: Tab completes a facts path (through list elements too),
//! Enter inside an open `control … {` continues the declaration at the
//! `...` prompt, a typo is answered at once, Ctrl-C drops an unfinished
//! entry, Up recalls the previous line, and the history is kept in the
//! cache directory. Every wait has a timeout; where no pseudo-terminal can
//! be allocated the test says so and passes.

#![cfg(unix)]

use expectrl::process::unix::WaitStatus;
use expectrl::session::OsSession;
use expectrl::{Eof, Expect, Regex, Session};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The cursor-up key as a terminal sends it.
const UP: &str = "\x1b[A";
/// Ctrl-C as a terminal sends it.
const CTRL_C: &str = "\x03";

fn spawn(cache: &Path) -> Option<OsSession> {
    let mut command = Command::new(env!("CARGO_BIN_EXE_onus"));
    command
        .args([
            "repl",
            "tests/cases/repl/lib_policy.onus",
            "--facts",
            "tests/cases/repl/facts.json",
            "--now",
            "2026-11-22",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("TERM", "xterm")
        .env("NO_COLOR", "1")
        .env("XDG_CACHE_HOME", cache);
    match Session::spawn(command) {
        Ok(mut session) => {
            session.set_expect_timeout(Some(Duration::from_secs(20)));
            Some(session)
        }
        Err(e) => {
            eprintln!("skipped: cannot allocate a pseudo-terminal ({e})");
            None
        }
    }
}

/// A cache directory of the test's own (the tests run in parallel).
fn cache_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("onus-repl-pty-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Waits for `needle`, failing with what the terminal showed instead.
fn wait_for(session: &mut OsSession, needle: &str, step: &str) {
    if let Err(e) = session.expect(needle) {
        panic!("{step}: did not see {needle:?}: {e}");
    }
}

fn wait_for_regex(session: &mut OsSession, pattern: &str, step: &str) {
    if let Err(e) = session.expect(Regex(pattern)) {
        panic!("{step}: did not see /{pattern}/: {e}");
    }
}

fn send(session: &mut OsSession, keys: &str, step: &str) {
    if let Err(e) = session.send(keys) {
        panic!("{step}: cannot type {keys:?}: {e}");
    }
}

#[test]
fn completion_multi_line_declarations_and_history() {
    let cache = cache_dir("history");
    let Some(mut repl) = spawn(&cache) else {
        return;
    };
    wait_for(&mut repl, "onus> ", "start");

    send(&mut repl, "len(facts.fire\t", "complete");
    wait_for(&mut repl, "firewall_rules", "Tab completes the facts path");
    send(&mut repl, ")\r", "evaluate");
    wait_for_regex(
        &mut repl,
        r"\n3\r?\n",
        "the completed expression is evaluated",
    );
    wait_for(&mut repl, "onus> ", "prompt after the answer");

    send(&mut repl, UP, "recall");
    wait_for(
        &mut repl,
        "len(facts.firewall_rules)",
        "Up recalls the previous line",
    );
    send(&mut repl, "\r", "evaluate the recalled line");
    wait_for_regex(&mut repl, r"\n3\r?\n", "the recalled line is evaluated");
    wait_for(&mut repl, "onus> ", "prompt after the recalled answer");

    for line in [
        "control typed {",
        "  service = web",
        "  layer = data",
        "  require true",
    ] {
        send(&mut repl, &format!("{line}\r"), "a line of the declaration");
        wait_for(&mut repl, "  ... ", "the declaration continues");
    }
    send(&mut repl, "}\r", "close the declaration");
    wait_for(
        &mut repl,
        "added control `typed`",
        "the multi-line declaration is one input",
    );
    wait_for(&mut repl, "onus> ", "prompt after the declaration");

    send(&mut repl, ":quit\r", "quit");
    if let Err(e) = repl.expect(Eof) {
        panic!(":quit ends the session: {e}");
    }
    match repl.get_process().wait() {
        Ok(WaitStatus::Exited(_, code)) => assert_eq!(code, 0, "exit code"),
        other => panic!("unexpected end of the REPL: {other:?}"),
    }
    let history = std::fs::read_to_string(cache.join("onus/history")).unwrap_or_default();
    let _ = std::fs::remove_dir_all(&cache);
    assert!(
        history.contains("len(facts.firewall_rules)"),
        "history: {history}"
    );
    assert!(history.contains("control typed {"), "history: {history}");
}

#[test]
fn typos_continuations_and_ctrl_c() {
    let cache = cache_dir("typos");
    let Some(mut repl) = spawn(&cache) else {
        return;
    };
    wait_for(&mut repl, "onus> ", "start");

    // The issue's typo: answered on the next line, not swallowed.
    send(&mut repl, "facts.databases.0\r", "the typo");
    wait_for(&mut repl, "unexpected `0`", "the typo is answered at once");
    wait_for(&mut repl, "onus> ", "a fresh prompt after the error");
    send(&mut repl, "1 + 1\r", "the line after the typo");
    wait_for_regex(&mut repl, r"\n2\r?\n", "the next line is its own input");
    wait_for(&mut repl, "onus> ", "prompt after the answer");

    // An open bracket continues at `...`; Ctrl-C drops the entry.
    send(&mut repl, "len([1,\r", "open a bracket");
    wait_for(&mut repl, "  ... ", "the continuation prompt");
    send(&mut repl, "2,\r", "a continuation line");
    wait_for(&mut repl, "  ... ", "still continuing");
    send(&mut repl, CTRL_C, "Ctrl-C");
    wait_for(
        &mut repl,
        "dropped the unfinished entry (2 lines)",
        "Ctrl-C says what it dropped",
    );
    wait_for(&mut repl, "onus> ", "Ctrl-C returns to a fresh prompt");
    send(&mut repl, "3 * 3\r", "an input after Ctrl-C");
    wait_for_regex(&mut repl, r"\n9\r?\n", "the dropped lines are gone");
    wait_for(&mut repl, "onus> ", "prompt after the answer");

    // Completion goes through list elements.
    send(
        &mut repl,
        "facts.databases[1].enc\t",
        "complete an element's key",
    );
    wait_for(&mut repl, "encrypted", "Tab completes the element's key");
    send(&mut repl, "\r", "evaluate");
    wait_for(&mut repl, "false", "the completed path is evaluated");
    wait_for(&mut repl, "onus> ", "prompt after the answer");

    send(&mut repl, ":quit\r", "quit");
    if let Err(e) = repl.expect(Eof) {
        panic!(":quit ends the session: {e}");
    }
    let _ = std::fs::remove_dir_all(&cache);
}
