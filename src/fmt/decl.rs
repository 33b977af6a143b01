//! Declaration layout: a `Module` in, every declaration written to the
//! printer with one field, entry, step or expectation per line in `{ }`
//! bodies. Keywords the tree does not span are located in the source as the
//! next token after the node before them.

use super::expr::quote;
use super::printer::Printer;
use crate::ast::*;

/// One line of a control body, in source order.
enum ControlPart<'a> {
    Field(&'a Name, &'a Expr),
    Selection(&'a Selection),
    Key(&'a Expr),
    Step(&'a Step),
    Evidence(&'a Evidence),
}

impl ControlPart<'_> {
    /// Where the part starts in the source (evidence lines sit among the
    /// fields, so parts are printed in source order).
    fn start(&self) -> u32 {
        match self {
            ControlPart::Field(name, _) => name.span.start,
            ControlPart::Selection(selection) => selection.span.start,
            ControlPart::Key(key) => key.span.start,
            ControlPart::Step(Step::Let(binding)) => binding.name.span.start,
            ControlPart::Step(Step::Require { span, .. }) => span.start,
            ControlPart::Evidence(evidence) => evidence.span.start,
        }
    }
}

/// One line of a test body, in source order.
enum TestPart<'a> {
    Given(&'a GivenFacts),
    Expect(&'a Expect),
}

fn end(span: crate::source::Span) -> usize {
    span.end as usize
}

impl Printer<'_> {
    pub(super) fn module(&mut self, module: &Module) {
        for item in &module.items {
            // Past the doc comments, which the printer writes as comments.
            let keyword = self.next_token(item.span.start as usize);
            self.element(keyword);
            self.item(item, keyword);
        }
    }

    fn item(&mut self, item: &Item, keyword: usize) {
        let close = end(item.span).saturating_sub(1);
        match &item.kind {
            ItemKind::Use(target) => {
                self.word_at(keyword, "use");
                self.space();
                match target {
                    UseTarget::Std(span) => self.word_at(span.start as usize, "std"),
                    UseTarget::StdModule(module, span) => {
                        self.word_at(span.start as usize, &format!("std.{module}"))
                    }
                    UseTarget::Path(path, span) => self.word_at(span.start as usize, &quote(path)),
                }
            }
            ItemKind::Party(party) => {
                self.word_at(keyword, "party");
                self.space();
                self.name(&party.name);
                self.token_after(end(party.name.span), ":");
                self.space();
                self.name(&party.kind);
                if let Some(accountable) = &party.accountable_to {
                    self.space();
                    self.token_after(end(party.kind.span), "accountable_to");
                    self.space();
                    self.name(accountable);
                }
            }
            ItemKind::Layer(layer) => {
                self.word_at(keyword, "layer");
                self.space();
                self.name(&layer.name);
                if let Some(description) = &layer.description {
                    self.space();
                    let at = self.next_token(end(layer.name.span));
                    self.word_at(at, &quote(description));
                }
            }
            ItemKind::Model(model) => {
                self.word_at(keyword, "model");
                self.space();
                self.name(&model.name);
                let mut header_end = end(model.name.span);
                if let Some(parent) = &model.extends {
                    self.space();
                    self.token_after(header_end, "extends");
                    self.space();
                    self.name(parent);
                    header_end = end(parent.span);
                }
                self.body(header_end, close, &model.entries, |p, a, _| {
                    p.assignment(a);
                });
            }
            ItemKind::Service(service) => {
                self.word_at(keyword, "service");
                self.space();
                self.name(&service.name);
                let mut header_end = end(service.name.span);
                if let Some(model) = &service.model {
                    self.token_after(header_end, ":");
                    self.space();
                    self.name(model);
                    header_end = end(model.span);
                }
                if let Some(host) = &service.host {
                    self.space();
                    self.token_after(header_end, "on");
                    self.space();
                    self.name(host);
                    header_end = end(host.span);
                }
                self.body(header_end, close, &service.members, |p, m, slot| match m {
                    ServiceMember::Attr(name, value) => p.setting(name, value, slot.name_width),
                    ServiceMember::Override(a) => p.assignment(a),
                });
            }
            ItemKind::Let(binding) => self.let_binding(keyword, binding),
            ItemKind::Fn(func) => self.func(keyword, func),
            ItemKind::Control(control) => self.control(keyword, close, control),
            ItemKind::Assert(assertion) => {
                self.word_at(keyword, "assert");
                self.space();
                self.word_at(
                    assertion.name.span.start as usize,
                    &quote(&assertion.name.value),
                );
                let colon = self.token_after(end(assertion.name.span), ":");
                self.soft_break(colon, assertion.cond.span.start as usize);
                self.expr(&assertion.cond);
            }
            ItemKind::Waive(waiver) => self.waiver(keyword, waiver),
            ItemKind::Attest(attestation) => self.attestation(keyword, attestation),
            ItemKind::Framework(framework) => self.framework(keyword, close, framework),
            ItemKind::Test(test) => self.test(keyword, close, test),
            // Never reached for a file that parsed; kept verbatim all the same.
            ItemKind::Broken(_) => {
                let text = self.src().get(keyword..end(item.span)).unwrap_or("");
                self.word_at(keyword, text.trim_end());
            }
        }
    }

    /// A `{ }` body after `header_end`, closed by the `}` at `close`: each
    /// part on its own line, `{}` when there is nothing inside.
    fn body<T: BodyPart>(
        &mut self,
        header_end: usize,
        close: usize,
        parts: &[T],
        print: impl Fn(&mut Self, &T, Slot),
    ) {
        self.space();
        let open = self.next_token(header_end);
        if parts.is_empty() && !self.has_comment_in(open, close) {
            self.word_at(open, "{");
            self.word_at(close, "}");
            return;
        }
        let slots = self.slots(open + 1, parts);
        self.open_block(open, "{");
        for (part, slot) in parts.iter().zip(slots) {
            self.element(slot.start);
            print(self, part, slot);
        }
        self.close_block(close, "}");
    }

    /// Where each part starts, and how wide the names of the settings are
    /// in each run of settings that no blank line or other part divides.
    fn slots<T: BodyPart>(&self, body_start: usize, parts: &[T]) -> Vec<Slot> {
        let mut slots = Vec::with_capacity(parts.len());
        let mut previous_end = body_start;
        let mut run_start = 0;
        for (i, part) in parts.iter().enumerate() {
            let start = self.next_token(previous_end);
            let continues_run = i > 0
                && parts[i - 1].setting_name().is_some()
                && !self.blank_line_between(previous_end, start);
            if !continues_run {
                align_names(&parts[run_start..i], &mut slots[run_start..i]);
                run_start = i;
            }
            slots.push(Slot {
                start,
                name_width: 0,
            });
            previous_end = part.end();
        }
        align_names(&parts[run_start..], &mut slots[run_start..]);
        slots
    }

    /// `layer: decider [operated_by party]`
    fn assignment(&mut self, a: &Assignment) {
        self.name(&a.layer);
        self.token_after(end(a.layer.span), ":");
        self.space();
        self.name(&a.decider);
        if let Some(operator) = &a.operated_by {
            self.space();
            self.token_after(end(a.decider.span), "operated_by");
            self.space();
            self.name(operator);
        }
    }

    /// `name = value`, in a service or a control, with the name padded to
    /// `name_width` so that the `=` line up.
    fn setting(&mut self, name: &Name, value: &Expr, name_width: usize) {
        self.name(name);
        let padding = name_width.saturating_sub(name.text.chars().count());
        if padding > 0 {
            self.word(&" ".repeat(padding));
        }
        self.space();
        let after = self.token_after(end(name.span), "=");
        self.soft_break(after, value.span.start as usize);
        self.expr(value);
    }

    fn let_binding(&mut self, keyword: usize, binding: &Let) {
        self.word_at(keyword, "let");
        self.space();
        self.setting(&binding.name, &binding.value, 0);
    }

    fn func(&mut self, keyword: usize, func: &Func) {
        self.word_at(keyword, "fn");
        self.space();
        self.name(&func.name);
        let mut last = self.token_after(end(func.name.span), "(");
        for (i, param) in func.params.iter().enumerate() {
            if i > 0 {
                self.word(",");
                self.space();
            }
            self.name(param);
            last = end(param.span);
        }
        let close = self.token_after(last, ")");
        self.space();
        let after = self.token_after(close, "=");
        self.soft_break(after, func.body.span.start as usize);
        self.expr(&func.body);
    }

    fn control(&mut self, keyword: usize, close: usize, control: &Control) {
        self.word_at(keyword, "control");
        self.space();
        self.name(&control.name);
        let mut parts: Vec<ControlPart<'_>> = control
            .fields
            .iter()
            .map(|(name, value)| ControlPart::Field(name, value))
            .chain(control.evidence.iter().map(ControlPart::Evidence))
            .chain(control.selection.iter().map(ControlPart::Selection))
            .chain(control.key.iter().map(ControlPart::Key))
            .chain(control.steps.iter().map(ControlPart::Step))
            .collect();
        parts.sort_by_key(ControlPart::start);
        self.body(end(control.name.span), close, &parts, |p, part, slot| {
            p.control_part(part, slot);
        });
    }

    fn control_part(&mut self, part: &ControlPart<'_>, Slot { start, name_width }: Slot) {
        match part {
            ControlPart::Field(name, value) => self.setting(name, value, name_width),
            ControlPart::Selection(selection) => {
                self.word_at(start, "for");
                self.binding(&selection.vars, &selection.source);
                if let Some(filter) = &selection.filter {
                    self.clause(
                        end(selection.source.span),
                        filter.span.start as usize,
                        "where",
                    );
                    self.space();
                    self.clause_expr(filter);
                }
            }
            ControlPart::Key(key) => {
                self.word_at(start, "key");
                self.space();
                self.expr(key);
            }
            ControlPart::Step(Step::Let(binding)) => self.let_binding(start, binding),
            ControlPart::Evidence(evidence) => {
                self.word_at(start, "evidence");
                self.space();
                self.word_at(
                    evidence.uri.span.start as usize,
                    &quote(&evidence.uri.value),
                );
                self.space();
                self.token_after(end(evidence.uri.span), "period");
                self.space();
                let (from, from_span) = evidence.from;
                let (to, to_span) = evidence.to;
                self.word_at(from_span.start as usize, &from.to_string());
                self.word("..");
                self.word_at(to_span.start as usize, &to.to_string());
            }
            ControlPart::Step(Step::Require { cond, message, .. }) => {
                self.word_at(start, "require");
                self.space();
                // Two levels below `require`, so that a continued condition
                // stands apart from the `else` one level below.
                self.construct(2, |p| p.expr(cond));
                if let Some(message) = message {
                    self.clause(end(cond.span), message.span.start as usize, "else");
                    self.space();
                    self.clause_expr(message);
                }
            }
        }
    }

    fn waiver(&mut self, keyword: usize, waiver: &Waiver) {
        self.word_at(keyword, "waive");
        self.space();
        self.name(&waiver.control);
        let mut last = end(waiver.control.span);
        if let Some(keys) = &waiver.keys {
            self.clause(last, keys.span.start as usize, "for");
            self.space();
            self.clause_expr(keys);
            last = end(keys.span);
        }
        if let Some((date, span)) = &waiver.until {
            self.clause(last, span.start as usize, "until");
            self.space();
            self.word_at(span.start as usize, &date.to_string());
            last = end(*span);
        }
        for (keyword, text) in [("by", &waiver.by), ("because", &waiver.because)] {
            if let Some(text) = text {
                self.clause(last, text.span.start as usize, keyword);
                self.space();
                self.word_at(text.span.start as usize, &quote(&text.value));
                last = end(text.span);
            }
        }
    }

    fn attestation(&mut self, keyword: usize, a: &Attestation) {
        self.word_at(keyword, "attest");
        self.space();
        self.name(&a.control);
        let mut last = end(a.control.span);
        if let Some(keys) = &a.keys {
            self.clause(last, keys.span.start as usize, "for");
            self.space();
            self.clause_expr(keys);
            last = end(keys.span);
        }
        self.clause(last, a.by.span.start as usize, "by");
        self.space();
        self.word_at(a.by.span.start as usize, &quote(&a.by.value));
        last = end(a.by.span);
        for (keyword, (date, span)) in [("on", &a.on), ("until", &a.until)] {
            self.clause(last, span.start as usize, keyword);
            self.space();
            self.word_at(span.start as usize, &date.to_string());
            last = end(*span);
        }
        let texts = [
            ("evidence", Some(&a.evidence)),
            ("because", a.because.as_ref()),
        ];
        for (keyword, text) in texts {
            if let Some(text) = text {
                self.clause(last, text.span.start as usize, keyword);
                self.space();
                self.word_at(text.span.start as usize, &quote(&text.value));
                last = end(text.span);
            }
        }
    }

    fn framework(&mut self, keyword: usize, close: usize, framework: &FrameworkDecl) {
        self.word_at(keyword, "framework");
        self.space();
        self.name(&framework.name);
        match &framework.source {
            FrameworkSource::Catalog(path) => {
                self.space();
                self.token_after(end(framework.name.span), "from");
                self.space();
                self.word_at(path.span.start as usize, &quote(&path.value));
            }
            FrameworkSource::Inline {
                title,
                requirements,
            } => {
                self.space();
                self.word_at(title.span.start as usize, &quote(&title.value));
                self.body(end(title.span), close, requirements, |p, (id, text), _| {
                    p.word_at(id.span.start as usize, &quote(&id.value));
                    p.token_after(end(id.span), ":");
                    p.space();
                    p.word_at(text.span.start as usize, &quote(&text.value));
                    p.word(",");
                });
            }
        }
    }

    fn test(&mut self, keyword: usize, close: usize, test: &Test) {
        self.word_at(keyword, "test");
        self.space();
        self.word_at(test.name.span.start as usize, &quote(&test.name.value));
        let parts: Vec<TestPart<'_>> = test
            .givens
            .iter()
            .map(TestPart::Given)
            .chain(test.expects.iter().map(TestPart::Expect))
            .collect();
        self.body(
            end(test.name.span),
            close,
            &parts,
            |p, part, slot| match part {
                TestPart::Given(given) => p.given(given, slot.start),
                TestPart::Expect(expect) => p.expectation(expect, slot.start),
            },
        );
    }

    fn given(&mut self, given: &GivenFacts, start: usize) {
        self.word_at(start, "given");
        self.space();
        let mut after = start + "given".len();
        if let Some(name) = &given.name {
            self.name(name);
            self.space();
            after = self.token_after(end(name.span), "=");
            self.space();
        }
        match &given.source {
            Given::Inline(value) => self.expr(value),
            Given::File(path) => {
                self.token_after(after, "file");
                self.space();
                self.word_at(path.span.start as usize, &quote(&path.value));
            }
        }
    }

    fn expectation(&mut self, expect: &Expect, start: usize) {
        self.word_at(start, "expect");
        self.space();
        let target_end = match &expect.target {
            ExpectTarget::Control(name) => {
                self.name(name);
                end(name.span)
            }
            ExpectTarget::Assertion(name) => {
                self.token_after(start + "expect".len(), "assertion");
                self.space();
                self.word_at(name.span.start as usize, &quote(&name.value));
                end(name.span)
            }
        };
        self.space();
        match &expect.expectation {
            Expectation::Passes => {
                self.token_after(target_end, "passes");
            }
            Expectation::Errors => {
                self.token_after(target_end, "errors");
            }
            Expectation::Fails(keys) => {
                let after = self.token_after(target_end, "fails");
                if let Some(keys) = keys {
                    self.space();
                    self.token_after(after, "on");
                    self.space();
                    self.expr(keys);
                }
            }
            Expectation::Is(status) => {
                self.token_after(target_end, "is");
                self.space();
                self.name(status);
            }
        }
    }
}

/// Where a part of a body starts, and the width its setting name is padded to.
#[derive(Clone, Copy)]
struct Slot {
    start: usize,
    name_width: usize,
}

/// One line of a `{ }` body.
trait BodyPart {
    /// Where the part ends in the source.
    fn end(&self) -> usize;
    /// The name of a `name = value` setting.
    fn setting_name(&self) -> Option<&Name> {
        None
    }
}

/// Pads the names of a run of settings to the longest among them.
fn align_names<T: BodyPart>(parts: &[T], slots: &mut [Slot]) {
    let width = parts
        .iter()
        .filter_map(|p| p.setting_name())
        .map(|n| n.text.chars().count())
        .max()
        .unwrap_or(0);
    for (part, slot) in parts.iter().zip(slots) {
        if part.setting_name().is_some() {
            slot.name_width = width;
        }
    }
}

impl BodyPart for Assignment {
    fn end(&self) -> usize {
        end(self.span)
    }
}

impl BodyPart for ServiceMember {
    fn end(&self) -> usize {
        match self {
            ServiceMember::Attr(_, value) => end(value.span),
            ServiceMember::Override(a) => end(a.span),
        }
    }

    fn setting_name(&self) -> Option<&Name> {
        match self {
            ServiceMember::Attr(name, _) => Some(name),
            ServiceMember::Override(_) => None,
        }
    }
}

/// A requirement of an inline framework: `"ID": "text"`.
impl BodyPart for (StrLit, StrLit) {
    fn end(&self) -> usize {
        end(self.1.span)
    }
}

impl BodyPart for ControlPart<'_> {
    fn end(&self) -> usize {
        match self {
            ControlPart::Field(_, value) | ControlPart::Key(value) => end(value.span),
            ControlPart::Evidence(evidence) => end(evidence.span),
            ControlPart::Selection(selection) => end(selection.span),
            ControlPart::Step(Step::Let(binding)) => end(binding.value.span),
            ControlPart::Step(Step::Require { span, .. }) => end(*span),
        }
    }

    fn setting_name(&self) -> Option<&Name> {
        match self {
            ControlPart::Field(name, _) => Some(name),
            _ => None,
        }
    }
}

impl BodyPart for TestPart<'_> {
    fn end(&self) -> usize {
        match self {
            TestPart::Given(given) => match &given.source {
                Given::Inline(value) => end(value.span),
                Given::File(path) => end(path.span),
            },
            TestPart::Expect(expect) => end(expect.span),
        }
    }
}
