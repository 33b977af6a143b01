//! `onus import oscal`: a provider's system security plan or component
//! definition (OSCAL JSON) in, onus source out: a model whose layers follow
//! the `provided` / `responsibility` statements, a service per component,
//! and a require-less control per statement, with the requirement in
//! `refs`. Invariant: the output is canonical (`onus fmt --check` passes)
//! and loads without errors; a bad input is one diagnostic with an O1xx
//! code (O101 unreadable, O102 not JSON, O103 another kind of document,
//! O104 a required part missing, O105 a bad mapping file, O106 a bad
//! name or flag value), never a panic.

mod document;
pub mod mapping;
mod plan;
mod print;

use crate::diagnostic::Diagnostic;
use crate::parser::parse_module;
use crate::source::FileId;
pub use mapping::Mapping;

/// What the command line chooses.
#[derive(Debug, Default)]
pub struct Options<'a> {
    /// The model's name (default: from the system's or component's title).
    pub model: Option<&'a str>,
    /// A std model the imported one extends, so the layers the document
    /// does not speak of have deciders.
    pub extends: Option<&'a str>,
    /// The framework name of the refs (default: `nist_800_53` for an
    /// SP 800-53 document, else `oscal`).
    pub framework: Option<&'a str>,
    /// A catalog to declare the framework from (`framework NAME from "FILE"`).
    pub catalog: Option<&'a str>,
    pub mapping: Option<(&'a str, &'a Mapping)>,
}

/// The onus source for the document `bytes` read from `name`.
#[allow(
    clippy::result_large_err,
    reason = "one import per run; the error is rendered at once"
)]
pub fn import(name: &str, bytes: &[u8], options: &Options) -> Result<String, Diagnostic> {
    let (std_layers, std_models, std_names) = std_declarations();
    let mut names = plan::Names::new(std_names);
    for (flag, value) in [
        ("--as-model", options.model),
        ("--framework", options.framework),
    ] {
        if let Some(v) = value
            && (!crate::lexer::is_identifier(v) || names_taken(&mut names, v))
        {
            return Err(Diagnostic::error(
                "O106",
                format!("{flag} `{v}` is not a name onus lets a policy declare"),
            )
            .with_help("a name is [A-Za-z_][A-Za-z0-9_]*, not a keyword, an enum word or a standard library name"));
        }
    }
    if let Some(parent) = options.extends
        && !std_models.iter().any(|m| m == parent)
    {
        return Err(Diagnostic::error(
            "O106",
            format!("--extends `{parent}` is not a standard library model"),
        )
        .with_help(format!("the standard models: {}", std_models.join(", "))));
    }
    let doc = document::read(name, bytes)?;
    let default_mapping = Mapping::default();
    let mapping = options.mapping.map_or(&default_mapping, |(_, m)| m);
    let framework = options
        .framework
        .unwrap_or_else(|| guess_framework(&doc.framework_hints));
    if options.catalog.is_some() {
        names.claim(framework, "framework");
    }
    let inputs = plan::Inputs {
        model: options.model,
        extends: options.extends,
        framework,
        mapping,
        std_layers: &std_layers,
        std_models: &std_models,
    };
    let plan = plan::build(&doc, &inputs, &mut names);
    let header = print::Header {
        file: name,
        kind: doc.kind.root_key(),
        title: &doc.title,
        uuid: &doc.uuid,
        mapping,
        mapping_file: options.mapping.map(|(file, _)| file),
        framework,
        catalog: options.catalog,
    };
    let source = print::source(&plan, &header);
    crate::fmt::format_source(&source, FileId(0)).map_err(|mut diagnostics| {
        // The printer made text the formatter refuses: a bug, reported as one.
        let first = diagnostics.swap_remove(0);
        Diagnostic::error(
            "M001",
            format!(
                "onus import produced source it cannot format: {}",
                first.message
            ),
        )
    })
}

/// Whether a name the user chose is reserved (claims it otherwise).
fn names_taken(names: &mut plan::Names, name: &str) -> bool {
    names.claim(name, "name") != name
}

/// The framework the document answers, from its profile's or source's
/// description.
fn guess_framework(hints: &[String]) -> &'static str {
    if hints.iter().any(|h| h.contains("800-53")) {
        "nist_800_53"
    } else {
        "oscal"
    }
}

/// std's layers, its models, and the names it declares in the namespace
/// of parties, models, services and controls (layers have their own).
fn std_declarations() -> (Vec<String>, Vec<String>, Vec<String>) {
    let (mut layers, mut models, mut names) = (Vec::new(), Vec::new(), Vec::new());
    for (_, text) in crate::stdlib::FILES {
        for item in parse_module(text, FileId(0)).module.items {
            use crate::ast::ItemKind;
            match &item.kind {
                ItemKind::Layer(l) => layers.push(l.name.text.clone()),
                ItemKind::Model(m) => models.push(m.name.text.clone()),
                _ => {}
            }
            if let Some(n) = item.kind.declared_name()
                && !matches!(item.kind, ItemKind::Layer(_))
            {
                names.push(n.text.clone());
            }
        }
    }
    (layers, models, names)
}

#[cfg(test)]
mod tests;
