//! Span-free comparison of syntax trees: two modules in, whether they say
//! the same thing. Formatting moves text, so every `Span` differs; what must
//! not differ is everything else. Used to verify each formatted file before
//! it is written, and by the tests.

use crate::ast::*;
use crate::source::Span;

/// Whether two modules are equal once every span is ignored.
pub fn same_tree(a: &Module, b: &Module) -> bool {
    let mut a = a.clone();
    let mut b = b.clone();
    erase_module(&mut a);
    erase_module(&mut b);
    a == b
}

/// Sets every span in the module to the default, so that trees parsed from
/// differently laid-out text compare equal when they mean the same.
pub fn erase_module(module: &mut Module) {
    for item in &mut module.items {
        item.span = Span::default();
        erase_item(&mut item.kind);
    }
}

fn erase_item(kind: &mut ItemKind) {
    match kind {
        ItemKind::Use(
            UseTarget::Std(span) | UseTarget::StdModule(_, span) | UseTarget::Path(_, span),
        ) => *span = Span::default(),
        ItemKind::Party(party) => {
            erase_name(&mut party.name);
            erase_name(&mut party.kind);
            party.accountable_to.iter_mut().for_each(erase_name);
        }
        ItemKind::Layer(layer) => erase_name(&mut layer.name),
        ItemKind::Model(model) => {
            erase_name(&mut model.name);
            model.extends.iter_mut().for_each(erase_name);
            model.entries.iter_mut().for_each(erase_assignment);
        }
        ItemKind::Service(service) => {
            erase_name(&mut service.name);
            service.model.iter_mut().for_each(erase_name);
            service.host.iter_mut().for_each(erase_name);
            for member in &mut service.members {
                match member {
                    ServiceMember::Attr(name, value) => {
                        erase_name(name);
                        erase_expr(value);
                    }
                    ServiceMember::Override(a) => erase_assignment(a),
                }
            }
        }
        ItemKind::Let(binding) => erase_let(binding),
        ItemKind::Fn(func) => {
            erase_name(&mut func.name);
            func.params.iter_mut().for_each(erase_name);
            erase_expr(&mut func.body);
        }
        ItemKind::Control(control) => erase_control(control),
        ItemKind::Assert(assertion) => {
            erase_str(&mut assertion.name);
            erase_expr(&mut assertion.cond);
        }
        ItemKind::Waive(waiver) => {
            erase_name(&mut waiver.control);
            waiver.keys.iter_mut().for_each(erase_expr);
            if let Some((_, span)) = &mut waiver.until {
                *span = Span::default();
            }
            waiver.by.iter_mut().for_each(erase_str);
            waiver.because.iter_mut().for_each(erase_str);
        }
        ItemKind::Test(test) => {
            erase_str(&mut test.name);
            for given in &mut test.givens {
                given.name.iter_mut().for_each(erase_name);
                match &mut given.source {
                    Given::Inline(value) => erase_expr(value),
                    Given::File(path) => erase_str(path),
                }
            }
            for expect in &mut test.expects {
                expect.span = Span::default();
                match &mut expect.target {
                    ExpectTarget::Control(name) => erase_name(name),
                    ExpectTarget::Assertion(name) => erase_str(name),
                }
                match &mut expect.expectation {
                    Expectation::Fails(Some(keys)) => erase_expr(keys),
                    Expectation::Is(status) => erase_name(status),
                    Expectation::Passes | Expectation::Fails(None) | Expectation::Errors => {}
                }
            }
        }
        ItemKind::Framework(framework) => {
            erase_name(&mut framework.name);
            match &mut framework.source {
                FrameworkSource::Catalog(path) => erase_str(path),
                FrameworkSource::Inline {
                    title,
                    requirements,
                } => {
                    erase_str(title);
                    for (id, text) in requirements {
                        erase_str(id);
                        erase_str(text);
                    }
                }
            }
        }
        ItemKind::Attest(attestation) => {
            erase_name(&mut attestation.control);
            attestation.keys.iter_mut().for_each(erase_expr);
            erase_str(&mut attestation.by);
            attestation.on.1 = Span::default();
            attestation.until.1 = Span::default();
            erase_str(&mut attestation.evidence);
            attestation.because.iter_mut().for_each(erase_str);
        }
        ItemKind::Broken(name) => name.iter_mut().for_each(erase_name),
    }
}

fn erase_control(control: &mut Control) {
    erase_name(&mut control.name);
    for (name, value) in &mut control.fields {
        erase_name(name);
        erase_expr(value);
    }
    if let Some(selection) = &mut control.selection {
        selection.span = Span::default();
        selection.vars.iter_mut().for_each(erase_name);
        erase_expr(&mut selection.source);
        selection.filter.iter_mut().for_each(erase_expr);
    }
    control.key.iter_mut().for_each(erase_expr);
    for evidence in &mut control.evidence {
        evidence.span = Span::default();
        erase_str(&mut evidence.uri);
        evidence.from.1 = Span::default();
        evidence.to.1 = Span::default();
    }
    for step in &mut control.steps {
        match step {
            Step::Let(binding) => erase_let(binding),
            Step::Require {
                cond,
                message,
                span,
            } => {
                *span = Span::default();
                erase_expr(cond);
                message.iter_mut().for_each(erase_expr);
            }
        }
    }
}

fn erase_name(name: &mut Name) {
    name.span = Span::default();
}

fn erase_str(s: &mut StrLit) {
    s.span = Span::default();
}

fn erase_assignment(a: &mut Assignment) {
    a.span = Span::default();
    erase_name(&mut a.layer);
    erase_name(&mut a.decider);
    a.operated_by.iter_mut().for_each(erase_name);
}

fn erase_let(binding: &mut Let) {
    erase_name(&mut binding.name);
    erase_expr(&mut binding.value);
}

/// Erases an expression's spans with an explicit stack: the tree may be as
/// deep as the parser allows.
fn erase_expr(root: &mut Expr) {
    let mut stack = vec![root];
    while let Some(e) = stack.pop() {
        e.span = Span::default();
        match &mut e.kind {
            ExprKind::Null
            | ExprKind::Bool(_)
            | ExprKind::Int(_)
            | ExprKind::Float(_)
            | ExprKind::Str(_)
            | ExprKind::Date(_)
            | ExprKind::Duration(..)
            | ExprKind::Name(_)
            | ExprKind::Error => {}
            ExprKind::Template(parts) => stack.extend(parts.iter_mut().filter_map(|p| match p {
                StrPart::Expr(e) => Some(e),
                StrPart::Text(_) => None,
            })),
            ExprKind::List(items) => stack.extend(items.iter_mut()),
            ExprKind::Object(entries) => {
                for (key, value) in entries {
                    match key {
                        ObjectKey::Name(name) => erase_name(name),
                        ObjectKey::Str(s) => erase_str(s),
                    }
                    stack.push(value);
                }
            }
            ExprKind::Field { base, name, .. } => {
                erase_name(name);
                stack.push(base);
            }
            ExprKind::Index { base, index, .. } => stack.extend([&mut **base, &mut **index]),
            ExprKind::Call { callee, args } => {
                erase_name(callee);
                stack.extend(args.iter_mut());
            }
            ExprKind::Unary(_, operand) | ExprKind::Paren(operand) => stack.push(operand),
            ExprKind::Binary(_, left, right) => stack.extend([&mut **left, &mut **right]),
            ExprKind::Quant {
                vars,
                source,
                filter,
                body,
                ..
            } => {
                vars.iter_mut().for_each(erase_name);
                stack.extend([&mut **source, &mut **body]);
                stack.extend(filter.as_deref_mut());
            }
            ExprKind::Comprehension {
                elem,
                vars,
                source,
                filter,
            } => {
                vars.iter_mut().for_each(erase_name);
                stack.extend([&mut **elem, &mut **source]);
                stack.extend(filter.as_deref_mut());
            }
            ExprKind::ObjectComprehension {
                key,
                value,
                vars,
                source,
                filter,
            } => {
                vars.iter_mut().for_each(erase_name);
                stack.extend([&mut **key, &mut **value, &mut **source]);
                stack.extend(filter.as_deref_mut());
            }
            ExprKind::Slice { base, from, to } => {
                stack.push(base);
                stack.extend(from.as_deref_mut());
                stack.extend(to.as_deref_mut());
            }
            ExprKind::With { name, value, body } => {
                erase_name(name);
                stack.extend([&mut **value, &mut **body]);
            }
            ExprKind::If {
                cond,
                then,
                otherwise,
            } => stack.extend([&mut **cond, &mut **then, &mut **otherwise]),
        }
    }
}
