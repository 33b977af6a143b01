//! `onus export oscal`, end to end: the real binary exports all three
//! documents over every example that declares the NIST 800-53 framework
//! (with its facts and statically), over the golden-case policy, and over
//! facts where regulated_db's exposure control passes; each document is
//! validated against the OSCAL 1.2.1 schemas in tests/schemas/oscal/ (with
//! formats checked). Then the acceptance points of issue 13, as assertions:
//! host patching is `inherited`; the exposure control is a responsibility
//! without `satisfied` while it fails and `satisfied` once it passes; the
//! assessment results list the failing subjects' keys and pointers; two
//! exports are byte-identical; and the exit codes.

mod common;

use common::{Run, root};
use serde_json::Value;
use std::path::Path;

const NOW: &str = "2026-11-22";
const REGULATED_DB: &str = "examples/regulated_db";
const DATABASES: &str = "examples/regulated_db/databases.json";
/// databases.json with no public endpoint: `not_publicly_accessible` passes.
const DATABASES_PRIVATE: &str = "tests/cases/oscal/databases_private.json";
const KINDS: [(&str, &str); 3] = [
    ("component-definition", "component-definition"),
    ("ssp", "system-security-plan"),
    ("assessment-results", "assessment-results"),
];

// Without SOURCE_DATE_EPOCH, as a user runs it: the dates come from
// --now, so two exports are still byte-identical.
use common::onus_as_a_user as onus;

/// `onus export oscal --kind KIND PATH [--facts F]... --framework FW`.
fn export(kind: &str, path: &str, facts: &[&str], framework: &str) -> Run {
    let mut args = vec!["export", "oscal", "--kind", kind, path];
    for f in facts {
        args.extend(["--facts", f]);
    }
    args.extend(["--framework", framework, "--now", NOW]);
    onus(&args)
}

fn document(run: &Run, what: &str) -> Value {
    assert_eq!(run.code, 0, "{what}: {}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{what}: not JSON: {e}"))
}

fn validator(model: &str) -> jsonschema::Validator {
    let path = root().join(format!("tests/schemas/oscal/oscal_{model}_schema.json"));
    let text = std::fs::read_to_string(path).expect("schema file");
    let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("a valid JSON Schema")
}

fn assert_valid(validator: &jsonschema::Validator, doc: &Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .take(10)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}:\n{}", errors.join("\n"));
}

/// Each example whose policy declares `nist_800_53`, with the facts of the
/// first `onus check` line of its commands file.
fn nist_examples() -> Vec<(String, Vec<String>)> {
    let mut found = Vec::new();
    for dir in std::fs::read_dir(root().join("examples"))
        .expect("examples")
        .flatten()
    {
        let policy = std::fs::read_to_string(dir.path().join("policy.onus")).unwrap_or_default();
        if !policy.contains("framework nist_800_53 ") {
            continue;
        }
        let commands = std::fs::read_to_string(dir.path().join("commands")).unwrap_or_default();
        let Some(line) = commands.lines().find(|l| l.starts_with("onus check ")) else {
            continue;
        };
        let words: Vec<&str> = line.split_whitespace().collect();
        let facts = words
            .windows(2)
            .filter(|w| w[0] == "--facts")
            .map(|w| w[1].to_string())
            .collect();
        let name = dir.file_name().to_string_lossy().into_owned();
        found.push((format!("examples/{name}"), facts));
    }
    found.sort();
    found
}

#[test]
fn every_exported_document_validates_against_its_oscal_schema() {
    let examples = nist_examples();
    assert!(
        examples.len() >= 3,
        "examples with the framework: {examples:?}"
    );
    let mut inputs: Vec<(String, Vec<String>, &str)> = Vec::new();
    for (path, facts) in &examples {
        inputs.push((path.clone(), facts.clone(), "nist_800_53"));
        inputs.push((path.clone(), Vec::new(), "nist_800_53"));
    }
    inputs.push((
        REGULATED_DB.into(),
        vec![DATABASES_PRIVATE.into()],
        "nist_800_53",
    ));
    inputs.push((
        "tests/cases/oscal/lib/shop.onus".into(),
        vec!["tests/cases/oscal/lib/shop.json".into()],
        "shop",
    ));
    for (kind, model) in KINDS {
        let validator = validator(model);
        for (path, facts, framework) in &inputs {
            let facts: Vec<&str> = facts.iter().map(String::as_str).collect();
            let what = format!("{kind} of {path} with {facts:?}");
            let doc = document(&export(kind, path, &facts, framework), &what);
            assert!(doc.get(model).is_some(), "{what}: no `{model}`");
            assert_valid(&validator, &doc, &what);
        }
    }
}

#[test]
fn a_broken_document_does_not_validate() {
    // The schemas can fail: a malformed UUID and a missing metadata are refused.
    let validator = validator("system-security-plan");
    let run = export("ssp", REGULATED_DB, &[DATABASES], "nist_800_53");
    let mut doc = document(&run, "ssp");
    doc["system-security-plan"]["uuid"] = Value::from("not-a-uuid");
    assert!(!validator.is_valid(&doc));
    let mut doc = document(&run, "ssp");
    doc["system-security-plan"]
        .as_object_mut()
        .unwrap()
        .remove("metadata");
    assert!(!validator.is_valid(&doc));
}

/// The by-components of requirement `id` that carry onus control `control`.
fn by_components<'a>(ssp: &'a Value, id: &str, control: &str) -> Vec<&'a Value> {
    let requirements =
        ssp["system-security-plan"]["control-implementation"]["implemented-requirements"]
            .as_array()
            .expect("implemented-requirements");
    let requirement = requirements
        .iter()
        .find(|r| r["control-id"] == id)
        .unwrap_or_else(|| panic!("no implemented-requirement {id}"));
    requirement["by-components"]
        .as_array()
        .expect("by-components")
        .iter()
        .filter(|b| {
            b["props"].as_array().is_some_and(|props| {
                props
                    .iter()
                    .any(|p| p["name"] == "onus-control" && p["value"] == control)
            })
        })
        .collect()
}

fn uuids(items: &Value) -> Vec<&str> {
    items
        .as_array()
        .map(|a| a.iter().filter_map(|i| i["uuid"].as_str()).collect())
        .unwrap_or_default()
}

#[test]
fn host_patching_is_inherited_from_what_the_provider_provides() {
    let ssp = document(
        &export("ssp", REGULATED_DB, &[DATABASES], "nist_800_53"),
        "ssp",
    );
    let found = by_components(&ssp, "si-2", "host_patching");
    assert_eq!(found.len(), 1);
    let b = found[0];
    let provided = uuids(&b["export"]["provided"]);
    let inherited = b["inherited"].as_array().expect("inherited");
    assert!(
        inherited
            .iter()
            .any(|i| provided.contains(&i["provided-uuid"].as_str().unwrap_or_default())),
        "{b:#}"
    );
}

#[test]
fn the_exposure_control_is_satisfied_only_once_the_facts_pass() {
    let responsibility_and_satisfied = |facts: &str| {
        let ssp = document(&export("ssp", REGULATED_DB, &[facts], "nist_800_53"), facts);
        let found = by_components(&ssp, "sc-7", "not_publicly_accessible");
        assert_eq!(found.len(), 1);
        let b = found[0].clone();
        let responsibilities: Vec<String> = uuids(&b["export"]["responsibilities"])
            .into_iter()
            .map(str::to_string)
            .collect();
        let satisfied: Vec<String> = b["satisfied"]
            .as_array()
            .map(|s| {
                s.iter()
                    .filter_map(|s| s["responsibility-uuid"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        (b, responsibilities, satisfied)
    };
    let (failing, responsibilities, satisfied) = responsibility_and_satisfied(DATABASES);
    assert_eq!(responsibilities.len(), 1, "{failing:#}");
    assert!(satisfied.is_empty(), "{failing:#}");
    assert_eq!(failing["implementation-status"]["state"], "planned");

    let (passing, responsibilities, satisfied) = responsibility_and_satisfied(DATABASES_PRIVATE);
    assert_eq!(responsibilities.len(), 1, "{passing:#}");
    assert_eq!(satisfied, responsibilities, "{passing:#}");
    assert_eq!(passing["implementation-status"]["state"], "implemented");
}

#[test]
fn assessment_results_list_the_failing_subjects_with_keys_and_pointers() {
    let ar = document(
        &export(
            "assessment-results",
            REGULATED_DB,
            &[DATABASES],
            "nist_800_53",
        ),
        "assessment-results",
    );
    let result = &ar["assessment-results"]["results"][0];
    let observation = result["observations"]
        .as_array()
        .expect("observations")
        .iter()
        .find(|o| o["title"] == "not_publicly_accessible: fail")
        .expect("an observation of not_publicly_accessible");
    let prop = |s: &Value, name: &str| {
        s["props"]
            .as_array()
            .and_then(|ps| ps.iter().find(|p| p["name"] == name))
            .and_then(|p| p["value"].as_str())
            .map(str::to_string)
    };
    let failing: Vec<(Option<String>, Option<String>)> = observation["subjects"]
        .as_array()
        .expect("subjects")
        .iter()
        .filter(|s| prop(s, "verdict").as_deref() == Some("fail"))
        .map(|s| (prop(s, "key"), prop(s, "pointer")))
        .collect();
    // The only regulated database with a public endpoint: the third instance.
    assert_eq!(
        failing,
        [(Some("claims-prod".into()), Some("/DBInstances/2".into()))]
    );
    // Every subject is an inventory item of the result.
    let items = uuids(&result["local-definitions"]["inventory-items"]);
    for s in observation["subjects"].as_array().unwrap() {
        assert!(items.contains(&s["subject-uuid"].as_str().unwrap()));
    }
    // One finding per failing or erroring control, targeting its requirement.
    let findings = result["findings"].as_array().expect("findings");
    let finding = findings
        .iter()
        .find(|f| f["title"] == "not_publicly_accessible fails")
        .expect("a finding");
    assert_eq!(finding["target"]["target-id"], "sc-7_obj");
    assert_eq!(
        finding["related-observations"][0]["observation-uuid"],
        observation["uuid"]
    );
    let observed_failing = result["observations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| {
            let t = o["title"].as_str().unwrap_or_default();
            t.ends_with(": fail") || t.ends_with(": error")
        })
        .count();
    assert_eq!(findings.len(), observed_failing);
}

#[test]
fn two_exports_of_the_same_inputs_are_byte_identical() {
    for (kind, _) in KINDS {
        let first = export(kind, REGULATED_DB, &[DATABASES], "nist_800_53");
        let second = export(kind, REGULATED_DB, &[DATABASES], "nist_800_53");
        assert_eq!(first.code, 0, "{}", first.stderr);
        assert!(first.stdout == second.stdout, "{kind} differs between runs");
    }
    let ssp = document(
        &export("ssp", REGULATED_DB, &[DATABASES], "nist_800_53"),
        "ssp",
    );
    let metadata = &ssp["system-security-plan"]["metadata"];
    assert_eq!(metadata["last-modified"], format!("{NOW}T00:00:00Z"));
    assert_eq!(metadata["published"], metadata["last-modified"]);
}

#[test]
fn output_writes_the_file_and_nothing_to_stdout() {
    let dir = std::env::temp_dir().join(format!("onus-oscal-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("ssp.json");
    let path = file.to_string_lossy().into_owned();
    let run = onus(&[
        "export",
        "oscal",
        "--kind",
        "ssp",
        REGULATED_DB,
        "--framework",
        "nist_800_53",
        "--now",
        NOW,
        "--output",
        &path,
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.is_empty());
    let written = std::fs::read_to_string(&file).unwrap();
    let stdout = export("ssp", REGULATED_DB, &[], "nist_800_53").stdout;
    assert_eq!(written, stdout);
    let _ = std::fs::remove_dir_all(Path::new(&dir));
}

#[test]
fn exit_2_when_the_framework_is_unknown_or_the_policy_does_not_load() {
    let unknown = export("ssp", REGULATED_DB, &[DATABASES], "nist");
    assert_eq!(unknown.code, 2);
    assert!(unknown.stderr.contains("N015"), "{}", unknown.stderr);
    assert!(unknown.stdout.is_empty());
    let broken = export(
        "ssp",
        "tests/cases/formats/broken_sarif.onus",
        &[],
        "nist_800_53",
    );
    assert_eq!(broken.code, 2);
    assert!(broken.stdout.is_empty());
    // A failing run still exports: the document is the report, not a gate.
    assert_eq!(
        export(
            "assessment-results",
            REGULATED_DB,
            &[DATABASES],
            "nist_800_53"
        )
        .code,
        0
    );
}
