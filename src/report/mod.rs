//! Reports: the checked program, its evaluation outcome and all diagnostics
//! in, rendered text out. Every renderer reads the same `Run`; this module
//! also decides the exit code (SPEC §5).

pub mod explain;
pub mod json;
pub mod testing;
pub mod text;

use crate::check::program::{Control, Program, Status};
use crate::diagnostic::Diagnostic;
use crate::eval::{ControlResult, Outcome};
use crate::source::SourceMap;
use crate::value::Word;

/// Everything a renderer may show about one run.
pub struct Run<'a> {
    pub program: &'a Program,
    /// None when the policy could not be loaded (nothing was evaluated).
    pub outcome: Option<&'a Outcome>,
    pub diagnostics: &'a [Diagnostic],
    pub sources: &'a SourceMap,
}

/// What fails the gate: `--fail-on` and `--strict`.
#[derive(Clone, Copy, Debug)]
pub struct Gate {
    pub fail_on: Word,
    pub strict: bool,
}

impl Default for Gate {
    fn default() -> Self {
        Gate {
            fail_on: Word::Info,
            strict: false,
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub controls: usize,
    pub pass: usize,
    pub fail: usize,
    pub error: usize,
    pub waived: usize,
    pub inherited: usize,
    pub unverified: usize,
    pub unevaluated: usize,
    pub assertions_failed: usize,
}

impl<'a> Run<'a> {
    /// Each control with its result, in declaration order.
    pub fn controls(&self) -> impl Iterator<Item = (&'a Control, &'a ControlResult)> {
        let results = self.outcome.map(|o| o.controls.as_slice()).unwrap_or(&[]);
        self.program.controls.iter().zip(results)
    }

    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for (_, r) in self.controls() {
            s.controls += 1;
            match r.status {
                Status::Pass => s.pass += 1,
                Status::Fail => s.fail += 1,
                Status::Error => s.error += 1,
                Status::Waived => s.waived += 1,
                Status::Inherited => s.inherited += 1,
                Status::Unverified => s.unverified += 1,
                Status::Unevaluated => s.unevaluated += 1,
            }
        }
        s.assertions_failed = self.outcome.map_or(0, |o| {
            o.assertions
                .iter()
                .filter(|a| a.status == Status::Fail)
                .count()
        });
        s
    }

    pub fn service_name(&self, c: &Control) -> &'a str {
        c.services
            .first()
            .map_or("", |s| self.program.services[*s].id.as_str())
    }

    pub fn layer_name(&self, c: &Control) -> &'a str {
        c.layer.map_or("", |l| self.program.layers[l].id.as_str())
    }

    /// Whether this control's result fails the gate.
    pub fn gates(&self, c: &Control, r: &ControlResult, gate: Gate) -> bool {
        let counts = match c.enforce {
            Word::Hard => true,
            Word::Soft => gate.strict,
            _ => false,
        };
        counts && c.severity >= gate.fail_on && matches!(r.status, Status::Fail | Status::Error)
    }

    /// SPEC §5: 2 when loading failed, 1 when the gate fails, else 0.
    pub fn exit_code(&self, gate: Gate) -> i32 {
        if self.outcome.is_none()
            || self
                .diagnostics
                .iter()
                .any(|d| d.is_error() && !d.code.starts_with('L'))
        {
            return 2;
        }
        let control_fails = self.controls().any(|(c, r)| self.gates(c, r, gate));
        let assertion_fails = self.outcome.is_some_and(|o| {
            o.assertions
                .iter()
                .any(|a| matches!(a.status, Status::Fail | Status::Error))
        });
        i32::from(control_fails || assertion_fails)
    }
}
