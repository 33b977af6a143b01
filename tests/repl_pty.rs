//! Drives the interactive REPL through a pseudo-terminal, as a person at a
//! terminal would: Tab completes a facts path, Enter inside an open
//! `control … {` continues the declaration, Up recalls the previous line,
//! and the history is kept in the cache directory. Every wait has a
//! timeout; where no pseudo-terminal can be allocated the test says so and
//! passes.

#![cfg(unix)]

use expectrl::process::unix::WaitStatus;
use expectrl::session::OsSession;
use expectrl::{Eof, Expect, Regex, Session};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The cursor-up key as a terminal sends it.
const UP: &str = "\x1b[A";

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

fn cache_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("onus-repl-pty-{}", std::process::id()));
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
    let cache = cache_dir();
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
