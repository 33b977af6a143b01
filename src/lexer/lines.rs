//! Source lines as comments end them: text in, line starts and pieces out.
//! A line ends at `\n`, at `\r\n` (one break) or at a lone `\r`, exactly
//! where the lexer ends a `//` comment; the lexer (does a doc comment begin
//! its line?) and the formatter (where are comments and blank lines?) both
//! ask here, and so do the editor's positions (the language server
//! protocol ends lines the same way), so a file with old Mac line ends
//! cannot make them disagree.

/// The lines of `text`, without their line ends; `"a\n"` is `"a"` and `""`.
pub(crate) fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let s = rest?;
        match s.find(['\n', '\r']) {
            None => {
                rest = None;
                Some(s)
            }
            Some(end) => {
                let width = if s[end..].starts_with("\r\n") { 2 } else { 1 };
                rest = Some(&s[end + width..]);
                Some(&s[..end])
            }
        }
    })
}

/// Where each line after the first begins: just past every line end.
pub(crate) fn later_line_starts(text: &str) -> impl Iterator<Item = usize> + '_ {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().filter_map(move |(i, &b)| {
        let ends_line = b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n'));
        ends_line.then_some(i + 1)
    })
}

/// How many line ends `text` holds.
pub(crate) fn line_breaks(text: &str) -> usize {
    lines(text).count() - 1
}

/// Whether the lexer skips `c` between tokens: the byte order mark too,
/// wherever it stands (the `Token` skip rule).
pub(crate) fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n' | '\x0c' | '\u{feff}')
}

/// Whether only skipped characters precede byte `pos` on its line.
pub(crate) fn begins_line(src: &str, pos: usize) -> bool {
    src.get(line_start(src, pos)..pos)
        .is_some_and(|before| before.chars().all(is_blank))
}

/// Where the line holding byte `pos` begins (`pos` is not inside a `\r\n`).
pub(crate) fn line_start(src: &str, pos: usize) -> usize {
    src.get(..pos)
        .and_then(|before| before.rfind(['\n', '\r']))
        .map_or(0, |end| end + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_end_counts_once() {
        assert_eq!(
            lines("a\nb\r\nc\rd").collect::<Vec<_>>(),
            ["a", "b", "c", "d"]
        );
        assert_eq!(lines("a\r").collect::<Vec<_>>(), ["a", ""]);
        assert_eq!(line_breaks("\r\n\r\n"), 2);
        assert_eq!(line_breaks("\r\r"), 2);
        assert_eq!(line_breaks(""), 0);
        assert_eq!(
            later_line_starts("a\nb\r\nc\rd\r").collect::<Vec<_>>(),
            [2, 5, 7, 9]
        );
    }

    #[test]
    fn a_line_begins_after_any_line_end() {
        assert_eq!(line_start("ab\rcd", 4), 3);
        assert_eq!(line_start("ab\r\ncd", 5), 4);
        assert_eq!(line_start("abcd", 2), 0);
    }

    #[test]
    fn a_byte_order_mark_is_blank_on_any_line() {
        assert!(begins_line("a\n\u{feff} ///", 6));
        assert!(!begins_line("a\nb ///", 4));
        assert!(begins_line("\u{feff}///", 3));
    }
}
