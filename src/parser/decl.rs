//! Declaration grammar: tokens in, the items of one file out. A declaration
//! that does not parse is skipped up to the next declaration keyword and
//! kept as `ItemKind::Broken`, so one run reports every syntax error.

use super::expr::{dotted, expr, field_name, name, string, to_span};
use super::{Extra, GrammarError, ParserInput};
use crate::ast::*;
use crate::lexer::Token;
use crate::source::FileId;
use chumsky::prelude::*;

/// A contextual keyword: an identifier with a fixed spelling.
fn kw<'t, 's: 't, I: ParserInput<'t, 's>, Er: GrammarError<'t, 's, I>>(
    word: &'static str,
) -> impl Parser<'t, I, (), Extra<Er>> + Clone {
    just(Token::Ident(word)).ignored().labelled(word)
}

fn doc_text(lines: Vec<&str>) -> Option<String> {
    if lines.is_empty() {
        return None;
    }
    let text: Vec<&str> = lines
        .iter()
        .map(|l| {
            let l = l.trim_start_matches("///");
            l.strip_prefix(' ').unwrap_or(l).trim_end()
        })
        .collect();
    Some(text.join("\n"))
}

pub(super) fn module<'t, 's: 't, I: ParserInput<'t, 's>, Er: GrammarError<'t, 's, I>>(
    file: FileId,
) -> impl Parser<'t, I, Vec<Item>, Extra<Er>> {
    let doc = select! { Token::Doc(s) => s }
        .repeated()
        .collect::<Vec<_>>()
        .map(doc_text);
    doc.then(declaration(file))
        .map_with(move |(doc, kind), e| Item {
            doc,
            kind,
            span: to_span(file, e.span()),
        })
        .recover_with(via_parser(skip_declaration(file)))
        .repeated()
        .collect::<Vec<_>>()
        .then_ignore(end())
}

/// Error recovery: consume the broken declaration up to the next one, keeping
/// its name (when it got that far) so later phases do not report it missing.
fn skip_declaration<'t, 's: 't, I: ParserInput<'t, 's>, Er: GrammarError<'t, 's, I>>(
    file: FileId,
) -> impl Parser<'t, I, Item, Extra<Er>> + Clone {
    custom(
        move |inp: &mut chumsky::input::InputRef<'t, '_, I, Extra<Er>>| {
            let start = inp.cursor();
            let Some(first): Option<Token<'s>> = inp.next() else {
                return Err(Er::custom(inp.span_since(&start), "end of input".into()));
            };
            while matches!(inp.peek(), Some(Token::Doc(_))) {
                inp.skip();
            }
            // `framework` and `attest` are identifiers that start a
            // declaration; what follows them declares no global name.
            let declares = first.starts_declaration() && !matches!(first, Token::Ident(_));
            let name = match (declares, inp.peek()) {
                (true, Some(Token::Ident(text))) => {
                    let before = inp.cursor();
                    inp.skip();
                    Some(Name {
                        text: text.to_string(),
                        span: to_span(file, inp.span_since(&before)),
                    })
                }
                _ => None,
            };
            let mut depth = 0usize;
            while let Some(t) = inp.peek() {
                match t {
                    Token::LBrace | Token::LParen | Token::LBracket => depth += 1,
                    Token::RBrace | Token::RParen | Token::RBracket => {
                        depth = depth.saturating_sub(1)
                    }
                    // Inside an unclosed body only keywords that cannot occur
                    // there end the skip; `let`, `layer` and `service` can.
                    Token::Control
                    | Token::Model
                    | Token::Party
                    | Token::Assert
                    | Token::Waive
                    | Token::Test
                    | Token::Fn
                    | Token::Use
                    | Token::Doc(_) => break,
                    t if depth == 0 && t.starts_declaration() => break,
                    _ => {}
                }
                inp.skip();
            }
            Ok(Item {
                doc: None,
                kind: ItemKind::Broken(name),
                span: to_span(file, inp.span_since(&start)),
            })
        },
    )
}

fn declaration<'t, 's: 't, I: ParserInput<'t, 's>, Er: GrammarError<'t, 's, I>>(
    file: FileId,
) -> impl Parser<'t, I, ItemKind, Extra<Er>> {
    let expr = expr(file);
    let name = name(file);
    let string = string(file);

    let use_ = just(Token::Use)
        .ignore_then(choice((
            just(Token::Ident("std"))
                .ignore_then(
                    just(Token::Dot)
                        .ignore_then(select! { Token::Ident(module) => module.to_string() })
                        .or_not(),
                )
                .map_with(move |module, e| {
                    let span = to_span(file, e.span());
                    match module {
                        None => UseTarget::Std(span),
                        Some(module) => UseTarget::StdModule(module, span),
                    }
                }),
            string.clone().map(|s| UseTarget::Path(s.value, s.span)),
        )))
        .map(ItemKind::Use);

    let party = just(Token::Party)
        .ignore_then(name.clone())
        .then_ignore(just(Token::Colon))
        .then(name.clone())
        .then(kw("accountable_to").ignore_then(name.clone()).or_not())
        .map(|((name, kind), accountable_to)| {
            ItemKind::Party(Party {
                name,
                kind,
                accountable_to,
            })
        });

    let layer = just(Token::Layer)
        .ignore_then(dotted(file))
        .then(string.clone().or_not())
        .map(|(name, description)| {
            ItemKind::Layer(LayerDecl {
                name,
                description: description.map(|d| d.value),
            })
        });

    let decider = name
        .clone()
        .or(just(Token::None).map_with(move |_, e| Name {
            text: "none".into(),
            span: to_span(file, e.span()),
        }));
    let assignment = dotted(file)
        .then_ignore(just(Token::Colon))
        .then(decider)
        .then(kw("operated_by").ignore_then(name.clone()).or_not())
        .map_with(move |((layer, decider), operated_by), e| Assignment {
            layer,
            decider,
            operated_by,
            span: to_span(file, e.span()),
        });

    let model = just(Token::Model)
        .ignore_then(name.clone())
        .then(kw("extends").ignore_then(name.clone()).or_not())
        .then(
            assignment
                .clone()
                .repeated()
                .collect::<Vec<_>>()
                .delimited_by(just(Token::LBrace), just(Token::RBrace)),
        )
        .map(|((name, extends), entries)| {
            ItemKind::Model(Model {
                name,
                extends,
                entries,
            })
        });

    let member = choice((
        name.clone()
            .then_ignore(just(Token::Assign))
            .then(expr.clone())
            .map(|(n, e)| ServiceMember::Attr(n, e)),
        assignment.map(ServiceMember::Override),
    ));
    let service = just(Token::Service)
        .ignore_then(name.clone())
        .then(just(Token::Colon).ignore_then(name.clone()).or_not())
        .then(kw("on").ignore_then(name.clone()).or_not())
        .then(
            member
                .repeated()
                .collect::<Vec<_>>()
                .delimited_by(just(Token::LBrace), just(Token::RBrace)),
        )
        .map(|(((name, model), host), members)| {
            ItemKind::Service(Service {
                name,
                model,
                host,
                members,
            })
        });

    let let_binding = just(Token::Let)
        .ignore_then(name.clone())
        .then_ignore(just(Token::Assign))
        .then(expr.clone())
        .map(|(name, value)| Let { name, value });

    let func = just(Token::Fn)
        .ignore_then(name.clone())
        .then(
            name.clone()
                .separated_by(just(Token::Comma))
                .allow_trailing()
                .collect::<Vec<_>>()
                .delimited_by(just(Token::LParen), just(Token::RParen)),
        )
        .then_ignore(just(Token::Assign))
        .then(expr.clone())
        .map(|((name, params), body)| ItemKind::Fn(Func { name, params, body }));

    let vars = name
        .clone()
        .separated_by(just(Token::Comma))
        .at_least(1)
        .at_most(2)
        .collect::<Vec<_>>();
    let selection = just(Token::For)
        .ignore_then(vars)
        .then_ignore(just(Token::In))
        .then(expr.clone())
        .then(just(Token::Where).ignore_then(expr.clone()).or_not())
        .map_with(move |((vars, source), filter), e| Selection {
            vars,
            source,
            filter,
            span: to_span(file, e.span()),
        });
    let step = choice((
        let_binding.clone().map(Step::Let),
        kw("require")
            .ignore_then(expr.clone())
            .then(just(Token::Else).ignore_then(expr.clone()).or_not())
            .map_with(move |(cond, message), e| Step::Require {
                cond,
                message,
                span: to_span(file, e.span()),
            }),
    ));
    // `layer = NAME` takes a layer name, which may contain keywords.
    let layer_field = just(Token::Layer)
        .map_with(move |_, e| Name {
            text: "layer".into(),
            span: to_span(file, e.span()),
        })
        .then_ignore(just(Token::Assign))
        .then(dotted(file).map(|n| Expr {
            kind: ExprKind::Name(n.text),
            span: n.span,
        }));
    let field = layer_field.or(field_name(file)
        .then_ignore(just(Token::Assign))
        .then(expr.clone()));
    let date = select! { Token::Date(d) => d }
        .map_with(move |d, e| (d, to_span(file, e.span())))
        .labelled("date");
    // `evidence "URI" period FROM..TO`, among a control's fields.
    let evidence = kw("evidence")
        .ignore_then(string.clone())
        .then_ignore(kw("period"))
        .then(date)
        .then_ignore(just(Token::Dot).then(just(Token::Dot)))
        .then(date)
        .map_with(move |((uri, from), to), e| Evidence {
            uri,
            from,
            to,
            span: to_span(file, e.span()),
        });
    let settings = evidence
        .map(Err)
        .or(field.map(Ok))
        .repeated()
        .collect::<Vec<_>>()
        .map(|settings| {
            let mut fields = Vec::new();
            let mut evidence = Vec::new();
            for s in settings {
                match s {
                    Ok(f) => fields.push(f),
                    Err(e) => evidence.push(e),
                }
            }
            (fields, evidence)
        });
    let control = just(Token::Control)
        .ignore_then(name.clone())
        .then(
            settings
                .then(selection.or_not())
                .then(kw("key").ignore_then(expr.clone()).or_not())
                .then(step.repeated().collect::<Vec<_>>())
                .delimited_by(just(Token::LBrace), just(Token::RBrace)),
        )
        .map(|(name, ((((fields, evidence), selection), key), steps))| {
            ItemKind::Control(Control {
                name,
                fields,
                selection,
                key,
                steps,
                evidence,
            })
        })
        .labelled("control");

    let assertion = just(Token::Assert)
        .ignore_then(string.clone())
        .then_ignore(just(Token::Colon))
        .then(expr.clone())
        .map(|(name, cond)| ItemKind::Assert(Assertion { name, cond }));

    let waiver = just(Token::Waive)
        .ignore_then(name.clone())
        .then(just(Token::For).ignore_then(expr.clone()).or_not())
        .then(kw("until").ignore_then(date).or_not())
        .then(kw("by").ignore_then(string.clone()).or_not())
        .then(kw("because").ignore_then(string.clone()).or_not())
        .map(|((((control, keys), until), by), because)| {
            ItemKind::Waive(Waiver {
                control,
                keys,
                until,
                by,
                because,
            })
        });

    let attestation = kw("attest")
        .ignore_then(name.clone())
        .then(just(Token::For).ignore_then(expr.clone()).or_not())
        .then_ignore(kw("by"))
        .then(string.clone())
        .then_ignore(kw("on"))
        .then(date)
        .then_ignore(kw("until"))
        .then(date)
        .then_ignore(kw("evidence"))
        .then(string.clone())
        .then(kw("because").ignore_then(string.clone()).or_not())
        .map(
            |((((((control, keys), by), on), until), evidence), because)| {
                ItemKind::Attest(Attestation {
                    control,
                    keys,
                    by,
                    on,
                    until,
                    evidence,
                    because,
                })
            },
        );

    // Commas between requirements are optional, as newlines are.
    let requirement = string
        .clone()
        .then_ignore(just(Token::Colon))
        .then(string.clone());
    let framework = kw("framework")
        .ignore_then(name.clone())
        .then(choice((
            kw("from")
                .ignore_then(string.clone())
                .map(FrameworkSource::Catalog),
            string
                .clone()
                .then(
                    requirement
                        .separated_by(just(Token::Comma).or_not())
                        .allow_trailing()
                        .collect::<Vec<_>>()
                        .delimited_by(just(Token::LBrace), just(Token::RBrace)),
                )
                .map(|(title, requirements)| FrameworkSource::Inline {
                    title,
                    requirements,
                }),
        )))
        .map(|(name, source)| ItemKind::Framework(FrameworkDecl { name, source }));

    // `expect` or `given` right after `given NAME =` starts the next line,
    // not the facts: refuse it there, so the error says what was expected.
    let given = kw("given")
        .ignore_then(name.clone().then_ignore(just(Token::Assign)).or_not())
        .then(
            choice((
                kw("file").ignore_then(string.clone()).map(Given::File),
                kw("expect")
                    .or(kw("given"))
                    .not()
                    .ignore_then(expr.clone())
                    .map(Given::Inline),
            ))
            .labelled("the facts (`file \"PATH\"` or an expression such as `{ … }`)"),
        )
        .map(|(name, source)| GivenFacts { name, source });
    let expectation = choice((
        kw("passes").to(Expectation::Passes),
        kw("fails")
            .ignore_then(kw("on").ignore_then(expr.clone()).or_not())
            .map(Expectation::Fails),
        kw("errors").to(Expectation::Errors),
        kw("is").ignore_then(name.clone()).map(Expectation::Is),
    ));
    let expect = kw("expect")
        .ignore_then(choice((
            kw("assertion")
                .ignore_then(string.clone())
                .map(ExpectTarget::Assertion),
            name.clone().map(ExpectTarget::Control),
        )))
        .then(expectation)
        .map_with(move |(target, expectation), e| Expect {
            target,
            expectation,
            span: to_span(file, e.span()),
        });
    let test = just(Token::Test)
        .ignore_then(string)
        .then(
            given
                .repeated()
                .collect::<Vec<_>>()
                .then(expect.repeated().collect::<Vec<_>>())
                .delimited_by(just(Token::LBrace), just(Token::RBrace)),
        )
        .map(|(name, (givens, expects))| {
            ItemKind::Test(Test {
                name,
                givens,
                expects,
            })
        });

    choice((
        use_,
        party,
        layer,
        model,
        service,
        let_binding.map(ItemKind::Let),
        func,
        control,
        assertion,
        waiver,
        test,
        framework,
        attestation,
    ))
    .boxed()
}
