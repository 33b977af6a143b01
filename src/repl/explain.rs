//! `:explain CONTROL [KEY]`: the session and one control in, why it has its
//! status out. The library's explainer (`crate::explain`, as behind `onus
//! explain`) retraces the deciding `require` of each failing or erroring
//! subject, or of the one subject named, with its sub-expressions' values.

use crate::Session;
use crate::diagnostic::Diagnostic;
use crate::escape::terminal;

/// Failing or erroring subjects explained at most (as `onus explain`).
const LIMIT: usize = 20;

/// Explains control number `control` against the loaded facts.
pub fn explain(
    session: &Session,
    control: usize,
    subject: Option<&str>,
) -> Result<String, Diagnostic> {
    let program = &session.program;
    let checked = program.controls.get(control).is_some_and(|c| c.checked());
    if checked && session.facts.is_empty() {
        return Err(Diagnostic::error(
            "R007",
            "no facts are loaded, so the control was not evaluated",
        )
        .with_help("`:facts FILE` loads some"));
    }
    let root = session
        .facts_root()
        .map_err(|message| Diagnostic::error("F012", message))?;
    let explanation = crate::explain::explain(
        program,
        root,
        session.fact_nodes(),
        &session.options,
        control,
        subject.map_or(crate::explain::Which::Failing, crate::explain::Which::Key),
        LIMIT,
    );
    if let Some(key) = subject.filter(|_| explanation.subjects.is_empty()) {
        return Err(Diagnostic::error(
            "R004",
            format!("the control has no subject with key `{}`", terminal(key)),
        )
        .with_help("`:explain CONTROL` lists the failing subjects with their keys"));
    }
    Ok(crate::report::explain::text(
        program,
        &explanation,
        &session.sources,
    ))
}
