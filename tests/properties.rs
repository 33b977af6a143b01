//! Properties over generated input, in the normal test suite: the lexer
//! and parser never panic on any text (arbitrary Unicode, and near-miss
//! soups of onus tokens); evaluating the example policies never panics on
//! any facts (each example's own facts with a subtree replaced by
//! arbitrary JSON); and every report is byte-identical from one run to the
//! next, whatever the number of evaluation threads. Case counts are kept
//! small so that `cargo test` stays quick; the fuzz targets (`fuzz/`) go
//! further.

use onus::Session;
use onus::check::program::Status;
use onus::eval::Options;
use onus::facts::{Facts, FactsFormat};
use onus::parser::{parse_expr, parse_module};
use onus::report::{self, Gate, Run, text::Style};
use onus::source::FileId;
use proptest::prelude::*;
use serde_json::Value as Json;
use std::path::{Path, PathBuf};

/// Fragments of onus, valid and nearly so: keywords, punctuation, half
/// strings and interpolations, bad escapes, dates and durations that do
/// not exist, comments, and characters the lexer refuses.
const SOUP: &[&str] = &[
    "use",
    "std",
    "party",
    "layer",
    "model",
    "service",
    "control",
    "let",
    "fn",
    "assert",
    "waive",
    "test",
    "for",
    "in",
    "where",
    "if",
    "then",
    "else",
    "all",
    "any",
    "none",
    "not",
    "and",
    "or",
    "true",
    "false",
    "null",
    "given",
    "expect",
    "passes",
    "fails",
    "require",
    "key",
    "extends",
    "operated_by",
    "customer",
    "provider",
    "shared",
    "facts",
    "x",
    "xs",
    "len",
    "owner",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ",",
    ":",
    "=",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "+",
    "-",
    "*",
    "/",
    "%",
    ".",
    "?",
    "??",
    "\"",
    "\"a\"",
    "\"{",
    "}\"",
    "\"{x}\"",
    "{{",
    "}}",
    "\\",
    "\\u{1b}",
    "\\u{",
    "\\q",
    "//",
    "///",
    "\n",
    "\r",
    "\t",
    "0",
    "42",
    "1.5",
    "99999999999999999999",
    "2027-03-31",
    "2027-02-30",
    "90d",
    "9y",
    "$",
    "@",
    "é",
    "\u{202e}",
    "\u{feff}",
    "\u{0}",
];

fn soup() -> impl Strategy<Value = String> {
    prop::collection::vec(
        (
            prop::sample::select(SOUP),
            prop::sample::select(&["", " ", "\n"][..]),
        ),
        0..80,
    )
    .prop_map(|parts| parts.into_iter().flat_map(|(t, s)| [t, s]).collect())
}

/// Any characters at all, control and private-use ones included.
fn any_text() -> impl Strategy<Value = String> {
    prop::collection::vec(any::<char>(), 0..200).prop_map(|cs| cs.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn parsing_arbitrary_text_never_panics(src in any_text()) {
        let parsed = parse_module(&src, FileId(0));
        prop_assert!(parsed.diagnostics.len() <= onus::parser::MAX_SYNTAX_ERRORS + 1);
        let _ = parse_expr(&src, FileId(0));
    }

    #[test]
    fn parsing_token_soup_never_panics(src in soup()) {
        let _ = parse_module(&src, FileId(0));
        let _ = parse_expr(&src, FileId(0));
        // Text that parses formats to text that means the same (M001
        // would report the formatter changing it).
        if let Err(diagnostics) = onus::fmt::format_source(&src, FileId(0)) {
            prop_assert!(diagnostics.iter().all(|d| d.code != "M001"), "{src:?}");
        }
    }
}

fn options(jobs: usize) -> Options {
    Options {
        now: jiff::civil::date(2026, 11, 22),
        max_steps: None,
        timeout: None,
        jobs: Some(jobs),
        show_passed: false,
    }
}

/// Each example's policy and the facts its first `check` command reads.
fn examples() -> Vec<(PathBuf, Json)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root.join("examples"))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    dirs.sort();
    dirs.iter()
        .filter_map(|dir| {
            let commands = std::fs::read_to_string(dir.join("commands")).ok()?;
            let facts = commands
                .split_whitespace()
                .skip_while(|w| *w != "--facts")
                .nth(1)?;
            let text = std::fs::read_to_string(root.join(facts)).ok()?;
            Some((dir.join("policy.onus"), serde_json::from_str(&text).ok()?))
        })
        .collect()
}

/// Arbitrary JSON: every kind of value, strings with any characters.
fn json() -> impl Strategy<Value = Json> {
    let leaf = prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::Bool),
        any::<i64>().prop_map(Json::from),
        any::<f64>().prop_map(Json::from),
        any_text().prop_map(Json::String),
        prop::sample::select(&["id", "name", "0.0.0.0/0", "2026-11-22", "customer"][..])
            .prop_map(Json::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Json::Array),
            prop::collection::vec((any_text(), inner), 0..6)
                .prop_map(|entries| Json::Object(entries.into_iter().collect())),
        ]
    })
}

/// JSON with printable strings: YAML reads raw control characters and
/// line separators differently from JSON, by its own specification.
fn printable_json() -> impl Strategy<Value = Json> {
    let text = "[ -~éß€😀\t\n]{0,12}";
    let leaf = prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::Bool),
        any::<i64>().prop_map(Json::from),
        any::<u64>().prop_map(Json::from),
        any::<f64>().prop_map(Json::from),
        text.prop_map(Json::String),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Json::Array),
            prop::collection::vec((text, inner), 0..6)
                .prop_map(|entries| Json::Object(entries.into_iter().collect())),
        ]
    })
}

fn read_facts(text: &str, format: FactsFormat) -> Result<Json, String> {
    let facts = Facts::parse(text.to_string(), None, format).map_err(|e| e.to_string())?;
    Ok(onus::eval::Evaluator::root(&facts).to_json())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// YAML facts are as untrusted as JSON ones: any text is read or
    /// refused with a position, never a panic.
    #[test]
    fn reading_arbitrary_text_as_yaml_never_panics(src in any_text()) {
        let _ = read_facts(&src, FactsFormat::Yaml);
    }

    /// JSON is YAML 1.2: the YAML reader gives the JSON reader's facts,
    /// numbers, key order and all.
    #[test]
    fn json_read_as_yaml_gives_the_same_facts(value in printable_json()) {
        let text = serde_json::to_string_pretty(&value).expect("serialisable");
        let as_json = read_facts(&text, FactsFormat::Json);
        prop_assume!(as_json.is_ok(), "duplicate keys are refused by both");
        prop_assert_eq!(read_facts(&text, FactsFormat::Yaml), as_json, "{}", text);
    }
}

/// Replaces the node that `path` leads to (each step picks a child,
/// modulo the number of children) with `replacement`.
fn replace(node: &mut Json, path: &[usize], replacement: Json) {
    let child = match node {
        Json::Array(items) if !items.is_empty() => {
            let len = items.len();
            path.first().and_then(|&i| items.get_mut(i % len))
        }
        Json::Object(map) if !map.is_empty() => {
            let len = map.len();
            path.first().and_then(|&i| map.values_mut().nth(i % len))
        }
        _ => None,
    };
    match child {
        Some(child) => replace(child, &path[1..], replacement),
        None => *node = replacement,
    }
}

/// Every report of one evaluation: text, JSON, and `explain` (text and
/// JSON) of each failing or erroring control.
fn reports(policy: &Path, facts: &str, jobs: usize) -> Vec<String> {
    let mut session = Session::new(options(jobs));
    session.load_path(policy);
    session.check();
    if session
        .add_facts(
            "facts.json".into(),
            None,
            facts.to_string(),
            FactsFormat::Json,
        )
        .is_err()
    {
        return vec!["facts refused".into()];
    }
    let Ok(outcome) = session.evaluate() else {
        return vec!["not evaluated".into()];
    };
    let diagnostics = session.run_diagnostics(Some(&outcome));
    let run = Run {
        program: &session.program,
        outcome: Some(&outcome),
        diagnostics: &diagnostics,
        sources: &session.sources,
        info: None,
        baseline: None,
    };
    let mut out = vec![
        report::text::render(&run, Gate::default(), Style { color: false }),
        report::json::render(&run),
    ];
    let Ok(root) = session.facts_root() else {
        return out;
    };
    for (i, result) in outcome.controls.iter().enumerate() {
        if matches!(result.status, Status::Fail | Status::Error) {
            let e = onus::explain::explain(
                &session.program,
                root.clone(),
                session.fact_nodes(),
                &session.options,
                i,
                onus::explain::Which::Failing,
                5,
            );
            out.push(report::explain::text(
                &session.program,
                &e,
                &session.sources,
            ));
            out.push(report::explain::json(
                &session.program,
                &e,
                &session.sources,
            ));
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Facts are untrusted: whatever part of an example's facts is
    /// replaced by whatever JSON, evaluating and reporting never panics,
    /// and the same input gives the same bytes, on one thread or four.
    #[test]
    fn evaluation_is_total_and_deterministic(
        example in any::<prop::sample::Index>(),
        path in prop::collection::vec(any::<usize>(), 0..6),
        replacement in json(),
    ) {
        let examples = examples();
        prop_assume!(!examples.is_empty());
        let (policy, facts) = &examples[example.index(examples.len())];
        let mut facts = facts.clone();
        replace(&mut facts, &path, replacement);
        let text = facts.to_string();
        let once = reports(policy, &text, 1);
        let again = reports(policy, &text, 4);
        prop_assert_eq!(once, again);
    }
}

/// The binary too: every example command, in every `--format`, gives the
/// same bytes twice, on one evaluation thread and on four (with the start
/// time fixed by `SOURCE_DATE_EPOCH`, as for reproducible builds).
#[test]
fn reports_are_byte_identical_run_to_run() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (policy, _) in examples() {
        let facts = policy.parent().map(|d| d.join("commands")).and_then(|c| {
            std::fs::read_to_string(c)
                .ok()?
                .split_whitespace()
                .skip_while(|w| *w != "--facts")
                .nth(1)
                .map(str::to_string)
        });
        let Some(facts) = facts else { continue };
        let policy = policy
            .strip_prefix(root)
            .unwrap_or(&policy)
            .display()
            .to_string();
        for format in ["text", "json"] {
            let run = |jobs: &str| {
                std::process::Command::new(env!("CARGO_BIN_EXE_onus"))
                    .args(["check", &policy, "--facts", &facts, "--format", format])
                    .args(["--now", "2026-11-22", "--jobs", jobs])
                    .current_dir(root)
                    .env("NO_COLOR", "1")
                    // `run.started_at` is the clock unless this fixes it.
                    .env("SOURCE_DATE_EPOCH", "1795338000")
                    .output()
                    .map(|o| (o.status.code(), o.stdout, o.stderr))
                    .ok()
            };
            let first = run("1");
            assert!(first.is_some(), "onus runs");
            assert_eq!(first, run("1"), "{policy} --format {format}");
            assert_eq!(first, run("4"), "{policy} --format {format} --jobs 4");
        }
    }
}
