//! Services: their declarations in, checked `Service`s out. Each has its
//! model, its host (`on HOST`), its tenant, what it says itself (its model's
//! entries, then its overrides) and its resolved matrix: for each layer its
//! own assignment, else its host's resolved one, following `on` to any
//! depth, with who is accountable for it.
//!
//! Reports unknown models and hosts, a service with neither (N011), `on`
//! cycles with every span of the cycle (N008), chains longer than
//! `MAX_CHAIN` (L010), and bad attributes and tenants. A service
//! that cannot be built (unknown model or host, a cycle, a host that cannot
//! be built) is left out, as an unknown model always was; the error says why.
//! Invariant: the host chains of the returned services are acyclic and every
//! host index points into them.

use super::lower::{Lowerer, with_suggestion};
use super::ownership::read_assignments;
use super::program::{
    Cell, Decider, IrKind, Matrix, Party, PartyId, PartyKind, Program, Resolved, ResolvedMatrix,
    Service,
};
use super::{Env, Symbol};
use crate::ast::{self, ExprKind, ServiceMember};
use crate::diagnostic::Diagnostic;
use crate::value::{Value, Word};
use std::collections::HashMap;

/// Names the `services` list gives every service itself.
const RESERVED_ATTRS: &[&str] = &["id", "model", "host", "doc", "layers"];

/// One declaration read, before hosts are resolved.
struct Draft<'m> {
    item: &'m ast::Item,
    decl: &'m ast::Service,
    model: Option<usize>,
    own: Matrix,
    attrs: Vec<(String, Value<'static>)>,
    tenant: PartyId,
    /// Its model is known, or it has none but names a host.
    buildable: bool,
}

pub(super) fn services(
    decls: &[(&ast::Item, &ast::Service)],
    env: &Env,
    program: &Program,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Service> {
    let drafts: Vec<Draft<'_>> = decls
        .iter()
        .map(|(item, s)| draft(item, s, env, program, diags))
        .collect();
    let index: HashMap<&str, usize> = drafts
        .iter()
        .enumerate()
        .map(|(i, d)| (d.decl.name.text.as_str(), i))
        .collect();
    let hosts: Vec<Option<Option<usize>>> = drafts
        .iter()
        .map(|d| d.decl.host.as_ref().map(|h| host(h, &index, env, diags)))
        .collect();
    let built = buildable_chains(&drafts, &hosts, diags);

    // Final indices: the buildable services, in declaration order.
    let mut position = vec![None; drafts.len()];
    let mut out: Vec<Service> = Vec::new();
    for (i, d) in drafts.into_iter().enumerate() {
        if !built[i] {
            continue;
        }
        position[i] = Some(out.len());
        out.push(Service {
            id: d.decl.name.text.clone(),
            doc: d.item.doc.clone(),
            model: d.model,
            host: None,
            tenant: d.tenant,
            attrs: d.attrs,
            own: d.own,
            matrix: ResolvedMatrix::new(),
            span: d.decl.name.span,
        });
    }
    for (i, host) in hosts.iter().enumerate() {
        if let (Some(at), Some(Some(h))) = (position[i], host) {
            out[at].host = position[*h];
        }
    }
    resolve(&mut out, &program.parties);
    out
}

/// Reads a declaration: its model, own assignments, attributes and tenant.
fn draft<'m>(
    item: &'m ast::Item,
    s: &'m ast::Service,
    env: &Env,
    program: &Program,
    diags: &mut Vec<Diagnostic>,
) -> Draft<'m> {
    let models = &program.models;
    let model = s
        .model
        .as_ref()
        .map(|name| match env.symbols.get(&name.text) {
            Some(Symbol::Model(m)) => Some(*m),
            Some(Symbol::Broken) => None,
            _ => {
                let d = Diagnostic::error("N007", format!("unknown model `{}`", name.text))
                    .with_label(name.span, "no model has this name");
                let names = models.iter().map(|m| m.id.as_str());
                let d = with_suggestion(d, &name.text, names);
                let d = if models.iter().any(|m| m.std) || d.help.is_some() {
                    d
                } else {
                    d.with_help(
                    "the standard models (iaas, paas, saas, managed_database, ...) need `use std`",
                )
                };
                diags.push(d);
                None
            }
        });
    if s.model.is_none() && s.host.is_none() {
        diags.push(
            Diagnostic::error(
                "N011",
                format!("service `{}` names no model and no host", s.name.text),
            )
            .with_label(s.name.span, "who decides its layers?")
            .with_help(format!(
                "write `service {0}: MODEL {{ ... }}`, or `service {0} on HOST {{ ... }}` to build it on another service",
                s.name.text
            )),
        );
    }
    let overrides: Vec<&ast::Assignment> = s
        .members
        .iter()
        .filter_map(|m| match m {
            ServiceMember::Override(a) => Some(a),
            ServiceMember::Attr(..) => None,
        })
        .collect();
    let mut own = model
        .flatten()
        .map(|m| models[m].matrix.clone())
        .unwrap_or_default();
    own.extend(read_assignments(&overrides, &s.name.text, true, env, diags));
    let (attrs, tenant) = attributes(s, env, diags);
    Draft {
        item,
        decl: s,
        model: model.flatten(),
        own,
        attrs,
        tenant,
        buildable: match model {
            Some(m) => m.is_some(),
            None => s.host.is_some(),
        },
    }
}

/// The `key = value` attributes (constants), and the tenant among them.
fn attributes(
    s: &ast::Service,
    env: &Env,
    diags: &mut Vec<Diagnostic>,
) -> (Vec<(String, Value<'static>)>, PartyId) {
    let mut attrs: Vec<(String, Value<'static>)> = Vec::new();
    let mut tenant = None;
    for m in &s.members {
        let ServiceMember::Attr(name, e) = m else {
            continue;
        };
        if RESERVED_ATTRS.contains(&name.text.as_str()) {
            diags.push(
                Diagnostic::error(
                    "N003",
                    format!("`{}` cannot be a service attribute", name.text),
                )
                .with_label(name.span, "reserved: `services` lists it already"),
            );
            continue;
        }
        let repeated = if name.text == "tenant" {
            tenant.is_some()
        } else {
            attrs.iter().any(|(n, _)| *n == name.text)
        };
        if repeated {
            diags.push(
                Diagnostic::error("N002", format!("attribute `{}` is set twice", name.text))
                    .with_label(name.span, "set again here"),
            );
            continue;
        }
        if name.text == "tenant" {
            tenant = Some(tenant_party(e, env, diags).unwrap_or(PartyId::CUSTOMER));
            continue;
        }
        let mut lw = Lowerer::new(env);
        let value = lw.lower(e);
        diags.append(&mut lw.diags);
        match value.kind {
            IrKind::Const(v) => attrs.push((name.text.clone(), v)),
            _ => diags.push(
                Diagnostic::error(
                    "T007",
                    format!("service attribute `{}` is not a constant", name.text),
                )
                .with_label(e.span, "computed from facts or variables")
                .with_help(
                    "attributes describe the service; compute values from facts in controls",
                ),
            ),
        }
    }
    (attrs, tenant.unwrap_or(PartyId::CUSTOMER))
}

/// `tenant = PARTY`: a party's name, `customer` or `provider` included.
fn tenant_party(e: &ast::Expr, env: &Env, diags: &mut Vec<Diagnostic>) -> Option<PartyId> {
    let ExprKind::Name(n) = &e.kind else {
        diags.push(
            Diagnostic::error("T006", "`tenant` takes a party name")
                .with_label(e.span, "not a party name")
                .with_help(
                    "the tenant is the party that consumes the service: `tenant = payments`",
                ),
        );
        return None;
    };
    if let Some(party) = env.party(n) {
        return Some(party);
    }
    if env.is_broken(n) {
        return None;
    }
    if Word::parse(n).is_some() {
        diags.push(
            Diagnostic::error("T006", format!("`{n}` is not a party"))
                .with_label(e.span, "not one party")
                .with_help("the tenant is the one party that consumes the service: the customer, or a declared team or third party"),
        );
        return None;
    }
    let d = Diagnostic::error("N006", format!("unknown party `{n}`"))
        .with_label(e.span, "not a declared party");
    diags.push(
        with_suggestion(d, n, env.party_names()).or_help(format!("declare it: `party {n}: team`")),
    );
    None
}

/// `on HOST`: the declaration it names; None when it names no service
/// (reported here, unless the name's own declaration did not parse).
fn host(
    name: &ast::Name,
    index: &HashMap<&str, usize>,
    env: &Env,
    diags: &mut Vec<Diagnostic>,
) -> Option<usize> {
    if let Some(&i) = index.get(name.text.as_str()) {
        return Some(i);
    }
    if !env.is_broken(&name.text) {
        let d = Diagnostic::error("N004", format!("unknown service `{}`", name.text))
            .with_label(name.span, "no service has this name");
        let d = with_suggestion(d, &name.text, index.keys().copied());
        let d = if matches!(env.symbols.get(&name.text), Some(Symbol::Model(_))) {
            d.with_help(format!(
                "`on` takes the service this one runs on; `{}` is a model: write `: {}`",
                name.text, name.text
            ))
        } else {
            d
        };
        diags.push(d);
    }
    None
}

/// The longest `on` chain a service may sit on. Real tiers are a handful
/// deep; the bound keeps tiers (listed per cell and per control) small
/// whatever the input.
pub const MAX_CHAIN: usize = 64;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Visit {
    Pending,
    OnPath,
    /// Whether it can be built, and the length of its chain.
    Done(bool, usize),
}

/// Where the walk up a chain of hosts stopped.
enum Stop {
    /// At a declaration already judged.
    Judged(bool, usize),
    /// At the last one walked: it has no host.
    Root,
    /// At the last one walked: it cannot be built, or its host is unknown.
    Broken,
    Cycle,
}

/// Which declarations can be built: buildable themselves, on a host that
/// can be built, at most `MAX_CHAIN` deep. Each `on` cycle is reported
/// once, with every span of it. Linear: each declaration is walked once.
fn buildable_chains(
    drafts: &[Draft<'_>],
    hosts: &[Option<Option<usize>>],
    diags: &mut Vec<Diagnostic>,
) -> Vec<bool> {
    let mut visit = vec![Visit::Pending; drafts.len()];
    for start in 0..drafts.len() {
        let mut path = Vec::new();
        let mut at = start;
        let stop = loop {
            match visit[at] {
                Visit::Done(ok, depth) => break Stop::Judged(ok, depth),
                Visit::OnPath => {
                    let from = path.iter().position(|&p| p == at).unwrap_or(0);
                    diags.push(cycle(drafts, &path[from..]));
                    break Stop::Cycle;
                }
                Visit::Pending => {
                    visit[at] = Visit::OnPath;
                    path.push(at);
                    if !drafts[at].buildable {
                        break Stop::Broken;
                    }
                    match hosts[at] {
                        None => break Stop::Root,
                        Some(None) => break Stop::Broken,
                        Some(Some(h)) => at = h,
                    }
                }
            }
        };
        // Judge the path from its far end back to `start`.
        let mut below = match stop {
            Stop::Judged(ok, depth) => (ok, depth),
            Stop::Root | Stop::Broken => {
                let state = if matches!(stop, Stop::Root) {
                    (true, 1)
                } else {
                    (false, 0)
                };
                if let Some(last) = path.pop() {
                    visit[last] = Visit::Done(state.0, state.1);
                }
                state
            }
            Stop::Cycle => (false, 0),
        };
        for &p in path.iter().rev() {
            below = match below {
                (true, depth) if depth >= MAX_CHAIN => {
                    diags.push(too_deep(drafts[p].decl));
                    (false, 0)
                }
                (true, depth) => (true, depth + 1),
                (false, _) => (false, 0),
            };
            visit[p] = Visit::Done(below.0, below.1);
        }
    }
    visit
        .into_iter()
        .map(|v| matches!(v, Visit::Done(true, _)))
        .collect()
}

fn too_deep(decl: &ast::Service) -> Diagnostic {
    let d = Diagnostic::error(
        "L010",
        format!(
            "service `{}` is built on a chain of more than {MAX_CHAIN} services",
            decl.name.text
        ),
    );
    let d = match &decl.host {
        Some(h) => d.with_label(
            h.span,
            format!("this host is already on a chain of {MAX_CHAIN}"),
        ),
        None => d,
    };
    d.with_help("build the service on a host nearer the provider")
}

/// N008 for the services of one `on` cycle, in the order the chain runs.
fn cycle(drafts: &[Draft<'_>], members: &[usize]) -> Diagnostic {
    let names: Vec<String> = members
        .iter()
        .map(|&m| format!("`{}`", drafts[m].decl.name.text))
        .collect();
    let first = &drafts[members[0]].decl.name.text;
    let message = if members.len() == 1 {
        format!("service `{first}` is built on itself")
    } else {
        format!(
            "`on` cycle: service `{first}` is built on itself through {}",
            names[1..].join(", ")
        )
    };
    let mut d = Diagnostic::error("N008", message);
    for (k, &m) in members.iter().enumerate() {
        let decl = drafts[m].decl;
        let next = &drafts[members[(k + 1) % members.len()]].decl.name.text;
        if let Some(h) = &decl.host {
            d = d.with_label(
                h.span,
                format!("`{}` is built on `{next}` here", decl.name.text),
            );
        }
    }
    d.with_help(format!(
        "a service's layers resolve from its host, so the chain must end: {} -> {}; remove one `on`",
        names.join(" -> "),
        names[0]
    ))
}

/// Each service's resolved matrix: its host's (resolved first), then its
/// own cells over it. Chains are acyclic here.
fn resolve(services: &mut [Service], parties: &[Party]) {
    let mut done = vec![false; services.len()];
    for start in 0..services.len() {
        // The unresolved part of the chain, from `start` down.
        let mut chain = Vec::new();
        let mut at = Some(start);
        while let Some(s) = at.filter(|s| !done[*s] && chain.len() <= services.len()) {
            chain.push(s);
            at = services[s].host;
        }
        for &s in chain.iter().rev() {
            let mut matrix = services[s]
                .host
                .map(|h| services[h].matrix.clone())
                .unwrap_or_default();
            for (layer, cell) in &services[s].own {
                matrix.insert(
                    *layer,
                    Resolved {
                        cell: cell.clone(),
                        accountable: accountable(cell, parties),
                        source: s,
                    },
                );
            }
            services[s].matrix = matrix;
            done[s] = true;
        }
    }
}

/// Who answers for a layer: a third party that decides it answers to its
/// `accountable_to` party (itself, when it names none); a layer a third
/// party operates stays with that party's `accountable_to` (the decider,
/// when it names none); every other layer with its decider.
fn accountable(cell: &Cell, parties: &[Party]) -> Decider {
    let answers_to = |party: PartyId| {
        parties
            .get(party.index())
            .filter(|p| p.kind == PartyKind::ThirdParty)
            .map(|p| p.accountable_to)
    };
    if let Decider::Party(decider) = cell.decider
        && let Some(to) = answers_to(decider)
    {
        return to.map_or(cell.decider, Decider::Party);
    }
    if let Some(operator) = cell.operated_by
        && let Some(Some(to)) = answers_to(operator)
    {
        return Decider::Party(to);
    }
    cell.decider
}

#[cfg(test)]
mod tests {
    use crate::check::program::{Decider, PartyId, Program, Roles};
    use crate::eval::Options;
    use crate::session::Session;

    fn program(src: &str) -> Program {
        let mut s = Session::new(Options {
            now: jiff::civil::date(2026, 11, 22),
            max_steps: None,
            timeout: None,
            jobs: None,
            show_passed: false,
        });
        s.load_source("policy.onus", src.into());
        s.check();
        assert!(!s.has_errors(), "{:?}", s.diagnostics);
        s.program
    }

    /// The API the OSCAL export reads: per service and layer, who decides,
    /// operates and answers for it, and the tier it was found through.
    #[test]
    fn the_resolved_matrix_names_every_role_and_tier() {
        let p = program(
            "use std\nparty platform: team\nparty payments: team\n\
             party soc: third_party accountable_to payments\n\
             service cluster: managed_kubernetes { guest_os: platform operated_by provider }\n\
             service ns: kubernetes_namespace on cluster { tenant = payments  monitoring: payments operated_by soc }\n",
        );
        let (cluster, ns) = (p.service("cluster").unwrap(), p.service("ns").unwrap());
        let party = |n: &str| p.party(n).unwrap();
        let guest_os = p.resolved(ns, p.layer("guest_os").unwrap()).unwrap();
        assert_eq!(guest_os.decider(), Decider::Party(party("platform")));
        assert_eq!(guest_os.operator(), Decider::PROVIDER);
        assert_eq!(guest_os.accountable, Decider::Party(party("platform")));
        assert_eq!(p.tier(ns, guest_os), vec![ns, cluster]);
        let monitoring = p.resolved(ns, p.layer("monitoring").unwrap()).unwrap();
        assert_eq!(monitoring.operator(), Decider::Party(party("soc")));
        assert_eq!(monitoring.accountable, Decider::Party(party("payments")));
        assert_eq!(p.tier(ns, monitoring), vec![ns]);
        assert_eq!(
            p.roles(party("soc"), monitoring),
            Roles {
                decides: false,
                operates: true,
                accountable: false
            }
        );
        assert_eq!(p.services[ns].tenant, party("payments"));
        assert_eq!(p.services[cluster].tenant, PartyId::CUSTOMER);
        // `shared` counts as a decision of both sides.
        let runtime = p.resolved(ns, p.layer("runtime").unwrap()).unwrap();
        assert!(p.roles(PartyId::PROVIDER, runtime).decides);
        assert!(!p.roles(party("platform"), runtime).any());
    }
}
