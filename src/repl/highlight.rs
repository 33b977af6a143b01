//! Syntax highlighting of REPL input: the text being edited in, the same
//! text with ANSI colours out (same display width). Tokens come from the
//! real lexer, so highlighting agrees with the parser.

use crate::builtins::Builtin;
use crate::lexer::{Token, lex};
use crate::source::FileId;
use crate::value::Word;
use std::ops::Range;

const KEYWORD: &str = "35";
const STRING: &str = "32";
const LITERAL: &str = "33";
const WORD: &str = "36";
const BUILTIN: &str = "34";
const COMMENT: &str = "2";
const ERROR: &str = "31";
const COMMAND: &str = "1";

/// The colour of one token, if it has one.
fn colour(token: &Token<'_>, text: &str, next: Option<&Token<'_>>) -> Option<&'static str> {
    Some(match token {
        Token::True | Token::False | Token::Null => LITERAL,
        Token::None => WORD,
        t if t.keyword().is_some() => KEYWORD,
        Token::Str(_) | Token::StrBegin(_) | Token::StrMid(_) | Token::StrEnd(_) => STRING,
        Token::Int(_) | Token::Float(_) | Token::Date(_) | Token::Duration(_) => LITERAL,
        Token::Ident(name) if Word::parse(name).is_some() => WORD,
        Token::Ident(name)
            if Builtin::from_name(name).is_some() && next == Some(&Token::LParen) =>
        {
            BUILTIN
        }
        // An unterminated string is still being typed.
        Token::Error if text.starts_with('"') => STRING,
        Token::Error => ERROR,
        _ => return None,
    })
}

/// The input with colours, or None when nothing needs colour.
pub fn highlight(line: &str) -> Option<String> {
    let mut spans: Vec<(Range<usize>, &'static str)> = Vec::new();
    let trimmed = line.trim_start();
    if trimmed.starts_with(':') {
        let start = line.len() - trimmed.len();
        let end = trimmed
            .find(char::is_whitespace)
            .map_or(line.len(), |i| start + i);
        spans.push((start..end, COMMAND));
    } else {
        let lexed = lex(line, FileId(0));
        spans.extend(lexed.comments.iter().map(|r| (r.clone(), COMMENT)));
        let tokens = &lexed.tokens;
        for (i, (token, range)) in tokens.iter().enumerate() {
            if matches!(token, Token::Doc(_)) {
                continue;
            }
            let text = line.get(range.clone()).unwrap_or("");
            if let Some(c) = colour(token, text, tokens.get(i + 1).map(|(t, _)| t)) {
                spans.push((range.clone(), c));
            }
        }
        spans.sort_by_key(|(r, _)| r.start);
    }
    if spans.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(line.len() + spans.len() * 9);
    let mut at = 0;
    for (range, code) in spans {
        let (Some(before), Some(text)) = (line.get(at..range.start), line.get(range.clone()))
        else {
            continue;
        };
        out.push_str(before);
        out.push_str(&format!("\x1b[{code}m{text}\x1b[0m"));
        at = range.end;
    }
    out.push_str(line.get(at..).unwrap_or(""));
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text without its colour codes.
    fn plain(s: &str) -> String {
        let mut out = String::new();
        let mut chars = s.chars();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                for d in chars.by_ref() {
                    if d == 'm' {
                        break;
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    }

    #[test]
    fn colours_keep_the_text() {
        for line in [
            "control c { service = s // note",
            "len(facts.x) + 90d >= 2027-03-31 and \"a {b} c\" == customer",
            "\"unterminated",
            ":check a b",
            "/// doc",
        ] {
            let coloured = highlight(line).unwrap_or_default();
            assert_eq!(plain(&coloured), line);
        }
    }

    #[test]
    fn kinds_get_their_colours() {
        let coloured = highlight("not len(x) == \"s\" // c").unwrap_or_default();
        assert!(coloured.contains("\x1b[35mnot\x1b[0m"));
        assert!(coloured.contains("\x1b[34mlen\x1b[0m"));
        assert!(coloured.contains("\x1b[32m\"s\"\x1b[0m"));
        assert!(coloured.contains("\x1b[2m// c\x1b[0m"));
        assert_eq!(highlight("x + y"), None);
        assert_eq!(highlight(":q").as_deref(), Some("\x1b[1m:q\x1b[0m"));
    }
}
