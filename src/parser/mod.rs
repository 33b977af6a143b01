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

/// What every parser carries: its error type, and the nesting count.
pub(crate) type Extra<Er> = extra::Full<Er, Nesting, ()>;

/// The parser's state: how deeply expressions nest at this point of the
/// parse, and the byte offset where they first nested too deeply. Every
/// backtrack restores the depth (it is the inspector's checkpoint), so the
/// count is exact whichever alternatives were tried.
#[derive(Default)]
pub(crate) struct Nesting {
    depth: usize,
    overflow: Option<usize>,
}

impl<'t, I: chumsky::input::Input<'t>> chumsky::inspector::Inspector<'t, I> for Nesting {
    type Checkpoint = usize;

    fn on_token(&mut self, _: &I::Token) {}

    fn on_save<'p>(&self, _: &chumsky::input::Cursor<'t, 'p, I>) -> usize {
        self.depth
    }

    fn on_rewind<'p>(&mut self, marker: &chumsky::input::Checkpoint<'t, 'p, I, usize>) {
        self.depth = *marker.inspector();
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

/// The stack the parser may need: nesting up to the limits below costs
/// tens of kilobytes per level in an unoptimised build. A caller with less
/// left (a test thread, an embedding) gets a fresh stack of twice this.
const PARSER_STACK: usize = 32 << 20;

/// Runs `parse` where at least `PARSER_STACK` bytes of stack are free.
fn with_stack<T>(parse: impl FnOnce() -> T) -> T {
    stacker::maybe_grow(PARSER_STACK, 2 * PARSER_STACK, parse)
}

/// Deepest bracket nesting accepted; checked on tokens before parsing.
pub const MAX_BRACKET_DEPTH: usize = 64;
/// Deepest expression accepted; counted while parsing and checked on the
/// tree after parsing.
pub const MAX_EXPR_DEPTH: usize = 160;
pub use crate::lexer::MAX_SYNTAX_ERRORS;

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
    with_stack(|| parse_module_here(src, file))
}

fn parse_module_here(src: &str, file: FileId) -> Parsed {
    let lexed = lex(src, file);
    let mut diagnostics = lexed.diagnostics;
    let mut hidden = lexed.suppressed;
    let mut incomplete = false;
    let mut module = Module { items: Vec::new() };
    if let Some(too_deep) = check_brackets(&lexed.tokens, file) {
        diagnostics.push(too_deep);
    } else {
        let ranges: Vec<Range<usize>> = lexed.tokens.iter().map(|(_, r)| r.clone()).collect();
        // Most files parse: try without error bookkeeping first, and pay for
        // rich errors and recovery only when something is wrong.
        let fast = decl::module::<_, EmptyErr>(file)
            .parse_with_state(stream(&lexed.tokens, src.len()), &mut Nesting::default())
            .into_result();
        // A parse that succeeded nested within the limit, whatever an
        // abandoned alternative may have tried; only a failed one may have
        // failed because of the limit.
        let (items, errors, overflow) = match fast {
            Ok(items) => (Some(items), Vec::new(), None),
            Err(_) => {
                let mut nesting = Nesting::default();
                let (items, errors) = decl::module::<_, Rich<'_, Token<'_>>>(file)
                    .parse_with_state(stream(&lexed.tokens, src.len()), &mut nesting)
                    .into_output_errors();
                (items, errors, nesting.overflow)
            }
        };
        if let Some(at) = overflow {
            // What parsed around the overflow is unreliable: report only it.
            diagnostics.push(too_deep(token_at(file, &ranges, at), "expressions nest"));
        } else {
            incomplete = only_end_of_input(&errors, src.len());
            hidden += add_syntax_errors(&mut diagnostics, &errors, file, src, &ranges);
            explain_interpolations(&mut diagnostics, &lexed.interpolations);
            module.items = items.unwrap_or_default();
            set_aside_damaged(&mut module.items, src);
            for item in &mut module.items {
                for e in item.exprs_mut() {
                    limit_depth(e, &mut diagnostics);
                }
            }
        }
    }
    limit_count(&mut diagnostics, hidden);
    Parsed {
        module,
        comments: lexed.comments,
        diagnostics,
        incomplete,
    }
}

/// A syntax error inside the `{…}` of a string is most often a brace
/// meant literally: say so.
fn explain_interpolations(diagnostics: &mut [Diagnostic], interpolations: &[Range<usize>]) {
    for d in diagnostics
        .iter_mut()
        .filter(|d| d.code == "P010" && d.help.is_none())
    {
        let Some(at) = d.primary_span().map(|s| s.start as usize) else {
            continue;
        };
        let i = interpolations.partition_point(|r| r.end < at);
        if interpolations.get(i).is_some_and(|r| r.start <= at) {
            d.help = Some(
                "this is inside `{…}` in a string, which interpolates an expression; write `{{` and `}}` for literal braces".into(),
            );
        }
    }
}

/// A declaration followed on its own line by text that did not parse (the
/// recovery's `Broken(None)`, which began with no declaration keyword) is
/// the part of it that did: checking its names would report follow-on
/// errors (`unknown name \`replace\`` for `replace(s, "{", "x")`, whose
/// string was unterminated) before the real one. It is set aside as broken,
/// keeping its name so that uses of it report nothing either.
fn set_aside_damaged(items: &mut [crate::ast::Item], src: &str) {
    use crate::ast::ItemKind;
    for i in 1..items.len() {
        let gap = items[i - 1].span.end as usize..items[i].span.start as usize;
        let same_line = src.get(gap).is_some_and(|g| !g.contains('\n'));
        if !same_line || !matches!(items[i].kind, ItemKind::Broken(None)) {
            continue;
        }
        let damaged = &mut items[i - 1];
        if matches!(damaged.kind, ItemKind::Broken(_)) {
            continue;
        }
        let name = damaged.kind.declared_name().cloned();
        damaged.kind = ItemKind::Broken(name);
    }
}

/// Parses a single expression (REPL input, `:type`).
pub fn parse_expr(src: &str, file: FileId) -> (Option<Expr>, Vec<Diagnostic>, bool) {
    with_stack(|| parse_expr_here(src, file))
}

fn parse_expr_here(src: &str, file: FileId) -> (Option<Expr>, Vec<Diagnostic>, bool) {
    let lexed = lex(src, file);
    let mut diagnostics = lexed.diagnostics;
    let lexed_suppressed = lexed.suppressed;
    if let Some(too_deep) = check_brackets(&lexed.tokens, file) {
        diagnostics.push(too_deep);
        return (None, diagnostics, false);
    }
    let ranges: Vec<Range<usize>> = lexed.tokens.iter().map(|(_, r)| r.clone()).collect();
    let mut nesting = Nesting::default();
    let (parsed, errors) = expr::expr::<_, Rich<'_, Token<'_>>>(file)
        .then_ignore(end())
        .parse_with_state(stream(&lexed.tokens, src.len()), &mut nesting)
        .into_output_errors();
    if let Some(at) = nesting.overflow.filter(|_| !errors.is_empty()) {
        diagnostics.push(too_deep(token_at(file, &ranges, at), "expressions nest"));
        return (None, diagnostics, false);
    }
    let incomplete = only_end_of_input(&errors, src.len());
    let hidden =
        lexed_suppressed + add_syntax_errors(&mut diagnostics, &errors, file, src, &ranges);
    let parsed = parsed.map(|mut e| {
        limit_depth(&mut e, &mut diagnostics);
        e
    });
    limit_count(&mut diagnostics, hidden);
    (parsed, diagnostics, incomplete)
}

/// Whether REPL input is a declaration (as opposed to an expression).
pub fn starts_with_declaration(src: &str) -> bool {
    lex(src, FileId(0))
        .tokens
        .first()
        .is_some_and(|(t, _)| t.starts_declaration() || matches!(t, Token::Doc(_)))
}

/// Every error is an unexpected end of input: found nothing, at the end.
/// (A custom error, such as `expected a field name, found 0`, finds
/// nothing either, but sits on the token it refused.)
fn only_end_of_input(errors: &[Rich<'_, Token<'_>>], len: usize) -> bool {
    !errors.is_empty()
        && errors
            .iter()
            .all(|e| e.found().is_none() && e.span().start >= len)
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

/// Refuses, before parsing, brackets nested more than `MAX_BRACKET_DEPTH`
/// and runs of prefix operators (`not not …`, `- - …`) longer than
/// `MAX_EXPR_DEPTH`: the parser recurses once per operator of a run
/// without passing through the nesting count of `expr`.
fn check_brackets(tokens: &[(Token<'_>, Range<usize>)], file: FileId) -> Option<Diagnostic> {
    let mut depth = 0usize;
    let mut prefix_run = 0usize;
    for (t, r) in tokens {
        prefix_run = match t {
            Token::Not | Token::Minus => prefix_run + 1,
            _ => 0,
        };
        if prefix_run > MAX_EXPR_DEPTH {
            return Some(too_deep(
                Span::new(file, r.clone()),
                "prefix operators nest",
            ));
        }
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

/// The span of the token that starts at or after a byte offset.
fn token_at(file: FileId, tokens: &[Range<usize>], offset: usize) -> Span {
    let i = tokens.partition_point(|r| r.start < offset);
    Span::new(file, tokens.get(i).cloned().unwrap_or(offset..offset))
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

/// Adds the parser's errors to the lexer's, converting only as many as
/// can be shown (chumsky reports them in order, so the earliest); returns
/// how many were left out.
fn add_syntax_errors(
    diagnostics: &mut Vec<Diagnostic>,
    errors: &[Rich<'_, Token<'_>>],
    file: FileId,
    src: &str,
    ranges: &[Range<usize>],
) -> usize {
    let mut reported = errors.iter().filter(|e| is_reported(e));
    diagnostics.extend(
        reported
            .by_ref()
            .take(MAX_SYNTAX_ERRORS)
            .filter_map(|e| syntax_error(e, file, src, ranges)),
    );
    reported.count()
}

/// Keeps the `MAX_SYNTAX_ERRORS` earliest syntax diagnostics and says how
/// many more there were, so that garbage input costs neither unbounded
/// memory nor pages of output.
fn limit_count(diagnostics: &mut Vec<Diagnostic>, mut hidden: usize) {
    diagnostics.sort_by_key(|d| d.primary_span().map(|s| (s.start, s.end)));
    if diagnostics.len() > MAX_SYNTAX_ERRORS {
        hidden += diagnostics.len() - MAX_SYNTAX_ERRORS;
        diagnostics.truncate(MAX_SYNTAX_ERRORS);
    }
    if hidden == 0 {
        return;
    }
    let mut d = Diagnostic::error(
        "P006",
        format!("too many syntax errors: {hidden} more in this file are not shown"),
    )
    .with_help("fix the errors above first; is this really an onus policy?");
    if let Some(last) = diagnostics.last().and_then(Diagnostic::primary_span) {
        d = d.with_label(last, "errors after this one are not shown");
    }
    diagnostics.push(d);
}

/// Operators that could always continue an expression: listing them in
/// "expected ..." only hides the token that was really missing.
const CONTINUATIONS: &[&str] = &[
    "`!=`", "`%`", "`*`", "`+`", "`-`", "`.`", "`/`", "`<=`", "`<`", "`==`", "`>=`", "`>`", "`??`",
    "`[`", "`and`", "`in`", "`or`", "`?`", "`(`",
];

/// Whether a parser error is worth reporting: an invalid token was
/// already reported by the lexer.
fn is_reported(e: &Rich<'_, Token<'_>>) -> bool {
    !matches!(e.found(), Some(Token::Error))
}

/// Converts a chumsky error. When the unexpected token starts a later line,
/// the error is placed after the previous token, where the text is missing.
fn syntax_error(
    e: &Rich<'_, Token<'_>>,
    file: FileId,
    src: &str,
    tokens: &[Range<usize>],
) -> Option<Diagnostic> {
    if !is_reported(e) {
        return None;
    }
    let at = e.span().into_range();
    let start = at.start;
    // A refused token (a custom error) is not found either, but has a place.
    let refused = src.get(at.clone()).filter(|t| !t.is_empty());
    let found = match (e.found(), refused) {
        (Some(t), _) => t.to_string(),
        (None, Some(text)) => format!("`{text}`"),
        (None, None) => "end of input".to_string(),
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
    let label = match (e.reason(), e.found(), refused) {
        (chumsky::error::RichReason::Custom(_), _, _) => "here".to_string(),
        (_, None, None) => "input ends here".to_string(),
        _ => format!("unexpected {found}"),
    };
    // Tokens are in source order: a binary search keeps many errors linear.
    let previous = tokens
        .partition_point(|r| r.end <= at.start)
        .checked_sub(1)
        .and_then(|i| tokens.get(i));
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
    if refused.is_some_and(|t| t.bytes().all(|b| b.is_ascii_digit())) && src[..start].ends_with('.')
    {
        d = d.with_help("an element of a list is `list[0]`, not `list.0`");
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

    fn codes(src: &str) -> Vec<&'static str> {
        parse_module(src, FileId(0))
            .diagnostics
            .iter()
            .map(|d| d.code)
            .collect()
    }

    /// Deep nesting without a single bracket: each is refused with one
    /// diagnostic, found without recursing ten thousand levels (this runs
    /// on the test harness's small thread stack).
    #[test]
    fn deep_unbracketed_nesting_is_one_diagnostic() {
        let n = 10_000;
        let chains = [
            format!("let x = {}1", "if true then 1 else ".repeat(n)),
            format!("let x = {}true", "all a in [1]: ".repeat(n)),
            format!("let x = {}true", "none a, b in {}: ".repeat(n)),
            format!("let x = {}true", "not ".repeat(n)),
            format!("let x = {}1", "- ".repeat(n)),
            format!("let x = {}1{}", "\"{".repeat(n), "}\"".repeat(n)),
        ];
        for src in &chains {
            assert_eq!(codes(src), ["P005"], "{}", &src[..40]);
            let (expr, diagnostics, _) = parse_expr(&src[8..], FileId(0));
            assert!(expr.is_none() || diagnostics.iter().any(|d| d.code == "P005"));
        }
    }

    /// The count refuses nothing that the depth check after parsing
    /// accepts: nesting just below the limit parses cleanly.
    #[test]
    fn nesting_below_the_limit_parses() {
        let n = MAX_EXPR_DEPTH - 10;
        let ifs = format!("let x = {}1", "if true then 1 else ".repeat(n));
        let quantifiers = format!("let x = {}true", "all a in [1]: ".repeat(n));
        let nots = format!("let x = {}true", "not ".repeat(n));
        for src in [ifs, quantifiers, nots] {
            assert_eq!(codes(&src), Vec::<&str>::new());
        }
    }

    /// A file with a syntax error is parsed twice (the second time for
    /// rich errors): nesting below the limit is never taken for too deep.
    #[test]
    fn nesting_below_the_limit_next_to_a_syntax_error_is_not_too_deep() {
        let n = MAX_EXPR_DEPTH - 10;
        let src = format!(
            "let x = {}1\nlet y = (1 +\n",
            "if true then 1 else ".repeat(n)
        );
        assert_eq!(codes(&src), ["P010"]);
    }

    #[test]
    fn garbage_reports_a_bounded_number_of_errors() {
        let parsed = parse_module(&"$ ".repeat(50_000), FileId(0));
        assert_eq!(parsed.diagnostics.len(), MAX_SYNTAX_ERRORS + 1);
        let last = &parsed.diagnostics[MAX_SYNTAX_ERRORS];
        assert_eq!(last.code, "P006");
        assert!(last.message.contains("49900 more"), "{}", last.message);
        let parsed = parse_module(&"let = ".repeat(50_000), FileId(0));
        assert!(parsed.diagnostics.len() <= MAX_SYNTAX_ERRORS + 1);
    }
}
