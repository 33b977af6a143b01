//! What one piece of REPL input is (nothing, a `:command`, a declaration or
//! an expression), and when it is complete: lines in, one entry out. An
//! entry goes on to the next line only while a bracket or brace is open
//! (strings end on their line) and nothing in it is already wrong, so a
//! typo never leaves the REPL waiting.
//!
//! Invariant: reading an entry is linear in its length. Each line is lexed
//! once, on its own (no token spans lines), to keep the open brackets; the
//! parser, which tells a real error from an entry that is merely unfinished,
//! reads the whole entry, so it runs only within a budget proportional to
//! the entry's length.

use crate::lexer::{Token, lex};
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

/// Bytes of parsing every entry may use whatever its length, and per byte
/// of the entry: an entry of a few dozen lines is checked on every line,
/// a long one less often, and no entry costs more than linear time.
const PARSE_BUDGET_BASE: usize = 4096;
const PARSE_BUDGET_PER_BYTE: usize = 8;

fn budget(len: usize) -> usize {
    PARSE_BUDGET_BASE + PARSE_BUDGET_PER_BYTE * len
}

/// What the line just read made of the entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Next {
    /// The entry is complete (or wrong: more lines cannot fix it); answer it.
    Submit(String),
    /// A bracket is still open: read another line (the continuation prompt).
    More,
}

/// The entry being read, line by line.
#[derive(Debug, Default)]
pub struct Pending {
    text: String,
    lines: usize,
    /// The brackets still open, innermost last, outside strings.
    open: Vec<Token<'static>>,
    /// A token other than a doc comment has been read.
    has_code: bool,
    /// The last non-blank line is a doc comment.
    ends_in_doc: bool,
    /// Text has been added since the parser last looked at the entry.
    unchecked: bool,
    /// Bytes the parser has read for this entry so far.
    parsed: usize,
}

impl Pending {
    /// No line of an entry has been read yet.
    pub fn is_empty(&self) -> bool {
        self.lines == 0
    }

    /// Takes one line (without its line end).
    pub fn push(&mut self, line: &str) -> Next {
        if self.is_empty() && line.trim_start().starts_with(':') {
            return Next::Submit(line.to_string());
        }
        if !self.is_empty() {
            self.text.push('\n');
        }
        self.text.push_str(line);
        self.lines += 1;
        let wrong = self.scan(line);
        if !line.trim().is_empty() {
            self.ends_in_doc = line.trim_start().starts_with("///");
        }
        let waits_for_declaration = !self.has_code && self.ends_in_doc;
        if wrong || (self.open.is_empty() && !waits_for_declaration) {
            return Next::Submit(self.take());
        }
        // An empty line asks for a verdict: it may spend twice the budget.
        let allowance = if line.trim().is_empty() { 2 } else { 1 };
        if self.open.is_empty() || !self.unchecked || !self.may_parse(allowance) {
            return Next::More;
        }
        self.unchecked = false;
        self.parsed += self.text.len();
        if prefix_of_valid(&self.text) {
            Next::More
        } else {
            Next::Submit(self.take())
        }
    }

    /// The unfinished entry, at the end of input (to get its syntax error).
    pub fn finish(&mut self) -> Option<String> {
        let text = self.take();
        (!text.trim().is_empty()).then_some(text)
    }

    /// Drops the entry (Ctrl-C); says how many lines it had.
    pub fn drop_entry(&mut self) -> usize {
        let lines = self.lines;
        self.take();
        lines
    }

    fn take(&mut self) -> String {
        let text = std::mem::take(&mut self.text);
        *self = Pending::default();
        text
    }

    /// Keeps the open brackets up to date with one more line; true when the
    /// line is wrong whatever follows (a lexical error, or a closing bracket
    /// that closes nothing).
    fn scan(&mut self, line: &str) -> bool {
        let lexed = lex(line, FileId(0));
        if !lexed.diagnostics.is_empty() || lexed.suppressed > 0 {
            return true;
        }
        let mut in_string = 0usize;
        for (token, _) in &lexed.tokens {
            if !matches!(token, Token::Doc(_)) {
                self.has_code = true;
                self.unchecked = true;
            }
            match token {
                Token::Error => return true,
                Token::StrBegin(_) => in_string += 1,
                Token::StrEnd(_) => in_string = in_string.saturating_sub(1),
                _ if in_string > 0 => {}
                Token::LBrace => self.open.push(Token::LBrace),
                Token::LParen => self.open.push(Token::LParen),
                Token::LBracket => self.open.push(Token::LBracket),
                Token::RBrace | Token::RParen | Token::RBracket => {
                    let opener = match token {
                        Token::RBrace => Token::LBrace,
                        Token::RParen => Token::LParen,
                        _ => Token::LBracket,
                    };
                    if self.open.pop() != Some(opener) {
                        return true;
                    }
                }
                _ => {}
            }
        }
        false
    }

    /// Whether one more parse of the whole entry stays within `times` the
    /// budget.
    fn may_parse(&self, times: usize) -> bool {
        self.parsed + self.text.len() <= times * budget(self.text.len())
    }
}

/// The parser's verdict on an entry with brackets open: every syntax error
/// is an unexpected end of input, so more lines may complete it.
fn prefix_of_valid(src: &str) -> bool {
    match kind(src) {
        Kind::Command | Kind::Empty => false,
        Kind::Declaration => parse_module(src, FileId(0)).incomplete,
        Kind::Expression => parse_expr(src, FileId(0)).2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The entries a script makes, and whether one is left unfinished.
    fn entries(script: &str) -> (Vec<String>, Option<String>) {
        let mut pending = Pending::default();
        let mut out = Vec::new();
        for line in script.lines() {
            if let Next::Submit(entry) = pending.push(line) {
                out.push(entry);
            }
        }
        (out, pending.finish())
    }

    fn one_entry(script: &str) -> bool {
        entries(script) == (vec![script.to_string()], None)
    }

    fn unfinished(script: &str) -> bool {
        entries(script) == (Vec::new(), Some(script.to_string()))
    }

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
    fn open_brackets_and_braces_continue() {
        assert!(unfinished("control c {"));
        assert!(unfinished("control c {\n  service = s"));
        assert!(unfinished("len(facts.x"));
        assert!(unfinished("[1, 2,"));
        assert!(unfinished("/// documents the next declaration"));
        assert!(one_entry("control c {\n  service = s\n  layer = data\n}"));
        assert!(one_entry("len([1,\n2])"));
        assert!(one_entry("/// doc\n/// more\ncontrol c {\n}"));
        // Brackets inside strings and interpolations do not count.
        assert!(one_entry("\"a ( [ {{ \""));
        assert!(one_entry("\"{len([1])} (\""));
    }

    #[test]
    fn complete_or_wrong_lines_are_answered_at_once() {
        for line in [
            "facts.gke.0",
            "let x =",
            "1 +",
            "len(facts.x))",
            "control c { = }",
            "\"open",
            ":check",
            ":type [1,",
            "// a comment",
        ] {
            assert_eq!(entries(line), (vec![line.to_string()], None), "{line:?}");
        }
    }

    #[test]
    fn an_error_inside_open_brackets_ends_the_entry() {
        // A syntax error the parser sees: the next line starts afresh.
        let (got, rest) = entries("len(\n1 +* 2\nnowhere + 1");
        assert_eq!(got, vec!["len(\n1 +* 2", "nowhere + 1"]);
        assert_eq!(rest, None);
        // A lexical error or a stray closing bracket, without the parser.
        let (got, _) = entries("[1,\n\"open\n2");
        assert_eq!(got, vec!["[1,\n\"open", "2"]);
        let (got, _) = entries("control c {\n  ]\n1");
        assert_eq!(got, vec!["control c {\n  ]", "1"]);
    }

    #[test]
    fn a_short_entry_is_checked_on_every_line() {
        let mut pending = Pending::default();
        assert_eq!(pending.push("control c {"), Next::More);
        assert_eq!(
            pending.push("  requir x"),
            Next::Submit("control c {\n  requir x".into())
        );
        assert!(pending.is_empty());
    }

    #[test]
    fn an_empty_line_after_an_error_drops_the_entry() {
        // In a long entry the parser no longer looks at every line; a typo
        // right after it looked is caught by the empty line that follows.
        let mut pending = Pending::default();
        assert_eq!(pending.push("["), Next::More);
        let mut i = 0;
        loop {
            let before = pending.parsed;
            assert_eq!(pending.push(&format!("  {i},")), Next::More);
            i += 1;
            if i > 1000 && pending.parsed != before {
                break;
            }
        }
        assert_eq!(pending.push("  1 +* 2,"), Next::More, "not checked yet");
        match pending.push("") {
            Next::Submit(entry) => assert!(entry.ends_with("  1 +* 2,\n")),
            Next::More => panic!("the empty line did not end the entry"),
        }
        assert!(pending.is_empty());
    }

    #[test]
    fn ctrl_c_drops_the_entry() {
        let mut pending = Pending::default();
        assert_eq!(pending.push("control c {"), Next::More);
        assert_eq!(pending.push("  service = s"), Next::More);
        assert_eq!(pending.drop_entry(), 2);
        assert!(pending.is_empty());
        assert_eq!(pending.push("1"), Next::Submit("1".into()));
    }

    #[test]
    fn a_long_entry_is_parsed_within_its_budget() {
        let mut pending = Pending::default();
        let mut lines = vec!["[".to_string()];
        lines.extend((0..6000).map(|i| format!("  {i},")));
        lines.push("]".into());
        let mut submitted = Vec::new();
        for line in &lines {
            if let Next::Submit(entry) = pending.push(line) {
                submitted.push(entry);
            }
            assert!(pending.parsed <= 2 * budget(pending.text.len()));
        }
        assert_eq!(submitted, vec![lines.join("\n")]);
    }
}
