//! The syntax tree: what the parser produces for one file. Every node carries
//! the `Span` of its source text; names are not resolved yet.

use crate::source::Span;

/// An identifier or a dotted layer name, with where it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Name {
    pub text: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Module {
    pub items: Vec<Item>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    /// The `///` lines before the declaration, without the slashes.
    pub doc: Option<String>,
    pub kind: ItemKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ItemKind {
    Use(UseTarget),
    Party(Party),
    Layer(LayerDecl),
    Model(Model),
    Service(Service),
    Let(Let),
    Fn(Func),
    Control(Control),
    Assert(Assertion),
    Waive(Waiver),
    Test(Test),
    Framework(FrameworkDecl),
    Attest(Attestation),
    /// A declaration that did not parse (already reported), with its name
    /// when the parser got that far.
    Broken(Option<Name>),
}

#[derive(Clone, Debug, PartialEq)]
pub enum UseTarget {
    Std(Span),
    /// `use std.NAME`: one optional module of the standard library; the
    /// span covers `std.NAME`.
    StdModule(String, Span),
    Path(String, Span),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Party {
    pub name: Name,
    pub kind: Name,
    pub accountable_to: Option<Name>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LayerDecl {
    pub name: Name,
    pub description: Option<String>,
}

/// `layer: decider [operated_by party]` in a model or a service.
#[derive(Clone, Debug, PartialEq)]
pub struct Assignment {
    pub layer: Name,
    pub decider: Name,
    pub operated_by: Option<Name>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    pub name: Name,
    pub extends: Option<Name>,
    pub entries: Vec<Assignment>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ServiceMember {
    /// `key = expr`
    Attr(Name, Expr),
    /// `layer: decider [operated_by party]`
    Override(Assignment),
}

/// `service NAME[: MODEL] [on HOST] { ... }`: at least one of the model and
/// the host (the checker says so when both are missing).
#[derive(Clone, Debug, PartialEq)]
pub struct Service {
    pub name: Name,
    pub model: Option<Name>,
    /// The service this one is built on: layers that neither its overrides
    /// nor its model assign resolve from the host.
    pub host: Option<Name>,
    pub members: Vec<ServiceMember>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Let {
    pub name: Name,
    pub value: Expr,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Func {
    pub name: Name,
    pub params: Vec<Name>,
    pub body: Expr,
}

/// `for x in source [where filter]` (or `for k, v in source`).
#[derive(Clone, Debug, PartialEq)]
pub struct Selection {
    pub vars: Vec<Name>,
    pub source: Expr,
    pub filter: Option<Expr>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    Let(Let),
    Require {
        cond: Expr,
        message: Option<Expr>,
        span: Span,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Control {
    pub name: Name,
    /// `field = expr` settings (`service`, `layer`, `owner`, `severity`, ...).
    pub fields: Vec<(Name, Expr)>,
    pub selection: Option<Selection>,
    pub key: Option<Expr>,
    pub steps: Vec<Step>,
    /// `evidence "URI" period DATE..DATE` lines, among the fields.
    pub evidence: Vec<Evidence>,
}

/// `evidence "URI" period FROM..TO`: a provider's attestation (a SOC 2
/// report, an ISO certificate) for the period it covers.
#[derive(Clone, Debug, PartialEq)]
pub struct Evidence {
    pub uri: StrLit,
    pub from: (jiff::civil::Date, Span),
    pub to: (jiff::civil::Date, Span),
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Assertion {
    pub name: StrLit,
    pub cond: Expr,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StrLit {
    pub value: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Waiver {
    pub control: Name,
    /// A string or a list of strings: the subject keys waived. None: all.
    pub keys: Option<Expr>,
    pub until: Option<(jiff::civil::Date, Span)>,
    pub by: Option<StrLit>,
    pub because: Option<StrLit>,
}

/// `framework NAME from "PATH"` or `framework NAME "title" { "ID": "text", ... }`.
#[derive(Clone, Debug, PartialEq)]
pub struct FrameworkDecl {
    pub name: Name,
    pub source: FrameworkSource,
}

#[derive(Clone, Debug, PartialEq)]
pub enum FrameworkSource {
    /// An OSCAL catalog (JSON), relative to the policy file.
    Catalog(StrLit),
    /// Requirements written in the policy: (id, text) in order.
    Inline {
        title: StrLit,
        requirements: Vec<(StrLit, StrLit)>,
    },
}

/// `attest CONTROL [for KEYS] by "WHO" on DATE until DATE evidence "URI"
/// [because "TEXT"]`: a person vouches for what the facts cannot show.
#[derive(Clone, Debug, PartialEq)]
pub struct Attestation {
    pub control: Name,
    /// A string or a list of strings: the subjects attested. None: the control.
    pub keys: Option<Expr>,
    pub by: StrLit,
    pub on: (jiff::civil::Date, Span),
    pub until: (jiff::civil::Date, Span),
    pub evidence: StrLit,
    pub because: Option<StrLit>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Given {
    Inline(Expr),
    File(StrLit),
}

/// One `given` of a test: its facts, bound to `facts` or, when named, to
/// `facts.NAME` (as `--facts NAME=FILE` does).
#[derive(Clone, Debug, PartialEq)]
pub struct GivenFacts {
    pub name: Option<Name>,
    pub source: Given,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Expectation {
    Passes,
    Fails(Option<Expr>),
    Errors,
    Is(Name),
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExpectTarget {
    Control(Name),
    Assertion(StrLit),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Expect {
    pub target: ExpectTarget,
    pub expectation: Expectation,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Test {
    pub name: StrLit,
    pub givens: Vec<GivenFacts>,
    pub expects: Vec<Expect>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    Not,
    Neg,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    Coalesce,
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

impl BinaryOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Coalesce => "??",
            BinaryOp::Or => "or",
            BinaryOp::And => "and",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::In => "in",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Rem => "%",
        }
    }

    /// Binding strength, low to high, as in SPEC §3 (used by the parser and
    /// by the formatter to decide where parentheses are needed).
    pub fn precedence(self) -> u16 {
        match self {
            BinaryOp::Coalesce => 1,
            BinaryOp::Or => 2,
            BinaryOp::And => 3,
            BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge
            | BinaryOp::In => 5,
            BinaryOp::Add | BinaryOp::Sub => 6,
            BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem => 7,
        }
    }
}

/// Precedence of prefix `not` (between `and` and comparisons).
pub const NOT_PRECEDENCE: u16 = 4;
/// Precedence of unary minus (above `*`).
pub const NEG_PRECEDENCE: u16 = 8;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quantifier {
    All,
    Any,
    None,
}

impl Quantifier {
    pub fn keyword(self) -> &'static str {
        match self {
            Quantifier::All => "all",
            Quantifier::Any => "any",
            Quantifier::None => "none",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum StrPart {
    Text(String),
    Expr(Expr),
}

#[derive(Clone, Debug, PartialEq)]
pub enum ObjectKey {
    Name(Name),
    Str(StrLit),
}

impl ObjectKey {
    pub fn text(&self) -> &str {
        match self {
            ObjectKey::Name(n) => &n.text,
            ObjectKey::Str(s) => &s.value,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    /// A string with `{expr}` interpolations.
    Template(Vec<StrPart>),
    Date(jiff::civil::Date),
    /// Seconds, with the unit it was written in (for messages and `fmt`).
    Duration(i64, String),
    Name(String),
    List(Vec<Expr>),
    Object(Vec<(ObjectKey, Expr)>),
    Field {
        base: Box<Expr>,
        name: Name,
        optional: bool,
    },
    Index {
        base: Box<Expr>,
        index: Box<Expr>,
        optional: bool,
    },
    Call {
        callee: Name,
        args: Vec<Expr>,
    },
    Unary(UnaryOp, Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    Quant {
        kind: Quantifier,
        vars: Vec<Name>,
        source: Box<Expr>,
        filter: Option<Box<Expr>>,
        body: Box<Expr>,
    },
    Comprehension {
        elem: Box<Expr>,
        vars: Vec<Name>,
        source: Box<Expr>,
        filter: Option<Box<Expr>>,
    },
    /// `{key: value for x in source if filter}`.
    ObjectComprehension {
        key: Box<Expr>,
        value: Box<Expr>,
        vars: Vec<Name>,
        source: Box<Expr>,
        filter: Option<Box<Expr>>,
    },
    /// `base[from:to]`, either bound optional.
    Slice {
        base: Box<Expr>,
        from: Option<Box<Expr>>,
        to: Option<Box<Expr>>,
    },
    /// `with name = value: body`, the expression-level binding.
    With {
        name: Name,
        value: Box<Expr>,
        body: Box<Expr>,
    },
    If {
        cond: Box<Expr>,
        then: Box<Expr>,
        otherwise: Box<Expr>,
    },
    Paren(Box<Expr>),
    /// A piece of input the parser could not read (already reported).
    Error,
}

impl Expr {
    /// The dotted name this expression spells (`network.virtual`), if it is
    /// only identifiers joined by dots.
    pub fn as_dotted(&self) -> Option<String> {
        match &self.kind {
            ExprKind::Name(n) => Some(n.clone()),
            ExprKind::Field {
                base,
                name,
                optional: false,
            } => Some(format!("{}.{}", base.as_dotted()?, name.text)),
            _ => None,
        }
    }
}

impl Expr {
    /// Calls `f` on each direct subexpression, in source order.
    pub fn for_each_child<'e>(&'e self, mut f: impl FnMut(&'e Expr)) {
        match &self.kind {
            ExprKind::Null
            | ExprKind::Bool(_)
            | ExprKind::Int(_)
            | ExprKind::Float(_)
            | ExprKind::Str(_)
            | ExprKind::Date(_)
            | ExprKind::Duration(..)
            | ExprKind::Name(_)
            | ExprKind::Error => {}
            ExprKind::Template(parts) => {
                for p in parts {
                    if let StrPart::Expr(e) = p {
                        f(e);
                    }
                }
            }
            ExprKind::List(items) | ExprKind::Call { args: items, .. } => items.iter().for_each(f),
            ExprKind::Object(entries) => entries.iter().for_each(|(_, v)| f(v)),
            ExprKind::Field { base, .. } => f(base),
            ExprKind::Index { base, index, .. } => {
                f(base);
                f(index);
            }
            ExprKind::Unary(_, e) | ExprKind::Paren(e) => f(e),
            ExprKind::Binary(_, l, r) => {
                f(l);
                f(r);
            }
            ExprKind::Quant {
                source,
                filter,
                body,
                ..
            } => {
                f(source);
                if let Some(x) = filter {
                    f(x);
                }
                f(body);
            }
            ExprKind::Comprehension {
                elem,
                source,
                filter,
                ..
            } => {
                f(elem);
                f(source);
                if let Some(x) = filter {
                    f(x);
                }
            }
            ExprKind::ObjectComprehension {
                key,
                value,
                source,
                filter,
                ..
            } => {
                f(key);
                f(value);
                f(source);
                if let Some(x) = filter {
                    f(x);
                }
            }
            ExprKind::Slice { base, from, to } => {
                f(base);
                if let Some(x) = from {
                    f(x);
                }
                if let Some(x) = to {
                    f(x);
                }
            }
            ExprKind::With { value, body, .. } => {
                f(value);
                f(body);
            }
            ExprKind::If {
                cond,
                then,
                otherwise,
            } => {
                f(cond);
                f(then);
                f(otherwise);
            }
        }
    }

    /// Nesting depth, measured without recursion (the tree may be hostile).
    pub fn depth(&self) -> usize {
        let mut deepest = 0;
        let mut stack = vec![(self, 1usize)];
        while let Some((e, d)) = stack.pop() {
            deepest = deepest.max(d);
            e.for_each_child(|c| stack.push((c, d + 1)));
        }
        deepest
    }

    /// Takes the tree apart without recursion, so that dropping a hostile,
    /// very deep tree cannot overflow the stack.
    pub fn dismantle(self) {
        let mut stack = vec![self];
        while let Some(e) = stack.pop() {
            match e.kind {
                ExprKind::Template(parts) => {
                    stack.extend(parts.into_iter().filter_map(|p| match p {
                        StrPart::Expr(e) => Some(e),
                        StrPart::Text(_) => None,
                    }))
                }
                ExprKind::List(items) => stack.extend(items),
                ExprKind::Object(entries) => stack.extend(entries.into_iter().map(|(_, v)| v)),
                ExprKind::Field { base, .. } => stack.push(*base),
                ExprKind::Index { base, index, .. } => stack.extend([*base, *index]),
                ExprKind::Call { args, .. } => stack.extend(args),
                ExprKind::Unary(_, e) | ExprKind::Paren(e) => stack.push(*e),
                ExprKind::Binary(_, l, r) => stack.extend([*l, *r]),
                ExprKind::Quant {
                    source,
                    filter,
                    body,
                    ..
                } => stack.extend([*source, *body].into_iter().chain(filter.map(|f| *f))),
                ExprKind::Comprehension {
                    elem,
                    source,
                    filter,
                    ..
                } => stack.extend([*elem, *source].into_iter().chain(filter.map(|f| *f))),
                ExprKind::ObjectComprehension {
                    key,
                    value,
                    source,
                    filter,
                    ..
                } => stack.extend(
                    [*key, *value, *source]
                        .into_iter()
                        .chain(filter.map(|f| *f)),
                ),
                ExprKind::Slice { base, from, to } => stack.extend(
                    std::iter::once(*base)
                        .chain(from.map(|f| *f))
                        .chain(to.map(|t| *t)),
                ),
                ExprKind::With { value, body, .. } => stack.extend([*value, *body]),
                ExprKind::If {
                    cond,
                    then,
                    otherwise,
                } => stack.extend([*cond, *then, *otherwise]),
                _ => {}
            }
        }
    }
}

impl ItemKind {
    /// The name the declaration declares, if it declares one.
    pub fn declared_name(&self) -> Option<&Name> {
        match self {
            ItemKind::Party(p) => Some(&p.name),
            ItemKind::Layer(l) => Some(&l.name),
            ItemKind::Model(m) => Some(&m.name),
            ItemKind::Service(s) => Some(&s.name),
            ItemKind::Let(l) => Some(&l.name),
            ItemKind::Fn(f) => Some(&f.name),
            ItemKind::Control(c) => Some(&c.name),
            ItemKind::Framework(f) => Some(&f.name),
            ItemKind::Broken(n) => n.as_ref(),
            ItemKind::Use(_)
            | ItemKind::Assert(_)
            | ItemKind::Waive(_)
            | ItemKind::Attest(_)
            | ItemKind::Test(_) => None,
        }
    }
}

impl Item {
    /// Every top-level expression of the declaration, for passes that
    /// treat all expressions alike.
    pub fn exprs_mut(&mut self) -> Vec<&mut Expr> {
        match &mut self.kind {
            ItemKind::Service(s) => s
                .members
                .iter_mut()
                .filter_map(|m| match m {
                    ServiceMember::Attr(_, e) => Some(e),
                    ServiceMember::Override(_) => None,
                })
                .collect(),
            ItemKind::Let(l) => vec![&mut l.value],
            ItemKind::Fn(f) => vec![&mut f.body],
            ItemKind::Control(c) => {
                let mut out: Vec<&mut Expr> = c.fields.iter_mut().map(|(_, e)| e).collect();
                if let Some(sel) = &mut c.selection {
                    out.push(&mut sel.source);
                    out.extend(sel.filter.as_mut());
                }
                out.extend(c.key.as_mut());
                for step in &mut c.steps {
                    match step {
                        Step::Let(l) => out.push(&mut l.value),
                        Step::Require { cond, message, .. } => {
                            out.push(cond);
                            out.extend(message.as_mut());
                        }
                    }
                }
                out
            }
            ItemKind::Assert(a) => vec![&mut a.cond],
            ItemKind::Waive(w) => w.keys.iter_mut().collect(),
            ItemKind::Attest(a) => a.keys.iter_mut().collect(),
            ItemKind::Test(t) => {
                let mut out = Vec::new();
                for given in &mut t.givens {
                    if let Given::Inline(e) = &mut given.source {
                        out.push(e);
                    }
                }
                for x in &mut t.expects {
                    if let Expectation::Fails(Some(e)) = &mut x.expectation {
                        out.push(e);
                    }
                }
                out
            }
            ItemKind::Use(_)
            | ItemKind::Party(_)
            | ItemKind::Layer(_)
            | ItemKind::Model(_)
            | ItemKind::Framework(_)
            | ItemKind::Broken(_) => Vec::new(),
        }
    }
}
