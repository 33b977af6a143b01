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
        assert!(
            o.stderr.is_empty(),
            "{facts}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        // The run's provenance names the file and its digest, which differ.
        let mut json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("a JSON report");
        json.as_object_mut().expect("an object").remove("run");
        (o.status.code(), json)
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

/// std.terraform finds buckets, access blocks and ACLs at any module
/// depth: the plans of tests/cases/std_terraform (generate_nested.py) hold
/// the same resources 1, 5 and 40 modules deep, and every control gives
/// every bucket the verdict it gets at depth 1 (a real depth-40 plan nests
/// its configuration 128 JSON levels deep).
#[test]
fn terraform_verdicts_do_not_depend_on_module_depth() {
    let dir = "tests/cases/std_terraform";
    let verdicts = |depth: usize| -> Result<Vec<(String, String, String)>, String> {
        let o = onus()
            .args([
                "check",
                &format!("{dir}/lib_nested.onus"),
                "--format",
                "json",
            ])
            .args(["--show-passed", "--now", "2026-11-22"])
            .args(["--facts", &format!("{dir}/nested_{depth}.json")])
            .output()
            .expect("onus runs");
        let report: serde_json::Value = serde_json::from_slice(&o.stdout).expect("a JSON report");
        if let Some(d) = report["diagnostics"].as_array().and_then(|d| d.first()) {
            return Err(d["message"].as_str().unwrap_or_default().to_string());
        }
        let prefix = (1..=depth)
            .map(|i| format!("module.l{i}."))
            .collect::<String>();
        let mut out = Vec::new();
        for c in report["controls"].as_array().expect("controls") {
            for (list, verdict) in [
                ("passed", "pass"),
                ("violations", "fail"),
                ("errors", "error"),
            ] {
                for s in c[list].as_array().into_iter().flatten() {
                    let key = s["key"].as_str().expect("a key");
                    let local = key
                        .strip_prefix(&prefix)
                        .expect("every resource is at the plan's depth");
                    out.push((c["id"].to_string(), local.to_string(), verdict.to_string()));
                }
            }
        }
        out.sort();
        Ok(out)
    };
    let shallow = verdicts(1).expect("depth 1 is read");
    assert_eq!(
        shallow.len(),
        8,
        "two controls over four buckets: {shallow:?}"
    );
    assert!(shallow.iter().any(|v| v.2 == "fail") && shallow.iter().any(|v| v.2 == "pass"));
    assert_eq!(verdicts(5), Ok(shallow.clone()), "depth 5");
    // 128 JSON levels deep: within the facts' nesting limit of 512.
    assert_eq!(verdicts(40), Ok(shallow), "depth 40");
}
