use super::*;
use crate::Session;
use crate::eval::Options as RunOptions;
use serde_json::json;

fn loads(source: &str) -> Session {
    let mut session = Session::new(RunOptions {
        now: jiff::civil::date(2026, 11, 22),
        max_steps: None,
        timeout: None,
        jobs: None,
        show_passed: false,
    });
    session.load_source("<import>", source.to_owned());
    session.check();
    assert!(!session.has_errors(), "{:?}\n{source}", session.diagnostics);
    session
}

/// An SSP with one by-component whose onus props are `props`.
fn ssp_with_props(component_props: serde_json::Value, props: serde_json::Value) -> Vec<u8> {
    json!({ "system-security-plan": {
        "uuid": "u", "metadata": { "title": "t" },
        "system-characteristics": { "system-name": "s" },
        "system-implementation": { "components": [
            { "uuid": "c1", "title": "c", "props": component_props }
        ]},
        "control-implementation": { "implemented-requirements": [
            { "control-id": "ac-2", "by-components": [
                { "component-uuid": "c1", "description": "d", "props": props,
                  "export": { "responsibilities": [{ "description": "r" }] } }
            ]}
        ]}
    }})
    .to_string()
    .into_bytes()
}

fn prop(name: &str, value: &str) -> serde_json::Value {
    crate::oscal::prop(name, value)
}

#[test]
fn onus_props_that_are_not_names_become_names() {
    let bytes = ssp_with_props(
        json!([prop("onus-service", "web\n}"), prop("tenant", "for")]),
        json!([
            prop("onus-control", "c } control evil {"),
            prop("layer", "identity"),
            prop("decider", "team \"x\""),
            prop("operator", "vendor\ncontrol y {"),
            prop("accountable", "team \"x\""),
        ]),
    );
    let source = import("s.json", &bytes, &Options::default()).unwrap();
    let session = loads(&source);
    let names: Vec<&str> = session
        .program
        .controls
        .iter()
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(names, ["c_control_evil"], "{source}");
    assert!(source.contains("party team_x: team"), "{source}");
    assert!(
        source.contains("party vendor_control_y: third_party accountable_to team_x"),
        "{source}"
    );
    assert!(
        source.contains("identity: team_x operated_by vendor_control_y"),
        "{source}"
    );
}

#[test]
fn a_layer_prop_that_is_no_layer_falls_back_to_the_mapping() {
    let bytes = ssp_with_props(
        json!([prop("onus-service", "web")]),
        json!([
            prop("onus-control", "c"),
            prop("layer", "x y"),
            prop("decider", "customer")
        ]),
    );
    let source = import("s.json", &bytes, &Options::default()).unwrap();
    loads(&source);
    assert!(
        source.contains("//   ac-2 → identity (by `ac`)"),
        "{source}"
    );
}

#[test]
fn a_required_part_of_the_wrong_shape_is_o104_with_its_pointer() {
    let bytes = br#"{"system-security-plan": {"uuid": "u", "metadata": {"title": 3}}}"#;
    let refusal = import("s.json", bytes, &Options::default()).unwrap_err();
    assert_eq!(refusal.code, "O104");
    assert!(
        refusal
            .message
            .contains("/system-security-plan/metadata/title is not a string")
    );
}
