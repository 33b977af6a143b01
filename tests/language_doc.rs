//! docs/language.md's table of built-in functions is true: every built-in
//! has a row and a documentation entry (the one `onus help builtins` and
//! `:help NAME` print), and every row's example evaluates to the value the
//! row gives.

use onus::Session;
use onus::builtins::Builtin;
use onus::eval::Options;

/// (names in the signature column, example, value) of each table row.
fn rows() -> Vec<(Vec<String>, String, String)> {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/language.md"))
        .expect("docs/language.md");
    let table = doc
        .split("### Built-in functions")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("a built-in section");
    let code = |cell: &str| cell.trim().trim_matches('`').to_string();
    table
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|line| {
            let cells: Vec<&str> = line.trim_matches('|').split(" | ").collect();
            assert_eq!(cells.len(), 4, "{line}");
            let names = cells[0]
                .split('`')
                .filter(|part| part.contains('('))
                .filter_map(|sig| sig.split('(').next())
                .map(str::to_string)
                .collect();
            (names, code(cells[2]), code(cells[3]))
        })
        .collect()
}

#[test]
fn every_builtin_has_a_documented_row_with_an_example() {
    let rows = rows();
    for b in Builtin::ALL {
        assert!(!b.doc().is_empty(), "{} has no doc", b.name());
        assert!(
            onus::help::builtin(*b).contains(b.doc()),
            "help text of {}",
            b.name()
        );
        assert!(
            rows.iter()
                .any(|(names, _, _)| names.iter().any(|n| n == b.name())),
            "docs/language.md has no row for `{}`",
            b.name()
        );
    }
    assert_eq!(rows.len(), Builtin::ALL.len(), "one row per built-in");
}

#[test]
fn every_documented_example_evaluates_to_its_value() {
    let mut session = Session::new(Options {
        now: jiff::civil::date(2026, 11, 22),
        max_steps: None,
        timeout: None,
        jobs: None,
    });
    session.load_source(
        "<doc>",
        "use std\nservice orders_db: managed_database {}\n".into(),
    );
    session.check();
    assert!(!session.has_errors(), "{:?}", session.diagnostics);
    for (names, example, value) in rows() {
        let both = format!("({example}) == ({value})");
        let result = session.eval_expr("<example>", &both, |v| v.display());
        let messages = result
            .as_ref()
            .map_err(|ds| ds.iter().map(|d| d.message.clone()).collect::<Vec<_>>());
        assert_eq!(
            messages,
            Ok(&"true".to_string()),
            "{names:?}: `{example}` should be `{value}`"
        );
    }
}
