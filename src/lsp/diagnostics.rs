//! Diagnostics for the editor: the loads' `Diagnostic`s in, one list of
//! LSP diagnostics per file out, with the CLI's codes, severities and
//! messages, the primary label as the range and every label (in any file)
//! as related information. Each file's list comes from one load: the
//! file's own when it is open, else the first load that read it.

use super::position::{Address, LineIndex};
use super::workspace::{Analysis, Root, Workspace};
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::Span;
use lsp_types::{
    DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString, Position, Range,
};
use std::collections::BTreeMap;

pub type Published = BTreeMap<Address, Vec<lsp_types::Diagnostic>>;

/// Every file's diagnostics, over all loads: an open document's from its
/// own load, any other file's from the first load that read it.
pub fn collect(workspace: &Workspace) -> Published {
    let grouped: Vec<(&Root, &Analysis, Published)> = workspace
        .analyses()
        .map(|(root, analysis)| {
            let mut here: Published = BTreeMap::new();
            for d in analysis.diagnostics() {
                let (address, lsp) = convert(d, analysis);
                here.entry(address).or_default().push(lsp);
            }
            (root, analysis, here)
        })
        .collect();
    let mut addresses: Vec<&Address> = grouped.iter().flat_map(|(_, _, g)| g.keys()).collect();
    addresses.extend(workspace.documents.keys());
    addresses.sort();
    addresses.dedup();
    let mut out = Published::new();
    for address in addresses {
        let answering = match address {
            Address::File(path) if workspace.documents.contains_key(address) => {
                let own = Workspace::root_of(path);
                grouped.iter().find(|(root, _, _)| **root == own)
            }
            _ => grouped.iter().find(|(_, a, _)| a.file(address).is_some()),
        };
        let list = answering
            .and_then(|(_, _, g)| g.get(address).cloned())
            .unwrap_or_default();
        out.insert(address.clone(), list);
    }
    out
}

/// One diagnostic as the editor gets it (a code action names the ones it
/// fixes).
pub fn collect_one(d: &Diagnostic, analysis: &Analysis) -> lsp_types::Diagnostic {
    convert(d, analysis).1
}

/// A diagnostic without a source location is shown at the top of the
/// document its load started from.
fn convert(d: &Diagnostic, analysis: &Analysis) -> (Address, lsp_types::Diagnostic) {
    let located = d
        .primary_span()
        .and_then(|span| Some((analysis.address(span.file)?, range(analysis, span))));
    let (address, primary) = located.unwrap_or_else(|| {
        (
            Address::File(analysis.document.clone()),
            Range::new(Position::new(0, 0), Position::new(0, 0)),
        )
    });
    let related: Vec<DiagnosticRelatedInformation> = d
        .labels
        .iter()
        .filter_map(|l| {
            let uri = analysis.address(l.span.file)?.uri()?;
            Some(DiagnosticRelatedInformation {
                location: Location::new(uri, range(analysis, l.span)),
                message: l.message.clone(),
            })
        })
        .collect();
    let mut message = d.message.clone();
    if let Some((file, line, column)) = &d.at {
        message.push_str(&format!(" ({file}:{line}:{column})"));
    }
    if let Some(help) = &d.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    let lsp = lsp_types::Diagnostic {
        range: primary,
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(d.code.to_string())),
        source: Some("onus".into()),
        message,
        related_information: Some(related).filter(|r| !r.is_empty()),
        ..lsp_types::Diagnostic::default()
    };
    (address, lsp)
}

pub fn range(analysis: &Analysis, span: Span) -> Range {
    let text = &analysis.session.sources.get(span.file).text;
    LineIndex::new(text).range(span.range())
}
