//! `onus matrix`: the responsibility matrix (layers × services), with
//! control statuses when facts are given, in one or more formats; with
//! `--party NAME`, only what that party decides, operates or answers for.

use super::common::{RunOptions, deliver, load_facts, plan, print_diagnostics};
use onus::diagnostic::Diagnostic;
use onus::report::matrix::{self, Matrix, MatrixFormat, PartyView};
use onus::report::output::FormatSpec;
use std::path::PathBuf;

pub const MATRIX_HELP: &str = "\
Several formats in one run work as for `onus check`: repeat --format, and give
each but one a file (--format FORMAT=FILE, or --output FILE paired in order).

  onus matrix policies/ --format html --output matrix.html
  onus matrix policies/ --facts f.json --format html=matrix.html --format mermaid=matrix.mmd
  onus matrix policies/ --format json | jq '.cells[] | select(.decider == \"unassigned\")'
  onus matrix policies/ --party payments --facts f.json";

#[derive(clap::Args)]
pub struct Args {
    /// Policy files or directories (every .onus file below them).
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Facts to evaluate the controls against, so cells show their statuses:
    /// FILE, NAME=FILE (read as facts.NAME), or - for standard input.
    #[arg(long, value_name = "[NAME=]FILE|-")]
    facts: Vec<String>,
    /// Show only what this party decides, operates or is accountable for,
    /// across every service (provider, customer, or a declared party).
    #[arg(long, value_name = "NAME")]
    party: Option<String>,
    /// Matrix format: text, markdown, mermaid, html or json, with `=FILE` to
    /// write it to a file; repeat for several (default text).
    #[arg(long, value_name = "FORMAT[=FILE]")]
    format: Vec<FormatSpec<MatrixFormat>>,
    /// Write the matrix to FILE; repeated, paired in order with the formats
    /// given without `=FILE`.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Vec<PathBuf>,
    #[command(flatten)]
    run: RunOptions,
}

pub fn run(args: Args) -> i32 {
    let Some(targets) = plan(&args.format, &args.output, MatrixFormat::Text) else {
        return 2;
    };
    let (mut session, ok) = args.run.load(&args.paths);
    if !ok {
        return 2;
    }
    let policy_diagnostics = session.diagnostics.len();
    let facts_errors = load_facts(&mut session, &args.facts);
    // The facts' own warnings (F040).
    print_diagnostics(&session.diagnostics[policy_diagnostics..], &session);
    if !facts_errors.is_empty() {
        print_diagnostics(&facts_errors, &session);
        return 2;
    }
    let evaluated = !session.facts.is_empty();
    let outcome = if evaluated {
        match session.evaluate() {
            Ok(o) => Some(o),
            Err(msg) => {
                print_diagnostics(&[Diagnostic::error("F012", msg)], &session);
                return 2;
            }
        }
    } else {
        None
    };
    if let Some(o) = &outcome {
        print_diagnostics(&o.diagnostics, &session);
    }
    let party = match &args.party {
        Some(name) => match session.program.party(name) {
            Some(party) => Some(party),
            None => {
                print_diagnostics(&[unknown_party(name, &session.program)], &session);
                return 2;
            }
        },
        None => None,
    };
    let view = Matrix::build(&session.program, outcome.as_ref(), evaluated);
    let rendered = |format| match party {
        Some(party) => matrix::render_party(&PartyView::of(&view, party), format),
        None => matrix::render(&view, format),
    };
    match deliver(&targets, |format, _, out| {
        out.write_all(rendered(format).as_bytes())
    }) {
        Ok(()) => 0,
        Err(code) => code,
    }
}

/// `--party NAME` names no party of the loaded policy.
fn unknown_party(name: &str, program: &onus::check::program::Program) -> Diagnostic {
    let names: Vec<&str> = program.parties.iter().map(|p| p.id.as_str()).collect();
    Diagnostic::error("N006", format!("unknown party `{name}`")).with_help(format!(
        "the parties of this policy are {}",
        names.join(", ")
    ))
}
