//! `onus diff` and `onus check --baseline`, end to end: the committed
//! reports the examples and cases compare are what `onus check` writes today
//! (`BLESS=1` rewrites them), the JSON diff validates against
//! docs/diff.schema.json, reports with a baseline still validate against
//! docs/report.schema.json and the SARIF 2.1.0 schema, the Markdown parses
//! as GitHub-flavoured tables whose cells hold exactly the reports' values
//! (pulldown-cmark), hostile values leave no control character, and the
//! gates exit as documented.

mod common;

use common::{Run, onus, root};
use proptest::prelude::*;
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

const NOW: &str = "2026-11-22";
const FLEET: &str = "examples/iaas_fleet";
const ORDERS: &str = "tests/cases/diff/lib";

/// The committed reports, each with the `onus check` that writes it.
fn committed_reports() -> Vec<(String, Vec<String>)> {
    let fleet = |facts: &str| {
        vec![
            "check".into(),
            format!("{FLEET}/policy.onus"),
            "--facts".into(),
            format!("{FLEET}/{facts}"),
            "--now".into(),
            NOW.into(),
        ]
    };
    let orders = |policy: &str, now: &str| {
        vec![
            "check".into(),
            format!("{ORDERS}/{policy}.onus"),
            "--facts".into(),
            format!("{ORDERS}/orders.json"),
            "--now".into(),
            now.into(),
        ]
    };
    vec![
        (format!("{FLEET}/report.json"), fleet("inventory.json")),
        (
            format!("{FLEET}/report.next.json"),
            fleet("inventory.next.json"),
        ),
        (
            format!("{ORDERS}/orders_rds.json"),
            orders("orders_rds", "2026-11-01"),
        ),
        (
            format!("{ORDERS}/orders_ec2.json"),
            orders("orders_ec2", "2026-12-01"),
        ),
        (
            format!("{ORDERS}/unloadable.json"),
            vec![
                "check".into(),
                format!("{ORDERS}/unloadable.onus"),
                "--now".into(),
                NOW.into(),
            ],
        ),
    ]
}

#[test]
fn committed_reports_are_what_check_writes_today() {
    for (report, mut args) in committed_reports() {
        args.extend(["--format".into(), "json".into()]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let fresh = onus(&args).stdout;
        let path = root().join(&report);
        if std::env::var_os("BLESS").is_some() {
            std::fs::write(&path, &fresh).expect("write the report");
            continue;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == fresh,
            "{report} is stale: `BLESS=1 cargo test --test diff` rewrites it"
        );
    }
}

/// Pairs worth comparing: both directions of both scenarios, and a report
/// with itself.
fn pairs() -> Vec<(String, String)> {
    let fleet = (
        format!("{FLEET}/report.json"),
        format!("{FLEET}/report.next.json"),
    );
    let orders = (
        format!("{ORDERS}/orders_rds.json"),
        format!("{ORDERS}/orders_ec2.json"),
    );
    vec![
        fleet.clone(),
        (fleet.1.clone(), fleet.0.clone()),
        orders.clone(),
        (orders.1.clone(), orders.0.clone()),
        (fleet.0.clone(), fleet.0),
    ]
}

fn load_schema(path: &str) -> jsonschema::Validator {
    let text = std::fs::read_to_string(root().join(path)).expect("schema file");
    let schema: Value = serde_json::from_str(&text).expect("schema JSON");
    jsonschema::validator_for(&schema).expect("a valid JSON Schema")
}

fn schema_errors(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn diff_json_validates_against_its_documented_schema() {
    let validator = load_schema("docs/diff.schema.json");
    for (old, new) in pairs() {
        let run = onus(&["diff", &old, &new, "--format", "json"]);
        assert_eq!(run.code, 0, "{old} → {new}: {}", run.stderr);
        let doc: Value = serde_json::from_str(&run.stdout).expect("JSON");
        let errors = schema_errors(&validator, &doc);
        assert!(errors.is_empty(), "{old} → {new}: {errors:#?}");
    }
    let run = onus(&["diff", &pairs()[0].0, &pairs()[0].1, "--format", "json"]);
    let mut doc: Value = serde_json::from_str(&run.stdout).expect("JSON");
    let subject = &mut doc["parties"][0]["controls"][0]["new"][0];
    subject["old"] = subject["new"].clone();
    assert!(
        !schema_errors(&validator, &doc).is_empty(),
        "a new subject with an old finding is caught"
    );
}

#[test]
fn the_fleet_diff_has_one_new_and_one_fixed_violation_with_control_key_pointer_and_owner() {
    let (old, new) = &pairs()[0];
    let run = onus(&["diff", old, new, "--format", "json"]);
    let doc: Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(doc["summary"]["new_violations"], 1);
    assert_eq!(doc["summary"]["fixed_violations"], 1);
    let mut found = Vec::new();
    for party in doc["parties"].as_array().expect("parties") {
        for c in party["controls"].as_array().expect("controls") {
            for (change, list) in [("new", &c["new"]), ("fixed", &c["fixed"])] {
                for s in list.as_array().expect("subjects") {
                    found.push(format!(
                        "{change} {} {} {} {}",
                        c["id"].as_str().unwrap_or("?"),
                        s["key"].as_str().unwrap_or("?"),
                        s["pointer"].as_str().unwrap_or("?"),
                        party["owner"].as_str().unwrap_or("?")
                    ));
                }
            }
        }
    }
    assert_eq!(
        found,
        [
            "new buckets_not_public acme-fleet-artifacts /buckets/0 customer",
            "fixed vms_patched i-0c3d4e5f607182930 /instances/2 customer",
        ]
    );
}

#[test]
fn moving_a_layer_from_provider_to_customer_is_ownership_drift() {
    let (old, new) = &pairs()[2];
    let run = onus(&["diff", old, new, "--format", "json"]);
    let doc: Value = serde_json::from_str(&run.stdout).expect("JSON");
    let controls = doc["parties"][0]["controls"].as_array().expect("controls");
    let patched = controls
        .iter()
        .find(|c| c["id"] == "db_os_patched")
        .expect("db_os_patched changed");
    assert_eq!(
        patched["status"],
        json!({ "old": "inherited", "new": "fail" })
    );
    let owner = json!({ "field": "owner", "old": "provider", "new": "customer" });
    assert!(
        patched["ownership_drift"]
            .as_array()
            .is_some_and(|d| d.contains(&owner)),
        "{patched:#}"
    );
    assert_eq!(doc["summary"]["ownership_drift"], 2);
}

/// `onus check` of the fleet's second facts against the first run.
fn fleet_against_baseline(format: &str, fail_on_new: bool) -> Run {
    let mut args = vec![
        "check".to_string(),
        format!("{FLEET}/policy.onus"),
        "--facts".into(),
        format!("{FLEET}/inventory.next.json"),
        "--now".into(),
        NOW.into(),
        "--baseline".into(),
        format!("{FLEET}/report.json"),
        "--format".into(),
        format.into(),
    ];
    if fail_on_new {
        args.push("--fail-on-new".into());
    }
    onus(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

#[test]
fn reports_with_a_baseline_still_validate_and_mark_every_finding() {
    let run = fleet_against_baseline("json", false);
    let doc: Value = serde_json::from_str(&run.stdout).expect("JSON");
    let errors = schema_errors(&load_schema("docs/report.schema.json"), &doc);
    assert!(errors.is_empty(), "{errors:#?}");
    let mut new = Vec::new();
    for c in doc["controls"].as_array().expect("controls") {
        for finding in c["violations"]
            .as_array()
            .into_iter()
            .chain(c["errors"].as_array())
            .flatten()
        {
            match finding["new"].as_bool() {
                Some(true) => new.push(format!(
                    "{}/{}",
                    c["id"].as_str().unwrap_or("?"),
                    finding["key"].as_str().unwrap_or("?")
                )),
                Some(false) => {}
                None => panic!("a finding without `new`: {finding}"),
            }
        }
    }
    assert_eq!(new, ["buckets_not_public/acme-fleet-artifacts"]);
    assert_eq!(doc["summary"]["new"], 1);

    let run = fleet_against_baseline("sarif", false);
    let log: Value = serde_json::from_str(&run.stdout).expect("SARIF JSON");
    let errors = schema_errors(&load_schema("tests/schemas/sarif-2.1.0.json"), &log);
    assert!(errors.is_empty(), "{errors:#?}");
    let states: Vec<&str> = log["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            r["baselineState"]
                .as_str()
                .expect("every result has a baselineState")
        })
        .collect();
    assert_eq!(states.iter().filter(|s| **s == "new").count(), 1);
    assert!(states.iter().all(|s| matches!(*s, "new" | "unchanged")));
}

#[test]
fn fail_on_new_fails_only_for_new_findings() {
    assert_eq!(
        fleet_against_baseline("text", true).code,
        1,
        "the new public bucket"
    );
    assert_eq!(
        fleet_against_baseline("text", false).code,
        1,
        "without the flag, every finding"
    );
    let same = onus(&[
        "check",
        &format!("{FLEET}/policy.onus"),
        "--facts",
        &format!("{FLEET}/inventory.next.json"),
        "--now",
        NOW,
        "--baseline",
        &format!("{FLEET}/report.next.json"),
        "--fail-on-new",
    ]);
    assert_eq!(same.code, 0, "only old violations remain: {}", same.stdout);
    let (old, new) = &pairs()[0];
    assert_eq!(onus(&["diff", old, new]).code, 0, "a diff is information");
    assert_eq!(onus(&["diff", old, new, "--fail-on-new"]).code, 1);
    assert_eq!(
        onus(&["diff", old, new, "--fail-on-new", "--fail-on", "critical"]).code,
        1,
        "the bucket control is critical"
    );
    // Backwards, the only new finding is a waived violation: nothing fails.
    assert_eq!(onus(&["diff", new, old, "--fail-on-new"]).code, 0);
    let usage = onus(&["check", FLEET, "--fail-on-new"]);
    assert_eq!(usage.code, 2, "--fail-on-new needs --baseline");
}

/// A report of one control whose violations have the given keys and
/// messages, written to a temporary file.
fn hostile_report(dir: &Path, name: &str, subjects: &[(&str, &str)]) -> String {
    let violations: Vec<Value> = subjects
        .iter()
        .map(|(key, message)| json!({ "key": key, "pointer": format!("/x/{key}"), "message": message, "waived": false }))
        .collect();
    let doc = json!({
        "version": 1,
        "controls": [{
            "id": "c|<b>*x*", "service": "s`x`", "layer": "l", "owner": "team @ops [x](y)",
            "decider": "customer", "operator": "evil\u{1b}[2J", "severity": "high",
            "enforce": "hard", "status": if subjects.is_empty() { "pass" } else { "fail" },
            "violations": violations, "errors": []
        }]
    });
    let path = dir.join(name);
    std::fs::write(&path, doc.to_string()).expect("write a report");
    path.display().to_string()
}

const HOSTILE: [(&str, &str); 5] = [
    ("a|b", "pipe | in \\| message"),
    ("<script>alert(1)</script>", "&amp; &#x41; entity"),
    (
        "[link](javascript:alert(1))",
        "![img](x) `code` *em* _em_ ~~s~~ $x$",
    ),
    ("@security-team", "https://evil.example www.evil.example"),
    (
        "evil\u{1b}[2J\u{1b}[31mALL CLEAR\u{7}",
        "line\nbreak\r\u{202e}bidi",
    ),
];

/// Every table of a Markdown document, cells as their rendered text; it
/// fails on anything but text inside a cell, and on links, images or inline
/// HTML anywhere.
fn tables(markdown: &str) -> Vec<Vec<Vec<String>>> {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_MATH
        | Options::ENABLE_GFM
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_TASKLISTS;
    let mut tables = Vec::new();
    let mut cell: Option<String> = None;
    for event in Parser::new_ext(markdown, options) {
        match event {
            Event::Start(Tag::Table(_)) => tables.push(Vec::new()),
            Event::Start(Tag::TableHead | Tag::TableRow) => {
                tables.last_mut().expect("a table").push(Vec::new())
            }
            Event::Start(Tag::TableCell) => cell = Some(String::new()),
            Event::End(TagEnd::TableCell) => {
                let text = cell.take().expect("in a cell");
                let table = tables.last_mut().expect("a table");
                table.last_mut().expect("a row").push(text);
            }
            Event::Text(t) if cell.is_some() => cell.as_mut().expect("a cell").push_str(&t),
            Event::Start(Tag::Link { .. } | Tag::Image { .. }) | Event::InlineHtml(_) => {
                panic!("markup from the reports: {event:?}\n{markdown}")
            }
            other if cell.is_some() => panic!("not text in a cell: {other:?}\n{markdown}"),
            _ => {}
        }
    }
    tables
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("onus-diff-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[test]
fn markdown_tables_keep_their_cells_and_values() {
    for (old, new) in pairs() {
        let run = onus(&["diff", &old, &new, "--format", "markdown"]);
        for table in tables(&run.stdout) {
            let columns = table[0].len();
            assert!(
                table.iter().all(|row| row.len() == columns),
                "{old} → {new}:\n{}",
                run.stdout
            );
        }
    }
    let dir = temp_dir("markdown");
    let empty = hostile_report(&dir, "empty.json", &[]);
    let hostile = hostile_report(&dir, "hostile.json", &HOSTILE);
    for (old, new) in [(&empty, &hostile), (&hostile, &empty)] {
        let run = onus(&["diff", old, new, "--format", "markdown"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let tables = tables(&run.stdout);
        let subjects = &tables[1];
        assert_eq!(subjects[0].len(), 5, "{}", run.stdout);
        let keys: Vec<&str> = subjects[1..].iter().map(|row| row[2].as_str()).collect();
        assert_eq!(
            keys,
            [
                "a|b",
                "<script>alert(1)</script>",
                "[link](javascript:alert(1))",
                "@\u{2060}security-team",
                "evil\\u{1b}[2J\\u{1b}[31mALL CLEAR\\u{7}",
            ]
        );
        let messages: Vec<&str> = subjects[1..].iter().map(|row| row[4].as_str()).collect();
        assert_eq!(messages[0], "pipe | in \\| message");
        assert_eq!(messages[1], "&amp; &#x41; entity");
        assert_eq!(messages[2], "![img](x) `code` *em* _em_ ~~s~~ $x$");
        assert!(subjects[1..].iter().all(|row| row[1] == "c|<b>*x*"));
        let heading = run
            .stdout
            .lines()
            .find(|l| l.starts_with("### "))
            .expect("a party");
        assert!(
            !heading.contains("@ops"),
            "mentions are neutralised: {heading}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn no_diff_format_lets_a_terminal_control_through() {
    let dir = temp_dir("controls");
    let empty = hostile_report(&dir, "empty.json", &[]);
    let hostile = hostile_report(&dir, "hostile.json", &HOSTILE);
    for format in ["text", "json", "markdown"] {
        for (old, new) in [(&empty, &hostile), (&hostile, &empty)] {
            let run = onus(&["diff", old, new, "--format", format]);
            let bad: Vec<char> = run
                .stdout
                .chars()
                .filter(|c| (c.is_control() && *c != '\n') || matches!(*c, '\u{7f}' | '\u{202e}'))
                .collect();
            assert!(bad.is_empty(), "{format}: raw control characters {bad:?}");
        }
    }
    let run = onus(&["diff", &empty, &hostile, "--format", "json"]);
    let doc: Value = serde_json::from_str(&run.stdout).expect("JSON");
    let keys: Vec<&str> = doc["parties"][0]["controls"][0]["new"]
        .as_array()
        .expect("new")
        .iter()
        .map(|s| s["key"].as_str().expect("a key"))
        .collect();
    assert_eq!(keys, HOSTILE.map(|(k, _)| k), "JSON keeps exact values");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn unreadable_reports_exit_2_with_what_and_where() {
    let dir = temp_dir("unreadable");
    let good = format!("{FLEET}/report.json");
    let cases = [
        (
            "broken.json",
            "{\n  \"version\": 1,\n  \"controls\": [,]\n}",
            "F031",
            "--> ",
        ),
        (
            "shape.json",
            "{\"version\": 1, \"controls\": [{\"id\": 3}]}",
            "F032",
            "at /controls/0/id",
        ),
        ("future.json", "{\"version\": 2}", "F033", "version 2"),
        ("empty.json", "", "F031", "EOF"),
    ];
    for (name, text, code, said) in cases {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write");
        let path = path.display().to_string();
        for args in [
            vec!["diff", path.as_str(), good.as_str()],
            vec!["check", FLEET, "--baseline", path.as_str()],
        ] {
            let run = onus(&args);
            assert_eq!(run.code, 2, "{args:?}");
            assert!(run.stdout.is_empty(), "{args:?}: nothing on stdout");
            assert!(
                run.stderr.contains(code) && run.stderr.contains(said),
                "{args:?}: {}",
                run.stderr
            );
        }
    }
    let missing = onus(&["diff", "no-such.json", &good]);
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.contains("F030"), "{}", missing.stderr);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The text of one table cell as pulldown-cmark renders it.
fn rendered_cell(text: &str) -> String {
    let table = format!("| h |\n|---|\n| {} |\n", onus::escape::markdown_cell(text));
    let tables = tables(&table);
    assert_eq!(tables.len(), 1, "{table}");
    assert_eq!(tables[0].len(), 2, "one body row: {table}");
    tables[0][1].concat()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Whatever the text, a cell shows exactly it: escaping changes no
    /// rendering but what would otherwise be markup.
    #[test]
    fn markdown_cells_render_as_their_text(text in "[a-zé0-9 _\\\\|*`~$\\[\\]()<>&#;!:/.w@^=+-]{0,24}") {
        let expected = text.trim_matches(' ').replace('@', "@\u{2060}");
        prop_assert_eq!(rendered_cell(&text), expected);
    }
}
