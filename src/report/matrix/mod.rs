//! The shared responsibility matrix (`onus matrix`). In: a checked program
//! and, when facts were given, its evaluation outcome. Out: a `Matrix` of
//! layers × services — who decides each cell, who operates it, whether a
//! service overrides its model there, and the controls on it with their
//! statuses — and its renderings (text, markdown, mermaid, html, json).
//!
//! Invariants: rows are the standard layers in std order, then custom
//! layers in declaration order; columns are services in declaration order;
//! a control counts in the cell of each service it covers; statuses exist
//! exactly when the outcome came from facts.

mod html;
mod mermaid;
mod text;

use crate::check::program::{Cell, Program, Status};
use crate::eval::Outcome;
use crate::value::Word;
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

/// One service's assignment of one layer.
#[derive(Debug)]
pub struct MatrixCell<'a> {
    pub layer: usize,
    pub service: usize,
    /// None: no model or override assigns the layer (unassigned).
    pub cell: Option<&'a Cell>,
    pub controls: Vec<CellControl>,
}

impl MatrixCell<'_> {
    /// provider, customer, shared, none or unassigned.
    pub fn decider(&self) -> &'static str {
        self.cell.map_or("unassigned", |c| c.decider.name())
    }

    /// Who operates the layer, when that is not the decider.
    pub fn operator(&self) -> Option<&str> {
        self.cell
            .map(Cell::operator)
            .filter(|op| Some(*op) != self.cell.map(|c| c.decider.name()))
    }

    pub fn is_override(&self) -> bool {
        self.cell.is_some_and(|c| c.is_override)
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
}

impl<'a> Matrix<'a> {
    /// The matrix of every loaded service; `outcome` gives statuses and is
    /// used only when `evaluated` (facts were given).
    pub fn build(program: &'a Program, outcome: Option<&Outcome>, evaluated: bool) -> Matrix<'a> {
        let std_layers = (0..program.layers.len()).filter(|l| program.layers[*l].std);
        let custom_layers = (0..program.layers.len()).filter(|l| !program.layers[*l].std);
        let rows: Vec<usize> = std_layers.chain(custom_layers).collect();
        let columns: Vec<usize> = (0..program.services.len()).collect();
        let mut cells: Vec<MatrixCell<'a>> = rows
            .iter()
            .flat_map(|&layer| {
                columns.iter().map(move |&service| MatrixCell {
                    layer,
                    service,
                    cell: program.services[service].matrix.get(&layer),
                    controls: Vec::new(),
                })
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
            .and_then(|s| self.program.models.get(self.program.services[*s].model))
            .map_or("", |m| m.id.as_str())
    }
}

/// Renders the matrix in one format.
pub fn render(matrix: &Matrix<'_>, format: MatrixFormat) -> String {
    match format {
        MatrixFormat::Text => text::render_text(matrix),
        MatrixFormat::Markdown => text::render_markdown(matrix),
        MatrixFormat::Mermaid => mermaid::render(matrix),
        MatrixFormat::Html => html::render(matrix),
        MatrixFormat::Json => render_json(matrix),
    }
}

/// The `--format json` document; its fields are described in docs/matrix.md.
#[derive(Serialize)]
struct JsonMatrix<'a> {
    version: u32,
    evaluated: bool,
    layers: Vec<JsonLayer<'a>>,
    services: Vec<JsonService<'a>>,
    cells: Vec<JsonCell<'a>>,
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
    model: &'a str,
    doc: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonCell<'a> {
    layer: &'a str,
    service: &'a str,
    decider: &'static str,
    operator: Option<&'a str>,
    #[serde(rename = "override")]
    is_override: bool,
    origin: Option<&'a str>,
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

fn render_json(m: &Matrix<'_>) -> String {
    let program = m.program;
    let doc = JsonMatrix {
        version: 1,
        evaluated: m.evaluated,
        layers: m
            .rows
            .iter()
            .map(|l| {
                let layer = &program.layers[*l];
                JsonLayer {
                    id: &layer.id,
                    std: layer.std,
                    description: layer.description.as_deref(),
                    doc: layer.doc.as_deref(),
                }
            })
            .collect(),
        services: (0..m.columns.len())
            .map(|col| JsonService {
                id: m.service_id(col),
                model: m.model_id(col),
                doc: m
                    .columns
                    .get(col)
                    .and_then(|s| program.services[*s].doc.as_deref()),
            })
            .collect(),
        cells: m
            .cells
            .iter()
            .map(|cell| JsonCell {
                layer: &program.layers[cell.layer].id,
                service: &program.services[cell.service].id,
                decider: cell.decider(),
                operator: cell.cell.map(Cell::operator),
                is_override: cell.is_override(),
                origin: cell.cell.map(|c| c.origin.as_str()),
                controls: cell
                    .controls
                    .iter()
                    .map(|c| JsonControl {
                        id: &program.controls[c.control].id,
                        status: c.status.map(Status::as_str),
                    })
                    .collect(),
                failing: m.evaluated.then(|| cell.failing()),
            })
            .collect(),
    };
    super::json_document(&doc)
}

/// The words of the legend, in the order the renderings show them.
pub const DECIDERS: [&str; 5] = ["provider", "shared", "customer", "none", "unassigned"];

/// A sentence for one decider, used by legends and tooltips.
pub fn decider_meaning(decider: &str) -> &'static str {
    match Word::parse(decider) {
        Some(Word::Provider) => "the provider decides and changes this layer",
        Some(Word::Customer) => "the customer decides and changes this layer",
        Some(Word::Shared) => "both decide: each answers for its part",
        Some(Word::None) => "the layer does not exist in this service",
        _ => "no model or override assigns this layer",
    }
}
