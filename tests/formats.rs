//! End-to-end tests of the report formats and `onus matrix`: the real binary
//! runs on policies with hostile facts and docs (tests/cases/formats/lib,
//! tests/cases/matrix/lib), and its output is checked structurally — SARIF
//! and the JSON report against their schemas, JUnit and the HTML page as XML,
//! GitHub commands and Markdown tables line by line, no terminal control
//! character anywhere — plus several reports in one run and usage errors.
//! The HTML page in headless Chromium is in tests/external.rs.

mod common;

use common::{Run, onus, root};
use quick_xml::Reader;
use quick_xml::events::Event;
use serde_json::Value;
use std::path::Path;

const SHOP: &str = "tests/cases/formats/lib/shop.onus";
const SHOP_FACTS: &str = "tests/cases/formats/lib/shop.json";
const PLATFORM: &str = "tests/cases/matrix/lib/platform.onus";
const PLATFORM_FACTS: &str = "tests/cases/matrix/lib/platform.json";
const HOSTILE: &str = "tests/cases/matrix/lib/hostile.onus";
const HOSTILE_FACTS: &str = "tests/cases/matrix/lib/hostile.json";
const NOW: &str = "2026-11-22";

/// `onus check` of the shop policy with its hostile facts.
fn check(format: &str) -> Run {
    onus(&[
        "check", SHOP, "--facts", SHOP_FACTS, "--now", NOW, "--format", format,
    ])
}

/// The policy and facts of each example, from the first `onus check` line
/// of its `commands` file: (name, policy, facts).
fn examples() -> Vec<(String, String, String)> {
    let mut found = Vec::new();
    let Ok(dirs) = std::fs::read_dir(root().join("examples")) else {
        return found;
    };
    for dir in dirs.flatten() {
        let commands = std::fs::read_to_string(dir.path().join("commands")).unwrap_or_default();
        let Some(line) = commands.lines().find(|l| l.starts_with("onus check ")) else {
            continue;
        };
        let words: Vec<&str> = line.split_whitespace().collect();
        let facts = words.windows(2).find(|w| w[0] == "--facts").map(|w| w[1]);
        if let (Some(policy), Some(facts)) = (words.get(2), facts) {
            let name = dir.file_name().to_string_lossy().into_owned();
            found.push((name, policy.to_string(), facts.to_string()));
        }
    }
    found.sort();
    found
}

/// The runs every structural test looks at: facts, no facts, a policy that
/// does not load, the matrix policy, and every example.
fn check_variants(format: &str) -> Vec<(String, Run)> {
    let broken = "tests/cases/formats/broken_sarif.onus";
    let mut runs = vec![
        ("with facts".to_string(), check(format)),
        (
            "static".to_string(),
            onus(&["check", SHOP, "--now", NOW, "--format", format]),
        ),
        (
            "not loaded".to_string(),
            onus(&["check", broken, "--now", NOW, "--format", format]),
        ),
        (
            "matrix policy".to_string(),
            onus(&[
                "check",
                PLATFORM,
                "--facts",
                PLATFORM_FACTS,
                "--now",
                NOW,
                "--format",
                format,
            ]),
        ),
    ];
    for (name, policy, facts) in examples() {
        let run = onus(&[
            "check", &policy, "--facts", &facts, "--now", NOW, "--format", format,
        ]);
        runs.push((format!("example {name}"), run));
    }
    runs
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).expect("valid JSON")
}

fn load_schema(path: &str) -> jsonschema::Validator {
    let text = std::fs::read_to_string(root().join(path)).expect("schema file");
    jsonschema::validator_for(&json(&text)).expect("a valid JSON Schema")
}

fn schema_errors(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// No C0 control (but newline and tab), DEL or C1 control in `text`.
fn assert_no_controls(what: &str, text: &str) {
    let bad: Vec<char> = text
        .chars()
        .filter(|c| (c.is_control() && *c != '\n' && *c != '\t') || *c == '\u{7f}')
        .collect();
    assert!(bad.is_empty(), "{what}: raw control characters {bad:?}");
}

/// A parsed XML document: every element's name and attributes in document
/// order, and all its character data with references resolved.
struct Xml {
    elements: Vec<(String, Vec<(String, String)>)>,
    text: String,
}

/// Parses `text`, panicking unless it is well-formed XML (tags balanced and
/// matching, attributes quoted, only known entities).
fn parse_xml(text: &str) -> Xml {
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut xml = Xml {
        elements: Vec::new(),
        text: String::new(),
    };
    let mut raw = String::new();
    let mut depth = 0i32;
    loop {
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(e) => panic!(
                "not well-formed XML at byte {}: {e}",
                reader.error_position()
            ),
        };
        let element = |e: &quick_xml::events::BytesStart<'_>| {
            let attrs = e
                .attributes()
                .map(|a| {
                    let a = a.expect("well-formed attribute");
                    let value = a
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .expect("known entities")
                        .into_owned();
                    (a.key.as_ref().to_string(), value)
                })
                .collect();
            (e.name().as_ref().to_string(), attrs)
        };
        match event {
            Event::Start(e) => {
                depth += 1;
                xml.elements.push(element(&e));
            }
            Event::Empty(e) => xml.elements.push(element(&e)),
            Event::End(_) => depth -= 1,
            Event::Text(t) => raw.push_str(&t.xml10_content()),
            Event::GeneralRef(r) => raw.push_str(&format!("&{};", r.xml10_content())),
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(depth, 0, "every element is closed");
    xml.text = quick_xml::escape::unescape(&raw)
        .expect("only known entities")
        .into_owned();
    xml
}

fn attr<'a>(attrs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let validator = load_schema("tests/schemas/sarif-2.1.0.json");
    for (what, run) in check_variants("sarif") {
        let log = json(&run.stdout);
        let errors = schema_errors(&validator, &log);
        assert!(
            errors.is_empty(),
            "{what}: SARIF invalid:\n{}",
            errors.join("\n")
        );
        assert_eq!(log["runs"][0]["tool"]["driver"]["name"], "onus", "{what}");
        assert_no_controls(&what, &run.stdout);
    }
}

#[test]
fn the_schemas_reject_broken_documents() {
    let sarif = load_schema("tests/schemas/sarif-2.1.0.json");
    let mut log = json(&check("sarif").stdout);
    log["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(
        !schema_errors(&sarif, &log).is_empty(),
        "an unknown level is caught"
    );
    let mut log = json(&check("sarif").stdout);
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        0.into();
    assert!(!schema_errors(&sarif, &log).is_empty(), "line 0 is caught");
    let report = load_schema("docs/report.schema.json");
    let mut doc = json(&check("json").stdout);
    doc["controls"][0]["status"] = "maybe".into();
    assert!(
        !schema_errors(&report, &doc).is_empty(),
        "an unknown status is caught"
    );
}

#[test]
fn sarif_has_a_rule_per_control_and_a_result_per_violation_and_error() {
    let sarif = json(&check("sarif").stdout);
    let report = json(&check("json").stdout);
    let run = &sarif["runs"][0];
    let controls = report["controls"].as_array().expect("controls");
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), controls.len());
    let expected: usize = controls
        .iter()
        .map(|c| {
            c["violations"].as_array().map_or(0, Vec::len)
                + c["errors"].as_array().map_or(0, Vec::len)
        })
        .sum();
    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), expected);
    for r in results {
        let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .expect("uri");
        assert!(
            !uri.contains(':') && !uri.starts_with('/'),
            "relative URI expected, got {uri}"
        );
        assert!(
            r["locations"][0]["physicalLocation"]["region"]["startLine"]
                .as_u64()
                .is_some()
        );
        let waived = r["properties"]["waived"].as_bool().expect("waived");
        assert_eq!(waived, r["suppressions"][0]["kind"] == "external");
        assert!(r["properties"]["key"].is_string() && r["properties"].get("pointer").is_some());
    }
    // Severity decides the level: db_not_public is high, bucket_logging low.
    let level = |id: &str| {
        rules
            .iter()
            .find(|r| r["id"] == id)
            .map(|r| r["defaultConfiguration"]["level"].clone())
    };
    assert_eq!(level("db_not_public"), Some("error".into()));
    assert_eq!(level("bucket_logging"), Some("warning".into()));
    assert_eq!(level("key_rotation"), Some("note".into()));
    // The hostile key survives exactly in the properties.
    assert!(
        results
            .iter()
            .any(|r| r["properties"]["key"] == "a<b>&\"c\"]]>")
    );
}

#[test]
fn json_report_validates_against_its_documented_schema() {
    let validator = load_schema("docs/report.schema.json");
    for (what, run) in check_variants("json") {
        let errors = schema_errors(&validator, &json(&run.stdout));
        assert!(
            errors.is_empty(),
            "{what}: report invalid:\n{}",
            errors.join("\n")
        );
    }
}

#[test]
fn junit_parses_and_its_counts_match_the_json_report() {
    let reports = check_variants("json");
    for ((what, run), (_, report)) in check_variants("junit").iter().zip(&reports) {
        assert_no_controls(what, &run.stdout);
        let elements = parse_xml(&run.stdout).elements;
        if what == "not loaded" {
            assert!(
                elements.iter().any(|(n, _)| n == "error"),
                "{what}: a load error"
            );
            continue;
        }
        let report = json(&report.stdout);
        let summary = &report["summary"];
        let count = |k: &str| summary[k].as_u64().unwrap_or(0);
        let mut totals = [0u64; 4];
        for (name, attrs) in &elements {
            if name == "testsuite" && attr(attrs, "name") != Some("assertions") {
                for (i, k) in ["tests", "failures", "errors", "skipped"]
                    .iter()
                    .enumerate()
                {
                    totals[i] += attr(attrs, k)
                        .and_then(|v| v.parse::<u64>().ok())
                        .unwrap_or(0);
                }
            }
        }
        let skipped =
            count("waived") + count("inherited") + count("unverified") + count("unevaluated");
        assert_eq!(
            totals,
            [count("controls"), count("fail"), count("error"), skipped],
            "{what}"
        );
        let cases = elements.iter().filter(|(n, _)| n == "testcase").count() as u64;
        let assertions = report["assertions"].as_array().map_or(0, Vec::len) as u64;
        assert_eq!(cases, count("controls") + assertions, "{what}");
    }
    // Hostile keys round-trip through the XML unchanged.
    let xml = parse_xml(&check("junit").stdout);
    assert!(
        xml.text.contains("a<b>&\"c\"]]>"),
        "the hostile key is in a failure text"
    );
}

#[test]
fn no_format_lets_a_terminal_control_through() {
    for format in ["text", "json", "sarif", "junit", "github", "markdown"] {
        let run = check(format);
        assert_no_controls(&format!("check --format {format} stdout"), &run.stdout);
        assert_no_controls(&format!("check --format {format} stderr"), &run.stderr);
    }
    for format in ["text", "markdown", "mermaid", "html", "json"] {
        let run = onus(&[
            "matrix",
            HOSTILE,
            "--facts",
            HOSTILE_FACTS,
            "--now",
            NOW,
            "--format",
            format,
        ]);
        assert_eq!(run.code, 0, "matrix --format {format}: {}", run.stderr);
        assert_no_controls(&format!("matrix --format {format} stdout"), &run.stdout);
        assert_no_controls(&format!("matrix --format {format} stderr"), &run.stderr);
    }
}

#[test]
fn github_commands_cannot_be_forged_from_the_facts() {
    let run = check("github");
    assert_eq!(run.code, 1);
    let report = json(&check("json").stdout);
    let findings: usize = report["controls"]
        .as_array()
        .expect("controls")
        .iter()
        .map(|c| {
            c["violations"].as_array().map_or(0, Vec::len)
                + c["errors"].as_array().map_or(0, Vec::len)
        })
        .sum();
    let diagnostics = report["diagnostics"].as_array().map_or(0, Vec::len);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines.len(),
        findings + diagnostics + 1,
        "one command per finding and diagnostic, then the summary"
    );
    for line in &lines[..lines.len() - 1] {
        let command = ["::error ", "::warning ", "::notice "]
            .iter()
            .any(|p| line.starts_with(p));
        assert!(command, "not a workflow command: {line}");
        let (props, _) = line
            .split_once("::")
            .and_then(|(_, rest)| rest.split_once("::"))
            .expect("props::message");
        // Properties are `name=value` pairs whose values hide `,` and `:`.
        for prop in props.split_once(' ').map_or("", |(_, p)| p).split(',') {
            let (name, _) = prop.split_once('=').expect("name=value");
            assert!(
                ["file", "line", "col", "endLine", "endColumn", "title"].contains(&name),
                "{line}"
            );
        }
    }
    assert!(lines.last().is_some_and(|l| l.starts_with("onus: FAILED")));
    assert!(
        run.stdout.contains("%0D::error::forged"),
        "the forged command stays inside the message"
    );
}

#[test]
fn markdown_tables_keep_their_columns() {
    let run = check("markdown");
    let unescaped_pipes = |line: &str| {
        let mut n = 0;
        let mut escaped = false;
        for c in line.chars() {
            if c == '|' && !escaped {
                n += 1;
            }
            escaped = c == '\\' && !escaped;
        }
        n
    };
    let mut columns = None;
    for line in run.stdout.lines() {
        if !line.starts_with('|') {
            columns = None;
            continue;
        }
        let n = unescaped_pipes(line);
        assert_eq!(
            *columns.get_or_insert(n),
            n,
            "a table row with a different number of cells: {line}"
        );
    }
    assert!(
        !run.stdout.contains("@security-team"),
        "mentions are neutralised"
    );
    assert!(
        !run.stdout.replace("\\<", "").contains("<script>"),
        "HTML is escaped"
    );
    assert!(
        !run.stdout.replace("\\[", "").contains("[x](javascript:"),
        "links cannot be injected: every `[` is escaped"
    );
}

#[test]
fn several_reports_in_one_run_equal_single_runs() {
    let dir = std::env::temp_dir().join(format!("onus-formats-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = |name: &str| dir.join(name).to_str().expect("UTF-8 path").to_string();
    let (json_file, sarif_file, junit_file) = (path("r.json"), path("r.sarif"), path("junit.xml"));
    let base = ["check", SHOP, "--facts", SHOP_FACTS, "--now", NOW];
    let both = onus(
        &[
            &base[..],
            &[
                "--format",
                "json",
                "--format",
                "sarif",
                "--output",
                &json_file,
                "--output",
                &sarif_file,
            ],
        ]
        .concat(),
    );
    assert_eq!(both.code, 1);
    assert_eq!(both.stdout, "");
    let read = |p: &str| std::fs::read_to_string(p).expect("report written");
    assert_eq!(read(&json_file), check("json").stdout);
    assert_eq!(read(&sarif_file), check("sarif").stdout);
    let inline = format!("junit={junit_file}");
    let mixed = onus(&[&base[..], &["--format", "text", "--format", &inline]].concat());
    assert_eq!(mixed.stdout, check("text").stdout);
    assert_eq!(read(&junit_file), check("junit").stdout);
    let names: Vec<String> = std::fs::read_dir(&dir)
        .expect("temp dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 3, "no temporary file is left: {names:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn ambiguous_or_unwritable_outputs_exit_2() {
    let two_on_stdout = onus(&["check", SHOP, "--format", "json", "--format", "sarif"]);
    assert_eq!(two_on_stdout.code, 2);
    assert_eq!(two_on_stdout.stdout, "");
    assert!(
        two_on_stdout.stderr.contains("--output"),
        "{}",
        two_on_stdout.stderr
    );
    let unknown = onus(&["check", SHOP, "--format", "yaml"]);
    assert_eq!(unknown.code, 2);
    assert!(unknown.stderr.contains("sarif"), "{}", unknown.stderr);
    let missing_dir = Path::new("/nonexistent-onus-dir/report.json");
    let unwritable = onus(&[
        "check",
        SHOP,
        "--format",
        "json",
        "--output",
        missing_dir.to_str().unwrap_or_default(),
    ]);
    assert_eq!(unwritable.code, 2);
    assert!(
        unwritable.stderr.contains("cannot write"),
        "{}",
        unwritable.stderr
    );
}

#[test]
fn matrix_html_is_one_self_contained_well_formed_page() {
    for (policy, facts) in [(PLATFORM, PLATFORM_FACTS), (HOSTILE, HOSTILE_FACTS)] {
        let run = onus(&[
            "matrix", policy, "--facts", facts, "--now", NOW, "--format", "html",
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let page = &run.stdout;
        assert!(page.starts_with("<!DOCTYPE html>"));
        let elements = parse_xml(page).elements;
        let names: Vec<&str> = elements.iter().map(|(n, _)| n.as_str()).collect();
        assert!(
            names.contains(&"table") && names.contains(&"style"),
            "{policy}"
        );
        for forbidden in ["script", "link", "img", "iframe", "object"] {
            assert!(
                !names.contains(&forbidden),
                "{policy}: a <{forbidden}> element"
            );
        }
        // Links stay on the page: each names the id of one of its elements.
        let ids: Vec<&str> = elements.iter().filter_map(|(_, a)| attr(a, "id")).collect();
        assert!(elements.iter().all(|(_, attrs)| {
            attr(attrs, "src").is_none()
                && attr(attrs, "href")
                    .is_none_or(|h| h.strip_prefix('#').is_some_and(|id| ids.contains(&id)))
        }));
        assert!(
            !page.contains("http://") && !page.contains("https://") && !page.contains("@import")
        );
    }
    // The hostile docs end up as tooltips, unchanged but for control characters.
    let run = onus(&[
        "matrix",
        HOSTILE,
        "--facts",
        HOSTILE_FACTS,
        "--now",
        NOW,
        "--format",
        "html",
    ]);
    let elements = parse_xml(&run.stdout).elements;
    let titles: Vec<&str> = elements
        .iter()
        .filter_map(|(_, a)| attr(a, "title"))
        .collect();
    assert!(
        titles
            .iter()
            .any(|t| t.contains("</td></tr></table><script>alert(\"pwned\")</script>"))
    );
    assert!(
        elements
            .iter()
            .any(|(n, a)| n == "td" && attr(a, "class").is_some_and(|c| c.contains("failing")))
    );
}

#[test]
fn matrix_mermaid_starts_with_flowchart_and_json_covers_every_cell() {
    let mermaid = onus(&["matrix", PLATFORM, "--format", "mermaid"]);
    assert!(
        mermaid.stdout.starts_with("flowchart"),
        "{}",
        mermaid.stdout
    );
    let run = onus(&[
        "matrix",
        PLATFORM,
        "--facts",
        PLATFORM_FACTS,
        "--now",
        NOW,
        "--format",
        "json",
    ]);
    let doc = json(&run.stdout);
    let layers = doc["layers"].as_array().map_or(0, Vec::len);
    let services = doc["services"].as_array().map_or(0, Vec::len);
    let cells = doc["cells"].as_array().expect("cells");
    assert_eq!(cells.len(), layers * services);
    assert_eq!(doc["evaluated"], true);
    for cell in cells {
        let decider = cell["decider"].as_str().unwrap_or_default();
        assert!(
            ["provider", "customer", "shared", "none", "unassigned"].contains(&decider),
            "{cell}"
        );
    }
    // Std layers first, in std order.
    assert_eq!(doc["layers"][0]["id"], "facility");
    assert_eq!(doc["layers"][layers - 1]["id"], "ml.training_data");
}
