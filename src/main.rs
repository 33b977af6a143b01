//! The `onus` command line: parses the arguments and dispatches to one
//! command in `cli/`. Exit codes are SPEC §5's (0 ok, 1 gate failed, 2 not
//! loaded or a usage error). `onus repl` is the exception: a conversation,
//! it answers everything, error reports included, on stdout (see `onus::repl`).

mod cli;

use clap::{CommandFactory, Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "onus",
    version = env!("ONUS_VERSION"),
    // `onus help` is ours: it also documents the built-in functions.
    disable_help_subcommand = true,
    about = "Policy as code for the cloud shared responsibility model"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check policies statically and, with --facts, evaluate their controls.
    #[command(after_help = cli::check::OUTPUT_HELP)]
    Check(cli::check::Args),
    /// Show the shared responsibility matrix: layers × services, who decides
    /// and who operates each cell, and (with --facts) how its controls fared.
    #[command(after_help = cli::matrix::MATRIX_HELP)]
    Matrix(cli::matrix::Args),
    /// Which requirements of a framework (NIST 800-53, CIS, ...) the
    /// controls address, who owns each, and (with --facts) how they fared.
    #[command(after_help = cli::coverage::COVERAGE_HELP)]
    Coverage(cli::coverage::Args),
    /// Write what a run knows as a document other tools read: OSCAL 1.2.1
    /// component definitions, system security plans, assessment results.
    Export(cli::export::Args),
    /// Run the `test` blocks of policies.
    Test(cli::test::Args),
    /// Why a control passed or failed: the deciding `require` per subject,
    /// with the values of its sub-expressions.
    Explain(cli::explain::Args),
    /// Explore facts and try declarations interactively (reads standard
    /// input line by line, without prompts, when it is not a terminal).
    Repl(cli::repl::Args),
    /// Rewrite policies in the canonical layout (comments kept).
    Fmt(cli::fmt::Args),
    /// Compare two `onus check --format json` reports: new, fixed and
    /// still-failing findings, status changes, waivers and ownership drift,
    /// grouped by owner.
    Diff(cli::diff::Args),
    /// Run the language server (LSP over standard input and output) for
    /// editors: diagnostics, hover, definitions, completion, formatting.
    Lsp(cli::lsp::Args),
    /// Write a starter policy, facts sample and onus.toml into a folder.
    Init(cli::init::Args),
    /// Help on the built-in functions (`onus help builtins`) or a command.
    Help(cli::help::Args),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions(cli::completions::Args),
    /// Print the manual page (roff), or write one per command with --dir.
    Man(cli::man::Args),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    // Deeply nested but legal input recurses; give it room on every platform.
    let worker = std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(move || match cli.command {
            Command::Check(args) => cli::check::run(args),
            Command::Matrix(args) => cli::matrix::run(args),
            Command::Coverage(args) => cli::coverage::run(args),
            Command::Export(args) => cli::export::run(args),
            Command::Test(args) => cli::test::run(args),
            Command::Explain(args) => cli::explain::run(args),
            Command::Repl(args) => cli::repl::run(args),
            Command::Fmt(args) => cli::fmt::run(args),
            Command::Diff(args) => cli::diff::run(args),
            Command::Lsp(args) => cli::lsp::run(args),
            Command::Init(args) => cli::init::run(args),
            Command::Help(args) => cli::help::run(args, Cli::command()),
            Command::Completions(args) => cli::completions::run(args, Cli::command()),
            Command::Man(args) => cli::man::run(args, Cli::command()),
        });
    let code = match worker.map(|h| h.join()) {
        Ok(Ok(code)) => code,
        _ => {
            eprintln!("onus: internal error");
            2
        }
    };
    ExitCode::from(code as u8)
}
