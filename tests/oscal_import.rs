//! `onus import oscal`, end to end: the policy printed for NIST's leveraged
//! SSP and component definition loads with no error and is canonical
//! (`onus fmt --check`), with one inherited provider-side control per
//! `provided` statement and one unverified customer control per
//! `responsibility`, naming the requirement (counted from the input JSON);
//! hostile texts stay text; and an SSP carrying onus's props (`onus export
//! oscal --kind ssp`, and one built here by the OSCAL contract from `onus
//! check`'s report) imports to the same matrix cells, for every layer ×
//! service a requirement maps to.

use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const LIB: &str = "tests/cases/import/lib";
const NOW: &str = "2026-11-22";
const NS: &str = "https://onus.dev/ns/oscal";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn onus(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_onus"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("the onus binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    )
}

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("oscal_import");
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    dir.join(name)
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(root().join(path)).expect("the document reads"))
        .expect("the document is JSON")
}

/// Imports `document` (extra flags after it), writes the policy to a
/// scratch file, and checks it loads without errors and is canonical;
/// returns the policy's path and its `onus check --format json` report.
fn import_and_check(document: &Path, flags: &[&str], name: &str) -> (PathBuf, Value) {
    let doc = document.to_str().expect("a UTF-8 path");
    let mut args = vec!["import", "oscal", doc];
    args.extend_from_slice(flags);
    let (code, policy, stderr) = onus(&args);
    assert_eq!(code, 0, "import of {doc} failed: {stderr}");
    let path = scratch(name);
    std::fs::write(&path, &policy).expect("the policy is written");
    let file = path.to_str().expect("a UTF-8 path");
    let (code, report, stderr) = onus(&["check", file, "--now", NOW, "--format", "json"]);
    assert_eq!(
        code, 0,
        "the imported policy does not load:\n{stderr}\n{policy}"
    );
    let report: Value = serde_json::from_str(&report).expect("a JSON report");
    let errors: Vec<&Value> = report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["severity"] == "error")
        .collect();
    assert!(errors.is_empty(), "errors: {errors:?}");
    let (code, _, stderr) = onus(&["fmt", "--check", file]);
    assert_eq!(code, 0, "the imported policy is not canonical: {stderr}");
    (path, report)
}

/// The control ids of the report's controls of `status`, one per control,
/// from their `"FRAMEWORK:ID"` refs.
fn requirements_with_status(report: &Value, status: &str, framework: &str) -> Vec<String> {
    let mut ids: Vec<String> = report["controls"]
        .as_array()
        .expect("controls")
        .iter()
        .filter(|c| c["status"] == status)
        .map(|c| {
            let refs = c["refs"].as_array().expect("refs");
            assert_eq!(refs.len(), 1, "one requirement per imported statement: {c}");
            let r = refs[0].as_str().expect("a ref");
            r.strip_prefix(&format!("{framework}:"))
                .unwrap_or_else(|| panic!("ref {r} names framework {framework}"))
                .to_owned()
        })
        .collect();
    ids.sort();
    ids
}

fn array<'v>(v: &'v Value, key: &str) -> &'v [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

#[test]
fn the_leveraged_ssp_imports_one_control_per_statement() {
    let document = Path::new(LIB).join("oscal_leveraged-example_ssp.json");
    let ssp = read_json(&document);
    // Expected, from the input: the requirement of each provided and each
    // responsibility statement of every by-component.
    let (mut provided, mut responsibilities) = (Vec::new(), Vec::new());
    for requirement in array(
        &ssp["system-security-plan"]["control-implementation"],
        "implemented-requirements",
    ) {
        let id = requirement["control-id"]
            .as_str()
            .expect("a control-id")
            .to_owned();
        let by_components = array(requirement, "by-components").iter().chain(
            array(requirement, "statements")
                .iter()
                .flat_map(|s| array(s, "by-components")),
        );
        for by in by_components {
            provided.extend(array(&by["export"], "provided").iter().map(|_| id.clone()));
            responsibilities.extend(
                array(&by["export"], "responsibilities")
                    .iter()
                    .map(|_| id.clone()),
            );
        }
    }
    assert!(!provided.is_empty() && !responsibilities.is_empty());

    let (_, report) = import_and_check(&document, &[], "leveraged.onus");
    assert_inherited_and_unverified(&report, provided.clone(), responsibilities.clone());
    let controls = report["controls"].as_array().expect("controls");
    assert_eq!(controls.len(), provided.len() + responsibilities.len());
    for c in controls {
        let provider_side = c["status"] == "inherited";
        assert_eq!(c["decider"] == "provider", provider_side, "{c}");
        assert_eq!(
            c["service"]
                .as_str()
                .expect("a service")
                .ends_with("_provided"),
            provider_side
        );
    }
}

#[test]
fn a_component_definition_imports_and_customer_roles_are_responsibilities() {
    let document = Path::new(LIB).join("example-component-definition.json");
    let definition = read_json(&document);
    let (mut provided, mut responsibilities) = (Vec::new(), Vec::new());
    for component in array(&definition["component-definition"], "components") {
        for implementation in array(component, "control-implementations") {
            for requirement in array(implementation, "implemented-requirements") {
                let id = requirement["control-id"]
                    .as_str()
                    .expect("a control-id")
                    .to_owned();
                let statements = array(requirement, "statements");
                let parts = if statements.is_empty() {
                    std::slice::from_ref(requirement)
                } else {
                    statements
                };
                for part in parts {
                    let customer = array(part, "responsible-roles").iter().any(|r| {
                        r["role-id"]
                            .as_str()
                            .is_some_and(|r| r.contains("customer"))
                    });
                    if customer {
                        &mut responsibilities
                    } else {
                        &mut provided
                    }
                    .push(id.clone());
                }
            }
        }
    }
    let (_, report) = import_and_check(&document, &[], "component.onus");
    assert_inherited_and_unverified(&report, provided, responsibilities);
}

/// The report's NIST requirements: `provided` inherited, `responsibilities`
/// unverified (in any order, with repeats).
fn assert_inherited_and_unverified(
    report: &Value,
    mut provided: Vec<String>,
    mut responsibilities: Vec<String>,
) {
    provided.sort();
    responsibilities.sort();
    assert_eq!(
        requirements_with_status(report, "inherited", "nist_800_53"),
        provided
    );
    assert_eq!(
        requirements_with_status(report, "unverified", "nist_800_53"),
        responsibilities
    );
}

#[test]
fn hostile_texts_stay_text() {
    let document = Path::new(LIB).join("hostile_ssp.json");
    let ssp = read_json(&document);
    let requirement =
        &ssp["system-security-plan"]["control-implementation"]["implemented-requirements"][0];
    let id = requirement["control-id"].as_str().expect("a control-id");
    let by = &requirement["statements"][0]["by-components"][0];
    let text = by["export"]["responsibilities"][0]["description"]
        .as_str()
        .expect("a description");
    let (path, report) = import_and_check(&document, &[], "hostile.onus");

    // No declaration was added: one control per statement, and the refs
    // hold the control id exactly.
    let controls = report["controls"].as_array().expect("controls");
    assert_eq!(controls.len(), 2);
    for c in controls {
        assert_eq!(c["refs"], json!([format!("oscal:{id}")]));
    }
    // Doc comments keep the text's lines, invisible characters as spaces.
    let source = std::fs::read_to_string(&path).expect("the policy reads");
    let module = onus::parser::parse_module(&source, onus::source::FileId(0)).module;
    let docs: Vec<String> = module
        .items
        .iter()
        .filter(|i| matches!(i.kind, onus::ast::ItemKind::Control(_)))
        .map(|i| i.doc.clone().expect("a doc comment"))
        .collect();
    let expected: Vec<String> = text
        .lines()
        .map(|l| {
            l.chars()
                .map(|c| {
                    if c.is_control() || ('\u{200b}'..='\u{202e}').contains(&c) {
                        ' '
                    } else {
                        c
                    }
                })
                .collect::<String>()
                .trim_end()
                .to_owned()
        })
        .collect();
    for doc in docs {
        let lines: Vec<&str> = doc.lines().map(str::trim).collect();
        let want: Vec<&str> = expected.iter().map(|l| l.trim()).collect();
        assert_eq!(lines, want);
    }
}

/// An SSP as the OSCAL contract has onus export it: one component per
/// service with its props, and per requirement a by-component per service
/// with one prop set per control, `provided` for provider-decided cells and
/// `responsibilities` for the others.
fn ssp_by_contract(report: &Value, matrix: &Value) -> Value {
    let prop = |name: &str, value: &str| json!({ "name": name, "ns": NS, "value": value });
    let uuid = |n: usize| format!("33333333-0000-4000-9000-{n:012}");
    let mut components = Vec::new();
    let mut component_of = BTreeMap::new();
    for (n, service) in matrix["services"]
        .as_array()
        .expect("services")
        .iter()
        .enumerate()
    {
        let id = service["id"].as_str().expect("an id");
        let mut props = vec![
            prop("onus-service", id),
            prop("model", service["model"].as_str().unwrap_or("")),
        ];
        for key in ["host", "tenant"] {
            if let Some(v) = service[key].as_str() {
                props.push(prop(key, v));
            }
        }
        component_of.insert(id.to_owned(), uuid(n));
        components.push(json!({
            "uuid": uuid(n), "type": "service", "title": id, "description": "an onus service",
            "status": { "state": "operational" }, "props": props,
        }));
    }
    // requirement → service → controls
    let mut requirements: BTreeMap<String, BTreeMap<String, Vec<&Value>>> = BTreeMap::new();
    for c in report["controls"].as_array().expect("controls") {
        for r in c["refs"].as_array().expect("refs") {
            if let Some(id) = r.as_str().and_then(|r| r.strip_prefix("nist_800_53:")) {
                let service = c["service"].as_str().expect("a service").to_owned();
                requirements
                    .entry(id.to_owned())
                    .or_default()
                    .entry(service)
                    .or_default()
                    .push(c);
            }
        }
    }
    let mut n = 1000;
    let mut implemented = Vec::new();
    for (id, services) in &requirements {
        let mut by_components = Vec::new();
        for (service, controls) in services {
            let mut props = Vec::new();
            let (mut provided, mut responsibilities) = (Vec::new(), Vec::new());
            for c in controls {
                let text = |k: &str| c[k].as_str().unwrap_or("").to_owned();
                props.push(prop("onus-control", &text("id")));
                props.push(prop("layer", &text("layer")));
                props.push(prop("decider", &text("decider")));
                props.push(prop("operator", &text("operator")));
                props.push(prop("accountable", &text("accountable")));
                n += 1;
                let statement = json!({ "uuid": uuid(n), "description": text("title") });
                if c["decider"] == "provider" {
                    &mut provided
                } else {
                    &mut responsibilities
                }
                .push(statement);
            }
            n += 1;
            by_components.push(json!({
                "component-uuid": component_of[service], "uuid": uuid(n),
                "description": format!("{id} on {service}"), "props": props,
                "export": { "provided": provided, "responsibilities": responsibilities },
            }));
        }
        n += 1;
        implemented
            .push(json!({ "uuid": uuid(n), "control-id": id, "by-components": by_components }));
    }
    json!({ "system-security-plan": {
        "uuid": uuid(1),
        "metadata": { "title": "exported by contract", "last-modified": "2026-11-22T00:00:00Z", "version": "1", "oscal-version": "1.2.1" },
        "import-profile": { "href": "#nist" },
        "system-characteristics": { "system-name": "contract", "system-ids": [{ "id": "x" }], "description": "x", "status": { "state": "operational" } },
        "system-implementation": { "components": components },
        "control-implementation": { "description": "x", "implemented-requirements": implemented },
    }})
}

/// (layer, service) → (decider, operator, accountable) of a matrix.
fn cells(matrix: &Value) -> BTreeMap<(String, String), (Value, Value, Value)> {
    matrix["cells"]
        .as_array()
        .expect("cells")
        .iter()
        .map(|c| {
            let key = (
                c["layer"].as_str().unwrap_or("").to_owned(),
                c["service"].as_str().unwrap_or("").to_owned(),
            );
            (
                key,
                (
                    c["decider"].clone(),
                    c["operator"].clone(),
                    c["accountable"].clone(),
                ),
            )
        })
        .collect()
}

fn matrix_of(policy: &str) -> Value {
    let (code, out, err) = onus(&["matrix", policy, "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).expect("a JSON matrix")
}

/// Import of `ssp` gives the original's matrix cell for every layer ×
/// service that one of the original's framework-mapped controls sits on.
fn assert_round_trip(policy: &str, ssp: &Value, name: &str) {
    let original = matrix_of(policy);
    let (_, report, _) = onus(&["check", policy, "--now", NOW, "--format", "json"]);
    let report: Value = serde_json::from_str(&report).expect("a JSON report");
    let document = scratch(&format!("{name}.json"));
    std::fs::write(&document, ssp.to_string()).expect("the SSP is written");
    let (imported, _) = import_and_check(&document, &[], &format!("{name}.onus"));
    let imported = cells(&matrix_of(imported.to_str().expect("a UTF-8 path")));
    let original = cells(&original);
    let mut compared = 0;
    for c in report["controls"].as_array().expect("controls") {
        let mapped = c["refs"]
            .as_array()
            .expect("refs")
            .iter()
            .any(|r| r.as_str().is_some_and(|r| r.starts_with("nist_800_53:")));
        if !mapped {
            continue;
        }
        let key = (
            c["layer"].as_str().unwrap_or("").to_owned(),
            c["service"].as_str().unwrap_or("").to_owned(),
        );
        assert_eq!(
            imported.get(&key),
            original.get(&key),
            "cell {key:?} of {policy}"
        );
        compared += 1;
    }
    assert!(compared > 0, "{policy} has no mapped control");
}

#[test]
fn an_ssp_with_onus_props_imports_to_the_same_matrix() {
    for (policy, name) in [
        ("examples/regulated_db/policy.onus", "contract_regulated_db"),
        (
            "examples/shared_cluster/policy.onus",
            "contract_shared_cluster",
        ),
    ] {
        let (_, report, _) = onus(&["check", policy, "--now", NOW, "--format", "json"]);
        let report: Value = serde_json::from_str(&report).expect("a JSON report");
        let ssp = ssp_by_contract(&report, &matrix_of(policy));
        assert_round_trip(policy, &ssp, name);
    }
}

#[test]
fn import_of_an_exported_ssp_gives_the_same_matrix() {
    for (example, name) in [
        ("examples/regulated_db", "export_regulated_db"),
        ("examples/shared_cluster", "export_shared_cluster"),
    ] {
        let (code, ssp, stderr) = onus(&[
            "export",
            "oscal",
            "--kind",
            "ssp",
            example,
            "--framework",
            "nist_800_53",
            "--now",
            NOW,
        ]);
        assert_eq!(code, 0, "{stderr}");
        let ssp: Value = serde_json::from_str(&ssp).expect("an SSP");
        assert_round_trip(&format!("{example}/policy.onus"), &ssp, name);
    }
}
