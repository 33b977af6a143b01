//! The fuzz targets' bodies: one input in, every invariant checked by
//! assertion (a failed one is a crash for libFuzzer). Shared by the
//! libFuzzer binaries in `fuzz_targets/` and by `tests/fuzz_regressions.rs`,
//! which replays every input that once crashed, so a regression test runs
//! exactly what the fuzzer ran.

use onus::Session;
use onus::check::program::Status;
use onus::diagnostic;
use onus::eval::{self, Evaluator, Options};
use onus::facts::{Facts, FactsFormat};
use onus::fmt::format_source;
use onus::fmt::tree::same_tree;
use onus::parser::{parse_expr, parse_module, starts_with_declaration};
use onus::report::{self, Gate, Run, text::Style};
use onus::source::FileId;
use std::cell::RefCell;
use std::path::Path;

fn options(max_steps: Option<u64>) -> Options {
    Options {
        now: jiff::civil::date(2026, 11, 22),
        max_steps,
        timeout: None,
        jobs: Some(1),
        show_passed: false,
    }
}

/// Lexes and parses the bytes as a policy file and as one expression (the
/// REPL's input). Policies are UTF-8 (invalid bytes are refused before
/// the lexer), so the lossy text is everything the lexer can ever see.
pub fn parse(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let parsed = parse_module(&text, FileId(0));
    assert!(parsed.diagnostics.len() <= onus::parser::MAX_SYNTAX_ERRORS + 1);
    let _ = parse_expr(&text, FileId(0));
    let _ = starts_with_declaration(&text);
}

/// Loads the text as a policy, checks it (names, types, ownership),
/// renders its diagnostics both ways and, when it has no errors, runs the
/// static evaluation of `onus check` and its `test` blocks.
pub fn check(data: &[u8]) {
    let text = String::from_utf8_lossy(data).into_owned();
    // A small budget: policies may legitimately loop for long; the fuzzer
    // looks for crashes, not for the work the budget exists to stop.
    let mut session = Session::new(options(Some(200_000)));
    session.load_source("fuzz.onus", text);
    session.check();
    let _ = diagnostic::render(&session.diagnostics, &session.sources, false);
    for d in &session.diagnostics {
        let _ = diagnostic::to_json(d, &session.sources);
    }
    if !session.has_errors() {
        let _ = session.evaluate();
        let _ = onus::testing::run(&session.program, &session.options);
    }
}

/// `onus fmt` on the text: refused when it has syntax errors; otherwise
/// the output parses to the same tree with the same comments, and
/// formatting it again changes nothing. `format_source` reports a broken
/// round trip as M001, a formatter bug.
pub fn fmt(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let formatted = match format_source(text, FileId(0)) {
        Ok(formatted) => formatted,
        Err(diagnostics) => {
            assert!(
                diagnostics.iter().all(|d| d.code != "M001"),
                "formatting would change the meaning of the file"
            );
            return;
        }
    };
    let before = parse_module(text, FileId(0));
    let after = parse_module(&formatted, FileId(0));
    assert!(
        !after.diagnostics.iter().any(|d| d.is_error()),
        "{:?}",
        after.diagnostics
    );
    assert!(same_tree(&before.module, &after.module));
    assert_eq!(before.comments.len(), after.comments.len());
    match format_source(&formatted, FileId(0)) {
        Ok(again) => assert_eq!(again, formatted, "formatting is not idempotent"),
        Err(diagnostics) => panic!("formatted text does not format: {diagnostics:?}"),
    }
}

/// Every example policy, loaded and checked once per thread.
fn examples() -> Vec<Session> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let dir = if dir.is_dir() {
        dir
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples")
    };
    let mut policies: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| d.flatten().map(|e| e.path().join("policy.onus")).collect())
        .unwrap_or_else(|_| Vec::new());
    policies.retain(|p: &std::path::PathBuf| p.is_file());
    policies.sort();
    assert!(
        !policies.is_empty(),
        "no example policies in {}",
        dir.display()
    );
    policies
        .iter()
        .map(|p| {
            let mut session = Session::new(options(None));
            session.load_path(p);
            session.check();
            assert!(!session.has_errors(), "{} does not load", p.display());
            session
        })
        .collect()
}

thread_local! {
    static EXAMPLES: RefCell<Option<Vec<Session>>> = const { RefCell::new(None) };
}

/// Reads the bytes as facts (JSON; JSON lines when they start with a
/// newline), evaluates every example policy against them and renders
/// every report: text (which must hold no escape character), JSON (which
/// must parse), and `explain` for each failing or erroring control.
pub fn facts(data: &[u8]) {
    let format = match data.first() {
        Some(b'\n') => FactsFormat::JsonLines,
        Some(b'#') => FactsFormat::Yaml,
        _ => FactsFormat::Json,
    };
    let text = String::from_utf8_lossy(data).into_owned();
    let Ok(facts) = Facts::parse(text, None, format) else {
        return;
    };
    EXAMPLES.with(|cell| {
        let mut cell = cell.borrow_mut();
        for session in cell.get_or_insert_with(examples).iter() {
            evaluate(session, &facts);
        }
    });
}

fn evaluate(session: &Session, facts: &Facts) {
    let options = options(None);
    let root = Evaluator::root(facts);
    let nodes = facts.node_count();
    let outcome = eval::evaluate(&session.program, Some(root.clone()), nodes, &options);
    let diagnostics = session.run_diagnostics(Some(&outcome));
    let run = Run {
        program: &session.program,
        outcome: Some(&outcome),
        diagnostics: &diagnostics,
        sources: &session.sources,
        baseline: None,
    };
    let text = report::text::render(&run, Gate::default(), Style { color: false });
    assert!(
        !text.contains('\u{1b}'),
        "an escape reached the text report"
    );
    let json = report::json::render(&run);
    assert!(serde_json::from_str::<serde_json::Value>(&json).is_ok());
    for (i, result) in outcome.controls.iter().enumerate() {
        if matches!(result.status, Status::Fail | Status::Error) {
            let e = onus::explain::explain(
                &session.program,
                Some(root.clone()),
                nodes,
                &options,
                i,
                onus::explain::Which::Failing,
                3,
            );
            let text = report::explain::text(&session.program, &e, &session.sources);
            assert!(!text.contains('\u{1b}'), "an escape reached explain");
            let _ = report::explain::json(&session.program, &e, &session.sources);
        }
    }
}

/// Reads the bytes (lossy UTF-8) as an `onus check --format json` report,
/// as `onus diff` and `--baseline` do: refused with a diagnostic that
/// renders, or read. A read report compared with itself has nothing new or
/// fixed; compared with an empty one, every finding is new (or fixed the
/// other way); every diff renders, and its JSON parses.
pub fn report(data: &[u8]) {
    use onus::diff::{self, read};
    let text = String::from_utf8_lossy(data);
    let report = match read::parse("fuzz.json", &text) {
        Ok(report) => report,
        Err(d) => {
            let _ = diagnostic::render(&[d], &onus::source::SourceMap::default(), false);
            return;
        }
    };
    let _ = diff::Baseline::new(&report);
    let empty = read::parse("empty.json", r#"{"version": 1, "controls": []}"#)
        .expect("the empty report reads");
    let findings: usize = report
        .controls
        .iter()
        .map(|c| c.violations.len() + c.errors.len())
        .sum();
    for (old, new) in [(&report, &report), (&empty, &report), (&report, &empty)] {
        let set = diff::compare(old, new);
        let s = set.summary();
        let (new_findings, fixed) = (
            s.new_violations + s.new_errors,
            s.fixed_violations + s.fixed_errors,
        );
        match (std::ptr::eq(old, new), std::ptr::eq(old, &empty)) {
            (true, _) => assert_eq!((new_findings, fixed, s.still_failing), (0, 0, findings)),
            (false, true) => assert_eq!((new_findings, fixed), (findings, 0)),
            (false, false) => assert_eq!((new_findings, fixed), (0, findings)),
        }
        let json = diff::json::render(&set, "old", "new");
        assert!(
            serde_json::from_str::<serde_json::Value>(&json).is_ok(),
            "{json}"
        );
        let _ = diff::text::render(&set, "old", "new", Some(Gate::default()));
        let _ = diff::markdown::render(&set, "old", "new", Some(Gate::default()));
    }
}
