//! The audit features end to end, on the real binary: the coverage JSON
//! against `docs/coverage.schema.json` (which refers to the check report's
//! schema for shared parts), its rows in catalog order, the Markdown tables
//! and the HTML page (well-formed XML, escaped hostile text, and rendered
//! in headless Chromium when it is installed), and the `run` digests of the
//! JSON report against `sha256sum`. A check that needs a missing tool is
//! reported as ignored, never as passed.

mod common;

use common::{Run, onus, root};
use libtest_mimic::{Arguments, Failed, Trial};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const NOW: &str = "2026-11-22";
const AUDIT: &str = "tests/cases/audit/lib/audit.onus";
const AUDIT_FACTS: &str = "tests/cases/audit/lib/audit.json";
const HOSTILE: &str = "tests/cases/audit/lib/hostile.onus";
const CATALOG: &str =
    "frameworks/NIST_SP-800-53_rev5_MODERATE-baseline-resolved-profile_catalog-min.json";
const STORAGE: &str = "examples/object_storage/policy.onus";
const STORAGE_FACTS: &str = "examples/object_storage/buckets.json";
const GOVERNANCE: &str = "examples/account_governance/policy.onus";
const GOVERNANCE_FACTS: &str = "examples/account_governance/example_output_aws.ocsf.json";

/// `onus coverage` of each policy the tests look at, in `format`.
fn coverages(format: &str) -> Result<Vec<(String, Run)>, Failed> {
    let runs = [
        (
            "house rules",
            vec![AUDIT, "--framework", "rules", "--facts", AUDIT_FACTS],
        ),
        ("house rules, static", vec![AUDIT, "--framework", "rules"]),
        ("hostile", vec![HOSTILE, "--framework", "hostile"]),
        (
            "object storage",
            vec![
                STORAGE,
                "--framework",
                "nist_800_53",
                "--facts",
                STORAGE_FACTS,
            ],
        ),
        (
            "governance",
            vec![
                GOVERNANCE,
                "--framework",
                "cis_aws",
                "--facts",
                GOVERNANCE_FACTS,
            ],
        ),
    ];
    let mut out = Vec::new();
    for (name, args) in runs {
        let mut all = vec!["coverage"];
        all.extend(args);
        all.extend(["--now", NOW, "--format", format, "--min-coverage", "50"]);
        let run = onus(&all);
        if !matches!(run.code, 0 | 1) {
            return Err(format!("{name}: exit {}", run.code).into());
        }
        out.push((name.to_string(), run));
    }
    Ok(out)
}

fn json(text: &str) -> Result<Value, Failed> {
    serde_json::from_str(text).map_err(|e| format!("not JSON: {e}").into())
}

/// Serves `docs/NAME` for the schemas' relative references.
struct Docs;

impl jsonschema::Retrieve for Docs {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let name = uri.path().as_str().rsplit('/').next().unwrap_or_default();
        let text = std::fs::read_to_string(root().join("docs").join(name))?;
        Ok(serde_json::from_str(&text)?)
    }
}

fn coverage_json_matches_its_schema() -> Result<(), Failed> {
    let schema = json(&std::fs::read_to_string(
        root().join("docs/coverage.schema.json"),
    )?)?;
    let validator = jsonschema::options()
        .with_retriever(Docs)
        .build(&schema)
        .map_err(|e| format!("invalid schema: {e}"))?;
    for (name, run) in coverages("json")? {
        let doc = json(&run.stdout)?;
        let errors: Vec<String> = validator
            .iter_errors(&doc)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        if !errors.is_empty() {
            return Err(format!("{name}: {}", errors.join("\n")).into());
        }
    }
    Ok(())
}

/// Every requirement of the catalog, in document order, one row each.
fn coverage_rows_follow_the_catalog() -> Result<(), Failed> {
    let catalog = json(&std::fs::read_to_string(root().join(CATALOG))?)?;
    fn ids(controls: &Value, out: &mut Vec<String>) {
        for c in controls.as_array().into_iter().flatten() {
            out.push(c["id"].as_str().unwrap_or_default().to_string());
            ids(&c["controls"], out);
        }
    }
    let mut expected = Vec::new();
    for g in catalog["catalog"]["groups"]
        .as_array()
        .into_iter()
        .flatten()
    {
        ids(&g["controls"], &mut expected);
    }
    let run = onus(&[
        "coverage",
        STORAGE,
        "--framework",
        "nist_800_53",
        "--facts",
        STORAGE_FACTS,
        "--now",
        NOW,
        "--format",
        "json",
    ]);
    let doc = json(&run.stdout)?;
    let rows = doc["requirements"].as_array().ok_or("no requirements")?;
    let got: Vec<&str> = rows.iter().filter_map(|r| r["id"].as_str()).collect();
    if got != expected || got.len() != 287 {
        return Err(format!("{} rows, not the catalog's {}", got.len(), expected.len()).into());
    }
    let row = |id: &str| {
        rows.iter()
            .find(|r| r["id"] == id)
            .cloned()
            .unwrap_or_default()
    };
    let ac3 = row("ac-3");
    let exposure = ac3["controls"]
        .as_array()
        .and_then(|cs| {
            cs.iter()
                .find(|c| c["id"] == "private_buckets_block_public_access")
        })
        .ok_or("ac-3 does not list the bucket-exposure control")?;
    let expect = |what: &str, got: &Value, want: &str| {
        if got != want {
            Err(Failed::from(format!("{what}: {got}, expected {want}")))
        } else {
            Ok(())
        }
    };
    expect("its owner", &exposure["owner"], "customer")?;
    expect("its status", &exposure["status"], "fail")?;
    expect("ac-3", &ac3["status"], "fail")?;
    expect("pe-3 (provider only)", &row("pe-3")["status"], "inherited")?;
    expect(
        "ac-1 (nothing maps)",
        &row("ac-1")["status"],
        "not_addressed",
    )?;
    Ok(())
}

/// Each line of a Markdown table has as many cells as its header: nothing
/// from the policy or the catalog adds or removes a `|`.
fn coverage_markdown_tables_are_well_formed() -> Result<(), Failed> {
    let cells = |line: &str| {
        let mut n = 0;
        let mut escaped = false;
        for c in line.chars() {
            match c {
                '\\' if !escaped => escaped = true,
                '|' if !escaped => n += 1,
                _ => escaped = false,
            }
            if c != '\\' {
                escaped = false;
            }
        }
        n
    };
    for (name, run) in coverages("markdown")? {
        let mut header: Option<usize> = None;
        for line in run.stdout.lines() {
            if !line.starts_with('|') {
                header = None;
                continue;
            }
            let n = cells(line);
            match header {
                None => header = Some(n),
                Some(h) if h != n => {
                    return Err(format!("{name}: {n} bars, header has {h}: {line}").into());
                }
                Some(_) => {}
            }
            if line.chars().any(|c| c.is_control()) {
                return Err(format!("{name}: a control character in {line:?}").into());
            }
        }
    }
    Ok(())
}

/// Parses `text` as XML, failing unless it is well-formed; returns its
/// character data with references resolved.
fn xml_text(text: &str) -> Result<String, Failed> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut raw = String::new();
    let mut depth = 0i32;
    loop {
        match reader.read_event() {
            Ok(Event::Start(_)) => depth += 1,
            Ok(Event::End(_)) => depth -= 1,
            Ok(Event::Text(t)) => raw.push_str(&t.xml10_content()),
            Ok(Event::GeneralRef(r)) => raw.push_str(&format!("&{};", r.xml10_content())),
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => {
                return Err(
                    format!("not well-formed at byte {}: {e}", reader.error_position()).into(),
                );
            }
        }
    }
    if depth != 0 {
        return Err("an element is not closed".into());
    }
    quick_xml::escape::unescape(&raw)
        .map(|t| t.into_owned())
        .map_err(|e| format!("unknown entity: {e}").into())
}

fn coverage_html_is_well_formed_and_escaped() -> Result<(), Failed> {
    for (name, run) in coverages("html")? {
        let page = run.stdout.trim_start_matches("<!DOCTYPE html>\n");
        let text = xml_text(page).map_err(|e| format!("{name}: {}", e.message().unwrap_or("")))?;
        if page.contains("<script") || page.contains("<img") || page.contains("<b>") {
            return Err(format!("{name}: markup from the policy reached the page").into());
        }
        if name == "hostile" && !text.contains("<script>alert(1)</script>") {
            return Err("the hostile title is not shown as text".into());
        }
        if page.chars().any(|c| c.is_control() && c != '\n') {
            return Err(format!("{name}: a raw control character").into());
        }
    }
    Ok(())
}

fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|p| p.is_file())
}

fn coverage_html_renders_in_headless_chromium(browser: &Path) -> Result<(), Failed> {
    let dir = std::env::temp_dir().join(format!("onus-audit-chromium-{}", std::process::id()));
    for (name, run) in coverages("html")? {
        let slug = name.replace([' ', ','], "_");
        let profile = dir.join(format!("profile-{slug}"));
        std::fs::create_dir_all(&profile)?;
        let html = dir.join(format!("{slug}.html"));
        let png = dir.join(format!("{slug}.png"));
        std::fs::write(&html, &run.stdout)?;
        let mut child = Command::new(browser)
            .args(["--headless", "--no-sandbox", "--disable-gpu"])
            .args([
                "--disable-background-networking",
                "--disable-component-update",
            ])
            .args([
                "--disable-sync",
                "--no-first-run",
                "--window-size=1400,1000",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg(format!("--screenshot={}", png.display()))
            .arg(format!("file://{}", html.display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let started = Instant::now();
        while child.try_wait()?.is_none() {
            if started.elapsed() > Duration::from_secs(90) {
                let _ = child.kill();
                return Err(format!("Chromium did not finish {name} within 90 s").into());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let image = std::fs::read(&png).map_err(|_| format!("{name}: no screenshot"))?;
        if !(image.starts_with(b"\x89PNG\r\n\x1a\n") && image.len() > 10_000) {
            return Err(format!("{name}: not a real PNG").into());
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// `sha256sum FILE`: the digest it prints, or None when it cannot run.
fn sha256sum(file: &str) -> Option<String> {
    let out = Command::new("sha256sum")
        .arg(file)
        .current_dir(root())
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    Some(text.split_whitespace().next()?.to_string())
}

/// Every input the JSON report names has the size and the SHA-256 that the
/// file has: policy files, facts and the framework catalog.
fn run_digests_equal_sha256sum() -> Result<(), Failed> {
    let run = onus(&[
        "check",
        GOVERNANCE,
        "--facts",
        GOVERNANCE_FACTS,
        "--now",
        NOW,
        "--format",
        "json",
    ]);
    let doc = json(&run.stdout)?;
    let mut named = 0;
    for list in ["policy_files", "facts", "frameworks"] {
        for input in doc["run"][list]
            .as_array()
            .ok_or(format!("no run.{list}"))?
        {
            let path = input["path"].as_str().ok_or("no path")?;
            let want = sha256sum(path).ok_or(format!("sha256sum {path} did not run"))?;
            if input["sha256"] != want.as_str() {
                return Err(
                    format!("{path}: {} but sha256sum says {want}", input["sha256"]).into(),
                );
            }
            let bytes = std::fs::metadata(root().join(path))?.len();
            if input["bytes"] != bytes {
                return Err(
                    format!("{path}: {} bytes, the file has {bytes}", input["bytes"]).into(),
                );
            }
            named += 1;
        }
    }
    if named != 3 {
        return Err(format!("{named} inputs named, expected policy, facts and catalog").into());
    }
    Ok(())
}

fn main() {
    let args = Arguments::from_args();
    let browser = chromium();
    let has_sha256sum = sha256sum("Cargo.toml").is_some();
    let mut trials = vec![
        Trial::test(
            "coverage_json_matches_its_schema",
            coverage_json_matches_its_schema,
        ),
        Trial::test(
            "coverage_rows_follow_the_catalog",
            coverage_rows_follow_the_catalog,
        ),
        Trial::test(
            "coverage_markdown_tables_are_well_formed",
            coverage_markdown_tables_are_well_formed,
        ),
        Trial::test(
            "coverage_html_is_well_formed_and_escaped",
            coverage_html_is_well_formed_and_escaped,
        ),
        Trial::test("run_digests_equal_sha256sum", run_digests_equal_sha256sum)
            .with_ignored_flag(!has_sha256sum),
    ];
    let chromium_trial = match browser {
        Some(b) => Trial::test("coverage_html_renders_in_headless_chromium", move || {
            coverage_html_renders_in_headless_chromium(&b)
        }),
        // Not installed: shown as ignored (`apt-get install chromium` to run it).
        None => Trial::test("coverage_html_renders_in_headless_chromium", || Ok(()))
            .with_ignored_flag(true),
    };
    trials.push(chromium_trial);
    libtest_mimic::run(&args, trials).exit();
}
