//! `--format junit`: JUnit XML for CI test views. In: a `Run`. Out: a
//! `testsuites` document with a `testsuite` per service (in declaration
//! order) holding a `testcase` per control (classname = the control's first
//! service, name = the control id), then an `assertions` suite.
//!
//! Outcomes: `fail` → `<failure>` listing the violations (and any error
//! subjects); `error` → `<error>` listing the error subjects; `waived`,
//! `inherited`, `unverified` and `unevaluated` → `<skipped>` with a message
//! saying why. The `tests`/`failures`/`errors`/`skipped` counts of the
//! control suites equal the JSON report's summary; the assertion suite adds
//! one test per assertion. When the policy did not load, one `load policy`
//! test errors with the diagnostics.
//!
//! Invariant: well-formed XML 1.0 whatever the facts hold — written with
//! quick-xml's event writer (which escapes text and attribute values), after
//! replacing characters XML cannot carry with visible escapes.

use super::{Run, attestation_note, evidence_note, subject_label, waiver_note};
use crate::check::program::{Control, Status};
use crate::diagnostic;
use crate::escape::{terminal, xml_chars};
use crate::eval::ControlResult;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};
use std::io;

/// What one testcase reports.
pub(crate) enum Outcome {
    Passed,
    Failure { message: String, details: String },
    Error { message: String, details: String },
    Skipped { message: String },
}

pub(crate) struct Case {
    pub classname: String,
    pub name: String,
    /// Policy file and line of the control's first `require`.
    pub location: Option<(String, usize)>,
    pub outcome: Outcome,
    /// Waived violations and other context for `<system-out>`.
    pub output: String,
}

pub(crate) struct Suite {
    pub name: String,
    pub properties: Vec<(&'static str, String)>,
    pub cases: Vec<Case>,
}

impl Suite {
    fn count(&self, pick: fn(&Outcome) -> bool) -> usize {
        self.cases.iter().filter(|c| pick(&c.outcome)).count()
    }
}

fn is_failure(o: &Outcome) -> bool {
    matches!(o, Outcome::Failure { .. })
}
fn is_error(o: &Outcome) -> bool {
    matches!(o, Outcome::Error { .. })
}
fn is_skipped(o: &Outcome) -> bool {
    matches!(o, Outcome::Skipped { .. })
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// One line per violation and error subject: `✗ key (pointer): message`
/// (line breaks inside facts values become visible escapes), failing ones
/// first, then the waived ones.
fn listing(run: &Run<'_>, index: usize, r: &ControlResult) -> (String, String) {
    let mut failing = String::new();
    let mut waived = String::new();
    for v in &r.violations {
        let line = terminal(&format!(
            "{}: {}",
            subject_label(&v.key, v.pointer.as_deref()),
            v.message
        ))
        .into_owned();
        if v.waived {
            let note = run
                .waiver(index, &v.key)
                .map_or_else(|| "waived".to_string(), waiver_note);
            waived.push_str(&format!("~ {line} [{note}]\n"));
        } else {
            failing.push_str(&format!("✗ {line}\n"));
        }
    }
    for e in r.errors.iter().filter(|e| e.attested) {
        let line = format!(
            "{}: {}",
            subject_label(&e.key, e.pointer.as_deref()),
            e.message
        );
        waived.push_str(&format!("~ {} [attested]\n", terminal(&line)));
    }
    for e in r.errors.iter().filter(|e| !e.attested) {
        let line = format!(
            "{}: {}",
            subject_label(&e.key, e.pointer.as_deref()),
            e.message
        );
        failing.push_str(&format!("! {}\n", terminal(&line)));
    }
    (failing, waived)
}

fn control_case(run: &Run<'_>, index: usize, c: &Control, r: &ControlResult) -> Case {
    let (details, waived) = listing(run, index, r);
    let unwaived = r.violations.iter().filter(|v| !v.waived).count();
    let outcome = match r.status {
        Status::Pass => Outcome::Passed,
        Status::Fail => {
            let mut message = format!(
                "{} of {}",
                plural(unwaived, "violation"),
                plural(r.subjects, "subject")
            );
            if !r.errors.is_empty() {
                message.push_str(&format!(
                    ", {} could not be evaluated",
                    plural(r.errors.len(), "subject")
                ));
            }
            Outcome::Failure { message, details }
        }
        Status::Error => Outcome::Error {
            message: format!(
                "{} of {} could not be evaluated",
                plural(r.errors.len(), "subject"),
                r.subjects
            ),
            details,
        },
        Status::Waived => Outcome::Skipped {
            message: format!(
                "waived: all {} waived",
                plural(r.violations.len(), "violation")
            ),
        },
        Status::Inherited => Outcome::Skipped {
            message:
                "inherited: provider-owned control without a check; the provider answers for it"
                    .into(),
        },
        Status::Unverified => Outcome::Skipped {
            message: format!(
                "unverified: {}-owned control without a check",
                run.program.decider_name(c.owner)
            ),
        },
        Status::Unevaluated => Outcome::Skipped {
            message: "not evaluated: no --facts given".into(),
        },
        Status::Attested => Outcome::Passed,
    };
    // Who vouched for the control, and the provider's evidence: the audit
    // trail goes with the test case.
    let mut output = waived;
    for a in run.attestations(index) {
        output.push_str(&format!("{}\n", terminal(&attestation_note(a))));
    }
    for e in &c.evidence {
        output.push_str(&format!("{}\n", terminal(&evidence_note(e))));
    }
    let at = run.position(c.require_span());
    Case {
        classname: run.service_name(c).to_string(),
        name: c.id.clone(),
        location: Some((at.file.to_string(), at.line)),
        outcome,
        output,
    }
}

fn suites(run: &Run<'_>) -> Vec<Suite> {
    let Some(outcome) = run.outcome else {
        let errors: Vec<String> = run
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| {
                let at = diagnostic::location(d, run.sources)
                    .map(|(f, l, c)| format!(" at {f}:{l}:{c}"))
                    .unwrap_or_default();
                format!("{}[{}]{at}: {}\n", d.severity.as_str(), d.code, d.message)
            })
            .collect();
        return vec![Suite {
            name: "onus".into(),
            properties: Vec::new(),
            cases: vec![Case {
                classname: "onus".into(),
                name: "load policy".into(),
                location: None,
                outcome: Outcome::Error {
                    message: format!(
                        "the policy could not be loaded ({})",
                        plural(errors.len(), "error")
                    ),
                    details: errors.concat(),
                },
                output: String::new(),
            }],
        }];
    };
    let mut suites: Vec<Suite> = run
        .program
        .services
        .iter()
        .map(|s| Suite {
            name: s.id.clone(),
            properties: vec![(
                "model",
                s.model
                    .and_then(|m| run.program.models.get(m))
                    .map_or(String::new(), |m| m.id.clone()),
            )],
            cases: Vec::new(),
        })
        .collect();
    let mut unassigned = Suite {
        name: "(no service)".into(),
        properties: Vec::new(),
        cases: Vec::new(),
    };
    for (index, c, r) in run.indexed_controls() {
        let case = control_case(run, index, c, r);
        match c.services.first().and_then(|s| suites.get_mut(*s)) {
            Some(suite) => suite.cases.push(case),
            None => unassigned.cases.push(case),
        }
    }
    suites.push(unassigned);
    let assertions = run
        .program
        .assertions
        .iter()
        .zip(&outcome.assertions)
        .map(|(a, r)| {
            let message = r.message.clone().unwrap_or_default();
            let at = run.position(a.span);
            Case {
                classname: "assertions".into(),
                name: a.name.clone(),
                location: Some((at.file.to_string(), at.line)),
                outcome: match r.status {
                    Status::Pass => Outcome::Passed,
                    Status::Fail => Outcome::Failure {
                        message: "the assertion does not hold".into(),
                        details: message,
                    },
                    Status::Error => Outcome::Error {
                        message: "the assertion could not be evaluated".into(),
                        details: message,
                    },
                    _ => Outcome::Skipped {
                        message: format!("not evaluated: {message}"),
                    },
                },
                output: String::new(),
            }
        })
        .collect();
    suites.push(Suite {
        name: "assertions".into(),
        properties: Vec::new(),
        cases: assertions,
    });
    suites.retain(|s| !s.cases.is_empty());
    suites
}

fn write_case(w: &mut Writer<Vec<u8>>, case: &Case) -> io::Result<()> {
    let classname = xml_chars(&case.classname);
    let name = xml_chars(&case.name);
    let mut attrs: Vec<(&str, String)> = vec![
        ("classname", classname.into_owned()),
        ("name", name.into_owned()),
    ];
    if let Some((file, line)) = &case.location {
        attrs.push(("file", xml_chars(file).into_owned()));
        attrs.push(("line", line.to_string()));
    }
    let element = w
        .create_element("testcase")
        .with_attributes(attrs.iter().map(|(k, v)| (*k, v.as_str())));
    if matches!(case.outcome, Outcome::Passed) && case.output.is_empty() {
        element.write_empty()?;
        return Ok(());
    }
    element.write_inner_content(|w| {
        match &case.outcome {
            Outcome::Passed => {}
            Outcome::Failure { message, details } | Outcome::Error { message, details } => {
                let tag = if is_failure(&case.outcome) {
                    "failure"
                } else {
                    "error"
                };
                w.create_element(tag)
                    .with_attribute(("message", xml_chars(message).as_ref()))
                    .with_attribute(("type", tag))
                    .write_text_content(BytesText::new(&xml_chars(details)))?;
            }
            Outcome::Skipped { message } => {
                w.create_element("skipped")
                    .with_attribute(("message", xml_chars(message).as_ref()))
                    .write_empty()?;
            }
        }
        if !case.output.is_empty() {
            w.create_element("system-out")
                .write_text_content(BytesText::new(&xml_chars(&case.output)))?;
        }
        Ok(())
    })?;
    Ok(())
}

fn write_report(w: &mut Writer<Vec<u8>>, suites: &[Suite]) -> io::Result<()> {
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let total = |pick: fn(&Outcome) -> bool| {
        suites
            .iter()
            .map(|s| s.count(pick))
            .sum::<usize>()
            .to_string()
    };
    let tests = suites
        .iter()
        .map(|s| s.cases.len())
        .sum::<usize>()
        .to_string();
    w.create_element("testsuites")
        .with_attributes([
            ("name", "onus"),
            ("tests", tests.as_str()),
            ("failures", total(is_failure).as_str()),
            ("errors", total(is_error).as_str()),
            ("skipped", total(is_skipped).as_str()),
        ])
        .write_inner_content(|w| {
            for suite in suites {
                let counts = [
                    ("tests", suite.cases.len().to_string()),
                    ("failures", suite.count(is_failure).to_string()),
                    ("errors", suite.count(is_error).to_string()),
                    ("skipped", suite.count(is_skipped).to_string()),
                ];
                w.create_element("testsuite")
                    .with_attribute(("name", xml_chars(&suite.name).as_ref()))
                    .with_attributes(counts.iter().map(|(k, v)| (*k, v.as_str())))
                    .write_inner_content(|w| {
                        if !suite.properties.is_empty() {
                            w.create_element("properties").write_inner_content(|w| {
                                for (name, value) in &suite.properties {
                                    w.create_element("property")
                                        .with_attributes([
                                            ("name", *name),
                                            ("value", xml_chars(value).as_ref()),
                                        ])
                                        .write_empty()?;
                                }
                                Ok(())
                            })?;
                        }
                        for case in &suite.cases {
                            write_case(w, case)?;
                        }
                        Ok(())
                    })?;
            }
            Ok(())
        })?;
    Ok(())
}

pub fn render(run: &Run<'_>) -> String {
    render_suites(&suites(run))
}

/// Writes suites as a JUnit document (also used by `onus test`).
pub(crate) fn render_suites(suites: &[Suite]) -> String {
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    // Writing to memory cannot fail; keep the document well-formed anyway.
    if write_report(&mut writer, suites).is_err() {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"onus\" tests=\"0\"/>\n".into();
    }
    let mut out = String::from_utf8_lossy(&writer.into_inner()).into_owned();
    out.push('\n');
    out
}
