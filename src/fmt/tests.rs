//! The canonical rules, one small input each.

use super::format_source;
use crate::source::FileId;

fn fmt(src: &str) -> String {
    match format_source(src, FileId(0)) {
        Ok(text) => {
            assert_eq!(
                format_source(&text, FileId(0)).ok().as_deref(),
                Some(text.as_str()),
                "not idempotent"
            );
            text
        }
        Err(d) => panic!("did not format: {d:#?}"),
    }
}

#[test]
fn spacing_and_one_entry_per_line() {
    assert_eq!(
        fmt("control  c{service=s layer=exposure require a>1 and not b}"),
        "control c {\n  service = s\n  layer   = exposure\n  require a > 1 and not b\n}\n"
    );
    assert_eq!(fmt("model m{}"), "model m {}\n");
    assert_eq!(
        fmt("let o={a:1,\"b c\":[ 1,2 ],}"),
        "let o = { a: 1, \"b c\": [1, 2] }\n"
    );
}

#[test]
fn settings_align_their_equals_within_a_run() {
    assert_eq!(
        fmt("service s: m {\n a = 1\n long_name = 2\n\n b = 3\n x: shared\n cc = 4\n}\n"),
        "service s: m {\n  a         = 1\n  long_name = 2\n\n  b = 3\n  x: shared\n  cc = 4\n}\n"
    );
}

#[test]
fn blank_lines_collapse_and_never_open_or_close_a_body() {
    assert_eq!(
        fmt("\n\nlet a = 1\n\n\n\nlet b = 2\nlet c = 3\n"),
        "let a = 1\n\nlet b = 2\nlet c = 3\n"
    );
    assert_eq!(
        fmt("model m {\n\n  a: customer\n\n\n  b: provider\n\n}\n"),
        "model m {\n  a: customer\n\n  b: provider\n}\n"
    );
}

#[test]
fn doc_comments_are_kept_once() {
    let src = "/// Says what x is.\n///   indented\nlet x = 1\n";
    assert_eq!(fmt(src), src);
}

#[test]
fn trailing_comments_align_within_a_paragraph() {
    assert_eq!(
        fmt(
            "model m {\n  runtime: shared // a\n  logging: customer operated_by provider\n  os: none // b\n}\n"
        ),
        "model m {\n  runtime: shared  // a\n  logging: customer operated_by provider\n  os: none         // b\n}\n"
    );
}

#[test]
fn services_on_hosts_and_party_deciders() {
    assert_eq!(
        fmt(
            "service   b   on   a{ }\nservice a :  iaas  on   c  {\n  tenant=payments\n  guest_os :  platform   operated_by provider\n}\n"
        ),
        "service b on a {}\nservice a: iaas on c {\n  tenant = payments\n  guest_os: platform operated_by provider\n}\n"
    );
}

#[test]
fn comments_in_awkward_places_stay_in_order() {
    let src = "control c { // open\n  service = s // s\n  // between\n  require x // x\n  // before close\n}\n// end\n";
    assert_eq!(
        fmt(src),
        "control c {  // open\n  service = s  // s\n  // between\n  require x    // x\n  // before close\n}\n// end\n"
    );
}

#[test]
fn brackets_break_where_the_source_broke_after_the_opening() {
    assert_eq!(fmt("let x = [1,\n 2]\n"), "let x = [1, 2]\n");
    assert_eq!(fmt("let x = [\n1, 2]\n"), "let x = [\n  1,\n  2,\n]\n");
    assert_eq!(fmt("let x = f(\n1)\n"), "let x = f(\n  1,\n)\n");
    assert_eq!(
        fmt("let x = [1, // one\n 2]\n"),
        "let x = [\n  1,  // one\n  2,\n]\n"
    );
}

#[test]
fn clause_breaks_are_kept_not_invented() {
    let one_line = "control c {\n  require x else \"m\"\n}\n";
    assert_eq!(fmt(one_line), one_line);
    assert_eq!(
        fmt("control c {\n  require x else\n \"m\"\n}\n"),
        "control c {\n  require x\n    else \"m\"\n}\n"
    );
    assert_eq!(
        fmt("let x = a and // why\n b\n"),
        "let x = a  // why\n  and b\n"
    );
    assert_eq!(
        fmt("waive c for \"k\"\nuntil 2027-01-01 by \"me\" because \"r\"\n"),
        "waive c for \"k\"\n  until 2027-01-01 by \"me\" because \"r\"\n"
    );
}

#[test]
fn a_break_inside_brackets_hangs_one_more_level() {
    assert_eq!(
        fmt("assert \"a\": all r in rs:\nnot (r.x\nand r.y)\n"),
        "assert \"a\": all r in rs:\n  not (r.x\n    and r.y)\n"
    );
}

#[test]
fn clause_expressions_hang_below_their_clause_but_else_if_chains_do_not() {
    let src = "control c {\n  for u in us\n    where u.a\n      and u.b\n  require x\n}\n";
    assert_eq!(fmt(src), src);
    let chain = "fn f(p) =\n  if a then 1\n  else if b then 2\n  else 3\n";
    assert_eq!(fmt(chain), chain);
    let inline = "let x = if a then 1\n  else 2\n";
    assert_eq!(fmt(inline), inline);
    let require = "control c {\n  require a\n      and b\n    else \"m\"\n}\n";
    assert_eq!(fmt(require), require);
    let quantifier = "assert \"a\":\n  all x in xs:\n    x.ok\n";
    assert_eq!(fmt(quantifier), quantifier);
}

#[test]
fn strings_are_escaped_canonically() {
    assert_eq!(
        fmt(r#"let s = "a\u{41}\"{{x}}""#),
        "let s = \"aA\\\"{{x}}\"\n"
    );
    assert_eq!(
        fmt("let s = \"zero\u{200b}width\""),
        "let s = \"zero\\u{200b}width\"\n"
    );
    assert_eq!(
        fmt(r#"let s = "{ {a:1}.a }{b}""#),
        "let s = \"{ { a: 1 }.a}{b}\"\n"
    );
}

#[test]
fn literals_keep_their_written_form() {
    assert_eq!(
        fmt("let x = 1.50 + 90d - -2w"),
        "let x = 1.50 + 90d - -2w\n"
    );
}

#[test]
fn a_comment_inside_an_interpolation_stays_there() {
    assert_eq!(fmt("let s = \"{ x  // c}\"\n"), "let s = \"{x // c}\"\n");
    assert_eq!(
        fmt("let s = \"{x /// c}\"\ncontrol c {}\n"),
        "let s = \"{x /// c}\"\ncontrol c {}\n"
    );
}

#[test]
fn line_endings_byte_order_mark_and_empty_files() {
    assert_eq!(
        fmt("\u{feff}let x = 1 // c\r\nlet y = 2\r\n"),
        "let x = 1  // c\nlet y = 2\n"
    );
    // A doc comment right after the mark documents the declaration.
    assert_eq!(fmt("\u{feff}/// doc\nuse std\n"), "/// doc\nuse std\n");
    // A lone carriage return ends a line for comments, blank lines and
    // doc comments alike (`lexer::lines`), as it ends a `//` comment.
    assert_eq!(
        fmt("// a\r/// d\nfn f(x) = x\n"),
        "// a\n/// d\nfn f(x) = x\n"
    );
    assert_eq!(
        fmt("let x = 1\r\r/// d\rfn f(x) = x\r"),
        "let x = 1\n\n/// d\nfn f(x) = x\n"
    );
    assert_eq!(
        fmt("let x = 1 // c\r\rlet y = 2\r"),
        "let x = 1  // c\n\nlet y = 2\n"
    );
    assert_eq!(fmt(""), "");
    assert_eq!(fmt("\n\n"), "");
    assert_eq!(fmt("// only\n\n\n// comments"), "// only\n\n// comments\n");
}

#[test]
fn a_file_that_does_not_parse_is_refused() {
    let refused = format_source("control c { require }", FileId(0));
    assert!(refused.is_err_and(|d| d.iter().any(|d| d.code == "P010")));
}
