//! `onus explain`: one control re-run with an observer, and why each
//! subject passed or failed, as text or JSON.

use super::common::{RunOptions, write_out};
use onus::Session;
use onus::check::program::Status;
use onus::diagnostic;
use onus::report;
use std::io::Write;
use std::path::PathBuf;

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(clap::Args)]
pub struct Args {
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
    #[command(flatten)]
    run: RunOptions,
}

/// The text explanation of one control over the session's facts (also
/// used by `check --explain`).
pub fn text(session: &Session, control: usize, subject: Option<&str>, limit: usize) -> String {
    match session.facts_root() {
        Ok(root) => {
            let e = onus::explain::explain(
                &session.program,
                root,
                session.fact_nodes(),
                &session.options,
                control,
                subject.map_or(onus::explain::Which::Failing, onus::explain::Which::Key),
                limit,
            );
            report::explain::text(&session.program, &e, &session.sources)
        }
        Err(msg) => format!("{msg}\n"),
    }
}

pub fn run(args: Args) -> i32 {
    let (mut session, ok) = args.run.load(&args.paths);
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
    let policy_diagnostics = session.diagnostics.len();
    for spec in &args.facts {
        if let Err(d) = session.load_facts_spec(spec) {
            let _ = std::io::stderr()
                .write_all(diagnostic::render(&[d], &session.sources, false).as_bytes());
            return 2;
        }
    }
    // The facts' own warnings (F040).
    let warnings = &session.diagnostics[policy_diagnostics..];
    let _ = std::io::stderr()
        .write_all(diagnostic::render(warnings, &session.sources, false).as_bytes());
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
        args.subject
            .as_deref()
            .map_or(onus::explain::Which::Failing, onus::explain::Which::Key),
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
