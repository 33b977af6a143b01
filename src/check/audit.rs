//! The audit parts of a load: `framework` declarations, framework refs,
//! `attest`, provider `evidence`, and the honesty of waivers. Declarations
//! in, their checked forms (`Framework`, `RequirementRef`, `Attestation`,
//! `Evidence`) and diagnostics out.
//!
//! Invariants: a ref `"NAME:ID"` whose NAME is a declared framework either
//! resolves to one requirement or is an error (N014); refs with any other
//! prefix stay free text. Dates are judged against the run's `now` once,
//! here, so every report agrees on what is current.

use super::controls::string_list;
use super::lower::with_suggestion;
use super::program::*;
use super::{Env, Symbol};
use crate::ast::{self, FrameworkSource};
use crate::diagnostic::{Diagnostic, Severity};
use crate::framework::{Catalog, Catalogs, Requirement};
use crate::source::{FileId, SourceMap, Span};
use jiff::civil::Date;
use std::collections::HashMap;
use std::sync::Arc;

/// Warnings that `--strict` makes errors: a waiver that says neither when
/// it ends, who owns it, nor why.
pub const STRICT_CODES: &[&str] = &["A005"];

/// `--strict`: raises the diagnostics of `STRICT_CODES` to errors.
pub fn apply_strict(diags: &mut [Diagnostic]) {
    for d in diags {
        if STRICT_CODES.contains(&d.code) {
            d.severity = Severity::Error;
        }
    }
}

/// Builds the declared frameworks. Returns them with the name table that
/// refs resolve against: a framework whose catalog could not be read maps
/// to None, so its refs are not reported again one by one.
pub(super) fn frameworks(
    decls: &[(&ast::FrameworkDecl, FileId)],
    sources: &SourceMap,
    catalogs: &Catalogs,
    diags: &mut Vec<Diagnostic>,
) -> (Vec<Framework>, HashMap<String, Option<usize>>) {
    let mut out: Vec<Framework> = Vec::new();
    let mut names: HashMap<String, Option<usize>> = HashMap::new();
    let mut first_span: HashMap<String, Span> = HashMap::new();
    for (f, file) in decls {
        let name = &f.name.text;
        let built = build(f, *file, sources, catalogs, diags);
        if built.is_none() && names.contains_key(name) {
            continue;
        }
        if let Some(&first) = first_span.get(name) {
            // The same catalog file declared under the same name in several
            // files (each example names the shared catalog) is one framework.
            let same_file = matches!((&built, names.get(name)), (Some(b), Some(Some(i)))
                if b.digest.is_some() && b.digest == out[*i].digest);
            if !same_file {
                diags.push(
                    Diagnostic::error("N002", format!("framework `{name}` is declared twice"))
                        .with_label(f.name.span, "declared again here")
                        .with_label(first, "first declared here")
                        .with_help("one name, one framework: rename one, or load the same catalog file in both"),
                );
            }
            continue;
        }
        first_span.insert(name.clone(), f.name.span);
        match built {
            Some(framework) => {
                names.insert(name.clone(), Some(out.len()));
                out.push(framework);
            }
            None => {
                names.insert(name.clone(), None);
            }
        }
    }
    (out, names)
}

fn build(
    f: &ast::FrameworkDecl,
    file: FileId,
    sources: &SourceMap,
    catalogs: &Catalogs,
    diags: &mut Vec<Diagnostic>,
) -> Option<Framework> {
    match &f.source {
        FrameworkSource::Catalog(path) => {
            let base = sources
                .get(file)
                .dir()
                .map(|d| d.to_path_buf())
                .unwrap_or_default();
            let loaded = match catalogs.get(&base, &path.value) {
                Some(Ok(loaded)) => loaded,
                Some(Err(why)) => {
                    diags.push(
                        Diagnostic::error(
                            "F005",
                            format!("cannot read framework catalog \"{}\": {why}", path.value),
                        )
                        .with_label(path.span, "this catalog")
                        .with_help("`framework NAME from \"PATH\"` reads an OSCAL catalog in JSON (a resolved profile works too), relative to this policy file"),
                    );
                    return None;
                }
                None => {
                    diags.push(
                        Diagnostic::error(
                            "F005",
                            format!("framework catalog \"{}\" was not loaded", path.value),
                        )
                        .with_label(path.span, "this catalog"),
                    );
                    return None;
                }
            };
            Some(Framework {
                id: f.name.text.clone(),
                catalog: Arc::clone(&loaded.catalog),
                digest: Some(loaded.digest.clone()),
                span: f.name.span,
            })
        }
        FrameworkSource::Inline {
            title,
            requirements,
        } => {
            let listed = requirements.iter().map(|(id, text)| Requirement {
                id: id.value.clone(),
                title: text.value.clone(),
                label: None,
                group: None,
            });
            let (catalog, repeated) = Catalog::new(title.value.clone(), None, listed.collect());
            for id in repeated {
                let mut at = requirements.iter().filter(|(r, _)| r.value == id);
                let (Some((first, _)), Some((again, _))) = (at.next(), at.next()) else {
                    continue;
                };
                diags.push(
                    Diagnostic::error(
                        "N002",
                        format!(
                            "requirement \"{id}\" is listed twice in framework `{}`",
                            f.name.text
                        ),
                    )
                    .with_label(again.span, "listed again here")
                    .with_label(first.span, "first listed here"),
                );
            }
            Some(Framework {
                id: f.name.text.clone(),
                catalog: Arc::new(catalog),
                digest: None,
                span: f.name.span,
            })
        }
    }
}

/// Resolves a control's refs: each `"NAME:ID"` of a declared framework to
/// its requirement (once, however often it is written), or an N014 error.
pub(super) fn resolve_refs(
    refs: &[(String, Span)],
    env: &Env,
    frameworks: &[Framework],
    diags: &mut Vec<Diagnostic>,
) -> Vec<RequirementRef> {
    let mut out = Vec::new();
    for (text, span) in refs {
        let Some((prefix, id)) = text.split_once(':') else {
            continue;
        };
        let Some(&declared) = env.frameworks.get(prefix) else {
            continue;
        };
        let Some(framework) = declared else {
            continue;
        };
        let catalog = &frameworks[framework].catalog;
        match catalog.find(id) {
            Some(requirement) => {
                let r = RequirementRef {
                    framework,
                    requirement,
                };
                if !out.contains(&r) {
                    out.push(r);
                }
            }
            None => diags.push(unknown_requirement(prefix, id, *span, catalog)),
        }
    }
    out
}

fn unknown_requirement(framework: &str, id: &str, span: Span, catalog: &Catalog) -> Diagnostic {
    let d = Diagnostic::error(
        "N014",
        format!("framework `{framework}` has no requirement `{id}`"),
    )
    .with_label(span, format!("`{id}` is not in {}", catalog.title));
    // Ids are lower case in OSCAL; `AC-3` means `ac-3`.
    let folded = id.to_lowercase();
    let d = match catalog.ids().find(|c| c.to_lowercase() == folded) {
        Some(same) => d.with_help(format!("did you mean `{same}`?")),
        None => with_suggestion(d, id, catalog.ids()),
    };
    let examples: Vec<&str> = catalog.ids().take(3).collect();
    d.or_help(format!(
        "`{framework}` has {} requirements ({}, ...); refs to it are written \"{framework}:ID\"",
        catalog.requirements.len(),
        examples.join(", ")
    ))
}

/// The control an `attest` names; None after reporting why not (nothing
/// more to say when its declaration did not parse).
fn named_control(
    name: &ast::Name,
    env: &Env,
    program: &Program,
    diags: &mut Vec<Diagnostic>,
) -> Option<usize> {
    match env.symbols.get(&name.text) {
        Some(Symbol::Control(_)) => program.control(&name.text),
        Some(Symbol::Broken) => None,
        _ => {
            let d = Diagnostic::error("N012", format!("unknown control `{}`", name.text))
                .with_label(name.span, "no control has this name");
            diags.push(with_suggestion(
                d,
                &name.text,
                program.controls.iter().map(|c| c.id.as_str()),
            ));
            None
        }
    }
}

pub(super) fn attestation(
    item: &ast::Item,
    a: &ast::Attestation,
    env: &Env,
    program: &Program,
    now: Date,
    diags: &mut Vec<Diagnostic>,
) -> Option<Attestation> {
    let control = named_control(&a.control, env, program, diags);
    let keys = match &a.keys {
        Some(e) => Some(string_list(e, env, diags, "`attest ... for`")?),
        None => None,
    };
    let (on, on_span) = a.on;
    let (until, until_span) = a.until;
    if until < on {
        diags.push(
            Diagnostic::error(
                "T006",
                format!("attestation ends ({until}) before it was made ({on})"),
            )
            .with_label(until_span, "before the `on` date")
            .with_label(on_span, "made on this date"),
        );
        return None;
    }
    let control = control?;
    let validity = Validity::of(on, until, now);
    let id = &program.controls[control].id;
    let checked = program.controls[control].checked();
    match validity {
        Validity::Current => {}
        Validity::Expired => {
            let consequence = if checked {
                "the subjects it vouched for count as errors again"
            } else {
                "the control is unverified again"
            };
            diags.push(
                Diagnostic::warning(
                    "A001",
                    format!(
                        "attestation of `{id}` by {} expired on {until}: {consequence}",
                        a.by.value
                    ),
                )
                .with_label(until_span, "expired")
                .with_help("check it again and record a new attestation with its evidence, or check the control from facts"),
            );
        }
        Validity::NotYet => diags.push(
            Diagnostic::warning(
                "A002",
                format!("attestation of `{id}` is dated {on}, after the run's date {now}: it does not count yet"),
            )
            .with_label(on_span, "not yet"),
        ),
    }
    Some(Attestation {
        control,
        keys,
        by: a.by.value.clone(),
        on,
        until,
        evidence: a.evidence.value.clone(),
        because: a.because.as_ref().map(|s| s.value.clone()),
        validity,
        span: item.span,
    })
}

/// A control's `evidence` lines, judged against the run's date; only a
/// provider-owned control carries the provider's evidence.
pub(super) fn evidence(
    c: &ast::Control,
    owner: Decider,
    owner_name: &str,
    now: Date,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Evidence> {
    let mut out = Vec::new();
    for e in &c.evidence {
        let ((from, from_span), (to, to_span)) = (e.from, e.to);
        if owner != Decider::PROVIDER {
            diags.push(
                Diagnostic::error(
                    "A003",
                    format!(
                        "`evidence` is the provider's, but `{}` is owned by {owner_name}",
                        c.name.text,
                    ),
                )
                .with_label(e.span, "provider evidence on a control the provider does not own")
                .with_help("a check made by hand on a customer-side control is recorded with `attest CONTROL by ... on ... until ... evidence ...`"),
            );
            continue;
        }
        if to < from {
            diags.push(
                Diagnostic::error(
                    "T006",
                    format!("evidence period ends ({to}) before it begins ({from})"),
                )
                .with_label(to_span, "before the start of the period")
                .with_label(from_span, "the period starts here"),
            );
            continue;
        }
        let validity = Validity::of(from, to, now);
        let why = match validity {
            Validity::Current => None,
            Validity::Expired => Some(format!("its period ended on {to}")),
            Validity::NotYet => Some(format!("its period starts on {from}")),
        };
        if let Some(why) = why {
            diags.push(
                Diagnostic::warning(
                    "A004",
                    format!(
                        "provider evidence is stale for `{}`: {why} (the run's date is {now})",
                        c.name.text
                    ),
                )
                .with_label(e.span, "not current")
                .with_help("ask the provider for the report that covers today (a newer report or a bridge letter) and update the period"),
            );
        }
        out.push(Evidence {
            uri: e.uri.value.clone(),
            from,
            to,
            validity,
            span: e.span,
        });
    }
    out
}

/// A005: a waiver should end, be owned and say why. One that does not
/// silences its control's violations forever with nothing in the report.
pub(super) fn waiver_honesty(w: &ast::Waiver, diags: &mut Vec<Diagnostic>) {
    let missing: Vec<&str> = [
        (w.until.is_none(), "end date (`until`)"),
        (w.by.is_none(), "owner (`by`)"),
        (w.because.is_none(), "reason (`because`)"),
    ]
    .into_iter()
    .filter_map(|(absent, what)| absent.then_some(what))
    .collect();
    if missing.is_empty() {
        return;
    }
    let what = match missing.as_slice() {
        [one] => (*one).to_string(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
        [] => String::new(),
    };
    let scope = if w.keys.is_none() {
        "every violation of"
    } else {
        "violations of"
    };
    diags.push(
        Diagnostic::warning(
            "A005",
            format!("waiver of `{}` names no {what}", w.control.text),
        )
        .with_label(w.control.span, format!("waives {scope} this control"))
        .with_help(format!(
            "write `waive {} for \"KEY\" until DATE by \"WHO\" because \"WHY\"`; --strict makes this an error",
            w.control.text
        )),
    );
}
