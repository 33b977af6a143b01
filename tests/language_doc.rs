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

/// Every diagnostic code the sources can emit has a row in the reference's
/// table (a range row such as `R001–R007` counts for the codes it spans).
#[test]
fn the_reference_lists_every_diagnostic_code() {
    let root = env!("CARGO_MANIFEST_DIR");
    let doc =
        std::fs::read_to_string(format!("{root}/docs/language.md")).expect("docs/language.md");
    let code = regex::Regex::new(r#""([A-Z][0-9]{3})""#).unwrap();
    let row = regex::Regex::new(r"(?m)^\| ([A-Z])([0-9]{3})(?:–[A-Z]([0-9]{3}))? \|").unwrap();
    let documented = |c: &str| {
        let (letter, n) = (&c[..1], c[1..].parse::<u32>().unwrap());
        row.captures_iter(&doc).any(|r| {
            let lo: u32 = r[2].parse().unwrap();
            let hi: u32 = r.get(3).map_or(lo, |h| h.as_str().parse().unwrap());
            &r[1] == letter && (lo..=hi).contains(&n)
        })
    };
    let mut missing = std::collections::BTreeSet::new();
    let mut dirs = vec![std::path::PathBuf::from(format!("{root}/src"))];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for c in code.captures_iter(&text) {
                    if !documented(&c[1]) {
                        missing.insert(format!("{} ({})", &c[1], path.display()));
                    }
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "codes with no row in docs/language.md: {missing:?}"
    );
}

/// The REPL section of docs/language.md has one row per command `:help`
/// lists, with the same usage and summary, so a new command (as `:raw` and
/// `:save` were) cannot go undocumented.
#[test]
fn the_reference_lists_every_repl_command_as_help_does() {
    use std::io::Write;
    let mut repl = std::process::Command::new(env!("CARGO_BIN_EXE_onus"))
        .arg("repl")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("onus repl starts");
    repl.stdin
        .take()
        .expect("stdin")
        .write_all(b":help\n")
        .expect("write");
    let out = repl.wait_with_output().expect("onus repl ends");
    let help = String::from_utf8_lossy(&out.stdout);
    // `  :usage ARGS   summary`: two spaces or more before the summary.
    let commands: Vec<(String, String)> = help
        .lines()
        .filter_map(|l| l.strip_prefix("  :"))
        .filter_map(|l| {
            let (usage, summary) = l.split_once("  ")?;
            Some((format!(":{}", usage.trim()), summary.trim().to_string()))
        })
        .collect();
    assert!(commands.len() >= 15, "{help}");
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/language.md"))
        .expect("docs/language.md");
    let section = doc
        .split("### The REPL (`onus repl`)")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("a REPL section");
    let rows: Vec<&str> = section.lines().filter(|l| l.starts_with("| `:")).collect();
    let expected: Vec<String> = commands
        .iter()
        .map(|(usage, summary)| format!("| `{usage}` | {summary} |"))
        .collect();
    assert_eq!(rows, expected, "docs/language.md's REPL commands");
}
