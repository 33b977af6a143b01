//! onus against checkov, per plan: runs the real binary with
//! `examples/terraform_scanner_parity/policy.onus` over every plan in its
//! `plans/` folder (`--format json --show-passed`), reads each control's
//! verdict per resource address (control `ckv_aws_20_…` is check
//! CKV_AWS_20; a failing subject is `fail`, an erroring one `error`, a
//! passing one `pass`), and compares them with checkov's verdicts recorded
//! once in `checkov-verdicts.json`. Every disagreement must be listed, with
//! its cause, in `disagreements.json`, and every listed one must still
//! occur: the list in the example's README is that file.

use libtest_mimic::{Arguments, Failed, Trial};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// check id -> resource address -> verdict.
type Verdicts = BTreeMap<String, BTreeMap<String, String>>;

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/terraform_scanner_parity")
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `ckv_aws_20_s3_no_public_read_acl` -> `CKV_AWS_20`.
fn check_id(control: &str) -> Option<String> {
    let parts: Vec<&str> = control.splitn(4, '_').collect();
    match parts.as_slice() {
        [scanner, provider, number, ..]
            if scanner.starts_with("ckv") && number.chars().all(|c| c.is_ascii_digit()) =>
        {
            Some(format!(
                "{}_{}_{}",
                scanner.to_uppercase(),
                provider.to_uppercase(),
                number
            ))
        }
        _ => None,
    }
}

/// onus's verdicts for one plan.
fn onus_verdicts(plan: &Path) -> Result<Verdicts, Failed> {
    let dir = example();
    let out = Command::new(env!("CARGO_BIN_EXE_onus"))
        .arg("check")
        .arg(dir.join("policy.onus"))
        .arg("--facts")
        .arg(plan)
        .args(["--format", "json", "--show-passed", "--now", "2026-11-22"])
        .output()
        .map_err(|e| format!("onus did not run: {e}"))?;
    let report: Value = serde_json::from_slice(&out.stdout).map_err(|e| {
        format!(
            "no JSON report ({e}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })?;
    if !report["diagnostics"]
        .as_array()
        .is_some_and(|d| d.iter().all(|d| d["severity"] != "error"))
    {
        return Err(format!("the policy did not load: {}", report["diagnostics"]).into());
    }
    let mut verdicts = Verdicts::new();
    for control in report["controls"].as_array().into_iter().flatten() {
        let Some(id) = control["id"].as_str().and_then(check_id) else {
            continue;
        };
        let per_resource = verdicts.entry(id).or_default();
        for (list, verdict) in [
            ("passed", "pass"),
            ("errors", "error"),
            ("violations", "fail"),
        ] {
            for subject in control[list].as_array().into_iter().flatten() {
                let key = subject["key"].as_str().unwrap_or_default().to_string();
                per_resource.insert(key, verdict.to_string());
            }
        }
    }
    Ok(verdicts)
}

fn golden_verdicts(plan: &str) -> Verdicts {
    let all = read_json(&example().join("checkov-verdicts.json"));
    serde_json::from_value(all[plan].clone()).unwrap_or_default()
}

/// (check, address) -> (checkov, onus) for one plan, as the listed
/// disagreements state them.
fn listed(plan: &str) -> BTreeMap<(String, String), (String, String)> {
    let list = read_json(&example().join("disagreements.json"));
    list.as_array()
        .into_iter()
        .flatten()
        .filter(|d| d["plan"] == plan)
        .map(|d| {
            let s = |k: &str| d[k].as_str().unwrap_or_default().to_string();
            assert!(
                !s("cause").is_empty(),
                "a listed disagreement names its cause: {d}"
            );
            ((s("check"), s("address")), (s("checkov"), s("onus")))
        })
        .collect()
}

fn compare(plan: &Path) -> Result<(), Failed> {
    let name = plan
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default()
        .to_string();
    let ours = onus_verdicts(plan)?;
    let theirs = golden_verdicts(&name);
    let expected = listed(&name);
    let checks: BTreeSet<&String> = ours.keys().chain(theirs.keys()).collect();
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for check in checks {
        let (a, b) = (ours.get(check), theirs.get(check));
        let addresses: BTreeSet<&String> = a.into_iter().chain(b).flat_map(|m| m.keys()).collect();
        for address in addresses {
            let onus = a
                .and_then(|m| m.get(address))
                .map_or("none", String::as_str);
            let checkov = b
                .and_then(|m| m.get(address))
                .map_or("none", String::as_str);
            if onus == checkov {
                continue;
            }
            let key = (check.clone(), address.clone());
            match expected.get(&key) {
                Some((c, o)) if c == checkov && o == onus => {
                    seen.insert(key);
                }
                _ => problems.push(format!(
                    "{check} {address}: checkov {checkov}, onus {onus} (not in disagreements.json)"
                )),
            }
        }
    }
    for (key, (c, o)) in &expected {
        if !seen.contains(key) {
            problems.push(format!(
                "{} {}: listed as checkov {c}, onus {o}, but it does not occur",
                key.0, key.1
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n").into())
    }
}

fn main() {
    let args = Arguments::from_args();
    let mut plans: Vec<PathBuf> = std::fs::read_dir(example().join("plans"))
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "json"))
                .collect()
        })
        .unwrap_or_default();
    plans.sort();
    let golden = read_json(&example().join("checkov-verdicts.json"));
    let mut trials: Vec<Trial> = plans
        .into_iter()
        .map(|plan| {
            let name = plan
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default()
                .to_string();
            Trial::test(format!("parity::{name}"), move || compare(&plan))
        })
        .collect();
    // Every plan checkov judged is here, and none is judged by onus alone.
    let names: BTreeSet<String> = golden
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, _)| k.clone())
        .collect();
    let listed_plans: BTreeSet<String> = trials
        .iter()
        .map(|t| t.name().trim_start_matches("parity::").to_string())
        .collect();
    trials.push(Trial::test(
        "parity::every_plan_has_golden_verdicts",
        move || {
            if names == listed_plans && names.len() >= 20 {
                Ok(())
            } else {
                Err(format!("plans {listed_plans:?} against golden {names:?}").into())
            }
        },
    ));
    libtest_mimic::run(&args, trials).exit();
}
