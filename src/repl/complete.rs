//! Tab completion and hints: the line, the cursor and the session in,
//! candidates for the word before the cursor out. Completes `:commands`
//! and their arguments, keywords, built-ins, enum words, declared names
//! (dotted layer names too) and fact paths, walking the loaded facts along
//! the prefix, list elements included (`facts.fire` → `facts.firewall_rules`,
//! `facts.gke[0].` → the keys of the first cluster).

use super::command::Name;
use crate::Session;
use crate::builtins::Builtin;
use crate::value::{Value, Word};
use std::path::Path;

/// One completion: what the list shows and what replaces the word.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub display: String,
    pub replacement: String,
}

impl Candidate {
    fn plain(text: &str) -> Candidate {
        Candidate {
            display: text.to_string(),
            replacement: text.to_string(),
        }
    }
}

/// Where the replaced word starts, and the candidates.
pub type Completion = (usize, Vec<Candidate>);

/// Every keyword, contextual ones included (the language server and the
/// editors' grammar complete and highlight the same words).
pub const KEYWORDS: &[&str] = &[
    "use",
    "party",
    "layer",
    "model",
    "service",
    "control",
    "let",
    "fn",
    "assert",
    "waive",
    "attest",
    "framework",
    "test",
    "for",
    "in",
    "where",
    "if",
    "then",
    "else",
    "all",
    "any",
    "not",
    "and",
    "or",
    "true",
    "false",
    "null",
    "require",
    "key",
    "extends",
    "operated_by",
    "accountable_to",
    "on",
    "given",
    "expect",
    "passes",
    "fails",
    "errors",
    "until",
    "by",
    "because",
    "accountable_to",
    "on",
    "is",
    "file",
    "assertion",
    "with",
    "evidence",
    "period",
    "from",
];

/// The lists every expression can read (SPEC §3).
const ROOTS: &[&str] = &["facts", "controls", "services", "layers", "parties"];

pub fn complete(session: &Session, line: &str, pos: usize) -> Completion {
    let Some(before) = line.get(..pos) else {
        return (pos, Vec::new());
    };
    let command_start = before.len() - before.trim_start().len();
    if before[command_start..].starts_with(':') {
        return complete_command(session, before, command_start);
    }
    complete_expression(session, before)
}

/// A command name, or the argument of a command.
fn complete_command(session: &Session, before: &str, colon: usize) -> Completion {
    let body = &before[colon + 1..];
    let Some((word, _)) = body.split_once(char::is_whitespace) else {
        let names = Name::ALL
            .iter()
            .map(|n| format!(":{}", n.as_str()))
            .filter(|n| n[1..].starts_with(body))
            .map(|n| Candidate::plain(&n))
            .collect();
        return (colon, names);
    };
    let Ok(name) = Name::lookup(word) else {
        return (before.len(), Vec::new());
    };
    let argument_start = before
        .rfind(char::is_whitespace)
        .map_or(before.len(), |i| i + 1);
    let partial = &before[argument_start..];
    let arguments_before = before[colon + 1 + word.len()..argument_start]
        .split_whitespace()
        .count();
    let program = &session.program;
    let names: Vec<String> = match (name, arguments_before) {
        (Name::Load | Name::Facts | Name::Save, _) => {
            return complete_path(before, argument_start);
        }
        (Name::Type | Name::Raw, _) => return complete_expression(session, before),
        (Name::Check, _) | (Name::Explain, 0) => {
            program.controls.iter().map(|c| c.id.clone()).collect()
        }
        (Name::Matrix, _) | (Name::Owner, 0) => {
            program.services.iter().map(|s| s.id.clone()).collect()
        }
        (Name::Owner, 1) => program.layers.iter().map(|l| l.id.clone()).collect(),
        (Name::Help, 0) => Name::ALL
            .iter()
            .map(|n| n.as_str().to_string())
            .chain(Builtin::ALL.iter().map(|b| b.name().to_string()))
            .chain(["builtins".to_string()])
            .collect(),
        _ => Vec::new(),
    };
    (argument_start, matching(names, partial))
}

/// The sorted, distinct names that start with `partial` (none for "").
fn matching(names: Vec<String>, partial: &str) -> Vec<Candidate> {
    let mut found: Vec<String> = names
        .into_iter()
        .filter(|n| !partial.is_empty() && n.starts_with(partial))
        .collect();
    found.sort();
    found.dedup();
    found.iter().map(|n| Candidate::plain(n)).collect()
}

/// Files and directories for `:load` and `:facts` (after `NAME=`).
fn complete_path(before: &str, argument_start: usize) -> Completion {
    let argument = &before[argument_start..];
    let path_start = argument_start + argument.find('=').map_or(0, |i| i + 1);
    let typed = &before[path_start..];
    let (dir, prefix) = match typed.rfind('/') {
        Some(i) => (&typed[..=i], &typed[i + 1..]),
        None => ("", typed),
    };
    let listing = std::fs::read_dir(if dir.is_empty() {
        Path::new(".")
    } else {
        Path::new(dir)
    });
    let mut found: Vec<Candidate> = listing
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            if !name.starts_with(prefix) || (name.starts_with('.') && !prefix.starts_with('.')) {
                return None;
            }
            let slash = if entry.path().is_dir() { "/" } else { "" };
            Some(Candidate {
                display: format!("{name}{slash}"),
                replacement: format!("{dir}{name}{slash}"),
            })
        })
        .collect();
    found.sort_by(|a, b| a.display.cmp(&b.display));
    (path_start, found)
}

/// The identifier or dotted path that ends at the cursor.
fn word_start(before: &str) -> usize {
    before
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
        .last()
        .map_or(before.len(), |(i, _)| i)
}

/// The facts path that ends at the cursor, element indices included
/// (`facts.gke[0].na`), or "" when the text there is not one.
fn facts_path(before: &str) -> &str {
    let start = before
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '[' | ']'))
        .last()
        .map_or(before.len(), |(i, _)| i);
    let run = &before[start..];
    // The path begins at `facts` at the start of the run or after a `[`
    // (`[facts.a`, `xs[facts.i`).
    let begins = (0..run.len()).find(|&i| {
        run[i..].starts_with("facts")
            && (i == 0 || run[..i].ends_with('['))
            && run[i + 5..].starts_with(['.', '['])
    });
    begins.map_or("", |i| &run[i..])
}

fn complete_expression(session: &Session, before: &str) -> Completion {
    if let Some((head, tail)) = facts_path(before).rsplit_once('.')
        && tail.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return (before.len() - tail.len(), fact_keys(session, head, tail));
    }
    let start = word_start(before);
    let word = &before[start..];
    if word.is_empty() || word.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
        return (before.len(), Vec::new());
    }
    if word.contains('.') {
        let layers = session
            .program
            .layers
            .iter()
            .map(|l| l.id.clone())
            .collect();
        return (start, matching(layers, word));
    }
    (start, names(session, word))
}

/// The value at `path` below the facts root: `.key` and `[index]` steps
/// (`.gke[0].nodePools`); None where the facts have nothing there.
fn walk<'a>(mut value: Value<'a>, mut path: &str) -> Option<Value<'a>> {
    while !path.is_empty() {
        if let Some(after) = path.strip_prefix('.') {
            let end = after.find(['.', '[']).unwrap_or(after.len());
            value = value.get(&after[..end])?;
            path = &after[end..];
        } else {
            let after = path.strip_prefix('[')?;
            let end = after.find(']')?;
            value = value.index(after[..end].parse().ok()?)?;
            path = &after[end + 1..];
        }
    }
    Some(value)
}

/// The keys of the facts object at `path` (`facts.a.b`, `facts.a[0]`)
/// that start with `partial` and can follow a dot.
fn fact_keys(session: &Session, path: &str, partial: &str) -> Vec<Candidate> {
    let Ok(Some(root)) = session.facts_root() else {
        return Vec::new();
    };
    let Some(value) = path.strip_prefix("facts").and_then(|p| walk(root, p)) else {
        return Vec::new();
    };
    let mut keys: Vec<String> = value
        .entries()
        .into_iter()
        .flatten()
        .filter_map(|(k, _)| k.as_str().map(str::to_string))
        .filter(|k| crate::lexer::is_identifier(k) && k.starts_with(partial))
        .collect();
    keys.sort();
    keys.dedup();
    keys.iter().map(|k| Candidate::plain(k)).collect()
}

/// Everything a bare identifier may be; functions complete with `(`.
fn names(session: &Session, partial: &str) -> Vec<Candidate> {
    let p = &session.program;
    let mut plain: Vec<String> = KEYWORDS
        .iter()
        .chain(ROOTS)
        .map(|s| s.to_string())
        .collect();
    plain.extend(Word::ALL.iter().map(|w| w.name().to_string()));
    plain.extend(p.parties.iter().map(|x| x.id.clone()));
    plain.extend(p.models.iter().map(|x| x.id.clone()));
    plain.extend(p.services.iter().map(|x| x.id.clone()));
    plain.extend(p.controls.iter().map(|x| x.id.clone()));
    plain.extend(p.globals.iter().map(|x| x.name.clone()));
    plain.extend(p.layers.iter().map(|x| x.id.clone()));
    let mut functions: Vec<String> = Builtin::ALL.iter().map(|b| b.name().to_string()).collect();
    functions.extend(p.functions.iter().map(|f| f.name.clone()));
    let mut found = matching(plain, partial);
    found.extend(matching(functions, partial).into_iter().map(|c| Candidate {
        replacement: format!("{}(", c.replacement),
        display: c.display,
    }));
    found.sort_by(|a, b| a.display.cmp(&b.display));
    found.dedup_by(|a, b| a.display == b.display);
    found
}

/// A hint shown after the cursor: the rest of a command and its arguments,
/// or the documentation of the built-in just typed. The second part is
/// what accepting the hint inserts.
pub fn hint(line: &str, pos: usize) -> Option<(String, Option<String>)> {
    if pos != line.len() {
        return None;
    }
    let trimmed = line.trim_start();
    if let Some(body) = trimmed.strip_prefix(':') {
        if body.is_empty() || body.contains(char::is_whitespace) {
            return None;
        }
        let name = Name::lookup(body).ok()?;
        let rest = name.as_str().strip_prefix(body)?;
        let arguments = match name.arguments() {
            "" => String::new(),
            a => format!(" {a}"),
        };
        return Some((format!("{rest}{arguments}"), Some(rest.to_string())));
    }
    let head = line.strip_suffix('(').unwrap_or(line);
    let name = &head[word_start(head)..];
    let builtin = Builtin::from_name(name)?;
    Some((format!("  {}", builtin.doc()), None))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::Options;

    fn session() -> Session {
        let mut s = Session::new(Options {
            now: jiff::civil::date(2026, 11, 22),
            max_steps: None,
            timeout: None,
            jobs: None,
            show_passed: false,
        });
        s.load_source(
            "<test>",
            "use std\nservice web: iaas {}\nlet limit = 3\nfn is_world(c) = c == \"0.0.0.0/0\"\n"
                .into(),
        );
        s.check();
        assert!(!s.has_errors(), "{:?}", s.diagnostics);
        s.add_facts(
            "facts.json".into(),
            None,
            r#"{"firewall_rules": [], "fire_drills": 2, "network": {"vpcs": [{"id": "a", "subnets": [{"name": "s"}]}, {"id": "b", "cidr": "10.0.0.0/8"}], "bad-key": 1}}"#
                .into(),
            crate::facts::FactsFormat::Json,
        )
        .map_err(|e| e.message)
        .unwrap_or_else(|m| panic!("{m}"));
        s
    }

    fn replacements(c: Completion) -> (usize, Vec<String>) {
        (c.0, c.1.into_iter().map(|c| c.replacement).collect())
    }

    #[test]
    fn fact_paths_follow_the_loaded_facts() {
        let s = session();
        let line = "len(facts.firew";
        assert_eq!(
            replacements(complete(&s, line, line.len())),
            (10, vec!["firewall_rules".to_string()])
        );
        let line = "facts.fi";
        assert_eq!(
            replacements(complete(&s, line, line.len())).1,
            vec!["fire_drills".to_string(), "firewall_rules".to_string()]
        );
        let line = "facts.network.";
        assert_eq!(
            replacements(complete(&s, line, line.len())),
            (14, vec!["vpcs".to_string()])
        );
        let line = "[facts.fire";
        assert_eq!(replacements(complete(&s, line, line.len())).1.len(), 2);
    }

    #[test]
    fn fact_paths_go_through_list_elements() {
        let s = session();
        let line = "len(facts.network.vpcs[1].";
        assert_eq!(
            replacements(complete(&s, line, line.len())),
            (line.len(), vec!["cidr".to_string(), "id".to_string()])
        );
        let line = "facts.network.vpcs[0].subnets[0].n";
        assert_eq!(
            replacements(complete(&s, line, line.len())).1,
            vec!["name".to_string()]
        );
        // No such element, or not a list: nothing to offer.
        for line in [
            "facts.network.vpcs[9].",
            "facts.fire_drills[0].",
            "facts.network.vpcs[x].",
        ] {
            assert!(complete(&s, line, line.len()).1.is_empty(), "{line}");
        }
    }

    #[test]
    fn names_keywords_builtins_and_layers() {
        let s = session();
        let line = "con";
        let found = replacements(complete(&s, line, 3)).1;
        assert!(found.contains(&"control".to_string()));
        assert!(found.contains(&"contains(".to_string()));
        assert_eq!(
            replacements(complete(&s, "is_w", 4)).1,
            vec!["is_world(".to_string()]
        );
        assert_eq!(
            replacements(complete(&s, "x + lim", 7)),
            (4, vec!["limit".to_string()])
        );
        let line = "owner(web, network.v";
        assert_eq!(
            replacements(complete(&s, line, line.len())),
            (11, vec!["network.virtual".to_string()])
        );
        assert!(complete(&s, "1 + ", 4).1.is_empty());
    }

    #[test]
    fn commands_and_their_arguments() {
        let s = session();
        assert_eq!(
            replacements(complete(&s, ":ch", 3)),
            (0, vec![":check".to_string()])
        );
        assert_eq!(
            replacements(complete(&s, ":owner w", 8)),
            (7, vec!["web".to_string()])
        );
        let line = ":owner web enc";
        assert_eq!(
            replacements(complete(&s, line, line.len())).1,
            vec![
                "encryption.keys".to_string(),
                "encryption.media".to_string()
            ]
        );
        let line = ":type facts.fire";
        assert_eq!(replacements(complete(&s, line, line.len())).1.len(), 2);
        let line = ":load src/repl/mo";
        assert_eq!(
            replacements(complete(&s, line, line.len())),
            (6, vec!["src/repl/mod.rs".to_string()])
        );
    }

    #[test]
    fn hints() {
        assert_eq!(
            hint(":ch", 3),
            Some(("eck [CONTROL...]".to_string(), Some("eck".to_string())))
        );
        assert_eq!(hint(":c", 2), None);
        let (text, accept) = hint("x + len(", 8).unwrap_or_default();
        assert!(text.contains("number of elements"));
        assert_eq!(accept, None);
        assert_eq!(hint("len", 1), None);
    }
}
