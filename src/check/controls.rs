//! Controls, waivers and tests: their declarations in, the checked parts of
//! the program out. Control fields are read syntactically (a service is a
//! name, a layer a dotted name, an owner an ownership word); bodies are
//! lowered with a fresh frame per control.

use super::lower::{Lowerer, with_suggestion};
use super::program::*;
use super::{Env, Symbol};
use crate::ast::{self, Expectation as AstExpectation, ExprKind};
use crate::diagnostic::Diagnostic;
use crate::source::{FileId, SourceMap, Span};
use crate::value::{Word, WordClass};
use jiff::civil::Date;

/// Reads a control's fields and lowers its body.
pub(super) fn control(
    item: &ast::Item,
    c: &ast::Control,
    env: &Env,
    program: &Program,
    sources: &SourceMap,
    now: Date,
    diags: &mut Vec<Diagnostic>,
) -> (Control, Span) {
    let fields = ControlFields::read(c, env, program, diags);
    let layer_span = fields.layer.map_or(c.name.span, |(_, s)| s);
    let layer = fields.layer.map(|(l, _)| l);
    let first = fields.services.first().copied();
    let resolved = first.zip(layer).and_then(|(s, l)| program.resolved(s, l));
    let decider = resolved.map(|r| r.decider());
    // An unassigned layer falls to the service's tenant (the customer,
    // unless it says otherwise): someone must answer for it.
    let tenant = first.map_or(PartyId::CUSTOMER, |s| program.services[s].tenant);
    let owner = fields
        .owner
        .map(|(w, _)| w)
        .or(decider)
        .unwrap_or(Decider::Party(tenant));
    let mut lw = Lowerer::new(env);
    let selection = c.selection.as_ref().map(|sel| {
        let source = lw.lower(&sel.source);
        let binding = lw.binding(&sel.vars);
        let filter = sel.filter.as_ref().map(|f| lw.lower(f));
        Selection {
            binding,
            source,
            filter,
        }
    });
    let key = c.key.as_ref().map(|k| lw.lower(k));
    let steps = c
        .steps
        .iter()
        .map(|step| match step {
            ast::Step::Let(l) => {
                let value = lw.lower(&l.value);
                Step::Let(lw.bind(&l.name), value)
            }
            ast::Step::Require {
                cond,
                message,
                span,
            } => Step::Require {
                cond: lw.lower(cond),
                message: message.as_ref().map(|m| lw.lower(m)),
                text: sources
                    .slice(cond.span)
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" "),
                span: *span,
            },
        })
        .collect();
    diags.append(&mut lw.diags);
    let requirements = super::audit::resolve_refs(&fields.refs, env, &program.frameworks, diags);
    let evidence = super::audit::evidence(c, owner, program.decider_name(owner), now, diags);
    let control = Control {
        id: c.name.text.clone(),
        doc: item.doc.clone(),
        title: fields.title,
        span: c.name.span,
        services: fields.services,
        layer,
        owner,
        explicit_owner: fields.owner,
        decider,
        operator: resolved.map(Resolved::operator),
        accountable: resolved.map(|r| r.accountable),
        tier: match (first, resolved) {
            (Some(s), Some(r)) => program.tier(s, r),
            _ => Vec::new(),
        },
        severity: fields.severity.unwrap_or(Word::Medium),
        enforce: fields.enforce.unwrap_or(Word::Hard),
        team: fields.team,
        refs: fields.refs.into_iter().map(|(r, _)| r).collect(),
        requirements,
        evidence,
        selection,
        key,
        steps,
        slots: lw.max_slots,
    };
    (control, layer_span)
}

#[derive(Default)]
struct ControlFields {
    services: Vec<usize>,
    layer: Option<(usize, Span)>,
    owner: Option<(Decider, Span)>,
    severity: Option<Word>,
    enforce: Option<Word>,
    team: Option<String>,
    title: Option<String>,
    /// Each ref with where it is written.
    refs: Vec<(String, Span)>,
}

const CONTROL_FIELDS: &[&str] = &[
    "service", "services", "layer", "owner", "severity", "enforce", "team", "refs", "title",
];

impl ControlFields {
    fn read(
        c: &ast::Control,
        env: &Env,
        program: &Program,
        diags: &mut Vec<Diagnostic>,
    ) -> ControlFields {
        let mut f = ControlFields::default();
        let mut seen: Vec<&str> = Vec::new();
        let mut has_service = false;
        for (name, value) in &c.fields {
            let field = name.text.as_str();
            if !CONTROL_FIELDS.contains(&field) {
                let d = Diagnostic::error("N010", format!("unknown control field `{field}`"))
                    .with_label(name.span, "not a control field");
                diags.push(with_suggestion(d, field, CONTROL_FIELDS.iter().copied()).or_help(
                    "control fields are service, services, layer, owner, severity, enforce, team, refs, title",
                ));
                continue;
            }
            let canonical = if field == "services" {
                "service"
            } else {
                field
            };
            if seen.contains(&canonical) {
                diags.push(
                    Diagnostic::error("N002", format!("control field `{field}` is set twice"))
                        .with_label(name.span, "set again here"),
                );
                continue;
            }
            seen.push(canonical);
            match field {
                "service" | "services" => {
                    has_service = true;
                    let names: Vec<&ast::Expr> = match (&value.kind, field) {
                        (ExprKind::List(items), "services") => items.iter().collect(),
                        (_, "service") => vec![value],
                        _ => {
                            diags.push(field_error(
                                value.span,
                                "`services` takes a list of service names: `[a, b]`",
                            ));
                            continue;
                        }
                    };
                    for n in names {
                        match (&n.kind, n.kind_name()) {
                            (_, Some(text)) => match env.symbols.get(text) {
                                Some(Symbol::Service(_)) => {
                                    if let Some(i) = program.service(text) {
                                        f.services.push(i);
                                    }
                                }
                                Some(Symbol::Broken) => {}
                                _ => {
                                    let d = Diagnostic::error(
                                        "N004",
                                        format!("unknown service `{text}`"),
                                    )
                                    .with_label(n.span, "no service has this name");
                                    diags.push(with_suggestion(
                                        d,
                                        text,
                                        program.services.iter().map(|s| s.id.as_str()),
                                    ));
                                }
                            },
                            _ => diags.push(field_error(n.span, "expected a service name")),
                        }
                    }
                }
                "layer" => {
                    match value.as_dotted() {
                        Some(l) => {
                            match env.layers.get(&l) {
                                Some(&i) => f.layer = Some((i, value.span)),
                                None => {
                                    let d = Diagnostic::error("O005", format!("control `{}` is on layer `{l}`, which is declared nowhere", c.name.text))
                                .with_label(value.span, "no `layer` declaration has this name");
                                    diags.push(with_suggestion(d, &l, env.layers.keys().map(String::as_str)).or_help(
                                "declare it with `layer NAME \"description\"`, or `use std` for the standard layers",
                            ));
                                }
                            }
                        }
                        None => diags.push(field_error(
                            value.span,
                            "expected a layer name such as `exposure` or `network.virtual`",
                        )),
                    }
                }
                "owner" => match owner(value, env) {
                    Some(d) => f.owner = Some((d, value.span)),
                    None => diags.push(field_error(
                        value.span,
                        "`owner` is provider, customer, shared or a declared party",
                    )),
                },
                "severity" => match word(value, WordClass::Severity) {
                    Some(w) => f.severity = Some(w),
                    None => diags.push(field_error(
                        value.span,
                        "`severity` is info, low, medium, high or critical",
                    )),
                },
                "enforce" => match word(value, WordClass::Enforcement) {
                    Some(w) => f.enforce = Some(w),
                    None => diags.push(field_error(
                        value.span,
                        "`enforce` is advisory, soft or hard",
                    )),
                },
                "team" | "title" => match &value.kind {
                    ExprKind::Str(s) if field == "team" => f.team = Some(s.clone()),
                    ExprKind::Str(s) => f.title = Some(s.clone()),
                    _ => diags.push(field_error(
                        value.span,
                        &format!("`{field}` takes a string"),
                    )),
                },
                _ => match &value.kind {
                    ExprKind::List(items) => {
                        for i in items {
                            match &i.kind {
                                ExprKind::Str(s) => f.refs.push((s.clone(), i.span)),
                                _ => diags
                                    .push(field_error(i.span, "`refs` takes a list of strings")),
                            }
                        }
                    }
                    _ => diags.push(field_error(value.span, "`refs` takes a list of strings")),
                },
            }
        }
        if !has_service {
            diags.push(
                Diagnostic::error(
                    "N011",
                    format!("control `{}` names no service", c.name.text),
                )
                .with_label(c.name.span, "which service is this control about?")
                .with_help("add `service = NAME` or `services = [A, B]`"),
            );
        }
        if !seen.contains(&"layer") {
            diags.push(
                Diagnostic::error("N011", format!("control `{}` names no layer", c.name.text))
                    .with_label(c.name.span, "which responsibility layer does it cover?")
                    .with_help("add `layer = NAME`, for example `layer = exposure`"),
            );
        }
        f
    }
}

impl ast::Expr {
    /// The identifier this expression is, if it is a bare name.
    fn kind_name(&self) -> Option<&str> {
        match &self.kind {
            ExprKind::Name(n) => Some(n),
            _ => None,
        }
    }
}

fn word(e: &ast::Expr, class: WordClass) -> Option<Word> {
    Word::parse(e.kind_name()?).filter(|w| w.class() == class)
}

/// An `owner = ...` claim: provider, customer, shared, or a declared party.
fn owner(e: &ast::Expr, env: &Env) -> Option<Decider> {
    let name = e.kind_name()?;
    match Word::parse(name) {
        Some(Word::None) => None,
        Some(w) => Decider::from_word(w),
        None => env.party(name).map(Decider::Party),
    }
}

fn field_error(span: Span, message: &str) -> Diagnostic {
    Diagnostic::error("T006", message.to_string()).with_label(span, "invalid value")
}

/// A constant string or list of strings (waiver keys, `fails on [...]`).
pub(super) fn string_list(
    e: &ast::Expr,
    env: &Env,
    diags: &mut Vec<Diagnostic>,
    what: &str,
) -> Option<Vec<String>> {
    let mut lw = Lowerer::new(env);
    let ir = lw.lower(e);
    diags.append(&mut lw.diags);
    let strings = match &ir.kind {
        IrKind::Const(v) if v.as_str().is_some() => v.as_str().map(|s| vec![s.to_string()]),
        IrKind::Const(v) => v.elements().and_then(|els| {
            els.map(|x| x.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
        }),
        _ => None,
    };
    if strings.is_none() {
        diags.push(field_error(
            e.span,
            &format!("{what} takes a string or a list of strings"),
        ));
    }
    strings
}

pub(super) fn waiver(
    item: &ast::Item,
    w: &ast::Waiver,
    env: &Env,
    program: &Program,
    now: Date,
    diags: &mut Vec<Diagnostic>,
) -> Option<Waiver> {
    let control = match env.symbols.get(&w.control.text) {
        Some(Symbol::Control(_)) => program.control(&w.control.text),
        Some(Symbol::Broken) => None,
        _ => {
            let d = Diagnostic::error("N012", format!("unknown control `{}`", w.control.text))
                .with_label(w.control.span, "no control has this name");
            diags.push(with_suggestion(
                d,
                &w.control.text,
                program.controls.iter().map(|c| c.id.as_str()),
            ));
            None
        }
    };
    let keys = match &w.keys {
        Some(e) => Some(string_list(e, env, diags, "`waive ... for`")?),
        None => None,
    };
    Some(Waiver {
        control: control?,
        keys,
        until: w.until.map(|(d, _)| d),
        by: w.by.as_ref().map(|s| s.value.clone()),
        because: w.because.as_ref().map(|s| s.value.clone()),
        expired: w.until.is_some_and(|(d, _)| d < now),
        span: item.span,
    })
}

pub(super) fn test(
    item: &ast::Item,
    t: &ast::Test,
    file: FileId,
    env: &Env,
    program: &Program,
    sources: &SourceMap,
    diags: &mut Vec<Diagnostic>,
) -> Test {
    let mut givens = Vec::new();
    let mut bound: Vec<(Option<&str>, Span)> = Vec::new();
    for g in &t.givens {
        let name = g.name.as_ref().map(|n| n.text.as_str());
        let span = g
            .name
            .as_ref()
            .map_or_else(|| given_span(&g.source), |n| n.span);
        if let Some((_, first)) = bound.iter().find(|(b, _)| *b == name) {
            let what = name.map_or("the unnamed facts".to_string(), |n| format!("`{n}`"));
            diags.push(
                Diagnostic::error("N002", format!("this test gives {what} twice"))
                    .with_label(span, "given again here")
                    .with_label(*first, "first given here")
                    .with_help(
                        "name each document: `given NAME = file \"…\"` reads it as `facts.NAME`",
                    ),
            );
            continue;
        }
        bound.push((name, span));
        let source = match &g.source {
            ast::Given::Inline(e) => {
                let mut lw = Lowerer::new(env);
                let ir = lw.lower(e);
                diags.append(&mut lw.diags);
                Given::Inline(ir, lw.max_slots)
            }
            ast::Given::File(path) => {
                let dir = sources
                    .get(file)
                    .dir()
                    .map(|d| d.to_path_buf())
                    .unwrap_or_default();
                Given::File(dir.join(&path.value), path.span)
            }
        };
        givens.push(GivenFacts {
            name: name.map(str::to_string),
            source,
        });
    }
    let mut expects = Vec::new();
    for x in &t.expects {
        let target = match &x.target {
            ast::ExpectTarget::Control(n) => match env.symbols.get(&n.text) {
                Some(Symbol::Control(_)) => program.control(&n.text).map(ExpectTarget::Control),
                Some(Symbol::Broken) => None,
                _ => {
                    let d = Diagnostic::error("N012", format!("unknown control `{}`", n.text))
                        .with_label(n.span, "no control has this name");
                    diags.push(with_suggestion(
                        d,
                        &n.text,
                        program.controls.iter().map(|c| c.id.as_str()),
                    ));
                    None
                }
            },
            ast::ExpectTarget::Assertion(s) => {
                match program.assertions.iter().position(|a| a.name == s.value) {
                    Some(i) => Some(ExpectTarget::Assertion(i)),
                    None => {
                        diags.push(
                            Diagnostic::error("N013", format!("unknown assertion \"{}\"", s.value))
                                .with_label(s.span, "no `assert` has this name"),
                        );
                        None
                    }
                }
            }
        };
        let expectation = match &x.expectation {
            AstExpectation::Passes => Some(Expectation::Passes),
            AstExpectation::Errors => Some(Expectation::Errors),
            AstExpectation::Fails(None) => Some(Expectation::Fails(None)),
            AstExpectation::Fails(Some(keys)) => {
                string_list(keys, env, diags, "`fails on`").map(|k| Expectation::Fails(Some(k)))
            }
            AstExpectation::Is(status) => {
                match Status::parse(&status.text) {
                    Some(s) => Some(Expectation::Is(s)),
                    None => {
                        diags.push(
                        Diagnostic::error("T006", format!("`{}` is not a status", status.text))
                            .with_label(status.span, "unknown status")
                            .with_help("statuses are pass, fail, error, waived, inherited and unverified"),
                    );
                        None
                    }
                }
            }
        };
        let is_assertion = matches!(target, Some(ExpectTarget::Assertion(_)));
        if is_assertion
            && !matches!(
                expectation,
                Some(Expectation::Passes | Expectation::Fails(None))
            )
        {
            diags.push(field_error(x.span, "an assertion either passes or fails"));
            continue;
        }
        if let (Some(target), Some(expectation)) = (target, expectation) {
            expects.push(Expect {
                target,
                expectation,
                span: x.span,
            });
        }
    }
    Test {
        name: t.name.value.clone(),
        givens,
        expects,
        span: item.span,
    }
}

fn given_span(source: &ast::Given) -> Span {
    match source {
        ast::Given::Inline(e) => e.span,
        ast::Given::File(path) => path.span,
    }
}
