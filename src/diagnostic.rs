//! Diagnostics as data: every phase returns `Diagnostic`s (code, severity,
//! message, labelled spans, help); this module is the one place that renders
//! them, as ariadne reports or as JSON objects.

use crate::escape;
use crate::source::{FileId, SourceMap, Span};
use ariadne::{Config, IndexType, Label as AriadneLabel, Report, ReportKind, Source};
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::ops::Range;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// One finding about the policy or its inputs. The first label is the
/// primary location; a diagnostic without labels concerns no source text
/// (an unreadable file, a bad command-line value).
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    pub labels: Vec<Label>,
    pub help: Option<String>,
    /// A position outside the policy sources (a facts file): file, line, column.
    pub at: Option<(String, usize, usize)>,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            labels: Vec::new(),
            help: None,
            at: None,
        }
    }

    pub fn warning(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message)
        }
    }

    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.labels.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    pub fn at(mut self, file: impl Into<String>, line: usize, column: usize) -> Diagnostic {
        self.at = Some((file.into(), line, column));
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// Adds `help` unless the diagnostic already has one (a "did you mean").
    pub fn or_help(self, help: impl Into<String>) -> Diagnostic {
        if self.help.is_some() {
            self
        } else {
            self.with_help(help)
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    pub fn primary_span(&self) -> Option<Span> {
        self.labels.first().map(|l| l.span)
    }
}

/// Sorts diagnostics by file, position and code so output does not depend on
/// the order in which phases ran, and drops exact duplicates.
pub fn normalize(diags: &mut Vec<Diagnostic>) {
    diags.sort_by(|a, b| {
        let key = |d: &Diagnostic| d.primary_span().map(|s| (s.file, s.start, s.end));
        key(a).cmp(&key(b)).then(a.code.cmp(b.code))
    });
    diags.dedup();
}

/// Lazily built ariadne sources over the session's files, as a terminal
/// may show them (`escape::terminal_source`).
struct Cache<'a> {
    map: &'a SourceMap,
    built: HashMap<FileId, Source<Cow<'a, str>>>,
}

impl<'a> ariadne::Cache<FileId> for Cache<'a> {
    type Storage = Cow<'a, str>;

    fn fetch(&mut self, id: &FileId) -> Result<&Source<Cow<'a, str>>, impl fmt::Debug> {
        let map = self.map;
        Ok::<_, ()>(
            self.built.entry(*id).or_insert_with(|| {
                Source::from(escape::terminal_source(map.get(*id).text.as_str()))
            }),
        )
    }

    fn display<'b>(&self, id: &'b FileId) -> Option<impl fmt::Display + 'b> {
        Some(escape::terminal(&self.map.get(*id).name).into_owned())
    }
}

/// Renders diagnostics as ariadne reports, all at once, in order.
pub fn render(diags: &[Diagnostic], map: &SourceMap, color: bool) -> String {
    let mut cache = Cache {
        map,
        built: HashMap::new(),
    };
    let mut out = Vec::new();
    for d in diags {
        let kind = match d.severity {
            Severity::Error => ReportKind::Error,
            Severity::Warning => ReportKind::Warning,
        };
        let Some(primary) = d.primary_span() else {
            let at =
                d.at.as_ref()
                    .map(|(f, l, c)| format!("\n   --> {f}:{l}:{c}"))
                    .unwrap_or_default();
            out.extend_from_slice(plain(d, &at).as_bytes());
            continue;
        };
        if let Some(long) = d
            .labels
            .iter()
            .map(|l| map.get(l.span.file).line_len(l.span.start))
            .find(|&len| len > MAX_EXCERPT_LINE)
        {
            // An excerpt of a line this long (minified or garbage input)
            // would be the whole line, once per diagnostic on it.
            let file = map.get(primary.file);
            let (line, column) = file.line_col(primary.start);
            let at = format!(
                "\n   --> {}:{line}:{column}: {}\n   (the line is {long} bytes long; not shown)",
                file.name, d.labels[0].message
            );
            out.extend_from_slice(plain(d, &at).as_bytes());
            continue;
        }
        let config = Config::new()
            .with_index_type(IndexType::Char)
            .with_color(color);
        let mut report = Report::build(kind, char_span(primary, map))
            .with_config(config)
            .with_code(d.code)
            .with_message(escape::terminal(&d.message))
            .with_labels(d.labels.iter().enumerate().map(|(i, l)| {
                let label = AriadneLabel::new(char_span(l.span, map))
                    .with_message(escape::terminal(&l.message));
                let color = if i == 0 {
                    match d.severity {
                        Severity::Error => ariadne::Color::Red,
                        Severity::Warning => ariadne::Color::Yellow,
                    }
                } else {
                    ariadne::Color::Blue
                };
                label.with_color(color)
            }));
        if let Some(help) = &d.help {
            report = report.with_help(escape::terminal_block(help));
        }
        // A report that cannot be written to memory still leaves the message.
        if report.finish().write(&mut cache, &mut out).is_err() {
            out.extend_from_slice(format!("{}: {}\n", d.code, d.message).as_bytes());
        }
    }
    // Every part that came from a policy or the facts was made safe above;
    // what remains are ariadne's own colours.
    String::from_utf8_lossy(&out).into_owned()
}

/// Longest source line, in bytes, quoted in a rendered diagnostic.
const MAX_EXCERPT_LINE: usize = 1000;

/// A diagnostic without a source excerpt: header, location, help; no
/// colours, so all of it is escaped at once.
fn plain(d: &Diagnostic, at: &str) -> String {
    let help = d
        .help
        .as_deref()
        .map(|h| format!("\n  help: {h}"))
        .unwrap_or_default();
    let text = format!(
        "{}[{}]: {}{at}{help}\n",
        d.severity.as_str(),
        d.code,
        d.message
    );
    escape::terminal_block(&text).into_owned()
}

/// A label span as ariadne gets it: file and *character* offsets.
///
/// Byte offsets would be natural (ours are), but ariadne 0.6 with
/// `IndexType::Byte` slices a secondary file's line by a character offset,
/// which panics when a label sits in another file after a multi-byte
/// character (fuzz input `check/label-in-other-file-after-multibyte`).
/// Character offsets are what its `IndexType::Char` path was written for.
fn char_span(span: Span, map: &SourceMap) -> (FileId, Range<usize>) {
    let file = map.get(span.file);
    let start = file.char_offset(span.start);
    (span.file, start..file.char_offset(span.end).max(start))
}

/// File, 1-based line and column of a diagnostic.
pub fn location(d: &Diagnostic, map: &SourceMap) -> Option<(String, usize, usize)> {
    if d.at.is_some() {
        return d.at.clone();
    }
    let span = d.primary_span()?;
    let file = map.get(span.file);
    let (line, column) = file.line_col(span.start);
    Some((file.name.clone(), line, column))
}

/// The JSON form used by `--format json` and the other machine formats.
pub fn to_json(d: &Diagnostic, map: &SourceMap) -> serde_json::Value {
    let mut obj = serde_json::Map::new();
    obj.insert("code".into(), d.code.into());
    obj.insert("severity".into(), d.severity.as_str().into());
    obj.insert("message".into(), d.message.clone().into());
    if let Some((file, line, column)) = &d.at {
        obj.insert("file".into(), file.clone().into());
        obj.insert("line".into(), (*line).into());
        obj.insert("column".into(), (*column).into());
    } else if let Some(span) = d.primary_span() {
        let file = map.get(span.file);
        let (line, column) = file.line_col(span.start);
        let (end_line, end_column) = file.line_col(span.end);
        obj.insert("file".into(), file.name.clone().into());
        obj.insert("line".into(), line.into());
        obj.insert("column".into(), column.into());
        obj.insert("end_line".into(), end_line.into());
        obj.insert("end_column".into(), end_column.into());
    }
    if let Some(help) = &d.help {
        obj.insert("help".into(), help.clone().into());
    }
    serde_json::Value::Object(obj)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Origin;

    fn rendered(text: String, at: usize) -> String {
        let mut map = SourceMap::default();
        let file = map.add(Origin::Memory("x".into()), "x.onus".into(), text);
        let d = Diagnostic::error("P001", "unexpected character `$`")
            .with_label(Span::new(file, at..at + 1), "not part of the language");
        render(&[d], &map, false)
    }

    /// On a terminal ariadne's colours go through, while control characters
    /// of the policy, its names and messages are shown, not obeyed.
    #[test]
    fn colours_stay_and_hostile_text_is_shown() {
        let mut map = SourceMap::default();
        let text = "let x = \u{1b}[2J\u{7}\nlet y = 1\n".to_string();
        let file = map.add(Origin::Memory("x".into()), "x\u{1b}.onus".into(), text);
        let d = Diagnostic::error("P001", "unexpected character `\u{1b}`")
            .with_label(Span::new(file, 8..9), "label \u{1b}[5m")
            .with_help("help \u{7}");
        let out = render(&[d], &map, true);
        assert!(out.contains("\u{1b}["), "ariadne colours: {out:?}");
        for hostile in ["\u{1b}[2J", "\u{1b}[5m", "\u{7}", "\u{1b}."] {
            assert!(!out.contains(hostile), "{hostile:?} in {out:?}");
        }
        assert!(
            out.contains('\u{241b}') && out.contains('\u{2407}'),
            "{out:?}"
        );
    }

    #[test]
    fn short_lines_are_quoted() {
        let out = rendered("let x = $\n".into(), 8);
        assert!(out.contains("let x = $"), "{out}");
    }

    /// Old Mac line ends: the excerpt's line and the header's position are
    /// the lexer's, and no carriage return reaches the terminal.
    #[test]
    fn a_lone_carriage_return_ends_the_quoted_line() {
        let out = rendered("use std\r\rlet x = $\r".into(), 17);
        assert!(out.contains("x.onus:3:9"), "{out}");
        assert!(out.contains("3 │ let x = $"), "{out}");
        assert!(!out.contains('\r'), "{out:?}");
    }

    /// A minified or garbage line is not repeated under every diagnostic
    /// on it: the location is given instead.
    #[test]
    fn long_lines_are_not_quoted() {
        let line = format!("let x = {}$", "1 + ".repeat(2_000));
        let at = line.len() - 1;
        let out = rendered(format!("// first\n{line}\n"), 9 + at);
        assert!(out.len() < 500, "{out}");
        assert!(out.contains(&format!("--> x.onus:2:{}", at + 1)), "{out}");
        assert!(out.contains("not part of the language"), "{out}");
        assert!(out.contains(&format!("the line is {} bytes long", line.len())));
    }
}
