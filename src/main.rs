//! The `onus` command line: arguments in, reports on stdout or in files,
//! diagnostics on stderr, and the exit codes of SPEC §5 (0 ok, 1 gate
//! failed, 2 not loaded or a usage error). `onus repl` is the exception: a
//! conversation, it answers everything, error reports included, on stdout,
//! and exits 0 (see `onus::repl`).

use clap::{Parser, Subcommand, ValueEnum};
use onus::Session;
use onus::check::program::Status;
use onus::diagnostic::{self, Diagnostic};
use onus::eval::Options;
use onus::fmt;
use onus::report::matrix::{self, Matrix, MatrixFormat};
use onus::report::output::{self, Destination, FormatSpec, Target};
use onus::report::{self, CheckFormat, Gate, Run};
use onus::value::{Word, WordClass};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "onus",
    version,
    about = "Policy as code for the cloud shared responsibility model"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check policies statically and, with --facts, evaluate their controls.
    #[command(after_help = OUTPUT_HELP)]
    Check(CheckArgs),
    /// Show the shared responsibility matrix: layers × services, who decides
    /// and who operates each cell, and (with --facts) how its controls fared.
    #[command(after_help = MATRIX_HELP)]
    Matrix(MatrixArgs),
    /// Run the `test` blocks of policies.
    Test(TestArgs),
    /// Why a control passed or failed: the deciding `require` per subject,
    /// with the values of its sub-expressions.
    Explain(ExplainArgs),
    /// Explore facts and try declarations interactively (reads standard
    /// input line by line, without prompts, when it is not a terminal).
    Repl(ReplArgs),
    /// Rewrite policies in the canonical layout (comments kept).
    Fmt(FmtArgs),
}

const OUTPUT_HELP: &str = "\
Several reports in one run: repeat --format, and give each report but one a
file, either inline (--format FORMAT=FILE) or with --output FILE, paired in
order with the formats that have no file. Without --output, the one format
without a file goes to standard output; `-` as a file also means standard
output. Files are replaced atomically.

  onus check p.onus --facts f.json --format sarif --output r.sarif
  onus check p.onus --facts f.json --format json --format sarif --output r.json --output r.sarif
  onus check p.onus --facts f.json --format text --format junit=junit.xml --format sarif=r.sarif";

const MATRIX_HELP: &str = "\
Several formats in one run work as for `onus check`: repeat --format, and give
each but one a file (--format FORMAT=FILE, or --output FILE paired in order).

  onus matrix policies/ --format html --output matrix.html
  onus matrix policies/ --facts f.json --format html=matrix.html --format mermaid=matrix.mmd
  onus matrix policies/ --format json | jq '.cells[] | select(.decider == \"unassigned\")'";

#[derive(clap::Args)]
struct ExplainArgs {
    /// The control to explain.
    control: String,
    /// Policy files or directories (every .onus file below them).
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Facts, as for `check`.
    #[arg(long, value_name = "[NAME=]FILE|-")]
    facts: Vec<String>,
    /// Explain this subject (by key) whatever its outcome.
    #[arg(long, value_name = "KEY")]
    subject: Option<String>,
    /// Most failing or erroring subjects to explain.
    #[arg(long, value_name = "N", default_value_t = 20)]
    limit: usize,
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// The date the run takes as today (YYYY-MM-DD); default: today in UTC.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    now: Option<jiff::civil::Date>,
    #[command(flatten)]
    limits: Limits,
}

#[derive(clap::Args)]
struct ReplArgs {
    /// Policy files or directories to load first (every .onus file below them).
    paths: Vec<PathBuf>,
    /// Facts: FILE, or NAME=FILE (read as facts.NAME); a .jsonl file is a
    /// list of its lines, a .yaml or .yml file YAML.
    #[arg(long, value_name = "[NAME=]FILE")]
    facts: Vec<String>,
    /// The date the session takes as today (YYYY-MM-DD); default: today in UTC.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    now: Option<jiff::civil::Date>,
    #[command(flatten)]
    limits: Limits,
}

#[derive(Clone, Copy, ValueEnum)]
enum TestFormat {
    Text,
    Json,
    Junit,
}

#[derive(clap::Args)]
struct TestArgs {
    /// Policy files or directories (every .onus file below them).
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value = "text")]
    format: TestFormat,
    /// List, per service and owner, which controls are checked and tested.
    #[arg(long)]
    coverage: bool,
    /// Fail when fewer than PCT percent of checked controls are tested.
    #[arg(long, value_name = "PCT")]
    min_coverage: Option<f64>,
    /// The date the run takes as today (YYYY-MM-DD); default: today in UTC.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    now: Option<jiff::civil::Date>,
    #[command(flatten)]
    limits: Limits,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(clap::Args)]
struct CheckArgs {
    /// Policy files or directories (every .onus file below them).
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Facts: FILE, NAME=FILE (read as facts.NAME), or - for standard input;
    /// a .jsonl file is a list of its lines, a .yaml or .yml file YAML.
    #[arg(long, value_name = "[NAME=]FILE|-")]
    facts: Vec<String>,
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
    /// The date the run takes as today (YYYY-MM-DD); default: today in UTC.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    now: Option<jiff::civil::Date>,
    /// After the text report, explain every failing or erroring control.
    #[arg(long)]
    explain: bool,
    /// Do not let a control pass when its `for` selects no subjects: it is
    /// reported as an error (nothing was checked), which fails the run.
    #[arg(long)]
    require_subjects: bool,
    #[command(flatten)]
    limits: Limits,
}

#[derive(clap::Args)]
struct FmtArgs {
    /// Write nothing; list the files that would change and exit 1 if any.
    #[arg(long)]
    check: bool,
    /// Policy files or directories (every .onus file below them); - formats
    /// standard input to standard output.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
}

#[derive(clap::Args)]
struct MatrixArgs {
    /// Policy files or directories (every .onus file below them).
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Facts to evaluate the controls against, so cells show their statuses:
    /// FILE, NAME=FILE (read as facts.NAME), or - for standard input.
    #[arg(long, value_name = "[NAME=]FILE|-")]
    facts: Vec<String>,
    /// Matrix format: text, markdown, mermaid, html or json, with `=FILE` to
    /// write it to a file; repeat for several (default text).
    #[arg(long, value_name = "FORMAT[=FILE]")]
    format: Vec<FormatSpec<MatrixFormat>>,
    /// Write the matrix to FILE; repeated, paired in order with the formats
    /// given without `=FILE`.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Vec<PathBuf>,
    /// The date the run takes as today (YYYY-MM-DD); default: today in UTC.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    now: Option<jiff::civil::Date>,
    #[command(flatten)]
    limits: Limits,
}

#[derive(clap::Args)]
struct Limits {
    /// Evaluation steps each control may take (default scales with the facts).
    #[arg(long, value_name = "N")]
    max_steps: Option<u64>,
    /// Stop evaluating after this many seconds.
    #[arg(long, value_name = "SECONDS", value_parser = parse_timeout)]
    timeout: Option<Duration>,
    /// Threads evaluating controls (default: one per core for large facts).
    #[arg(long, value_name = "N")]
    jobs: Option<usize>,
}

fn parse_severity(s: &str) -> Result<Word, String> {
    Word::parse(s)
        .filter(|w| w.class() == WordClass::Severity)
        .ok_or_else(|| "expected info, low, medium, high or critical".into())
}

/// A positive number of seconds: a value that would mean no limit at all
/// (0, a negative number, NaN) is refused rather than silently ignored.
fn parse_timeout(s: &str) -> Result<Duration, String> {
    s.parse::<f64>()
        .ok()
        .filter(|t| t.is_finite() && *t > 0.0)
        .and_then(|t| Duration::try_from_secs_f64(t).ok())
        .ok_or_else(|| format!("`{s}` is not a positive number of seconds"))
}

fn parse_date(s: &str) -> Result<jiff::civil::Date, String> {
    s.parse()
        .map_err(|_| format!("`{s}` is not a date (YYYY-MM-DD)"))
}

fn today() -> jiff::civil::Date {
    jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
}

fn options(now: Option<jiff::civil::Date>, limits: &Limits) -> Options {
    Options {
        now: now.unwrap_or_else(today),
        max_steps: limits.max_steps,
        jobs: limits.jobs,
        timeout: limits.timeout,
    }
}

fn color_for(stream_is_terminal: bool) -> bool {
    stream_is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

fn write_out(text: &str) {
    let mut out = std::io::stdout().lock();
    // A closed pipe (`onus check | head`) is not an error worth reporting.
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

fn print_diagnostics(diagnostics: &[Diagnostic], session: &Session) {
    if !diagnostics.is_empty() {
        let rendered = diagnostic::render(
            diagnostics,
            &session.sources,
            color_for(std::io::stderr().is_terminal()),
        );
        let _ = std::io::stderr().write_all(rendered.as_bytes());
    }
}

/// Pairs formats with destinations; None (after saying why) on a usage error.
fn plan<F: Copy + std::fmt::Display>(
    formats: &[FormatSpec<F>],
    outputs: &[PathBuf],
    default: F,
) -> Option<Vec<Target<F>>> {
    match output::plan(formats, outputs, default) {
        Ok(targets) => Some(targets),
        Err(message) => {
            eprintln!("error: {message}");
            None
        }
    }
}

/// Renders every target, writes the files and prints the rest; Err(2) when
/// a file cannot be written.
fn deliver<F: Copy>(
    targets: &[Target<F>],
    render: impl FnMut(F, bool) -> String,
) -> Result<(), i32> {
    match output::deliver(targets, render) {
        Ok(stdout) => {
            write_out(&stdout);
            Ok(())
        }
        Err(message) => {
            eprintln!("error: {message}");
            Err(2)
        }
    }
}

fn check(args: CheckArgs) -> i32 {
    let Some(targets) = plan(&args.format, &args.output, CheckFormat::Text) else {
        return 2;
    };
    let mut session = Session::new(options(args.now, &args.limits));
    for p in &args.paths {
        session.load_path(p);
    }
    session.check();
    let mut facts_errors: Vec<Diagnostic> = Vec::new();
    for spec in &args.facts {
        if let Err(d) = session.load_facts_spec(spec) {
            facts_errors.push(d);
        }
    }
    let outcome = if session.has_errors() || !facts_errors.is_empty() {
        None
    } else {
        match session.evaluate() {
            Ok(mut o) => {
                if args.require_subjects {
                    o.require_subjects(&session.program);
                }
                Some(o)
            }
            Err(msg) => {
                facts_errors.push(Diagnostic::error("F012", msg));
                None
            }
        }
    };
    // Facts errors and an outcome never come together: either order holds.
    let mut diagnostics = session.run_diagnostics(outcome.as_ref());
    diagnostics.extend(facts_errors);
    let run = Run {
        program: &session.program,
        outcome: outcome.as_ref(),
        diagnostics: &diagnostics,
        sources: &session.sources,
    };
    let gate = Gate {
        fail_on: args.fail_on,
        strict: args.strict,
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
    let rendered = deliver(&targets, |format, to_stdout| {
        let mut text = report::render(format, &run, gate, to_stdout && stdout_color);
        if args.explain && format == CheckFormat::Text {
            for (i, (_, r)) in run.controls().enumerate() {
                if matches!(r.status, Status::Fail | Status::Error) {
                    text.push('\n');
                    text.push_str(&explain_text(&session, i, None, 20));
                }
            }
        }
        text
    });
    if let Err(code) = rendered {
        return code;
    }
    let code = run.exit_code(gate);
    // The process ends here: freeing the facts arena and the program piece by
    // piece would only delay the exit (the OS reclaims it all at once).
    std::mem::forget(outcome);
    std::mem::forget(session);
    code
}

fn explain_text(session: &Session, control: usize, subject: Option<&str>, limit: usize) -> String {
    match session.facts_root() {
        Ok(root) => {
            let e = onus::explain::explain(
                &session.program,
                root,
                session.fact_nodes(),
                &session.options,
                control,
                subject,
                limit,
            );
            report::explain::text(&session.program, &e, &session.sources)
        }
        Err(msg) => format!("{msg}\n"),
    }
}

fn explain(args: ExplainArgs) -> i32 {
    let (mut session, ok) = load(&args.paths, options(args.now, &args.limits));
    if !ok {
        return 2;
    }
    let Some(control) = session.program.control(&args.control) else {
        eprintln!(
            "onus explain: no control named `{}`",
            onus::escape::terminal(&args.control)
        );
        return 2;
    };
    for spec in &args.facts {
        if let Err(d) = session.load_facts_spec(spec) {
            let _ = std::io::stderr()
                .write_all(diagnostic::render(&[d], &session.sources, false).as_bytes());
            return 2;
        }
    }
    let root = match session.facts_root() {
        Ok(r) => r,
        Err(msg) => {
            eprintln!("onus explain: {msg}");
            return 2;
        }
    };
    let e = onus::explain::explain(
        &session.program,
        root,
        session.fact_nodes(),
        &session.options,
        control,
        args.subject.as_deref(),
        args.limit,
    );
    if let Some(wanted) = &args.subject
        && e.subjects.is_empty()
    {
        eprintln!(
            "onus explain: control `{}` has no subject with key `{}`",
            args.control,
            onus::escape::terminal(wanted)
        );
        return 2;
    }
    let failed = matches!(e.result.status, Status::Fail | Status::Error);
    write_out(&match args.format {
        Format::Json => report::explain::json(&session.program, &e, &session.sources),
        Format::Text => report::explain::text(&session.program, &e, &session.sources),
    });
    i32::from(failed)
}

/// Loads and checks policies, rendering diagnostics to stderr; None when
/// they cannot be loaded.
fn load(paths: &[PathBuf], options: Options) -> (Session, bool) {
    let mut session = Session::new(options);
    for p in paths {
        session.load_path(p);
    }
    session.check();
    if !session.diagnostics.is_empty() {
        let rendered = diagnostic::render(
            &session.diagnostics,
            &session.sources,
            color_for(std::io::stderr().is_terminal()),
        );
        let _ = std::io::stderr().write_all(rendered.as_bytes());
    }
    let ok = !session.has_errors();
    (session, ok)
}

fn matrix(args: MatrixArgs) -> i32 {
    let Some(targets) = plan(&args.format, &args.output, MatrixFormat::Text) else {
        return 2;
    };
    let (mut session, ok) = load(&args.paths, options(args.now, &args.limits));
    if !ok {
        return 2;
    }
    let facts_errors: Vec<Diagnostic> = args
        .facts
        .iter()
        .filter_map(|spec| session.load_facts_spec(spec).err())
        .collect();
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
    let view = Matrix::build(&session.program, outcome.as_ref(), evaluated);
    match deliver(&targets, |format, _| matrix::render(&view, format)) {
        Ok(()) => 0,
        Err(code) => code,
    }
}

fn test(args: TestArgs) -> i32 {
    let (session, ok) = load(&args.paths, options(args.now, &args.limits));
    if !ok {
        return 2;
    }
    let results = onus::testing::run(&session.program, &session.options);
    let mut out = match args.format {
        TestFormat::Json => report::testing::json(&results, &session.sources),
        TestFormat::Junit => report::testing::junit(&results, &session.sources),
        TestFormat::Text => report::testing::text(&results, &session.sources),
    };
    let coverage = onus::testing::coverage(&session.program);
    let percent = onus::testing::coverage_percent(&coverage);
    if args.coverage && matches!(args.format, TestFormat::Text) {
        out.push('\n');
        out.push_str(&report::testing::coverage_text(&session.program, &coverage));
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

fn fmt(args: FmtArgs) -> i32 {
    let options = fmt::files::Options {
        check: args.check,
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
            Command::Check(args) => check(args),
            Command::Matrix(args) => matrix(args),
            Command::Test(args) => test(args),
            Command::Explain(args) => explain(args),
            Command::Repl(args) => onus::repl::run(onus::repl::Config {
                options: options(args.now, &args.limits),
                paths: args.paths,
                facts: args.facts,
            }),
            Command::Fmt(args) => fmt(args),
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
