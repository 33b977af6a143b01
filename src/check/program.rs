//! The checked program: every name resolved to an index or a slot, every
//! expression lowered to `Ir`, ownership matrices computed. The evaluator
//! runs this and never looks a name up by string.

use crate::ast::{BinaryOp, Quantifier};
use crate::builtins::Builtin;
use crate::source::Span;
use crate::value::{Value, Word};
use jiff::civil::Date;
use regex::Regex;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicU32;

#[derive(Debug)]
pub struct Ir {
    pub kind: IrKind,
    pub span: Span,
}

/// The introspection lists of SPEC §3.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyList {
    Controls,
    Services,
    Layers,
    Parties,
}

#[derive(Debug)]
pub enum IrKind {
    /// Where the checker reported an error: never evaluated (any error
    /// stops evaluation), and of no known type, so it causes no more errors.
    Invalid,
    Const(Value<'static>),
    /// A slot of the current frame (loop variables, `let` in controls,
    /// function parameters).
    Local(u32),
    /// A top-level `let`, evaluated at most once per run.
    Global(u32),
    Facts,
    Now,
    Policy(PolicyList),
    List(Vec<Ir>),
    Object(Vec<(Arc<str>, Ir)>),
    /// Parts whose display texts are concatenated.
    Template(Vec<Ir>),
    Field {
        base: Box<Ir>,
        name: Box<str>,
        optional: bool,
        /// Where `name` was found last time (see `Value::get_hinted`).
        hint: AtomicU32,
    },
    Index {
        base: Box<Ir>,
        index: Box<Ir>,
        optional: bool,
    },
    Not(Box<Ir>),
    Neg(Box<Ir>),
    Binary(BinaryOp, Box<Ir>, Box<Ir>),
    Call(Builtin, Vec<Ir>),
    /// `matches(s, "literal")` with the pattern compiled by the checker.
    Matches(Box<Ir>, Arc<Regex>),
    CallFn(u32, Vec<Ir>),
    Has(Box<Ir>),
    Quant {
        kind: Quantifier,
        binding: Binding,
        source: Box<Ir>,
        filter: Option<Box<Ir>>,
        body: Box<Ir>,
    },
    Comprehension {
        elem: Box<Ir>,
        binding: Binding,
        source: Box<Ir>,
        filter: Option<Box<Ir>>,
    },
    /// `{key: value for …}`: one pass, a later key replacing an earlier.
    ObjectComprehension {
        key: Box<Ir>,
        value: Box<Ir>,
        binding: Binding,
        source: Box<Ir>,
        filter: Option<Box<Ir>>,
    },
    /// `base[from:to]` of a list or a string.
    Slice {
        base: Box<Ir>,
        from: Option<Box<Ir>>,
        to: Option<Box<Ir>>,
    },
    /// `with x = value: body`, with `x` in `slot`.
    With {
        slot: u32,
        value: Box<Ir>,
        body: Box<Ir>,
    },
    If {
        cond: Box<Ir>,
        then: Box<Ir>,
        otherwise: Box<Ir>,
    },
}

/// Loop variables: `x` (value) or `k, v` (key or index, then value).
#[derive(Clone, Copy, Debug)]
pub struct Binding {
    pub key: Option<u32>,
    pub value: u32,
    /// The variables as written (`x`, `k, v`), for `explain`.
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    Pass,
    Fail,
    Error,
    Waived,
    Inherited,
    Unverified,
    /// Static analysis only (no facts): a checked control was not run.
    Unevaluated,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Error => "error",
            Status::Waived => "waived",
            Status::Inherited => "inherited",
            Status::Unverified => "unverified",
            Status::Unevaluated => "unevaluated",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        [
            Status::Pass,
            Status::Fail,
            Status::Error,
            Status::Waived,
            Status::Inherited,
            Status::Unverified,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
    }
}

#[derive(Debug)]
pub struct Layer {
    pub id: String,
    pub description: Option<String>,
    pub doc: Option<String>,
    pub std: bool,
    pub span: Span,
}

#[derive(Debug)]
pub struct Party {
    pub id: String,
    pub kind: String,
    pub accountable_to: Option<String>,
    pub doc: Option<String>,
    pub span: Option<Span>,
}

/// Who decides one layer, who operates it, and where that was said.
#[derive(Clone, Debug)]
pub struct Cell {
    pub decider: Word,
    pub operated_by: Option<String>,
    /// The model that assigned it, or the service whose override did.
    pub origin: String,
    pub is_override: bool,
    pub span: Span,
}

impl Cell {
    /// Who runs the layer day to day: the `operated_by` party, or the decider.
    pub fn operator(&self) -> &str {
        self.operated_by.as_deref().unwrap_or(self.decider.name())
    }
}

/// Layer index -> assignment.
pub type Matrix = BTreeMap<usize, Cell>;

#[derive(Debug)]
pub struct Model {
    pub id: String,
    pub doc: Option<String>,
    pub parent: Option<usize>,
    pub matrix: Matrix,
    pub std: bool,
    pub span: Span,
}

#[derive(Debug)]
pub struct Service {
    pub id: String,
    pub doc: Option<String>,
    pub model: usize,
    pub attrs: Vec<(String, Value<'static>)>,
    pub matrix: Matrix,
    pub span: Span,
}

#[derive(Debug)]
pub struct Global {
    pub name: String,
    pub value: Ir,
    pub slots: u32,
}

#[derive(Debug)]
pub struct Function {
    pub name: String,
    pub params: u32,
    pub body: Ir,
    pub slots: u32,
}

#[derive(Debug)]
pub struct Selection {
    pub binding: Binding,
    pub source: Ir,
    pub filter: Option<Ir>,
}

#[derive(Debug)]
pub enum Step {
    Let(u32, Ir),
    Require {
        cond: Ir,
        message: Option<Ir>,
        /// The condition's source text, for the default message.
        text: String,
        span: Span,
    },
}

#[derive(Debug)]
pub struct Control {
    pub id: String,
    pub doc: Option<String>,
    pub title: Option<String>,
    /// The control's name in its declaration.
    pub span: Span,
    pub services: Vec<usize>,
    pub layer: Option<usize>,
    /// Who answers for the control: the explicit `owner`, else the decider.
    pub owner: Word,
    /// The `owner = ...` claim as written, if any.
    pub explicit_owner: Option<(Word, Span)>,
    /// Who decides the layer for the (first) service; None when unassigned.
    pub decider: Option<Word>,
    pub operator: Option<String>,
    pub severity: Word,
    pub enforce: Word,
    pub team: Option<String>,
    pub refs: Vec<String>,
    pub selection: Option<Selection>,
    pub key: Option<Ir>,
    pub steps: Vec<Step>,
    pub slots: u32,
}

impl Control {
    /// A control is checked when it has at least one `require`.
    pub fn checked(&self) -> bool {
        self.steps.iter().any(|s| matches!(s, Step::Require { .. }))
    }

    /// Where the first `require` is (SARIF and JUnit locate results there).
    pub fn require_span(&self) -> Span {
        self.steps
            .iter()
            .find_map(|s| match s {
                Step::Require { span, .. } => Some(*span),
                Step::Let(..) => None,
            })
            .unwrap_or(self.span)
    }

    /// Status of a control without checks (SPEC §5).
    pub fn unchecked_status(&self) -> Status {
        if self.owner == Word::Provider {
            Status::Inherited
        } else {
            Status::Unverified
        }
    }
}

#[derive(Debug)]
pub struct Assertion {
    pub name: String,
    pub cond: Ir,
    pub slots: u32,
    pub span: Span,
}

#[derive(Debug)]
pub struct Waiver {
    pub control: usize,
    /// The subject keys waived; None waives every subject.
    pub keys: Option<Vec<String>>,
    pub until: Option<Date>,
    pub by: Option<String>,
    pub because: Option<String>,
    pub expired: bool,
    pub span: Span,
}

impl Waiver {
    pub fn covers(&self, key: &str) -> bool {
        !self.expired
            && self
                .keys
                .as_ref()
                .is_none_or(|ks| ks.iter().any(|k| k == key))
    }
}

#[derive(Debug)]
pub enum Given {
    /// An expression (usually an object literal) and its frame size.
    Inline(Ir, u32),
    File(PathBuf, Span),
}

#[derive(Debug)]
pub enum ExpectTarget {
    Control(usize),
    Assertion(usize),
}

#[derive(Debug)]
pub enum Expectation {
    Passes,
    Fails(Option<Vec<String>>),
    Errors,
    Is(Status),
}

#[derive(Debug)]
pub struct Expect {
    pub target: ExpectTarget,
    pub expectation: Expectation,
    pub span: Span,
}

#[derive(Debug)]
pub struct Test {
    pub name: String,
    pub given: Option<Given>,
    pub expects: Vec<Expect>,
    pub span: Span,
}

#[derive(Debug, Default)]
pub struct Program {
    pub layers: Vec<Layer>,
    pub parties: Vec<Party>,
    pub models: Vec<Model>,
    pub services: Vec<Service>,
    pub globals: Vec<Global>,
    pub functions: Vec<Function>,
    pub controls: Vec<Control>,
    pub assertions: Vec<Assertion>,
    pub waivers: Vec<Waiver>,
    pub tests: Vec<Test>,
}

impl Program {
    pub fn control(&self, id: &str) -> Option<usize> {
        self.controls.iter().position(|c| c.id == id)
    }

    pub fn service(&self, id: &str) -> Option<usize> {
        self.services.iter().position(|s| s.id == id)
    }

    pub fn layer(&self, id: &str) -> Option<usize> {
        self.layers.iter().position(|l| l.id == id)
    }
}
