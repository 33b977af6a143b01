//! Coverage of a framework: the join of requirements, controls, owners and
//! statuses. In: a checked program, one evaluation outcome (from facts, or
//! static: then checked controls are `unevaluated`) and one of the
//! program's frameworks. Out: one `Row` per requirement, in catalog order,
//! listing the controls whose refs name it (declaration order), each with
//! who owns and decides it and its status; the requirement's combined
//! status; and a summary (addressed, passing, inherited, per owner).
//!
//! Invariants: every requirement of the framework has exactly one row; a
//! control appears at most once in a row; a row with no control is "not
//! addressed" (no status). Nothing here renders: `report::coverage` does,
//! and the OSCAL export reads the same rows.

use crate::check::program::{Control, Decider, Framework, Program, Status};
use crate::eval::Outcome;
use crate::framework::Requirement;
use std::collections::BTreeMap;

/// Statuses from the worst to the best, as a requirement combines them:
/// one failing control fails the requirement; it is `inherited` only when
/// every control on it is.
pub const PRECEDENCE: [Status; 8] = [
    Status::Fail,
    Status::Error,
    Status::Unverified,
    Status::Unevaluated,
    Status::Waived,
    Status::Attested,
    Status::Pass,
    Status::Inherited,
];

/// The combined status of several controls' statuses (None for none).
pub fn combine(statuses: impl IntoIterator<Item = Status>) -> Option<Status> {
    statuses
        .into_iter()
        .min_by_key(|s| PRECEDENCE.iter().position(|p| p == s))
}

/// Whether a status counts as met by the customer side: passing, or
/// vouched for by a current attestation.
pub fn is_passing(status: Status) -> bool {
    matches!(status, Status::Pass | Status::Attested)
}

/// A control mapped to a requirement, with its result and, by name, who
/// owns, decides, operates and answers for it.
#[derive(Clone, Copy, Debug)]
pub struct Mapped<'a> {
    /// The control's index in the program.
    pub index: usize,
    pub control: &'a Control,
    pub status: Status,
    pub owner: &'a str,
    /// None when nothing assigns the layer.
    pub decider: Option<&'a str>,
    pub operator: Option<&'a str>,
    pub accountable: Option<&'a str>,
}

#[derive(Debug)]
pub struct Row<'a> {
    pub requirement: &'a Requirement,
    pub controls: Vec<Mapped<'a>>,
    /// The combined status; None when no control maps to the requirement.
    pub status: Option<Status>,
}

impl Row<'_> {
    pub fn addressed(&self) -> bool {
        !self.controls.is_empty()
    }
}

/// One owner's share of the framework.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OwnerShare {
    pub owner: String,
    /// Requirements with at least one control of this owner.
    pub requirements: usize,
    /// Distinct controls of this owner that map to the framework.
    pub controls: usize,
    /// Those controls by status, from the worst.
    pub statuses: Vec<(Status, usize)>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub requirements: usize,
    /// Requirements at least one control maps to.
    pub addressed: usize,
    /// Requirements whose combined status is `pass` or `attested`.
    pub passing: usize,
    /// Requirements whose controls are all `inherited`.
    pub inherited: usize,
    /// Requirements by combined status, from the worst.
    pub statuses: Vec<(Status, usize)>,
    pub owners: Vec<OwnerShare>,
}

impl Summary {
    pub fn not_addressed(&self) -> usize {
        self.requirements - self.addressed
    }

    /// `part` as a percentage of all requirements (0 for an empty framework).
    pub fn percent(&self, part: usize) -> f64 {
        if self.requirements == 0 {
            0.0
        } else {
            100.0 * part as f64 / self.requirements as f64
        }
    }
}

pub struct Coverage<'a> {
    pub program: &'a Program,
    pub framework: &'a Framework,
    /// The outcome came from facts (otherwise checked controls are `unevaluated`).
    pub evaluated: bool,
    pub rows: Vec<Row<'a>>,
    pub summary: Summary,
}

/// Builds the coverage of framework `framework` of `program`.
pub fn coverage<'a>(
    program: &'a Program,
    outcome: &'a Outcome,
    framework: usize,
    evaluated: bool,
) -> Coverage<'a> {
    let fw = &program.frameworks[framework];
    let mut by_requirement: Vec<Vec<Mapped<'a>>> = vec![Vec::new(); fw.catalog.requirements.len()];
    for (index, control) in program.controls.iter().enumerate() {
        let status = outcome
            .controls
            .get(index)
            .map_or(Status::Unevaluated, |r| r.status);
        for r in control
            .requirements
            .iter()
            .filter(|r| r.framework == framework)
        {
            let name = |d: Option<Decider>| d.map(|d| program.decider_name(d));
            by_requirement[r.requirement].push(Mapped {
                index,
                control,
                status,
                owner: program.decider_name(control.owner),
                decider: name(control.decider),
                operator: name(control.operator),
                accountable: name(control.accountable),
            });
        }
    }
    let rows: Vec<Row<'a>> = fw
        .catalog
        .requirements
        .iter()
        .zip(by_requirement)
        .map(|(requirement, controls)| Row {
            requirement,
            status: combine(controls.iter().map(|m| m.status)),
            controls,
        })
        .collect();
    let summary = summarize(&rows);
    Coverage {
        program,
        framework: fw,
        evaluated,
        rows,
        summary,
    }
}

fn summarize(rows: &[Row<'_>]) -> Summary {
    let mut s = Summary {
        requirements: rows.len(),
        ..Summary::default()
    };
    let mut by_status: BTreeMap<usize, usize> = BTreeMap::new();
    // Owner -> (requirements, control -> status), in first-seen order.
    let mut owners: Vec<(&str, usize, BTreeMap<usize, Status>)> = Vec::new();
    for row in rows {
        let Some(status) = row.status else {
            continue;
        };
        s.addressed += 1;
        s.passing += usize::from(is_passing(status));
        s.inherited += usize::from(status == Status::Inherited);
        *by_status.entry(rank(status)).or_default() += 1;
        let mut seen_here: Vec<&str> = Vec::new();
        for m in &row.controls {
            let owner = m.owner;
            let at = match owners.iter().position(|(o, _, _)| *o == owner) {
                Some(at) => at,
                None => {
                    owners.push((owner, 0, BTreeMap::new()));
                    owners.len() - 1
                }
            };
            if !seen_here.contains(&owner) {
                seen_here.push(owner);
                owners[at].1 += 1;
            }
            owners[at].2.insert(m.index, m.status);
        }
    }
    s.statuses = ranked(by_status);
    s.owners = owners
        .into_iter()
        .map(|(owner, requirements, controls)| {
            let mut counts: BTreeMap<usize, usize> = BTreeMap::new();
            for status in controls.values() {
                *counts.entry(rank(*status)).or_default() += 1;
            }
            OwnerShare {
                owner: owner.to_string(),
                requirements,
                controls: controls.len(),
                statuses: ranked(counts),
            }
        })
        .collect();
    s
}

fn rank(status: Status) -> usize {
    PRECEDENCE
        .iter()
        .position(|p| *p == status)
        .unwrap_or(PRECEDENCE.len())
}

fn ranked(counts: BTreeMap<usize, usize>) -> Vec<(Status, usize)> {
    counts
        .into_iter()
        .filter_map(|(rank, n)| Some((*PRECEDENCE.get(rank)?, n)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worst_status_wins_and_inherited_only_alone() {
        use Status::*;
        assert_eq!(combine([Pass, Fail, Inherited]), Some(Fail));
        assert_eq!(combine([Attested, Waived]), Some(Waived));
        assert_eq!(combine([Unverified, Error]), Some(Error));
        assert_eq!(combine([Pass, Attested]), Some(Attested));
        assert_eq!(combine([Inherited, Pass]), Some(Pass));
        assert_eq!(combine([Inherited]), Some(Inherited));
        assert_eq!(combine([]), None);
    }
}
