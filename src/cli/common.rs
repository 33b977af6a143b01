//! What several commands share: the limit flags, `--now`, loading policies,
//! rendering diagnostics to stderr, and planning and delivering reports.

use onus::Session;
use onus::diagnostic::{self, Diagnostic};
use onus::eval::Options;
use onus::report::output::{self, FormatSpec, Target};
use onus::value::{Word, WordClass};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

#[derive(clap::Args)]
pub struct Limits {
    /// Evaluation steps each control may take (default scales with the facts).
    #[arg(long, value_name = "N")]
    pub max_steps: Option<u64>,
    /// Stop evaluating after this many seconds.
    #[arg(long, value_name = "SECONDS", value_parser = parse_timeout)]
    pub timeout: Option<Duration>,
    /// Threads evaluating controls (default: one per core for large facts).
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
}

/// How YAML facts are read (commands that read `--facts`).
#[derive(clap::Args)]
pub struct YamlReading {
    /// Read YAML facts by YAML 1.2 (the default: `off` is a string, and each
    /// plain scalar YAML 1.1 reads otherwise is an F040 warning) or by 1.1
    /// as Kubernetes reads manifests (`off` is false, `0777` octal, `<<`
    /// merges mappings).
    #[arg(long, value_name = "1.1|1.2", default_value = "1.2",
          value_parser = onus::facts::YamlSchema::parse)]
    pub yaml_schema: onus::facts::YamlSchema,
}

/// How much facts may take (commands that read `--facts`).
#[derive(clap::Args)]
pub struct FactsLimit {
    /// The most one facts input may take, read and parsed: e.g. 512M, 8G
    /// (default 4G). Larger input stops with F014 instead of filling memory.
    #[arg(long, value_name = "SIZE", value_parser = onus::facts::parse_size)]
    pub max_facts_size: Option<u64>,
}

impl FactsLimit {
    /// The facts limits of a run: this size, and `--jobs` threads (default:
    /// one per core) to read a large file.
    pub fn limits(&self, limits: &Limits) -> onus::facts::Limits {
        onus::facts::Limits {
            max_size: self.max_facts_size.unwrap_or(onus::facts::DEFAULT_MAX_SIZE),
            threads: limits
                .jobs
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
                .max(1),
            ..onus::facts::Limits::default()
        }
    }
}

/// The size limit of policy files, for the commands that read policies
/// from disk.
#[derive(clap::Args)]
pub struct PolicyLimit {
    /// Refuse a policy file larger than N bytes (default: 4 MiB).
    #[arg(long, value_name = "N", default_value_t = onus::session::MAX_POLICY_BYTES)]
    pub max_policy_bytes: u64,
}

pub fn parse_severity(s: &str) -> Result<Word, String> {
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

pub fn parse_date(s: &str) -> Result<jiff::civil::Date, String> {
    s.parse()
        .map_err(|_| format!("`{s}` is not a date (YYYY-MM-DD)"))
}

fn today() -> jiff::civil::Date {
    jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
}

/// Evaluation options from `--now` and the limits.
pub fn options(now: Option<jiff::civil::Date>, limits: &Limits) -> Options {
    Options {
        now: now.unwrap_or_else(today),
        max_steps: limits.max_steps,
        jobs: limits.jobs,
        timeout: limits.timeout,
        show_passed: false,
    }
}

/// When the run started: now, or `SOURCE_DATE_EPOCH` (seconds since
/// 1970, the reproducible-builds convention) when it is set, so that a
/// report can be made byte for byte again.
pub fn started_at() -> jiff::Timestamp {
    source_date_epoch().unwrap_or_else(jiff::Timestamp::now)
}

/// `SOURCE_DATE_EPOCH`, when it is set to a valid instant.
pub fn source_date_epoch() -> Option<jiff::Timestamp> {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .and_then(|secs| jiff::Timestamp::from_second(secs).ok())
}

pub fn color_for(stream_is_terminal: bool) -> bool {
    stream_is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

pub fn write_out(text: &str) {
    let mut out = std::io::stdout().lock();
    // A closed pipe (`onus check | head`) is not an error worth reporting.
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

pub fn print_diagnostics(diagnostics: &[Diagnostic], session: &Session) {
    if !diagnostics.is_empty() {
        let rendered = diagnostic::render(
            diagnostics,
            &session.sources,
            color_for(std::io::stderr().is_terminal()),
        );
        let _ = std::io::stderr().write_all(rendered.as_bytes());
    }
}

/// What every command that loads policies and evaluates them over facts
/// takes: the date, the limits, and how facts and policies are read.
#[derive(clap::Args)]
pub struct RunOptions {
    /// The date the run takes as today (YYYY-MM-DD); default: today in UTC.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub now: Option<jiff::civil::Date>,
    #[command(flatten)]
    pub limits: Limits,
    #[command(flatten)]
    pub facts_limit: FactsLimit,
    #[command(flatten)]
    pub yaml: YamlReading,
    #[command(flatten)]
    pub policy: PolicyLimit,
}

impl RunOptions {
    pub fn options(&self) -> Options {
        options(self.now, &self.limits)
    }

    /// A session configured by these options, started now (or at
    /// `SOURCE_DATE_EPOCH`), with nothing loaded.
    pub fn session(&self) -> Session {
        self.session_with(self.options())
    }

    /// The same, with evaluation options a command adjusted.
    pub fn session_with(&self, options: Options) -> Session {
        let mut session = Session::new(options);
        session.max_policy_bytes = self.policy.max_policy_bytes;
        session.facts_limits = self.facts_limit.limits(&self.limits);
        session.yaml_schema = self.yaml.yaml_schema;
        session.started_at = started_at();
        session
    }

    /// Loads and checks policies, rendering diagnostics to stderr; the flag
    /// is false when they cannot be loaded.
    pub fn load(&self, paths: &[PathBuf]) -> (Session, bool) {
        let mut session = self.session();
        for p in paths {
            session.load_path(p);
        }
        session.check();
        print_diagnostics(&session.diagnostics, &session);
        let ok = !session.has_errors();
        (session, ok)
    }
}

/// Reads every `--facts` spec into the session; the inputs that could not
/// be read, as diagnostics.
pub fn load_facts(session: &mut Session, specs: &[String]) -> Vec<Diagnostic> {
    specs
        .iter()
        .filter_map(|spec| session.load_facts_spec(spec).err())
        .collect()
}

/// Renders diagnostics that quote no policy source (unreadable inputs) to
/// stderr.
pub fn print_sourceless(diagnostics: &[Diagnostic]) {
    let rendered = diagnostic::render(
        diagnostics,
        &onus::source::SourceMap::default(),
        color_for(std::io::stderr().is_terminal()),
    );
    let _ = std::io::stderr().write_all(rendered.as_bytes());
}

/// Loads and checks the policies, reads the facts and evaluates, all in
/// memory: the outcome (None when something did not load) and every
/// diagnostic of the run, facts errors last.
pub fn evaluate(
    session: &mut Session,
    paths: &[PathBuf],
    facts: &[String],
) -> (Option<onus::eval::Outcome>, Vec<Diagnostic>) {
    for p in paths {
        session.load_path(p);
    }
    session.check();
    let mut errors = load_facts(session, facts);
    let outcome = if session.has_errors() || !errors.is_empty() {
        None
    } else {
        session
            .evaluate()
            .map_err(|msg| errors.push(Diagnostic::error("F012", msg)))
            .ok()
    };
    let mut diagnostics = session.run_diagnostics(outcome.as_ref());
    diagnostics.extend(errors);
    (outcome, diagnostics)
}

/// Pairs formats with destinations; None (after saying why) on a usage error.
pub fn plan<F: Copy + std::fmt::Display>(
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
pub fn deliver<F: Copy>(
    targets: &[Target<F>],
    render: impl FnMut(F, bool, &mut dyn Write) -> std::io::Result<()>,
) -> Result<(), i32> {
    match output::deliver(targets, &mut std::io::stdout().lock(), render) {
        Ok(()) => Ok(()),
        Err(message) => {
            eprintln!("error: {message}");
            Err(2)
        }
    }
}
