//! `onus export oscal`: one OSCAL 1.2.1 JSON document (component
//! definition, system security plan or assessment results) of one
//! framework, from the policy and, with --facts, its evaluation. Exit 2
//! when the policy or facts do not load or the framework is unknown, else
//! 0: an export reports, it is not a gate.

use super::common::{RunOptions, evaluate, print_diagnostics, source_date_epoch};
use onus::diagnostic::Diagnostic;
use onus::oscal::export::{self, Export, Kind};
use std::path::PathBuf;

pub const EXPORT_HELP: &str = "\
The documents follow OSCAL 1.2.1; UUIDs come from stable names and every date
is the run's date (--now, default today) at 00:00 UTC, or SOURCE_DATE_EPOCH
when set, never the clock: the same inputs and date give the same bytes. See docs/oscal.md for what maps to what.

  onus export oscal --kind ssp policies/ --facts inventory.json --framework nist_800_53
  onus export oscal --kind component-definition policies/ --framework nist_800_53 -o cd.json
  onus export oscal --kind assessment-results policies/ --facts inventory.json --framework nist_800_53";

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    format: Format,
}

#[derive(clap::Subcommand)]
enum Format {
    /// An OSCAL 1.2.1 JSON document: component-definition, ssp or
    /// assessment-results.
    #[command(after_help = EXPORT_HELP)]
    Oscal(OscalArgs),
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum KindArg {
    /// One component per service, with the requirements its controls implement.
    ComponentDefinition,
    /// A system security plan: provided, responsibilities, inherited, satisfied.
    Ssp,
    /// Observations per evaluated control, findings per failing one.
    AssessmentResults,
}

#[derive(clap::Args)]
struct OscalArgs {
    /// The document to write.
    #[arg(long, value_enum)]
    kind: KindArg,
    /// Policy files or directories (every .onus file below them).
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// The framework the document is about, as the policy declares it.
    #[arg(long, value_name = "NAME")]
    framework: String,
    /// Facts to evaluate the controls against: FILE, NAME=FILE (read as
    /// facts.NAME), or - for standard input; none: a static export.
    #[arg(long, value_name = "[NAME=]FILE|-")]
    facts: Vec<String>,
    /// Write the document to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    #[command(flatten)]
    run: RunOptions,
}

pub fn run(args: Args) -> i32 {
    match args.format {
        Format::Oscal(args) => oscal(args),
    }
}

fn oscal(args: OscalArgs) -> i32 {
    let kind = match args.kind {
        KindArg::ComponentDefinition => Kind::ComponentDefinition,
        KindArg::Ssp => Kind::Ssp,
        KindArg::AssessmentResults => Kind::AssessmentResults,
    };
    let mut options = args.run.options();
    // Assessment results list every subject, the passing ones too.
    options.show_passed = kind == Kind::AssessmentResults;
    // A run assesses the facts as of its date: the documents carry that
    // date, not the clock, so exporting again gives the same bytes.
    let at = source_date_epoch().unwrap_or_else(|| {
        options
            .now
            .to_zoned(jiff::tz::TimeZone::UTC)
            .map_or(jiff::Timestamp::UNIX_EPOCH, |z| z.timestamp())
    });
    let mut session = args.run.session_with(options);
    session.started_at = at;
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
    let info = session.run_info();
    let system: Vec<String> = args.paths.iter().map(|p| p.display().to_string()).collect();
    let system = system.join(" ");
    let run = Export {
        coverage: &coverage,
        outcome: &outcome,
        info: &info,
        system: &system,
    };
    let document = match export::export(kind, &run) {
        Ok(d) => d,
        Err(msg) => {
            diagnostics.push(Diagnostic::error("N017", msg));
            print_diagnostics(&diagnostics, &session);
            return 2;
        }
    };
    for id in &document.skipped {
        diagnostics.push(Diagnostic::warning(
            "N016",
            format!(
                "requirement `{id}` of framework `{}` is left out: an OSCAL control-id must start with a letter or `_`",
                args.framework
            ),
        ));
    }
    print_diagnostics(&diagnostics, &session);
    // Terminal-safe, as every JSON report is: facts may hold any character.
    let write = |out: &mut dyn std::io::Write| onus::report::write_json(&document.value, out);
    match &args.output {
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            // A closed pipe (`onus export … | head`) is not an error worth reporting.
            let _ = write(&mut out).and_then(|()| std::io::Write::flush(&mut out));
        }
        Some(path) => {
            if let Err(e) = onus::report::output::write_atomic_with(path, write) {
                eprintln!(
                    "error: cannot write {}: {}",
                    path.display(),
                    onus::session::io_reason(&e)
                );
                return 2;
            }
        }
    }
    0
}
