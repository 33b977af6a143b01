//! Checker: the parsed modules of one load in, a resolved `Program` and its
//! diagnostics out. Names are global per load; every declaration that parsed
//! is checked, so one run reports every problem. Any error diagnostic means
//! the program must not be evaluated.

mod audit;
mod controls;
mod lower;
mod ownership;
pub mod program;
mod services;

use crate::ast::{self, ItemKind, Name};
use crate::builtins::Builtin;
use crate::diagnostic::Diagnostic;
use crate::framework::Catalogs;
use crate::source::{FileId, SourceMap, Span};
use jiff::civil::Date;
pub(crate) use lower::with_suggestion;
use lower::{Dep, Lowerer, reserved_reason};
use petgraph::algo::kosaraju_scc;
use petgraph::graphmap::DiGraphMap;
use program::*;
use std::collections::{HashMap, HashSet};

pub use audit::{STRICT_CODES, apply_strict};

/// One parsed file of the load.
pub struct Input<'m> {
    pub file: FileId,
    pub module: &'m ast::Module,
    /// Part of the embedded standard library.
    pub std: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Symbol {
    Party(usize),
    Model(usize),
    Service(usize),
    Control(usize),
    Global(usize),
    Function(usize),
    /// Declared by a declaration that did not parse.
    Broken,
}

/// The names of a load, fixed before any body is lowered.
pub(crate) struct Env {
    pub symbols: HashMap<String, Symbol>,
    pub layers: HashMap<String, usize>,
    pub function_params: Vec<usize>,
    /// Declared frameworks; None for one whose catalog could not be read.
    pub frameworks: HashMap<String, Option<usize>>,
    /// Party names by `PartyId`.
    pub parties: Vec<String>,
}

impl Env {
    fn is_broken(&self, name: &str) -> bool {
        self.symbols.get(name) == Some(&Symbol::Broken)
    }

    /// The party a name declares (`provider` and `customer` included).
    fn party(&self, name: &str) -> Option<PartyId> {
        match self.symbols.get(name) {
            Some(Symbol::Party(i)) => Some(PartyId(*i as u32)),
            _ => None,
        }
    }

    /// Every party name, for "did you mean" help.
    fn party_names(&self) -> impl Iterator<Item = &str> {
        self.parties.iter().map(String::as_str)
    }

    /// A party's name, or `shared` or `none`.
    fn decider_name(&self, decider: Decider) -> &str {
        match decider {
            Decider::Party(p) => self.parties.get(p.index()).map_or("", String::as_str),
            Decider::Shared => "shared",
            Decider::None => "none",
        }
    }

    /// The names of an already checked program (REPL input is lowered
    /// against it).
    fn from_program(p: &Program) -> Env {
        let mut symbols = HashMap::new();
        let named = [
            p.parties
                .iter()
                .map(|x| x.id.as_str())
                .enumerate()
                .map(|(i, n)| (n, Symbol::Party(i)))
                .collect::<Vec<_>>(),
            p.models
                .iter()
                .enumerate()
                .map(|(i, x)| (x.id.as_str(), Symbol::Model(i)))
                .collect(),
            p.services
                .iter()
                .enumerate()
                .map(|(i, x)| (x.id.as_str(), Symbol::Service(i)))
                .collect(),
            p.controls
                .iter()
                .enumerate()
                .map(|(i, x)| (x.id.as_str(), Symbol::Control(i)))
                .collect(),
            p.globals
                .iter()
                .enumerate()
                .map(|(i, x)| (x.name.as_str(), Symbol::Global(i)))
                .collect(),
            p.functions
                .iter()
                .enumerate()
                .map(|(i, x)| (x.name.as_str(), Symbol::Function(i)))
                .collect(),
        ];
        for (name, symbol) in named.into_iter().flatten() {
            symbols.insert(name.to_string(), symbol);
        }
        Env {
            symbols,
            layers: p
                .layers
                .iter()
                .enumerate()
                .map(|(i, l)| (l.id.clone(), i))
                .collect(),
            function_params: p.functions.iter().map(|f| f.params as usize).collect(),
            frameworks: p
                .frameworks
                .iter()
                .enumerate()
                .map(|(i, f)| (f.id.clone(), Some(i)))
                .collect(),
            parties: p.parties.iter().map(|x| x.id.clone()).collect(),
        }
    }
}

/// Lowers a standalone expression (REPL input) against a checked program:
/// the `Ir`, the frame size it needs, and its diagnostics.
pub fn lower_expr(program: &Program, expr: &ast::Expr) -> (Ir, u32, Vec<Diagnostic>) {
    let env = Env::from_program(program);
    let mut lw = Lowerer::new(&env);
    let ir = lw.lower(expr);
    (ir, lw.max_slots, lw.diags)
}

/// Declarations of one kind, with their items.
struct Decls<'m> {
    parties: Vec<(&'m ast::Item, &'m ast::Party)>,
    models: Vec<(&'m ast::Item, &'m ast::Model, bool)>,
    services: Vec<(&'m ast::Item, &'m ast::Service)>,
    lets: Vec<&'m ast::Let>,
    fns: Vec<&'m ast::Func>,
    controls: Vec<(&'m ast::Item, &'m ast::Control)>,
    asserts: Vec<&'m ast::Assertion>,
    waivers: Vec<(&'m ast::Item, &'m ast::Waiver)>,
    attestations: Vec<(&'m ast::Item, &'m ast::Attestation)>,
    frameworks: Vec<(&'m ast::FrameworkDecl, FileId)>,
    tests: Vec<(&'m ast::Item, &'m ast::Test, FileId)>,
}

pub const PARTY_KINDS: &[&str] = &["team", "third_party"];

/// Checks one load; `catalogs` holds the framework catalogs the session
/// read for its `framework ... from` declarations.
pub fn check(
    inputs: &[Input<'_>],
    sources: &SourceMap,
    now: Date,
    catalogs: &Catalogs,
) -> (Program, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut program = Program::default();
    let (mut env, decls) = collect(inputs, &mut program, &mut diags);
    let (frameworks, framework_names) =
        audit::frameworks(&decls.frameworks, sources, catalogs, &mut diags);
    program.frameworks = frameworks;
    env.frameworks = framework_names;

    check_parties(&decls, &env, &mut program, &mut diags);
    program.models = ownership::build_models(&decls.models, &env, &mut diags);
    program.services = services::services(&decls.services, &env, &program, &mut diags);

    let mut deps: DepGraph = HashMap::new();
    for (i, l) in decls.lets.iter().enumerate() {
        let mut lw = Lowerer::new(&env);
        let value = lw.lower(&l.value);
        diags.append(&mut lw.diags);
        deps.insert(Dep::Global(i), (lw.deps, l.name.span));
        program.globals.push(Global {
            name: l.name.text.clone(),
            value,
            slots: lw.max_slots,
        });
    }
    for (i, f) in decls.fns.iter().enumerate() {
        let mut lw = Lowerer::new(&env);
        for p in &f.params {
            lw.bind(p);
        }
        let body = lw.lower(&f.body);
        diags.append(&mut lw.diags);
        deps.insert(Dep::Function(i), (lw.deps, f.name.span));
        program.functions.push(Function {
            name: f.name.text.clone(),
            params: f.params.len() as u32,
            body,
            slots: lw.max_slots,
        });
    }
    check_recursion(&deps, &program, &mut diags);

    let mut layer_spans = Vec::new();
    for (item, c) in &decls.controls {
        let (control, layer_span) =
            controls::control(item, c, &env, &program, sources, now, &mut diags);
        program.controls.push(control);
        layer_spans.push(layer_span);
    }
    for a in &decls.asserts {
        let mut lw = Lowerer::new(&env);
        let cond = lw.lower(&a.cond);
        diags.append(&mut lw.diags);
        program.assertions.push(Assertion {
            name: a.name.value.clone(),
            cond,
            slots: lw.max_slots,
            span: a.name.span,
        });
    }
    for (item, w) in &decls.waivers {
        if let Some(waiver) = controls::waiver(item, w, &env, &program, now, &mut diags) {
            audit::waiver_honesty(w, &mut diags);
            program.waivers.push(waiver);
        }
    }
    for (item, a) in &decls.attestations {
        if let Some(a) = audit::attestation(item, a, &env, &program, now, &mut diags) {
            program.attestations.push(a);
        }
    }
    for (item, t, file) in &decls.tests {
        let test = controls::test(item, t, *file, &env, &program, sources, &mut diags);
        program.tests.push(test);
    }
    ownership::analyze(&program, &layer_spans, &mut diags);
    (program, diags)
}

/// W004: a user `fn` takes precedence over the built-in of its name in
/// every file loaded with it (std's and other policies' calls included),
/// so say so where it is declared.
fn shadowed_builtin(name: &Name) -> Diagnostic {
    let n = &name.text;
    Diagnostic::warning(
        "W004",
        format!("function `{n}` has the name of a built-in: every call to `{n}` in this run calls it instead"),
    )
    .with_label(name.span, format!("replaces the built-in `{n}`"))
    .with_help(format!(
        "rename the function (`onus help builtins` lists the built-in names), e.g. `my_{n}`"
    ))
}

/// Builds the symbol tables and layer list, reporting duplicates.
fn collect<'m>(
    inputs: &[Input<'m>],
    program: &mut Program,
    diags: &mut Vec<Diagnostic>,
) -> (Env, Decls<'m>) {
    let mut env = Env {
        symbols: HashMap::new(),
        layers: HashMap::new(),
        function_params: Vec::new(),
        frameworks: HashMap::new(),
        parties: Vec::new(),
    };
    let mut decls = Decls {
        parties: Vec::new(),
        models: Vec::new(),
        services: Vec::new(),
        lets: Vec::new(),
        fns: Vec::new(),
        controls: Vec::new(),
        asserts: Vec::new(),
        waivers: Vec::new(),
        attestations: Vec::new(),
        frameworks: Vec::new(),
        tests: Vec::new(),
    };
    let mut spans: HashMap<String, Span> = HashMap::new();
    for builtin in ["provider", "customer"] {
        env.symbols
            .insert(builtin.into(), Symbol::Party(program.parties.len()));
        program.parties.push(Party {
            id: builtin.into(),
            kind: if builtin == "provider" {
                PartyKind::Provider
            } else {
                PartyKind::Customer
            },
            accountable_to: None,
            doc: None,
            span: None,
        });
    }
    let mut declare =
        |name: &Name, symbol: Symbol, env: &mut Env, diags: &mut Vec<Diagnostic>| -> bool {
            if let Some(prev) = env.symbols.get(&name.text) {
                if *prev == Symbol::Broken || symbol == Symbol::Broken {
                    return false;
                }
                let mut d = Diagnostic::error("N002", format!("`{}` is declared twice", name.text))
                    .with_label(name.span, "declared again here");
                match spans.get(&name.text) {
                    Some(first) => d = d.with_label(*first, "first declared here"),
                    None => d = d.with_help(format!("`{}` is built in", name.text)),
                }
                diags.push(d);
                return false;
            }
            if let Some(reason) = reserved_reason(&name.text) {
                diags.push(
                    Diagnostic::error("N003", format!("`{}` cannot be declared", name.text))
                        .with_label(name.span, reason),
                );
                // Uses of the refused name are not reported again.
                env.symbols.insert(name.text.clone(), Symbol::Broken);
                return false;
            }
            env.symbols.insert(name.text.clone(), symbol);
            spans.insert(name.text.clone(), name.span);
            true
        };
    let mut assertion_names: HashMap<&str, Span> = HashMap::new();
    let mut test_names: HashMap<&str, Span> = HashMap::new();
    for input in inputs {
        for item in &input.module.items {
            match &item.kind {
                ItemKind::Layer(l) => {
                    if let Some(&i) = env.layers.get(&l.name.text) {
                        diags.push(
                            Diagnostic::error(
                                "N002",
                                format!("layer `{}` is declared twice", l.name.text),
                            )
                            .with_label(l.name.span, "declared again here")
                            .with_label(program.layers[i].span, "first declared here"),
                        );
                        continue;
                    }
                    env.layers.insert(l.name.text.clone(), program.layers.len());
                    program.layers.push(Layer {
                        id: l.name.text.clone(),
                        description: l.description.clone(),
                        doc: item.doc.clone(),
                        std: input.std,
                        span: l.name.span,
                    });
                }
                ItemKind::Party(p) => {
                    if declare(
                        &p.name,
                        Symbol::Party(program.parties.len()),
                        &mut env,
                        diags,
                    ) {
                        program.parties.push(Party {
                            id: p.name.text.clone(),
                            // An unknown kind is reported by `check_parties`.
                            kind: if p.kind.text == "third_party" {
                                PartyKind::ThirdParty
                            } else {
                                PartyKind::Team
                            },
                            // Resolved by `check_parties`, once every party is known.
                            accountable_to: None,
                            doc: item.doc.clone(),
                            span: Some(p.name.span),
                        });
                        decls.parties.push((item, p));
                    }
                }
                ItemKind::Model(m) => {
                    if declare(&m.name, Symbol::Model(decls.models.len()), &mut env, diags) {
                        decls.models.push((item, m, input.std));
                    }
                }
                ItemKind::Service(s) => {
                    if declare(
                        &s.name,
                        Symbol::Service(decls.services.len()),
                        &mut env,
                        diags,
                    ) {
                        decls.services.push((item, s));
                    }
                }
                ItemKind::Let(l) => {
                    if declare(&l.name, Symbol::Global(decls.lets.len()), &mut env, diags) {
                        decls.lets.push(l);
                    }
                }
                ItemKind::Fn(f) => {
                    if Builtin::from_name(&f.name.text).is_some() {
                        diags.push(shadowed_builtin(&f.name));
                    }
                    if declare(&f.name, Symbol::Function(decls.fns.len()), &mut env, diags) {
                        env.function_params.push(f.params.len());
                        decls.fns.push(f);
                    }
                }
                ItemKind::Control(c) => {
                    if declare(
                        &c.name,
                        Symbol::Control(decls.controls.len()),
                        &mut env,
                        diags,
                    ) {
                        decls.controls.push((item, c));
                    }
                }
                ItemKind::Assert(a) => {
                    if let Some(first) = assertion_names.insert(&a.name.value, a.name.span) {
                        diags.push(duplicate_string("assertion", &a.name, first));
                    } else {
                        decls.asserts.push(a);
                    }
                }
                ItemKind::Waive(w) => decls.waivers.push((item, w)),
                ItemKind::Attest(a) => decls.attestations.push((item, a)),
                ItemKind::Framework(f) => decls.frameworks.push((f, input.file)),
                ItemKind::Test(t) => {
                    if let Some(first) = test_names.insert(&t.name.value, t.name.span) {
                        diags.push(duplicate_string("test", &t.name, first));
                    } else {
                        decls.tests.push((item, t, input.file));
                    }
                }
                ItemKind::Broken(Some(name)) => {
                    env.symbols
                        .entry(name.text.clone())
                        .or_insert(Symbol::Broken);
                }
                ItemKind::Use(_) | ItemKind::Broken(None) => {}
            }
        }
    }
    env.parties = program.parties.iter().map(|p| p.id.clone()).collect();
    (env, decls)
}

fn duplicate_string(what: &str, name: &ast::StrLit, first: Span) -> Diagnostic {
    Diagnostic::error(
        "N002",
        format!("{what} \"{}\" is declared twice", name.value),
    )
    .with_label(name.span, "declared again here")
    .with_label(first, "first declared here")
}

/// Party kinds, and each `accountable_to` resolved to a party.
fn check_parties(decls: &Decls<'_>, env: &Env, program: &mut Program, diags: &mut Vec<Diagnostic>) {
    for (_, p) in &decls.parties {
        if !PARTY_KINDS.contains(&p.kind.text.as_str()) {
            diags.push(
                Diagnostic::error("N009", format!("unknown party kind `{}`", p.kind.text))
                    .with_label(p.kind.span, "not a party kind")
                    .with_help("a party is a `team` (inside the customer) or a `third_party`"),
            );
        }
        let Some(to) = &p.accountable_to else {
            continue;
        };
        match env.party(&to.text) {
            Some(target) => {
                if let Some(Symbol::Party(i)) = env.symbols.get(&p.name.text)
                    && let Some(party) = program.parties.get_mut(*i)
                {
                    party.accountable_to = Some(target);
                }
            }
            None => {
                let d = Diagnostic::error("N006", format!("unknown party `{}`", to.text))
                    .with_label(to.span, "not a declared party");
                diags.push(with_suggestion(d, &to.text, env.party_names()));
            }
        }
    }
}

/// Each `let` and `fn`: what it uses (with where), and where it is declared.
type DepGraph = HashMap<Dep, (Vec<(Dep, Span)>, Span)>;

/// Refuses recursion among `let`s and `fn`s (SPEC §3: the language always
/// terminates). Each cycle is reported once, from its first declaration,
/// with the path the depth-first search took. Only declarations on a cycle
/// are searched from, and only within their own cycle, and paths are kept
/// as parent links: a long chain of `let`s without recursion costs linear
/// time (copying the path at every step made 8,000 of them take minutes).
fn check_recursion(deps: &DepGraph, program: &Program, diags: &mut Vec<Diagnostic>) {
    let name = |d: Dep| match d {
        Dep::Global(i) => program.globals[i].name.clone(),
        Dep::Function(i) => program.functions[i].name.clone(),
    };
    let cycles = cycle_components(deps);
    let mut reported: HashSet<Dep> = HashSet::new();
    let mut starts: Vec<&Dep> = deps.keys().filter(|d| cycles.contains_key(d)).collect();
    starts.sort_by_key(|d| deps[d].1.start);
    for &start in starts {
        // Every cycle through an already reported declaration was seen.
        if reported.contains(&start) {
            continue;
        }
        let component = cycles.get(&start);
        // Depth-first search with an explicit stack; `parent` links each
        // node found to the node it was found from.
        let mut stack = vec![start];
        let mut parent: HashMap<Dep, Dep> = HashMap::new();
        let mut seen = HashSet::new();
        while let Some(node) = stack.pop() {
            let Some((edges, _)) = deps.get(&node) else {
                continue;
            };
            for (next, span) in edges {
                if *next == start {
                    let mut path = vec![node];
                    while let Some(p) = parent.get(path.last().unwrap_or(&start)) {
                        path.push(*p);
                    }
                    path.reverse();
                    if path.iter().any(|p| reported.contains(p)) {
                        continue;
                    }
                    reported.extend(path.iter().copied());
                    let cycle: Vec<String> =
                        path.iter().map(|d| format!("`{}`", name(*d))).collect();
                    let what = if matches!(start, Dep::Function(_)) {
                        "function"
                    } else {
                        "`let`"
                    };
                    diags.push(
                        Diagnostic::error("T003", format!("recursion: {what} `{}` refers to itself", name(start)))
                            .with_label(*span, format!("cycle: {} -> `{}`", cycle.join(" -> "), name(start)))
                            .with_label(deps[&start].1, "declared here")
                            .with_help("onus refuses recursion so every policy terminates; iterate with `all`, `any` or a comprehension"),
                    );
                } else if cycles.get(next) == component && seen.insert(*next) {
                    parent.insert(*next, node);
                    stack.push(*next);
                }
            }
        }
    }
}

/// The declarations that lie on a cycle, each with the number of its
/// strongly connected component. petgraph's Kosaraju search is iterative:
/// no chain of declarations can exhaust the stack.
fn cycle_components(deps: &DepGraph) -> HashMap<Dep, usize> {
    let mut graph = DiGraphMap::<Dep, ()>::new();
    for (&from, (edges, _)) in deps {
        graph.add_node(from);
        for (to, _) in edges {
            graph.add_edge(from, *to, ());
        }
    }
    kosaraju_scc(&graph)
        .into_iter()
        .filter(|c| c.len() > 1 || c.iter().any(|&d| graph.contains_edge(d, d)))
        .enumerate()
        .flat_map(|(id, component)| component.into_iter().map(move |d| (d, id)))
        .collect()
}
