//! The introspection lists `controls`, `services`, `layers` and `parties`
//! (SPEC §3): the checked program in, owned values out, so assertions can
//! query the policy itself.

use crate::check::program::{Decider, Program, Status};
use crate::value::Value;
use std::sync::Arc;

fn object(entries: Vec<(&str, Value<'static>)>) -> Value<'static> {
    Value::object(
        entries
            .into_iter()
            .map(|(k, v)| (Arc::<str>::from(k), v))
            .collect(),
    )
}

fn opt_str(s: &Option<String>) -> Value<'static> {
    s.as_deref().map_or(Value::Null, Value::string)
}

/// `controls`; `statuses` is None before evaluation (status null).
pub fn controls(program: &Program, statuses: Option<&[Status]>) -> Value<'static> {
    let items = program
        .controls
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let service = c.services.first().map_or(Value::Null, |s| {
                Value::string(program.services[*s].id.as_str())
            });
            let services = service_names(program, &c.services);
            let layer = c.layer.map_or(Value::Null, |l| {
                Value::string(program.layers[l].id.as_str())
            });
            let status = statuses
                .and_then(|s| s.get(i))
                .map_or(Value::Null, |s| Value::Text(s.as_str()));
            object(vec![
                ("id", Value::string(c.id.as_str())),
                ("service", service),
                ("services", services),
                ("layer", layer),
                ("owner", program.decider_value(c.owner)),
                ("decider", decider(program, c.decider)),
                ("operator", name(program, c.operator)),
                ("accountable", name(program, c.accountable)),
                ("tier", service_names(program, &c.tier)),
                ("severity", Value::Word(c.severity)),
                ("enforce", Value::Word(c.enforce)),
                ("checked", Value::Bool(c.checked())),
                ("status", status),
                ("team", opt_str(&c.team)),
                ("title", opt_str(&c.title)),
                (
                    "refs",
                    Value::list(c.refs.iter().map(|r| Value::string(r.as_str())).collect()),
                ),
                ("doc", opt_str(&c.doc)),
            ])
        })
        .collect();
    Value::list(items)
}

/// A decider as a value (an ownership word or a party's name); null when
/// the layer is unassigned.
fn decider(program: &Program, d: Option<Decider>) -> Value<'static> {
    d.map_or(Value::Null, |d| program.decider_value(d))
}

/// Who operates or answers for a layer, as a string (as `operator` always
/// was); null when the layer is unassigned.
fn name(program: &Program, d: Option<Decider>) -> Value<'static> {
    d.map_or(Value::Null, |d| Value::string(program.decider_name(d)))
}

fn service_names(program: &Program, services: &[usize]) -> Value<'static> {
    Value::list(
        services
            .iter()
            .map(|s| Value::string(program.services[*s].id.as_str()))
            .collect(),
    )
}

pub fn services(program: &Program) -> Value<'static> {
    let items = program
        .services
        .iter()
        .enumerate()
        .map(|(index, s)| {
            let layers = Value::object(
                s.matrix
                    .iter()
                    .map(|(l, r)| {
                        let v = object(vec![
                            ("decider", program.decider_value(r.decider())),
                            (
                                "operator",
                                Value::string(program.decider_name(r.operator())),
                            ),
                            (
                                "accountable",
                                Value::string(program.decider_name(r.accountable)),
                            ),
                            ("override", Value::Bool(r.cell.is_override)),
                            ("tier", service_names(program, &program.tier(index, r))),
                        ]);
                        (Arc::<str>::from(program.layers[*l].id.as_str()), v)
                    })
                    .collect(),
            );
            let model = s.model.map_or(Value::Null, |m| {
                Value::string(program.models[m].id.as_str())
            });
            let host = s.host.map_or(Value::Null, |h| {
                Value::string(program.services[h].id.as_str())
            });
            let mut entries = vec![
                ("id", Value::string(s.id.as_str())),
                ("model", model),
                ("host", host),
                ("tenant", program.decider_value(Decider::Party(s.tenant))),
                ("doc", opt_str(&s.doc)),
                ("layers", layers),
            ];
            entries.extend(s.attrs.iter().map(|(k, v)| (k.as_str(), v.clone())));
            object(entries)
        })
        .collect();
    Value::list(items)
}

pub fn layers(program: &Program) -> Value<'static> {
    Value::list(
        program
            .layers
            .iter()
            .map(|l| {
                object(vec![
                    ("id", Value::string(l.id.as_str())),
                    ("description", opt_str(&l.description)),
                    ("doc", opt_str(&l.doc)),
                    ("std", Value::Bool(l.std)),
                ])
            })
            .collect(),
    )
}

pub fn parties(program: &Program) -> Value<'static> {
    Value::list(
        program
            .parties
            .iter()
            .map(|p| {
                object(vec![
                    ("id", Value::string(p.id.as_str())),
                    ("kind", Value::Text(p.kind.name())),
                    (
                        "accountable_to",
                        p.accountable_to
                            .map_or(Value::Null, |a| Value::string(program.party_name(a))),
                    ),
                    ("doc", opt_str(&p.doc)),
                ])
            })
            .collect(),
    )
}
