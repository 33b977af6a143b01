//! The introspection lists `controls`, `services`, `layers` and `parties`
//! (SPEC §3): the checked program in, owned values out, so assertions can
//! query the policy itself.

use crate::check::program::{Program, Status};
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
            let services = Value::list(
                c.services
                    .iter()
                    .map(|s| Value::string(program.services[*s].id.as_str()))
                    .collect(),
            );
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
                ("owner", Value::Word(c.owner)),
                ("decider", c.decider.map_or(Value::Null, Value::Word)),
                ("operator", opt_str(&c.operator)),
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

pub fn services(program: &Program) -> Value<'static> {
    let items = program
        .services
        .iter()
        .map(|s| {
            let layers = Value::object(
                s.matrix
                    .iter()
                    .map(|(l, cell)| {
                        let v = object(vec![
                            ("decider", Value::Word(cell.decider)),
                            ("operator", Value::string(cell.operator())),
                            ("override", Value::Bool(cell.is_override)),
                        ]);
                        (Arc::<str>::from(program.layers[*l].id.as_str()), v)
                    })
                    .collect(),
            );
            let mut entries = vec![
                ("id", Value::string(s.id.as_str())),
                ("model", Value::string(program.models[s.model].id.as_str())),
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
                    ("kind", Value::string(p.kind.as_str())),
                    ("accountable_to", opt_str(&p.accountable_to)),
                    ("doc", opt_str(&p.doc)),
                ])
            })
            .collect(),
    )
}
