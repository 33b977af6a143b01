//! Parser: the tokens of one file in, a `Module` (every declaration that
//! parsed) and all syntax diagnostics out. Nesting is bounded before and
//! after parsing, so no input can exhaust the stack of a later phase.

mod decl;
mod expr;

use crate::ast::{Expr, ExprKind, Module};
use crate::diagnostic::Diagnostic;
use crate::lexer::{Token, lex};
use crate::source::{FileId, Span};
use chumsky::error::{EmptyErr, RichPattern};
use chumsky::input::{Stream, ValueInput};
use chumsky::prelude::*;
use std::ops::Range;

/// The error types the grammar is built with: `Rich` (messages, expected
/// tokens) for reporting, `EmptyErr` for the fast first pass, which does no
/// error bookkeeping at all.
pub(crate) trait GrammarError<'t, 's: 't, I: ParserInput<'t, 's>>:
    chumsky::error::Error<'t, I> + chumsky::label::LabelError<'t, I, &'static str> + 't
{
    fn custom(span: SimpleSpan, message: String) -> Self;
}

impl<'t, 's: 't, I: ParserInput<'t, 's>> GrammarError<'t, 's, I> for Rich<'t, Token<'s>> {
    fn custom(span: SimpleSpan, message: String) -> Self {
        Rich::custom(span, message)
    }
}

impl<'t, 's: 't, I: ParserInput<'t, 's>> GrammarError<'t, 's, I> for EmptyErr {
    fn custom(_: SimpleSpan, _: String) -> Self {
        EmptyErr::default()
    }
}

pub(crate) trait ParserInput<'t, 's: 't>:
    ValueInput<'t, Token = Token<'s>, Span = SimpleSpan>
{
}
impl<'t, 's: 't, T: ValueInput<'t, Token = Token<'s>, Span = SimpleSpan>> ParserInput<'t, 's>
    for T
{
}

/// Deepest bracket nesting accepted; checked on tokens before parsing.
pub const MAX_BRACKET_DEPTH: usize = 64;
/// Deepest expression accepted; checked on the tree after parsing.
pub const MAX_EXPR_DEPTH: usize = 160;

pub struct Parsed {
    pub module: Module,
    /// Byte ranges of every comment, for the formatter.
    pub comments: Vec<Range<usize>>,
    pub diagnostics: Vec<Diagnostic>,
    /// True when every syntax error is an unexpected end of input: the text
    /// is a prefix of something valid (the REPL then reads another line).
    pub incomplete: bool,
}

pub fn parse_module(src: &str, file: FileId) -> Parsed {
    let lexed = lex(src, file);
    let mut diagnostics = lexed.diagnostics;
    let mut incomplete = false;
    let mut module = Module { items: Vec::new() };
    if let Some(too_deep) = check_brackets(&lexed.tokens, file) {
        diagnostics.push(too_deep);
    } else {
        let ranges: Vec<Range<usize>> = lexed.tokens.iter().map(|(_, r)| r.clone()).collect();
        // Most files parse: try without error bookkeeping first, and pay for
        // rich errors and recovery only when something is wrong.
        let fast = decl::module::<_, EmptyErr>(file)
            .parse(stream(&lexed.tokens, src.len()))
            .into_result();
        let (items, errors) = match fast {
            Ok(items) => (Some(items), Vec::new()),
            Err(_) => decl::module::<_, Rich<'_, Token<'_>>>(file)
                .parse(stream(&lexed.tokens, src.len()))
                .into_output_errors(),
        };
        incomplete = !errors.is_empty() && errors.iter().all(|e| e.found().is_none());
        diagnostics.extend(
            errors
                .iter()
                .filter_map(|e| syntax_error(e, file, src, &ranges)),
        );
        module.items = items.unwrap_or_default();
        for item in &mut module.items {
            for e in item.exprs_mut() {
                limit_depth(e, &mut diagnostics);
            }
        }
    }
    Parsed {
        module,
        comments: lexed.comments,
        diagnostics,
        incomplete,
    }
}

/// Parses a single expression (REPL input, `:type`).
pub fn parse_expr(src: &str, file: FileId) -> (Option<Expr>, Vec<Diagnostic>, bool) {
    let lexed = lex(src, file);
    let mut diagnostics = lexed.diagnostics;
    if let Some(too_deep) = check_brackets(&lexed.tokens, file) {
        diagnostics.push(too_deep);
        return (None, diagnostics, false);
    }
    let ranges: Vec<Range<usize>> = lexed.tokens.iter().map(|(_, r)| r.clone()).collect();
    let (parsed, errors) = expr::expr::<_, Rich<'_, Token<'_>>>(file)
        .then_ignore(end())
        .parse(stream(&lexed.tokens, src.len()))
        .into_output_errors();
    let incomplete = !errors.is_empty() && errors.iter().all(|e| e.found().is_none());
    diagnostics.extend(
        errors
            .iter()
            .filter_map(|e| syntax_error(e, file, src, &ranges)),
    );
    let parsed = parsed.map(|mut e| {
        limit_depth(&mut e, &mut diagnostics);
        e
    });
    (parsed, diagnostics, incomplete)
}

/// Whether REPL input is a declaration (as opposed to an expression).
pub fn starts_with_declaration(src: &str) -> bool {
    lex(src, FileId(0))
        .tokens
        .first()
        .is_some_and(|(t, _)| t.starts_declaration() || matches!(t, Token::Doc(_)))
}

fn stream<'t, 's: 't>(
    tokens: &'t [(Token<'s>, Range<usize>)],
    len: usize,
) -> impl ParserInput<'t, 's> {
    Stream::from_iter(
        tokens
            .iter()
            .map(|(t, r)| (t.clone(), SimpleSpan::from(r.clone()))),
    )
    .map(SimpleSpan::from(len..len), |(t, s)| (t, s))
}

fn check_brackets(tokens: &[(Token<'_>, Range<usize>)], file: FileId) -> Option<Diagnostic> {
    let mut depth = 0usize;
    for (t, r) in tokens {
        match t {
            Token::LParen | Token::LBracket | Token::LBrace => {
                depth += 1;
                if depth > MAX_BRACKET_DEPTH {
                    return Some(too_deep(Span::new(file, r.clone()), "brackets nest"));
                }
            }
            Token::RParen | Token::RBracket | Token::RBrace => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

fn too_deep(span: Span, what: &str) -> Diagnostic {
    Diagnostic::error("P005", format!("nesting too deep: {what} more than the limit"))
        .with_label(span, "too deep here")
        .with_help(format!(
            "onus accepts {MAX_BRACKET_DEPTH} levels of brackets and expressions {MAX_EXPR_DEPTH} levels deep; split the expression with `let` or `fn`"
        ))
}

fn limit_depth(e: &mut Expr, diagnostics: &mut Vec<Diagnostic>) {
    if e.depth() > MAX_EXPR_DEPTH {
        diagnostics.push(too_deep(e.span, "this expression nests"));
        let span = e.span;
        std::mem::replace(
            e,
            Expr {
                kind: ExprKind::Error,
                span,
            },
        )
        .dismantle();
    }
}

/// Operators that could always continue an expression: listing them in
/// "expected ..." only hides the token that was really missing.
const CONTINUATIONS: &[&str] = &[
    "`!=`", "`%`", "`*`", "`+`", "`-`", "`.`", "`/`", "`<=`", "`<`", "`==`", "`>=`", "`>`", "`??`",
    "`[`", "`and`", "`in`", "`or`", "`?`", "`(`",
];

/// Converts a chumsky error. When the unexpected token starts a later line,
/// the error is placed after the previous token, where the text is missing.
fn syntax_error(
    e: &Rich<'_, Token<'_>>,
    file: FileId,
    src: &str,
    tokens: &[Range<usize>],
) -> Option<Diagnostic> {
    // An invalid token was already reported by the lexer.
    if matches!(e.found(), Some(Token::Error)) {
        return None;
    }
    let found = match e.found() {
        Some(t) => t.to_string(),
        None => "end of input".to_string(),
    };
    let mut expected: Vec<String> = e
        .expected()
        .filter_map(|p| match p {
            RichPattern::Token(t) => Some(t.to_string()),
            RichPattern::Label(l) => Some(l.to_string()),
            RichPattern::Identifier(i) => Some(format!("`{i}`")),
            RichPattern::EndOfInput => Some("end of input".into()),
            _ => None,
        })
        .collect();
    expected.sort();
    expected.dedup();
    if expected
        .iter()
        .any(|x| !CONTINUATIONS.contains(&x.as_str()))
    {
        expected.retain(|x| !CONTINUATIONS.contains(&x.as_str()));
    }
    let message = match &e.reason() {
        chumsky::error::RichReason::Custom(msg) => msg.to_string(),
        _ if expected.is_empty() => format!("unexpected {found}"),
        _ => format!("unexpected {found}, expected {}", join_or(&expected)),
    };
    let label = match e.found() {
        Some(_) => format!("unexpected {found}"),
        None => "input ends here".to_string(),
    };
    let at = e.span().into_range();
    let previous = tokens.iter().take_while(|r| r.end <= at.start).last();
    let mut d = match previous {
        Some(prev)
            if src
                .get(prev.end..at.start)
                .is_some_and(|gap| gap.contains('\n'))
                && !expected.is_empty() =>
        {
            Diagnostic::error("P010", message)
                .with_label(
                    Span::new(file, prev.clone()),
                    format!("expected {} after this", join_or(&expected)),
                )
                .with_label(Span::new(file, at), label)
        }
        _ => Diagnostic::error("P010", message).with_label(Span::new(file, at), label),
    };
    if let Some((ctx, span)) = e.contexts().next() {
        d = d.with_label(Span::new(file, span.into_range()), format!("in this {ctx}"));
    }
    Some(d)
}

fn join_or(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_example_parses() {
        let src = include_str!("../../tests/cases/spec/declarations.onus");
        let parsed = parse_module(src, FileId(0));
        assert!(parsed.diagnostics.is_empty(), "{:#?}", parsed.diagnostics);
        assert_eq!(parsed.module.items.len(), 14);
    }
}
