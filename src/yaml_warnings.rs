//! The F040 warnings of a YAML facts file read by YAML 1.2: its plain
//! scalars that YAML 1.1 reads otherwise, in, diagnostics with the file,
//! line and column, both readings and the flag that picks the other, out.
//! A file may have many; the first `SHOWN` are shown, and one more
//! warning counts the rest, so the difference is never silent.

use crate::diagnostic::Diagnostic;
use crate::facts::{Ambiguity, Facts, Node};

/// How many scalars of one file are warned about one by one.
const SHOWN: usize = 20;

/// The warnings for `ambiguities` found reading `facts` from `source`.
pub fn warnings(source: &str, facts: &Facts, ambiguities: &[Ambiguity]) -> Vec<Diagnostic> {
    if ambiguities.is_empty() {
        return Vec::new();
    }
    let who = if is_kubernetes(facts) {
        "as Kubernetes reads this manifest"
    } else {
        "as Kubernetes and other YAML 1.1 readers read it"
    };
    let mut out: Vec<Diagnostic> = ambiguities
        .iter()
        .take(SHOWN)
        .map(|a| {
            Diagnostic::warning(
                "F040",
                format!(
                    "`{}` is read as {} by YAML 1.2 (the default) but as {} by YAML 1.1, {who}",
                    a.text, a.yaml12, a.yaml11
                ),
            )
            .at(source.to_string(), a.line, a.column)
            .with_help(
                "quote the scalar (or write the value meant) to read the same everywhere, \
                 or pass --yaml-schema 1.1 to read the facts as YAML 1.1",
            )
        })
        .collect();
    if ambiguities.len() > SHOWN {
        out.push(
            Diagnostic::warning(
                "F040",
                format!(
                    "{} more plain scalars in {source} are read otherwise by YAML 1.1",
                    ambiguities.len() - SHOWN
                ),
            )
            .with_help("pass --yaml-schema 1.1 to read the facts as YAML 1.1"),
        );
    }
    out
}

/// Whether the facts are a Kubernetes manifest: a document (or the first
/// of a stream) with `apiVersion` and `kind`.
fn is_kubernetes(facts: &Facts) -> bool {
    let document = match facts.root() {
        Node::Array(block) => facts.child(block, 0),
        root => Some(root),
    };
    match document {
        Some(Node::Object(block)) => {
            facts.get(block, "apiVersion", 0).is_some() && facts.get(block, "kind", 1).is_some()
        }
        _ => false,
    }
}
