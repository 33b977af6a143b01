//! Expression grammar: tokens in, `ast::Expr` out, with the precedence of
//! SPEC §3 (Pratt parsing); every node spans its whole source text. Nested
//! expressions recurse, so the recursion is counted (see [`counted`]).

use super::{Extra, GrammarError, MAX_EXPR_DEPTH, Nesting, ParserInput};
use crate::ast::*;
use crate::lexer::{Token, duration_seconds, unescape};
use crate::source::{FileId, Span};
use chumsky::input::MapExtra;
use chumsky::pratt::{infix, left, postfix, prefix};
use chumsky::prelude::*;

/// `inner`, counted as one more level of nesting in the parser's state;
/// past `MAX_EXPR_DEPTH` it fails at once and records where. Such text
/// would be refused after parsing anyway; stopping at the limit keeps
/// hostile input (thousands of `if … else if …`, quantifiers or nested
/// interpolations, none needing a bracket) from costing a stack frame and
/// a heap segment per level.
fn counted<'t, 's: 't, I: ParserInput<'t, 's>, Er: GrammarError<'t, 's, I>>(
    inner: impl Parser<'t, I, Expr, Extra<Er>> + Clone,
) -> impl Parser<'t, I, Expr, Extra<Er>> + Clone {
    empty()
        .try_map_with(|(), e| {
            let at: SimpleSpan = e.span();
            let nesting: &mut Nesting = e.state();
            if nesting.depth >= MAX_EXPR_DEPTH {
                nesting.overflow.get_or_insert(at.start);
                return Err(Er::custom(at, "nesting too deep".into()));
            }
            nesting.depth += 1;
            Ok(())
        })
        .ignore_then(inner)
        // `try_map_with` runs in every parsing mode, so the count always
        // comes back down after a success; failures rewind it.
        .try_map_with(|expr, e| {
            let nesting: &mut Nesting = e.state();
            nesting.depth = nesting.depth.saturating_sub(1);
            Ok(expr)
        })
}

pub(super) fn to_span(file: FileId, s: SimpleSpan) -> Span {
    Span::new(file, s.into_range())
}

/// An identifier as a spanned `Name`.
pub(super) fn name<'t, 's: 't, I: ParserInput<'t, 's>, Er: GrammarError<'t, 's, I>>(
    file: FileId,
) -> impl Parser<'t, I, Name, Extra<Er>> + Clone {
    select! { Token::Ident(s) => s }
        .map_with(move |s: &str, e| Name {
            text: s.to_string(),
            span: to_span(file, e.span()),
        })
        .labelled("identifier")
}

/// An identifier or a keyword: field names after `.` and object keys.
pub(super) fn field_name<'t, 's: 't, I: ParserInput<'t, 's>, Er: GrammarError<'t, 's, I>>(
    file: FileId,
) -> impl Parser<'t, I, Name, Extra<Er>> + Clone {
    any()
        .try_map(|t: Token<'s>, span| match t {
            Token::Ident(s) => Ok(s.to_string()),
            t => t
                .keyword()
                .map(str::to_string)
                .ok_or_else(|| Er::custom(span, format!("expected a field name, found {t}"))),
        })
        .map_with(move |text, e| Name {
            text,
            span: to_span(file, e.span()),
        })
        .labelled("field name")
}

/// A dotted name such as `network.virtual`.
pub(super) fn dotted<'t, 's: 't, I: ParserInput<'t, 's>, Er: GrammarError<'t, 's, I>>(
    file: FileId,
) -> impl Parser<'t, I, Name, Extra<Er>> + Clone {
    // Keywords are allowed in layer names, as after any `.` (`service.control_plane`).
    let segment = any().try_map(|t: Token<'s>, span| match t {
        Token::Ident(s) => Ok(s.to_string()),
        t => t
            .keyword()
            .map(str::to_string)
            .ok_or_else(|| Er::custom(span, format!("expected a layer name, found {t}"))),
    });
    segment
        .separated_by(just(Token::Dot))
        .at_least(1)
        .collect::<Vec<_>>()
        .map_with(move |parts, e| Name {
            text: parts.join("."),
            span: to_span(file, e.span()),
        })
        .labelled("layer name")
}

pub(super) fn string<'t, 's: 't, I: ParserInput<'t, 's>, Er: GrammarError<'t, 's, I>>(
    file: FileId,
) -> impl Parser<'t, I, StrLit, Extra<Er>> + Clone {
    select! { Token::Str(s) => unescape(s) }
        .map_with(move |value, e| StrLit {
            value,
            span: to_span(file, e.span()),
        })
        .labelled("string")
}

fn node<'t, 's: 't, I: ParserInput<'t, 's>, Er: GrammarError<'t, 's, I>>(
    file: FileId,
    kind: ExprKind,
    e: &mut MapExtra<'t, '_, I, Extra<Er>>,
) -> Expr {
    Expr {
        kind,
        span: to_span(file, e.span()),
    }
}

/// The first key of an object: a literal key, or (in a comprehension) an
/// expression.
#[derive(Clone)]
enum FirstKey {
    Key(ObjectKey),
    Expr(Expr),
}

impl FirstKey {
    /// The key as an expression; `Err(span)` for a keyword that is not
    /// also a value (`true`, `null`, `none` are).
    fn into_expr(self) -> Result<Expr, Span> {
        let (kind, span) = match self {
            FirstKey::Expr(e) => return Ok(e),
            FirstKey::Key(ObjectKey::Str(s)) => (ExprKind::Str(s.value), s.span),
            FirstKey::Key(ObjectKey::Name(n)) => {
                let kind = match n.text.as_str() {
                    "true" => ExprKind::Bool(true),
                    "false" => ExprKind::Bool(false),
                    "null" => ExprKind::Null,
                    k if crate::lexer::is_keyword(k) && k != "none" => return Err(n.span),
                    _ => ExprKind::Name(n.text),
                };
                (kind, n.span)
            }
        };
        Ok(Expr { kind, span })
    }
}

/// What follows an expression in brackets.
#[derive(Clone)]
enum Subscript {
    Index(Expr, bool),
    Slice(Option<Expr>, Option<Expr>),
    /// `[]`, already reported.
    Missing,
}

fn to_simple(span: Span) -> SimpleSpan {
    SimpleSpan::from(span.start as usize..span.end as usize)
}

fn binary(op: BinaryOp, l: Expr, r: Expr) -> Expr {
    let span = l.span.join(r.span);
    Expr {
        kind: ExprKind::Binary(op, Box::new(l), Box::new(r)),
        span,
    }
}

pub(super) fn expr<'t, 's: 't, I: ParserInput<'t, 's>, Er: GrammarError<'t, 's, I>>(
    file: FileId,
) -> impl Parser<'t, I, Expr, Extra<Er>> + Clone {
    recursive(move |expr| {
        let expr = counted(expr);
        let literal = select! {
            Token::Int(n) => ExprKind::Int(n),
            Token::Float(x) => ExprKind::Float(x),
            Token::True => ExprKind::Bool(true),
            Token::False => ExprKind::Bool(false),
            Token::Null => ExprKind::Null,
            Token::Date(d) => ExprKind::Date(d),
            Token::Str(s) => ExprKind::Str(unescape(s)),
            Token::Duration(d) => ExprKind::Duration(duration_seconds(d).unwrap_or(0), d.to_string()),
        };

        let template = select! { Token::StrBegin(s) => unescape(s) }
            .then(expr.clone())
            .then(
                select! { Token::StrMid(s) => unescape(s) }
                    .then(expr.clone())
                    .repeated()
                    .collect::<Vec<_>>(),
            )
            .then(select! { Token::StrEnd(s) => unescape(s) })
            .map(|(((first, e), mids), last)| {
                let mut parts = Vec::new();
                let text = |t: String, parts: &mut Vec<StrPart>| {
                    if !t.is_empty() {
                        parts.push(StrPart::Text(t));
                    }
                };
                text(first, &mut parts);
                parts.push(StrPart::Expr(e));
                for (t, e) in mids {
                    text(t, &mut parts);
                    parts.push(StrPart::Expr(e));
                }
                text(last, &mut parts);
                ExprKind::Template(parts)
            });

        let args = expr
            .clone()
            .separated_by(just(Token::Comma))
            .allow_trailing()
            .collect::<Vec<_>>()
            .delimited_by(just(Token::LParen), just(Token::RParen));

        let name_or_call = name(file).then(args.or_not()).map(|(n, args)| match args {
            Some(args) => ExprKind::Call { callee: n, args },
            None => ExprKind::Name(n.text),
        });

        let paren = expr
            .clone()
            .delimited_by(just(Token::LParen), just(Token::RParen))
            .map(|e| ExprKind::Paren(Box::new(e)));

        let vars = name(file)
            .separated_by(just(Token::Comma))
            .at_least(1)
            .at_most(2)
            .collect::<Vec<_>>();

        let quantifier = choice((
            just(Token::All).to(Quantifier::All),
            just(Token::Any).to(Quantifier::Any),
            just(Token::None).to(Quantifier::None),
        ))
        .then(vars.clone())
        .then_ignore(just(Token::In))
        .then(expr.clone())
        .then(just(Token::Where).ignore_then(expr.clone()).or_not())
        .then_ignore(just(Token::Colon))
        .then(expr.clone())
        .map(|((((kind, vars), source), filter), body)| ExprKind::Quant {
            kind,
            vars,
            source: Box::new(source),
            filter: filter.map(Box::new),
            body: Box::new(body),
        });

        let conditional = just(Token::If)
            .ignore_then(expr.clone())
            .then_ignore(just(Token::Then))
            .then(expr.clone())
            .then_ignore(just(Token::Else))
            .then(expr.clone())
            .map(|((cond, then), otherwise)| ExprKind::If {
                cond: Box::new(cond),
                then: Box::new(then),
                otherwise: Box::new(otherwise),
            });

        let comprehension_tail = just(Token::For)
            .ignore_then(vars.clone())
            .then_ignore(just(Token::In))
            .then(expr.clone())
            .then(just(Token::If).ignore_then(expr.clone()).or_not());
        let list = expr
            .clone()
            .then(
                comprehension_tail.clone().map(Ok).or(just(Token::Comma)
                    .ignore_then(expr.clone())
                    .repeated()
                    .collect::<Vec<_>>()
                    .then_ignore(just(Token::Comma).or_not())
                    .map(Err)),
            )
            .or_not()
            .delimited_by(just(Token::LBracket), just(Token::RBracket))
            .map(|body| match body {
                None => ExprKind::List(Vec::new()),
                Some((elem, Ok(((vars, source), filter)))) => ExprKind::Comprehension {
                    elem: Box::new(elem),
                    vars,
                    source: Box::new(source),
                    filter: filter.map(Box::new),
                },
                Some((first, Err(rest))) => {
                    ExprKind::List(std::iter::once(first).chain(rest).collect())
                }
            });

        // An object literal's keys are names or strings; a comprehension's
        // key is any expression. The first entry is read once either way
        // and the text after it decides (no backtracking over the value,
        // which would cost twice per level of nesting).
        let key = field_name(file)
            .map(ObjectKey::Name)
            .or(string(file).map(ObjectKey::Str));
        let first_key = key
            .clone()
            .then_ignore(just(Token::Colon))
            .map(FirstKey::Key)
            .or(expr
                .clone()
                .then_ignore(just(Token::Colon))
                .map(FirstKey::Expr));
        let entry = key.then_ignore(just(Token::Colon)).then(expr.clone());
        let object = first_key
            .then(expr.clone())
            .then(
                comprehension_tail.clone().map(Ok).or(just(Token::Comma)
                    .ignore_then(entry)
                    .repeated()
                    .collect::<Vec<_>>()
                    .then_ignore(just(Token::Comma).or_not())
                    .map(Err)),
            )
            .or_not()
            .delimited_by(just(Token::LBrace), just(Token::RBrace))
            .validate(move |body, _, emitter| match body {
                None => ExprKind::Object(Vec::new()),
                Some(((first, value), Ok(((vars, source), filter)))) => {
                    let key = first.into_expr().unwrap_or_else(|span| {
                        emitter.emit(Er::custom(
                            to_simple(span),
                            "a keyword cannot be a key expression; quote it: `\"for\"`".into(),
                        ));
                        Expr {
                            kind: ExprKind::Error,
                            span,
                        }
                    });
                    ExprKind::ObjectComprehension {
                        key: Box::new(key),
                        value: Box::new(value),
                        vars,
                        source: Box::new(source),
                        filter: filter.map(Box::new),
                    }
                }
                Some(((FirstKey::Key(key), value), Err(rest))) => {
                    ExprKind::Object(std::iter::once((key, value)).chain(rest).collect())
                }
                Some(((FirstKey::Expr(key), _), Err(_))) => {
                    emitter.emit(Er::custom(
                        to_simple(key.span),
                        "an object literal's keys are names or strings; a computed key needs a comprehension: `{KEY: VALUE for x in xs}`".into(),
                    ));
                    ExprKind::Error
                }
            });

        // `with` is a word only here (followed by a name and `=`), so it
        // stays usable as a name and a fact key.
        let with_binding = select! { Token::Ident("with") => () }
            .ignore_then(name(file))
            .then_ignore(just(Token::Assign))
            .then(expr.clone())
            .then_ignore(just(Token::Colon))
            .then(expr.clone())
            .map(|((name, value), body)| ExprKind::With {
                name,
                value: Box::new(value),
                body: Box::new(body),
            });

        let none_word = just(Token::None).to(ExprKind::Name("none".into()));

        let atom = choice((
            literal,
            template,
            quantifier,
            none_word,
            conditional,
            with_binding,
            name_or_call,
            paren,
            list,
            object,
        ))
        .map_with(move |kind, e| node(file, kind, e))
        .labelled("expression")
        .boxed();

        let optional = just(Token::Question).or_not().map(|q| q.is_some());
        let op = |t: Token<'s>, op: BinaryOp| just(t).to(op);
        atom.pratt((
            postfix(
                10,
                just(Token::Dot)
                    .ignore_then(field_name(file))
                    .then(optional.clone()),
                move |base, (name, optional), e: &mut MapExtra<'t, '_, I, Extra<Er>>| {
                    node(
                        file,
                        ExprKind::Field {
                            base: Box::new(base),
                            name,
                            optional,
                        },
                        e,
                    )
                },
            ),
            postfix(
                10,
                // `[i]`, `[i]?` or a slice `[from:to]` (either bound left
                // out), read in one pass.
                expr.clone()
                    .or_not()
                    .then(
                        just(Token::Colon)
                            .ignore_then(expr.clone().or_not())
                            .or_not(),
                    )
                    .delimited_by(just(Token::LBracket), just(Token::RBracket))
                    .then(optional)
                    .validate(|((from, to), optional), e, emitter| {
                        let span: SimpleSpan = e.span();
                        match (from, to) {
                            (Some(index), None) => Subscript::Index(index, optional),
                            (None, None) => {
                                emitter.emit(Er::custom(span, "expected an index".into()));
                                Subscript::Missing
                            }
                            (from, Some(to)) => {
                                if optional {
                                    emitter.emit(Er::custom(
                                        span,
                                        "a slice is never missing: drop the `?`".into(),
                                    ));
                                }
                                Subscript::Slice(from, to)
                            }
                        }
                    }),
                move |base, subscript, e: &mut MapExtra<'t, '_, I, Extra<Er>>| {
                    let kind = match subscript {
                        Subscript::Index(index, optional) => ExprKind::Index {
                            base: Box::new(base),
                            index: Box::new(index),
                            optional,
                        },
                        Subscript::Slice(from, to) => ExprKind::Slice {
                            base: Box::new(base),
                            from: from.map(Box::new),
                            to: to.map(Box::new),
                        },
                        Subscript::Missing => ExprKind::Error,
                    };
                    node(file, kind, e)
                },
            ),
            prefix(
                NEG_PRECEDENCE,
                just(Token::Minus),
                move |_, rhs, e: &mut MapExtra<'t, '_, I, Extra<Er>>| {
                    node(file, ExprKind::Unary(UnaryOp::Neg, Box::new(rhs)), e)
                },
            ),
            infix(
                left(7),
                choice((
                    op(Token::Star, BinaryOp::Mul),
                    op(Token::Slash, BinaryOp::Div),
                    op(Token::Percent, BinaryOp::Rem),
                )),
                |l, op, r, _| binary(op, l, r),
            ),
            infix(
                left(6),
                choice((
                    op(Token::Plus, BinaryOp::Add),
                    op(Token::Minus, BinaryOp::Sub),
                )),
                |l, op, r, _| binary(op, l, r),
            ),
            infix(
                left(5),
                choice((
                    op(Token::Eq, BinaryOp::Eq),
                    op(Token::Ne, BinaryOp::Ne),
                    op(Token::Le, BinaryOp::Le),
                    op(Token::Lt, BinaryOp::Lt),
                    op(Token::Ge, BinaryOp::Ge),
                    op(Token::Gt, BinaryOp::Gt),
                    op(Token::In, BinaryOp::In),
                )),
                |l, op, r, _| binary(op, l, r),
            ),
            prefix(
                NOT_PRECEDENCE,
                just(Token::Not),
                move |_, rhs, e: &mut MapExtra<'t, '_, I, Extra<Er>>| {
                    node(file, ExprKind::Unary(UnaryOp::Not, Box::new(rhs)), e)
                },
            ),
            infix(left(3), op(Token::And, BinaryOp::And), |l, op, r, _| {
                binary(op, l, r)
            }),
            infix(left(2), op(Token::Or, BinaryOp::Or), |l, op, r, _| {
                binary(op, l, r)
            }),
            infix(
                left(1),
                op(Token::Coalesce, BinaryOp::Coalesce),
                |l, op, r, _| binary(op, l, r),
            ),
        ))
        .labelled("expression")
        .boxed()
    })
}
