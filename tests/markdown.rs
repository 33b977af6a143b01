//! `--format markdown` of `check` and `matrix` rendered with pulldown-cmark
//! (GFM): every table cell, heading and paragraph shows exactly the value
//! it came from — hostile names that are Markdown syntax included — and
//! names such as `web_fleet` and `network.core` carry no backslash.

mod common;

use common::{onus, root};
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use serde_json::Value;
use std::path::PathBuf;

const CELLS: &str = "tests/cases/formats/lib/cells.onus";
const CELLS_FACTS: &str = "tests/cases/formats/lib/cells.json";
const NOW: &str = "2026-11-22";

/// What a reader sees: each table as rows of cell texts (a `<br>` is a
/// line break), and the text of every other block. Links, images and any
/// HTML but `<br>` are markup the values must not create.
#[derive(Default)]
struct Rendered {
    tables: Vec<Vec<Vec<String>>>,
    blocks: Vec<String>,
}

fn render(markdown: &str) -> Rendered {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_MATH
        | Options::ENABLE_GFM
        | Options::ENABLE_TASKLISTS;
    let mut r = Rendered::default();
    let mut cell: Option<String> = None;
    let mut block: Option<String> = None;
    for event in Parser::new_ext(markdown, options) {
        let text = cell.as_mut().or(block.as_mut());
        match event {
            Event::Start(Tag::Table(_)) => r.tables.push(Vec::new()),
            Event::Start(Tag::TableHead | Tag::TableRow) => {
                r.tables.last_mut().expect("a table").push(Vec::new())
            }
            Event::Start(Tag::TableCell) => cell = Some(String::new()),
            Event::End(TagEnd::TableCell) => {
                let done = cell.take().expect("in a cell");
                let table = r.tables.last_mut().expect("a table");
                table.last_mut().expect("a row").push(done);
            }
            Event::Start(Tag::Paragraph | Tag::Heading { .. }) => block = Some(String::new()),
            Event::End(TagEnd::Paragraph | TagEnd::Heading(_)) => {
                r.blocks.extend(block.take());
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some(text) = text {
                    text.push_str(&t);
                }
            }
            Event::InlineHtml(html) if &*html == "<br>" => {
                if let Some(text) = text {
                    text.push('\n');
                }
            }
            Event::SoftBreak => {
                if let Some(text) = text {
                    text.push('\n');
                }
            }
            Event::Start(Tag::Emphasis | Tag::Strong | Tag::HtmlBlock)
            | Event::End(TagEnd::Emphasis | TagEnd::Strong | TagEnd::HtmlBlock) => {}
            Event::Html(html)
                if html.starts_with("<details>") || html.starts_with("</details>") => {}
            other => assert!(
                matches!(other, Event::End(_)),
                "markup the values must not create: {other:?}\n{markdown}"
            ),
        }
    }
    r
}

/// How a value from the facts shows: `@` is followed by a word joiner so
/// that it mentions nobody.
fn shown(value: &str) -> String {
    value.replace('@', "@\u{2060}")
}

#[test]
fn check_markdown_shows_every_hostile_value_as_it_is() {
    let facts: Value =
        serde_json::from_str(&std::fs::read_to_string(root().join(CELLS_FACTS)).expect("facts"))
            .expect("JSON");
    let names: Vec<String> = facts["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| shown(i["name"].as_str().expect("a name")))
        .collect();
    let out = onus(&[
        "check",
        CELLS,
        "--facts",
        CELLS_FACTS,
        "--now",
        NOW,
        "--format",
        "markdown",
    ])
    .stdout;
    let r = render(&out);
    let violations = r
        .tables
        .iter()
        .find(|t| t[0] == ["", "subject", "pointer", "message"])
        .expect("a violations table");
    let subjects: Vec<&String> = violations[1..].iter().map(|row| &row[1]).collect();
    assert_eq!(subjects, names.iter().collect::<Vec<_>>(), "{out}");
    for row in &violations[1..] {
        assert_eq!(row.len(), 4, "{row:?}");
        assert_eq!(row[3], row[1], "the message is the name: {row:?}");
    }
    assert!(
        r.blocks
            .iter()
            .any(|b| b == "# not a heading: *x* web_fleet on network.core"),
        "the title shows as its text: {:?}",
        r.blocks
    );
    assert!(
        r.blocks
            .iter()
            .any(|b| b == "❌ every_item_listed — web_fleet / network.virtual"),
        "the heading: {:?}",
        r.blocks
    );
    for plain in ["web_fleet", "network.core", "network.virtual"] {
        assert!(out.contains(&format!("| {plain} |")) || out.contains(&format!(" {plain} ")));
    }
    assert!(
        !out.contains("web\\_fleet") && !out.contains("network\\.core"),
        "{out}"
    );
}

#[test]
fn matrix_markdown_of_every_example_shows_names_without_backslashes() {
    let mut policies: Vec<PathBuf> = std::fs::read_dir(root().join("examples"))
        .expect("examples")
        .flatten()
        .map(|d| d.path().join("policy.onus"))
        .filter(|p| p.exists())
        .collect();
    policies.sort();
    assert!(!policies.is_empty());
    for policy in policies {
        let policy = policy.to_string_lossy().into_owned();
        let out = onus(&["matrix", &policy, "--now", NOW, "--format", "markdown"]).stdout;
        let json: Value = serde_json::from_str(
            &onus(&["matrix", &policy, "--now", NOW, "--format", "json"]).stdout,
        )
        .expect("the matrix as JSON");
        let ids = |key: &str| -> Vec<String> {
            json[key]
                .as_array()
                .expect("a list")
                .iter()
                .map(|x| x["id"].as_str().expect("an id").to_string())
                .collect()
        };
        let (layers, services) = (ids("layers"), ids("services"));
        let r = render(&out);
        let matrix = &r.tables[0];
        let header: Vec<String> = matrix[0][1..]
            .iter()
            .map(|c| c.lines().next().unwrap_or_default().to_string())
            .collect();
        assert_eq!(header, services, "{policy}:\n{out}");
        for row in &matrix[1..] {
            assert_eq!(row.len(), services.len() + 1, "{policy}: {row:?}");
            assert!(layers.contains(&row[0]), "{policy}: layer {:?}", row[0]);
        }
        assert!(
            !out.contains("\\_") && !out.contains("\\."),
            "{policy}: a needless backslash\n{out}"
        );
    }
}
