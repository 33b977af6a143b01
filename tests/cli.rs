//! Command-line behaviours that golden files cannot state directly.

use std::io::Write;
use std::process::{Command, Stdio};

fn onus() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_onus"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        // A fixed `run.started_at`, so that two runs can be compared.
        .env("SOURCE_DATE_EPOCH", "1795338000");
    c
}

/// `cat facts.json | onus check policy --facts - --format json` equals the
/// run with the file, byte for byte, but for the name `run.facts` gives the
/// input (`<stdin>`); its size and SHA-256 are the same.
#[test]
fn facts_from_stdin_equal_facts_from_the_file() {
    let policy = "examples/iaas_fleet/policy.onus";
    let facts = "examples/iaas_fleet/inventory.json";
    let args = [
        "check",
        policy,
        "--format",
        "json",
        "--now",
        "2026-11-22",
        "--facts",
    ];
    let from_file = onus().args(args).arg(facts).output().expect("onus runs");
    let mut child = onus()
        .args(args)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("onus runs");
    let bytes = std::fs::read(facts).expect("facts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&bytes)
        .expect("written");
    let from_stdin = child.wait_with_output().expect("onus ends");
    assert_eq!(from_file.status.code(), Some(1));
    assert_eq!(from_stdin.status.code(), from_file.status.code());
    assert!(!from_file.stdout.is_empty());
    let from_file = String::from_utf8(from_file.stdout).expect("UTF-8");
    let from_stdin = String::from_utf8(from_stdin.stdout).expect("UTF-8");
    let named = format!("\"path\": \"{facts}\"");
    assert!(from_file.contains(&named), "{from_file}");
    assert_eq!(
        from_stdin,
        from_file.replace(&named, "\"path\": \"<stdin>\"")
    );
}
