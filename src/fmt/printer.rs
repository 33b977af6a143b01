//! The formatter's output device: tokens and byte positions in, lines of
//! text out. It owns the comments of the file and writes each one, verbatim,
//! just before the first token printed after it, so no comment is ever lost
//! or reordered; it also owns indentation, blank lines and the alignment of
//! trailing comments.

use crate::lexer::lines::{begins_line, line_breaks, lines};
use std::ops::Range;

/// Two spaces per level (SPEC examples).
const INDENT: &str = "  ";

/// The separation requested before the next token; a stronger request wins.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Gap {
    None,
    Space,
    Line,
    Blank,
}

#[derive(Default)]
struct OutLine {
    /// Indentation and code.
    code: String,
    /// A comment that ends the line, after the code.
    trailing: Option<String>,
    /// The line is a comment of its own: nothing may follow on it.
    comment_only: bool,
}

/// The indentation of the element being printed in one block; saved
/// while a bracketed block nests inside it.
#[derive(Clone, Default)]
struct Frame {
    /// Level of the element's first line.
    level: usize,
    /// Whether the element's first token is written, so further lines hang.
    started: bool,
    /// For each construct still open in the element (brackets kept on one
    /// line, the expression of a clause): the level of a line broken inside.
    anchors: Vec<usize>,
    /// Constructs entered whose first token is not written yet, with their
    /// offsets: they are anchored on the line that token lands on.
    entering: Vec<usize>,
}

impl Frame {
    fn at(level: usize) -> Frame {
        Frame {
            level,
            ..Frame::default()
        }
    }

    /// The level of the next line of this element.
    fn next_line_level(&self) -> usize {
        match self.anchors.last() {
            Some(anchor) => *anchor,
            None => self.level + usize::from(self.started),
        }
    }
}

pub(super) struct Printer<'s> {
    src: &'s str,
    comments: Vec<Range<usize>>,
    next_comment: usize,
    lines: Vec<OutLine>,
    /// Level of the current output line.
    line_level: usize,
    frame: Frame,
    outer: Vec<Frame>,
    gap: Gap,
    /// Nothing but an opening bracket precedes on this level: no blank line.
    just_opened: bool,
    /// Inside `{...}` of a string: no line breaks and no comments there.
    interpolation_depth: usize,
}

impl<'s> Printer<'s> {
    pub(super) fn new(src: &'s str, mut comments: Vec<Range<usize>>) -> Printer<'s> {
        comments.sort_by_key(|c| c.start);
        Printer {
            src,
            comments,
            next_comment: 0,
            lines: vec![OutLine::default()],
            line_level: 0,
            frame: Frame::at(0),
            outer: Vec::new(),
            gap: Gap::None,
            just_opened: true,
            interpolation_depth: 0,
        }
    }

    pub(super) fn src(&self) -> &'s str {
        self.src
    }

    // ---- positions in the source ----

    /// Where the next token after `pos` starts, skipping whitespace and
    /// comments: how keywords that the tree does not span are found.
    pub(super) fn next_token(&self, mut pos: usize) -> usize {
        let bytes = self.src.as_bytes();
        loop {
            while pos < bytes.len() && is_blank_byte(bytes[pos]) {
                pos += 1;
            }
            if self
                .src
                .get(pos..)
                .is_some_and(|rest| rest.starts_with('\u{FEFF}'))
            {
                pos += '\u{FEFF}'.len_utf8();
                continue;
            }
            match self.comments.binary_search_by_key(&pos, |c| c.start) {
                Ok(i) => pos = self.comments[i].end,
                Err(_) => return pos.min(bytes.len()),
            }
        }
    }

    /// Whether the source has a line break between `from` and `to`.
    pub(super) fn breaks_between(&self, from: usize, to: usize) -> bool {
        self.src.get(from..to).is_some_and(|s| line_breaks(s) > 0)
    }

    /// Whether the source has an empty line between `from` and `to`.
    pub(super) fn blank_line_between(&self, from: usize, to: usize) -> bool {
        let gap = self.src.get(from..to).unwrap_or("");
        let pieces: Vec<&str> = lines(gap).collect();
        // The first and last pieces are the ends of the lines around the gap.
        pieces.len() > 2
            && pieces[1..pieces.len() - 1]
                .iter()
                .any(|l| l.trim().is_empty())
    }

    /// Whether a comment lies strictly inside `from..to`.
    pub(super) fn has_comment_in(&self, from: usize, to: usize) -> bool {
        let first_after = self.comments.partition_point(|c| c.start <= from);
        self.comments.get(first_after).is_some_and(|c| c.start < to)
    }

    /// Whether the source has an empty line just before `pos`.
    fn blank_line_before(&self, pos: usize) -> bool {
        let before = &self.src.as_bytes()[..pos.min(self.src.len())];
        let blank = before
            .iter()
            .rev()
            .take_while(|b| is_blank_byte(**b))
            .count();
        // Blank bytes are ASCII, so the gap is text on its own.
        std::str::from_utf8(&before[before.len() - blank..]).is_ok_and(|gap| line_breaks(gap) >= 2)
    }

    /// Whether code precedes `pos` on its source line; the lexer's answer
    /// (`lines::begins_line`), so a comment it reads as documentation stays
    /// on a line of its own.
    fn code_before_on_line(&self, pos: usize) -> bool {
        !begins_line(self.src, pos.min(self.src.len()))
    }

    // ---- writing ----

    pub(super) fn space(&mut self) {
        self.request(Gap::Space);
    }

    pub(super) fn line(&mut self) {
        self.request(Gap::Line);
    }

    /// A space, or a hanging line break where the source broke the line
    /// between `from` and `to` (the canonical rule for clause breaks).
    pub(super) fn soft_break(&mut self, from: usize, to: usize) {
        if self.breaks_between(from, to) {
            self.line();
        } else {
            self.space();
        }
    }

    fn request(&mut self, gap: Gap) {
        let gap = if self.interpolation_depth > 0 {
            gap.min(Gap::Space)
        } else {
            gap
        };
        self.gap = self.gap.max(gap);
    }

    /// Writes `text` after the comments that precede `pos` in the source.
    pub(super) fn word_at(&mut self, pos: usize, text: &str) {
        self.comments_before(pos);
        self.word(text);
    }

    /// Writes the keyword or symbol that follows `after` in the source.
    /// Returns the source position just past it.
    pub(super) fn token_after(&mut self, after: usize, text: &str) -> usize {
        let pos = self.next_token(after);
        self.word_at(pos, text);
        pos + text.len()
    }

    pub(super) fn word(&mut self, text: &str) {
        match self.gap {
            Gap::Line | Gap::Blank => {
                let blank = self.gap == Gap::Blank && !self.just_opened;
                let level = self.frame.next_line_level();
                self.new_line(level, blank);
            }
            Gap::Space if !self.current().code.is_empty() => self.current_mut().code.push(' '),
            Gap::Space | Gap::None => {}
        }
        self.gap = Gap::None;
        self.just_opened = false;
        self.frame.started = true;
        for offset in std::mem::take(&mut self.frame.entering) {
            // Never shallower than the construct it is inside.
            let anchor = (self.line_level + offset).max(self.frame.next_line_level());
            self.frame.anchors.push(anchor);
        }
        if self.current().code.is_empty() {
            let indent = INDENT.repeat(self.line_level);
            self.current_mut().code.push_str(&indent);
        }
        self.current_mut().code.push_str(text);
    }

    fn current(&self) -> &OutLine {
        // `lines` starts with one line and only grows.
        &self.lines[self.lines.len() - 1]
    }

    fn current_mut(&mut self) -> &mut OutLine {
        let last = self.lines.len() - 1;
        &mut self.lines[last]
    }

    fn new_line(&mut self, level: usize, blank: bool) {
        let current = self.current();
        if current.code.is_empty() && current.trailing.is_none() {
            // Nothing written yet: only a blank line can be owed, and none
            // belongs at the start of the file.
            self.line_level = level;
            return;
        }
        if blank {
            self.lines.push(OutLine::default());
        }
        self.lines.push(OutLine::default());
        self.line_level = level;
    }

    // ---- structure ----

    /// Starts an element that gets its own line (a declaration, a field, a
    /// list entry at `pos`): comments before it go above it, and one blank
    /// line is kept where the source had any.
    pub(super) fn element(&mut self, pos: usize) {
        self.frame.started = false;
        self.comments_before(pos);
        let gap = if self.blank_line_before(pos) {
            Gap::Blank
        } else {
            Gap::Line
        };
        self.request(gap);
    }

    /// Writes the opening bracket at `pos`; the entries that follow go on
    /// their own lines, one level deeper than the line it is on.
    pub(super) fn open_block(&mut self, pos: usize, text: &str) {
        self.word_at(pos, text);
        let inner = Frame::at(self.line_level + 1);
        self.outer.push(std::mem::replace(&mut self.frame, inner));
        self.just_opened = true;
        self.line();
    }

    /// Ends a block opened by [`Printer::open_block`] with the closing bracket
    /// at `pos`, back on the level of the line that opened it.
    pub(super) fn close_block(&mut self, pos: usize, text: &str) {
        self.frame.started = false;
        self.comments_before(pos);
        let opener_level = self.frame.level.saturating_sub(1);
        let outer = self.outer.pop().unwrap_or_default();
        self.request(Gap::Line);
        // The closing bracket lines up with its opening line, not hanging.
        self.frame = Frame::at(opener_level);
        self.word(text);
        self.frame = outer;
    }

    /// Runs `f` as a construct (brackets kept on one line, the expression
    /// of a clause) anchored on the line of its first token: a line broken
    /// inside it hangs one level below that line.
    pub(super) fn nested(&mut self, f: impl FnOnce(&mut Self)) {
        self.construct(1, f);
    }

    /// Runs `f` as a construct whose broken lines go `offset` levels below
    /// the line of its first token (0: aligned with it).
    pub(super) fn construct(&mut self, offset: usize, f: impl FnOnce(&mut Self)) {
        self.frame.entering.push(offset);
        f(self);
        // Still entering: no token was written, so nothing was anchored.
        if self.frame.entering.pop().is_none() {
            self.frame.anchors.pop();
        }
    }

    /// Whether the next token will begin a line.
    pub(super) fn starts_line(&self) -> bool {
        self.gap >= Gap::Line || self.current().code.is_empty()
    }

    /// Whether printing is inside `{...}` of a string (one line, no comments).
    pub(super) fn in_interpolation(&self) -> bool {
        self.interpolation_depth > 0
    }

    /// Runs `f` inside a string interpolation whose `}` is at `close`:
    /// everything on one line. A comment there can only end the code (it
    /// runs to the `}`), so it is written in place, before the `}`.
    pub(super) fn interpolation(&mut self, close: usize, f: impl FnOnce(&mut Self)) {
        self.interpolation_depth += 1;
        f(self);
        while let Some(c) = self.comments.get(self.next_comment).cloned() {
            if c.start >= close {
                break;
            }
            self.next_comment += 1;
            self.space();
            self.word(self.src.get(c).unwrap_or("").trim_end());
        }
        self.interpolation_depth -= 1;
    }

    // ---- comments ----

    fn comments_before(&mut self, pos: usize) {
        if self.interpolation_depth > 0 {
            return;
        }
        while let Some(c) = self.comments.get(self.next_comment).cloned() {
            if c.start >= pos {
                break;
            }
            self.next_comment += 1;
            self.comment(c);
        }
    }

    /// A comment after code on its source line stays at the end of the
    /// current line; any other gets a line of its own.
    fn comment(&mut self, range: Range<usize>) {
        let text = self
            .src
            .get(range.clone())
            .unwrap_or("")
            .trim_end()
            .to_string();
        let current = self.current();
        let can_end_line =
            !current.code.is_empty() && current.trailing.is_none() && !current.comment_only;
        if self.code_before_on_line(range.start) && can_end_line {
            self.current_mut().trailing = Some(text);
            self.request(Gap::Line);
            return;
        }
        let gap = if self.blank_line_before(range.start) {
            Gap::Blank
        } else {
            Gap::Line
        };
        self.request(gap);
        // A comment neither starts the element it precedes nor anchors the
        // construct that its next token opens.
        let started = self.frame.started;
        let entering = std::mem::take(&mut self.frame.entering);
        self.word(&text);
        self.current_mut().comment_only = true;
        self.frame.started = started;
        self.frame.entering = entering;
        self.request(Gap::Line);
    }

    /// Writes the comments not yet written and returns the text, each line
    /// without trailing spaces and the whole ending in one newline.
    pub(super) fn finish(mut self) -> String {
        self.frame.started = false;
        self.comments_before(usize::MAX);
        align_trailing_comments(&self.lines)
    }
}

fn is_blank_byte(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'\x0c')
}

/// Trailing comments in a paragraph (consecutive lines, none empty, all
/// indented alike) start in one column, two spaces after the longest code
/// that has one.
fn align_trailing_comments(lines: &[OutLine]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < lines.len() {
        let indent = indentation(&lines[i].code);
        let run = lines[i..]
            .iter()
            .take_while(|l| !l.code.trim().is_empty() && indentation(&l.code) == indent)
            .count()
            .max(1);
        let width = lines[i..i + run]
            .iter()
            .filter(|l| l.trailing.is_some())
            .map(|l| l.code.trim_end().chars().count())
            .max()
            .unwrap_or(0);
        for line in &lines[i..i + run] {
            let code = line.code.trim_end();
            out.push_str(code);
            if let Some(comment) = &line.trailing {
                let pad = width.saturating_sub(code.chars().count()) + 2;
                out.push_str(&" ".repeat(pad));
                out.push_str(comment);
            }
            out.push('\n');
        }
        i += run;
    }
    let trimmed = out.trim_end_matches('\n').len();
    out.truncate(trimmed);
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

fn indentation(code: &str) -> usize {
    code.len() - code.trim_start_matches(' ').len()
}
