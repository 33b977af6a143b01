//! Lexer: source text in, spanned tokens out (logos). Never aborts: bad input
//! becomes `Token::Error` plus a diagnostic, and string interpolation is
//! flattened here into `StrBegin expr (StrMid expr)* StrEnd` token runs.

use crate::diagnostic::Diagnostic;
use crate::source::{FileId, Span};
use logos::Logos;
use std::fmt;
use std::ops::Range;

/// Interpolations nest (`"{f("{x}")}"`); deeper than this is refused so that
/// hostile input cannot exhaust the stack.
const MAX_STRING_NESTING: usize = 16;

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

fn lex_string<'s>(lex: &mut logos::Lexer<'s, Token<'s>>) -> Result<&'s str, LexError> {
    let rest = lex.remainder();
    match scan_string(rest.as_bytes(), 0, 0) {
        Ok(end) => {
            lex.bump(end);
            let slice = lex.slice();
            Ok(&slice[1..slice.len() - 1])
        }
        Err(stop) if stop.too_deep => {
            // The rest of the line belongs to the refused string: lexing it
            // as code would only report follow-on errors.
            let line_end = rest[stop.at..]
                .find('\n')
                .map_or(rest.len(), |n| stop.at + n);
            lex.bump(line_end);
            Err(LexError::NestedTooDeep)
        }
        Err(stop) => {
            lex.bump(stop.at);
            Err(match stop.interpolation {
                Some(brace) => LexError::UnterminatedInterpolation(brace + 1),
                None => LexError::UnterminatedString,
            })
        }
    }
}

/// Where and why a string literal could not be scanned to its end.
struct Stop {
    at: usize,
    too_deep: bool,
    /// The `{` of the outermost interpolation left open, if it stopped
    /// inside one.
    interpolation: Option<usize>,
}

/// Scans a string body that starts at `i` (just after the opening quote).
/// Returns the index just past the closing quote, or where it stopped: the
/// end of the line where it was left unterminated, or the interpolation
/// that nests too deep. Only ever stops on ASCII bytes, so returned indices
/// are character boundaries.
fn scan_string(b: &[u8], mut i: usize, nesting: usize) -> Result<usize, Stop> {
    loop {
        match b.get(i) {
            None | Some(b'\n') => {
                return Err(Stop {
                    at: i,
                    too_deep: false,
                    interpolation: None,
                });
            }
            Some(b'"') => return Ok(i + 1),
            Some(b'\\') => match unicode_escape_len(b, i) {
                Some(len) => i += len,
                // A backslash takes the next byte with it, but neither the
                // line end (the string still stops on its line) nor the end
                // of the input: a bump past it panics in logos.
                None => {
                    i += if matches!(b.get(i + 1), Some(b'\n') | None) {
                        1
                    } else {
                        2
                    }
                }
            },
            Some(b'{') if b.get(i + 1) == Some(&b'{') => i += 2,
            Some(b'{') => {
                i = scan_code(b, i + 1, nesting + 1).map_err(|mut stop| {
                    // Each level out overwrites it: the outermost `{` stays.
                    stop.interpolation = Some(i);
                    stop
                })?
            }
            Some(_) => i += 1,
        }
    }
}

/// The length of a `\u{..}` escape at `i` (closed on its line), so that
/// its braces are not taken for an interpolation.
fn unicode_escape_len(b: &[u8], i: usize) -> Option<usize> {
    if b.get(i + 1) != Some(&b'u') || b.get(i + 2) != Some(&b'{') {
        return None;
    }
    let rest = b.get(i + 3..)?;
    let close = rest
        .iter()
        .position(|&c| matches!(c, b'}' | b'"' | b'\n'))?;
    (rest[close] == b'}').then_some(close + 4)
}

/// Scans interpolated code from `i` to just past its closing `}`.
fn scan_code(b: &[u8], mut i: usize, nesting: usize) -> Result<usize, Stop> {
    if nesting > MAX_STRING_NESTING {
        return Err(Stop {
            at: i,
            too_deep: true,
            interpolation: None,
        });
    }
    let mut depth = 1usize;
    loop {
        match b.get(i) {
            None | Some(b'\n') => {
                return Err(Stop {
                    at: i,
                    too_deep: false,
                    interpolation: None,
                });
            }
            Some(b'"') => i = scan_string(b, i + 1, nesting)?,
            Some(b'{') => {
                depth += 1;
                i += 1;
            }
            Some(b'}') => {
                depth -= 1;
                i += 1;
                if depth == 0 {
                    return Ok(i);
                }
            }
            Some(_) => i += 1,
        }
    }
}

/// A piece of a string literal's body, as byte ranges into the body.
enum Segment {
    Text(Range<usize>),
    Code(Range<usize>),
}

/// Splits a well-formed string body (as accepted by `scan_string`) into text
/// and interpolated code.
fn segments(body: &str) -> Vec<Segment> {
    let b = body.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += unicode_escape_len(b, i).unwrap_or(2),
            b'{' if b.get(i + 1) == Some(&b'{') => i += 2,
            b'{' => {
                out.push(Segment::Text(start..i));
                let end = scan_code(b, i + 1, 1).unwrap_or(b.len());
                out.push(Segment::Code(i + 1..end.saturating_sub(1).max(i + 1)));
                i = end;
                start = end;
            }
            _ => i += 1,
        }
    }
    out.push(Segment::Text(start..b.len().max(start)));
    out
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
                let line_start = src[..tokens[i].1.start].rfind('\n').map_or(0, |n| n + 1);
                let starts_line = src[line_start..tokens[i].1.start].trim().is_empty();
                keep[i] = attached && starts_line;
                attached = keep[i];
            }
            ref t => attached = t.starts_declaration(),
        }
    }
    let mut flags = keep.into_iter();
    tokens.retain(|_| flags.next().unwrap_or(true));
}

fn lex_into<'src>(src: &'src str, base: usize, file: FileId, out: &mut Lexed<'src>) {
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

/// Emits a string literal: one `Str` token, or a `StrBegin … StrEnd` run
/// with the interpolated code lexed in between.
fn push_string<'src>(
    body: &'src str,
    body_base: usize,
    whole: Range<usize>,
    file: FileId,
    out: &mut Lexed<'src>,
) {
    let segs = segments(body);
    for seg in &segs {
        if let Segment::Text(r) = seg {
            check_text(&body[r.clone()], body_base + r.start, file, out);
        }
    }
    if segs.len() == 1 {
        out.tokens.push((Token::Str(body), whole));
        return;
    }
    let last = segs.len() - 1;
    for (n, seg) in segs.into_iter().enumerate() {
        match seg {
            Segment::Text(r) => {
                let text = &body[r.clone()];
                let (tok, span) = if n == 0 {
                    (Token::StrBegin(text), whole.start..body_base + r.end)
                } else if n == last {
                    (Token::StrEnd(text), body_base + r.start - 1..whole.end)
                } else {
                    (
                        Token::StrMid(text),
                        body_base + r.start - 1..body_base + r.end + 1,
                    )
                };
                out.tokens.push((tok, span));
            }
            Segment::Code(r) => {
                if body[r.clone()].trim().is_empty() {
                    out.report(
                        Diagnostic::error("P004", "empty interpolation `{}` in string")
                            .with_label(
                                Span::new(file, body_base + r.start - 1..body_base + r.end + 1),
                                "nothing to interpolate",
                            )
                            .with_help("write `{{}}` for literal braces"),
                    );
                    out.tokens
                        .push((Token::Error, body_base + r.start..body_base + r.end));
                } else {
                    out.interpolations
                        .push(body_base + r.start..body_base + r.end);
                    lex_into(&body[r.clone()], body_base + r.start, file, out);
                }
            }
        }
    }
}

/// Reports invalid escapes and lone `}` in one text segment of a string.
fn check_text(text: &str, base: usize, file: FileId, out: &mut Lexed<'_>) {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => match unescape_one(&text[i + 1..]) {
                Ok((_, len)) => i += 1 + len,
                Err(len) => {
                    out.report(
                        Diagnostic::error("P003", "invalid escape sequence in string")
                            .with_label(Span::new(file, base + i..base + i + 1 + len), "not a valid escape")
                            .with_help(r#"valid escapes are \" \\ \n \t \r and \u{HEX}; write `{{` and `}}` for braces"#),
                    );
                    i += 1 + len;
                }
            },
            b'{' | b'}' if b.get(i + 1) == Some(&b[i]) => i += 2,
            b'}' => {
                out.report(
                    Diagnostic::error("P003", "unmatched `}` in string").with_label(
                        Span::new(file, base + i..base + i + 1),
                        "write `}}` for a literal brace",
                    ),
                );
                i += 1;
            }
            _ => i += 1,
        }
    }
}

/// Decodes one escape (the text after a backslash): the character and the
/// number of bytes consumed, or `Err(bytes)` to underline when invalid.
fn unescape_one(rest: &str) -> Result<(char, usize), usize> {
    let mut it = rest.chars();
    let c = it.next().ok_or(0usize)?;
    Ok(match c {
        '"' => ('"', 1),
        '\\' => ('\\', 1),
        'n' => ('\n', 1),
        't' => ('\t', 1),
        'r' => ('\r', 1),
        'u' => {
            let close = rest.find('}').ok_or(1usize)?;
            let hex = rest
                .get(2..close)
                .filter(|_| rest[1..].starts_with('{'))
                .ok_or(close + 1)?;
            let code = u32::from_str_radix(hex, 16).map_err(|_| close + 1)?;
            (char::from_u32(code).ok_or(close + 1)?, close + 1)
        }
        other => return Err(other.len_utf8()),
    })
}

/// Processes escapes and doubled braces in raw string text. Invalid escapes
/// were reported by the lexer and are kept literally here.
pub fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    while let Some(c) = raw[i..].chars().next() {
        match c {
            '\\' => match unescape_one(&raw[i + 1..]) {
                Ok((ch, len)) => {
                    out.push(ch);
                    i += 1 + len;
                }
                Err(_) => {
                    out.push('\\');
                    i += 1;
                }
            },
            '{' | '}' if raw[i + 1..].starts_with(c) => {
                out.push(c);
                i += 2;
            }
            c => {
                out.push(c);
                i += c.len_utf8();
            }
        }
    }
    out
}

fn lex_diagnostic(err: &LexError, slice: &str, span: Span) -> Diagnostic {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<Token<'_>> {
        lex(src, FileId(0))
            .tokens
            .into_iter()
            .map(|t| t.0)
            .collect()
    }

    #[test]
    fn dates_durations_and_numbers() {
        assert_eq!(
            kinds("2027-03-31 90d 12h 2w 3 4.5"),
            vec![
                Token::Date(jiff::civil::date(2027, 3, 31)),
                Token::Duration("90d"),
                Token::Duration("12h"),
                Token::Duration("2w"),
                Token::Int(3),
                Token::Float(4.5)
            ]
        );
    }

    #[test]
    fn interpolation_is_flattened() {
        assert_eq!(
            kinds(r#""db {d.id} is {lower("X")}!""#),
            vec![
                Token::StrBegin("db "),
                Token::Ident("d"),
                Token::Dot,
                Token::Ident("id"),
                Token::StrMid(" is "),
                Token::Ident("lower"),
                Token::LParen,
                Token::Str("X"),
                Token::RParen,
                Token::StrEnd("!"),
            ]
        );
    }

    #[test]
    fn doubled_braces_are_text() {
        assert_eq!(kinds(r#""{{x}}""#), vec![Token::Str("{{x}}")]);
        assert_eq!(unescape("{{x}} \\u{41}\\n"), "{x} A\n");
    }

    #[test]
    fn unicode_escapes_are_not_interpolations() {
        let lexed = lex(r#""\u{41}{x}\u{1b}""#, FileId(0));
        assert!(lexed.diagnostics.is_empty(), "{:?}", lexed.diagnostics);
        assert_eq!(
            lexed.tokens.into_iter().map(|t| t.0).collect::<Vec<_>>(),
            vec![
                Token::StrBegin(r"\u{41}"),
                Token::Ident("x"),
                Token::StrEnd(r"\u{1b}")
            ]
        );
        assert_eq!(unescape(r"\u{41}\u{1b}"), "A\u{1b}");
    }

    /// A `{` meant literally opens an interpolation: the error points at it
    /// and says how to write a brace.
    #[test]
    fn an_unclosed_interpolation_points_at_its_brace() {
        let lexed = lex("let t = \"a {b\"", FileId(0));
        let [d] = lexed.diagnostics.as_slice() else {
            panic!("{:?}", lexed.diagnostics)
        };
        assert_eq!(d.primary_span().map(|s| s.start), Some(11));
        assert!(d.help.as_deref().is_some_and(|h| h.contains("{{")), "{d:?}");
    }

    #[test]
    fn errors_become_tokens() {
        let lexed = lex("a $ \"open", FileId(0));
        assert_eq!(lexed.tokens.len(), 3);
        assert_eq!(lexed.diagnostics.len(), 2);
    }

    /// Found by the `parse` fuzz target: a backslash as the very last
    /// byte moved the lexer past the end of the input, a panic in logos.
    #[test]
    fn a_backslash_at_the_end_of_input_is_an_unterminated_string() {
        for src in ["let x = \"ab\\", "\"\\", "\"{\"\\"] {
            let lexed = lex(src, FileId(0));
            assert!(
                lexed
                    .diagnostics
                    .iter()
                    .any(|d| d.message.starts_with("unterminated string")),
                "{src:?}: {:?}",
                lexed.diagnostics
            );
        }
    }

    /// A file with CR line ends is not one long comment.
    #[test]
    fn comments_end_at_a_carriage_return() {
        assert_eq!(
            kinds("// note\rlet x\r\n// more\r\nx"),
            vec![Token::Let, Token::Ident("x"), Token::Ident("x")]
        );
    }

    #[test]
    fn a_doc_comment_ending_a_line_of_code_is_a_comment() {
        assert_eq!(
            kinds("let x = 1 /// not a doc\ncontrol"),
            kinds("let x = 1\ncontrol")
        );
    }

    #[test]
    fn orphan_doc_comments_are_dropped() {
        assert_eq!(
            kinds("/// x\ncontrol"),
            vec![Token::Doc("/// x"), Token::Control]
        );
        assert_eq!(
            kinds("a /// x\n b"),
            vec![Token::Ident("a"), Token::Ident("b")]
        );
    }
}
