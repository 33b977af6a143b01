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
}

/// One line of a test body, in source order.
enum TestPart<'a> {
    Given(&'a Given),
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
                self.body(
                    header_end,
                    close,
                    &model.entries,
                    |a| end(a.span),
                    |p, a, _| p.assignment(a),
                );
            }
            ItemKind::Service(service) => {
                self.word_at(keyword, "service");
                self.space();
                self.name(&service.name);
                self.token_after(end(service.name.span), ":");
                self.space();
                self.name(&service.model);
                self.body(
                    end(service.model.span),
                    close,
                    &service.members,
                    member_end,
                    |p, m, _| match m {
                        ServiceMember::Attr(name, value) => p.setting(name, value),
                        ServiceMember::Override(a) => p.assignment(a),
                    },
                );
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
            ItemKind::Test(test) => self.test(keyword, close, test),
            // Never reached for a file that parsed; kept verbatim all the same.
            ItemKind::Broken(_) => {
                let text = self.src().get(keyword..end(item.span)).unwrap_or("");
                self.word_at(keyword, text.trim_end());
            }
        }
    }

    /// A `{ }` body after `header_end`, closed by the `}` at `close`: each
    /// part on its own line, `{}` when there is nothing inside. `print`
    /// gets the part and the position of its first token.
    fn body<T>(
        &mut self,
        header_end: usize,
        close: usize,
        parts: &[T],
        end_of: impl Fn(&T) -> usize,
        print: impl Fn(&mut Self, &T, usize),
    ) {
        self.space();
        let open = self.next_token(header_end);
        if parts.is_empty() && !self.has_comment_in(open, close) {
            self.word_at(open, "{");
            self.word_at(close, "}");
            return;
        }
        self.open_block(open, "{");
        let mut previous_end = open + 1;
        for part in parts {
            let start = self.next_token(previous_end);
            self.element(start);
            print(self, part, start);
            previous_end = end_of(part);
        }
        self.close_block(close, "}");
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

    /// `name = value`, in a service or a control.
    fn setting(&mut self, name: &Name, value: &Expr) {
        self.name(name);
        self.space();
        let after = self.token_after(end(name.span), "=");
        self.soft_break(after, value.span.start as usize);
        self.expr(value);
    }

    fn let_binding(&mut self, keyword: usize, binding: &Let) {
        self.word_at(keyword, "let");
        self.space();
        self.setting(&binding.name, &binding.value);
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
        let parts: Vec<ControlPart<'_>> = control
            .fields
            .iter()
            .map(|(name, value)| ControlPart::Field(name, value))
            .chain(control.selection.iter().map(ControlPart::Selection))
            .chain(control.key.iter().map(ControlPart::Key))
            .chain(control.steps.iter().map(ControlPart::Step))
            .collect();
        self.body(
            end(control.name.span),
            close,
            &parts,
            control_part_end,
            |p, part, start| {
                p.control_part(part, start);
            },
        );
    }

    fn control_part(&mut self, part: &ControlPart<'_>, start: usize) {
        match part {
            ControlPart::Field(name, value) => self.setting(name, value),
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
                    self.expr(filter);
                }
            }
            ControlPart::Key(key) => {
                self.word_at(start, "key");
                self.space();
                self.expr(key);
            }
            ControlPart::Step(Step::Let(binding)) => self.let_binding(start, binding),
            ControlPart::Step(Step::Require { cond, message, .. }) => {
                self.word_at(start, "require");
                self.space();
                self.expr(cond);
                if let Some(message) = message {
                    self.clause(end(cond.span), message.span.start as usize, "else");
                    self.space();
                    self.expr(message);
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
            self.expr(keys);
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

    fn test(&mut self, keyword: usize, close: usize, test: &Test) {
        self.word_at(keyword, "test");
        self.space();
        self.word_at(test.name.span.start as usize, &quote(&test.name.value));
        let parts: Vec<TestPart<'_>> = test
            .given
            .iter()
            .map(TestPart::Given)
            .chain(test.expects.iter().map(TestPart::Expect))
            .collect();
        self.body(
            end(test.name.span),
            close,
            &parts,
            test_part_end,
            |p, part, start| match part {
                TestPart::Given(given) => p.given(given, start),
                TestPart::Expect(expect) => p.expectation(expect, start),
            },
        );
    }

    fn given(&mut self, given: &Given, start: usize) {
        self.word_at(start, "given");
        self.space();
        match given {
            Given::Inline(value) => self.expr(value),
            Given::File(path) => {
                self.token_after(start + "given".len(), "file");
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

fn member_end(member: &ServiceMember) -> usize {
    match member {
        ServiceMember::Attr(_, value) => end(value.span),
        ServiceMember::Override(a) => end(a.span),
    }
}

fn control_part_end(part: &ControlPart<'_>) -> usize {
    match part {
        ControlPart::Field(_, value) | ControlPart::Key(value) => end(value.span),
        ControlPart::Selection(selection) => end(selection.span),
        ControlPart::Step(Step::Let(binding)) => end(binding.value.span),
        ControlPart::Step(Step::Require { span, .. }) => end(*span),
    }
}

fn test_part_end(part: &TestPart<'_>) -> usize {
    match part {
        TestPart::Given(Given::Inline(value)) => end(value.span),
        TestPart::Given(Given::File(path)) => end(path.span),
        TestPart::Expect(expect) => end(expect.span),
    }
}
