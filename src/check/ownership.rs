//! Static ownership analysis (SPEC §4): model and service declarations in,
//! responsibility matrices and the O001–O006 diagnostics out. Runs on every
//! load, before evaluation; it needs no facts.

use super::Env;
use super::lower::with_suggestion;
use super::program::{Cell, Control, Decider, Matrix, Model, PartyId, Program, Resolved, Service};
use crate::ast::{self, Assignment};
use crate::diagnostic::Diagnostic;
use crate::source::Span;
use crate::value::Word;
use std::collections::HashMap;

/// One assignment list (a model's entries or a service's overrides) read
/// into cells, reporting unknown layers, bad deciders, unknown parties and
/// O002 conflicts.
pub(super) fn read_assignments(
    entries: &[&Assignment],
    origin: &str,
    is_override: bool,
    env: &Env,
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
        let Some(decider) = decider(&a.decider, env) else {
            diags.push(
                Diagnostic::error("T006", format!("`{}` is not a decider", a.decider.text))
                    .with_label(a.decider.span, "expected provider, customer, shared, none or a declared party")
                    .with_help("the decider is who can decide and change the layer; name who runs it with `operated_by PARTY`"),
            );
            continue;
        };
        let operated_by = a.operated_by.as_ref().and_then(|op| {
            let party = env.party(&op.text);
            if party.is_none() {
                let d = Diagnostic::error("N006", format!("unknown party `{}`", op.text))
                    .with_label(op.span, "not a declared party");
                diags.push(with_suggestion(d, &op.text, env.party_names()));
            }
            party
        });
        let cell = Cell {
            decider,
            operated_by,
            origin: origin.to_string(),
            is_override,
            span: a.span,
        };
        if let Some(previous) = matrix.get(&layer) {
            let (before, now) = (
                env.decider_name(previous.decider),
                env.decider_name(decider),
            );
            if previous.decider != decider {
                diags.push(
                    Diagnostic::error(
                        "O002",
                        format!(
                            "conflicting ownership: `{origin}` assigns layer `{}` twice, to {before} and to {now}",
                            a.layer.text,
                        ),
                    )
                    .with_label(a.span, format!("assigned to {now} here"))
                    .with_label(previous.span, format!("already assigned to {before} here"))
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

/// A decider as written: an ownership word, or a declared party.
fn decider(name: &ast::Name, env: &Env) -> Option<Decider> {
    match Word::parse(&name.text) {
        Some(w) => Decider::from_word(w),
        None => env.party(&name.text).map(Decider::Party),
    }
}

/// Resolves `extends` (refusing unknown parents and cycles) and computes
/// each model's matrix: the parent's entries, then its own.
pub(super) fn build_models(
    decls: &[(&ast::Item, &ast::Model, bool)],
    env: &Env,
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
            read_assignments(&entries, &m.name.text, false, env, diags)
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

/// The diagnostics of SPEC §4 that concern services, controls and waivers,
/// judged on the resolved matrices (after `on` chains).
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

/// What a service is built from, for messages: `model `m``, `host `h``.
fn makers(program: &Program, service: &Service) -> String {
    let model = service
        .model
        .map(|m| format!("model `{}`", program.models[m].id));
    let host = service
        .host
        .map(|h| format!("host `{}`", program.services[h].id));
    match (model, host) {
        (Some(m), Some(h)) => format!("neither its {m} nor its {h}"),
        (Some(m), None) => m,
        (None, Some(h)) => h,
        (None, None) => "nothing".into(),
    }
}

fn unowned_std_layers(program: &Program, service: &Service, diags: &mut Vec<Diagnostic>) {
    let model = service.model.map(|m| &program.models[m]);
    for (i, layer) in program.layers.iter().enumerate() {
        if !layer.std || service.matrix.contains_key(&i) {
            continue;
        }
        let label = match (model, service.host) {
            (Some(m), None) => format!(
                "model `{}` neither assigns `{}` nor marks it `none`",
                m.id, layer.id
            ),
            _ => format!(
                "{} assigns `{}` or marks it `none`",
                makers(program, service),
                layer.id
            ),
        };
        let help = match (model, service.host) {
            // Only tenant models leave std layers out: they are meant to be
            // built on a host.
            (Some(m), None) if m.std => format!(
                "`{0}` is a tenant model: it leaves the layers of the service it runs on unassigned; build this one on it: `service {1}: {0} on HOST`",
                m.id, service.id
            ),
            (Some(m), None) => format!(
                "add `{}: customer` (or provider, shared, none) to model `{}`, or override it in this service",
                layer.id, m.id
            ),
            _ => format!(
                "add `{}: customer` (or provider, shared, none) to this service, its model or its host",
                layer.id
            ),
        };
        diags.push(
            Diagnostic::warning(
                "O001",
                format!(
                    "unowned layer: `{}` has no decider in service `{}`",
                    layer.id, service.id
                ),
            )
            .with_label(service.span, label)
            .with_help(help),
        );
    }
}

/// Where a resolved layer was assigned, for labels: `model `m``, `service
/// `s` overrides it`, or the same on the host it was inherited from.
fn origin(program: &Program, service: usize, resolved: &Resolved) -> String {
    let cell = &resolved.cell;
    if resolved.source == service {
        return if cell.is_override {
            format!("service `{}` overrides it", cell.origin)
        } else {
            format!("model `{}`", cell.origin)
        };
    }
    let host = &program.services[resolved.source].id;
    if cell.is_override {
        format!("host `{host}` overrides it")
    } else {
        format!("host `{host}`, model `{}`", cell.origin)
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
        let Some(resolved) = service.matrix.get(&layer_idx) else {
            if !program.layers[layer_idx].std {
                let label = match (service.model, service.host) {
                    (Some(m), None) => {
                        format!(
                            "model `{}` does not assign this layer",
                            program.models[m].id
                        )
                    }
                    _ => format!("{} assigns this layer", makers(program, service)),
                };
                diags.push(
                    Diagnostic::warning(
                        "O001",
                        format!(
                            "unowned layer: `{layer}` has no decider in service `{}`",
                            service.id
                        ),
                    )
                    .with_label(layer_span, label)
                    .with_help(format!(
                        "add `{layer}: customer` (or provider, shared) to the model or the service"
                    )),
                );
            }
            continue;
        };
        let from = origin(program, s, resolved);
        if resolved.decider() == Decider::None {
            diags.push(
                Diagnostic::error(
                    "O005",
                    format!(
                        "control `{}` is on layer `{layer}`, which does not exist for service `{}`",
                        control.id, service.id
                    ),
                )
                .with_label(layer_span, format!("`{layer}` is `none` here ({from})"))
                .with_label(resolved.cell.span, "marked `none` here"),
            );
            continue;
        }
        if let Some(d) = misattribution(
            program, control, layer, service, resolved, &from, layer_span,
        ) {
            diags.push(d);
        }
    }
    if !matches!(control.owner, Decider::PROVIDER | Decider::None)
        && !control.checked()
        && !program.vouched_for(control)
    {
        diags.push(
            Diagnostic::warning(
                "O004",
                format!(
                    "unverified: control `{}` is {}-owned but has no `require`",
                    control.id,
                    program.decider_name(control.owner)
                ),
            )
            .with_label(control.span, "nothing checks this control")
            .with_help("add `for ... require ...` so the facts can show it holds; until then its status is `unverified`"),
        );
    }
}

/// A party in a sentence: `the provider`, `the customer`, or `` `name` ``.
fn phrase(program: &Program, party: PartyId) -> String {
    match party {
        PartyId::PROVIDER => "the provider".into(),
        PartyId::CUSTOMER => "the customer".into(),
        p => format!("`{}`", program.party_name(p)),
    }
}

/// O003: the control's explicit `owner` against who decides the layer.
///
/// An **error** when the claim names a party other than the one that
/// consumes the service and decides the layer: the service's tenant (the
/// customer by default) when it decides or shares the layer, and the
/// customer whenever the claim is "the provider handles it" on a layer the
/// customer decides or shares. On a `shared` layer a claim by either side
/// is fine. Every other mismatch is a warning. With only the provider and
/// the customer, these are exactly the two-party rules of SPEC §4.
fn misattribution(
    program: &Program,
    control: &Control,
    layer: &str,
    service: &Service,
    resolved: &Resolved,
    from: &str,
    layer_span: Span,
) -> Option<Diagnostic> {
    let (claim, claim_span) = control.explicit_owner?;
    let decider = resolved.decider();
    if claim == decider {
        return None;
    }
    let operated = match resolved.cell.operated_by {
        Some(op) => format!(" and {} operates it", phrase(program, op)),
        None => String::new(),
    };
    let answering = match claim {
        Decider::Party(p) if decider.includes(service.tenant) && p != service.tenant => {
            Some(service.tenant)
        }
        Decider::PROVIDER if decider.includes(PartyId::CUSTOMER) => Some(PartyId::CUSTOMER),
        _ => None,
    };
    if let (Some(answering), Decider::Party(claimed)) = (answering, claim) {
        let who = phrase(program, answering);
        let (who_decides, verb) = if decider == Decider::Shared {
            (format!("{who} shares the decision on"), "shares")
        } else {
            (format!("{who} decides"), "decides")
        };
        let claimed_phrase = phrase(program, claimed);
        let may = if claimed == PartyId::PROVIDER {
            "the provider may operate the platform".to_string()
        } else {
            format!("{claimed_phrase} may operate it")
        };
        return Some(
            Diagnostic::error(
                "O003",
                format!(
                    "misattribution: `{}` claims {claimed_phrase} owns `{layer}` of `{}`, but {who_decides} {layer}",
                    control.id, service.id
                ),
            )
            .with_label(claim_span, format!("\"{claimed_phrase} handles it\""))
            .with_label(layer_span, format!("{who_decides} {layer} ({from}){operated}"))
            .with_help(format!(
                "{who} {verb} `{layer}`: {may}, but {who} still answers for this decision; write `owner = {}` or drop the claim",
                program.party_name(answering)
            )),
        );
    }
    // On a shared layer a claim by either side is a part of the truth.
    if decider == Decider::Shared && matches!(claim, Decider::Party(p) if decider.includes(p)) {
        return None;
    }
    let who = match decider {
        Decider::Party(p) => format!("{} decides", phrase(program, p)),
        _ => "the provider and the customer share the decision on".into(),
    };
    let claims = match claim {
        Decider::Party(p) => format!("{} owns", phrase(program, p)),
        _ => "the customer and the provider share".into(),
    };
    Some(
        Diagnostic::warning(
            "O003",
            format!(
                "misattribution: `{}` claims {claims} `{layer}` of `{}`, but {who} {layer}",
                control.id, service.id
            ),
        )
        .with_label(
            claim_span,
            format!("claims {}", program.decider_name(claim)),
        )
        .with_label(layer_span, format!("{who} it ({from}){operated}")),
    )
}
