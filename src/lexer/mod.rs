//! Lexer: source text in, spanned tokens out (logos). Never aborts: bad input
//! becomes `Token::Error` plus a diagnostic, and string interpolation is
//! flattened into `StrBegin expr (StrMid expr)* StrEnd` token runs (`strings`).

pub(crate) mod lines;
mod strings;
#[cfg(test)]
mod tests;

use crate::diagnostic::Diagnostic;
use crate::source::{FileId, Span};
use logos::Logos;
use std::fmt;
use std::ops::Range;
pub use strings::unescape;
use strings::{MAX_STRING_NESTING, lex_string, push_string};

/// Syntax diagnostics kept per file (lexer and parser together). Garbage
/// can hold an error per byte; past this many, only a count is kept, so
/// memory and output stay proportional to what a reader can use.
pub const MAX_SYNTAX_ERRORS: usize = 100;

#[derive(Clone, Debug, Default, PartialEq)]
pub enum LexError {
    #[default]
    UnexpectedChar,
    IntegerTooLarge,
    InvalidNumber,
    InvalidDate,
    UnknownDurationUnit,
    UnterminatedString,
    /// A string left open inside an interpolation: the byte offset, from
    /// the opening quote, of the `{` that began it.
    UnterminatedInterpolation(usize),
    /// Interpolations nested more than `MAX_STRING_NESTING` deep.
    NestedTooDeep,
}

#[derive(Logos, Clone, Debug, PartialEq)]
#[logos(error = LexError)]
#[logos(skip r"[ \t\r\n\f\u{FEFF}]+")]
pub enum Token<'src> {
    /// A character or literal the lexer could not read (already reported).
    Error,

    // A comment ends at a carriage return too: in a file with old Mac line
    // ends (CR alone) it would otherwise swallow every line after it.
    #[regex(r"///[^\r\n]*", allow_greedy = true)]
    Doc(&'src str),
    #[regex(r"//[^\r\n]*", allow_greedy = true)]
    Comment(&'src str),

    #[regex(r"[A-Za-z_][A-Za-z0-9_]*")]
    Ident(&'src str),
    #[regex(r"[0-9]+", |lex| lex.slice().parse::<i64>().map_err(|_| LexError::IntegerTooLarge))]
    Int(i64),
    // A literal beyond `f64` would read as infinity: refused instead.
    #[regex(r"[0-9]+\.[0-9]+", |lex| lex.slice().parse::<f64>().ok().filter(|f| f.is_finite()).ok_or(LexError::InvalidNumber))]
    Float(f64),
    #[regex(r"[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]", lex_date)]
    Date(jiff::civil::Date),
    /// A duration as written (`90d`, `12h`, `2w`, `30m`, `10s`); the lexer
    /// has checked that [`duration_seconds`] accepts it.
    #[regex(r"[0-9]+[A-Za-z_][A-Za-z0-9_]*", lex_duration)]
    Duration(&'src str),

    /// A whole string literal without interpolation: the raw text between
    /// the quotes, escapes not yet processed.
    #[token("\"", lex_string)]
    Str(&'src str),
    /// Raw text from the opening quote to the first interpolation.
    StrBegin(&'src str),
    /// Raw text between two interpolations.
    StrMid(&'src str),
    /// Raw text from the last interpolation to the closing quote.
    StrEnd(&'src str),

    #[token("use")]
    Use,
    #[token("party")]
    Party,
    #[token("layer")]
    Layer,
    #[token("model")]
    Model,
    #[token("service")]
    Service,
    #[token("control")]
    Control,
    #[token("let")]
    Let,
    #[token("fn")]
    Fn,
    #[token("assert")]
    Assert,
    #[token("waive")]
    Waive,
    #[token("test")]
    Test,
    #[token("for")]
    For,
    #[token("in")]
    In,
    #[token("where")]
    Where,
    #[token("if")]
    If,
    #[token("then")]
    Then,
    #[token("else")]
    Else,
    #[token("all")]
    All,
    #[token("any")]
    Any,
    #[token("none")]
    None,
    #[token("not")]
    Not,
    #[token("and")]
    And,
    #[token("or")]
    Or,
    #[token("true")]
    True,
    #[token("false")]
    False,
    #[token("null")]
    Null,

    #[token("{")]
    LBrace,
    #[token("}")]
    RBrace,
    #[token("(")]
    LParen,
    #[token(")")]
    RParen,
    #[token("[")]
    LBracket,
    #[token("]")]
    RBracket,
    #[token(",")]
    Comma,
    #[token(":")]
    Colon,
    #[token("=")]
    Assign,
    #[token("==")]
    Eq,
    #[token("!=")]
    Ne,
    #[token("<")]
    Lt,
    #[token("<=")]
    Le,
    #[token(">")]
    Gt,
    #[token(">=")]
    Ge,
    #[token("+")]
    Plus,
    #[token("-")]
    Minus,
    #[token("*")]
    Star,
    #[token("/")]
    Slash,
    #[token("%")]
    Percent,
    #[token(".")]
    Dot,
    #[token("?")]
    Question,
    #[token("??")]
    Coalesce,
}

impl Token<'_> {
    /// The keyword's text, for keywords used as field names and object keys.
    pub fn keyword(&self) -> Option<&'static str> {
        Some(match self {
            Token::Use => "use",
            Token::Party => "party",
            Token::Layer => "layer",
            Token::Model => "model",
            Token::Service => "service",
            Token::Control => "control",
            Token::Let => "let",
            Token::Fn => "fn",
            Token::Assert => "assert",
            Token::Waive => "waive",
            Token::Test => "test",
            Token::For => "for",
            Token::In => "in",
            Token::Where => "where",
            Token::If => "if",
            Token::Then => "then",
            Token::Else => "else",
            Token::All => "all",
            Token::Any => "any",
            Token::None => "none",
            Token::Not => "not",
            Token::And => "and",
            Token::Or => "or",
            Token::True => "true",
            Token::False => "false",
            Token::Null => "null",
            _ => return None,
        })
    }

    /// Tokens that begin a top-level declaration: where error recovery
    /// resumes. `framework` and `attest` are contextual: an identifier is
    /// never otherwise valid where a declaration may start.
    pub fn starts_declaration(&self) -> bool {
        matches!(
            self,
            Token::Ident("framework" | "attest")
                | Token::Use
                | Token::Party
                | Token::Layer
                | Token::Model
                | Token::Service
                | Token::Control
                | Token::Let
                | Token::Fn
                | Token::Assert
                | Token::Waive
                | Token::Test
        )
    }
}

impl fmt::Display for Token<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(k) = self.keyword() {
            return write!(f, "`{k}`");
        }
        let punct = match self {
            Token::Error => return f.write_str("invalid input"),
            Token::Doc(_) => return f.write_str("doc comment"),
            Token::Comment(_) => return f.write_str("comment"),
            Token::Ident(s) => return write!(f, "identifier `{s}`"),
            Token::Int(n) => return write!(f, "number `{n}`"),
            Token::Float(n) => return write!(f, "number `{n}`"),
            Token::Date(d) => return write!(f, "date `{d}`"),
            Token::Duration(_) => return f.write_str("duration"),
            Token::Str(_) | Token::StrBegin(_) => return f.write_str("string"),
            Token::StrMid(_) | Token::StrEnd(_) => return f.write_str("end of interpolation"),
            Token::LBrace => "{",
            Token::RBrace => "}",
            Token::LParen => "(",
            Token::RParen => ")",
            Token::LBracket => "[",
            Token::RBracket => "]",
            Token::Comma => ",",
            Token::Colon => ":",
            Token::Assign => "=",
            Token::Eq => "==",
            Token::Ne => "!=",
            Token::Lt => "<",
            Token::Le => "<=",
            Token::Gt => ">",
            Token::Ge => ">=",
            Token::Plus => "+",
            Token::Minus => "-",
            Token::Star => "*",
            Token::Slash => "/",
            Token::Percent => "%",
            Token::Dot => ".",
            Token::Question => "?",
            Token::Coalesce => "??",
            _ => "?",
        };
        write!(f, "`{punct}`")
    }
}

fn lex_date<'s>(lex: &mut logos::Lexer<'s, Token<'s>>) -> Result<jiff::civil::Date, LexError> {
    lex.slice()
        .parse::<jiff::civil::Date>()
        .map_err(|_| LexError::InvalidDate)
}

fn lex_duration<'s>(lex: &mut logos::Lexer<'s, Token<'s>>) -> Result<&'s str, LexError> {
    let s = lex.slice();
    duration_seconds(s).map(|_| s)
}

/// Whether `s` is a keyword (`for`, `in`, `none`, ...).
pub fn is_keyword(s: &str) -> bool {
    let mut lexer = Token::lexer(s);
    matches!(lexer.next(), Some(Ok(t)) if t.keyword().is_some()) && lexer.span().end == s.len()
}

/// Whether `s` is an identifier (`[A-Za-z_][A-Za-z0-9_]*`).
pub fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The length in seconds of a duration literal such as `90d`.
pub fn duration_seconds(text: &str) -> Result<i64, LexError> {
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let n: i64 = digits.parse().map_err(|_| LexError::IntegerTooLarge)?;
    let scale = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return Err(LexError::UnknownDurationUnit),
    };
    n.checked_mul(scale).ok_or(LexError::IntegerTooLarge)
}

/// The output of lexing one file.
pub struct Lexed<'src> {
    /// Tokens for the parser (comments removed, orphan doc comments removed).
    pub tokens: Vec<(Token<'src>, Range<usize>)>,
    /// Every comment, doc comments included, for the formatter.
    pub comments: Vec<Range<usize>>,
    /// The code inside each `{…}` of a string, in source order.
    pub interpolations: Vec<Range<usize>>,
    /// The first `MAX_SYNTAX_ERRORS` diagnostics.
    pub diagnostics: Vec<Diagnostic>,
    /// Diagnostics found beyond those, counted only.
    pub suppressed: usize,
}

impl Lexed<'_> {
    fn report(&mut self, d: Diagnostic) {
        if self.diagnostics.len() < MAX_SYNTAX_ERRORS {
            self.diagnostics.push(d);
        } else {
            self.suppressed += 1;
        }
    }
}

pub fn lex(src: &str, file: FileId) -> Lexed<'_> {
    let mut lexed = Lexed {
        tokens: Vec::new(),
        comments: Vec::new(),
        interpolations: Vec::new(),
        diagnostics: Vec::new(),
        suppressed: 0,
    };
    lex_into(src, 0, file, &mut lexed);
    drop_orphan_docs(src, &mut lexed.tokens);
    lexed
}

/// Doc comments reach the parser only where they begin a line and precede
/// a declaration (possibly after more doc comments); anywhere else, such as
/// at the end of a line of code, they are comments.
fn drop_orphan_docs(src: &str, tokens: &mut Vec<(Token<'_>, Range<usize>)>) {
    let mut keep = vec![true; tokens.len()];
    let mut attached = false;
    for i in (0..tokens.len()).rev() {
        match tokens[i].0 {
            Token::Doc(_) => {
                keep[i] = attached && lines::begins_line(src, tokens[i].1.start);
                attached = keep[i];
            }
            ref t => attached = t.starts_declaration(),
        }
    }
    let mut flags = keep.into_iter();
    tokens.retain(|_| flags.next().unwrap_or(true));
}

pub(super) fn lex_into<'src>(src: &'src str, base: usize, file: FileId, out: &mut Lexed<'src>) {
    let mut lexer = Token::lexer(src);
    while let Some(result) = lexer.next() {
        let range = lexer.span();
        let abs = base + range.start..base + range.end;
        match result {
            Ok(Token::Comment(_)) => out.comments.push(abs),
            Ok(Token::Doc(text)) => {
                out.comments.push(abs.clone());
                out.tokens.push((Token::Doc(text), abs));
            }
            Ok(Token::Str(body)) => {
                push_string(body, abs.start + 1, abs, file, out);
            }
            Ok(tok) => out.tokens.push((tok, abs)),
            Err(err) => {
                out.report(lex_diagnostic(
                    &err,
                    lexer.slice(),
                    Span::new(file, abs.clone()),
                ));
                out.tokens.push((Token::Error, abs));
            }
        }
    }
}

pub(super) fn lex_diagnostic(err: &LexError, slice: &str, span: Span) -> Diagnostic {
    let (code, message, label, help) = match err {
        LexError::UnexpectedChar => {
            let shown: String = slice.chars().flat_map(char::escape_debug).collect();
            (
                "P001",
                format!("unexpected character `{shown}`"),
                "not part of the language",
                None,
            )
        }
        LexError::IntegerTooLarge => (
            "P002",
            "number too large".into(),
            "does not fit in 64 bits",
            None,
        ),
        LexError::InvalidNumber => ("P002", "invalid number".into(), "not a number", None),
        LexError::InvalidDate => (
            "P002",
            format!("invalid date `{slice}`"),
            "no such day",
            Some("dates are written YYYY-MM-DD"),
        ),
        LexError::UnknownDurationUnit => (
            "P002",
            format!("invalid duration `{slice}`"),
            "unknown unit",
            Some("durations are a number followed by s, m, h, d or w: `90d`, `12h`, `2w`"),
        ),
        LexError::UnterminatedString => (
            "P003",
            "unterminated string".into(),
            "this string has no closing quote on its line",
            None,
        ),
        LexError::UnterminatedInterpolation(brace) => {
            let at = span.start as usize + brace;
            return Diagnostic::error(
                "P003",
                "unterminated string: a `{` in it opens an interpolation that is never closed",
            )
            .with_label(
                Span::new(span.file, at..at + 1),
                "this `{` starts an interpolation (an expression)",
            )
            .with_label(span, "so the string has no closing quote on its line")
            .with_help("write `{{` for a literal `{` and `}}` for a literal `}`: `\"{{\"`");
        }
        LexError::NestedTooDeep => (
            "P005",
            format!(
                "nesting too deep: string interpolations nest more than {MAX_STRING_NESTING} levels"
            ),
            "too deep here",
            Some("build the inner strings with `let` first"),
        ),
    };
    let d = Diagnostic::error(code, message).with_label(span, label);
    match help {
        Some(h) => d.with_help(h),
        None => d,
    }
}
