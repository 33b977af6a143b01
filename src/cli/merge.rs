//! `onus merge REPORT.json…`: the JSON reports of separate runs of one
//! policy (one per account) as one report of the same schema, on standard
//! output or `--output FILE` (written atomically). Exit as `onus check`'s
//! gate would over the merged results (SPEC §5: 1 when it fails, else 0),
//! 2 when a report cannot be read or the reports do not merge.

use super::common::{parse_severity, print_sourceless, write_out};
use onus::merge::reports;
use onus::report::Gate;
use onus::report::output::write_atomic;
use onus::value::Word;
use std::path::PathBuf;

/// Only JSON: the other formats render from the loaded policy (its source
/// positions, waiver and attestation notes), which a report does not carry.
#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Json,
}

#[derive(clap::Args)]
pub struct Args {
    /// Reports of `onus check --format json`, one per run; each run's
    /// subjects are keyed `NAME/KEY`, NAME the report's file name without
    /// directory or extension.
    #[arg(value_name = "REPORT.json", required = true)]
    reports: Vec<PathBuf>,
    /// Output format (JSON, the schema of `onus check --format json`).
    #[arg(long, value_enum, default_value = "json")]
    format: Format,
    /// Write the merged report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Lowest severity that fails the merged run (info, low, medium, high,
    /// critical).
    #[arg(long, value_name = "SEV", default_value = "info", value_parser = parse_severity)]
    fail_on: Word,
    /// Let `soft` controls fail the merged run too.
    #[arg(long)]
    strict: bool,
    /// Fail for a hard control that nothing verifies (unverified, or
    /// inherited without current provider evidence), as `check` does.
    #[arg(long)]
    require_evidence: bool,
}

pub fn run(args: Args) -> i32 {
    let Format::Json = args.format;
    let mut inputs = Vec::with_capacity(args.reports.len());
    let mut refusals = Vec::new();
    for path in &args.reports {
        match reports::read(path) {
            Ok(input) => inputs.push(input),
            Err(d) => refusals.push(d),
        }
    }
    if !refusals.is_empty() {
        print_sourceless(&refusals);
        return 2;
    }
    let merged = match reports::merge(&inputs) {
        Ok(merged) => merged,
        Err(d) => {
            print_sourceless(&[d]);
            return 2;
        }
    };
    let text = reports::render(&merged);
    match &args.output {
        None => write_out(&text),
        Some(path) if path.as_os_str() == "-" => write_out(&text),
        Some(path) => {
            if let Err(e) = write_atomic(path, text.as_bytes()) {
                eprintln!("error: cannot write {}: {e}", path.display());
                return 2;
            }
        }
    }
    let gate = Gate {
        fail_on: args.fail_on,
        strict: args.strict,
        require_evidence: args.require_evidence,
        fail_on_new: false,
    };
    reports::exit_code(&merged, gate)
}
