//! `onus merge` and `onus check --shard`, end to end, on the benchmark's
//! ten checks over its 1,000-resource inventory split into two "accounts":
//! the merged report of the two halves' runs validates against
//! docs/report.schema.json, equals the sharded run over both halves, and has
//! the results and summary of one run over the whole inventory (each key
//! prefixed by its half); mismatched reports are refused with their codes.

mod common;

use common::{Run, onus, root};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

const NOW: &str = "2026-11-22";
const POLICY: &str = "bench/checks.onus";
const FACTS: &str = "bench/facts-1000.json";

/// A fresh folder for one test's files.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("onus-merge-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("reports")).expect("scratch folder");
    dir
}

/// The inventory's resource lists split in two: every other resource in
/// `east.json`, the rest in `west.json`, the account object in both.
fn halves(dir: &Path) -> [String; 2] {
    let text = std::fs::read_to_string(root().join(FACTS)).expect("facts");
    let facts: Value = serde_json::from_str(&text).expect("facts JSON");
    let mut parts = [serde_json::Map::new(), serde_json::Map::new()];
    for (name, value) in facts.as_object().expect("an object") {
        match value.as_array() {
            Some(items) => {
                for (p, part) in parts.iter_mut().enumerate() {
                    let half: Vec<Value> = items.iter().skip(p).step_by(2).cloned().collect();
                    part.insert(name.clone(), Value::Array(half));
                }
            }
            None => {
                for part in &mut parts {
                    part.insert(name.clone(), value.clone());
                }
            }
        }
    }
    let [east, west] = parts;
    let write = |name: &str, part: serde_json::Map<String, Value>| {
        let path = dir.join(name);
        std::fs::write(&path, Value::Object(part).to_string()).expect("write a half");
        path.display().to_string()
    };
    [write("east.json", east), write("west.json", west)]
}

fn json_of(run: &Run, what: &str) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{what}: {e}\n{}", run.stderr))
}

fn schema_errors(doc: &Value) -> Vec<String> {
    let text = std::fs::read_to_string(root().join("docs/report.schema.json")).expect("schema");
    let schema: Value = serde_json::from_str(&text).expect("schema JSON");
    let validator = jsonschema::validator_for(&schema).expect("a valid JSON Schema");
    validator
        .iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

/// Each control's id, status, subject count and sorted finding keys, with
/// `strip` taking the label off each key.
fn results(report: &Value, strip: bool) -> Vec<Value> {
    let key = |f: &Value| {
        let key = f["key"].as_str().unwrap_or_default();
        let key = if strip {
            key.split_once('/').map_or(key, |(_, k)| k)
        } else {
            key
        };
        key.to_string()
    };
    report["controls"]
        .as_array()
        .expect("controls")
        .iter()
        .map(|c| {
            let mut violations: Vec<String> = c["violations"]
                .as_array()
                .expect("violations")
                .iter()
                .map(key)
                .collect();
            violations.sort();
            json!({
                "id": c["id"],
                "status": c["status"],
                "subjects": c["subjects"],
                "violations": violations,
                "errors": c["errors"].as_array().map_or(0, Vec::len),
            })
        })
        .collect()
}

#[test]
fn merging_two_halves_gives_the_run_over_both() {
    let dir = scratch("halves");
    let [east, west] = halves(&dir);
    let reports: Vec<String> = ["east", "west"]
        .iter()
        .map(|n| {
            dir.join("reports")
                .join(format!("{n}.json"))
                .display()
                .to_string()
        })
        .collect();
    for (facts, report) in [(&east, &reports[0]), (&west, &reports[1])] {
        let run = onus(&[
            "check", POLICY, "--facts", facts, "--now", NOW, "--format", "json", "-o", report,
        ]);
        assert!(run.code <= 1, "{}", run.stderr);
    }
    let merged = onus(&["merge", &reports[0], &reports[1]]);
    let merged_doc = json_of(&merged, "merge");
    assert!(
        schema_errors(&merged_doc).is_empty(),
        "{:#?}",
        schema_errors(&merged_doc)
    );
    let sharded = onus(&[
        "check", POLICY, "--shard", &east, "--shard", &west, "--now", NOW, "--format", "json",
    ]);
    let sharded_doc = json_of(&sharded, "check --shard");
    assert!(
        schema_errors(&sharded_doc).is_empty(),
        "{:#?}",
        schema_errors(&sharded_doc)
    );
    let whole = onus(&[
        "check", POLICY, "--facts", FACTS, "--now", NOW, "--format", "json",
    ]);
    let whole_doc = json_of(&whole, "check");

    // Merged and sharded: the same report but for where it came from.
    for field in ["summary", "controls", "assertions"] {
        assert_eq!(merged_doc[field], sharded_doc[field], "{field}");
    }
    assert_eq!(merged.code, sharded.code);
    // And the results of one run over everything, keyed by half.
    assert_eq!(merged_doc["summary"], whole_doc["summary"]);
    assert_eq!(results(&merged_doc, true), results(&whole_doc, false));
    assert_eq!(merged.code, whole.code);
    let violations = &merged_doc["controls"][0]["violations"];
    let keys: Vec<&str> = violations
        .as_array()
        .expect("violations")
        .iter()
        .filter_map(|v| v["key"].as_str())
        .collect();
    assert!(keys.iter().any(|k| k.starts_with("east/")), "{keys:?}");
    assert!(keys.iter().any(|k| k.starts_with("west/")), "{keys:?}");

    // Provenance: every input of every run, and each report with its label.
    let facts: Vec<&str> = merged_doc["run"]["facts"]
        .as_array()
        .expect("facts")
        .iter()
        .filter_map(|f| f["sha256"].as_str())
        .collect();
    let sharded_facts: Vec<&str> = sharded_doc["run"]["facts"]
        .as_array()
        .expect("facts")
        .iter()
        .filter_map(|f| f["sha256"].as_str())
        .collect();
    assert_eq!(facts.len(), 2);
    assert_eq!(facts, sharded_facts, "the same files, in the same order");
    let labels: Vec<&str> = merged_doc["run"]["reports"]
        .as_array()
        .expect("reports")
        .iter()
        .filter_map(|r| r["label"].as_str())
        .collect();
    assert_eq!(labels, ["east", "west"]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn reports_that_do_not_fit_are_refused_with_their_codes() {
    let dir = scratch("refusals");
    let [east, _] = halves(&dir);
    let report = dir.join("reports/east.json");
    let report_path = report.display().to_string();
    let run = onus(&[
        "check",
        POLICY,
        "--facts",
        &east,
        "--now",
        NOW,
        "--format",
        "json",
        "-o",
        &report_path,
    ]);
    assert!(run.code <= 1, "{}", run.stderr);
    let original: Value =
        serde_json::from_str(&std::fs::read_to_string(&report).expect("report")).expect("JSON");
    let variant = |name: &str, edit: &dyn Fn(&mut Value)| {
        let mut doc = original.clone();
        edit(&mut doc);
        let path = dir.join(format!("{name}.json"));
        std::fs::write(&path, doc.to_string()).expect("write a variant");
        path.display().to_string()
    };
    let other_policy = variant("other_policy", &|d| {
        d["run"]["policy_files"][0]["sha256"] = json!("0".repeat(64));
    });
    let other_day = variant("other_day", &|d| d["run"]["now"] = json!("2026-11-23"));
    let no_run = variant("no_run", &|d| {
        d.as_object_mut().map(|o| o.remove("run"));
    });
    let corrupt = dir.join("corrupt.json");
    std::fs::write(&corrupt, "{\"version\": 1,").expect("write");
    let corrupt = corrupt.display().to_string();
    for (other, code) in [
        (&other_policy, "F035"),
        (&other_day, "F036"),
        (&report_path, "F037"),
        (&no_run, "F038"),
        (&corrupt, "F031"),
    ] {
        let run = onus(&["merge", &report_path, other]);
        assert_eq!(run.code, 2, "{other}: {}", run.stderr);
        assert!(
            run.stderr.contains(code),
            "{other}: expected {code}: {}",
            run.stderr
        );
        assert!(run.stdout.is_empty(), "no partial report");
    }
    // Shards are keyed by file name too, and must be readable.
    let run = onus(&[
        "check",
        POLICY,
        "--shard",
        &east,
        "--shard",
        &report_path,
        "--now",
        NOW,
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("F037"), "{}", run.stderr);
    let missing = dir.join("missing.json").display().to_string();
    let run = onus(&[
        "check", POLICY, "--shard", &east, "--shard", &missing, "--now", NOW,
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("F010"), "{}", run.stderr);
    // Merged with itself under another name: the same results twice.
    let copy = dir.join("copy.json");
    std::fs::copy(&report, &copy).expect("copy");
    let twice = onus(&["merge", &report_path, &copy.display().to_string()]);
    let doc = json_of(&twice, "merge");
    assert_eq!(
        doc["controls"][0]["subjects"].as_u64(),
        original["controls"][0]["subjects"].as_u64().map(|n| n * 2)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
