//! The command line's commands, one file each: parsed arguments in, an exit
//! code out (SPEC §5: 0 ok, 1 gate failed, 2 not loaded or a usage error).
//! Reports go to stdout or files, diagnostics to stderr; every command
//! drives onus through `Session`. `main.rs` only parses and dispatches.

pub mod check;
pub mod common;
pub mod completions;
pub mod coverage;
pub mod diff;
pub mod explain;
pub mod export;
pub mod fmt;
pub mod help;
pub mod init;
pub mod lsp;
pub mod man;
pub mod matrix;
pub mod repl;
pub mod test;
