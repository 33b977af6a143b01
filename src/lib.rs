//! onus: a policy-as-code language for the cloud shared responsibility model.
//!
//! The pipeline is lexer → parser → check → eval → report, driven through
//! [`Session`], the one API that the CLI, the REPL and the tests call.

pub mod ast;
pub mod diagnostic;
pub mod escape;
pub mod lexer;
pub mod parser;
pub mod source;
pub mod facts;
pub mod value;
pub mod builtins;
pub mod check;
pub mod eval;
pub mod session;
pub mod stdlib;

pub use session::Session;
pub mod report;
pub mod testing;
pub mod explain;
