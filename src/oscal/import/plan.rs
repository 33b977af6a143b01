//! What the imported policy declares, decided from a `Document`: the model's
//! layers, the services with their overrides, the parties, one control per
//! responsibility and per provided statement (or per onus control when the
//! document carries onus's props), and the requirement → layer lines the
//! output states. Invariant: every name is a valid identifier, unique in
//! the output and distinct from keywords, enum words, fixed names and the
//! standard library's declarations; every control's layer has a decider on
//! its service.

use super::document::{Document, OnusControl, Statement};
use super::mapping::{Mapping, is_layer_name};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Who decides and who operates one layer of one service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cell {
    pub decider: String,
    pub operator: String,
}

#[derive(Debug)]
pub struct Service {
    pub name: String,
    pub doc: String,
    pub provider: Option<String>,
    pub host: Option<String>,
    pub tenant: Option<String>,
    /// Layers where this service differs from the model.
    pub overrides: BTreeMap<String, Cell>,
    /// All its layers, before the model took its share.
    cells: BTreeMap<String, Cell>,
    /// The provider's side of a component (its `provided` statements).
    provided_side: bool,
}

#[derive(Debug)]
pub struct Control {
    pub name: String,
    pub service: String,
    pub layer: String,
    pub refs: Vec<String>,
    pub title: String,
    pub doc: String,
}

/// A party that is neither `provider` nor `customer`.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Party {
    pub name: String,
    pub accountable_to: Option<String>,
}

/// How one requirement was placed, for the output's comments.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Placement {
    pub requirement: String,
    pub layer: String,
    /// The mapping key that decided, `onus props`, or `fallback`.
    pub by: String,
}

#[derive(Debug)]
pub struct Plan {
    pub model: String,
    pub extends: Option<String>,
    pub model_cells: BTreeMap<String, Cell>,
    pub services: Vec<Service>,
    pub controls: Vec<Control>,
    pub parties: Vec<Party>,
    /// Layers the mapping names that std does not declare.
    pub custom_layers: Vec<String>,
    pub placements: BTreeSet<Placement>,
    /// Whether any requirement was placed by onus's props.
    pub from_onus_props: bool,
}

/// Names the output may use: valid, unique, and not taken by the language.
pub struct Names {
    taken: BTreeSet<String>,
}

impl Names {
    pub fn new(std_names: impl IntoIterator<Item = String>) -> Names {
        let fixed = [
            "facts", "now", "controls", "services", "layers", "parties", "std",
        ];
        Names {
            taken: std_names
                .into_iter()
                .chain(fixed.into_iter().map(str::to_owned))
                .collect(),
        }
    }

    /// A fresh identifier made from `text` (`kind` when nothing is left of it).
    pub fn claim(&mut self, text: &str, kind: &str) -> String {
        let base = identifier(text, kind);
        let mut name = base.clone();
        let mut n = 2;
        while self.is_taken(&name) {
            name = format!("{base}_{n}");
            n += 1;
        }
        self.taken.insert(name.clone());
        name
    }

    fn is_taken(&self, name: &str) -> bool {
        self.taken.contains(name)
            || crate::lexer::is_keyword(name)
            || crate::value::Word::parse(name).is_some()
    }
}

/// `text` as an identifier: lower case, every run of other characters one
/// `_`, prefixed by `kind` when it would be empty or start with a digit.
pub fn identifier(text: &str, kind: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    let out = out.trim_end_matches('_');
    match out.chars().next() {
        None => kind.to_owned(),
        Some(c) if c.is_ascii_digit() => format!("{kind}_{out}"),
        Some(_) => out.to_owned(),
    }
}

/// What the plan is built with besides the document.
pub struct Inputs<'a> {
    pub model: Option<&'a str>,
    pub extends: Option<&'a str>,
    pub framework: &'a str,
    pub mapping: &'a Mapping,
    pub std_layers: &'a [String],
    pub std_models: &'a [String],
}

pub fn build(doc: &Document, inputs: &Inputs, names: &mut Names) -> Plan {
    let model = match inputs.model {
        Some(m) => {
            names.taken.insert(m.to_owned());
            m.to_owned()
        }
        None => names.claim(&doc.name, "imported"),
    };
    let mut builder = Builder {
        doc,
        inputs,
        names,
        services: Vec::new(),
        by_component: HashMap::new(),
        provided_sides: HashMap::new(),
        onus_names: HashMap::new(),
        controls: Vec::new(),
        flags: BTreeMap::new(),
        placements: BTreeSet::new(),
        parties: BTreeMap::new(),
        party_names: HashMap::new(),
        accountability: Vec::new(),
        from_onus_props: false,
    };
    for statement in &doc.statements {
        builder.statement(statement);
    }
    builder.finish(model)
}

#[derive(Default)]
struct Sides {
    provided: bool,
    responsibility: bool,
}

struct Builder<'a, 'n> {
    doc: &'a Document,
    inputs: &'a Inputs<'a>,
    names: &'n mut Names,
    services: Vec<Service>,
    by_component: HashMap<String, usize>,
    provided_sides: HashMap<usize, usize>,
    /// onus control name in the document → its index in `controls`.
    onus_names: HashMap<String, usize>,
    controls: Vec<Control>,
    /// (service index, layer) → which statements it has, for foreign documents.
    flags: BTreeMap<(usize, String), Sides>,
    placements: BTreeSet<Placement>,
    /// party → the party it answers to, if any.
    parties: BTreeMap<String, Option<String>>,
    /// A party's name in the document → its name in the output.
    party_names: HashMap<String, String>,
    /// (decider, operator, accountable) of every cell onus's props give.
    accountability: Vec<[String; 3]>,
    from_onus_props: bool,
}

impl Builder<'_, '_> {
    /// The service of a component (made on first use), by index.
    fn service(&mut self, component_uuid: &str) -> usize {
        if let Some(&i) = self.by_component.get(component_uuid) {
            return i;
        }
        let component = self
            .doc
            .components
            .iter()
            .find(|c| c.uuid == component_uuid);
        let props = component.and_then(|c| c.service.as_ref());
        let wanted = match (props, component) {
            (Some(p), _) => p.service.clone(),
            (None, Some(c)) => c.title.clone(),
            (None, None) => component_uuid.to_owned(),
        };
        let name = self.names.claim(&wanted, "service");
        let provider = props
            .and_then(|p| p.provider.clone())
            .or_else(|| Some(self.doc.name.clone()));
        let tenant = props
            .and_then(|p| p.tenant.as_deref())
            .filter(|t| *t != "customer")
            .map(|t| self.party(t));
        self.services.push(Service {
            name,
            doc: component.map(|c| c.description.clone()).unwrap_or_default(),
            provider,
            host: props.and_then(|p| p.host.clone()),
            tenant,
            overrides: BTreeMap::new(),
            cells: BTreeMap::new(),
            provided_side: false,
        });
        let i = self.services.len() - 1;
        self.by_component.insert(component_uuid.to_owned(), i);
        i
    }

    /// The provider's side of service `i`, where its provided statements live.
    fn provided_side(&mut self, i: usize) -> usize {
        if let Some(&p) = self.provided_sides.get(&i) {
            return p;
        }
        let main = &self.services[i];
        let name = self
            .names
            .claim(&format!("{}_provided", main.name), "service");
        let doc = format!(
            "What the provider provides to `{}` (the OSCAL `provided` statements): the provider decides these layers.",
            main.name
        );
        let provider = main.provider.clone();
        self.services.push(Service {
            name,
            doc,
            provider,
            host: None,
            tenant: None,
            overrides: BTreeMap::new(),
            cells: BTreeMap::new(),
            provided_side: true,
        });
        let p = self.services.len() - 1;
        self.provided_sides.insert(i, p);
        p
    }

    /// The output's name of a party the document names (declared on first
    /// use).
    fn party(&mut self, name: &str) -> String {
        if matches!(name, "provider" | "customer" | "shared" | "none") {
            return name.to_owned();
        }
        if let Some(n) = self.party_names.get(name) {
            return n.clone();
        }
        let n = self.names.claim(name, "party");
        self.party_names.insert(name.to_owned(), n.clone());
        self.parties.insert(n.clone(), None);
        n
    }

    fn statement(&mut self, statement: &Statement) {
        let i = self.service(&statement.component);
        let reference = format!("{}:{}", self.inputs.framework, statement.control_id);
        if !statement.onus.is_empty() {
            self.from_onus_props = true;
            for control in &statement.onus {
                self.onus_control(i, control, statement, &reference);
            }
            return;
        }
        let (layer, key) = self.inputs.mapping.layer(&statement.control_id);
        let layer = layer.to_owned();
        self.placements.insert(Placement {
            requirement: statement.control_id.clone(),
            layer: layer.clone(),
            by: key.map_or_else(|| "fallback".to_owned(), |k| format!("`{k}`")),
        });
        let part = statement
            .statement_id
            .as_deref()
            .unwrap_or(&statement.control_id);
        let sides = self.flags.entry((i, layer.clone())).or_default();
        sides.provided |= !statement.provided.is_empty();
        sides.responsibility |= !statement.responsibilities.is_empty();
        let service = self.services[i].name.clone();
        for text in &statement.responsibilities {
            let name = self.names.claim(&format!("{part}_{service}"), "control");
            self.controls.push(Control {
                name,
                service: service.clone(),
                layer: layer.clone(),
                refs: vec![reference.clone()],
                title: format!("{part}: the customer's responsibility on {service}"),
                doc: text.clone(),
            });
        }
        if statement.provided.is_empty() {
            return;
        }
        let p = self.provided_side(i);
        let provided_service = self.services[p].name.clone();
        self.services[p].cells.insert(
            layer.clone(),
            Cell {
                decider: "provider".into(),
                operator: "provider".into(),
            },
        );
        for text in &statement.provided {
            let name = self
                .names
                .claim(&format!("{part}_{provided_service}"), "control");
            self.controls.push(Control {
                name,
                service: provided_service.clone(),
                layer: layer.clone(),
                refs: vec![reference.clone()],
                title: format!("{part}: provided by the provider for {service}"),
                doc: text.clone(),
            });
        }
    }

    fn onus_control(
        &mut self,
        i: usize,
        control: &OnusControl,
        statement: &Statement,
        reference: &str,
    ) {
        // A layer prop that is no layer name is not trusted: the mapping decides.
        let (layer, by) = if is_layer_name(&control.layer) {
            (control.layer.clone(), "onus props".to_owned())
        } else {
            let (layer, key) = self.inputs.mapping.layer(&statement.control_id);
            (
                layer.to_owned(),
                key.map_or_else(|| "fallback".to_owned(), |k| format!("`{k}`")),
            )
        };
        self.placements.insert(Placement {
            requirement: statement.control_id.clone(),
            layer: layer.clone(),
            by,
        });
        let decider = self.party(&control.decider);
        let operator = self.party(&control.operator);
        let accountable = self.party(&control.accountable);
        self.accountability
            .push([decider.clone(), operator.clone(), accountable]);
        self.services[i].cells.entry(layer.clone()).or_insert(Cell {
            decider: decider.clone(),
            operator,
        });
        // Nothing can be checked on a layer that does not exist for the service.
        if decider == "none" {
            return;
        }
        let key = format!("{}\u{0}{}", self.services[i].name, control.control);
        if let Some(&c) = self.onus_names.get(&key) {
            if !self.controls[c].refs.iter().any(|r| r == reference) {
                self.controls[c].refs.push(reference.to_owned());
            }
            return;
        }
        let name = self.names.claim(&control.control, "control");
        let part = statement
            .statement_id
            .as_deref()
            .unwrap_or(&statement.control_id);
        // The statement text that names this control, when one does.
        let named = format!("`{}`", control.control);
        let doc = statement
            .responsibilities
            .iter()
            .chain(&statement.provided)
            .find(|text| text.contains(&named))
            .unwrap_or(&statement.description)
            .clone();
        self.controls.push(Control {
            name,
            service: self.services[i].name.clone(),
            layer,
            refs: vec![reference.to_owned()],
            title: format!("{part}: {}", control.control),
            doc,
        });
        self.onus_names.insert(key, self.controls.len() - 1);
    }

    /// Which parties are third parties, and to whom they answer: a party
    /// that is accountable somewhere is a team (a third party never answers
    /// for itself); one that never is answers to the accountable party of a
    /// cell it operates or, failing that, decides (a vendor that operates
    /// what a team decides is the usual case).
    fn third_parties(&mut self) {
        let teams: BTreeSet<&String> = self.accountability.iter().map(|[_, _, a]| a).collect();
        for (party, answers_to) in &mut self.parties {
            if teams.contains(party) {
                continue;
            }
            let operated = self.accountability.iter().find(|[_, o, _]| o == party);
            let decided = self.accountability.iter().find(|[d, _, _]| d == party);
            *answers_to = operated.or(decided).map(|[_, _, a]| a.clone());
        }
    }

    fn finish(mut self, model: String) -> Plan {
        // Foreign statements: provided only → provider; responsibility → customer, or shared with both.
        for ((i, layer), sides) in &self.flags {
            let decider = match (sides.provided, sides.responsibility) {
                (true, false) => "provider",
                (false, true) => "customer",
                _ => "shared",
            };
            self.services[*i]
                .cells
                .entry(layer.clone())
                .or_insert(Cell {
                    decider: decider.into(),
                    operator: decider.into(),
                });
        }
        self.third_parties();
        let mut model_cells: BTreeMap<String, Cell> = BTreeMap::new();
        for service in self.services.iter().filter(|s| !s.provided_side) {
            for (layer, cell) in &service.cells {
                model_cells
                    .entry(layer.clone())
                    .or_insert_with(|| cell.clone());
            }
        }
        for service in &mut self.services {
            service.overrides = service
                .cells
                .iter()
                .filter(|(layer, cell)| model_cells.get(*layer) != Some(cell))
                .map(|(l, c)| (l.clone(), c.clone()))
                .collect();
        }
        let known: BTreeSet<&str> = self.services.iter().map(|s| s.name.as_str()).collect();
        let hosts: Vec<Option<String>> = self
            .services
            .iter()
            .map(|s| s.host.clone().filter(|h| known.contains(h.as_str())))
            .collect();
        for (service, host) in self.services.iter_mut().zip(hosts) {
            service.host = host;
        }
        let extends = self.inputs.extends.map(str::to_owned).or_else(|| {
            let models: BTreeSet<&str> = self
                .doc
                .components
                .iter()
                .filter_map(|c| c.service.as_ref()?.model.as_deref())
                .collect();
            let only = (models.len() == 1)
                .then(|| models.into_iter().next())
                .flatten()?;
            self.inputs
                .std_models
                .iter()
                .any(|m| m == only)
                .then(|| only.to_owned())
        });
        let mut custom_layers: BTreeSet<String> = BTreeSet::new();
        for service in &self.services {
            for layer in service.cells.keys() {
                if !self.inputs.std_layers.contains(layer) {
                    custom_layers.insert(layer.clone());
                }
            }
        }
        Plan {
            model,
            extends,
            model_cells,
            services: self.services,
            controls: self.controls,
            parties: self
                .parties
                .into_iter()
                .map(|(name, accountable_to)| Party {
                    name,
                    accountable_to,
                })
                .collect(),
            custom_layers: custom_layers.into_iter().collect(),
            placements: self.placements,
            from_onus_props: self.from_onus_props,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_valid_and_unique() {
        assert_eq!(
            identifier("Leveraged IaaS System", "m"),
            "leveraged_iaas_system"
        );
        assert_eq!(identifier("ac-2_stmt.a", "c"), "ac_2_stmt_a");
        assert_eq!(identifier("\"}{\n", "c"), "c");
        assert_eq!(identifier("2fa", "c"), "c_2fa");
        let mut names = Names::new(["iaas".to_owned()]);
        assert_eq!(names.claim("iaas", "m"), "iaas_2");
        assert_eq!(names.claim("for", "m"), "for_2");
        assert_eq!(names.claim("customer", "m"), "customer_2");
        assert_eq!(names.claim("x", "m"), "x");
        assert_eq!(names.claim("x", "m"), "x_2");
    }
}
