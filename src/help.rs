//! The built-ins' documentation, from the one table in `builtins`: a
//! built-in (or all of them) in, the text `onus help builtins`, the REPL's
//! `:help NAME`, hovers and completions show out.

use crate::builtins::Builtin;
use std::fmt::Write as _;

/// One built-in: its signature, its documentation, and an example with its
/// value.
pub fn builtin(b: Builtin) -> String {
    let (example, value) = b.example();
    format!(
        "{}\n  {}\n  example: {example}  =>  {value}\n",
        b.signature(),
        b.doc()
    )
}

/// Every built-in, in the table's order, a blank line between them.
pub fn builtins() -> String {
    let mut out = String::new();
    for (i, b) in Builtin::ALL.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let _ = write!(out, "{}", builtin(*b));
    }
    out
}
