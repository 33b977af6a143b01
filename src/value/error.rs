//! Evaluation errors: cheap to build (they drive `??` and `has`), rendered
//! to text only when reported. They sit with the values, below evaluation,
//! because a value can hold one (a failed element of a shared list);
//! `eval::error` is this module.

use super::FactRef;
use crate::source::Span;

#[derive(Clone, Debug)]
pub enum Missing<'a> {
    Key(&'a str),
    /// A key computed at run time (`x[k]`).
    Computed(std::sync::Arc<str>),
    Index(i64),
}

#[derive(Clone, Debug)]
pub enum ErrorKind<'a> {
    /// A key or index that is not there, or a read through null.
    Missing {
        /// The facts container read from, when the value came from facts.
        container: Option<FactRef<'a>>,
        what: Missing<'a>,
        through_null: bool,
    },
    Type(String),
    Invalid(String),
    Budget(u64),
    Timeout,
    /// `facts` read during static analysis (no `--facts`).
    NoFacts,
}

/// An error and where it happened. Boxed: results stay one word wide on
/// the hot path, and errors are the rare case.
#[derive(Clone, Debug)]
pub struct EvalError<'a>(Box<Located<'a>>);

#[derive(Clone, Debug)]
pub struct Located<'a> {
    pub kind: ErrorKind<'a>,
    pub span: Span,
}

impl<'a> std::ops::Deref for EvalError<'a> {
    type Target = Located<'a>;

    fn deref(&self) -> &Located<'a> {
        &self.0
    }
}

impl<'a> EvalError<'a> {
    pub fn new(kind: ErrorKind<'a>, span: Span) -> Self {
        EvalError(Box::new(Located { kind, span }))
    }

    pub fn type_error(span: Span, message: impl Into<String>) -> Self {
        EvalError::new(ErrorKind::Type(message.into()), span)
    }

    pub fn invalid(span: Span, message: impl Into<String>) -> Self {
        EvalError::new(ErrorKind::Invalid(message.into()), span)
    }

    pub fn missing(span: Span, container: Option<FactRef<'a>>, what: Missing<'a>) -> Self {
        EvalError::new(
            ErrorKind::Missing {
                container,
                what,
                through_null: false,
            },
            span,
        )
    }

    pub fn through_null(span: Span, what: Missing<'a>) -> Self {
        EvalError::new(
            ErrorKind::Missing {
                container: None,
                what,
                through_null: true,
            },
            span,
        )
    }

    /// Missing data (caught by `??` and `has`), as opposed to a type error
    /// or a limit.
    pub fn is_missing(&self) -> bool {
        matches!(self.kind, ErrorKind::Missing { .. })
    }

    /// Limits end the whole control, not only the subject.
    pub fn is_limit(&self) -> bool {
        matches!(self.kind, ErrorKind::Budget(_) | ErrorKind::Timeout)
    }

    /// The JSON pointer of the missing fact, when known.
    pub fn pointer(&self) -> Option<String> {
        match &self.kind {
            ErrorKind::Missing {
                container: Some(c),
                what,
                ..
            } => {
                let seg = match what {
                    Missing::Key(k) => k.replace('~', "~0").replace('/', "~1"),
                    Missing::Computed(k) => k.replace('~', "~0").replace('/', "~1"),
                    Missing::Index(i) => i.to_string(),
                };
                Some(format!("{}/{seg}", c.pointer()))
            }
            _ => None,
        }
    }

    pub fn message(&self) -> String {
        match &self.kind {
            ErrorKind::Missing {
                what, through_null, ..
            } => {
                let what = match what {
                    Missing::Key(k) => format!("missing fact `{k}`"),
                    Missing::Computed(k) => format!("missing fact `{k}`"),
                    Missing::Index(i) => format!("missing index {i}"),
                };
                match (self.pointer(), through_null) {
                    (_, true) => format!("{what}: read through null"),
                    (Some(p), _) => format!("{what} at {p}"),
                    (None, _) => what,
                }
            }
            ErrorKind::Type(m) => format!("type error: {m}"),
            ErrorKind::Invalid(m) => m.clone(),
            ErrorKind::Budget(n) => format!(
                "evaluation budget exhausted after {n} steps; raise it with --max-steps if this work is expected"
            ),
            ErrorKind::Timeout => "evaluation stopped at the --timeout deadline".to_string(),
            ErrorKind::NoFacts => "no facts loaded (give --facts to evaluate)".to_string(),
        }
    }
}
