//! The installation and first-run story: `onus --version` names the git
//! revision, `onus completions` for each shell, `onus man`, `onus help
//! builtins`, `onus init` (whose starter passes `onus check` with its facts
//! and `onus test`, and is never written over), and the recipes that run
//! onus elsewhere (the pre-commit hooks and the GitHub Action) name
//! commands that work.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn onus(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_onus"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("onus runs")
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn version_names_the_git_revision_when_built_from_git() {
    let out = onus(&["--version"], &root());
    let version = text(&out);
    assert!(
        version.starts_with(&format!("onus {}", env!("CARGO_PKG_VERSION"))),
        "{version}"
    );
    let git = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(root())
        .output();
    match git {
        Ok(g) if g.status.success() => {
            let revision = String::from_utf8_lossy(&g.stdout).trim().to_string();
            assert!(
                version.contains(&format!("(git {revision})")),
                "{version} vs {revision}"
            );
        }
        _ => assert!(!version.contains("git"), "no git, no revision: {version}"),
    }
}

#[test]
fn completions_for_every_shell_and_a_manual_page() {
    for (shell, marker) in [
        ("bash", "complete -F _onus"),
        ("zsh", "#compdef onus"),
        ("fish", "complete -c onus"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let out = onus(&["completions", shell], &root());
        assert!(out.status.success(), "{shell}");
        let script = text(&out);
        assert!(script.contains(marker), "{shell}: {script:.200}");
        assert!(
            script.contains("lsp") && script.contains("--facts"),
            "{shell}"
        );
    }
    let out = onus(&["completions", "tcsh"], &root());
    assert_eq!(out.status.code(), Some(2));
    let man = text(&onus(&["man"], &root()));
    assert!(
        man.starts_with(".ie") || man.contains(".TH onus 1"),
        "{man:.200}"
    );
    assert!(
        man.contains("onus\\-check") || man.contains("check"),
        "{man:.400}"
    );
    let dir = std::env::temp_dir().join(format!("onus-man-{}", std::process::id()));
    let out = onus(&["man", "--dir", &dir.display().to_string()], &root());
    assert!(out.status.success());
    assert!(dir.join("onus.1").is_file() && dir.join("onus-check.1").is_file());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn help_documents_every_builtin() {
    let out = onus(&["help", "builtins"], &root());
    assert!(out.status.success());
    let listing = text(&out);
    for b in onus::builtins::Builtin::ALL {
        assert!(listing.contains(&onus::help::builtin(*b)), "{}", b.name());
    }
    let one = text(&onus(&["help", "cidr_contains"], &root()));
    assert_eq!(
        one,
        onus::help::builtin(onus::builtins::Builtin::CidrContains)
    );
    assert!(text(&onus(&["help", "check"], &root())).contains("--facts"));
    let unknown = onus(&["help", "frobnicate"], &root());
    assert_eq!(unknown.status.code(), Some(2));
}

#[test]
fn init_writes_a_starter_that_checks_and_tests_and_is_not_overwritten() {
    let dir = std::env::temp_dir().join(format!("onus-init-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let out = onus(&["init", "starter"], &dir);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let starter = dir.join("starter");
    let check = onus(&["check", ".", "--facts", "facts.json"], &starter);
    assert!(
        check.status.success(),
        "{}{}",
        text(&check),
        String::from_utf8_lossy(&check.stderr)
    );
    let report = text(&check);
    assert!(
        report.contains("PASS        buckets_not_public"),
        "{report}"
    );
    assert!(report.contains("0 fail"), "{report}");
    assert!(
        check.stderr.is_empty(),
        "no diagnostics: {}",
        String::from_utf8_lossy(&check.stderr)
    );
    let test = onus(&["test", "."], &starter);
    assert!(test.status.success(), "{}", text(&test));
    assert!(text(&test).contains("1 passed, 0 failed"));
    let fmt = onus(&["fmt", "--check", "."], &starter);
    assert!(fmt.status.success(), "the starter is formatted");
    // The project file names the facts, for the language server.
    let toml = std::fs::read_to_string(starter.join("onus.toml")).expect("onus.toml");
    assert!(toml.contains("facts.json"));
    let again = onus(&["init", "starter"], &dir);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("writes only new files"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// The hooks and the Action are YAML whose `onus` commands exist.
#[test]
fn pre_commit_hooks_and_the_action_name_real_commands() {
    use yaml_rust2::YamlLoader;
    let hooks = std::fs::read_to_string(root().join(".pre-commit-hooks.yaml")).expect("hooks");
    let hooks = YamlLoader::load_from_str(&hooks).expect("YAML");
    let entries: Vec<&str> = hooks[0]
        .as_vec()
        .into_iter()
        .flatten()
        .filter_map(|h| h["entry"].as_str())
        .collect();
    assert_eq!(entries, ["onus fmt --check", "onus check"]);
    let fixture = root().join("examples/object_storage");
    for entry in entries {
        let words: Vec<&str> = entry.split_whitespace().skip(1).collect();
        let mut args = words.clone();
        args.push("policy.onus");
        let out = onus(&args, &fixture);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{entry}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let action = std::fs::read_to_string(root().join("action.yml")).expect("action");
    let action = YamlLoader::load_from_str(&action).expect("YAML");
    let steps = action[0]["runs"]["steps"]
        .as_vec()
        .cloned()
        .unwrap_or_default();
    let runs: Vec<String> = steps
        .iter()
        .filter_map(|s| s["run"].as_str().map(str::to_string))
        .collect();
    assert!(
        runs.iter()
            .any(|r| r.contains("cargo install --locked --path"))
    );
    assert!(
        runs.iter()
            .any(|r| r.contains("check $PATHS") && r.contains("sarif=$SARIF"))
    );
    assert!(steps.iter().any(|s| {
        s["uses"]
            .as_str()
            .is_some_and(|u| u.contains("upload-sarif"))
    }));
}
