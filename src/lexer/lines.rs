//! Source lines as comments end them: text in, line starts and pieces out.
//! A line ends at `\n`, at `\r\n` (one break) or at a lone `\r`, exactly
//! where the lexer ends a `//` comment; the lexer (does a doc comment begin
//! its line?) and the formatter (where are comments and blank lines?) both
//! ask here, so a file with old Mac line ends cannot make them disagree.

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

/// How many line ends `text` holds.
pub(crate) fn line_breaks(text: &str) -> usize {
    lines(text).count() - 1
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
    }

    #[test]
    fn a_line_begins_after_any_line_end() {
        assert_eq!(line_start("ab\rcd", 4), 3);
        assert_eq!(line_start("ab\r\ncd", 5), 4);
        assert_eq!(line_start("abcd", 2), 0);
    }
}
