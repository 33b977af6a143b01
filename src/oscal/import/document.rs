//! Reading an OSCAL system security plan or component definition for the
//! import. In: the file's bytes. Out: a `Document` holding only what the
//! import uses (components, the statements each makes about a requirement,
//! onus's own props), or one diagnostic with a code: O102 not JSON, O103 a
//! document of another kind, O104 a required part missing or of the wrong
//! shape (named by its JSON pointer). Invariant: never panics; every part
//! the OSCAL schema makes optional may be absent.

#![allow(
    clippy::result_large_err,
    reason = "a document is read once per run; its one refusal is rendered at once"
)]

use crate::diagnostic::Diagnostic;
use crate::oscal::NAMESPACE;
use serde_json::{Map, Value};

/// The kinds of document the import reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    SystemSecurityPlan,
    ComponentDefinition,
}

impl Kind {
    pub fn root_key(self) -> &'static str {
        match self {
            Kind::SystemSecurityPlan => "system-security-plan",
            Kind::ComponentDefinition => "component-definition",
        }
    }
}

/// What the import needs of one document.
#[derive(Debug)]
pub struct Document {
    pub kind: Kind,
    pub uuid: String,
    /// `metadata.title`.
    pub title: String,
    /// The system's name (SSP) or the document's title (component
    /// definition, whose components are the services): what the model is
    /// named after by default.
    pub name: String,
    /// Descriptions and links of the profile or catalog the document
    /// answers (import-profile, control-implementation sources), to
    /// recognise the framework.
    pub framework_hints: Vec<String>,
    pub components: Vec<Component>,
    pub statements: Vec<Statement>,
}

#[derive(Debug)]
pub struct Component {
    pub uuid: String,
    pub title: String,
    pub description: String,
    /// onus's props when onus exported the document.
    pub service: Option<ServiceProps>,
}

/// The onus props of a component that is an onus service.
#[derive(Debug, Default)]
pub struct ServiceProps {
    pub service: String,
    pub model: Option<String>,
    pub provider: Option<String>,
    pub host: Option<String>,
    pub tenant: Option<String>,
}

/// One onus control as the props of a statement give it.
#[derive(Debug, Default, Clone)]
pub struct OnusControl {
    pub control: String,
    pub layer: String,
    pub decider: String,
    pub operator: String,
    pub accountable: String,
}

/// What one component says about one requirement (an SSP `by-component`, or
/// a component definition's implemented requirement or statement).
#[derive(Debug)]
pub struct Statement {
    pub control_id: String,
    /// The statement id (`ac-2_stmt.a`) when the text answers one part.
    pub statement_id: Option<String>,
    pub component: String,
    pub description: String,
    /// Descriptions of what the provider provides (`export.provided`,
    /// `inherited`, or a provider's own implementation).
    pub provided: Vec<String>,
    /// Descriptions of what is left to the customer
    /// (`export.responsibilities`, `satisfied`, a customer role).
    pub responsibilities: Vec<String>,
    pub onus: Vec<OnusControl>,
}

/// Reads a document from the bytes of `name`.
pub fn read(name: &str, bytes: &[u8]) -> Result<Document, Diagnostic> {
    let root: Value = serde_json::from_slice(bytes).map_err(|e| {
        Diagnostic::error("O102", format!("{name} is not valid JSON: {e}")).at(
            name,
            e.line(),
            e.column(),
        )
    })?;
    let (kind, body) = [Kind::SystemSecurityPlan, Kind::ComponentDefinition]
        .into_iter()
        .find_map(|k| root.get(k.root_key()).map(|b| (k, b)))
        .ok_or_else(|| {
            let found = match &root {
                Value::Object(m) => match m.keys().next() {
                    Some(key) => format!("its top-level key is `{key}`"),
                    None => "it is an empty object".into(),
                },
                _ => "it is not a JSON object".into(),
            };
            Diagnostic::error(
                "O103",
                format!("{name} is not an OSCAL system security plan or component definition: {found}"),
            )
            .with_help("onus import oscal reads a JSON document whose top-level key is `system-security-plan` or `component-definition`")
        })?;
    let at = Reader { name };
    let pointer = format!("/{}", kind.root_key());
    let body = at.object(body, &pointer)?;
    let uuid = at.string(body, "uuid", &pointer)?;
    let metadata = at.object(
        at.required(body, "metadata", &pointer)?,
        &format!("{pointer}/metadata"),
    )?;
    let title = at.string(metadata, "title", &format!("{pointer}/metadata"))?;
    match kind {
        Kind::SystemSecurityPlan => at.ssp(body, &pointer, uuid, title),
        Kind::ComponentDefinition => at.component_definition(body, &pointer, uuid, title),
    }
}

/// Reads parts of a document, naming the file in its refusals.
struct Reader<'n> {
    name: &'n str,
}

type Object = Map<String, Value>;

impl Reader<'_> {
    fn missing(&self, pointer: &str, what: &str) -> Diagnostic {
        Diagnostic::error(
            "O104",
            format!("{}: {pointer} {what}", self.name),
        )
        .with_help("the OSCAL 1.x schemas of system-security-plan and component-definition say which parts are required")
    }

    fn required<'v>(&self, obj: &'v Object, key: &str, at: &str) -> Result<&'v Value, Diagnostic> {
        obj.get(key)
            .ok_or_else(|| self.missing(&format!("{at}/{key}"), "is missing"))
    }

    fn object<'v>(&self, v: &'v Value, at: &str) -> Result<&'v Object, Diagnostic> {
        v.as_object()
            .ok_or_else(|| self.missing(at, "is not an object"))
    }

    fn string(&self, obj: &Object, key: &str, at: &str) -> Result<String, Diagnostic> {
        match self.required(obj, key, at)? {
            Value::String(s) => Ok(s.clone()),
            _ => Err(self.missing(&format!("{at}/{key}"), "is not a string")),
        }
    }

    fn optional_string(&self, obj: &Object, key: &str, at: &str) -> Result<String, Diagnostic> {
        match obj.get(key) {
            None => Ok(String::new()),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(_) => Err(self.missing(&format!("{at}/{key}"), "is not a string")),
        }
    }

    /// The objects of an optional array, each with its pointer.
    fn objects<'v>(
        &self,
        obj: &'v Object,
        key: &str,
        at: &str,
    ) -> Result<Vec<(String, &'v Object)>, Diagnostic> {
        let Some(v) = obj.get(key) else {
            return Ok(Vec::new());
        };
        let items = v
            .as_array()
            .ok_or_else(|| self.missing(&format!("{at}/{key}"), "is not an array"))?;
        items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let p = format!("{at}/{key}/{i}");
                self.object(item, &p).map(|o| (p, o))
            })
            .collect()
    }

    fn ssp(
        &self,
        body: &Object,
        at: &str,
        uuid: String,
        title: String,
    ) -> Result<Document, Diagnostic> {
        let chars_at = format!("{at}/system-characteristics");
        let chars = self.object(
            self.required(body, "system-characteristics", at)?,
            &chars_at,
        )?;
        let name = self.string(chars, "system-name", &chars_at)?;
        let implementation_at = format!("{at}/system-implementation");
        let implementation = self.object(
            self.required(body, "system-implementation", at)?,
            &implementation_at,
        )?;
        let components = self.components(implementation, &implementation_at)?;
        let control_at = format!("{at}/control-implementation");
        let control = self.object(
            self.required(body, "control-implementation", at)?,
            &control_at,
        )?;
        let mut statements = Vec::new();
        let requirements = self.objects(control, "implemented-requirements", &control_at)?;
        if requirements.is_empty() {
            return Err(self.missing(
                &format!("{control_at}/implemented-requirements"),
                "is missing or empty",
            ));
        }
        for (p, requirement) in requirements {
            let control_id = self.string(requirement, "control-id", &p)?;
            // A requirement answers by component directly, or statement by statement.
            for (q, by) in self.objects(requirement, "by-components", &p)? {
                statements.push(self.by_component(by, &q, &control_id, None)?);
            }
            for (q, statement) in self.objects(requirement, "statements", &p)? {
                let statement_id = self.string(statement, "statement-id", &q)?;
                for (r, by) in self.objects(statement, "by-components", &q)? {
                    statements.push(self.by_component(by, &r, &control_id, Some(&statement_id))?);
                }
            }
        }
        let mut framework_hints = resource_hints(body);
        if let Some(Value::String(href)) = body.get("import-profile").and_then(|p| p.get("href")) {
            framework_hints.push(href.clone());
        }
        Ok(Document {
            kind: Kind::SystemSecurityPlan,
            uuid,
            title,
            name,
            framework_hints,
            components,
            statements,
        })
    }

    fn components(&self, parent: &Object, at: &str) -> Result<Vec<Component>, Diagnostic> {
        self.objects(parent, "components", at)?
            .into_iter()
            .map(|(p, c)| {
                Ok(Component {
                    uuid: self.string(c, "uuid", &p)?,
                    title: self.string(c, "title", &p)?,
                    description: self.optional_string(c, "description", &p)?,
                    service: service_props(c),
                })
            })
            .collect()
    }

    fn by_component(
        &self,
        by: &Object,
        at: &str,
        control_id: &str,
        statement_id: Option<&str>,
    ) -> Result<Statement, Diagnostic> {
        let mut provided = Vec::new();
        let mut responsibilities = Vec::new();
        if let Some(export) = by.get("export") {
            let export_at = format!("{at}/export");
            let export = self.object(export, &export_at)?;
            for (p, item) in self.objects(export, "provided", &export_at)? {
                provided.push(self.string(item, "description", &p)?);
            }
            for (p, item) in self.objects(export, "responsibilities", &export_at)? {
                responsibilities.push(self.string(item, "description", &p)?);
            }
        }
        for (p, item) in self.objects(by, "inherited", at)? {
            provided.push(self.string(item, "description", &p)?);
        }
        for (p, item) in self.objects(by, "satisfied", at)? {
            responsibilities.push(self.string(item, "description", &p)?);
        }
        let description = self.string(by, "description", at)?;
        // A by-component that exports nothing describes how the system
        // itself implements the requirement: the provider's part.
        if provided.is_empty() && responsibilities.is_empty() {
            provided.push(description.clone());
        }
        Ok(Statement {
            control_id: control_id.to_owned(),
            statement_id: statement_id.map(str::to_owned),
            component: self.string(by, "component-uuid", at)?,
            description,
            provided,
            responsibilities,
            onus: onus_controls(by),
        })
    }

    fn component_definition(
        &self,
        body: &Object,
        at: &str,
        uuid: String,
        title: String,
    ) -> Result<Document, Diagnostic> {
        let components = self.components(body, at)?;
        if components.is_empty() {
            return Err(self.missing(&format!("{at}/components"), "is missing or empty"));
        }
        let mut statements = Vec::new();
        let mut framework_hints = resource_hints(body);
        for (p, component) in self.objects(body, "components", at)? {
            let component_uuid = self.string(component, "uuid", &p)?;
            for (q, implementation) in self.objects(component, "control-implementations", &p)? {
                framework_hints.push(self.optional_string(implementation, "source", &q)?);
                framework_hints.push(self.optional_string(implementation, "description", &q)?);
                for (r, requirement) in
                    self.objects(implementation, "implemented-requirements", &q)?
                {
                    let control_id = self.string(requirement, "control-id", &r)?;
                    let parts = self.objects(requirement, "statements", &r)?;
                    if parts.is_empty() {
                        statements.push(self.implemented(
                            requirement,
                            &r,
                            &control_id,
                            None,
                            &component_uuid,
                        )?);
                    }
                    for (s, part) in parts {
                        let statement_id = self.string(part, "statement-id", &s)?;
                        let mut statement = self.implemented(
                            part,
                            &s,
                            &control_id,
                            Some(&statement_id),
                            &component_uuid,
                        )?;
                        // onus props may sit on the requirement rather than its statements.
                        if statement.onus.is_empty() {
                            statement.onus = onus_controls(requirement);
                        }
                        statements.push(statement);
                    }
                }
            }
        }
        Ok(Document {
            kind: Kind::ComponentDefinition,
            uuid,
            name: title.clone(),
            title,
            framework_hints,
            components,
            statements,
        })
    }

    /// A component definition's requirement or statement: the product's
    /// own implementation, unless a customer role is responsible for it.
    fn implemented(
        &self,
        part: &Object,
        at: &str,
        control_id: &str,
        statement_id: Option<&str>,
        component: &str,
    ) -> Result<Statement, Diagnostic> {
        let description = self.optional_string(part, "description", at)?;
        let customer = self
            .objects(part, "responsible-roles", at)?
            .iter()
            .any(|(_, role)| matches!(role.get("role-id"), Some(Value::String(r)) if r.contains("customer")));
        let (provided, responsibilities) = if customer {
            (Vec::new(), vec![description.clone()])
        } else {
            (vec![description.clone()], Vec::new())
        };
        Ok(Statement {
            control_id: control_id.to_owned(),
            statement_id: statement_id.map(str::to_owned),
            component: component.to_owned(),
            description,
            provided,
            responsibilities,
            onus: onus_controls(part),
        })
    }
}

/// The descriptions and links of the back-matter resources.
fn resource_hints(body: &Object) -> Vec<String> {
    let mut hints = Vec::new();
    let resources = body
        .get("back-matter")
        .and_then(|b| b.get("resources"))
        .and_then(Value::as_array);
    for resource in resources.into_iter().flatten() {
        for key in ["title", "description"] {
            if let Some(Value::String(s)) = resource.get(key) {
                hints.push(s.clone());
            }
        }
    }
    hints
}

/// onus's props of an object, in order, as (name, value).
fn onus_props(obj: &Object) -> Vec<(&str, &str)> {
    let Some(Value::Array(props)) = obj.get("props") else {
        return Vec::new();
    };
    props
        .iter()
        .filter(|p| p.get("ns").and_then(Value::as_str) == Some(NAMESPACE))
        .filter_map(|p| Some((p.get("name")?.as_str()?, p.get("value")?.as_str()?)))
        .filter(|(_, value)| !value.is_empty())
        .collect()
}

fn service_props(component: &Object) -> Option<ServiceProps> {
    let mut props = ServiceProps::default();
    for (name, value) in onus_props(component) {
        let slot = match name {
            "onus-service" => {
                props.service = value.to_owned();
                continue;
            }
            "model" => &mut props.model,
            "provider" => &mut props.provider,
            "host" => &mut props.host,
            "tenant" => &mut props.tenant,
            _ => continue,
        };
        *slot = Some(value.to_owned());
    }
    (!props.service.is_empty()).then_some(props)
}

/// The onus controls a statement's props describe: each `onus-control`
/// starts a set that the following `layer`, `decider`, `operator` and
/// `accountable` complete. A set without its layer or decider is left out.
fn onus_controls(obj: &Object) -> Vec<OnusControl> {
    let mut sets: Vec<OnusControl> = Vec::new();
    for (name, value) in onus_props(obj) {
        if name == "onus-control" {
            sets.push(OnusControl {
                control: value.to_owned(),
                ..OnusControl::default()
            });
            continue;
        }
        let Some(set) = sets.last_mut() else {
            continue;
        };
        match name {
            "layer" => set.layer = value.to_owned(),
            "decider" => set.decider = value.to_owned(),
            "operator" => set.operator = value.to_owned(),
            "accountable" => set.accountable = value.to_owned(),
            _ => {}
        }
    }
    sets.retain(|s| !s.layer.is_empty() && !s.decider.is_empty());
    for set in &mut sets {
        if set.operator.is_empty() {
            set.operator = set.decider.clone();
        }
        if set.accountable.is_empty() {
            set.accountable = set.decider.clone();
        }
    }
    sets
}
