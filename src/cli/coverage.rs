//! `onus coverage`: one framework's requirements against the loaded
//! controls — who owns what, and (with --facts) how it fared — in one or
//! more formats; exit 1 when fewer requirements are addressed than
//! `--min-coverage` asks.

use super::common::{RunOptions, color_for, deliver, evaluate, plan, print_diagnostics};
use onus::report::coverage::{self, CoverageFormat, CoverageRun};
use onus::report::output::{Destination, FormatSpec};
use std::io::IsTerminal;
use std::path::PathBuf;

pub const COVERAGE_HELP: &str = "\
A framework is declared in the policy, from an OSCAL catalog or inline:

  framework nist_800_53 from \"frameworks/nist-800-53-rev5-moderate.json\"
  framework cis_aws \"CIS AWS Foundations Benchmark v3.0.0\" { \"2.1.4\": \"Ensure ...\" }

and controls name its requirements in `refs`: refs = [\"nist_800_53:ac-3\"].
Several formats in one run work as for `onus check` (--format FORMAT=FILE, --output).

  onus coverage policies/ --framework nist_800_53 --facts inventory.json
  onus coverage policies/ --framework nist_800_53 --format html --output coverage.html
  onus coverage policies/ --framework nist_800_53 --min-coverage 60";

#[derive(clap::Args)]
pub struct Args {
    /// Policy files or directories (every .onus file below them).
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// The framework to report on, as the policy declares it.
    #[arg(long, value_name = "NAME")]
    framework: String,
    /// Facts to evaluate the controls against: FILE, NAME=FILE (read as
    /// facts.NAME), or - for standard input.
    #[arg(long, value_name = "[NAME=]FILE|-")]
    facts: Vec<String>,
    /// Report format: text, json, markdown or html, with `=FILE` to write it
    /// to a file; repeat for several (default text).
    #[arg(long, value_name = "FORMAT[=FILE]")]
    format: Vec<FormatSpec<CoverageFormat>>,
    /// Write the report to FILE; repeated, paired in order with the formats
    /// given without `=FILE`.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Vec<PathBuf>,
    /// Exit 1 when less than PCT percent of the requirements are addressed.
    #[arg(long, value_name = "PCT", value_parser = parse_percent)]
    min_coverage: Option<f64>,
    #[command(flatten)]
    run: RunOptions,
}

/// A percentage from 0 to 100, with or without a `%` sign.
fn parse_percent(s: &str) -> Result<f64, String> {
    s.trim_end_matches('%')
        .parse::<f64>()
        .ok()
        .filter(|p| (0.0..=100.0).contains(p))
        .ok_or_else(|| format!("`{s}` is not a percentage from 0 to 100"))
}

pub fn run(args: Args) -> i32 {
    let Some(targets) = plan(&args.format, &args.output, CoverageFormat::Text) else {
        return 2;
    };
    let mut session = args.run.session();
    let (outcome, mut diagnostics) = evaluate(&mut session, &args.paths, &args.facts);
    let Some(outcome) = outcome else {
        print_diagnostics(&diagnostics, &session);
        return 2;
    };
    let coverage = match session.coverage(&args.framework, &outcome) {
        Ok(c) => c,
        Err(d) => {
            diagnostics.push(d);
            print_diagnostics(&diagnostics, &session);
            return 2;
        }
    };
    if targets
        .iter()
        .all(|t| t.format == CoverageFormat::Text || t.destination != Destination::Stdout)
    {
        print_diagnostics(&diagnostics, &session);
    }
    // Only the JSON report names the inputs; digesting large facts costs.
    let info = targets
        .iter()
        .any(|t| t.format == CoverageFormat::Json)
        .then(|| session.run_info());
    let run = CoverageRun {
        coverage: &coverage,
        diagnostics: &diagnostics,
        sources: &session.sources,
        info: info.as_ref(),
        min_coverage: args.min_coverage,
    };
    let stdout_color = color_for(std::io::stdout().is_terminal());
    if let Err(code) = deliver(&targets, |format, to_stdout, out| {
        out.write_all(coverage::render(format, &run, to_stdout && stdout_color).as_bytes())
    }) {
        return code;
    }
    run.exit_code()
}
