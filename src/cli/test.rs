//! `onus test`: runs the `test` blocks; with `--coverage`, which checked
//! controls they exercise. Exit 1 when a test fails or coverage is low.
//! YAML `given file`s are read by `--yaml-schema`, with F040 warnings on
//! standard error as for `onus check`.

use super::common::{RunOptions, print_diagnostics, write_out};
use onus::report;
use std::path::PathBuf;

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Text,
    Json,
    Junit,
}

#[derive(clap::Args)]
pub struct Args {
    /// Policy files or directories (every .onus file below them).
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// List, per service and owner, which controls are checked and tested,
    /// and which `require` clauses of each a test's subject failed or held
    /// (text; with --format json, a `coverage` member).
    #[arg(long)]
    coverage: bool,
    /// Fail when fewer than PCT percent of checked controls are tested.
    #[arg(long, value_name = "PCT")]
    min_coverage: Option<f64>,
    #[command(flatten)]
    run: RunOptions,
}

pub fn run(args: Args) -> i32 {
    let (session, ok) = args.run.load(&args.paths);
    if !ok {
        return 2;
    }
    let results = onus::testing::run(&session.program, &session.options, session.yaml_schema);
    // F040 for the YAML `given file`s; a file several tests read, once.
    let mut warnings: Vec<onus::diagnostic::Diagnostic> = Vec::new();
    for w in results.iter().flat_map(|r| &r.warnings) {
        if !warnings.contains(w) {
            warnings.push(w.clone());
        }
    }
    print_diagnostics(&warnings, &session);
    let coverage = onus::testing::coverage(&session.program, &results);
    let percent = onus::testing::coverage_percent(&coverage);
    let detail = args
        .coverage
        .then_some((&session.program, coverage.as_slice()));
    let mut out = match args.format {
        Format::Json => report::testing::json(&results, &session.sources, detail),
        Format::Junit => report::testing::junit(&results, &session.sources),
        Format::Text => report::testing::text(&results, &session.sources),
    };
    if args.coverage && matches!(args.format, Format::Text) {
        out.push('\n');
        out.push_str(&report::testing::coverage_text(
            &session.program,
            &coverage,
            &session.sources,
        ));
    }
    write_out(&out);
    let below = args.min_coverage.is_some_and(|min| percent < min);
    if below {
        eprintln!(
            "coverage {percent:.1}% is below --min-coverage {}",
            args.min_coverage.unwrap_or_default()
        );
    }
    i32::from(below || results.iter().any(|r| !r.passed()))
}
