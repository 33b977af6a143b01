//! Expression layout: an `Expr` in, its canonical text written to the
//! printer. The tokens are the source's tokens in the source's order (only
//! whitespace, trailing commas and string escapes change), so the text
//! parses back to the same tree.

use super::printer::Printer;
use crate::ast::{Expr, ExprKind, Name, ObjectKey, StrPart, UnaryOp};
use std::fmt::Write;

impl Printer<'_> {
    pub(super) fn expr(&mut self, e: &Expr) {
        let start = e.span.start as usize;
        let end = e.span.end as usize;
        match &e.kind {
            ExprKind::Null => self.word_at(start, "null"),
            ExprKind::Bool(b) => self.word_at(start, if *b { "true" } else { "false" }),
            ExprKind::Int(n) => self.word_at(start, &n.to_string()),
            ExprKind::Float(x) => {
                let text = float_text(self.src().get(start..end).unwrap_or(""), *x);
                self.word_at(start, &text);
            }
            ExprKind::Str(s) => self.word_at(start, &quote(s)),
            ExprKind::Template(parts) => self.template(start, parts),
            ExprKind::Date(d) => self.word_at(start, &d.to_string()),
            ExprKind::Duration(_, text) | ExprKind::Name(text) => self.word_at(start, text),
            ExprKind::List(items) => {
                self.bracketed(start, end, ("[", "]"), false, items, |p, item| {
                    p.expr(item);
                })
            }
            ExprKind::Object(entries) => {
                self.bracketed(start, end, ("{", "}"), true, entries, |p, (key, value)| {
                    p.object_entry(key, value);
                });
            }
            ExprKind::Field {
                base,
                name,
                optional,
            } => {
                self.expr(base);
                self.token_after(base.span.end as usize, ".");
                self.name(name);
                if *optional {
                    // At its position: a comment before the `?` must not
                    // move past it, where it might document a declaration.
                    self.token_after(name.span.end as usize, "?");
                }
            }
            ExprKind::Index {
                base,
                index,
                optional,
            } => {
                self.expr(base);
                self.token_after(base.span.end as usize, "[");
                self.nested(|p| p.expr(index));
                let after = self.token_after(index.span.end as usize, "]");
                if *optional {
                    self.token_after(after, "?");
                }
            }
            ExprKind::Call { callee, args } => {
                self.name(callee);
                let open = self.next_token(callee.span.end as usize);
                self.bracketed(open, end, ("(", ")"), false, args, Self::expr);
            }
            ExprKind::Unary(UnaryOp::Not, operand) => {
                self.word_at(start, "not");
                self.space();
                self.expr(operand);
            }
            ExprKind::Unary(UnaryOp::Neg, operand) => {
                self.word_at(start, "-");
                self.expr(operand);
            }
            ExprKind::Binary(op, left, right) => {
                self.expr(left);
                self.clause(
                    left.span.end as usize,
                    right.span.start as usize,
                    op.symbol(),
                );
                self.space();
                self.clause_expr(right);
            }
            ExprKind::Quant {
                kind,
                vars,
                source,
                filter,
                body,
            } => {
                // The body hangs below the line the quantifier began on.
                self.nested(|p| {
                    p.word_at(start, kind.keyword());
                    p.binding(vars, source);
                    let mut last = source.span.end as usize;
                    if let Some(filter) = filter {
                        p.clause(last, filter.span.start as usize, "where");
                        p.space();
                        p.clause_expr(filter);
                        last = filter.span.end as usize;
                    }
                    let colon = p.token_after(last, ":");
                    p.soft_break(colon, body.span.start as usize);
                    p.clause_expr(body);
                });
            }
            ExprKind::Comprehension {
                elem,
                vars,
                source,
                filter,
            } => {
                self.word_at(start, "[");
                self.nested(|p| {
                    p.expr(elem);
                    p.clause(elem.span.end as usize, source.span.start as usize, "for");
                    p.binding(vars, source);
                    if let Some(filter) = filter {
                        p.clause(source.span.end as usize, filter.span.start as usize, "if");
                        p.space();
                        p.clause_expr(filter);
                    }
                });
                self.word_at(end.saturating_sub(1), "]");
            }
            ExprKind::ObjectComprehension {
                key,
                value,
                vars,
                source,
                filter,
            } => {
                self.word_at(start, "{");
                self.space();
                self.nested(|p| {
                    p.expr(key);
                    p.token_after(key.span.end as usize, ":");
                    p.space();
                    p.expr(value);
                    p.clause(value.span.end as usize, source.span.start as usize, "for");
                    p.binding(vars, source);
                    if let Some(filter) = filter {
                        p.clause(source.span.end as usize, filter.span.start as usize, "if");
                        p.space();
                        p.clause_expr(filter);
                    }
                });
                self.space();
                self.word_at(end.saturating_sub(1), "}");
            }
            ExprKind::Slice { base, from, to } => {
                self.expr(base);
                let mut last = self.token_after(base.span.end as usize, "[");
                self.nested(|p| {
                    if let Some(from) = from {
                        p.expr(from);
                        last = from.span.end as usize;
                    }
                    last = p.token_after(last, ":");
                    if let Some(to) = to {
                        p.expr(to);
                        last = to.span.end as usize;
                    }
                });
                self.token_after(last, "]");
            }
            ExprKind::With { name, value, body } => {
                // The body hangs below the line the binding began on, like
                // a quantifier's.
                self.nested(|p| {
                    p.word_at(start, "with");
                    p.space();
                    p.name(name);
                    p.space();
                    p.token_after(name.span.end as usize, "=");
                    p.space();
                    p.clause_expr(value);
                    let colon = p.token_after(value.span.end as usize, ":");
                    p.soft_break(colon, body.span.start as usize);
                    p.clause_expr(body);
                });
            }
            ExprKind::If { .. } => {
                // An `if` that begins its line has its `then` and `else`
                // lines aligned with it; elsewhere they hang below.
                let offset = usize::from(!self.starts_line());
                self.construct(offset, |p| p.if_chain(e));
            }
            ExprKind::Paren(inner) => {
                self.word_at(start, "(");
                self.nested(|p| p.expr(inner));
                self.word_at(end.saturating_sub(1), ")");
            }
            // Never reached for a file that parsed; kept verbatim all the same.
            ExprKind::Error => {
                let text = self.src().get(start..end).unwrap_or("");
                self.word_at(start, text);
            }
        }
    }

    /// `if c then a else b`, with an `else if` chain written at one level.
    fn if_chain(&mut self, e: &Expr) {
        let mut e = e;
        while let ExprKind::If {
            cond,
            then,
            otherwise,
        } = &e.kind
        {
            self.word_at(e.span.start as usize, "if");
            self.space();
            self.clause_expr(cond);
            self.clause(cond.span.end as usize, then.span.start as usize, "then");
            self.space();
            self.clause_expr(then);
            self.clause(
                then.span.end as usize,
                otherwise.span.start as usize,
                "else",
            );
            self.space();
            if !matches!(otherwise.kind, ExprKind::If { .. }) {
                self.clause_expr(otherwise);
            }
            e = otherwise;
        }
    }

    /// The expression after an operator or a clause keyword: where it
    /// breaks, its lines hang one level deeper than the clause, so that
    /// `where a` then `and b` shows what belongs to the `where`.
    pub(super) fn clause_expr(&mut self, e: &Expr) {
        self.nested(|p| p.expr(e));
    }

    pub(super) fn name(&mut self, name: &Name) {
        self.word_at(name.span.start as usize, &name.text);
    }

    /// The keyword between `after` and `next`, starting a hanging line
    /// when the source broke the line anywhere in that gap. Comments in the
    /// gap go before the keyword, so a comment after `and` ends the line.
    pub(super) fn clause(&mut self, after: usize, next: usize, keyword: &str) {
        self.soft_break(after, next);
        self.word_at(next, keyword);
    }

    /// ` x in source` or ` k, v in source`.
    pub(super) fn binding(&mut self, vars: &[Name], source: &Expr) {
        for (i, var) in vars.iter().enumerate() {
            if i > 0 {
                self.word(",");
            }
            self.space();
            self.name(var);
        }
        let after = vars
            .last()
            .map_or(source.span.start as usize, |v| v.span.end as usize);
        self.space();
        self.token_after(after, "in");
        self.space();
        self.expr(source);
    }

    fn object_entry(&mut self, key: &ObjectKey, value: &Expr) {
        let key_end = match key {
            ObjectKey::Name(name) => {
                self.name(name);
                name.span.end
            }
            ObjectKey::Str(s) => {
                self.word_at(s.span.start as usize, &quote(&s.value));
                s.span.end
            }
        };
        self.token_after(key_end as usize, ":");
        self.space();
        self.expr(value);
    }

    /// A bracketed, comma-separated sequence from `open` to the closing
    /// bracket that ends at `end`. One entry per line, each with a trailing
    /// comma, when the source broke the line right after the opening bracket
    /// or has a comment inside; otherwise all on one line.
    fn bracketed<T: Spanned>(
        &mut self,
        open: usize,
        end: usize,
        (opening, closing): (&str, &str),
        padded: bool,
        items: &[T],
        print: impl Fn(&mut Self, &T),
    ) {
        let close = end.saturating_sub(1);
        let after_open = open + opening.len();
        let one_per_line = !self.in_interpolation()
            && (self.breaks_between(after_open, self.next_token(after_open))
                || self.has_comment_in(open, close));
        if one_per_line {
            self.open_block(open, opening);
            for item in items {
                self.element(item.start());
                print(self, item);
                self.word(",");
            }
            self.close_block(close, closing);
            return;
        }
        self.word_at(open, opening);
        self.nested(|p| {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    p.word(",");
                    p.space();
                } else if padded {
                    p.space();
                }
                print(p, item);
            }
        });
        if padded && !items.is_empty() {
            self.space();
        }
        self.word_at(close, closing);
    }

    fn template(&mut self, start: usize, parts: &[StrPart]) {
        let mut text = String::from("\"");
        let mut first = true;
        for part in parts {
            match part {
                StrPart::Text(t) => escape_into(t, &mut text),
                StrPart::Expr(e) => {
                    text.push('{');
                    // `{{` would read as a literal brace.
                    if starts_with_brace(e) {
                        text.push(' ');
                    }
                    if first {
                        self.word_at(start, &text);
                        first = false;
                    } else {
                        self.word(&text);
                    }
                    text.clear();
                    let close = self.next_token(e.span.end as usize);
                    self.interpolation(close, |p| p.expr(e));
                    text.push('}');
                }
            }
        }
        text.push('"');
        if first {
            self.word_at(start, &text);
        } else {
            self.word(&text);
        }
    }
}

/// Things with a source position, for one-per-line layout.
trait Spanned {
    fn start(&self) -> usize;
}

impl Spanned for Expr {
    fn start(&self) -> usize {
        self.span.start as usize
    }
}

impl Spanned for (ObjectKey, Expr) {
    fn start(&self) -> usize {
        match &self.0 {
            ObjectKey::Name(n) => n.span.start as usize,
            ObjectKey::Str(s) => s.span.start as usize,
        }
    }
}

/// Whether the expression's text begins with `{` (an object literal).
fn starts_with_brace(e: &Expr) -> bool {
    let mut e = e;
    loop {
        match &e.kind {
            ExprKind::Object(_) | ExprKind::ObjectComprehension { .. } => return true,
            ExprKind::Field { base, .. }
            | ExprKind::Index { base, .. }
            | ExprKind::Slice { base, .. }
            | ExprKind::Binary(_, base, _) => e = base,
            _ => return false,
        }
    }
}

/// A decimal as written when the text is one (`0.50` stays `0.50`),
/// otherwise the shortest text that reads back as the same number.
fn float_text(written: &str, value: f64) -> String {
    let well_formed = written
        .split_once('.')
        .is_some_and(|(whole, frac)| is_digits(whole) && is_digits(frac));
    if well_formed && written.parse::<f64>() == Ok(value) {
        return written.to_string();
    }
    let text = value.to_string();
    if text.contains('.') {
        text
    } else {
        format!("{text}.0")
    }
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// A string literal with the canonical escapes.
pub(crate) fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    escape_into(value, &mut out);
    out.push('"');
    out
}

/// Escapes string text: quotes, backslashes, braces (doubled), and every
/// character that is invisible or moves text (as `\u{..}`).
fn escape_into(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '{' => out.push_str("{{"),
            '}' => out.push_str("}}"),
            // Writing to a String cannot fail.
            c if is_invisible(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
}

/// Control characters, zero-width characters, line and paragraph separators
/// and bidirectional controls: kept escaped so the source shows them.
fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{feff}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lexer::unescape;

    #[test]
    fn escapes_read_back() {
        for s in [
            "plain",
            "a \"q\" \\ b",
            "{x} }{",
            "tab\there\nnew\r",
            "\u{1b}[31m",
            "bidi \u{202e} zw \u{200b}",
            "é ✓",
        ] {
            let quoted = quote(s);
            assert_eq!(unescape(&quoted[1..quoted.len() - 1]), s, "{quoted}");
        }
        assert_eq!(quote("{a}"), r#""{{a}}""#);
        assert_eq!(quote("\u{1b}"), r#""\u{1b}""#);
    }

    #[test]
    fn floats_keep_their_digits() {
        assert_eq!(float_text("0.50", 0.5), "0.50");
        assert_eq!(float_text("", 2.0), "2.0");
        assert_eq!(float_text("x", 0.25), "0.25");
    }
}
