//! Escaping for every output format: untrusted text in, text that cannot
//! change the meaning of its container out (terminal, XML/HTML, Markdown,
//! GitHub workflow commands, Mermaid labels). No function here lets a
//! terminal control character through, so no report can recolour, clear or
//! ring a terminal that displays it.

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

/// Characters XML 1.0 cannot carry at all, not even as a character
/// reference (besides the C0 controls that `is_dangerous` already catches).
fn is_xml_forbidden(c: char) -> bool {
    matches!(c, '\u{fffe}' | '\u{ffff}')
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

/// Source text quoted in a rendered diagnostic: each dangerous character
/// becomes one visible character (a control picture such as `␛`, or `�`),
/// so character offsets into the text stay valid. A lone `\r` ends a line
/// for the lexer and our positions, so it becomes `\n` (a terminal would
/// return to the start of the line and let later text hide earlier);
/// other line breaks go, so the excerpt's lines are the lines our
/// positions count.
pub fn terminal_source(s: &str) -> Cow<'_, str> {
    let is_replaced = |c: char, next: Option<char>| match c {
        '\r' => next != Some('\n'),
        '\u{2028}' | '\u{2029}' => true,
        c => is_dangerous(c, true),
    };
    let mut chars = s.chars().peekable();
    let mut out: Option<String> = None;
    let mut at = 0;
    while let Some(c) = chars.next() {
        if is_replaced(c, chars.peek().copied()) {
            let out = out.get_or_insert_with(|| s[..at].to_string());
            out.push(match c {
                '\r' => '\n',
                '\u{0}'..='\u{1f}' => char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}'),
                '\u{7f}' => '\u{2421}',
                _ => '\u{fffd}',
            });
        } else if let Some(out) = &mut out {
            out.push(c);
        }
        at += c.len_utf8();
    }
    out.map_or(Cow::Borrowed(s), Cow::Owned)
}

/// A pretty JSON formatter that writes every character a terminal would
/// act on as a `\uXXXX` escape. serde_json escapes only C0 controls; DEL,
/// C1 controls and bidirectional overrides may appear raw in JSON, yet a
/// report printed to a terminal must not recolour or reorder it. They can
/// only occur inside strings, which serde_json hands (keys too) to
/// `write_string_fragment`, so the document parses to the same value and
/// is written while it is serialised, never held whole.
#[derive(Default)]
pub struct SafeJson<'a>(serde_json::ser::PrettyFormatter<'a>);

impl serde_json::ser::Formatter for SafeJson<'_> {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut rest = fragment;
        while let Some((i, c)) = rest.char_indices().find(|&(_, c)| is_dangerous(c, true)) {
            writer.write_all(&rest.as_bytes()[..i])?;
            // Every dangerous character is in the Basic Multilingual Plane.
            write!(writer, "\\u{:04x}", u32::from(c))?;
            rest = &rest[i + c.len_utf8()..];
        }
        writer.write_all(rest.as_bytes())
    }

    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_value(w)
    }
}

/// Text for XML and HTML element content and attribute values. Control
/// characters that XML 1.0 cannot carry are replaced by visible escapes.
pub fn xml(s: &str) -> Cow<'_, str> {
    let needs = s.chars().any(|c| {
        matches!(c, '<' | '>' | '&' | '"' | '\'') || is_dangerous(c, true) || is_xml_forbidden(c)
    });
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
            c if is_dangerous(c, true) || is_xml_forbidden(c) => {
                out.push_str(&c.escape_unicode().to_string())
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Text handed to an XML writer that escapes markup itself (quick-xml):
/// only the characters XML 1.0 cannot carry, and terminal controls, are
/// replaced by visible escapes; newlines and tabs stay.
pub fn xml_chars(s: &str) -> Cow<'_, str> {
    if !s
        .chars()
        .any(|c| is_dangerous(c, true) || is_xml_forbidden(c))
    {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| {
                if is_dangerous(c, true) || is_xml_forbidden(c) {
                    c.escape_unicode().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

/// Text for any place in a Markdown document: a paragraph, a heading, a
/// list item or a table cell. It is [`markdown_cell`] (only what would
/// change the rendering is escaped, so `web_fleet` and `network.core` stay
/// as they are), plus a backslash before what would open a block at the
/// start of a line (`#`, `>`, `-`, `+`, `=`, a number followed by `.` or
/// `)`) and before a trailing run of `#` that would close a heading.
/// Leading whitespace, which could indent a code block, is dropped.
pub fn markdown(s: &str) -> String {
    let cell = markdown_cell(s.trim_start());
    let digits = cell.chars().take_while(char::is_ascii_digit).count();
    let mut out = String::with_capacity(cell.len() + 2);
    if cell.starts_with(['#', '>', '-', '+', '=']) {
        out.push('\\');
        out.push_str(&cell);
    } else if digits > 0 && cell[digits..].starts_with(['.', ')']) {
        out.push_str(&cell[..digits]);
        out.push('\\');
        out.push_str(&cell[digits..]);
    } else {
        out.push_str(&cell);
    }
    let body = out.trim_end();
    let run = body.trim_end_matches('#').len();
    if run < body.len() && (run == 0 || body[..run].ends_with([' ', '\t'])) {
        out.insert(run, '\\');
    }
    out
}

/// Text for one cell of a GitHub-flavoured Markdown table, escaped only
/// where it would change what renders, so the source stays readable:
/// `\\`, `|` (a cell boundary), `*`, `` ` ``, `~`, `$` (math on GitHub),
/// `[` (links and images), `<` (HTML and autolinks), `&` before what could be
/// an entity, `_` unless inside a word (where it cannot emphasise), and the
/// `:` of `://` and the `.` of a word-initial `www.`, which GitHub would
/// turn into links. Control characters become visible `\u{..}` escapes and
/// `@` is followed by a word joiner, so that text from the facts cannot
/// mention (notify) a user or team when the report is posted as a comment.
pub fn markdown_cell(s: &str) -> String {
    let text = terminal(s);
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 8);
    let alnum = |j: Option<usize>| {
        j.and_then(|j| chars.get(j))
            .is_some_and(|c| c.is_alphanumeric())
    };
    let follows = |i: usize, s: &str| chars[i + 1..].iter().take(s.len()).copied().eq(s.chars());
    for (i, &c) in chars.iter().enumerate() {
        let escape = match c {
            '\\' | '|' | '*' | '`' | '~' | '$' | '[' | '<' => true,
            '&' => chars
                .get(i + 1)
                .is_some_and(|n| n.is_ascii_alphanumeric() || *n == '#'),
            '_' => !(alnum(i.checked_sub(1)) && alnum(Some(i + 1))),
            ':' => follows(i, "//"),
            '.' => {
                i >= 3
                    && chars[i - 3..i].iter().all(|c| c.eq_ignore_ascii_case(&'w'))
                    && !alnum(i.checked_sub(4))
            }
            _ => false,
        };
        if escape {
            out.push('\\');
        }
        out.push(c);
        if c == '@' {
            out.push('\u{2060}');
        }
    }
    out
}

/// The message part of a GitHub Actions workflow command (`::error ...::MESSAGE`):
/// `%`, carriage return and newline are percent-encoded as the runner
/// expects, so a value can never end the command or start another one.
pub fn github_data(s: &str) -> String {
    terminal_block(&github_encode(s, false)).into_owned()
}

/// A property value of a workflow command (`file=`, `title=`): like
/// [`github_data`], and `:` and `,` are encoded too, so the value cannot end
/// the property list or start another property.
pub fn github_property(s: &str) -> String {
    terminal_block(&github_encode(s, true)).into_owned()
}

fn github_encode(s: &str, property: bool) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            ':' if property => out.push_str("%3A"),
            ',' if property => out.push_str("%2C"),
            c => out.push(c),
        }
    }
    out
}

/// Text inside a quoted Mermaid label (`id["..."]`): quotes, markup and the
/// `#` that starts Mermaid's entity codes are written as entity codes, and
/// control characters (newlines included) as visible escapes.
pub fn mermaid(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in terminal(s).chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            '`' => out.push_str("#96;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVIL: &str = "evil\u{1b}[2J\u{1b}[31mALL CLEAR\u{1b}[0m\u{7}";

    /// One character for one: offsets in characters stay valid, and only
    /// `\n`, `\r\n` and a lone `\r` (made `\n`) still break lines.
    #[test]
    fn source_text_keeps_its_character_count() {
        let text = "a\rb\r\nc\u{2028}d\u{b}\u{85}\u{202e}e\u{7f}\tf";
        let shown = terminal_source(text);
        assert_eq!(
            shown,
            "a\nb\r\nc\u{fffd}d\u{240b}\u{fffd}\u{fffd}e\u{2421}\tf"
        );
        assert_eq!(shown.chars().count(), text.chars().count());
        assert!(matches!(terminal_source("plain\r\n"), Cow::Borrowed(_)));
    }

    fn has_control(s: &str) -> bool {
        s.chars().any(|c| c != '\n' && c != '\t' && c.is_control())
    }

    #[test]
    fn terminal_removes_escape_and_bell() {
        let s = terminal(EVIL);
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
        let mut doc = Vec::new();
        let mut serializer = serde_json::Serializer::with_formatter(&mut doc, SafeJson::default());
        serde::Serialize::serialize(&serde_json::json!({ "name": name }), &mut serializer)
            .unwrap_or_default();
        let safe = String::from_utf8(doc).unwrap_or_default();
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
    fn xml_chars_keeps_markup_for_the_writer_but_not_controls() {
        assert_eq!(xml_chars("a<b>&\n"), "a<b>&\n");
        let s = xml_chars(EVIL);
        assert!(!has_control(&s));
        assert_eq!(xml_chars("x\u{fffe}"), "x\\u{fffe}");
    }

    #[test]
    fn markdown_escapes_table_pipes() {
        assert_eq!(markdown("a|b*c"), "a\\|b\\*c");
    }

    /// The visible text of `doc` as pulldown-cmark renders it (GFM), and
    /// every block it opens: escaping must keep both as the caller meant.
    fn rendered(doc: &str) -> (String, Vec<String>) {
        use pulldown_cmark::{Event, Options, Parser, Tag};
        let mut text = String::new();
        let mut blocks = Vec::new();
        for event in Parser::new_ext(
            doc,
            Options::ENABLE_TABLES
                | Options::ENABLE_GFM
                | Options::ENABLE_STRIKETHROUGH
                | Options::ENABLE_MATH,
        ) {
            match event {
                Event::Text(t) => text.push_str(&t),
                Event::Start(Tag::Paragraph) => blocks.push("paragraph".to_string()),
                Event::Start(Tag::Heading { level, .. }) => blocks.push(format!("{level}")),
                Event::End(_) => {}
                other => blocks.push(format!("{other:?}")),
            }
        }
        (text, blocks)
    }

    const HOSTILE: &[&str] = &[
        "web_fleet",
        "network.core",
        "a|b",
        "*x*",
        "_x_",
        "__init__",
        "<script>",
        "`x`",
        "a & b &amp; &#38;",
        "[x](javascript:alert(1))",
        "![i](x.png)",
        "~~gone~~",
        "$x$",
        "www.example.com http://x.y",
        "a\\b",
        "# heading",
        "> quote",
        "- item",
        "+ item",
        "1. item",
        "2) item",
        "===",
        "---",
        "***",
        "    code",
        "trailing #",
        "###",
        "@security-team",
    ];

    #[test]
    fn markdown_renders_as_its_text_in_a_paragraph_and_a_heading() {
        for value in HOSTILE {
            let shown = value.trim_start().replace('@', "@\u{2060}");
            let escaped = markdown(value);
            assert_eq!(
                rendered(&format!("{escaped}\n")),
                (shown.clone(), vec!["paragraph".to_string()]),
                "paragraph {value:?} as {escaped:?}"
            );
            assert_eq!(
                rendered(&format!("text\n{escaped}\n")),
                (
                    format!("text{shown}"),
                    vec!["paragraph".to_string(), "SoftBreak".to_string()]
                ),
                "second line {value:?} as {escaped:?}"
            );
            assert_eq!(
                rendered(&format!("#### x {escaped}\n")),
                (format!("x {shown}"), vec!["h4".to_string()]),
                "heading {value:?} as {escaped:?}"
            );
        }
    }

    #[test]
    fn markdown_leaves_names_alone() {
        assert_eq!(markdown("web_fleet"), "web_fleet");
        assert_eq!(markdown("network.core"), "network.core");
        assert_eq!(
            markdown("gke_clusters on network.core"),
            "gke_clusters on network.core"
        );
    }

    #[test]
    fn markdown_neutralises_mentions_and_controls() {
        let s = markdown("@security-team\n");
        assert!(!s.contains("@s"));
        assert!(!s.contains('\n'));
        assert!(!has_control(&markdown(EVIL)));
    }

    #[test]
    fn github_data_encodes_line_breaks_and_percent() {
        assert_eq!(github_data("50%\r\nnext::x"), "50%25%0D%0Anext::x");
        assert!(!has_control(&github_data(EVIL)));
    }

    #[test]
    fn github_property_encodes_separators() {
        assert_eq!(github_property("a,b:c%d\ne"), "a%2Cb%3Ac%25d%0Ae");
    }

    #[test]
    fn mermaid_cannot_close_a_label() {
        assert_eq!(mermaid("a\"]b<br/>#x"), "a#quot;]b#lt;br/#gt;#35;x");
        assert!(!has_control(&mermaid(EVIL)));
    }
}
