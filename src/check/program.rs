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
    /// Vouched for by a current `attest` where the facts could not show it;
    /// counts as a pass.
    Attested,
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
            Status::Attested => "attested",
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
            Status::Attested,
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

/// A party: an index into `Program::parties`. The built-in provider and
/// customer always come first, so two-party code compares with constants
/// and nothing at run time looks a party up by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PartyId(pub u32);

impl PartyId {
    pub const PROVIDER: PartyId = PartyId(0);
    pub const CUSTOMER: PartyId = PartyId(1);

    pub fn index(self) -> usize {
        self.0 as usize
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartyKind {
    Provider,
    Customer,
    /// `party NAME: team`: a team inside the customer.
    Team,
    /// `party NAME: third_party`: someone outside, answering to its
    /// `accountable_to` party.
    ThirdParty,
}

impl PartyKind {
    pub fn name(self) -> &'static str {
        match self {
            PartyKind::Provider => "provider",
            PartyKind::Customer => "customer",
            PartyKind::Team => "team",
            PartyKind::ThirdParty => "third_party",
        }
    }
}

#[derive(Debug)]
pub struct Party {
    pub id: String,
    pub kind: PartyKind,
    pub accountable_to: Option<PartyId>,
    pub doc: Option<String>,
    pub span: Option<Span>,
}

/// Who decides a layer, and so who owns it; also a control's `owner`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Decider {
    /// One party decides: the provider, the customer, a team or a third party.
    Party(PartyId),
    /// The provider and the customer both decide, each for its part.
    Shared,
    /// The layer does not exist for the service.
    None,
}

impl Decider {
    pub const PROVIDER: Decider = Decider::Party(PartyId::PROVIDER);
    pub const CUSTOMER: Decider = Decider::Party(PartyId::CUSTOMER);

    /// `party` takes part in the decision: it is the decider, or one of
    /// the two sides of `shared`.
    pub fn includes(self, party: PartyId) -> bool {
        match self {
            Decider::Party(p) => p == party,
            Decider::Shared => party == PartyId::PROVIDER || party == PartyId::CUSTOMER,
            Decider::None => false,
        }
    }

    /// The ownership word this decider is, when it is one (provider,
    /// customer, shared, none); None for a declared party.
    pub fn word(self) -> Option<Word> {
        match self {
            Decider::PROVIDER => Some(Word::Provider),
            Decider::CUSTOMER => Some(Word::Customer),
            Decider::Shared => Some(Word::Shared),
            Decider::None => Some(Word::None),
            Decider::Party(_) => None,
        }
    }

    pub fn from_word(word: Word) -> Option<Decider> {
        match word {
            Word::Provider => Some(Decider::PROVIDER),
            Word::Customer => Some(Decider::CUSTOMER),
            Word::Shared => Some(Decider::Shared),
            Word::None => Some(Decider::None),
            _ => None,
        }
    }
}

/// Who decides one layer, who operates it, and where that was said: one
/// entry of a model, or one override of a service.
#[derive(Clone, Debug)]
pub struct Cell {
    pub decider: Decider,
    pub operated_by: Option<PartyId>,
    /// The model that assigned it, or the service whose override did.
    pub origin: String,
    pub is_override: bool,
    pub span: Span,
}

impl Cell {
    /// Who runs the layer day to day: the `operated_by` party, or the decider.
    pub fn operator(&self) -> Decider {
        self.operated_by.map_or(self.decider, Decider::Party)
    }
}

/// Layer index -> assignment.
pub type Matrix = BTreeMap<usize, Cell>;

/// One layer of one service once `on` chains are followed: the cell that
/// assigns it, who is accountable for it, and the service whose own
/// model or overrides assigned it (the end of its tier).
#[derive(Clone, Debug)]
pub struct Resolved {
    pub cell: Cell,
    /// Who answers for the layer: the `accountable_to` party of a third
    /// party that decides or operates it, otherwise the decider.
    pub accountable: Decider,
    /// The service, on the `on` chain, whose model or overrides assign it.
    pub source: usize,
}

impl Resolved {
    pub fn decider(&self) -> Decider {
        self.cell.decider
    }

    pub fn operator(&self) -> Decider {
        self.cell.operator()
    }
}

/// Layer index -> the resolved assignment of a service.
pub type ResolvedMatrix = BTreeMap<usize, Resolved>;

/// What one party does on one resolved layer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Roles {
    /// It decides the layer (alone, or as a side of `shared`).
    pub decides: bool,
    pub operates: bool,
    pub accountable: bool,
}

impl Roles {
    pub fn any(self) -> bool {
        self.decides || self.operates || self.accountable
    }

    /// `decides, operates, accountable`, for the roles it has.
    pub fn names(self) -> Vec<&'static str> {
        [
            (self.decides, "decides"),
            (self.operates, "operates"),
            (self.accountable, "accountable"),
        ]
        .into_iter()
        .filter_map(|(has, name)| has.then_some(name))
        .collect()
    }
}

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
    pub model: Option<usize>,
    /// `on HOST`: the service this one is built on.
    pub host: Option<usize>,
    /// The party that consumes the service (`tenant = PARTY`; customer).
    pub tenant: PartyId,
    pub attrs: Vec<(String, Value<'static>)>,
    /// What the service says itself: its model's entries, then its overrides.
    pub own: Matrix,
    /// Every assigned layer: its own, else its host's (to any depth).
    pub matrix: ResolvedMatrix,
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
    /// Who answers for the control: the explicit `owner`, else the decider
    /// (the tenant when nothing assigns the layer).
    pub owner: Decider,
    /// The `owner = ...` claim as written, if any.
    pub explicit_owner: Option<(Decider, Span)>,
    /// The layer of the (first) service, resolved; None when unassigned.
    pub decider: Option<Decider>,
    pub operator: Option<Decider>,
    pub accountable: Option<Decider>,
    /// From the (first) service down to the one that assigns the layer;
    /// empty when nothing does.
    pub tier: Vec<usize>,
    pub severity: Word,
    pub enforce: Word,
    pub team: Option<String>,
    pub refs: Vec<String>,
    /// The refs that name a requirement of a declared framework.
    pub requirements: Vec<RequirementRef>,
    /// The provider's evidence, for a provider-owned control.
    pub evidence: Vec<Evidence>,
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

    /// Evidence whose period covers the run's date.
    pub fn current_evidence(&self) -> impl Iterator<Item = &Evidence> {
        self.evidence
            .iter()
            .filter(|e| e.validity == Validity::Current)
    }

    /// Status of a control without checks (SPEC §5).
    pub fn unchecked_status(&self) -> Status {
        if self.owner == Decider::PROVIDER {
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

/// A declared framework: its requirements and where they came from.
#[derive(Debug)]
pub struct Framework {
    pub id: String,
    pub catalog: Arc<crate::framework::Catalog>,
    /// The catalog file read, with its digest; None for an inline framework.
    pub digest: Option<crate::framework::FileDigest>,
    pub span: Span,
}

/// A ref that names requirement `requirement` of framework `framework`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequirementRef {
    pub framework: usize,
    pub requirement: usize,
}

/// Where the run's date falls against a dated statement's validity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Validity {
    Current,
    /// Its last day is before the run's date.
    Expired,
    /// Its first day is after the run's date.
    NotYet,
}

impl Validity {
    pub fn of(from: Date, to: Date, now: Date) -> Validity {
        if now > to {
            Validity::Expired
        } else if now < from {
            Validity::NotYet
        } else {
            Validity::Current
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Validity::Current => "current",
            Validity::Expired => "expired",
            Validity::NotYet => "not_yet",
        }
    }
}

/// `evidence "URI" period FROM..TO` of a provider-owned control.
#[derive(Debug)]
pub struct Evidence {
    pub uri: String,
    pub from: Date,
    pub to: Date,
    pub validity: Validity,
    pub span: Span,
}

/// `attest CONTROL [for KEYS] by WHO on DATE until DATE evidence URI`.
#[derive(Debug)]
pub struct Attestation {
    pub control: usize,
    /// The subject keys attested; None attests the control.
    pub keys: Option<Vec<String>>,
    pub by: String,
    pub on: Date,
    pub until: Date,
    pub evidence: String,
    pub because: Option<String>,
    pub validity: Validity,
    pub span: Span,
}

impl Attestation {
    /// Whether this attestation vouches for subject `key` today.
    pub fn covers(&self, key: &str) -> bool {
        self.validity == Validity::Current
            && self
                .keys
                .as_ref()
                .is_none_or(|ks| ks.iter().any(|k| k == key))
    }
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

/// One `given` of a test, bound to `facts` (no name) or `facts.NAME`.
#[derive(Debug)]
pub struct GivenFacts {
    pub name: Option<String>,
    pub source: Given,
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
    pub givens: Vec<GivenFacts>,
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
    pub attestations: Vec<Attestation>,
    pub frameworks: Vec<Framework>,
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

    pub fn framework(&self, id: &str) -> Option<usize> {
        self.frameworks.iter().position(|f| f.id == id)
    }

    /// Whether a current attestation vouches for the whole of `control`.
    pub fn vouched_for(&self, control: &Control) -> bool {
        self.attestations.iter().any(|a| {
            std::ptr::eq(&self.controls[a.control], control)
                && a.keys.is_none()
                && a.validity == Validity::Current
        })
    }

    /// The attestations of control `control`, in declaration order.
    pub fn attestations_of(&self, control: usize) -> impl Iterator<Item = &Attestation> {
        self.attestations
            .iter()
            .filter(move |a| a.control == control)
    }

    pub fn party(&self, id: &str) -> Option<PartyId> {
        self.parties
            .iter()
            .position(|p| p.id == id)
            .map(|i| PartyId(i as u32))
    }

    pub fn party_name(&self, party: PartyId) -> &str {
        self.parties
            .get(party.index())
            .map_or("", |p| p.id.as_str())
    }

    /// A party's name, or `shared` or `none`.
    pub fn decider_name(&self, decider: Decider) -> &str {
        match decider {
            Decider::Party(p) => self.party_name(p),
            Decider::Shared => "shared",
            Decider::None => "none",
        }
    }

    /// A decider as expressions see it: its ownership word, or a declared
    /// party's name as a string (which is what the party's name lowers to).
    pub fn decider_value(&self, decider: Decider) -> Value<'static> {
        match decider.word() {
            Some(word) => Value::Word(word),
            None => Value::string(self.decider_name(decider)),
        }
    }

    /// The resolved assignment of a layer of a service: who decides,
    /// operates and answers for it, and where it was said.
    pub fn resolved(&self, service: usize, layer: usize) -> Option<&Resolved> {
        self.services.get(service)?.matrix.get(&layer)
    }

    /// The tier of a resolved layer: the services from `service` down its
    /// `on` chain to the one that assigns it (`[payments_ns, eks_prod]`).
    pub fn tier(&self, service: usize, resolved: &Resolved) -> Vec<usize> {
        let mut tier = vec![service];
        let mut at = service;
        // Chains are acyclic once checked; the bound keeps a broken
        // program from looping all the same.
        while at != resolved.source && tier.len() <= self.services.len() {
            match self.services.get(at).and_then(|s| s.host) {
                Some(host) => {
                    tier.push(host);
                    at = host;
                }
                None => break,
            }
        }
        tier
    }

    /// What `party` decides, operates and answers for on a resolved layer.
    pub fn roles(&self, party: PartyId, resolved: &Resolved) -> Roles {
        Roles {
            decides: resolved.decider().includes(party),
            operates: resolved.operator().includes(party),
            accountable: resolved.accountable.includes(party),
        }
    }
}
