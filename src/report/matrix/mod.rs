//! The shared responsibility matrix (`onus matrix`). In: a checked program
//! and, when facts were given, its evaluation outcome. Out: a `Matrix` of
//! layers × services — who decides each cell, who operates it and who is
//! accountable for it, the host it was inherited from (`on`), whether a
//! service overrides its model there, and the controls on it with their
//! statuses — and its renderings (text, markdown, mermaid, html, json);
//! also one party's view of it (`--party`): the cells where it decides,
//! operates or is accountable.
//!
//! Invariants: rows are the standard layers in std order, then custom
//! layers in declaration order; columns are services in declaration order;
//! cells are the resolved matrices of the checked program; a control counts
//! in the cell of each service it covers; statuses exist exactly when the
//! outcome came from facts.

mod html;
mod mermaid;
mod party;
mod text;

use crate::check::program::{Decider, PartyId, PartyKind, Program, Resolved, Roles, Status};
use crate::eval::{ControlResult, Outcome};
use serde::Serialize;
use std::fmt;
use std::str::FromStr;

/// The formats of `onus matrix --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatrixFormat {
    Text,
    Markdown,
    Mermaid,
    Html,
    Json,
}

impl MatrixFormat {
    pub const ALL: [MatrixFormat; 5] = [
        MatrixFormat::Text,
        MatrixFormat::Markdown,
        MatrixFormat::Mermaid,
        MatrixFormat::Html,
        MatrixFormat::Json,
    ];

    pub fn name(self) -> &'static str {
        match self {
            MatrixFormat::Text => "text",
            MatrixFormat::Markdown => "markdown",
            MatrixFormat::Mermaid => "mermaid",
            MatrixFormat::Html => "html",
            MatrixFormat::Json => "json",
        }
    }
}

impl fmt::Display for MatrixFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for MatrixFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        MatrixFormat::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| {
                format!(
                    "unknown format `{s}`; expected {}",
                    super::output::choices(&MatrixFormat::ALL)
                )
            })
    }
}

/// One control on a cell, with its status when facts were evaluated.
#[derive(Clone, Copy, Debug)]
pub struct CellControl {
    pub control: usize,
    pub status: Option<Status>,
}

/// What kind of party decides a cell: its colour, and the side of the
/// boundary the Mermaid drawing puts it on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeciderClass {
    Provider,
    Shared,
    Customer,
    Team,
    ThirdParty,
    None,
    Unassigned,
}

impl DeciderClass {
    pub const ALL: [DeciderClass; 7] = [
        DeciderClass::Provider,
        DeciderClass::Shared,
        DeciderClass::Customer,
        DeciderClass::Team,
        DeciderClass::ThirdParty,
        DeciderClass::None,
        DeciderClass::Unassigned,
    ];

    pub fn name(self) -> &'static str {
        match self {
            DeciderClass::Provider => "provider",
            DeciderClass::Shared => "shared",
            DeciderClass::Customer => "customer",
            DeciderClass::Team => "team",
            DeciderClass::ThirdParty => "third_party",
            DeciderClass::None => "none",
            DeciderClass::Unassigned => "unassigned",
        }
    }

    /// A sentence for legends and tooltips.
    pub fn meaning(self) -> &'static str {
        match self {
            DeciderClass::Provider => "the provider decides and changes this layer",
            DeciderClass::Customer => "the customer decides and changes this layer",
            DeciderClass::Shared => "both decide: each answers for its part",
            DeciderClass::Team => "a team of the customer decides and changes this layer",
            DeciderClass::ThirdParty => {
                "a third party decides this layer and answers to its accountable_to party"
            }
            DeciderClass::None => "the layer does not exist in this service",
            DeciderClass::Unassigned => "no model or override assigns this layer",
        }
    }

    fn of(program: &Program, decider: Option<Decider>) -> DeciderClass {
        match decider {
            None => DeciderClass::Unassigned,
            Some(Decider::Shared) => DeciderClass::Shared,
            Some(Decider::None) => DeciderClass::None,
            Some(Decider::Party(p)) => match program.parties.get(p.index()).map(|p| p.kind) {
                Some(PartyKind::Provider) => DeciderClass::Provider,
                Some(PartyKind::Customer) => DeciderClass::Customer,
                Some(PartyKind::ThirdParty) => DeciderClass::ThirdParty,
                _ => DeciderClass::Team,
            },
        }
    }
}

/// One service's assignment of one layer, resolved through its `on` chain.
#[derive(Debug)]
pub struct MatrixCell<'a> {
    pub layer: usize,
    pub service: usize,
    /// None: nothing on the service's chain assigns the layer (unassigned).
    pub resolved: Option<&'a Resolved>,
    /// The decider's name: provider, customer, shared, none, a declared
    /// party, or `unassigned`.
    pub decider: &'a str,
    pub class: DeciderClass,
    /// Who operates the layer, when that is not the decider.
    pub operator: Option<&'a str>,
    /// Who answers for the layer, when that is not the decider.
    pub accountable: Option<&'a str>,
    /// The host the cell was inherited from (the end of its tier).
    pub inherited_from: Option<&'a str>,
    pub controls: Vec<CellControl>,
}

impl MatrixCell<'_> {
    /// The service itself, not its model, assigns this layer.
    pub fn is_override(&self) -> bool {
        self.resolved
            .is_some_and(|r| r.cell.is_override && r.source == self.service)
    }

    /// How many of its controls have `status`.
    pub fn count(&self, status: Status) -> usize {
        self.controls
            .iter()
            .filter(|c| c.status == Some(status))
            .count()
    }

    /// A control on this cell failed or could not be evaluated.
    pub fn failing(&self) -> bool {
        self.controls
            .iter()
            .any(|c| matches!(c.status, Some(Status::Fail | Status::Error)))
    }

    /// Statuses present on the cell, worst first, with their counts.
    pub fn status_counts(&self) -> Vec<(Status, usize)> {
        ORDER
            .into_iter()
            .map(|s| (s, self.count(s)))
            .filter(|(_, n)| *n > 0)
            .collect()
    }
}

/// Statuses from the most to the least urgent, as cells list them.
pub const ORDER: [Status; 8] = [
    Status::Fail,
    Status::Error,
    Status::Unverified,
    Status::Waived,
    Status::Attested,
    Status::Pass,
    Status::Inherited,
    Status::Unevaluated,
];

pub struct Matrix<'a> {
    pub program: &'a Program,
    /// Layer indices, one per row.
    pub rows: Vec<usize>,
    /// Service indices, one per column.
    pub columns: Vec<usize>,
    /// Row-major: `cells[row * columns.len() + column]`.
    pub cells: Vec<MatrixCell<'a>>,
    /// Statuses come from evaluating facts.
    pub evaluated: bool,
    /// Each control's result (subjects, violations, errors) when evaluated.
    pub results: Option<&'a [ControlResult]>,
}

impl<'a> Matrix<'a> {
    /// The matrix of every loaded service; `outcome` gives statuses and is
    /// used only when `evaluated` (facts were given).
    pub fn build(
        program: &'a Program,
        outcome: Option<&'a Outcome>,
        evaluated: bool,
    ) -> Matrix<'a> {
        let std_layers = (0..program.layers.len()).filter(|l| program.layers[*l].std);
        let custom_layers = (0..program.layers.len()).filter(|l| !program.layers[*l].std);
        let rows: Vec<usize> = std_layers.chain(custom_layers).collect();
        let columns: Vec<usize> = (0..program.services.len()).collect();
        let mut cells: Vec<MatrixCell<'a>> = rows
            .iter()
            .flat_map(|&layer| {
                columns
                    .iter()
                    .map(move |&service| cell(program, service, layer))
            })
            .collect();
        let statuses = outcome.filter(|_| evaluated).map(|o| &o.controls);
        for (index, control) in program.controls.iter().enumerate() {
            let Some(layer) = control.layer else { continue };
            let Some(row) = rows.iter().position(|l| *l == layer) else {
                continue;
            };
            for service in &control.services {
                if let Some(cell) = cells.get_mut(row * columns.len() + service) {
                    cell.controls.push(CellControl {
                        control: index,
                        status: statuses.and_then(|s| s.get(index)).map(|r| r.status),
                    });
                }
            }
        }
        Matrix {
            program,
            rows,
            columns,
            cells,
            evaluated,
            results: statuses.map(Vec::as_slice),
        }
    }

    pub fn cell(&self, row: usize, column: usize) -> Option<&MatrixCell<'a>> {
        self.cells.get(row * self.columns.len() + column)
    }

    pub fn layer_id(&self, row: usize) -> &'a str {
        self.rows
            .get(row)
            .map_or("", |l| self.program.layers[*l].id.as_str())
    }

    pub fn service_id(&self, column: usize) -> &'a str {
        self.columns
            .get(column)
            .map_or("", |s| self.program.services[*s].id.as_str())
    }

    pub fn model_id(&self, column: usize) -> &'a str {
        self.columns
            .get(column)
            .and_then(|s| self.program.services[*s].model)
            .and_then(|m| self.program.models.get(m))
            .map_or("", |m| m.id.as_str())
    }

    /// What a column's service is built from: `iaas`, `kubernetes_namespace
    /// on eks_prod`, `on eks_prod`.
    pub fn made_of(&self, column: usize) -> String {
        let host = self
            .columns
            .get(column)
            .and_then(|s| self.program.services[*s].host)
            .map(|h| self.program.services[h].id.as_str());
        match (self.model_id(column), host) {
            (model, None) => model.to_string(),
            ("", Some(host)) => format!("on {host}"),
            (model, Some(host)) => format!("{model} on {host}"),
        }
    }

    /// Some cell says who is accountable, or that it was inherited: the
    /// legends explain those marks only then.
    pub fn has_accountable(&self) -> bool {
        self.cells.iter().any(|c| c.accountable.is_some())
    }

    pub fn has_inherited(&self) -> bool {
        self.cells.iter().any(|c| c.inherited_from.is_some())
    }

    /// The decider classes the matrix uses beyond the two-party ones.
    pub fn party_classes(&self) -> Vec<DeciderClass> {
        [DeciderClass::Team, DeciderClass::ThirdParty]
            .into_iter()
            .filter(|class| self.cells.iter().any(|c| c.class == *class))
            .collect()
    }
}

fn cell(program: &Program, service: usize, layer: usize) -> MatrixCell<'_> {
    let resolved = program.resolved(service, layer);
    let decider = resolved.map_or("unassigned", |r| program.decider_name(r.decider()));
    let differs = |d: Option<Decider>| {
        d.map(|d| program.decider_name(d))
            .filter(|name| *name != decider)
    };
    MatrixCell {
        layer,
        service,
        resolved,
        decider,
        class: DeciderClass::of(program, resolved.map(Resolved::decider)),
        operator: differs(resolved.map(Resolved::operator)),
        accountable: differs(resolved.map(|r| r.accountable)),
        inherited_from: resolved
            .filter(|r| r.source != service)
            .map(|r| program.services[r.source].id.as_str()),
        controls: Vec::new(),
    }
}

/// What one party decides, operates and answers for (`onus matrix
/// --party NAME`): the cells of the matrix where it has a role, service by
/// service, each with its roles.
pub struct PartyView<'m, 'a> {
    pub matrix: &'m Matrix<'a>,
    pub party: PartyId,
    /// (column, row, roles), by service then layer.
    pub entries: Vec<(usize, usize, Roles)>,
}

impl<'m, 'a> PartyView<'m, 'a> {
    pub fn of(matrix: &'m Matrix<'a>, party: PartyId) -> PartyView<'m, 'a> {
        let mut entries = Vec::new();
        for col in 0..matrix.columns.len() {
            for row in 0..matrix.rows.len() {
                let roles = matrix
                    .cell(row, col)
                    .and_then(|c| c.resolved)
                    .map(|r| matrix.program.roles(party, r))
                    .unwrap_or_default();
                if roles.any() {
                    entries.push((col, row, roles));
                }
            }
        }
        PartyView {
            matrix,
            party,
            entries,
        }
    }

    pub fn name(&self) -> &'a str {
        self.matrix.program.party_name(self.party)
    }

    /// `team`, `third_party accountable to payments`, `provider`.
    pub fn describe(&self) -> String {
        let program = self.matrix.program;
        let party = &program.parties[self.party.index()];
        match party.accountable_to {
            Some(to) => format!(
                "{}, accountable to {}",
                party.kind.name(),
                program.party_name(to)
            ),
            None => party.kind.name().to_string(),
        }
    }

    /// How many entries have each role: (decides, operates, accountable).
    pub fn totals(&self) -> (usize, usize, usize) {
        let count = |f: fn(&Roles) -> bool| self.entries.iter().filter(|(_, _, r)| f(r)).count();
        (
            count(|r| r.decides),
            count(|r| r.operates),
            count(|r| r.accountable),
        )
    }

    /// The number of services the party has a role in.
    pub fn services(&self) -> usize {
        let mut cols: Vec<usize> = self.entries.iter().map(|(c, _, _)| *c).collect();
        cols.dedup();
        cols.len()
    }

    /// `3 layers in 1 service: decides 3, operates 2, accountable for 3`.
    pub fn summary(&self) -> String {
        let (decides, operates, accountable) = self.totals();
        let (layers, services) = (self.entries.len(), self.services());
        format!(
            "{layers} layer{} in {services} service{}: decides {decides}, operates {operates}, accountable for {accountable}",
            if layers == 1 { "" } else { "s" },
            if services == 1 { "" } else { "s" }
        )
    }
}

/// Renders the matrix in one format.
pub fn render(matrix: &Matrix<'_>, format: MatrixFormat) -> String {
    match format {
        MatrixFormat::Text => text::render_text(matrix),
        MatrixFormat::Markdown => text::render_markdown(matrix),
        MatrixFormat::Mermaid => mermaid::render(matrix),
        MatrixFormat::Html => html::render(matrix),
        MatrixFormat::Json => render_json(matrix, None),
    }
}

/// Renders one party's view in one format.
pub fn render_party(view: &PartyView<'_, '_>, format: MatrixFormat) -> String {
    match format {
        MatrixFormat::Text => party::render_text(view),
        MatrixFormat::Markdown => party::render_markdown(view),
        MatrixFormat::Mermaid => party::render_mermaid(view),
        MatrixFormat::Html => html::render_party(view),
        MatrixFormat::Json => render_json(view.matrix, Some(view)),
    }
}

/// The `--format json` document; its fields are described in docs/matrix.md.
#[derive(Serialize)]
struct JsonMatrix<'a> {
    version: u32,
    evaluated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    party: Option<JsonParty<'a>>,
    layers: Vec<JsonLayer<'a>>,
    services: Vec<JsonService<'a>>,
    cells: Vec<JsonCell<'a>>,
}

#[derive(Serialize)]
struct JsonParty<'a> {
    id: &'a str,
    kind: &'static str,
    accountable_to: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonLayer<'a> {
    id: &'a str,
    std: bool,
    description: Option<&'a str>,
    doc: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonService<'a> {
    id: &'a str,
    model: Option<&'a str>,
    host: Option<&'a str>,
    tenant: &'a str,
    doc: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonCell<'a> {
    layer: &'a str,
    service: &'a str,
    decider: &'a str,
    operator: Option<&'a str>,
    accountable: Option<&'a str>,
    #[serde(rename = "override")]
    is_override: bool,
    origin: Option<&'a str>,
    tier: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    roles: Option<Vec<&'static str>>,
    controls: Vec<JsonControl<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    failing: Option<bool>,
}

#[derive(Serialize)]
struct JsonControl<'a> {
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'static str>,
}

fn json_cell<'a>(m: &Matrix<'a>, cell: &MatrixCell<'a>, roles: Option<Roles>) -> JsonCell<'a> {
    let program = m.program;
    let name = |d: Decider| program.decider_name(d);
    JsonCell {
        layer: &program.layers[cell.layer].id,
        service: &program.services[cell.service].id,
        decider: cell.decider,
        operator: cell.resolved.map(|r| name(r.operator())),
        accountable: cell.resolved.map(|r| name(r.accountable)),
        is_override: cell.is_override(),
        origin: cell.resolved.map(|r| r.cell.origin.as_str()),
        tier: cell.resolved.map_or(Vec::new(), |r| {
            program
                .tier(cell.service, r)
                .iter()
                .map(|s| program.services[*s].id.as_str())
                .collect()
        }),
        roles: roles.map(Roles::names),
        controls: cell
            .controls
            .iter()
            .map(|c| JsonControl {
                id: &program.controls[c.control].id,
                status: c.status.map(Status::as_str),
            })
            .collect(),
        failing: m.evaluated.then(|| cell.failing()),
    }
}

/// The whole matrix, or (with a party view) only the layers and services
/// where the party has a role, and only its cells.
fn render_json(m: &Matrix<'_>, view: Option<&PartyView<'_, '_>>) -> String {
    let program = m.program;
    let (rows, columns): (Vec<usize>, Vec<usize>) = match view {
        None => ((0..m.rows.len()).collect(), (0..m.columns.len()).collect()),
        Some(v) => {
            let mut rows: Vec<usize> = v.entries.iter().map(|(_, r, _)| *r).collect();
            rows.sort_unstable();
            rows.dedup();
            let mut columns: Vec<usize> = v.entries.iter().map(|(c, _, _)| *c).collect();
            columns.dedup();
            (rows, columns)
        }
    };
    let cells = match view {
        None => m.cells.iter().map(|c| json_cell(m, c, None)).collect(),
        Some(v) => v
            .entries
            .iter()
            .filter_map(|(col, row, roles)| Some(json_cell(m, m.cell(*row, *col)?, Some(*roles))))
            .collect(),
    };
    let doc = JsonMatrix {
        version: 1,
        evaluated: m.evaluated,
        party: view.map(|v| JsonParty {
            id: v.name(),
            kind: program.parties[v.party.index()].kind.name(),
            accountable_to: program.parties[v.party.index()]
                .accountable_to
                .map(|p| program.party_name(p)),
        }),
        layers: rows
            .iter()
            .map(|row| {
                let layer = &program.layers[m.rows[*row]];
                JsonLayer {
                    id: &layer.id,
                    std: layer.std,
                    description: layer.description.as_deref(),
                    doc: layer.doc.as_deref(),
                }
            })
            .collect(),
        services: columns
            .iter()
            .map(|col| {
                let service = &program.services[m.columns[*col]];
                JsonService {
                    id: &service.id,
                    model: service.model.map(|i| program.models[i].id.as_str()),
                    host: service.host.map(|h| program.services[h].id.as_str()),
                    tenant: program.party_name(service.tenant),
                    doc: service.doc.as_deref(),
                }
            })
            .collect(),
        cells,
    };
    super::json_document(&doc)
}
