//! Completion: the text before the cursor and one load in, candidates for
//! the word being typed out: keywords, enum words, built-ins (with their
//! signature and documentation), declared names, local variables in scope,
//! layers (dotted ones too), and fact paths walked along the configured
//! facts, through `for` variables as well (`db.` after `for db in
//! facts.databases` offers the keys of the databases).

use super::workspace::Analysis;
use crate::builtins::Builtin;
use crate::source::FileId;
use crate::value::{Value, Word};
use lsp_types::{
    CompletionItem, CompletionItemKind, CompletionTextEdit, Documentation, Range, TextEdit,
};

/// One candidate before it becomes an LSP item.
struct Candidate {
    label: String,
    kind: CompletionItemKind,
    detail: Option<String>,
    doc: Option<String>,
}

/// The identifier or dotted path that ends at the cursor: its start.
pub fn word_start(before: &str) -> usize {
    before
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
        .last()
        .map_or(before.len(), |(i, _)| i)
}

/// Candidates for the word ending at byte `offset` of `text`; `range` is
/// the word's range, which every item replaces.
pub fn complete(
    analysis: &Analysis,
    file: Option<FileId>,
    text: &str,
    offset: usize,
    range: Range,
) -> Vec<CompletionItem> {
    let before = &text[..offset];
    let start = word_start(before);
    let word = &before[start..];
    if word.starts_with(|c: char| c.is_ascii_digit() || c == '.') || in_string_or_comment(before) {
        return Vec::new();
    }
    let candidates = match word.rsplit_once('.') {
        Some((head, _)) => dotted(analysis, &before[..start], head),
        None => names(analysis, file, offset),
    };
    let mut items: Vec<CompletionItem> = candidates
        .into_iter()
        .filter(|c| c.label.starts_with(word))
        .map(|c| CompletionItem {
            filter_text: Some(c.label.clone()),
            text_edit: Some(CompletionTextEdit::Edit(TextEdit::new(
                range,
                c.label.clone(),
            ))),
            label: c.label,
            kind: Some(c.kind),
            detail: c.detail,
            documentation: c.doc.map(Documentation::String),
            ..CompletionItem::default()
        })
        .collect();
    items.sort_by(|a, b| a.label.cmp(&b.label));
    items.dedup_by(|a, b| a.label == b.label);
    items
}

/// Whether the cursor is inside a string (outside its interpolations) or
/// a comment on its line, where nothing is completed.
fn in_string_or_comment(before: &str) -> bool {
    let line = &before[before.rfind('\n').map_or(0, |i| i + 1)..];
    let mut in_string = false;
    let mut depth = 0usize;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if in_string => {
                chars.next();
            }
            '"' if depth == 0 => in_string = !in_string,
            '{' if in_string => depth += 1,
            '}' if in_string && depth > 0 => depth -= 1,
            '/' if !in_string && chars.peek() == Some(&'/') => return true,
            _ => {}
        }
    }
    in_string && depth == 0
}

fn plain(label: &str, kind: CompletionItemKind) -> Candidate {
    Candidate {
        label: label.to_string(),
        kind,
        detail: None,
        doc: None,
    }
}

/// Everything a bare identifier may be.
fn names(analysis: &Analysis, file: Option<FileId>, offset: usize) -> Vec<Candidate> {
    let p = &analysis.session.program;
    let mut out: Vec<Candidate> = crate::repl::KEYWORDS
        .iter()
        .map(|k| plain(k, CompletionItemKind::KEYWORD))
        .collect();
    out.extend(
        ["facts", "controls", "services", "layers", "parties"]
            .iter()
            .map(|k| plain(k, CompletionItemKind::VARIABLE)),
    );
    out.extend(
        Word::ALL
            .iter()
            .map(|w| plain(w.name(), CompletionItemKind::ENUM_MEMBER)),
    );
    out.extend(Builtin::ALL.iter().map(|b| Candidate {
        label: b.name().to_string(),
        kind: CompletionItemKind::FUNCTION,
        detail: Some(b.signature().to_string()),
        doc: Some(b.doc().to_string()),
    }));
    let declared: [(Vec<&str>, CompletionItemKind, &str); 7] = [
        (
            p.parties.iter().map(|x| x.id.as_str()).collect(),
            CompletionItemKind::CONSTANT,
            "party",
        ),
        (
            p.models.iter().map(|x| x.id.as_str()).collect(),
            CompletionItemKind::CLASS,
            "model",
        ),
        (
            p.services.iter().map(|x| x.id.as_str()).collect(),
            CompletionItemKind::MODULE,
            "service",
        ),
        (
            p.controls.iter().map(|x| x.id.as_str()).collect(),
            CompletionItemKind::EVENT,
            "control",
        ),
        (
            p.globals.iter().map(|x| x.name.as_str()).collect(),
            CompletionItemKind::VARIABLE,
            "let",
        ),
        (
            p.functions.iter().map(|x| x.name.as_str()).collect(),
            CompletionItemKind::FUNCTION,
            "fn",
        ),
        (
            p.layers.iter().map(|x| x.id.as_str()).collect(),
            CompletionItemKind::FIELD,
            "layer",
        ),
    ];
    for (list, kind, what) in declared {
        out.extend(list.into_iter().map(|name| Candidate {
            detail: Some(what.to_string()),
            ..plain(name, kind)
        }));
    }
    if let Some(file) = file {
        out.extend(
            analysis
                .index
                .locals_at(file, offset)
                .iter()
                .map(|name| Candidate {
                    detail: Some("local".into()),
                    ..plain(name, CompletionItemKind::VARIABLE)
                }),
        );
    }
    out
}

/// After a dot: fact keys along a path from `facts` (directly or through
/// a loop variable), else the dotted layer names.
fn dotted(analysis: &Analysis, before: &str, head: &str) -> Vec<Candidate> {
    let path: Vec<&str> = head.split('.').collect();
    if path[0] == "facts" {
        return fact_keys(analysis, &path, head);
    }
    if let Some(source) = loop_source(before, path[0]) {
        let mut expanded: Vec<&str> = source.split('.').collect();
        expanded.push("[]");
        expanded.extend(&path[1..]);
        return fact_keys(analysis, &expanded, head);
    }
    analysis
        .session
        .program
        .layers
        .iter()
        .filter(|l| l.id.contains('.'))
        .map(|l| Candidate {
            detail: Some("layer".into()),
            ..plain(&l.id, CompletionItemKind::FIELD)
        })
        .collect()
}

/// The facts path the nearest binding of `name` before the cursor runs
/// over: `for name in facts.a.b` (or `all`/`any`/`none`, or `k, name`).
/// Read from the text, since the declaration being typed rarely parses.
fn loop_source(before: &str, name: &str) -> Option<String> {
    let pattern = format!(
        r"\b(?:for|all|any|none)\s+(?:[A-Za-z_][A-Za-z0-9_]*\s*,\s*)?{}\s+in\s+(facts(?:\.[A-Za-z_][A-Za-z0-9_]*)*)",
        regex::escape(name)
    );
    let re = regex::Regex::new(&pattern).ok()?;
    let found = re.captures_iter(before).last()?;
    Some(found.get(1)?.as_str().to_string())
}

/// The keys after `path` in the configured facts; `[]` steps into every
/// element of a list (the keys of all of them).
fn fact_keys(analysis: &Analysis, path: &[&str], head: &str) -> Vec<Candidate> {
    let Ok(Some(root)) = analysis.session.facts_root() else {
        return Vec::new();
    };
    let mut values = vec![root];
    for step in path.iter().skip(1) {
        let mut next = Vec::new();
        for v in &values {
            if *step == "[]" {
                next.extend(v.elements().into_iter().flatten());
            } else if let Some(inner) = v.get(step) {
                next.push(inner);
            } else if v.is_list() {
                // A path through a list reads its elements' keys.
                next.extend(
                    v.elements()
                        .into_iter()
                        .flatten()
                        .filter_map(|e| e.get(step)),
                );
            }
        }
        values = next;
    }
    let mut keys: Vec<(String, String)> = Vec::new();
    for v in values.iter().take(200) {
        keys.extend(object_keys(v));
        if v.is_list() {
            for e in v.elements().into_iter().flatten().take(200) {
                keys.extend(object_keys(&e));
            }
        }
    }
    keys.sort();
    keys.dedup_by(|a, b| a.0 == b.0);
    keys.into_iter()
        .map(|(key, ty)| Candidate {
            detail: Some(ty),
            ..plain(&format!("{head}.{key}"), CompletionItemKind::PROPERTY)
        })
        .collect()
}

fn object_keys(v: &Value<'_>) -> Vec<(String, String)> {
    v.entries()
        .into_iter()
        .flatten()
        .filter_map(|(k, value)| {
            let key = k.as_str()?.to_string();
            crate::lexer::is_identifier(&key).then(|| (key, value.type_name().to_string()))
        })
        .collect()
}
