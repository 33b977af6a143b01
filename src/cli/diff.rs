//! `onus diff OLD.json NEW.json`: what changed between two `onus check
//! --format json` reports, and whose it is, as text, JSON or Markdown. Exit
//! 0 (a diff is information), 1 under `--fail-on-new` when a new finding
//! fails the gate, 2 when a report cannot be read.

use super::common::{parse_severity, print_sourceless, write_out};
use onus::diff::{self, read};
use onus::report::Gate;
use onus::session::display_name;
use onus::value::Word;
use std::path::PathBuf;

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Text,
    Json,
    Markdown,
}

#[derive(clap::Args)]
pub struct Args {
    /// The earlier report (`onus check --format json`).
    #[arg(value_name = "OLD.json")]
    old: PathBuf,
    /// The later report.
    #[arg(value_name = "NEW.json")]
    new: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Exit 1 when a new violation or error of a `hard` control at or above
    /// --fail-on (and of a `soft` one with --strict) is in NEW.
    #[arg(long)]
    fail_on_new: bool,
    /// Lowest severity that --fail-on-new counts (info, low, medium, high,
    /// critical).
    #[arg(long, value_name = "SEV", default_value = "info", value_parser = parse_severity)]
    fail_on: Word,
    /// Let `soft` controls count for --fail-on-new too.
    #[arg(long)]
    strict: bool,
}

pub fn run(args: Args) -> i32 {
    let (old, new) = match (read::load(&args.old), read::load(&args.new)) {
        (Ok(old), Ok(new)) => (old, new),
        (old, new) => {
            let refusals: Vec<_> = [old.err(), new.err()].into_iter().flatten().collect();
            print_sourceless(&refusals);
            return 2;
        }
    };
    let set = diff::compare(&old, &new);
    let gate = args.fail_on_new.then_some(Gate {
        fail_on: args.fail_on,
        strict: args.strict,
        // Findings only: a diff has no controls to find unverified.
        require_evidence: false,
        fail_on_new: true,
    });
    let (old_name, new_name) = (display_name(&args.old), display_name(&args.new));
    let text = match args.format {
        Format::Text => diff::text::render(&set, &old_name, &new_name, gate),
        Format::Json => diff::json::render(&set, &old_name, &new_name),
        Format::Markdown => diff::markdown::render(&set, &old_name, &new_name, gate),
    };
    write_out(&text);
    i32::from(gate.is_some_and(|g| set.failing(g) > 0))
}
