//! The lexer's unit tests: source snippets in, tokens and diagnostics
//! checked; each test states the behaviour it pins.

use super::*;

fn kinds(src: &str) -> Vec<Token<'_>> {
    lex(src, FileId(0))
        .tokens
        .into_iter()
        .map(|t| t.0)
        .collect()
}

#[test]
fn dates_durations_and_numbers() {
    assert_eq!(
        kinds("2027-03-31 90d 12h 2w 3 4.5"),
        vec![
            Token::Date(jiff::civil::date(2027, 3, 31)),
            Token::Duration("90d"),
            Token::Duration("12h"),
            Token::Duration("2w"),
            Token::Int(3),
            Token::Float(4.5)
        ]
    );
}

#[test]
fn interpolation_is_flattened() {
    assert_eq!(
        kinds(r#""db {d.id} is {lower("X")}!""#),
        vec![
            Token::StrBegin("db "),
            Token::Ident("d"),
            Token::Dot,
            Token::Ident("id"),
            Token::StrMid(" is "),
            Token::Ident("lower"),
            Token::LParen,
            Token::Str("X"),
            Token::RParen,
            Token::StrEnd("!"),
        ]
    );
}

#[test]
fn doubled_braces_are_text() {
    assert_eq!(kinds(r#""{{x}}""#), vec![Token::Str("{{x}}")]);
    assert_eq!(unescape("{{x}} \\u{41}\\n"), "{x} A\n");
}

#[test]
fn unicode_escapes_are_not_interpolations() {
    let lexed = lex(r#""\u{41}{x}\u{1b}""#, FileId(0));
    assert!(lexed.diagnostics.is_empty(), "{:?}", lexed.diagnostics);
    assert_eq!(
        lexed.tokens.into_iter().map(|t| t.0).collect::<Vec<_>>(),
        vec![
            Token::StrBegin(r"\u{41}"),
            Token::Ident("x"),
            Token::StrEnd(r"\u{1b}")
        ]
    );
    assert_eq!(unescape(r"\u{41}\u{1b}"), "A\u{1b}");
}

/// A `{` meant literally opens an interpolation: the error points at it
/// and says how to write a brace.
#[test]
fn an_unclosed_interpolation_points_at_its_brace() {
    let lexed = lex("let t = \"a {b\"", FileId(0));
    let [d] = lexed.diagnostics.as_slice() else {
        panic!("{:?}", lexed.diagnostics)
    };
    assert_eq!(d.primary_span().map(|s| s.start), Some(11));
    assert!(d.help.as_deref().is_some_and(|h| h.contains("{{")), "{d:?}");
}

#[test]
fn errors_become_tokens() {
    let lexed = lex("a $ \"open", FileId(0));
    assert_eq!(lexed.tokens.len(), 3);
    assert_eq!(lexed.diagnostics.len(), 2);
}

/// Found by the `parse` fuzz target: a backslash as the very last
/// byte moved the lexer past the end of the input, a panic in logos.
#[test]
fn a_backslash_at_the_end_of_input_is_an_unterminated_string() {
    for src in ["let x = \"ab\\", "\"\\", "\"{\"\\"] {
        let lexed = lex(src, FileId(0));
        assert!(
            lexed
                .diagnostics
                .iter()
                .any(|d| d.message.starts_with("unterminated string")),
            "{src:?}: {:?}",
            lexed.diagnostics
        );
    }
}

/// A file with CR line ends is not one long comment.
#[test]
fn comments_end_at_a_carriage_return() {
    assert_eq!(
        kinds("// note\rlet x\r\n// more\r\nx"),
        vec![Token::Let, Token::Ident("x"), Token::Ident("x")]
    );
}

#[test]
fn a_doc_comment_ending_a_line_of_code_is_a_comment() {
    assert_eq!(
        kinds("let x = 1 /// not a doc\ncontrol"),
        kinds("let x = 1\ncontrol")
    );
}

#[test]
fn orphan_doc_comments_are_dropped() {
    assert_eq!(
        kinds("/// x\ncontrol"),
        vec![Token::Doc("/// x"), Token::Control]
    );
    assert_eq!(
        kinds("a /// x\n b"),
        vec![Token::Ident("a"), Token::Ident("b")]
    );
}
