//! Escaping for every output format: untrusted text in, text that cannot
//! change the meaning of its container out (terminal, XML/HTML, Markdown).

use std::borrow::Cow;

/// True for characters that can move the cursor, recolour, hide or reorder
/// text on a terminal: C0 controls except tab and newline, DEL, C1 controls,
/// and the Unicode bidirectional overrides and isolates.
fn is_dangerous(c: char, keep_newlines: bool) -> bool {
    match c {
        '\n' => !keep_newlines,
        '\t' => false,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' => true,
        '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => true,
        _ => false,
    }
}

fn escape_with(s: &str, keep_newlines: bool) -> Cow<'_, str> {
    if !s.chars().any(|c| is_dangerous(c, keep_newlines)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_dangerous(c, keep_newlines) {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// One line of terminal text: every control character becomes a visible
/// `\u{..}` escape, newlines included.
pub fn terminal(s: &str) -> Cow<'_, str> {
    escape_with(s, false)
}

/// Multi-line terminal text (rendered diagnostics): like [`terminal`] but
/// keeps newlines.
pub fn terminal_block(s: &str) -> Cow<'_, str> {
    escape_with(s, true)
}

/// A serialized JSON document with every character a terminal would act
/// on written as a `\uXXXX` escape. serde_json escapes only C0 controls;
/// DEL, C1 controls and bidirectional overrides may appear raw in JSON, yet
/// a report printed to a terminal must not recolour or reorder it. These
/// characters can only occur inside JSON strings, so the document parses
/// to the same value.
pub fn json(doc: String) -> String {
    if !doc.chars().any(|c| is_dangerous(c, true)) {
        return doc;
    }
    let mut out = String::with_capacity(doc.len() + 16);
    for c in doc.chars() {
        if is_dangerous(c, true) {
            // Every dangerous character is in the Basic Multilingual Plane.
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// Text for XML and HTML element content and attribute values. Control
/// characters that XML 1.0 cannot carry are replaced by visible escapes.
pub fn xml(s: &str) -> Cow<'_, str> {
    let needs = s
        .chars()
        .any(|c| matches!(c, '<' | '>' | '&' | '"' | '\'') || is_dangerous(c, true));
    if !needs {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if is_dangerous(c, true) => out.push_str(&c.escape_unicode().to_string()),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Text for one Markdown table cell or inline run: Markdown and HTML
/// punctuation is backslash-escaped or entity-encoded, newlines become spaces.
pub fn markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in terminal(s).chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '(' | ')' | '#' | '|' | '!' | '~' | '{' | '}'
            | '+' | '-' | '.' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_removes_escape_and_bell() {
        let s = terminal("evil\u{1b}[2J\u{1b}[31mALL CLEAR\u{1b}[0m\u{7}");
        assert!(!s.contains('\u{1b}') && !s.contains('\u{7}'));
        assert!(s.contains("ALL CLEAR"));
    }

    #[test]
    fn terminal_removes_bidi_and_carriage_return() {
        let s = terminal("a\u{202e}b\rc\u{8}");
        assert_eq!(s, "a\\u{202e}b\\u{d}c\\u{8}");
    }

    #[test]
    fn json_escapes_what_serde_leaves_raw() {
        let name = "del\u{7f} c1\u{9b}31m bidi\u{202e}gnp.exe tab\t";
        let doc =
            serde_json::to_string_pretty(&serde_json::json!({ "name": name })).unwrap_or_default();
        let safe = json(doc);
        assert!(!safe.chars().any(|c| is_dangerous(c, true)), "{safe}");
        assert!(
            safe.contains(r"del\u007f c1\u009b31m bidi\u202egnp.exe tab\t"),
            "{safe}"
        );
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap_or_default();
        assert_eq!(back["name"], name);
    }

    #[test]
    fn xml_escapes_markup() {
        assert_eq!(xml("a<b>&\"c\"]]>"), "a&lt;b&gt;&amp;&quot;c&quot;]]&gt;");
    }

    #[test]
    fn markdown_escapes_table_pipes() {
        assert_eq!(markdown("a|b*c"), "a\\|b\\*c");
    }
}
