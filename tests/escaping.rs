//! Hostile names in, every output checked on its bytes: a resource whose
//! name tries to clear the screen, recolour it, ring the bell, move the
//! cursor or reorder text must reach no terminal as anything but visible
//! escapes: not in the text report, `explain`, the test runner, the REPL's
//! piped transcript or rendered diagnostics; and the JSON reports must
//! carry the same names as JSON escapes, so they parse to the exact name.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The name of the acceptance criterion, then one per kind of trick.
const NAMES: &[&str] = &[
    "evil\u{1b}[2J\u{1b}[31mALL CLEAR\u{1b}[0m\u{7}",
    "carriage\rreturn",
    "back\u{8}space",
    "bidi\u{202e}gnp.exe",
    "isolate\u{2066}x\u{2069}",
    "del\u{7f}",
    "c1\u{9b}31m",
    "new\nline",
];

const POLICY: &str = r#"use std
service store: object_storage {}
control private_buckets {
  service = store
  layer = exposure
  for b in facts.buckets
  key b.name
  require not b.public else "bucket {b.name} is public"
}
test "a hostile name is a name" {
  given { "buckets": [{ "name": "evil\u{1b}[2J\u{1b}[31mALL CLEAR\u{1b}[0m\u{7}", "public": true }] }
  expect private_buckets passes
}
"#;

/// A folder with the policy and facts naming one bucket per hostile name.
fn fixture(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("onus-escaping-{name}-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let buckets: Vec<serde_json::Value> = NAMES
        .iter()
        .map(|n| serde_json::json!({ "name": n, "public": true }))
        .collect();
    let facts = serde_json::json!({ "buckets": buckets }).to_string();
    let _ = std::fs::write(dir.join("facts.json"), facts);
    let _ = std::fs::write(dir.join("policy.onus"), POLICY);
    dir
}

/// Standard output and error of `onus ARGS` run in `dir`, with `stdin`.
fn onus(dir: &Path, args: &[&str], stdin: &str) -> Vec<u8> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_onus"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("onus runs");
    if let Some(mut input) = child.stdin.take() {
        let _ = std::io::Write::write_all(&mut input, stdin.as_bytes());
    }
    let out = child.wait_with_output().expect("onus ends");
    assert!(out.status.code().is_some(), "{args:?} ended by a signal");
    let mut bytes = out.stdout;
    bytes.extend(out.stderr);
    bytes
}

/// `onus COMMAND... policy.onus --facts facts.json EXTRA... --now ...`
/// run in `dir`.
fn on_facts(dir: &Path, command: &[&str], extra: &[&str]) -> Vec<u8> {
    let args: Vec<&str> = command
        .iter()
        .chain(&["policy.onus", "--facts", "facts.json"])
        .chain(extra)
        .chain(&NOW)
        .copied()
        .collect();
    onus(dir, &args, "")
}

/// The first character a terminal would act on, if any: C0 controls but
/// tab and newline, DEL, C1 controls, bidirectional overrides and isolates.
fn first_dangerous(bytes: &[u8]) -> Option<char> {
    String::from_utf8_lossy(bytes).chars().find(|&c| {
        matches!(c, '\u{0}'..='\u{8}' | '\u{b}'..='\u{1f}' | '\u{7f}'..='\u{9f}')
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    })
}

fn assert_safe(what: &str, bytes: &[u8]) {
    if let Some(c) = first_dangerous(bytes) {
        panic!("{what} printed {c:?}:\n{}", String::from_utf8_lossy(bytes));
    }
}

const NOW: [&str; 2] = ["--now", "2026-11-22"];

#[test]
fn the_text_report_shows_no_escape_or_bell() {
    let dir = fixture("text");
    let out = on_facts(&dir, &["check"], &[]);
    assert!(
        !out.contains(&0x1b) && !out.contains(&0x07),
        "ESC or BEL on bytes"
    );
    assert_safe("check", &out);
    let text = String::from_utf8_lossy(&out);
    assert!(
        text.contains(r"evil\u{1b}[2J\u{1b}[31mALL CLEAR\u{1b}[0m\u{7}"),
        "{text}"
    );
    let explained = on_facts(&dir, &["check"], &["--explain"]);
    assert_safe("check --explain", &explained);
}

#[test]
fn json_reports_escape_every_control_and_keep_the_names() {
    let dir = fixture("json");
    let out = on_facts(&dir, &["check"], &["--format", "json"]);
    assert_safe("check --format json", &out);
    let report: serde_json::Value = serde_json::from_slice(&out).expect("one JSON document");
    let keys: Vec<&str> = report["controls"][0]["violations"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v["key"].as_str())
        .collect();
    assert_eq!(keys, NAMES);
    let explained = on_facts(&dir, &["explain", "private_buckets"], &["--format", "json"]);
    assert_safe("explain --format json", &explained);
    assert!(serde_json::from_slice::<serde_json::Value>(&explained).is_ok());
    let tested = onus(
        &dir,
        &["test", "policy.onus", "--format", "json", NOW[0], NOW[1]],
        "",
    );
    assert_safe("test --format json", &tested);
}

#[test]
fn explain_and_the_test_runner_escape_names() {
    let dir = fixture("explain");
    let explained = on_facts(&dir, &["explain", "private_buckets"], &[]);
    assert_safe("explain", &explained);
    let subject = on_facts(
        &dir,
        &["explain", "private_buckets"],
        &["--subject", NAMES[0]],
    );
    assert_safe("explain --subject", &subject);
    assert!(String::from_utf8_lossy(&subject).contains("ALL CLEAR"));
    let missing = on_facts(&dir, &["explain", NAMES[0]], &[]);
    assert_safe("explain of an unknown control", &missing);
    let tested = onus(&dir, &["test", "policy.onus", NOW[0], NOW[1]], "");
    assert_safe("test", &tested);
    assert!(String::from_utf8_lossy(&tested).contains("1 failed"));
}

#[test]
fn the_piped_repl_escapes_values_and_errors() {
    let dir = fixture("repl");
    let script = "facts.buckets[0].name\nfacts.buckets\n[b.name for b in facts.buckets]\n:check\n:explain private_buckets\nlet x = \"\\u{1b}[31m\\u{7}\"\nx\n:type x\nfacts.nope\n";
    let out = onus(
        &dir,
        &[
            "repl",
            "policy.onus",
            "--facts",
            "facts.json",
            NOW[0],
            NOW[1],
        ],
        script,
    );
    assert_safe("repl", &out);
    assert!(String::from_utf8_lossy(&out).contains(r"\u{1b}[31m"));
}

#[test]
fn diagnostics_escape_source_text_and_file_names() {
    let dir = fixture("diagnostics");
    let _ = std::fs::write(
        dir.join("bad.onus"),
        "let x = \"\u{1b}[2J\u{7}\u{202e}\" + nope\nlet y = \u{9b}\n",
    );
    let out = onus(&dir, &["check", "bad.onus"], "");
    assert_safe("diagnostics", &out);
    let json = onus(&dir, &["check", "bad.onus", "--format", "json"], "");
    assert_safe("diagnostics as JSON", &json);
    let hostile_file = format!("{}.json", NAMES[0]);
    let missing = onus(
        &dir,
        &["check", "policy.onus", "--facts", &hostile_file],
        "",
    );
    assert_safe("a missing facts file's name", &missing);
    let _ = std::fs::write(
        dir.join("dup.json"),
        r#"{"a\u001b[31m": 1, "a\u001b[31m": 2}"#,
    );
    let duplicate = onus(&dir, &["check", "policy.onus", "--facts", "dup.json"], "");
    assert_safe("a duplicate key", &duplicate);
    assert!(String::from_utf8_lossy(&duplicate).contains("duplicate key"));
}

/// The other report formats, with the same hostile names: nothing a
/// terminal acts on, and each document still parses.
#[test]
fn sarif_junit_github_and_markdown_escape_names() {
    let dir = fixture("formats");
    for format in ["sarif", "junit", "github", "markdown"] {
        let out = onus(
            &dir,
            &[
                "check",
                "policy.onus",
                "--facts",
                "facts.json",
                "--format",
                format,
                NOW[0],
                NOW[1],
            ],
            "",
        );
        assert_safe(&format!("check --format {format}"), &out);
        match format {
            "sarif" => {
                let log: serde_json::Value = serde_json::from_slice(&out).expect("SARIF is JSON");
                assert_eq!(log["version"], "2.1.0");
            }
            "junit" => {
                let mut reader = quick_xml::Reader::from_reader(out.as_slice());
                let mut buf = Vec::new();
                loop {
                    match reader.read_event_into(&mut buf) {
                        Ok(quick_xml::events::Event::Eof) => break,
                        Ok(_) => buf.clear(),
                        Err(e) => panic!("JUnit is not well-formed XML: {e}"),
                    }
                }
            }
            _ => {}
        }
    }
}

/// The matrix shows what the policy says about each service: its strings
/// are escaped in every matrix format too.
#[test]
fn the_matrix_escapes_policy_strings() {
    let dir = fixture("matrix");
    let _ = std::fs::write(
        dir.join("matrix.onus"),
        "use std\nparty soc: third_party\n/// Runs \u{202e}gnp.exe \u{1b}[31m\nservice store: object_storage {\n  provider = \"Cloud\\u{7f}\\u{9b}31m\\u{202e}\"\n  logging: customer operated_by soc\n}\n",
    );
    for format in ["text", "markdown", "mermaid", "html", "json"] {
        let out = onus(
            &dir,
            &["matrix", "matrix.onus", "--format", format, NOW[0], NOW[1]],
            "",
        );
        assert_safe(&format!("matrix --format {format}"), &out);
        if format == "json" {
            assert!(serde_json::from_slice::<serde_json::Value>(&out).is_ok());
        }
    }
}
