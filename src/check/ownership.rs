//! Static ownership analysis (SPEC §4): model and service declarations in,
//! responsibility matrices and the O001–O006 diagnostics out. Runs on every
//! load, before evaluation; it needs no facts.

use super::Env;
use super::lower::with_suggestion;
use super::program::{Cell, Control, Matrix, Model, Program, Service};
use crate::ast::{self, Assignment};
use crate::diagnostic::Diagnostic;
use crate::source::Span;
use crate::value::{Word, WordClass};
use std::collections::HashMap;

/// One assignment list (a model's entries or a service's overrides) read
/// into cells, reporting unknown layers, bad deciders, unknown parties and
/// O002 conflicts.
pub(super) fn read_assignments(
    entries: &[&Assignment],
    origin: &str,
    is_override: bool,
    env: &Env,
    parties: &[&str],
    diags: &mut Vec<Diagnostic>,
) -> Matrix {
    let mut matrix = Matrix::new();
    for a in entries {
        let Some(&layer) = env.layers.get(&a.layer.text) else {
            let d = Diagnostic::error("N005", format!("unknown layer `{}`", a.layer.text))
                .with_label(a.layer.span, "no `layer` declaration has this name");
            diags.push(with_suggestion(d, &a.layer.text, env.layers.keys().map(String::as_str)).or_help(
                "declare it with `layer NAME \"description\"`, or `use std` for the standard layers",
            ));
            continue;
        };
        let decider = match Word::parse(&a.decider.text) {
            Some(w) if w.class() == WordClass::Ownership => w,
            _ => {
                diags.push(
                    Diagnostic::error("T006", format!("`{}` is not a decider", a.decider.text))
                        .with_label(a.decider.span, "expected provider, customer, shared or none")
                        .with_help("the decider is who can decide and change the layer; name who runs it with `operated_by PARTY`"),
                );
                continue;
            }
        };
        if let Some(op) = &a.operated_by
            && !parties.contains(&op.text.as_str())
        {
            let d = Diagnostic::error("N006", format!("unknown party `{}`", op.text))
                .with_label(op.span, "not a declared party");
            diags.push(with_suggestion(d, &op.text, parties.iter().copied()));
        }
        let cell = Cell {
            decider,
            operated_by: a.operated_by.as_ref().map(|p| p.text.clone()),
            origin: origin.to_string(),
            is_override,
            span: a.span,
        };
        if let Some(previous) = matrix.get(&layer) {
            if previous.decider != decider {
                diags.push(
                    Diagnostic::error(
                        "O002",
                        format!(
                            "conflicting ownership: `{origin}` assigns layer `{}` twice, to {} and to {}",
                            a.layer.text,
                            previous.decider.name(),
                            decider.name()
                        ),
                    )
                    .with_label(a.span, format!("assigned to {} here", decider.name()))
                    .with_label(previous.span, format!("already assigned to {} here", previous.decider.name()))
                    .with_help("a layer has one decider; use `shared` when both decide"),
                );
            } else {
                diags.push(
                    Diagnostic::warning(
                        "W001",
                        format!("layer `{}` is assigned twice in `{origin}`", a.layer.text),
                    )
                    .with_label(a.span, "repeated assignment")
                    .with_label(previous.span, "first assigned here"),
                );
            }
            continue;
        }
        matrix.insert(layer, cell);
    }
    matrix
}

/// Resolves `extends` (refusing unknown parents and cycles) and computes
/// each model's matrix: the parent's entries, then its own.
pub(super) fn build_models(
    decls: &[(&ast::Item, &ast::Model, bool)],
    env: &Env,
    parties: &[&str],
    diags: &mut Vec<Diagnostic>,
) -> Vec<Model> {
    let index: HashMap<&str, usize> = decls
        .iter()
        .enumerate()
        .map(|(i, (_, m, _))| (m.name.text.as_str(), i))
        .collect();
    let own: Vec<Matrix> = decls
        .iter()
        .map(|(_, m, _)| {
            let entries: Vec<&Assignment> = m.entries.iter().collect();
            read_assignments(&entries, &m.name.text, false, env, parties, diags)
        })
        .collect();
    let parents: Vec<Option<usize>> = decls
        .iter()
        .map(|(_, m, _)| {
            let parent = m.extends.as_ref()?;
            let found = index.get(parent.text.as_str()).copied();
            if found.is_none() && !env.is_broken(&parent.text) {
                let d = Diagnostic::error("N007", format!("unknown model `{}`", parent.text))
                    .with_label(parent.span, "no model has this name");
                diags.push(with_suggestion(d, &parent.text, index.keys().copied()));
            }
            found
        })
        .collect();
    let mut models = Vec::with_capacity(decls.len());
    for (i, (item, m, std)) in decls.iter().enumerate() {
        let mut chain = vec![i];
        let mut cur = parents[i];
        let mut cyclic = false;
        while let Some(p) = cur {
            if chain.contains(&p) {
                cyclic = true;
                break;
            }
            chain.push(p);
            cur = parents[p];
        }
        if cyclic {
            diags.push(
                Diagnostic::error("N008", format!("model `{}` extends itself", m.name.text))
                    .with_label(m.name.span, "its `extends` chain comes back to it"),
            );
        }
        let mut matrix = Matrix::new();
        for &ancestor in chain.iter().rev() {
            for (layer, cell) in &own[ancestor] {
                matrix.insert(*layer, cell.clone());
            }
        }
        models.push(Model {
            id: m.name.text.clone(),
            doc: item.doc.clone(),
            parent: if cyclic { None } else { parents[i] },
            matrix,
            std: *std,
            span: m.name.span,
        });
    }
    models
}

/// The diagnostics of SPEC §4 that concern services, controls and waivers.
pub(super) fn analyze(
    program: &Program,
    control_layer_spans: &[Span],
    diags: &mut Vec<Diagnostic>,
) {
    for service in &program.services {
        unowned_std_layers(program, service, diags);
    }
    for (control, layer_span) in program.controls.iter().zip(control_layer_spans) {
        control_ownership(program, control, *layer_span, diags);
    }
    for waiver in &program.waivers {
        if waiver.expired {
            let until = waiver.until.map(|d| d.to_string()).unwrap_or_default();
            diags.push(
                Diagnostic::warning(
                    "O006",
                    format!(
                        "waiver for `{}` expired on {until}; its violations count again",
                        program.controls[waiver.control].id
                    ),
                )
                .with_label(waiver.span, "expired waiver")
                .with_help("renew it with a new `until` date and a reason, or fix the violations"),
            );
        }
    }
}

fn unowned_std_layers(program: &Program, service: &Service, diags: &mut Vec<Diagnostic>) {
    let model = &program.models[service.model];
    for (i, layer) in program.layers.iter().enumerate() {
        if layer.std && !service.matrix.contains_key(&i) {
            diags.push(
                Diagnostic::warning(
                    "O001",
                    format!("unowned layer: `{}` has no decider in service `{}`", layer.id, service.id),
                )
                .with_label(service.span, format!("model `{}` neither assigns `{}` nor marks it `none`", model.id, layer.id))
                .with_help(format!(
                    "add `{}: customer` (or provider, shared, none) to model `{}`, or override it in this service",
                    layer.id, model.id
                )),
            );
        }
    }
}

fn control_ownership(
    program: &Program,
    control: &Control,
    layer_span: Span,
    diags: &mut Vec<Diagnostic>,
) {
    let Some(layer_idx) = control.layer else {
        return;
    };
    let layer = &program.layers[layer_idx].id;
    for &s in &control.services {
        let service = &program.services[s];
        let Some(cell) = service.matrix.get(&layer_idx) else {
            if !program.layers[layer_idx].std {
                diags.push(
                    Diagnostic::warning(
                        "O001",
                        format!(
                            "unowned layer: `{layer}` has no decider in service `{}`",
                            service.id
                        ),
                    )
                    .with_label(
                        layer_span,
                        format!(
                            "model `{}` does not assign this layer",
                            program.models[service.model].id
                        ),
                    )
                    .with_help(format!(
                        "add `{layer}: customer` (or provider, shared) to the model or the service"
                    )),
                );
            }
            continue;
        };
        let from = if cell.is_override {
            format!("service `{}` overrides it", service.id)
        } else {
            format!("model `{}`", cell.origin)
        };
        if cell.decider == Word::None {
            diags.push(
                Diagnostic::error(
                    "O005",
                    format!(
                        "control `{}` is on layer `{layer}`, which does not exist for service `{}`",
                        control.id, service.id
                    ),
                )
                .with_label(layer_span, format!("`{layer}` is `none` here ({from})"))
                .with_label(cell.span, "marked `none` here"),
            );
            continue;
        }
        if let Some(d) = misattribution(control, layer, &service.id, cell, &from, layer_span) {
            diags.push(d);
        }
    }
    if !matches!(control.owner, Word::Provider | Word::None)
        && !control.checked()
        && !program.vouched_for(control)
    {
        diags.push(
            Diagnostic::warning(
                "O004",
                format!("unverified: control `{}` is {}-owned but has no `require`", control.id, control.owner.name()),
            )
            .with_label(control.span, "nothing checks this control")
            .with_help("add `for ... require ...` so the facts can show it holds; until then its status is `unverified`"),
        );
    }
}

/// O003: the control's explicit `owner` against who decides the layer.
fn misattribution(
    control: &Control,
    layer: &str,
    service: &str,
    cell: &Cell,
    from: &str,
    layer_span: Span,
) -> Option<Diagnostic> {
    let claim = control.explicit_owner?;
    let decider = cell.decider;
    // On a shared layer only "the provider handles it" is wrong.
    if claim.0 == decider || (decider == Word::Shared && claim.0 != Word::Provider) {
        return None;
    }
    let who = match decider {
        Word::Customer => "the customer decides",
        Word::Provider => "the provider decides",
        _ => "the customer shares the decision on",
    };
    let operated = match &cell.operated_by {
        Some(op) if matches!(op.as_str(), "provider" | "customer") => {
            format!(" and the {op} operates it")
        }
        Some(op) => format!(" and {op} operates it"),
        None => String::new(),
    };
    if claim.0 == Word::Provider {
        let shares = if decider == Word::Shared {
            "shares"
        } else {
            "decides"
        };
        return Some(
            Diagnostic::error(
                "O003",
                format!(
                    "misattribution: `{}` claims the provider owns `{layer}` of `{service}`, but {who} {layer}",
                    control.id
                ),
            )
            .with_label(claim.1, "\"the provider handles it\"")
            .with_label(layer_span, format!("{who} {layer} ({from}){operated}"))
            .with_help(format!(
                "the customer {shares} `{layer}`: the provider may operate the platform, but the customer still answers for this decision; write `owner = customer` or drop the claim"
            )),
        );
    }
    Some(
        Diagnostic::warning(
            "O003",
            format!(
                "misattribution: `{}` claims {} `{layer}` of `{service}`, but {who} {layer}",
                control.id,
                match claim.0 {
                    Word::Customer => "the customer owns",
                    _ => "the customer and the provider share",
                }
            ),
        )
        .with_label(claim.1, format!("claims {}", claim.0.name()))
        .with_label(layer_span, format!("{who} it ({from}){operated}")),
    )
}
