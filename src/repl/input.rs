//! What one piece of REPL input is: nothing, a `:command`, a declaration or
//! an expression; and whether it is complete yet. Both front ends ask the
//! real parser, so a declaration or bracket left open keeps reading lines.

use crate::lexer::lex;
use crate::parser::{parse_expr, parse_module, starts_with_declaration};
use crate::source::FileId;

/// The kinds of input the REPL answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Only whitespace and comments.
    Empty,
    /// `:name args`, one line.
    Command,
    /// Starts with a declaration keyword (or a doc comment before one).
    Declaration,
    Expression,
}

pub fn kind(src: &str) -> Kind {
    let trimmed = src.trim_start();
    if trimmed.starts_with(':') {
        return Kind::Command;
    }
    if lex(src, FileId(0)).tokens.is_empty() {
        return Kind::Empty;
    }
    if starts_with_declaration(src) {
        Kind::Declaration
    } else {
        Kind::Expression
    }
}

/// True while the input is a prefix of something valid: every syntax error
/// is an unexpected end of input (an open declaration or bracket). A lone
/// doc comment waits for the declaration it documents.
pub fn is_incomplete(src: &str) -> bool {
    match kind(src) {
        Kind::Command => false,
        Kind::Empty => ends_with_doc_comment(src),
        Kind::Declaration => parse_module(src, FileId(0)).incomplete,
        Kind::Expression => parse_expr(src, FileId(0)).2,
    }
}

fn ends_with_doc_comment(src: &str) -> bool {
    src.lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .is_some_and(|l| l.starts_with("///"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        assert_eq!(kind("  // just a comment"), Kind::Empty);
        assert_eq!(kind(""), Kind::Empty);
        assert_eq!(kind(":check a"), Kind::Command);
        assert_eq!(kind("let x = 1"), Kind::Declaration);
        assert_eq!(kind("/// doc\ncontrol c { }"), Kind::Declaration);
        assert_eq!(kind("len(facts.x)"), Kind::Expression);
    }

    #[test]
    fn open_declarations_and_brackets_are_incomplete() {
        assert!(is_incomplete("control c {"));
        assert!(is_incomplete("control c {\n  service = s\n"));
        assert!(is_incomplete("len(facts.x"));
        assert!(is_incomplete("[1, 2,"));
        assert!(is_incomplete("let x ="));
        assert!(is_incomplete("/// documents the next declaration"));
    }

    #[test]
    fn complete_or_wrong_input_is_not_incomplete() {
        assert!(!is_incomplete("control c { service = s layer = data }"));
        assert!(!is_incomplete("len(facts.x)"));
        assert!(!is_incomplete("1 + 2"));
        // A real syntax error: more lines cannot fix it.
        assert!(!is_incomplete("len(facts.x))"));
        assert!(!is_incomplete("control c { = }"));
        // Strings end on their line.
        assert!(!is_incomplete("\"open"));
        assert!(!is_incomplete(":check"));
        assert!(!is_incomplete("// a comment"));
    }
}
