//! Property test for `onus fmt`: random well-formed programs from a small
//! grammar, with random whitespace, blank lines and comments between every
//! two tokens, format to text that parses to the same tree, keeps every
//! comment, and does not change when formatted again.

use onus::fmt::{format_source, tree::same_tree};
use onus::parser::parse_module;
use onus::source::FileId;
use proptest::prelude::*;

/// How an expression may be used without parentheses around it.
#[derive(Clone, Copy, PartialEq)]
enum Shape {
    /// A literal, name, call, bracketed or postfix expression.
    Atom,
    /// Operators applied to atoms: fine as an operand of another operator.
    Chain,
    /// `if` and quantifiers, which extend as far right as possible.
    Open,
}

#[derive(Clone, Debug)]
struct Code {
    tokens: Vec<String>,
    shape_rank: u8,
}

impl Code {
    fn new(tokens: Vec<String>, shape: Shape) -> Code {
        let shape_rank = match shape {
            Shape::Atom => 0,
            Shape::Chain => 1,
            Shape::Open => 2,
        };
        Code { tokens, shape_rank }
    }

    /// The tokens, in parentheses unless the expression is at most `shape`.
    fn within(&self, shape: Shape) -> Vec<String> {
        if self.shape_rank <= Code::new(Vec::new(), shape).shape_rank {
            return self.tokens.clone();
        }
        let mut tokens = vec!["(".to_string()];
        tokens.extend(self.tokens.iter().cloned());
        tokens.push(")".into());
        tokens
    }

    /// The expression on one line with single spaces (inside a string).
    fn inline(&self) -> String {
        self.tokens.join(" ")
    }
}

fn words(list: &[&str]) -> Vec<String> {
    list.iter().map(|w| w.to_string()).collect()
}

fn leaf() -> impl Strategy<Value = Code> {
    let literal = prop::sample::select(vec![
        "0",
        "42",
        "1.50",
        "true",
        "false",
        "null",
        "90d",
        "2w",
        "2027-03-31",
        "x",
        "facts",
        "none",
        "customer",
        r#""plain""#,
        r#""a {{brace}} \" \\ \n""#,
        r#""\u{41}""#,
        r#""é ✓""#,
    ]);
    literal.prop_map(|w| Code::new(vec![w.to_string()], Shape::Atom))
}

fn expr() -> impl Strategy<Value = Code> {
    leaf().prop_recursive(4, 48, 4, |inner| {
        let two = (inner.clone(), inner.clone());
        let three = (inner.clone(), inner.clone(), inner.clone());
        let operator = prop::sample::select(vec![
            "??", "or", "and", "==", "!=", "<", "<=", ">", ">=", "in", "+", "-", "*", "/", "%",
        ]);
        let field = prop::sample::select(vec!["id", "owner", "in", "type", "service"]);
        prop_oneof![
            (two.clone(), operator).prop_map(|((l, r), op)| {
                let mut t = l.within(Shape::Chain);
                t.push(op.to_string());
                t.extend(r.within(Shape::Atom));
                Code::new(t, Shape::Chain)
            }),
            (inner.clone(), field, any::<bool>()).prop_map(|(base, name, optional)| {
                let mut t = base.within(Shape::Atom);
                t.extend(words(&[".", name]));
                if optional {
                    t.push("?".into());
                }
                Code::new(t, Shape::Atom)
            }),
            two.clone().prop_map(|(base, index)| {
                let mut t = base.within(Shape::Atom);
                t.push("[".into());
                t.extend(index.tokens);
                t.push("]".into());
                Code::new(t, Shape::Atom)
            }),
            prop::collection::vec(inner.clone(), 0..4).prop_map(|args| bracketed(
                "f(",
                &args,
                ")",
                Shape::Atom
            )),
            prop::collection::vec(inner.clone(), 0..4).prop_map(|items| bracketed(
                "[",
                &items,
                "]",
                Shape::Atom
            )),
            prop::collection::vec(inner.clone(), 0..3).prop_map(|values| {
                let keys = ["a", "\"b c\"", "service"];
                let mut t = vec!["{".to_string()];
                for (i, v) in values.iter().enumerate() {
                    t.extend(words(&[keys[i % keys.len()], ":"]));
                    t.extend(v.tokens.iter().cloned());
                    t.push(",".into());
                }
                t.push("}".into());
                Code::new(t, Shape::Atom)
            }),
            inner.clone().prop_map(|e| {
                let mut t = words(&["not"]);
                t.extend(e.within(Shape::Atom));
                Code::new(t, Shape::Chain)
            }),
            inner.clone().prop_map(|e| {
                let mut t = words(&["-"]);
                t.extend(e.within(Shape::Atom));
                Code::new(t, Shape::Chain)
            }),
            inner.clone().prop_map(|e| Code::new(
                [vec!["(".to_string()], e.tokens, vec![")".to_string()]].concat(),
                Shape::Atom
            )),
            (two.clone(), any::<bool>()).prop_map(|((a, b), commented)| {
                // A comment in an interpolation runs to its `}`.
                let comment = if commented { " // in a string" } else { "" };
                // Spaces inside the braces: `{{` would be a literal brace.
                let text = format!(
                    "\"text {{ {} }} and {{ {}{comment}}}{{{{x}}}}\"",
                    a.inline(),
                    b.inline()
                );
                Code::new(vec![text], Shape::Atom)
            }),
            three.clone().prop_map(|(source, filter, body)| {
                let mut t = words(&["all", "k", ",", "v", "in"]);
                t.extend(source.tokens);
                t.push("where".into());
                t.extend(filter.tokens);
                t.push(":".into());
                t.extend(body.tokens);
                Code::new(t, Shape::Open)
            }),
            three.clone().prop_map(|(elem, source, filter)| {
                let mut t = vec!["[".to_string()];
                t.extend(elem.tokens);
                t.extend(words(&["for", "v", "in"]));
                t.extend(source.tokens);
                t.push("if".into());
                t.extend(filter.tokens);
                t.push("]".into());
                Code::new(t, Shape::Atom)
            }),
            three.prop_map(|(c, a, b)| {
                let mut t = words(&["if"]);
                t.extend(c.tokens);
                t.push("then".into());
                t.extend(a.tokens);
                t.push("else".into());
                t.extend(b.tokens);
                Code::new(t, Shape::Open)
            }),
        ]
    })
}

fn bracketed(open: &str, items: &[Code], close: &str, shape: Shape) -> Code {
    let mut t = vec![open.to_string()];
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            t.push(",".into());
        }
        t.extend(item.tokens.iter().cloned());
    }
    t.push(close.into());
    Code::new(t, shape)
}

/// One declaration as tokens.
fn declaration() -> impl Strategy<Value = Vec<String>> {
    let e = expr;
    prop_oneof![
        e().prop_map(|v| [words(&["let", "x", "="]), v.tokens].concat()),
        e().prop_map(|v| [words(&["fn", "f", "(", "a", ",", "b", ")", "="]), v.tokens].concat()),
        (e(), e(), e(), prop::option::of(e()), any::<bool>()).prop_map(
            |(service, source, cond, message, key)| {
                let mut t = words(&["control", "c", "{", "service", "="]);
                t.extend(service.tokens);
                t.extend(words(&["layer", "=", "exposure", "for", "db", "in"]));
                t.extend(source.tokens);
                if key {
                    t.extend(words(&["key", "db", ".", "id"]));
                }
                t.extend(words(&["let", "n", "=", "db", ".", "name", "require"]));
                t.extend(cond.tokens);
                if let Some(message) = message {
                    t.push("else".into());
                    t.extend(message.tokens);
                }
                t.push("}".into());
                t
            }
        ),
        Just(words(&[
            "model",
            "m",
            "extends",
            "paas",
            "{",
            "network",
            ".",
            "virtual",
            ":",
            "customer",
            "operated_by",
            "provider",
            "data",
            ":",
            "none",
            "}",
        ])),
        e().prop_map(|v| {
            let mut t = words(&["service", "s", ":", "m", "{", "tier", "="]);
            t.extend(v.tokens);
            t.extend(words(&["backup", ":", "shared", "}"]));
            t
        }),
        e().prop_map(|v| [words(&["assert", "\"a\"", ":"]), v.tokens].concat()),
        e().prop_map(|v| {
            let mut t = words(&["waive", "c", "for"]);
            t.extend(v.tokens);
            t.extend(words(&[
                "until",
                "2027-03-31",
                "by",
                "\"me\"",
                "because",
                "\"why\"",
            ]));
            t
        }),
        e().prop_map(|v| {
            let mut t = words(&["test", "\"t\"", "{", "given"]);
            t.extend(v.tokens);
            t.extend(words(&[
                "expect",
                "c",
                "fails",
                "on",
                "[",
                "\"k\"",
                "]",
                "expect",
                "assertion",
                "\"a\"",
                "passes",
                "}",
            ]));
            t
        }),
        Just(words(&[
            "party",
            "p",
            ":",
            "team",
            "accountable_to",
            "customer"
        ])),
        Just(words(&["layer", "ml", ".", "data", "\"Training data\""])),
        Just(words(&["use", "std"])),
    ]
}

/// What may stand between two tokens.
const SEPARATORS: [&str; 7] = [
    " ",
    " ",
    "  ",
    "\n",
    "\n\n\n",
    " // trailing\n",
    "\n// own line\n",
];

/// A doc comment documents the declaration after it; elsewhere it is a
/// comment, except before a keyword that starts a declaration.
const DOC: &str = "\n\n/// doc\n";
const DECLARATION_KEYWORDS: [&str; 11] = [
    "use", "party", "layer", "model", "service", "control", "let", "fn", "assert", "waive", "test",
];

fn program() -> impl Strategy<Value = String> {
    let decls = prop::collection::vec(declaration(), 1..4);
    // One more choice than there are separators: a doc comment.
    let gaps = prop::collection::vec(0..=SEPARATORS.len(), 64);
    (decls, gaps).prop_map(|(decls, gaps)| {
        let mut out = String::new();
        let mut gaps = gaps.into_iter().cycle();
        for decl in &decls {
            for (i, token) in decl.iter().enumerate() {
                out.push_str(token);
                let next_starts_declaration = decl
                    .get(i + 1)
                    .is_some_and(|t| DECLARATION_KEYWORDS.contains(&t.as_str()));
                match SEPARATORS.get(gaps.next().unwrap_or(0)) {
                    Some(separator) => out.push_str(separator),
                    None if next_starts_declaration => out.push(' '),
                    None => out.push_str(DOC),
                }
            }
            out.push_str(DOC);
        }
        out
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, max_global_rejects: 3000, ..ProptestConfig::default() })]

    #[test]
    fn formatting_is_idempotent_and_keeps_tree_and_comments(src in program()) {
        let parsed = parse_module(&src, FileId(0));
        prop_assume!(!parsed.diagnostics.iter().any(|d| d.is_error()));
        let once = format_source(&src, FileId(0));
        prop_assert!(once.is_ok(), "did not format:\n{src}\n{once:#?}");
        let once = once.unwrap_or_default();
        let reparsed = parse_module(&once, FileId(0));
        prop_assert!(same_tree(&parsed.module, &reparsed.module), "tree changed:\n{src}\n---\n{once}");
        prop_assert_eq!(parsed.comments.len(), reparsed.comments.len());
        let twice = format_source(&once, FileId(0)).unwrap_or_default();
        prop_assert_eq!(&once, &twice, "not idempotent:\n{}", src);
    }
}
