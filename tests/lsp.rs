//! `onus lsp` driven over standard input and output with real JSON-RPC
//! messages, as an editor drives it: initialize, didOpen, didChange,
//! hover, definition, references, completion, formatting, symbols, code
//! actions, shutdown and exit.

#[path = "lsp/client.rs"]
mod client;

use client::{Client, uri};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

const CLAIM: &str = "examples/regulated_db/_claim/provider_claim.onus";
const POLICY: &str = "examples/regulated_db/policy.onus";

/// The LSP position (0-based line, UTF-16 column) of the `nth` occurrence
/// of `needle` in `text`, plus `into` characters.
fn position(text: &str, needle: &str, nth: usize, into: usize) -> Value {
    let at = text
        .match_indices(needle)
        .nth(nth)
        .map(|(i, _)| i)
        .unwrap_or_else(|| panic!("{needle:?} #{nth} not in the text"));
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line = text[..at].matches('\n').count();
    let column: usize = text[line_start..at].chars().map(char::len_utf16).sum();
    json!({ "line": line, "character": column + into })
}

fn at(uri: &str, position: Value) -> Value {
    json!({ "textDocument": { "uri": uri }, "position": position })
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("onus-lsp-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

/// The CLI's diagnostics of a file: (code, severity, 1-based line, message).
fn cli_diagnostics(file: &Path) -> Vec<(String, String, u64, String)> {
    let out = Command::new(env!("CARGO_BIN_EXE_onus"))
        .args(["check", "--format", "json"])
        .arg(file)
        .output()
        .expect("onus check runs");
    let report: Value = serde_json::from_slice(&out.stdout).expect("a JSON report");
    report["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or_default().to_string(),
                d["severity"].as_str().unwrap_or_default().to_string(),
                d["line"].as_u64().unwrap_or_default(),
                d["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// The claim file's O003 errors arrive on open with the CLI's codes,
/// severities, lines and messages, and related spans into the file it
/// `use`s and into std.
#[test]
fn diagnostics_on_open_are_the_clis() {
    let claim = repo(CLAIM);
    let text = std::fs::read_to_string(&claim).expect("example");
    let mut client = Client::start(None, &repo("."));
    let claim_uri = uri(&claim);
    client.open(&claim_uri, &text);
    let got = client.diagnostics(&claim_uri);
    let expected = cli_diagnostics(&claim);
    assert_eq!(expected.len(), 4, "{expected:?}");
    assert_eq!(got.len(), expected.len(), "{got:?}");
    for (d, (code, severity, line, message)) in got.iter().zip(&expected) {
        assert_eq!(d["code"], code.as_str());
        assert_eq!(d["severity"], if severity == "error" { 1 } else { 2 });
        assert_eq!(d["range"]["start"]["line"], line - 1, "{d}");
        let lsp_message = d["message"].as_str().unwrap_or_default();
        assert!(lsp_message.starts_with(message.as_str()), "{lsp_message}");
        assert!(lsp_message.contains("help: the customer"), "{lsp_message}");
        let related = d["relatedInformation"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let messages: Vec<&str> = related
            .iter()
            .filter_map(|r| r["message"].as_str())
            .collect();
        assert_eq!(messages.len(), 2, "{related:?}");
        assert_eq!(messages[0], "\"the provider handles it\"");
        assert!(
            messages[1].contains("(model `managed_database`)"),
            "{messages:?}"
        );
    }
    assert!(client.shutdown().success());
}

/// Hover over `identity` in the claim's first control: the customer
/// decides it there, and the std model line that says so is quoted.
#[test]
fn hover_on_a_layer_says_who_decides_and_quotes_the_model_line() {
    let claim = repo(CLAIM);
    let text = std::fs::read_to_string(&claim).expect("example");
    let mut client = Client::start(None, &repo("."));
    let claim_uri = uri(&claim);
    client.open(&claim_uri, &text);
    let hover = client.request(
        "textDocument/hover",
        at(&claim_uri, position(&text, "= identity", 0, 4)),
    );
    let value = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(
        value.contains("In service `regulated_databases`"),
        "{value}"
    );
    assert!(value.contains("decides: **customer**"), "{value}");
    assert!(value.contains("operates: provider"), "{value}");
    assert!(value.contains("accountable: customer"), "{value}");
    assert!(
        value.contains("identity: customer operated_by provider"),
        "the model line: {value}"
    );
    assert!(value.contains("<std>/models.onus:"), "{value}");
    // Over the control's name: its owner as claimed, and the decider.
    let hover = client.request(
        "textDocument/hover",
        at(
            &claim_uri,
            position(&text, "provider_handles_database_access", 0, 3),
        ),
    );
    let value = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(value.contains("owner: **provider** (claimed)"), "{value}");
    assert!(value.contains("decided by: customer"), "{value}");
    // Over a built-in: its signature and doc.
    let policy = repo(POLICY);
    let policy_text = std::fs::read_to_string(&policy).expect("example");
    let policy_uri = uri(&policy);
    client.open(&policy_uri, &policy_text);
    let hover = client.request(
        "textDocument/hover",
        at(&policy_uri, position(&policy_text, "len(", 0, 1)),
    );
    let value = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(
        value.contains("len(") && value.contains("number of elements"),
        "{value}"
    );
    assert!(client.shutdown().success());
}

/// Definition of a std model name opens the std source, served as a
/// read-only document; a service name goes across files; `use "…"` opens
/// the used file; references find every use.
#[test]
fn definitions_and_references_across_files_and_into_std() {
    let policy = repo(POLICY);
    let text = std::fs::read_to_string(&policy).expect("example");
    let claim = repo(CLAIM);
    let claim_text = std::fs::read_to_string(&claim).expect("example");
    let mut client = Client::start(None, &repo("."));
    let policy_uri = uri(&policy);
    let claim_uri = uri(&claim);
    client.open(&policy_uri, &text);
    client.open(&claim_uri, &claim_text);

    let found = client.request(
        "textDocument/definition",
        at(&policy_uri, position(&text, "managed_database", 0, 2)),
    );
    assert_eq!(found["uri"], "onus-std:///models.onus", "{found}");
    let source = client.request(
        "onus/stdSource",
        json!({ "uri": "onus-std:///models.onus" }),
    );
    let std_text = source["text"].as_str().unwrap_or_default();
    let line = found["range"]["start"]["line"].as_u64().unwrap_or_default() as usize;
    let character = found["range"]["start"]["character"]
        .as_u64()
        .unwrap_or_default() as usize;
    let line_text = std_text.lines().nth(line).unwrap_or_default();
    assert_eq!(line_text.trim_end(), "model managed_database {");
    assert_eq!(&line_text[character..character + 16], "managed_database");

    // Inside the std document: hover works there too, and it is not formatted.
    let hover = client.request(
        "textDocument/hover",
        at(
            "onus-std:///models.onus",
            json!({ "line": line, "character": character + 1 }),
        ),
    );
    let value = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(value.contains("**model** `managed_database`"), "{value}");

    let found = client.request(
        "textDocument/definition",
        at(
            &claim_uri,
            position(&claim_text, "regulated_databases", 0, 1),
        ),
    );
    assert_eq!(found["uri"], policy_uri.as_str());
    assert_eq!(
        found["range"]["start"],
        position(&text, "regulated_databases", 0, 0)
    );
    let found = client.request(
        "textDocument/definition",
        at(&claim_uri, position(&claim_text, "../policy.onus", 0, 3)),
    );
    assert_eq!(found["uri"], policy_uri.as_str());

    let refs = client.request(
        "textDocument/references",
        json!({ "textDocument": { "uri": claim_uri }, "position": position(&claim_text, "regulated_databases", 0, 1),
                "context": { "includeDeclaration": true } }),
    );
    let refs = refs.as_array().cloned().unwrap_or_default();
    let in_claim = refs
        .iter()
        .filter(|r| r["uri"] == claim_uri.as_str())
        .count();
    let in_policy = refs
        .iter()
        .filter(|r| r["uri"] == policy_uri.as_str())
        .count();
    assert_eq!(in_claim, 4, "{refs:?}");
    assert_eq!(
        in_policy,
        text.matches("regulated_databases").count(),
        "{refs:?}"
    );

    // A local variable: its `for` binding.
    let subject = position(&text, "db.DBInstanceIdentifier", 0, 0);
    let found = client.request("textDocument/definition", at(&policy_uri, subject));
    let binding = found["range"]["start"].clone();
    let line = binding["line"].as_u64().unwrap_or_default() as usize;
    assert!(
        text.lines()
            .nth(line)
            .is_some_and(|l| l.contains("for db in")),
        "{found}"
    );
    assert!(client.shutdown().success());
}

/// Changes are checked as they are typed, in the file and in the files
/// that `use` it; UTF-16 columns are right after astral characters.
#[test]
fn diagnostics_follow_changes_across_used_files() {
    let dir = scratch("changes");
    let shared = dir.join("shared.onus");
    let main = dir.join("main.onus");
    std::fs::write(&shared, "use std\nservice web: iaas {}\n").expect("write");
    std::fs::write(
        &main,
        "use \"shared.onus\"\ncontrol c { service = web  layer = exposure }\n",
    )
    .expect("write");
    let mut client = Client::start(None, &dir);
    let main_uri = uri(&main);
    let shared_uri = uri(&shared);
    let main_text = std::fs::read_to_string(&main).expect("read");
    client.open(&main_uri, &main_text);
    let first = client.diagnostics(&main_uri);
    assert_eq!(first.len(), 1, "{first:?}");
    assert_eq!(first[0]["code"], "O004");

    // Renaming the service in the used file, unsaved, breaks the user.
    client.open(&shared_uri, "use std\nservice web: iaas {}\n");
    client.drain();
    client.notifications.clear();
    client.change(&shared_uri, 2, "use std\nservice webb: iaas {}\n");
    let now = client.diagnostics(&main_uri);
    assert!(now.iter().any(|d| d["code"] == "N004"), "{now:?}");

    // An error after an astral character: its column counts UTF-16 units.
    client.change(&main_uri, 2, "use \"shared.onus\"\nlet s = \"𝄞\" + nope\n");
    let now = client.diagnostics(&main_uri);
    let unknown = now.iter().find(|d| d["code"] == "N001").expect("N001");
    assert_eq!(
        unknown["range"]["start"],
        json!({ "line": 1, "character": 15 })
    );
    assert_eq!(
        unknown["range"]["end"],
        json!({ "line": 1, "character": 19 })
    );

    client.change(&main_uri, 3, "use \"shared.onus\"\n");
    assert_eq!(client.diagnostics(&main_uri), Vec::<Value>::new());
    assert!(client.shutdown().success());
    let _ = std::fs::remove_dir_all(&dir);
}

/// Formatting through the server gives `onus fmt`'s text; a document
/// that does not parse gets no edit.
#[test]
fn formatting_is_onus_fmt() {
    let dir = scratch("fmt");
    let file = dir.join("messy.onus");
    let messy = "use std\n// keep me\nservice   web : iaas{\n  region=\"eu\"  }\ncontrol c {service=web layer = exposure for r in facts.rules require r.ok else \"rule {r.id}\"}\n";
    std::fs::write(&file, messy).expect("write");
    let mut client = Client::start(None, &dir);
    let file_uri = uri(&file);
    client.open(&file_uri, messy);
    let edits = client.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": file_uri }, "options": { "tabSize": 2, "insertSpaces": true } }),
    );
    let edits = edits.as_array().cloned().unwrap_or_default();
    assert_eq!(edits.len(), 1, "{edits:?}");
    assert_eq!(
        edits[0]["range"]["start"],
        json!({ "line": 0, "character": 0 })
    );
    let formatted = edits[0]["newText"].as_str().unwrap_or_default();
    let mut cli = Command::new(env!("CARGO_BIN_EXE_onus"))
        .args(["fmt", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("onus fmt runs");
    use std::io::Write;
    cli.stdin
        .take()
        .expect("stdin")
        .write_all(messy.as_bytes())
        .expect("write");
    let out = cli.wait_with_output().expect("onus fmt finishes");
    assert_eq!(formatted, String::from_utf8_lossy(&out.stdout));
    assert!(formatted.contains("// keep me"));

    client.change(&file_uri, 2, "control {");
    let edits = client.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": file_uri }, "options": { "tabSize": 2, "insertSpaces": true } }),
    );
    assert_eq!(edits, Value::Null);
    assert!(client.shutdown().success());
    let _ = std::fs::remove_dir_all(&dir);
}

/// Completion of keywords, built-ins, names, layers, enum words, locals,
/// and fact paths from the facts named in an `onus.toml`.
#[test]
fn completion_offers_names_layers_and_fact_paths() {
    let dir = scratch("complete");
    std::fs::write(dir.join("onus.toml"), "facts = [\"facts.json\"]\n").expect("write");
    std::fs::write(
        dir.join("facts.json"),
        r#"{ "databases": [ { "id": "d1", "public": false, "tags": { "team": "a" } } ], "dns": {} }"#,
    )
    .expect("write");
    let file = dir.join("p.onus");
    let text = "use std\nservice orders_db: managed_database {}\ncontrol c {\n  service = orders_db\n  layer = network.v\n  for db in facts.databases\n  let n = facts.\n  require db.\n}\n";
    std::fs::write(&file, text).expect("write");
    let mut client = Client::start(None, &dir);
    let file_uri = uri(&file);
    client.open(&file_uri, text);
    let labels = |client: &mut Client, needle: &str, into: usize| -> Vec<String> {
        let found = client.request(
            "textDocument/completion",
            at(&file_uri, position(text, needle, 0, into)),
        );
        found
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|i| i["label"].as_str().map(str::to_string))
            .collect()
    };
    assert_eq!(labels(&mut client, "network.v", 9), ["network.virtual"]);
    assert_eq!(
        labels(&mut client, "facts.\n", 6),
        ["facts.databases", "facts.dns"]
    );
    assert_eq!(
        labels(&mut client, "db.\n", 3),
        ["db.id", "db.public", "db.tags"],
        "keys of the elements the `for` variable runs over"
    );
    let found = labels(&mut client, "orders_db\n", 3);
    assert_eq!(found, ["orders_db"]);
    let found = labels(&mut client, "managed_database", 3);
    assert!(found.contains(&"managed_database".to_string()), "{found:?}");
    assert!(
        found.contains(&"managed_kubernetes".to_string()),
        "{found:?}"
    );

    // Keywords, built-ins and enum words on an empty line in the body.
    client.change(
        &file_uri,
        2,
        &text.replace("  require db.\n", "  require le\n  severity = hi\n"),
    );
    let changed = text.replace("  require db.\n", "  require le\n  severity = hi\n");
    let found = client.request(
        "textDocument/completion",
        at(&file_uri, position(&changed, "require le", 0, 10)),
    );
    let items = found.as_array().cloned().unwrap_or_default();
    let len = items.iter().find(|i| i["label"] == "len").expect("len");
    assert_eq!(len["kind"], 3, "a function");
    assert!(
        len["detail"]
            .as_str()
            .is_some_and(|d| d.starts_with("len("))
    );
    assert!(items.iter().any(|i| i["label"] == "let" && i["kind"] == 14));
    let found = client.request(
        "textDocument/completion",
        at(&file_uri, position(&changed, "= hi", 0, 4)),
    );
    let items = found.as_array().cloned().unwrap_or_default();
    assert!(
        items
            .iter()
            .any(|i| i["label"] == "high" && i["kind"] == 20),
        "{items:?}"
    );
    assert!(client.shutdown().success());
    let _ = std::fs::remove_dir_all(&dir);
}

/// The O003 quick fix rewrites the claimed owner to the decider; the
/// document's declarations are its symbols; with facts configured, hover
/// over a control gives its last status.
#[test]
fn quick_fix_symbols_and_control_status() {
    let claim = repo(CLAIM);
    let text = std::fs::read_to_string(&claim).expect("example");
    let facts = repo("examples/regulated_db/databases.json");
    let mut client = Client::start(None, &repo("."));
    let claim_uri = uri(&claim);
    client.open(&claim_uri, &text);
    let owner = position(&text, "provider\n", 0, 0);
    let actions = client.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": claim_uri },
                "range": { "start": owner, "end": owner },
                "context": { "diagnostics": [] } }),
    );
    let actions = actions.as_array().cloned().unwrap_or_default();
    assert_eq!(actions.len(), 1, "{actions:?}");
    let action = &actions[0];
    assert_eq!(action["kind"], "quickfix");
    assert!(
        action["title"]
            .as_str()
            .is_some_and(|t| t.contains("owner = customer"))
    );
    let edits = &action["edit"]["changes"][claim_uri.as_str()];
    assert_eq!(edits[0]["newText"], "customer");
    assert_eq!(edits[0]["range"]["start"], owner);

    let symbols = client.request(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": claim_uri } }),
    );
    let names: Vec<&str> = symbols
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(
        names,
        [
            "provider_handles_database_access",
            "provider_handles_data_placement",
            "provider_handles_audit_logs",
            "provider_handles_backup_retention"
        ]
    );
    assert!(client.shutdown().success());

    // The main policy, with its facts given as an initialization option.
    let policy = repo(POLICY);
    let policy_text = std::fs::read_to_string(&policy).expect("example");
    let mut client = Client::start(
        Some(json!({ "facts": [facts.display().to_string()], "now": "2026-11-22" })),
        &repo("."),
    );
    let policy_uri = uri(&policy);
    client.open(&policy_uri, &policy_text);
    let report = Command::new(env!("CARGO_BIN_EXE_onus"))
        .args([
            "check",
            "--format",
            "json",
            "--now",
            "2026-11-22",
            "--facts",
        ])
        .arg(&facts)
        .arg(&policy)
        .output()
        .expect("onus check runs");
    let report: Value = serde_json::from_slice(&report.stdout).expect("JSON");
    let first = &report["controls"][0];
    let id = first["id"].as_str().unwrap_or_default();
    let hover = client.request(
        "textDocument/hover",
        at(
            &policy_uri,
            position(&policy_text, &format!("control {id}"), 0, 9),
        ),
    );
    let value = hover["contents"]["value"].as_str().unwrap_or_default();
    let status = first["status"].as_str().unwrap_or_default();
    assert!(
        value.contains(&format!("last status: **{status}**")),
        "{id} {status}: {value}"
    );
    assert!(client.shutdown().success());
}

/// Positions past the end, unknown documents, malformed parameters and
/// requests the server does not answer get null or an error reply, and
/// the server goes on.
#[test]
fn odd_requests_do_not_stop_the_server() {
    let dir = scratch("odd");
    let file = dir.join("p.onus");
    let text = "use std\nlet é𝄞 = 1\n";
    std::fs::write(&file, text).expect("write");
    let mut client = Client::start(None, &dir);
    let file_uri = uri(&file);
    client.open(&file_uri, text);
    for position in [
        json!({ "line": 0, "character": 999 }),
        json!({ "line": 99, "character": 0 }),
        json!({ "line": 1, "character": 6 }),
    ] {
        for method in [
            "textDocument/hover",
            "textDocument/definition",
            "textDocument/completion",
        ] {
            let _ = client.request(method, at(&file_uri, position.clone()));
        }
    }
    let unknown = "file:///nowhere/at/all.onus";
    assert_eq!(
        client.request(
            "textDocument/hover",
            at(unknown, json!({ "line": 0, "character": 0 }))
        ),
        Value::Null
    );
    assert_eq!(
        client.request(
            "onus/stdSource",
            json!({ "uri": "onus-std:///missing.onus" })
        ),
        Value::Null
    );
    let reply = client.raw_request("textDocument/hover", json!({ "nonsense": true }));
    assert!(reply.get("error").is_some(), "{reply}");
    let reply = client.raw_request("textDocument/rename", json!({}));
    assert_eq!(reply["error"]["code"], -32601, "method not found: {reply}");
    // Still answering.
    let hover = client.request(
        "textDocument/hover",
        at(&file_uri, position(text, "std", 0, 1)),
    );
    assert_eq!(hover, Value::Null);
    assert!(client.shutdown().success());
    let _ = std::fs::remove_dir_all(&dir);
}

/// `yaml_schema` in an `onus.toml` reads the project's YAML facts as
/// `--yaml-schema` does: by 1.2 the policy shows F040 with the YAML
/// file's line and column; by 1.1 it does not; any other value is F013.
#[test]
fn onus_toml_yaml_schema_reads_yaml_facts() {
    let dir = scratch("yaml-schema");
    std::fs::write(
        dir.join("pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  hostNetwork: off\n",
    )
    .expect("write");
    let file = dir.join("p.onus");
    let text = "use std\nservice cluster: managed_kubernetes {}\n";
    std::fs::write(&file, text).expect("write");
    let file_uri = uri(&file);
    let codes = |schema: &str| -> Vec<String> {
        let toml = format!("facts = [\"k8s=pod.yaml\"]\nyaml_schema = \"{schema}\"\n");
        std::fs::write(dir.join("onus.toml"), toml).expect("write");
        let mut client = Client::start(None, &dir);
        client.open(&file_uri, text);
        let found = client.diagnostics(&file_uri);
        assert!(client.shutdown().success());
        found
            .iter()
            .map(|d| format!("{} {}", d["code"].as_str().unwrap_or(""), d["message"]))
            .collect()
    };
    let by_12 = codes("1.2");
    assert!(
        by_12
            .iter()
            .any(|d| d.starts_with("F040") && d.contains("pod.yaml:6:16")),
        "{by_12:?}"
    );
    let by_11 = codes("1.1");
    assert!(!by_11.iter().any(|d| d.starts_with("F040")), "{by_11:?}");
    let bad = codes("1.3");
    assert!(bad.iter().any(|d| d.starts_with("F013")), "{bad:?}");
    let _ = std::fs::remove_dir_all(&dir);
}
