//! Where names are written: the parsed modules of one `Session` in, every
//! declaration and every use of a layer, party, model, service, control,
//! `let`, `fn`, built-in or local variable out, each with its span and the
//! declaration it means. Meanings follow the checker's rules (a local
//! shadows a global, a dotted name whose first part is no variable is a
//! layer); nothing here parses or reports.

use crate::ast::{
    self, ExpectTarget, Expectation, Expr, ExprKind, Given, ItemKind, ServiceMember, Step,
};
use crate::builtins::Builtin;
use crate::session::Session;
use crate::source::{FileId, Span};
use crate::value::Word;
use std::collections::HashMap;

/// What a name means.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    Layer(String),
    Party(String),
    Model(String),
    Service(String),
    Control(String),
    Let(String),
    Fn(String),
    Builtin(Builtin),
    /// A loop variable, a control's `let` or a `fn` parameter, by the span
    /// of its binding.
    Local(String, Span),
}

/// The declaration an occurrence is written in, for answers that depend
/// on it (a layer in a control means that control's service's cell).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Within {
    Control(String),
    Service(String),
    Model(String),
    Other,
}

#[derive(Clone, Debug)]
pub struct Occurrence {
    pub span: Span,
    pub target: Target,
    pub definition: bool,
    pub within: Within,
}

#[derive(Default)]
pub struct Index {
    pub occurrences: Vec<Occurrence>,
    /// `use "path"` strings: their span and the file they load.
    pub uses: Vec<(Span, FileId)>,
}

impl Index {
    pub fn build(session: &Session) -> Index {
        let globals = global_names(session);
        let mut index = Index::default();
        for m in &session.modules {
            let mut walker = Walker {
                globals: &globals,
                layers: session
                    .program
                    .layers
                    .iter()
                    .map(|l| l.id.as_str())
                    .collect(),
                scopes: Vec::new(),
                within: Within::Other,
                out: &mut index.occurrences,
            };
            for item in &m.module.items {
                walker.item(&item.kind);
            }
            index.uses.extend(uses(session, m.file, &m.module));
        }
        index
    }

    /// The innermost occurrence at a byte offset of a file.
    pub fn at(&self, file: FileId, offset: usize) -> Option<&Occurrence> {
        let offset = offset as u32;
        self.occurrences
            .iter()
            .filter(|o| o.span.file == file && o.span.start <= offset && offset <= o.span.end)
            .min_by_key(|o| o.span.end - o.span.start)
    }

    pub fn definition(&self, target: &Target) -> Option<Span> {
        if let Target::Local(_, span) = target {
            return Some(*span);
        }
        self.occurrences
            .iter()
            .find(|o| o.definition && &o.target == target)
            .map(|o| o.span)
    }

    pub fn references<'i>(&'i self, target: &'i Target) -> impl Iterator<Item = &'i Occurrence> {
        self.occurrences.iter().filter(move |o| &o.target == target)
    }

    /// The local variables in scope at an offset: their names.
    pub fn locals_at(&self, file: FileId, offset: usize) -> Vec<String> {
        let mut names: Vec<String> = self
            .occurrences
            .iter()
            .filter(|o| o.definition && o.span.file == file && (o.span.end as usize) < offset)
            .filter_map(|o| match &o.target {
                Target::Local(name, _) => Some(name.clone()),
                _ => None,
            })
            .collect();
        names.sort();
        names.dedup();
        names
    }
}

/// Every top-level name of the load, with what it declares.
fn global_names(session: &Session) -> HashMap<String, Target> {
    let p = &session.program;
    let mut names = HashMap::new();
    type Kind<'p> = (Vec<&'p str>, fn(String) -> Target);
    let kinds: [Kind<'_>; 6] = [
        (
            p.parties.iter().map(|x| x.id.as_str()).collect(),
            Target::Party,
        ),
        (
            p.models.iter().map(|x| x.id.as_str()).collect(),
            Target::Model,
        ),
        (
            p.services.iter().map(|x| x.id.as_str()).collect(),
            Target::Service,
        ),
        (
            p.controls.iter().map(|x| x.id.as_str()).collect(),
            Target::Control,
        ),
        (
            p.globals.iter().map(|x| x.name.as_str()).collect(),
            Target::Let,
        ),
        (
            p.functions.iter().map(|x| x.name.as_str()).collect(),
            Target::Fn,
        ),
    ];
    for (list, make) in kinds {
        for name in list {
            names.insert(name.to_string(), make(name.to_string()));
        }
    }
    names
}

fn uses(session: &Session, file: FileId, module: &ast::Module) -> Vec<(Span, FileId)> {
    let Some(dir) = session.sources.get(file).dir() else {
        return Vec::new();
    };
    module
        .items
        .iter()
        .filter_map(|item| match &item.kind {
            ItemKind::Use(ast::UseTarget::Path(path, span)) => {
                let target = dir.join(path);
                let target = target.canonicalize().unwrap_or(target);
                let origin = crate::source::Origin::Path(target);
                Some((*span, session.sources.find(&origin)?))
            }
            _ => None,
        })
        .collect()
}

/// Reserved names (SPEC §3) that are never references.
const RESERVED: &[&str] = &["facts", "now", "controls", "services", "layers", "parties"];

struct Walker<'a> {
    globals: &'a HashMap<String, Target>,
    layers: Vec<&'a str>,
    /// Local bindings in scope, innermost last.
    scopes: Vec<(String, Span)>,
    within: Within,
    out: &'a mut Vec<Occurrence>,
}

impl Walker<'_> {
    fn push(&mut self, span: Span, target: Target, definition: bool) {
        self.out.push(Occurrence {
            span,
            target,
            definition,
            within: self.within.clone(),
        });
    }

    fn define(&mut self, name: &ast::Name, target: Target) {
        self.push(name.span, target, true);
    }

    fn bind(&mut self, name: &ast::Name) {
        self.push(name.span, Target::Local(name.text.clone(), name.span), true);
        self.scopes.push((name.text.clone(), name.span));
    }

    /// A name written where only a party or an ownership word may stand.
    fn party(&mut self, name: &ast::Name) {
        if let Some(t @ Target::Party(_)) = self.globals.get(&name.text) {
            self.push(name.span, t.clone(), false);
        }
    }

    fn layer(&mut self, name: &ast::Name) {
        if self.layers.contains(&name.text.as_str()) {
            self.push(name.span, Target::Layer(name.text.clone()), false);
        }
    }

    fn global(&mut self, name: &ast::Name) {
        if let Some(t) = self.globals.get(&name.text) {
            self.push(name.span, t.clone(), false);
        }
    }

    fn assignment(&mut self, a: &ast::Assignment) {
        self.layer(&a.layer);
        self.party(&a.decider);
        if let Some(op) = &a.operated_by {
            self.party(op);
        }
    }

    fn item(&mut self, kind: &ItemKind) {
        self.within = Within::Other;
        self.scopes.clear();
        match kind {
            // A framework's requirements are named in strings (`refs`).
            ItemKind::Use(_) | ItemKind::Broken(_) | ItemKind::Framework(_) => {}
            ItemKind::Party(p) => {
                self.define(&p.name, Target::Party(p.name.text.clone()));
                if let Some(to) = &p.accountable_to {
                    self.party(to);
                }
            }
            ItemKind::Layer(l) => self.define(&l.name, Target::Layer(l.name.text.clone())),
            ItemKind::Model(m) => {
                self.within = Within::Model(m.name.text.clone());
                self.define(&m.name, Target::Model(m.name.text.clone()));
                if let Some(parent) = &m.extends {
                    self.global(parent);
                }
                for entry in &m.entries {
                    self.assignment(entry);
                }
            }
            ItemKind::Service(s) => {
                self.within = Within::Service(s.name.text.clone());
                self.define(&s.name, Target::Service(s.name.text.clone()));
                for on in s.model.iter().chain(&s.host) {
                    self.global(on);
                }
                for member in &s.members {
                    match member {
                        ServiceMember::Attr(_, value) => self.expr(value),
                        ServiceMember::Override(a) => self.assignment(a),
                    }
                }
            }
            ItemKind::Let(l) => {
                self.define(&l.name, Target::Let(l.name.text.clone()));
                self.expr(&l.value);
            }
            ItemKind::Fn(f) => {
                self.define(&f.name, Target::Fn(f.name.text.clone()));
                for p in &f.params {
                    self.bind(p);
                }
                self.expr(&f.body);
            }
            ItemKind::Control(c) => self.control(c),
            ItemKind::Assert(a) => self.expr(&a.cond),
            ItemKind::Waive(w) => {
                self.global(&w.control);
                if let Some(keys) = &w.keys {
                    self.expr(keys);
                }
            }
            ItemKind::Attest(a) => {
                self.global(&a.control);
                if let Some(keys) = &a.keys {
                    self.expr(keys);
                }
            }
            ItemKind::Test(t) => {
                for given in &t.givens {
                    if let Given::Inline(e) = &given.source {
                        self.expr(e);
                    }
                }
                for x in &t.expects {
                    if let ExpectTarget::Control(name) = &x.target {
                        self.global(name);
                    }
                    if let Expectation::Fails(Some(e)) = &x.expectation {
                        self.expr(e);
                    }
                }
            }
        }
    }

    fn control(&mut self, c: &ast::Control) {
        self.within = Within::Control(c.name.text.clone());
        self.define(&c.name, Target::Control(c.name.text.clone()));
        for (_, value) in &c.fields {
            self.expr(value);
        }
        if let Some(sel) = &c.selection {
            self.expr(&sel.source);
            for v in &sel.vars {
                self.bind(v);
            }
            if let Some(f) = &sel.filter {
                self.expr(f);
            }
        }
        if let Some(k) = &c.key {
            self.expr(k);
        }
        for step in &c.steps {
            match step {
                Step::Let(l) => {
                    self.expr(&l.value);
                    self.bind(&l.name);
                }
                Step::Require { cond, message, .. } => {
                    self.expr(cond);
                    if let Some(m) = message {
                        self.expr(m);
                    }
                }
            }
        }
    }

    fn local(&self, name: &str) -> Option<Span> {
        self.scopes
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, s)| *s)
    }

    /// Walks an expression with an explicit stack of pending work, so a
    /// hostile, deeply nested expression cannot exhaust the stack.
    fn expr(&mut self, root: &Expr) {
        enum Work<'e> {
            Visit(&'e Expr),
            /// Leave the scope of loop variables, back to this many bindings.
            Unbind(usize),
            Bind(&'e [ast::Name]),
        }
        let mut work = vec![Work::Visit(root)];
        while let Some(next) = work.pop() {
            let e = match next {
                Work::Visit(e) => e,
                Work::Unbind(to) => {
                    self.scopes.truncate(to);
                    continue;
                }
                Work::Bind(vars) => {
                    vars.iter().for_each(|v| self.bind(v));
                    continue;
                }
            };
            match &e.kind {
                ExprKind::Name(n) => self.name(n, e.span),
                ExprKind::Field { .. } if self.dotted_layer(e) => {}
                ExprKind::Call { callee, args } => {
                    match self.globals.get(&callee.text) {
                        Some(t @ Target::Fn(_)) => {
                            let t = t.clone();
                            self.push(callee.span, t, false);
                        }
                        _ => {
                            if let Some(b) = Builtin::from_name(&callee.text) {
                                self.push(callee.span, Target::Builtin(b), false);
                            }
                        }
                    }
                    work.extend(args.iter().rev().map(Work::Visit));
                }
                ExprKind::Quant {
                    vars,
                    source,
                    filter,
                    body,
                    ..
                } => {
                    // Pushed in reverse: source, bind, filter, body, unbind.
                    work.push(Work::Unbind(self.scopes.len()));
                    work.push(Work::Visit(body));
                    if let Some(f) = filter {
                        work.push(Work::Visit(f));
                    }
                    work.push(Work::Bind(vars));
                    work.push(Work::Visit(source));
                }
                ExprKind::Comprehension {
                    elem,
                    vars,
                    source,
                    filter,
                } => {
                    work.push(Work::Unbind(self.scopes.len()));
                    work.push(Work::Visit(elem));
                    if let Some(f) = filter {
                        work.push(Work::Visit(f));
                    }
                    work.push(Work::Bind(vars));
                    work.push(Work::Visit(source));
                }
                ExprKind::ObjectComprehension {
                    key,
                    value,
                    vars,
                    source,
                    filter,
                } => {
                    work.push(Work::Unbind(self.scopes.len()));
                    work.push(Work::Visit(value));
                    work.push(Work::Visit(key));
                    if let Some(f) = filter {
                        work.push(Work::Visit(f));
                    }
                    work.push(Work::Bind(vars));
                    work.push(Work::Visit(source));
                }
                ExprKind::With { name, value, body } => {
                    // `with n = v: body`: `n` is bound in the body only.
                    work.push(Work::Unbind(self.scopes.len()));
                    work.push(Work::Visit(body));
                    work.push(Work::Bind(std::slice::from_ref(name)));
                    work.push(Work::Visit(value));
                }
                _ => {
                    let mut children = Vec::new();
                    e.for_each_child(|c| children.push(c));
                    work.extend(children.into_iter().rev().map(Work::Visit));
                }
            }
        }
    }

    fn name(&mut self, n: &str, span: Span) {
        if let Some(def) = self.local(n) {
            self.push(span, Target::Local(n.to_string(), def), false);
            return;
        }
        if RESERVED.contains(&n) {
            return;
        }
        if let Some(t) = self.globals.get(n) {
            self.push(span, t.clone(), false);
            return;
        }
        if Word::parse(n).is_none() && self.layers.contains(&n) {
            self.push(span, Target::Layer(n.to_string()), false);
        }
    }

    /// `network.virtual` in an expression: recorded as the layer when the
    /// checker reads it so (its first part is no variable, `let` or
    /// reserved name).
    fn dotted_layer(&mut self, e: &Expr) -> bool {
        let mut root = e;
        while let ExprKind::Field { base, .. } = &root.kind {
            root = base;
        }
        let ExprKind::Name(first) = &root.kind else {
            return false;
        };
        let shadowed = self.local(first).is_some()
            || RESERVED.contains(&first.as_str())
            || matches!(self.globals.get(first), Some(Target::Let(_)));
        match e.as_dotted() {
            Some(dotted) if !shadowed && self.layers.contains(&dotted.as_str()) => {
                self.push(e.span, Target::Layer(dotted), false);
                true
            }
            _ => false,
        }
    }
}
