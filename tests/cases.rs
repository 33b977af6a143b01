//! Data-driven tests: one test per case file under `tests/cases/**` and per
//! example under `examples/`. Each runs the real `onus` binary and compares
//! its exit code, stdout and stderr with a golden file. `BLESS=1 cargo test`
//! rewrites the golden files; see tests/README.md.

use libtest_mimic::{Arguments, Failed, Trial};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The date every case runs at, so results never depend on the calendar.
const NOW: &str = "2026-11-22";
/// The start time JSON reports print (`run.started_at`), 2026-11-22T09:00:00Z,
/// given as `SOURCE_DATE_EPOCH` so that goldens do not depend on the clock.
const STARTED_AT: &str = "1795338000";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

struct Case {
    /// Arguments after `onus`, paths relative to the repository root.
    args: Vec<String>,
    /// File piped to standard input, if any.
    stdin: Option<PathBuf>,
    golden: PathBuf,
}

fn rel(p: &Path) -> String {
    p.strip_prefix(root()).unwrap_or(p).display().to_string()
}

/// Reads `// onus: ARGS` and `// stdin: FILE` from the top of a case;
/// `{file}` and `{dir}` expand to the case's path and folder.
fn case_for(policy: &Path) -> Case {
    let text = std::fs::read(policy).unwrap_or_default();
    let text = String::from_utf8_lossy(&text);
    let dir = rel(policy.parent().unwrap_or(Path::new(".")));
    let file = rel(policy);
    let expand = |s: &str| s.replace("{file}", &file).replace("{dir}", &dir);
    let mut args = None;
    let mut stdin = None;
    for line in text.lines().take_while(|l| l.starts_with("//")) {
        if let Some(a) = line.strip_prefix("// onus:") {
            args = Some(a.split_whitespace().map(expand).collect());
        } else if let Some(s) = line.strip_prefix("// stdin:") {
            stdin = Some(root().join(expand(s.trim())));
        }
    }
    let args = args.unwrap_or_else(|| {
        let mut a = vec![
            "check".to_string(),
            file.clone(),
            "--now".into(),
            NOW.into(),
        ];
        let facts = policy.with_extension("json");
        if facts.exists() {
            a.extend(["--facts".into(), rel(&facts)]);
        }
        a
    });
    Case {
        args,
        stdin,
        golden: policy.with_extension("out"),
    }
}

fn run(case: &Case) -> Result<String, Failed> {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_onus"));
    cmd.args(&case.args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .env("SOURCE_DATE_EPOCH", STARTED_AT)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    match &case.stdin {
        Some(f) => {
            cmd.stdin(std::fs::File::open(f).map_err(|e| format!("stdin {}: {e}", f.display()))?)
        }
        None => cmd.stdin(Stdio::null()),
    };
    let out = cmd.output().map_err(|e| format!("cannot run onus: {e}"))?;
    let code = out
        .status
        .code()
        .map_or("signal".to_string(), |c| c.to_string());
    Ok(format!(
        "$ onus {}\nexit: {code}\n--- stdout\n{}--- stderr\n{}",
        case.args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    ))
}

fn compare(case: &Case) -> Result<(), Failed> {
    let actual = run(case)?;
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&case.golden, &actual).map_err(|e| e.to_string())?;
        return Ok(());
    }
    let expected = std::fs::read_to_string(&case.golden).map_err(|_| {
        format!(
            "no golden file {}; run with BLESS=1\n\nactual:\n{actual}",
            rel(&case.golden)
        )
    })?;
    if expected == actual {
        Ok(())
    } else {
        Err(format!(
            "{} differs (BLESS=1 to accept)\n{}",
            rel(&case.golden),
            diff(&expected, &actual)
        )
        .into())
    }
}

/// A line diff: `-` expected, `+` actual, with the first differing region.
fn diff(expected: &str, actual: &str) -> String {
    let e: Vec<&str> = expected.lines().collect();
    let a: Vec<&str> = actual.lines().collect();
    let start = e.iter().zip(&a).take_while(|(x, y)| x == y).count();
    let mut out = String::new();
    for l in e.iter().skip(start).take(20) {
        out.push_str(&format!("-{l}\n"));
    }
    for l in a.iter().skip(start).take(20) {
        out.push_str(&format!("+{l}\n"));
    }
    out
}

fn files_below(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let p = entry.path();
        if p.is_dir() {
            files_below(&p, ext, out);
        } else if p.extension().and_then(|e| e.to_str()) == Some(ext) {
            out.push(p);
        }
    }
}

fn main() {
    let args = Arguments::from_args();
    let mut trials = Vec::new();

    let mut cases = Vec::new();
    files_below(&root().join("tests/cases"), "onus", &mut cases);
    cases.sort();
    for policy in cases {
        // Files that cases `use`, rather than cases of their own.
        let first = std::fs::read_to_string(&policy).unwrap_or_default();
        if first.starts_with("// lib:") {
            continue;
        }
        let name = rel(&policy)
            .trim_start_matches("tests/cases/")
            .trim_end_matches(".onus")
            .replace('/', "::");
        let case = case_for(&policy);
        trials.push(Trial::test(format!("case::{name}"), move || compare(&case)));
    }

    let mut examples: Vec<PathBuf> = std::fs::read_dir(root().join("examples"))
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    examples.sort();
    for dir in examples {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let commands = std::fs::read_to_string(dir.join("commands")).unwrap_or_default();
        for (i, line) in commands
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .enumerate()
        {
            let case = Case {
                args: line
                    .split_whitespace()
                    .skip_while(|w| *w == "onus")
                    .map(str::to_string)
                    .collect(),
                stdin: None,
                golden: root().join(format!("tests/examples/{name}.{}.out", i + 1)),
            };
            trials.push(Trial::test(
                format!("example::{name}::{}", i + 1),
                move || compare(&case),
            ));
        }
    }
    libtest_mimic::run(&args, trials).exit();
}
