//! Differential tests for the fast evaluation path: the ten benchmark checks
//! (`bench/checks.onus`) over generated inventories must give the counts of
//! an independent reference written directly over `serde_json::Value`, and
//! the JSON report must be byte-identical whatever the thread count and
//! however the facts are formatted. The facts arena must read back as the
//! same JSON that serde_json parses.

use onus::Session;
use onus::eval::Options;
use onus::facts::FactsFormat;
use onus::report::{self, CheckFormat, Gate, Run, json};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path;

/// A small deterministic PRNG (xorshift64*), so the test needs no crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// An inventory shaped like `../shared/bench/gen_facts.py`'s output.
fn inventory(n: usize, seed: u64) -> Value {
    let mut r = Rng(seed | 1);
    let per = n / 6;
    let buckets: Vec<Value> = (0..per)
        .map(|i| {
            let retention = [30, 364, 365, 730][r.below(4) as usize];
            json!({
                "name": format!("bucket-{i:07}"),
                "public": r.chance(7),
                "encryption": if r.chance(8) { json!({"enabled": r.chance(50), "kms_key": null}) }
                              else { json!({"enabled": true, "kms_key": format!("kms-{i}")}) },
                "logging": { "enabled": !r.chance(4), "retention_days": retention },
                "tags": { "team": "web" }
            })
        })
        .collect();
    let users: Vec<Value> = (0..per)
        .map(|i| {
            let keys: Vec<Value> = (0..r.below(3)).map(|_| json!({"age_days": r.below(140), "active": true})).collect();
            json!({ "name": format!("user-{i:07}"), "admin": r.chance(25), "mfa": r.chance(60), "access_keys": keys })
        })
        .collect();
    let groups: Vec<Value> = (0..per)
        .map(|i| {
            let rules: Vec<Value> = (0..1 + r.below(5))
                .map(|_| {
                    let port = [22, 80, 443, 3389, 5432][r.below(5) as usize];
                    let cidr = if r.chance(15) {
                        "0.0.0.0/0"
                    } else {
                        "10.0.0.0/8"
                    };
                    json!({"port": port, "protocol": "tcp", "cidr": cidr})
                })
                .collect();
            json!({ "id": format!("sg-{i:07}"), "rules": rules })
        })
        .collect();
    let vms: Vec<Value> = (0..per)
        .map(|i| json!({ "id": format!("vm-{i:07}"), "os_patch_age_days": r.below(45), "public_ip": null }))
        .collect();
    let databases: Vec<Value> = (0..per)
        .map(|i| json!({ "id": format!("db-{i:07}"), "public": r.chance(6), "backup_retention_days": r.below(30) }))
        .collect();
    let functions: Vec<Value> = (0..per)
        .map(|i| {
            let mut env = serde_json::Map::new();
            env.insert("LOG_LEVEL".into(), json!("info"));
            match r.below(20) {
                0 => env.insert("API_SECRET".into(), json!("s3cr3t")),
                1 => env.insert("DB_PASSWORD".into(), json!("hunter2")),
                2 => env.insert("UPSTREAM".into(), json!("AKIAEXAMPLEKEY000000")),
                _ => env.insert("FEATURE_X".into(), json!("on")),
            };
            json!({ "name": format!("fn-{i:07}"), "env": env })
        })
        .collect();
    json!({
        "account": { "id": "acct-1" },
        "buckets": buckets, "iam_users": users, "security_groups": groups,
        "vms": vms, "databases": databases, "functions": functions
    })
}

/// The ten checks written directly against serde_json, as a reference.
fn reference_counts(facts: &Value) -> BTreeMap<&'static str, usize> {
    let items = |k: &str| facts[k].as_array().cloned().unwrap_or_default();
    let count = |k: &str, f: &dyn Fn(&Value) -> bool| items(k).iter().filter(|x| f(x)).count();
    let mut out = BTreeMap::new();
    out.insert(
        "c01_public_buckets",
        count("buckets", &|b| b["public"] == true),
    );
    out.insert(
        "c02_bucket_no_cmk",
        count("buckets", &|b| {
            b["encryption"]["enabled"] == false || b["encryption"]["kms_key"].is_null()
        }),
    );
    out.insert(
        "c03_admin_no_mfa",
        count("iam_users", &|u| u["admin"] == true && u["mfa"] == false),
    );
    out.insert(
        "c04_old_access_keys",
        count("iam_users", &|u| {
            u["access_keys"]
                .as_array()
                .is_some_and(|ks| ks.iter().any(|k| k["age_days"].as_i64() > Some(90)))
        }),
    );
    out.insert(
        "c05_open_admin_ports",
        count("security_groups", &|sg| {
            sg["rules"].as_array().is_some_and(|rs| {
                rs.iter()
                    .any(|r| r["cidr"] == "0.0.0.0/0" && (r["port"] == 22 || r["port"] == 3389))
            })
        }),
    );
    out.insert(
        "c06_unpatched_vms",
        count("vms", &|vm| vm["os_patch_age_days"].as_i64() > Some(30)),
    );
    out.insert(
        "c07_public_databases",
        count("databases", &|db| db["public"] == true),
    );
    out.insert(
        "c08_short_db_backups",
        count("databases", &|db| {
            db["backup_retention_days"].as_i64() < Some(7)
        }),
    );
    out.insert(
        "c09_bucket_logging",
        count("buckets", &|b| {
            b["logging"]["enabled"] == false || b["logging"]["retention_days"].as_i64() < Some(365)
        }),
    );
    out.insert(
        "c10_function_secrets",
        count("functions", &|f| {
            f["env"].as_object().is_some_and(|env| {
                env.iter().any(|(k, v)| {
                    k.contains("SECRET")
                        || k.contains("PASSWORD")
                        || v.as_str().is_some_and(|s| s.starts_with("AKIA"))
                })
            })
        }),
    );
    out
}

/// Runs `bench/checks.onus` over facts text; returns the JSON report.
fn run_checks(facts_text: &str, jobs: usize) -> String {
    let options = Options {
        now: jiff::civil::date(2026, 11, 22),
        max_steps: None,
        timeout: None,
        jobs: Some(jobs),
        show_passed: false,
    };
    let mut session = Session::new(options);
    session.load_path(&Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/checks.onus"));
    session.check();
    assert!(!session.has_errors(), "{:?}", session.diagnostics);
    session
        .add_facts(
            "generated".into(),
            None,
            facts_text.to_string(),
            FactsFormat::Json,
        )
        .expect("valid facts");
    let outcome = session.evaluate().expect("one facts root");
    let run = Run {
        program: &session.program,
        outcome: Some(&outcome),
        diagnostics: &session.diagnostics,
        sources: &session.sources,
        info: None,
        baseline: None,
    };
    json::render(&run)
}

fn counts(report: &str) -> BTreeMap<String, usize> {
    let v: Value = serde_json::from_str(report).expect("report is JSON");
    v["controls"]
        .as_array()
        .expect("controls")
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap_or_default().to_string(),
                c["violations"].as_array().map_or(0, Vec::len),
            )
        })
        .collect()
}

#[test]
fn checks_agree_with_the_reference_and_paths_are_identical() {
    for (n, seed) in [(600, 1), (3000, 7), (12_000, 2024)] {
        let facts = inventory(n, seed);
        let compact = facts.to_string();
        let pretty = serde_json::to_string_pretty(&facts).expect("serializable");
        let sequential = run_checks(&compact, 1);
        let expected: BTreeMap<String, usize> = reference_counts(&facts)
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        assert_eq!(counts(&sequential), expected, "n={n} seed={seed}");
        assert_eq!(
            run_checks(&compact, 4),
            sequential,
            "parallel differs, n={n}"
        );
        // Pretty-printed facts give other byte offsets but the same report.
        assert_eq!(
            run_checks(&pretty, 2),
            sequential,
            "formatting changed the report, n={n}"
        );
    }
}

#[test]
fn the_arena_reads_back_as_serde_json_does() {
    let samples = [
        r#"{"a": [1, -2, 3.5, 1e3, 9223372036854775807, -9223372036854775808], "b": {"c": null, "d": true}}"#,
        r#"["esc\"aped\n", "\u00e9\u4e2d", "\ud83d\ude00", "", {"": {}}, [[], [[]]]]"#,
        r#"{"k~1/": "pointer chars", "nested": {"x": [{"y": [1, {"z": "deep"}]}]}}"#,
        "42",
        "\"just a string\"",
    ];
    let generated = inventory(300, 99).to_string();
    for text in samples.iter().copied().chain([generated.as_str()]) {
        let expected: Value = serde_json::from_str(text).expect("valid sample");
        let facts = onus::facts::Facts::parse(text.to_string(), None, FactsFormat::Json)
            .expect("arena parses");
        let root = onus::eval::Evaluator::root(&facts);
        assert_eq!(root.to_json(), expected, "{text}");
    }
}

/// `bench/facts-1000.json` is `gen_facts.py 1000` (the shared benchmark's
/// generator) and `bench/expected-1000.json` the peers' summary of it (jq
/// over `peers/checks.jq`): onus must report the same counts, as must the
/// reference above.
#[test]
fn the_benchmark_checks_agree_with_the_peers_on_gen_facts_output() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("bench/facts-1000.json")).expect("bench facts");
    let expected: BTreeMap<String, usize> = serde_json::from_str(
        &std::fs::read_to_string(root.join("bench/expected-1000.json")).expect("expected counts"),
    )
    .expect("expected counts are JSON");
    assert_eq!(counts(&run_checks(&text, 1)), expected);
    let facts: Value = serde_json::from_str(&text).expect("valid facts");
    let reference: BTreeMap<String, usize> = reference_counts(&facts)
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    assert_eq!(reference, expected);
}

/// A policy over a JSON-lines stream (`facts.events`) and other facts: a
/// `where`, a `key`, waivers and an attestation by key (one key each that
/// no record has: A006 is decided over all batches; an attested key that
/// fails: A008), errors for records without a field (some attested), a
/// top-level `let` that does not read the stream, and an assertion.
const STREAM_POLICY: &str = r#"use std
service logs: saas {}
let threshold = 5
control severe {
  service = logs
  layer   = logging
  for e in facts.events where e.kind != "noise"
  key e.id
  require e.severity < threshold else "event {e.id} has severity {e.severity}"
}
control named {
  service = logs
  layer   = logging
  for e in facts.events
  require e.user.name != "root"
}
control accounts {
  service = logs
  layer   = monitoring
  for a in facts.accounts
  require a.ok
}
waive severe for "ev-00007" until 2030-01-01 by "sec" because "a known test event"
waive named for ["ev-00011", "ev-gone"] until 2030-01-01 by "sec" because "stale on purpose"
attest named for ["ev-00001", "ev-00030", "ev-00002", "ev-00003", "ev-00004", "ev-00005", "ev-00006", "ev-00008", "ev-00009", "ev-19999", "ev-nope"] by "sec@example.com" on 2026-11-01 until 2027-01-01 evidence "https://tickets.example/SEC-9"
assert "no account fails": all c in controls: c.id != "accounts" or c.status == "pass"
"#;

/// The JSON report of `p.onus` over `events=EVENTS` and `accounts.json`
/// followed by its text and SARIF reports (as `onus check` writes them),
/// and the digests the run names for its facts (path order). A stream
/// holds up to `in_memory.0` key fingerprints and `in_memory.1` findings in
/// memory, and spills the rest to temporary files.
fn stream_report(
    dir: &Path,
    events: &str,
    streaming: bool,
    batch: usize,
    jobs: usize,
    in_memory: (usize, usize),
) -> (String, Vec<(String, u64, String)>) {
    let options = Options {
        now: jiff::civil::date(2026, 11, 22),
        max_steps: None,
        timeout: None,
        jobs: Some(jobs),
        show_passed: true,
    };
    let mut session = Session::new(options);
    session.facts_limits.batch = batch;
    (
        session.facts_limits.keys_in_memory,
        session.facts_limits.findings_in_memory,
    ) = in_memory;
    session.stream_json_lines = streaming;
    session.load_path(&dir.join("p.onus"));
    session.check();
    assert!(!session.has_errors(), "{:?}", session.diagnostics);
    for (name, file) in [("events", events), ("accounts", "accounts.json")] {
        let path = dir.join(file);
        session
            .load_facts_spec(&format!("{name}={}", path.display()))
            .expect("facts load");
    }
    let outcome = session.evaluate_streaming().expect("evaluates");
    let diagnostics = session.run_diagnostics(Some(&outcome));
    let run = Run {
        program: &session.program,
        outcome: Some(&outcome),
        diagnostics: &diagnostics,
        sources: &session.sources,
        info: None,
        baseline: None,
    };
    let mut digests: Vec<(String, u64, String)> = session
        .run_info()
        .facts
        .into_iter()
        .map(|d| (d.path, d.bytes, d.sha256))
        .collect();
    digests.sort();
    let mut reports = json::render(&run).into_bytes();
    for format in [CheckFormat::Text, CheckFormat::Sarif] {
        report::write(format, &run, Gate::default(), false, &mut reports)
            .expect("a report is written");
    }
    (String::from_utf8(reports).expect("UTF-8"), digests)
}

/// SHA-256 of a file, as `sha256sum` prints it.
fn sha256_of(path: &Path) -> String {
    use sha2::Digest as _;
    let bytes = std::fs::read(path).expect("file read");
    sha2::Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Read a batch at a time on several threads, a stream gives the report
/// of reading it whole: the same violations, passing subjects, keys,
/// pointers, errors, waivers, attestations, key warnings and summary,
/// byte for byte, and the same digest of each input.
#[test]
fn a_stream_read_in_batches_reports_as_the_whole_list_does() {
    let dir = std::env::temp_dir().join(format!("onus-stream-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let mut r = Rng(42);
    let mut events = String::new();
    for i in 0..20_000 {
        if r.chance(3) {
            events.push_str("  \n");
        }
        let kind = if r.chance(20) { "noise" } else { "login" };
        let user = match r.below(10) {
            0 => String::new(),
            1 => r#", "user": {"name": "root"}"#.to_string(),
            _ => format!(r#", "user": {{"name": "u{}"}}"#, r.below(50)),
        };
        events.push_str(&format!(
            "{{\"id\": \"ev-{i:05}\", \"kind\": \"{kind}\", \"severity\": {}{user}}}\n",
            r.below(8)
        ));
    }
    std::fs::write(dir.join("events.jsonl"), &events).expect("events written");
    // The same with one id repeated far apart (A007), and once in a batch.
    let repeated = events.replacen("\"ev-19000\"", "\"ev-00010\"", 1).replacen(
        "\"ev-00021\"",
        "\"ev-00020\"",
        1,
    );
    std::fs::write(dir.join("repeated.jsonl"), &repeated).expect("events written");
    std::fs::write(
        dir.join("accounts.json"),
        r#"[{"ok": true}, {"ok": false}]"#,
    )
    .expect("accounts written");
    std::fs::write(dir.join("p.onus"), STREAM_POLICY).expect("policy written");
    for events in ["events.jsonl", "repeated.jsonl"] {
        let whole = stream_report(&dir, events, false, 1 << 20, 1, (1 << 20, 1 << 16));
        assert!(
            whole.0.contains("/events/") && whole.0.contains("\"passed\""),
            "{}",
            whole.0
        );
        // The codes from the JSON report, the summary from the text one,
        // the schema from the SARIF log.
        for code in [
            "A006",
            "A008",
            "\"attested\": true",
            " controls: ",
            "sarif-schema",
        ] {
            assert!(whole.0.contains(code), "{code} in {}", whole.0);
        }
        assert_eq!(whole.0.contains("A007"), events == "repeated.jsonl");
        let digests: Vec<(u64, String)> = whole.1.iter().map(|d| (d.1, d.2.clone())).collect();
        let files = ["accounts.json", events].map(|f| {
            let path = dir.join(f);
            (
                std::fs::metadata(&path).expect("size").len(),
                sha256_of(&path),
            )
        });
        assert_eq!(digests, files, "digests of the whole run");
        // The first keeps only 100 key fingerprints and 10 findings in
        // memory, the last one finding: the rest are spilled to temporary
        // files (`eval::stream::ledger`, `eval::findings`).
        for (batch, jobs, in_memory) in [
            (4096, 2, (100, 10)),
            (100_000, 3, (1 << 20, 1 << 16)),
            (1 << 24, 1, (1 << 20, 1)),
        ] {
            assert_eq!(
                stream_report(&dir, events, true, batch, jobs, in_memory),
                whole,
                "{events} in batches of {batch} on {jobs} threads, {in_memory:?} keys and findings in memory"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Past `Limits::findings_in_memory` (65,536 by default, as README.md and
/// SECURITY.md say) a stream's findings are moved to a temporary file:
/// the outcome holds fewer than it lists, and reads every one back, in
/// record order.
#[test]
fn a_streams_findings_past_the_default_bound_are_spilled_and_read_back() {
    const RECORDS: usize = 70_000;
    assert_eq!(onus::facts::Limits::default().findings_in_memory, 65_536);
    let dir = std::env::temp_dir().join(format!("onus-spill-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let events: String = (0..RECORDS)
        .map(|i| format!("{{\"id\": \"ev-{i:05}\", \"ok\": false}}\n"))
        .collect();
    let path = dir.join("events.jsonl");
    std::fs::write(&path, events).expect("events written");
    let mut session = Session::new(Options {
        now: jiff::civil::date(2026, 11, 22),
        max_steps: None,
        timeout: None,
        jobs: Some(2),
        show_passed: false,
    });
    session.stream_json_lines = true;
    session.load_source(
        "p.onus",
        "use std\nservice logs: saas {}\ncontrol c {\n  service = logs\n  layer = logging\n  for e in facts.events\n  require e.ok\n}\n".into(),
    );
    session.check();
    assert!(!session.has_errors(), "{:?}", session.diagnostics);
    session
        .load_facts_spec(&format!("events={}", path.display()))
        .expect("facts load");
    let outcome = session.evaluate_streaming().expect("evaluates");
    let violations = &outcome.controls[0].violations;
    assert_eq!(violations.len(), RECORDS);
    assert!(violations.held() < RECORDS, "{} held", violations.held());
    let keys: Vec<String> = violations.iter().map(|v| v.key.clone()).collect();
    let expected: Vec<String> = (0..RECORDS).map(|i| format!("ev-{i:05}")).collect();
    assert_eq!(keys, expected);
    assert_eq!(outcome.findings_failure(), None);
    let _ = std::fs::remove_dir_all(&dir);
}
