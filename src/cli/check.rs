//! `onus check`: static analysis, then evaluation when facts are given;
//! one or more reports, and the gate's exit code.

use super::common::{
    RunOptions, color_for, deliver, load_facts, parse_severity, plan, print_diagnostics,
    print_sourceless,
};
use onus::check::program::Status;
use onus::diff::Baseline;
use onus::eval::Outcome;
use onus::report::output::{Destination, FormatSpec};
use onus::report::{self, CheckFormat, Gate, Run};
use onus::value::Word;
use std::io::IsTerminal;
use std::path::PathBuf;

pub const OUTPUT_HELP: &str = "\
Several reports in one run: repeat --format, and give each report but one a
file, either inline (--format FORMAT=FILE) or with --output FILE, paired in
order with the formats that have no file. Without --output, the one format
without a file goes to standard output; `-` as a file also means standard
output. Files are replaced atomically.

  onus check p.onus --facts f.json --format sarif --output r.sarif
  onus check p.onus --facts f.json --format json --format sarif --output r.json --output r.sarif
  onus check p.onus --facts f.json --format text --format junit=junit.xml --format sarif=r.sarif";

#[derive(clap::Args)]
pub struct Args {
    /// Policy files or directories (every .onus file below them).
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Facts: FILE, NAME=FILE (read as facts.NAME), or - for standard input;
    /// a .jsonl file is a list of its lines, a .yaml or .yml file YAML.
    #[arg(long, value_name = "[NAME=]FILE|-")]
    facts: Vec<String>,
    /// Many facts files, one per account or project: each is the facts of
    /// a run of its own, on --jobs threads, and each subject is keyed
    /// NAME/KEY, NAME the file's name without directory or extension.
    #[arg(long, value_name = "FILE", conflicts_with = "facts")]
    shard: Vec<String>,
    /// Report format: text, json, sarif, junit, github or markdown, with
    /// `=FILE` to write it to a file; repeat for several reports (default text).
    #[arg(long, value_name = "FORMAT[=FILE]")]
    format: Vec<FormatSpec<CheckFormat>>,
    /// Write the report to FILE; repeated, paired in order with the formats
    /// given without `=FILE`.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Vec<PathBuf>,
    /// Lowest severity that fails the run (info, low, medium, high, critical).
    #[arg(long, value_name = "SEV", default_value = "info", value_parser = parse_severity)]
    fail_on: Word,
    /// Let `soft` controls fail the run too.
    #[arg(long)]
    strict: bool,
    /// After the text report, explain every failing or erroring control.
    #[arg(long)]
    explain: bool,
    /// Do not let a control pass when its `for` selects no subjects: it is
    /// reported as an error (nothing was checked), which fails the run.
    #[arg(long)]
    require_subjects: bool,
    /// Fail the run for a hard control that nothing verifies: an unverified
    /// control (no check, no current attestation), or an inherited one
    /// without current provider evidence.
    #[arg(long)]
    require_evidence: bool,
    /// An earlier `--format json` report: each violation and error is
    /// marked new or not (same control id and key) in the JSON, SARIF and
    /// text reports.
    #[arg(long, value_name = "OLD.json")]
    baseline: Option<PathBuf>,
    /// Only findings the --baseline does not have fail the run.
    #[arg(long, requires = "baseline")]
    fail_on_new: bool,
    /// List the subjects that passed too: per control in the text report,
    /// and as `passed` (key and pointer) in the JSON report.
    #[arg(long)]
    show_passed: bool,
    #[command(flatten)]
    run: RunOptions,
}

pub fn run(args: Args) -> i32 {
    let Some(targets) = plan(&args.format, &args.output, CheckFormat::Text) else {
        return 2;
    };
    let baseline = match args.baseline.as_deref().map(onus::diff::read::load) {
        None => None,
        Some(Ok(report)) => Some(Baseline::new(&report)),
        Some(Err(d)) => {
            print_sourceless(&[d]);
            return 2;
        }
    };
    let mut session = args.run.session_with(onus::eval::Options {
        show_passed: args.show_passed,
        ..args.run.options()
    });
    session.strict = args.strict;
    for p in &args.paths {
        session.load_path(p);
    }
    session.check();
    session.stream_json_lines = true;
    let mut facts_errors = load_facts(&mut session, &args.facts);
    let mut shard_digests = Vec::new();
    let outcome = if session.has_errors() || !facts_errors.is_empty() {
        facts_errors.extend(session.check_streams());
        None
    } else if !args.shard.is_empty() {
        match session.evaluate_shards(&args.shard) {
            Ok((mut o, digests)) => {
                if args.require_subjects {
                    o.require_subjects(&session.program);
                }
                shard_digests = digests;
                Some(o)
            }
            Err(d) => {
                facts_errors.push(d);
                None
            }
        }
    } else {
        match session.evaluate_streaming() {
            Ok(mut o) => {
                if args.require_subjects {
                    o.require_subjects(&session.program);
                }
                Some(o)
            }
            Err(d) => {
                facts_errors.push(d);
                None
            }
        }
    };
    // Facts errors and an outcome never come together: either order holds.
    let mut diagnostics = session.run_diagnostics(outcome.as_ref());
    diagnostics.extend(facts_errors);
    // Only the JSON report names the inputs; digesting large facts costs.
    let info = targets
        .iter()
        .any(|t| t.format == CheckFormat::Json)
        .then(|| {
            let mut info = session.run_info();
            info.facts.extend(shard_digests);
            info
        });
    let run = Run {
        program: &session.program,
        outcome: outcome.as_ref(),
        diagnostics: &diagnostics,
        sources: &session.sources,
        info: info.as_ref(),
        baseline: baseline.as_ref(),
    };
    let gate = Gate {
        fail_on: args.fail_on,
        strict: args.strict,
        require_evidence: args.require_evidence,
        fail_on_new: args.fail_on_new,
    };
    // People read diagnostics on stderr beside a text report, or when every
    // report goes to a file; the machine formats carry their own.
    if targets
        .iter()
        .all(|t| t.format == CheckFormat::Text || t.destination != Destination::Stdout)
    {
        print_diagnostics(&diagnostics, &session);
    }
    let stdout_color = color_for(std::io::stdout().is_terminal());
    let rendered = deliver(&targets, |format, to_stdout, out| {
        report::write(format, &run, gate, to_stdout && stdout_color, out)?;
        if args.explain && format == CheckFormat::Text {
            for (i, (_, r)) in run.controls().enumerate() {
                if matches!(r.status, Status::Fail | Status::Error) {
                    out.write_all(b"\n")?;
                    out.write_all(super::explain::text(&session, i, None, 20).as_bytes())?;
                }
            }
        }
        Ok(())
    });
    if let Err(code) = rendered {
        return code;
    }
    // A report file was then refused by `report::write`; standard output
    // does not fail on a write error (a closed pipe), so say it here.
    if let Some(why) = outcome.as_ref().and_then(Outcome::findings_failure) {
        eprintln!(
            "error: the report is incomplete: findings a stream spilled to a temporary file could not be read back ({why})"
        );
        return 2;
    }
    let code = run.exit_code(gate);
    // The process ends here: freeing the facts arena and the program piece by
    // piece would only delay the exit (the OS reclaims it all at once).
    std::mem::forget(outcome);
    std::mem::forget(session);
    code
}
