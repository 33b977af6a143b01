//! Name resolution and lowering of one body: an `ast::Expr` in, `Ir` out,
//! with locals turned into frame slots, globals and functions into indices,
//! dotted layer names into constants, and literal type errors reported.

use super::Env;
use super::program::{Binding, Ir, IrKind, PolicyList};
use crate::ast::{BinaryOp, Expr, ExprKind, Name, StrPart, UnaryOp};
use crate::builtins::{Builtin, Param};
use crate::diagnostic::Diagnostic;
use crate::source::Span;
use crate::value::{Value, Word};
use std::sync::Arc;

/// A name the body refers to that the checker must order (and keep acyclic).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) enum Dep {
    Global(usize),
    Function(usize),
}

/// Lowers the expressions of one body (a `let`, `fn`, control, assertion,
/// service attribute), allocating its frame slots.
pub(super) struct Lowerer<'e> {
    env: &'e Env,
    locals: Vec<(String, u32)>,
    next_slot: u32,
    pub max_slots: u32,
    pub deps: Vec<(Dep, Span)>,
    pub diags: Vec<Diagnostic>,
}

/// Names with a fixed meaning in expressions.
pub(super) const RESERVED: &[&str] = &["facts", "now", "controls", "services", "layers", "parties"];

impl<'e> Lowerer<'e> {
    pub fn new(env: &'e Env) -> Self {
        Lowerer {
            env,
            locals: Vec::new(),
            next_slot: 0,
            max_slots: 0,
            deps: Vec::new(),
            diags: Vec::new(),
        }
    }

    /// Binds a new local and returns its slot. The binding lasts until
    /// `unbind_to` drops it. A local may shadow an enum word (`fn
    /// between(low, high, x)`), not a built-in name.
    pub fn bind(&mut self, name: &Name) -> u32 {
        if RESERVED.contains(&name.text.as_str()) {
            let reason = format!("`{}` is built in", name.text);
            self.diags.push(
                Diagnostic::error(
                    "N003",
                    format!("`{}` cannot be used as a variable name", name.text),
                )
                .with_label(name.span, reason),
            );
        }
        let slot = self.next_slot;
        self.next_slot += 1;
        self.max_slots = self.max_slots.max(self.next_slot);
        self.locals.push((name.text.clone(), slot));
        slot
    }

    pub fn scope_mark(&self) -> (usize, u32) {
        (self.locals.len(), self.next_slot)
    }

    pub fn unbind_to(&mut self, mark: (usize, u32)) {
        self.locals.truncate(mark.0);
        self.next_slot = mark.1;
    }

    fn local(&self, name: &str) -> Option<u32> {
        self.locals
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, s)| *s)
    }

    fn error(&mut self, code: &'static str, span: Span, message: String, label: &str) {
        self.diags
            .push(Diagnostic::error(code, message).with_label(span, label));
    }

    pub fn lower(&mut self, e: &Expr) -> Ir {
        let kind = self.lower_kind(e);
        let ir = Ir { kind, span: e.span };
        self.check_types(&ir);
        ir
    }

    fn boxed(&mut self, e: &Expr) -> Box<Ir> {
        Box::new(self.lower(e))
    }

    fn lower_kind(&mut self, e: &Expr) -> IrKind {
        match &e.kind {
            ExprKind::Null => IrKind::Const(Value::Null),
            ExprKind::Bool(b) => IrKind::Const(Value::Bool(*b)),
            ExprKind::Int(i) => IrKind::Const(Value::Int(*i)),
            ExprKind::Float(f) => IrKind::Const(Value::Float(*f)),
            ExprKind::Str(s) => IrKind::Const(Value::string(s.as_str())),
            ExprKind::Date(d) => IrKind::Const(Value::Date(*d)),
            ExprKind::Duration(secs, _) => IrKind::Const(Value::Duration(*secs)),
            ExprKind::Template(parts) => IrKind::Template(
                parts
                    .iter()
                    .map(|p| match p {
                        StrPart::Text(t) => Ir {
                            kind: IrKind::Const(Value::string(t.as_str())),
                            span: e.span,
                        },
                        StrPart::Expr(x) => self.lower(x),
                    })
                    .collect(),
            ),
            ExprKind::Name(n) => self.name(n, e.span),
            ExprKind::List(items) => {
                let items: Vec<Ir> = items.iter().map(|x| self.lower(x)).collect();
                match constants(&items) {
                    Some(values) => IrKind::Const(Value::list(values)),
                    None => IrKind::List(items),
                }
            }
            ExprKind::Object(entries) => {
                let mut seen: Vec<&str> = Vec::new();
                let mut lowered = Vec::new();
                for (k, v) in entries {
                    if seen.contains(&k.text()) {
                        self.error(
                            "N002",
                            v.span,
                            format!("key `{}` appears twice in this object", k.text()),
                            "repeated key",
                        );
                    }
                    seen.push(k.text());
                    lowered.push((Arc::<str>::from(k.text()), self.lower(v)));
                }
                IrKind::Object(lowered)
            }
            ExprKind::Field {
                base,
                name,
                optional,
            } => {
                if !optional && let Some(layer) = self.layer_constant(e) {
                    return layer;
                }
                IrKind::Field {
                    base: self.boxed(base),
                    name: name.text.as_str().into(),
                    optional: *optional,
                    hint: Default::default(),
                }
            }
            ExprKind::Index {
                base,
                index,
                optional,
            } => IrKind::Index {
                base: self.boxed(base),
                index: self.boxed(index),
                optional: *optional,
            },
            ExprKind::Call { callee, args } => self.call(callee, args, e.span),
            ExprKind::Unary(UnaryOp::Not, x) => IrKind::Not(self.boxed(x)),
            ExprKind::Unary(UnaryOp::Neg, x) => IrKind::Neg(self.boxed(x)),
            ExprKind::Binary(op, l, r) => {
                if *op == BinaryOp::Coalesce {
                    self.warn_loose_coalesce(l, r);
                }
                IrKind::Binary(*op, self.boxed(l), self.boxed(r))
            }
            ExprKind::Quant {
                kind,
                vars,
                source,
                filter,
                body,
            } => {
                let (source, binding, filter, body) =
                    self.iteration(vars, source, filter.as_deref(), |s| s.boxed(body));
                IrKind::Quant {
                    kind: *kind,
                    binding,
                    source,
                    filter,
                    body,
                }
            }
            ExprKind::Comprehension {
                elem,
                vars,
                source,
                filter,
            } => {
                let (source, binding, filter, elem) =
                    self.iteration(vars, source, filter.as_deref(), |s| s.boxed(elem));
                IrKind::Comprehension {
                    elem,
                    binding,
                    source,
                    filter,
                }
            }
            ExprKind::ObjectComprehension {
                key,
                value,
                vars,
                source,
                filter,
            } => {
                let (source, binding, filter, (key, value)) =
                    self.iteration(vars, source, filter.as_deref(), |s| {
                        let key = s.boxed(key);
                        if let Some(ty) = static_type(&key).filter(|t| *t != "string") {
                            s.error(
                                "T001",
                                key.span,
                                format!("type error: an object's keys are strings, not {ty}"),
                                "this key is not a string",
                            );
                        }
                        (key, s.boxed(value))
                    });
                IrKind::ObjectComprehension {
                    key,
                    value,
                    binding,
                    source,
                    filter,
                }
            }
            ExprKind::Slice { base, from, to } => IrKind::Slice {
                base: self.boxed(base),
                from: from.as_ref().map(|f| self.boxed(f)),
                to: to.as_ref().map(|t| self.boxed(t)),
            },
            ExprKind::With { name, value, body } => {
                let value = self.boxed(value);
                let mark = self.scope_mark();
                let slot = self.bind(name);
                let body = self.boxed(body);
                self.unbind_to(mark);
                IrKind::With { slot, value, body }
            }
            ExprKind::If {
                cond,
                then,
                otherwise,
            } => IrKind::If {
                cond: self.boxed(cond),
                then: self.boxed(then),
                otherwise: self.boxed(otherwise),
            },
            ExprKind::Paren(x) => self.lower(x).kind,
            ExprKind::Error => IrKind::Invalid,
        }
    }

    /// The parts of a form that iterates (`all`/`any`, comprehensions): the
    /// source lowered outside its binding, the filter and `inner` inside.
    fn iteration<T>(
        &mut self,
        vars: &[Name],
        source: &Expr,
        filter: Option<&Expr>,
        inner: impl FnOnce(&mut Self) -> T,
    ) -> (Box<Ir>, Binding, Option<Box<Ir>>, T) {
        let source = self.boxed(source);
        let mark = self.scope_mark();
        let binding = self.binding(vars);
        let filter = filter.map(|f| self.boxed(f));
        let inner = inner(self);
        self.unbind_to(mark);
        (source, binding, filter, inner)
    }

    /// Binds `x` or `k, v`.
    pub fn binding(&mut self, vars: &[Name]) -> Binding {
        let span = match (vars.first(), vars.last()) {
            (Some(first), Some(last)) => first.span.join(last.span),
            _ => Span::default(),
        };
        match vars {
            [key, value] => Binding {
                key: Some(self.bind(key)),
                value: self.bind(value),
                span,
            },
            [value, ..] => Binding {
                key: None,
                value: self.bind(value),
                span,
            },
            [] => Binding {
                key: None,
                value: 0,
                span,
            },
        }
    }

    /// `network.virtual` written in an expression: a layer name, unless its
    /// first part is a variable.
    fn layer_constant(&self, e: &Expr) -> Option<IrKind> {
        // Most field reads start from a variable: rule those out before
        // building the dotted text.
        let mut root = e;
        while let ExprKind::Field { base, .. } = &root.kind {
            root = base;
        }
        let ExprKind::Name(root) = &root.kind else {
            return None;
        };
        let shadowed = self.local(root).is_some()
            || RESERVED.contains(&root.as_str())
            || matches!(self.env.symbols.get(root), Some(super::Symbol::Global(_)));
        if shadowed {
            return None;
        }
        let dotted = e.as_dotted()?;
        self.env
            .layers
            .contains_key(&dotted)
            .then(|| IrKind::Const(Value::string(dotted)))
    }

    fn name(&mut self, n: &str, span: Span) -> IrKind {
        if let Some(slot) = self.local(n) {
            return IrKind::Local(slot);
        }
        match n {
            "facts" => return IrKind::Facts,
            "now" => return IrKind::Now,
            "controls" => return IrKind::Policy(PolicyList::Controls),
            "services" => return IrKind::Policy(PolicyList::Services),
            "layers" => return IrKind::Policy(PolicyList::Layers),
            "parties" => return IrKind::Policy(PolicyList::Parties),
            _ => {}
        }
        use super::Symbol;
        match self.env.symbols.get(n) {
            Some(Symbol::Global(i)) => {
                self.deps.push((Dep::Global(*i), span));
                return IrKind::Global(*i as u32);
            }
            Some(Symbol::Function(_)) => {
                self.error(
                    "T004",
                    span,
                    format!("`{n}` is a function"),
                    "call it with its arguments: `f(x)`",
                );
                return IrKind::Invalid;
            }
            Some(Symbol::Party(_) | Symbol::Model(_) | Symbol::Service(_) | Symbol::Control(_)) => {
                if let Some(w) = Word::parse(n) {
                    return IrKind::Const(Value::Word(w));
                }
                return IrKind::Const(Value::string(n));
            }
            Some(Symbol::Broken) => return IrKind::Invalid,
            None => {}
        }
        if let Some(w) = Word::parse(n) {
            return IrKind::Const(Value::Word(w));
        }
        if self.env.layers.contains_key(n) {
            return IrKind::Const(Value::string(n));
        }
        let mut candidates: Vec<&str> = self.locals.iter().map(|(l, _)| l.as_str()).collect();
        candidates.extend(self.env.symbols.keys().map(String::as_str));
        candidates.extend(RESERVED);
        let d = Diagnostic::error("N001", format!("unknown name `{n}`"))
            .with_label(span, "not a variable, declaration, layer or enum word");
        self.diags.push(with_suggestion(d, n, candidates));
        IrKind::Invalid
    }

    fn call(&mut self, callee: &Name, args: &[Expr], span: Span) -> IrKind {
        use super::Symbol;
        if let Some(Symbol::Function(i)) = self.env.symbols.get(&callee.text) {
            let params = self.env.function_params[*i];
            if params != args.len() {
                self.arity_error(callee, args.len(), params, params, span);
            }
            self.deps.push((Dep::Function(*i), callee.span));
            let args = args.iter().map(|a| self.lower(a)).collect();
            return IrKind::CallFn(*i as u32, args);
        }
        if self.env.symbols.get(&callee.text) == Some(&Symbol::Broken) {
            return IrKind::Invalid;
        }
        let Some(builtin) = Builtin::from_name(&callee.text) else {
            let mut candidates: Vec<&str> = Builtin::ALL.iter().map(|b| b.name()).collect();
            candidates.extend(
                self.env
                    .symbols
                    .iter()
                    .filter(|(_, s)| matches!(s, Symbol::Function(_)))
                    .map(|(k, _)| k.as_str()),
            );
            let d = Diagnostic::error("N001", format!("unknown function `{}`", callee.text))
                .with_label(callee.span, "not a built-in or a declared `fn`");
            self.diags
                .push(with_suggestion(d, &callee.text, candidates));
            return IrKind::Invalid;
        };
        let (min, max) = builtin.arity();
        if args.len() < min || args.len() > max {
            self.arity_error(callee, args.len(), min, max, span);
            return IrKind::Invalid;
        }
        let regex_builtin = matches!(
            builtin,
            Builtin::Matches
                | Builtin::RegexReplace
                | Builtin::RegexFind
                | Builtin::RegexFindAll
                | Builtin::RegexCaptures
        );
        if regex_builtin {
            self.warn_interpolated_repetition(&args[1]);
        }
        let lowered: Vec<Ir> = args.iter().map(|a| self.lower(a)).collect();
        self.check_params(builtin, &lowered);
        // A literal pattern is checked now; it is compiled once per run.
        let literal_regex = lowered
            .get(1)
            .filter(|_| regex_builtin)
            .and_then(|p| match &p.kind {
                IrKind::Const(v) => v.as_str().map(regex::Regex::new),
                _ => None,
            });
        if let Some(Err(err)) = &literal_regex {
            let d = Diagnostic::error("T005", "invalid regular expression")
                .with_label(args[1].span, first_line(&err.to_string()))
                .with_help("patterns use Rust regex syntax: https://docs.rs/regex");
            self.diags.push(d);
            return IrKind::Invalid;
        }
        match builtin {
            Builtin::Now => IrKind::Now,
            Builtin::Has => IrKind::Has(Box::new(lowered.into_iter().next().unwrap_or(Ir {
                kind: IrKind::Const(Value::Null),
                span,
            }))),
            Builtin::Matches => match literal_regex {
                Some(Ok(re)) => {
                    let subject = lowered.into_iter().next();
                    IrKind::Matches(
                        Box::new(subject.unwrap_or(Ir {
                            kind: IrKind::Const(Value::Null),
                            span,
                        })),
                        Arc::new(re),
                    )
                }
                _ => IrKind::Call(builtin, lowered),
            },
            Builtin::Owner | Builtin::Decider | Builtin::Operator | Builtin::Accountable => {
                self.check_service_layer(&lowered);
                IrKind::Call(builtin, lowered)
            }
            _ => IrKind::Call(builtin, lowered),
        }
    }

    /// `x? ?? "" != "allow"` reads as `x? ?? ("" != "allow")`: `??` binds
    /// more loosely than any other operator, which an operator beside it
    /// without parentheses almost never means (issue 10 met it as a type
    /// error at run time). `not x ?? d` is `(not x) ?? d` likewise.
    fn warn_loose_coalesce(&mut self, left: &Expr, right: &Expr) {
        // Comparisons and logic, whose results `??` is not meant to
        // default; arithmetic beside `??` (`x ?? 0 + 1`) reads as written.
        let strong = |e: &Expr| match &e.kind {
            ExprKind::Binary(op, ..)
                if op.precedence() <= BinaryOp::Eq.precedence() && *op != BinaryOp::Coalesce =>
            {
                Some(op.symbol())
            }
            ExprKind::Unary(UnaryOp::Not, _) => Some("not"),
            _ => None,
        };
        for (side, operand) in [("right", right), ("left", left)] {
            let Some(op) = strong(operand) else { continue };
            let reading = if side == "right" {
                format!("`a ?? (b {op} c)`")
            } else if op == "not" {
                "`(not a) ?? b`".to_string()
            } else {
                format!("`(a {op} b) ?? c`")
            };
            self.diags.push(
                Diagnostic::warning(
                    "W003",
                    format!("`??` binds more loosely than `{op}`: this reads as {reading}"),
                )
                .with_label(operand.span, format!("all of this is the {side} side of `??`"))
                .with_help("put parentheses around the part `??` is meant for: `(x ?? d) != v`, or around this side to keep the meaning"),
            );
        }
    }

    /// `matches(s, "^a{3}$")` interpolates `3`: almost surely a regex
    /// repetition written without doubled braces.
    fn warn_interpolated_repetition(&mut self, pattern: &Expr) {
        let ExprKind::Template(parts) = &pattern.kind else {
            return;
        };
        for part in parts {
            if let StrPart::Expr(e) = part
                && let ExprKind::Int(n) = e.kind
            {
                self.diags.push(
                    Diagnostic::warning(
                        "W002",
                        format!("`{{{n}}}` in this pattern is an interpolation, not a repetition"),
                    )
                    .with_label(e.span, "interpolated as the text of this number")
                    .with_help(format!(
                        "write `{{{{{n}}}}}` for the regular expression repetition {{{n}}}"
                    )),
                );
            }
        }
    }

    fn arity_error(&mut self, callee: &Name, got: usize, min: usize, max: usize, span: Span) {
        let expected = if min == max {
            format!("{min}")
        } else if max == usize::MAX || max >= 64 {
            format!("at least {min}")
        } else {
            format!("{min} to {max}")
        };
        let plural = if expected == "1" { "" } else { "s" };
        self.diags.push(
            Diagnostic::error(
                "T002",
                format!(
                    "`{}` takes {expected} argument{plural}, not {got}",
                    callee.text
                ),
            )
            .with_label(span, format!("called with {got}")),
        );
    }

    /// `owner(svc, layer)` with literal names: both must exist.
    fn check_service_layer(&mut self, args: &[Ir]) {
        if let Some(Ir {
            kind: IrKind::Const(v),
            span,
        }) = args.first()
            && let Some(s) = v.as_str()
            && !matches!(self.env.symbols.get(s), Some(super::Symbol::Service(_)))
        {
            self.error(
                "N004",
                *span,
                format!("unknown service `{s}`"),
                "no service has this name",
            );
        }
        if let Some(Ir {
            kind: IrKind::Const(v),
            span,
        }) = args.get(1)
            && let Some(l) = v.as_str()
            && !self.env.layers.contains_key(l)
        {
            self.error(
                "N005",
                *span,
                format!("unknown layer `{l}`"),
                "no layer has this name",
            );
        }
    }

    fn check_params(&mut self, builtin: Builtin, args: &[Ir]) {
        let params = builtin.params();
        for (i, arg) in args.iter().enumerate() {
            let Some(param) = params.get(i).or(params.last()) else {
                continue;
            };
            let Some(ty) = static_type(arg) else { continue };
            let ok = match param {
                Param::Any => true,
                Param::Str => ty == "string",
                Param::List => ty == "list",
                Param::Number => ty == "number",
                Param::Bool => ty == "bool",
                Param::Collection => matches!(ty, "list" | "object" | "string"),
            };
            if !ok {
                let want = match param {
                    Param::Str => "a string",
                    Param::List => "a list",
                    Param::Number => "a number",
                    Param::Bool => "a bool",
                    Param::Collection => "a list, object or string",
                    Param::Any => "any value",
                };
                self.error(
                    "T001",
                    arg.span,
                    format!("`{}` expects {want} here, not {ty}", builtin.name()),
                    &format!("this is {ty}"),
                );
            }
        }
    }

    /// Type errors visible without facts: operators applied to literals of
    /// the wrong type.
    fn check_types(&mut self, ir: &Ir) {
        let problem = match &ir.kind {
            IrKind::Not(x) => static_type(x)
                .filter(|t| *t != "bool")
                .map(|t| (x.span, format!("`not` needs a bool, not {t}"))),
            IrKind::Neg(x) => static_type(x)
                .filter(|t| !matches!(*t, "number" | "duration"))
                .map(|t| (x.span, format!("cannot negate {t}"))),
            IrKind::Binary(op, l, r) => {
                let (lt, rt) = (static_type(l), static_type(r));
                binary_problem(*op, lt, rt).map(|m| (ir.span, m))
            }
            _ => None,
        };
        if let Some((span, message)) = problem {
            self.error("T001", span, format!("type error: {message}"), "here");
        }
    }
}

fn binary_problem(op: BinaryOp, lt: Option<&str>, rt: Option<&str>) -> Option<String> {
    use BinaryOp::*;
    match op {
        And | Or => [lt, rt]
            .into_iter()
            .flatten()
            .find(|t| *t != "bool")
            .map(|t| format!("`{}` needs bools, not {t}", op.symbol())),
        Lt | Le | Gt | Ge => {
            let (l, r) = (lt?, rt?);
            let orderable =
                |t: &str| matches!(t, "number" | "string" | "date" | "duration" | "severity");
            (l != r || !orderable(l))
                .then(|| format!("cannot compare {l} with {r} using `{}`", op.symbol()))
        }
        In => rt
            .filter(|t| !matches!(*t, "list" | "object" | "string"))
            .map(|t| format!("`in` needs a list, object or string on its right, not {t}")),
        Add | Sub | Mul | Div | Rem => {
            let (l, r) = (lt?, rt?);
            let ok = match op {
                Add => matches!(
                    (l, r),
                    ("number", "number")
                        | ("string", "string")
                        | ("list", "list")
                        | ("date", "duration")
                        | ("duration", "duration")
                        | ("duration", "date")
                ),
                Sub => matches!(
                    (l, r),
                    ("number", "number")
                        | ("date", "duration")
                        | ("date", "date")
                        | ("duration", "duration")
                ),
                Mul => matches!(
                    (l, r),
                    ("number", "number") | ("duration", "number") | ("number", "duration")
                ),
                _ => matches!((l, r), ("number", "number")),
            };
            (!ok).then(|| format!("cannot apply `{}` to {l} and {r}", op.symbol()))
        }
        Coalesce | Eq | Ne => None,
    }
}

/// The type of an expression when it is known without facts.
pub(super) fn static_type(ir: &Ir) -> Option<&'static str> {
    match &ir.kind {
        IrKind::Const(v) => Some(v.type_name()),
        IrKind::List(_) | IrKind::Comprehension { .. } => Some("list"),
        IrKind::Object(_) | IrKind::ObjectComprehension { .. } => Some("object"),
        IrKind::Template(_) => Some("string"),
        IrKind::Not(_) | IrKind::Has(_) | IrKind::Matches(..) | IrKind::Quant { .. } => {
            Some("bool")
        }
        IrKind::Now => Some("date"),
        IrKind::Binary(
            BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge
            | BinaryOp::In
            | BinaryOp::And
            | BinaryOp::Or,
            ..,
        ) => Some("bool"),
        _ => None,
    }
}

fn constants(items: &[Ir]) -> Option<Vec<Value<'static>>> {
    items
        .iter()
        .map(|i| match &i.kind {
            IrKind::Const(v) => Some(v.clone()),
            _ => None,
        })
        .collect()
}

fn first_line(s: &str) -> String {
    s.lines().last().unwrap_or(s).trim().to_string()
}

/// Why a name cannot be bound, if it cannot.
pub(super) fn reserved_reason(name: &str) -> Option<String> {
    if RESERVED.contains(&name) {
        return Some(format!("`{name}` is built in"));
    }
    Word::parse(name).map(|w| format!("`{name}` is {} word", w_class(w)))
}

fn w_class(w: Word) -> &'static str {
    match w.class() {
        crate::value::WordClass::Ownership => "an ownership",
        crate::value::WordClass::Severity => "a severity",
        crate::value::WordClass::Enforcement => "an enforcement",
    }
}

/// Adds "did you mean" help naming the closest candidate, if one is close.
pub(crate) fn with_suggestion<'a>(
    d: Diagnostic,
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Diagnostic {
    let best = candidates
        .into_iter()
        .filter(|c| *c != name)
        .map(|c| (edit_distance(name, c), c))
        .filter(|(dist, c)| *dist <= 2.max(name.len() / 3) && *dist < c.len())
        .min();
    match best {
        Some((_, c)) => d.with_help(format!("did you mean `{c}`?")),
        None => d,
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}
