//! Redefinition: what a declaration declares (its name in its namespace),
//! and taking earlier declarations of the same names out of the loaded
//! modules, so that a name entered again in the REPL replaces the old one
//! instead of being a duplicate. The standard library is never replaced.

use crate::ast::{Item, ItemKind};
use crate::session::LoadedModule;
use crate::source::Span;

/// A declared name, in its namespace: parties, models, services, `let`s,
/// `fn`s and controls share one; layers, assertions, tests and frameworks
/// have their own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Key {
    Symbol(String),
    Layer(String),
    Assertion(String),
    Test(String),
    Framework(String),
}

/// One declaration that declares a name.
#[derive(Clone, Debug, PartialEq)]
pub struct Declared {
    pub key: Key,
    /// `control`, `service`, ... as written.
    pub kind: &'static str,
    pub name: String,
    pub span: Span,
}

impl Declared {
    /// How messages name it: control `x`, assert "text".
    pub fn label(&self) -> String {
        let name = crate::escape::terminal(&self.name);
        match self.key {
            Key::Assertion(_) | Key::Test(_) => format!("{} \"{name}\"", self.kind),
            _ => format!("{} `{name}`", self.kind),
        }
    }
}

/// What an item declares; None for `use`, `waive` and `attest` (they
/// name nothing).
pub fn declared(item: &Item) -> Option<Declared> {
    let symbol = |kind, name: &crate::ast::Name| Declared {
        key: Key::Symbol(name.text.clone()),
        kind,
        name: name.text.clone(),
        span: name.span,
    };
    Some(match &item.kind {
        ItemKind::Party(p) => symbol("party", &p.name),
        ItemKind::Model(m) => symbol("model", &m.name),
        ItemKind::Service(s) => symbol("service", &s.name),
        ItemKind::Let(l) => symbol("let", &l.name),
        ItemKind::Fn(f) => symbol("fn", &f.name),
        ItemKind::Control(c) => symbol("control", &c.name),
        ItemKind::Broken(Some(name)) => symbol("declaration", name),
        ItemKind::Layer(l) => Declared {
            key: Key::Layer(l.name.text.clone()),
            kind: "layer",
            name: l.name.text.clone(),
            span: l.name.span,
        },
        ItemKind::Assert(a) => Declared {
            key: Key::Assertion(a.name.value.clone()),
            kind: "assert",
            name: a.name.value.clone(),
            span: a.name.span,
        },
        ItemKind::Test(t) => Declared {
            key: Key::Test(t.name.value.clone()),
            kind: "test",
            name: t.name.value.clone(),
            span: t.name.span,
        },
        ItemKind::Framework(f) => Declared {
            key: Key::Framework(f.name.text.clone()),
            kind: "framework",
            name: f.name.text.clone(),
            span: f.name.span,
        },
        ItemKind::Use(_) | ItemKind::Waive(_) | ItemKind::Attest(_) | ItemKind::Broken(None) => {
            return None;
        }
    })
}

/// Takes every declaration of one of `keys` out of `modules` (except the
/// standard library's) and says what was taken out.
pub fn take_out(modules: &mut [LoadedModule], keys: &[Key]) -> Vec<Declared> {
    let mut replaced = Vec::new();
    for module in modules.iter_mut().filter(|m| !m.std) {
        module.module.items.retain(|item| match declared(item) {
            Some(d) if keys.contains(&d.key) => {
                replaced.push(d);
                false
            }
            _ => true,
        });
    }
    replaced
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parser::parse_module;
    use crate::source::FileId;

    fn module(src: &str, file: u32, std: bool) -> LoadedModule {
        let parsed = parse_module(src, FileId(file));
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        LoadedModule {
            file: FileId(file),
            module: parsed.module,
            std,
        }
    }

    #[test]
    fn names_per_namespace() {
        let m = module(
            "let a = 1 layer a.b \"x\" assert \"a\": true waive c for \"k\" use std",
            0,
            false,
        );
        let keys: Vec<Option<Key>> = m
            .module
            .items
            .iter()
            .map(|i| declared(i).map(|d| d.key))
            .collect();
        assert_eq!(
            keys,
            vec![
                Some(Key::Symbol("a".into())),
                Some(Key::Layer("a.b".into())),
                Some(Key::Assertion("a".into())),
                None,
                None
            ]
        );
    }

    #[test]
    fn takes_out_only_the_named_declarations_and_never_std() {
        let mut modules = vec![
            module("let a = 1 let b = 2", 0, false),
            module("let a = 3", 1, true),
        ];
        let replaced = take_out(&mut modules, &[Key::Symbol("a".into())]);
        assert_eq!(replaced.len(), 1);
        assert_eq!(replaced[0].span.file, FileId(0));
        assert_eq!(modules[0].module.items.len(), 1);
        assert_eq!(modules[1].module.items.len(), 1);
    }
}
