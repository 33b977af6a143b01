//! `explain` agrees with `check` on every subject of every example: each
//! `onus check … --facts …` line of an example's `commands` is run through
//! the library, then every control is explained subject by subject. The
//! explained outcome of each subject must be the one `check` reported, and
//! the explanation's own trace must show it: every `require` true for a
//! pass, the deciding `require` false for a failure, an error for an error.
//! This is what caught `let`s bound to a comprehension being shown with
//! the comprehension's loop variable in their slot.

use onus::Session;
use onus::explain::{Role, SubjectExplanation, Which};
use std::path::Path;

/// The `check` runs of every example: (policy paths, facts specs, now).
fn runs() -> Vec<(Vec<String>, Vec<String>, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut dirs: Vec<_> = std::fs::read_dir(root.join("examples"))
        .expect("examples/")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("commands").is_file())
        .collect();
    dirs.sort();
    let mut runs = Vec::new();
    for dir in dirs {
        let commands = std::fs::read_to_string(dir.join("commands")).expect("readable");
        for line in commands.lines() {
            let words: Vec<&str> = line.split_whitespace().collect();
            if words.get(..2) != Some(&["onus", "check"][..]) {
                continue;
            }
            let (mut paths, mut facts, mut now) = (Vec::new(), Vec::new(), String::new());
            let mut i = 2;
            while i < words.len() {
                match words[i] {
                    "--facts" => {
                        facts.push(words[i + 1].to_string());
                        i += 1;
                    }
                    "--now" => {
                        now = words[i + 1].to_string();
                        i += 1;
                    }
                    "--format" => i += 1,
                    w if !w.starts_with("--") => paths.push(w.to_string()),
                    _ => {}
                }
                i += 1;
            }
            let run = (paths, facts, now);
            if !run.1.is_empty() && !runs.contains(&run) {
                runs.push(run);
            }
        }
    }
    runs
}

/// What the trace itself says the outcome was.
fn traced_outcome(s: &SubjectExplanation) -> &'static str {
    let roots: Vec<_> = s.trace.iter().filter(|t| t.depth == 0).collect();
    let errored = roots.iter().any(|t| match (&t.value, t.role) {
        (Err(_), _) => true,
        (Ok(v), Role::Require(_)) => v != "true" && v != "false",
        _ => false,
    });
    if errored {
        return "error";
    }
    let requires: Vec<&str> = roots
        .iter()
        .filter(|t| matches!(t.role, Role::Require(_)))
        .filter_map(|t| t.value.as_deref().ok())
        .collect();
    match requires.as_slice() {
        ["false"] => "fail",
        all if all.iter().all(|v| *v == "true") => "pass",
        _ => "unclear",
    }
}

#[test]
fn explain_agrees_with_check_on_every_subject_of_every_example() {
    let runs = runs();
    assert!(runs.len() >= 5, "examples found: {runs:?}");
    let mut subjects = 0;
    for (paths, facts, now) in runs {
        let context = format!("check {} --facts {}", paths.join(" "), facts.join(" "));
        let mut session = Session::new(onus::eval::Options {
            now: now.parse().expect("--now is a date"),
            max_steps: None,
            timeout: None,
            jobs: Some(1),
            show_passed: true,
        });
        for p in &paths {
            session.load_path(Path::new(p));
        }
        session.check();
        // A policy that does not load on purpose (regulated_db's claim)
        // evaluates nothing, so there is nothing to explain.
        if session.has_errors() {
            continue;
        }
        for spec in &facts {
            session.load_facts_spec(spec).expect("facts load");
        }
        let outcome = session.evaluate().expect("evaluates");
        let root = session.facts_root().expect("one facts root");
        for (i, result) in outcome.controls.iter().enumerate() {
            let control = &session.program.controls[i].id;
            let mut checked: Vec<(String, &str)> = result
                .violations
                .iter()
                .map(|v| (v.key.clone(), if v.waived { "waived" } else { "fail" }))
                .chain(result.errors.iter().map(|e| (e.key.clone(), "error")))
                .chain(
                    result
                        .passed
                        .iter()
                        .flatten()
                        .map(|p| (p.key.clone(), "pass")),
                )
                .filter(|(k, _)| k != "(for)" && k != "(stopped)")
                .collect();
            let e = onus::explain::explain(
                &session.program,
                root.clone(),
                session.fact_nodes(),
                &session.options,
                i,
                Which::All,
                usize::MAX,
            );
            let mut explained: Vec<(String, &str)> = e
                .subjects
                .iter()
                .map(|s| (s.key.clone(), s.outcome))
                .collect();
            checked.sort();
            explained.sort();
            assert_eq!(explained, checked, "{context}: control {control}");
            for s in &e.subjects {
                let verdict = match s.outcome {
                    "waived" => "fail",
                    o => o,
                };
                assert_eq!(
                    traced_outcome(s),
                    verdict,
                    "{context}: control {control}, subject {}: {:#?}",
                    s.key,
                    s.trace
                );
                subjects += 1;
            }
        }
    }
    assert!(subjects > 50, "only {subjects} subjects explained");
}
