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
use std::fmt::Write as _;
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
        let _ = onus::testing::run(&session.program, &session.options, session.yaml_schema);
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
            evaluate(session, &facts, None);
        }
    });
}

/// Evaluates the session's policy against the facts and renders every
/// report; a control that passes has no error and no violation (never
/// fail open).
fn evaluate(session: &Session, facts: &Facts, max_steps: Option<u64>) {
    let options = options(max_steps);
    let root = Evaluator::root(facts);
    let nodes = facts.node_count();
    let outcome = eval::evaluate(&session.program, Some(root.clone()), nodes, &options);
    for result in &outcome.controls {
        if result.status == Status::Pass {
            assert!(
                result.errors.is_empty() && result.violations.is_empty(),
                "a control passed with errors or violations"
            );
        }
    }
    let diagnostics = session.run_diagnostics(Some(&outcome));
    let run = Run {
        program: &session.program,
        outcome: Some(&outcome),
        diagnostics: &diagnostics,
        sources: &session.sources,
        info: None,
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

/// Bytes in; a small policy and facts generated from them, the policy
/// checked and, when it loads, evaluated against the facts with a small
/// budget and every report rendered (`evaluate`). The generator reaches
/// what the example policies never do over hostile facts: arithmetic at
/// the edges of 64 bits, patterns and JSON held in facts, `replace`,
/// `join` and `split`, lookups by computed keys, quantifiers and
/// comprehensions. Every choice reads one byte; past the end of the input
/// each reads 0, the shortest choice, so generation always ends.
pub fn eval(data: &[u8]) {
    let (facts_text, policy) = eval_program(data);
    let Ok(facts) = Facts::parse(facts_text, None, FactsFormat::Json) else {
        return;
    };
    let mut session = Session::new(options(Some(EVAL_STEPS)));
    session.load_source("fuzz.onus", policy);
    session.check();
    let _ = diagnostic::render(&session.diagnostics, &session.sources, false);
    if !session.has_errors() {
        evaluate(&session, &facts, Some(EVAL_STEPS));
    }
}

/// The facts (JSON text) and the policy the `eval` target generates from
/// `data`: to read what a crashing input ran. The policy reads its
/// choices from the start of the input and the facts from the end
/// backwards, so both grow with the input and mutate independently.
pub fn eval_program(data: &[u8]) -> (String, String) {
    let reversed: Vec<u8> = data.iter().rev().copied().collect();
    let facts = Gen {
        data: &reversed,
        at: 0,
    }
    .facts();
    (facts, Gen { data, at: 0 }.policy())
}

/// The step budget of the `eval` target: enough for every built-in over
/// the generated facts, small enough that a cross product stops quickly.
const EVAL_STEPS: u64 = 20_000;

struct Gen<'a> {
    data: &'a [u8],
    at: usize,
}

/// Numbers at the edges: 64-bit limits, `f64` limits, exactness limits.
const NUMBERS: &[&str] = &[
    "0",
    "1",
    "-1",
    "2",
    "7",
    "-9223372036854775808",
    "9223372036854775807",
    "18446744073709551615",
    "9007199254740993",
    "1.7976931348623157e308",
    "-1.7976931348623157e308",
    "5e-324",
    "0.5",
    "-0.0",
    "1e300",
];

/// Strings that are patterns, JSON, CIDRs, dates or hostile text.
const STRINGS: &[&str] = &[
    "",
    "a",
    "aaaa",
    ".*",
    "(a*)*b",
    "^(a|aa)+$",
    "[",
    "\\d{1000}",
    "(?i)A",
    "{\"Effect\":\"Allow\",\"Effect\":\"Deny\"}",
    "{\"a\":[1,2,{\"b\":null}]}",
    "[1e999]",
    "010.8.8.8/32",
    "10.0.0.0/8",
    "64:ff9b::/96",
    "0.0.0.0/0",
    "::/0",
    "2026-11-22",
    "2026-11-22T10:00:00Z",
    "9999-12-31",
    "-1",
    "1e308",
    "NaN",
    "\u{0}",
    "\u{1b}[2J",
    "\u{202e}evil",
    "\u{feff}",
    "\u{fffd}\u{10ffff}",
    "key",
    "Effect",
];

impl Gen<'_> {
    fn byte(&mut self) -> u8 {
        let b = self.data.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        b
    }

    fn pick(&mut self, n: usize) -> usize {
        usize::from(self.byte()) % n
    }

    fn done(&self) -> bool {
        self.at >= self.data.len()
    }

    /// Up to 16 bytes of the input as a string (lossy UTF-8), so that the
    /// fuzzer's own mutations reach the facts' text.
    fn raw(&mut self) -> String {
        let len = self.pick(17);
        let start = self.at.min(self.data.len());
        let end = (start + len).min(self.data.len());
        self.at = start + len;
        String::from_utf8_lossy(&self.data[start..end]).into_owned()
    }

    fn json_string(&mut self) -> String {
        let text = match self.pick(4) {
            0 => self.raw(),
            1 => STRINGS[self.pick(STRINGS.len())].repeat(1 + self.pick(40)),
            _ => STRINGS[self.pick(STRINGS.len())].to_string(),
        };
        serde_json::Value::String(text).to_string()
    }

    fn json_number(&mut self) -> String {
        match self.pick(3) {
            0 => {
                let bytes: [u8; 8] = std::array::from_fn(|_| self.byte());
                i64::from_le_bytes(bytes).to_string()
            }
            _ => NUMBERS[self.pick(NUMBERS.len())].to_string(),
        }
    }

    fn json_value(&mut self, depth: u32) -> String {
        let choice = if depth == 0 {
            self.pick(4)
        } else {
            self.pick(7)
        };
        match choice {
            0 => self.json_number(),
            1 => self.json_string(),
            2 => ["null", "true", "false"][self.pick(3)].to_string(),
            3 => self.json_number(),
            4 => {
                let items: Vec<String> = (0..self.pick(5))
                    .map(|_| self.json_value(depth - 1))
                    .collect();
                format!("[{}]", items.join(","))
            }
            _ => self.json_object(depth - 1),
        }
    }

    fn json_object(&mut self, depth: u32) -> String {
        let mut entries = Vec::new();
        for i in 0..self.pick(6) {
            // Distinct keys but for one choice in 16 (a repeated key
            // refuses the facts, which `facts` fuzzes already).
            let key = match self.pick(16) {
                15 => "\"k\"".to_string(),
                1..=4 => serde_json::Value::String(format!("{}{i}", self.raw())).to_string(),
                _ => format!(
                    "\"{}\"",
                    ["k", "s", "a", "Effect", "\u{202e}", "x.y"][i % 6]
                ),
            };
            entries.push(format!("{key}:{}", self.json_value(depth)));
        }
        format!("{{{}}}", entries.join(","))
    }

    /// `{"xs": [...]}`: subjects with the fields the policy reads, each
    /// of any type.
    fn facts(&mut self) -> String {
        let mut subjects = Vec::new();
        for _ in 0..1 + self.pick(5) {
            let mut fields = Vec::new();
            for field in FIELDS {
                let value = match self.pick(8) {
                    0 => continue,
                    1 => self.json_value(2),
                    2 | 3 => self.json_string(),
                    4 => format!("[{},{}]", self.json_value(1), self.json_value(1)),
                    5 => self.json_object(1),
                    _ => self.json_number(),
                };
                fields.push(format!("\"{field}\":{value}"));
            }
            subjects.push(format!("{{{}}}", fields.join(",")));
        }
        format!("{{\"xs\":[{}]}}", subjects.join(","))
    }

    /// One or two controls over `facts.xs` and an assertion. The layer,
    /// model and service are declared here: without `use std`, no input
    /// pays for loading the standard library (`check` and `facts` cover it).
    fn policy(&mut self) -> String {
        let mut p = String::from("layer config\nmodel m { config: customer }\nservice s: m {}\n");
        for c in 0..1 + self.pick(2) {
            let _ = write!(
                p,
                "control c{c} {{\n  service = s\n  layer = config\n  for x in facts.xs\n"
            );
            if self.pick(3) == 0 {
                let _ = writeln!(p, "  key {}", self.expr(2, &["x"]));
            }
            let _ = writeln!(p, "  let v = {}", self.expr(3, &["x"]));
            let _ = writeln!(
                p,
                "  require {} else \"{{x.s}} {{{}}}\"\n}}",
                self.expr(4, &["x", "v"]),
                self.expr(2, &["x", "v"])
            );
        }
        let _ = writeln!(p, "assert \"a\": {}", self.expr(3, &[]));
        p
    }

    fn expr(&mut self, depth: u32, vars: &[&str]) -> String {
        if depth == 0 || self.done() {
            return self.atom(vars);
        }
        let d = depth - 1;
        match self.pick(12) {
            0..=2 => self.atom(vars),
            3 | 4 => {
                let op = BINARY[self.pick(BINARY.len())];
                format!("({} {op} {})", self.expr(d, vars), self.expr(d, vars))
            }
            5..=7 => self.call(d, vars),
            8 => {
                let var = ["y", "z"][self.pick(2)];
                let inner: Vec<&str> = vars.iter().copied().chain([var]).collect();
                let q = ["all", "any", "none"][self.pick(3)];
                format!(
                    "({q} {var} in {}: {})",
                    self.collection(d, vars),
                    self.expr(d, &inner)
                )
            }
            9 => {
                let var = ["y", "z"][self.pick(2)];
                let inner: Vec<&str> = vars.iter().copied().chain([var]).collect();
                format!(
                    "[{} for {var} in {} if {}]",
                    self.expr(d, &inner),
                    self.collection(d, vars),
                    self.expr(d, &inner)
                )
            }
            10 => format!(
                "(if {} then {} else {})",
                self.expr(d, vars),
                self.expr(d, vars),
                self.expr(d, vars)
            ),
            _ => match self.pick(4) {
                0 => format!("(not {})", self.expr(d, vars)),
                1 => format!("(-{})", self.expr(d, vars)),
                2 => format!("[{}, {}]", self.expr(d, vars), self.expr(d, vars)),
                _ => format!("\"{{{}}}\"", self.expr(d, vars)),
            },
        }
    }

    fn collection(&mut self, depth: u32, vars: &[&str]) -> String {
        match self.pick(4) {
            0 => "facts.xs".to_string(),
            1 => self.expr(depth, vars),
            _ => match vars.first() {
                Some(v) => format!("{v}.{}", ["l", "m", "s", "a"][self.pick(4)]),
                None => "facts.xs".to_string(),
            },
        }
    }

    fn call(&mut self, depth: u32, vars: &[&str]) -> String {
        let (name, arity) = CALLS[self.pick(CALLS.len())];
        let args: Vec<String> = (0..arity).map(|_| self.expr(depth, vars)).collect();
        format!("{name}({})", args.join(", "))
    }

    fn atom(&mut self, vars: &[&str]) -> String {
        match self.pick(10) {
            0..=3 if !vars.is_empty() => {
                let var = vars[self.pick(vars.len())];
                match self.pick(5) {
                    0 => var.to_string(),
                    1 => format!("{var}.{}[{var}.s]", FIELDS[self.pick(FIELDS.len())]),
                    2 => format!("{var}.l[{}]", NUMBERS[self.pick(7)]),
                    3 => format!("{var}.{}?", FIELDS[self.pick(FIELDS.len())]),
                    _ => format!("{var}.{}", FIELDS[self.pick(FIELDS.len())]),
                }
            }
            4 => LITERALS[self.pick(LITERALS.len())].to_string(),
            5 => onus_string(STRINGS[self.pick(STRINGS.len())]),
            6 => "facts.xs".to_string(),
            _ => match self.pick(3) {
                0 => self.json_number().replace('e', "0"),
                _ => LITERALS[self.pick(LITERALS.len())].to_string(),
            },
        }
    }
}

/// `text` as an onus string literal: braces doubled (they interpolate),
/// quotes, backslashes and control characters escaped.
fn onus_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '{' => out.push_str("{{"),
            '}' => out.push_str("}}"),
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The fields of a generated subject.
const FIELDS: &[&str] = &["a", "b", "s", "t", "l", "m", "j", "c", "d"];

const BINARY: &[&str] = &[
    "+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "in", "and", "or", "??",
];

const LITERALS: &[&str] = &[
    "0",
    "1",
    "-1",
    "9223372036854775807",
    "(-9223372036854775807 - 1)",
    "0.5",
    "1.0",
    "90d",
    "1s",
    "2w",
    "2026-11-22",
    "null",
    "true",
    "false",
    "\"\"",
    "[]",
    "{}",
    "[1, 2, 3]",
    "{a: 1, s: \"x\"}",
];

/// Built-ins and their arities (`has` and `now` take special forms).
const CALLS: &[(&str, usize)] = &[
    ("len", 1),
    ("sum", 1),
    ("min", 1),
    ("max", 2),
    ("keys", 1),
    ("values", 1),
    ("unique", 1),
    ("sort", 1),
    ("flatten", 1),
    ("lower", 1),
    ("upper", 1),
    ("trim", 1),
    ("replace", 3),
    ("contains", 2),
    ("starts_with", 2),
    ("ends_with", 2),
    ("matches", 2),
    ("split", 2),
    ("join", 2),
    ("type_of", 1),
    ("to_number", 1),
    ("to_string", 1),
    ("from_json", 1),
    ("date", 1),
    ("days_since", 1),
    ("abs", 1),
    ("cidr_contains", 2),
    ("cidr_overlaps", 2),
    ("is_public_cidr", 1),
];
