//! Command-line behaviours that golden files cannot state directly.

use std::io::Write;
use std::process::{Command, Stdio};

fn onus() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_onus"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1");
    c
}

/// `cat facts.json | onus check policy --facts - --format json` equals the
/// run with the file, byte for byte.
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
    assert_eq!(from_stdin.stdout, from_file.stdout);
}

/// checkov's two UTF-16LE plans (and the small plan in UTF-16BE and
/// UTF-32) give the JSON report of their UTF-8 conversions, byte for byte.
#[test]
fn wide_encodings_read_like_their_utf8_conversion() {
    let dir = "tests/cases/facts/encodings";
    let pairs = [
        ("win_utf16.json", "win_utf16.utf8.json"),
        ("runner_utf16.json", "runner_utf16.utf8.json"),
        ("utf16be_bom.json", "small.utf8.json"),
        ("utf32le_bom.json", "small.utf8.json"),
        ("utf32be_bom.json", "small.utf8.json"),
    ];
    let report = |facts: &str| {
        let o = onus()
            .args(["check", &format!("{dir}/lib_plan.onus"), "--format", "json"])
            .args(["--now", "2026-11-22", "--facts", &format!("{dir}/{facts}")])
            .output()
            .expect("onus runs");
        assert!(o.stderr.is_empty(), "{facts}: {}", String::from_utf8_lossy(&o.stderr));
        (o.status.code(), o.stdout)
    };
    for (wide, utf8) in pairs {
        let (wide_bytes, utf8_bytes) = (
            std::fs::read(format!("{dir}/{wide}")).expect("wide facts"),
            std::fs::read(format!("{dir}/{utf8}")).expect("utf-8 facts"),
        );
        assert_ne!(wide_bytes, utf8_bytes, "{wide} is transcoded");
        assert_eq!(report(wide), report(utf8), "{wide} against {utf8}");
    }
}
