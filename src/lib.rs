//! onus: a policy-as-code language for the cloud shared responsibility model.
//!
//! The pipeline is lexer → parser → check → eval → report, driven through
//! [`Session`], the one API that the CLI, the REPL and the tests call.

pub mod ast;
pub mod builtins;
pub mod check;
pub mod coverage;
pub mod diagnostic;
pub mod diff;
pub mod escape;
pub mod eval;
pub mod facts;
pub mod fmt;
pub mod framework;
pub mod help;
pub mod lexer;
pub mod lsp;
pub mod merge;
pub mod oscal;
pub mod parser;
pub mod repl;
pub mod session;
pub mod shards;
pub mod source;
pub mod stdlib;
pub mod streaming;
pub mod value;
pub mod yaml_warnings;

pub use session::Session;
pub mod explain;
pub mod report;
pub mod testing;
