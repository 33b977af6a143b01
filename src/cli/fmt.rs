//! `onus fmt`: rewrites policies in the canonical layout (comments kept),
//! or with `--check` lists the files that would change (`--diff`: shows
//! how, as a unified diff).

use super::common::color_for;
use onus::fmt;
use std::io::IsTerminal;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Write nothing; list the files that would change and exit 1 if any.
    #[arg(long)]
    check: bool,
    /// Write nothing; print a unified diff of each file that would change
    /// and exit 1 if any (for pre-commit hooks and reviews).
    #[arg(long)]
    diff: bool,
    /// Policy files or directories (every .onus file below them); - formats
    /// standard input to standard output.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
}

pub fn run(args: Args) -> i32 {
    let options = fmt::files::Options {
        check: args.check,
        diff: args.diff,
        color: color_for(std::io::stderr().is_terminal()),
    };
    let mut streams = fmt::files::Streams {
        stdin: &mut std::io::stdin().lock(),
        stdout: &mut std::io::stdout().lock(),
        stderr: &mut std::io::stderr().lock(),
    };
    let status = fmt::files::run(&args.paths, options, &mut streams);
    let _ = streams.stdout.flush();
    i32::from(status.exit_code())
}
