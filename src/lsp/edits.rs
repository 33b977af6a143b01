//! What the server changes or outlines in a document: formatting through
//! the `fmt` engine (the same text as `onus fmt`, nothing for a document
//! that does not parse), the O003 quick fix that rewrites a claimed owner
//! to the decider, and the document's declarations as symbols.

use super::diagnostics::range;
use super::position::LineIndex;
use super::workspace::Analysis;
use crate::ast::ItemKind;
use crate::source::{FileId, Span};
use lsp_types::{
    CodeAction, CodeActionKind, DocumentSymbol, Range, SymbolKind, TextEdit, Uri, WorkspaceEdit,
};
use std::collections::HashMap;

/// One edit that turns `text` into its canonical layout, or none.
pub fn format(text: &str) -> Option<Vec<TextEdit>> {
    let formatted = crate::fmt::format_source(text, FileId(0)).ok()?;
    if formatted == text {
        return Some(Vec::new());
    }
    let whole = LineIndex::new(text).range(0..text.len());
    Some(vec![TextEdit::new(whole, formatted)])
}

/// For each O003 in `file` that overlaps `wanted`: replace the claimed
/// owner with the word for who decides the layer.
pub fn owner_fixes(analysis: &Analysis, file: FileId, uri: &Uri, wanted: Range) -> Vec<CodeAction> {
    let program = &analysis.session.program;
    let mut actions = Vec::new();
    for d in analysis
        .session
        .diagnostics
        .iter()
        .filter(|d| d.code == "O003")
    {
        let Some(span) = d.primary_span().filter(|s| s.file == file) else {
            continue;
        };
        let at = range(analysis, span);
        if at.end < wanted.start || wanted.end < at.start {
            continue;
        }
        let Some(control) = program
            .controls
            .iter()
            .find(|c| c.explicit_owner.is_some_and(|(_, s)| s == span))
        else {
            continue;
        };
        let Some(decider) = control.decider else {
            continue;
        };
        let layer = control
            .layer
            .map_or("the layer", |l| program.layers[l].id.as_str());
        let decider = program.decider_name(decider);
        let edit = TextEdit::new(at, decider.to_string());
        let diagnostic = super::diagnostics::collect_one(d, analysis);
        actions.push(CodeAction {
            title: format!(
                "write `owner = {}`: the {} decides `{layer}`",
                decider,
                match decider {
                    "shared" => "customer and the provider share what",
                    other => other,
                }
            ),
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![diagnostic]),
            edit: Some(WorkspaceEdit {
                changes: Some(HashMap::from([(uri.clone(), vec![edit])])),
                ..WorkspaceEdit::default()
            }),
            is_preferred: Some(true),
            ..CodeAction::default()
        });
    }
    actions
}

/// The declarations of one file, in source order.
#[allow(
    deprecated,
    reason = "DocumentSymbol's `deprecated` field must still be written"
)]
pub fn symbols(analysis: &Analysis, file: FileId) -> Vec<DocumentSymbol> {
    let Some(module) = analysis.session.modules.iter().find(|m| m.file == file) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in &module.module.items {
        let (name, span, kind, detail): (String, Span, SymbolKind, &str) = match &item.kind {
            ItemKind::Party(p) => (
                p.name.text.clone(),
                p.name.span,
                SymbolKind::CONSTANT,
                "party",
            ),
            ItemKind::Layer(l) => (l.name.text.clone(), l.name.span, SymbolKind::FIELD, "layer"),
            ItemKind::Model(m) => (m.name.text.clone(), m.name.span, SymbolKind::CLASS, "model"),
            ItemKind::Service(s) => (
                s.name.text.clone(),
                s.name.span,
                SymbolKind::MODULE,
                "service",
            ),
            ItemKind::Let(l) => (
                l.name.text.clone(),
                l.name.span,
                SymbolKind::VARIABLE,
                "let",
            ),
            ItemKind::Fn(f) => (f.name.text.clone(), f.name.span, SymbolKind::FUNCTION, "fn"),
            ItemKind::Control(c) => (
                c.name.text.clone(),
                c.name.span,
                SymbolKind::EVENT,
                "control",
            ),
            ItemKind::Assert(a) => (
                a.name.value.clone(),
                a.name.span,
                SymbolKind::BOOLEAN,
                "assert",
            ),
            ItemKind::Waive(w) => (
                w.control.text.clone(),
                w.control.span,
                SymbolKind::KEY,
                "waive",
            ),
            ItemKind::Framework(f) => (
                f.name.text.clone(),
                f.name.span,
                SymbolKind::NAMESPACE,
                "framework",
            ),
            ItemKind::Attest(a) => (
                a.control.text.clone(),
                a.control.span,
                SymbolKind::KEY,
                "attest",
            ),
            ItemKind::Test(t) => (
                t.name.value.clone(),
                t.name.span,
                SymbolKind::METHOD,
                "test",
            ),
            ItemKind::Use(_) | ItemKind::Broken(_) => continue,
        };
        out.push(DocumentSymbol {
            name,
            detail: Some(detail.to_string()),
            kind,
            tags: None,
            deprecated: None,
            range: range(analysis, item.span),
            selection_range: range(analysis, span),
            children: None,
        });
    }
    out
}
