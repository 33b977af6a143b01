//! The built-ins' documentation, from the one table in `builtins`: a
//! built-in (or all of them) in, the text `onus help builtins`, the REPL's
//! `:help NAME`, hovers and completions show out.

use crate::builtins::Builtin;
use std::fmt::Write as _;

/// How a built-in is called, e.g. `len(x)`.
pub fn signature(b: Builtin) -> String {
    let (min, max) = b.arity();
    let names = ["x", "y", "z"];
    let mut params: Vec<String> = (0..min)
        .map(|i| names.get(i).unwrap_or(&"arg").to_string())
        .collect();
    if max > min {
        params.push("...".into());
    }
    format!("{}({})", b.name(), params.join(", "))
}

/// One built-in: its signature, then its documentation.
pub fn builtin(b: Builtin) -> String {
    format!("{}\n  {}\n", signature(b), b.doc())
}

/// Every built-in, in the table's order.
pub fn builtins() -> String {
    let mut out = String::new();
    for b in Builtin::ALL {
        let _ = write!(out, "{}", builtin(*b));
    }
    out
}
