//! docs/language.md's table of built-in functions is the table in
//! `src/builtins.rs`: one row per built-in, in order, with its signature,
//! documentation, example and value, so the reference cannot drift from
//! what `onus help builtins` and `:help NAME` print. (The table's own unit
//! test evaluates every example.)

use onus::builtins::Builtin;

/// (signature, doc, example, value) of each row, `\|` unescaped.
fn rows() -> Vec<[String; 4]> {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/language.md"))
        .expect("docs/language.md");
    let table = doc
        .split("### Built-in functions")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("a built-in section");
    table
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|line| {
            let cells: Vec<String> = line
                .trim_matches('|')
                .split(" | ")
                .map(|c| c.trim().replace("\\|", "|"))
                .collect();
            assert_eq!(cells.len(), 4, "{line}");
            let code = |c: &str| {
                c.strip_prefix('`')
                    .and_then(|c| c.strip_suffix('`'))
                    .unwrap_or_else(|| panic!("not code: {c}"))
                    .to_string()
            };
            [
                code(&cells[0]),
                cells[1].clone(),
                code(&cells[2]),
                code(&cells[3]),
            ]
        })
        .collect()
}

#[test]
fn the_reference_lists_every_builtin_as_the_table_does() {
    let rows = rows();
    assert_eq!(rows.len(), Builtin::ALL.len(), "one row per built-in");
    for (b, row) in Builtin::ALL.iter().zip(&rows) {
        let (example, value) = b.example();
        assert_eq!(
            row,
            &[
                b.signature().to_string(),
                b.doc().to_string(),
                example.to_string(),
                value.to_string()
            ],
            "docs/language.md's row for `{}`",
            b.name()
        );
        assert!(!b.doc().is_empty(), "{}", b.name());
        let help = onus::help::builtin(*b);
        assert!(
            help.contains(b.signature()) && help.contains(b.doc()) && help.contains(example),
            "{help}"
        );
    }
}
