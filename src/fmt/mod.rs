//! `onus fmt`: the text of one policy file in, its canonical layout out.
//! Invariants: the result parses to the same tree (spans aside), every
//! comment is kept in order, and formatting it again changes nothing. A
//! file with any syntax error is not formatted at all.
//!
//! The layout is printed from the syntax tree, with the comments put back
//! by their byte position. The canonical rules:
//!
//! - Two spaces per indentation level; one declaration per line at the top
//!   level, and one field, entry, setting, step or expectation per line in
//!   the `{ }` body of a model, service, control or test (`{}` when empty).
//! - One blank line is kept where the source had one or more between two
//!   lines; none after an opening `{`, none before a closing `}`.
//! - One space around binary operators, after `,` and `:`, around `=`;
//!   `key: value` in objects, `{ a: 1 }` with inner spaces, `[1, 2]` and
//!   `f(x, y)` without. User parentheses stay; none are added.
//! - A list, object or argument list is one entry per line (each with a
//!   trailing comma) when the source broke the line right after its opening
//!   bracket or has a comment inside; otherwise it is on one line.
//! - Line breaks are kept, not invented, at clause boundaries: before a
//!   binary operator, `else` of `require`, `where`, `then`/`else` of `if`,
//!   `for`/`if` of a comprehension, a waiver's `for`/`until`/`by`/`because`;
//!   after the `:` of `assert` and of `all`/`any`/`none`, and after `=`.
//!   Where the source broke the line anywhere in that gap the output has
//!   one break there; elsewhere everything between is joined with single
//!   spaces. A continued line hangs one level (two spaces) below the line
//!   where the innermost open construct began: the declaration or body
//!   line, a bracket kept on one line, a quantifier, or the expression
//!   after an operator or clause keyword (so `where a` then `and b` one
//!   level further). A `require` condition continues two levels below
//!   `require`, its `else` one level. An `if` that begins its line has its
//!   `then`/`else` lines aligned with it, `else if` chains included.
//! - Comments are copied verbatim (trailing spaces removed). One that ends
//!   a code line stays at the end of that line; within a paragraph
//!   (consecutive lines, equally indented) trailing comments line up two
//!   spaces after the longest code that has one. Any other comment gets a
//!   line of its own, indented like the code that follows it. A comment
//!   inside a string's `{...}` stays there.
//! - The `=` of consecutive settings (a control's fields, a service's
//!   attributes) line up, as in SPEC's examples; a blank line or a line of
//!   another kind (comments aside) ends the run. Nothing else is aligned by
//!   padding (`layer: decider` entries, `let`s, object entries).
//! - Strings are re-escaped canonically: `\"`, `\\`, `\n`, `\t`, `\r`,
//!   `{{`, `}}`, and `\u{..}` for invisible characters. Durations and
//!   decimals keep their written form. The file ends with one newline.

mod decl;
mod expr;
pub mod files;
mod printer;
pub mod tree;

use crate::diagnostic::Diagnostic;
use crate::parser::parse_module;
use crate::source::{FileId, Span};
use printer::Printer;

/// A string literal for `value`, escaped as the formatter writes it.
pub(crate) use expr::quote as string_literal;

/// The canonical text of a policy file. `Err` carries the syntax
/// diagnostics when the text does not parse (it must then be left as it
/// is), or one diagnostic when the result would not mean the same (a
/// formatter bug, reported rather than written).
pub fn format_source(src: &str, file: FileId) -> Result<String, Vec<Diagnostic>> {
    let parsed = parse_module(src, file);
    if parsed.diagnostics.iter().any(Diagnostic::is_error) {
        return Err(parsed.diagnostics);
    }
    let mut printer = Printer::new(src, parsed.comments.clone());
    printer.module(&parsed.module);
    let formatted = printer.finish();

    let reparsed = parse_module(&formatted, file);
    let kept_comments = reparsed.comments.len() == parsed.comments.len();
    if reparsed.diagnostics.iter().any(Diagnostic::is_error)
        || !kept_comments
        || !tree::same_tree(&parsed.module, &reparsed.module)
    {
        return Err(vec![
            Diagnostic::error(
                "M001",
                "onus fmt cannot format this file without changing it",
            )
            .with_label(Span::new(file, 0..0), "left as it is")
            .with_help("this is a bug in onus fmt; please report it with the file"),
        ]);
    }
    Ok(formatted)
}

#[cfg(test)]
mod tests;
