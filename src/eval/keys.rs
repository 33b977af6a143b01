//! Subject keys of one control's run. In: each subject's key and its place
//! in the container the `for` walked. Out: A007 when two subjects share a
//! key (a waiver, an attestation or a `fails on` could not tell them
//! apart), and A006 for each waiver or attestation key that names no
//! subject of the run; A008 for an attestation that names a subject the
//! facts show failing (it does not count: facts are not overruled).
//!
//! Invariant: keys borrowed from the facts are not copied; a subject's
//! JSON pointer is built only for a key that turns out to be repeated.

use crate::check::program::{Attestation, Control, Validity, Waiver};
use crate::diagnostic::Diagnostic;
use crate::value::{FactRef, Value};
use foldhash::{HashMap, HashSet};
use std::borrow::Cow;
use std::collections::hash_map::Entry;
use std::sync::atomic::AtomicU32;

/// `get_hinted` scans a subject for its `id`, `name` or `arn` whatever
/// its size: the machine's shared object index is not at hand here, and
/// one scan per subject costs no more than building one.
const SCAN_ALL: usize = usize::MAX / 2;

/// The keys seen so far, each with the position of its first subject.
pub(super) struct SubjectKeys<'a> {
    /// Also index keys that fall back to the subject's JSON pointer (they
    /// are unique by construction, so only a key named by a waiver or an
    /// attestation needs them).
    pub with_pointers: bool,
    container: Option<FactRef<'a>>,
    seen: HashMap<Cow<'a, str>, u32>,
    repeated: usize,
    /// The first repeated key, with the positions of its two subjects.
    first_repeat: Option<(String, usize, usize)>,
    /// Where `id`, `name` and `arn` were found last (subjects of one export
    /// share their key order; see `Value::get_hinted`).
    hints: [AtomicU32; 3],
}

impl<'a> SubjectKeys<'a> {
    pub fn new(with_pointers: bool) -> Self {
        SubjectKeys {
            with_pointers,
            container: None,
            seen: HashMap::default(),
            repeated: 0,
            first_repeat: None,
            hints: Default::default(),
        }
    }

    /// Makes room for the subjects of a `for` over `source`, so that the
    /// index is not rebuilt as it grows.
    pub fn reserve_for(&mut self, source: &Value<'_>) {
        if source.is_list() || source.is_object() {
            self.seen.reserve(source.len().unwrap_or(0));
        }
    }

    /// The first of `id`, `name`, `arn` that is a string or a number.
    pub fn default_own_key(&self, subject: &Value<'a>) -> Option<Cow<'a, str>> {
        ["id", "name", "arn"]
            .into_iter()
            .zip(&self.hints)
            .find_map(|(field, hint)| own_key(&subject.get_hinted(field, hint, SCAN_ALL)??))
    }

    /// The container the subjects are elements of (their pointers are
    /// built from it), when it is in the facts.
    pub fn set_container(&mut self, container: Option<FactRef<'a>>) {
        self.container = container;
    }

    pub fn add(&mut self, key: Cow<'a, str>, index: usize) {
        match self.seen.entry(key) {
            Entry::Occupied(first) => {
                self.repeated += 1;
                if self.first_repeat.is_none() {
                    let first_index = *first.get() as usize;
                    self.first_repeat = Some((first.key().to_string(), first_index, index));
                }
            }
            Entry::Vacant(slot) => {
                // Facts hold fewer than 2^32 nodes, so an index fits.
                slot.insert(index as u32);
            }
        }
    }

    fn pointer(&self, index: usize) -> Option<String> {
        self.container
            .map(|c| c.facts.child_pointer(c.block, index))
    }

    /// The warnings of the run: a repeated key, and exception keys that
    /// match no subject.
    pub fn diagnostics(
        &self,
        c: &Control,
        waivers: &[&Waiver],
        attestations: &[&Attestation],
    ) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        if let Some((key, first, second)) = &self.first_repeat {
            let at = |i: usize| self.pointer(i).unwrap_or_else(|| format!("#{i}"));
            let more = match self.repeated {
                1 => String::new(),
                n => format!(" ({} more repeated keys)", n - 1),
            };
            let span = c.key.as_ref().map_or(c.span, |k| k.span);
            out.push(
                Diagnostic::warning(
                    "A007",
                    format!(
                        "two subjects of `{}` have the key \"{key}\": {} and {}{more}",
                        c.id,
                        at(*first),
                        at(*second)
                    ),
                )
                .with_label(span, "this key does not tell them apart")
                .with_help("a waiver, an attestation or `fails on` for this key would cover both; choose a `key` that is unique, such as an ARN or a resource id"),
            );
        }
        let named = self.named(waivers, attestations);
        out.extend(unknown_keys(
            c,
            waivers,
            attestations,
            &named,
            !self.seen.is_empty(),
        ));
        out
    }

    /// For each key of each keyed waiver, then attestation (in order):
    /// whether a subject of the run has it.
    pub fn named(&self, waivers: &[&Waiver], attestations: &[&Attestation]) -> Vec<bool> {
        keyed(waivers, attestations)
            .flat_map(|(_, keys, _)| keys)
            .map(|k| self.seen.contains_key(k.as_str()))
            .collect()
    }

    /// Whether no subject had a key (own, or its pointer when indexed).
    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }

    /// Whether two subjects so far had one key.
    pub fn repeats(&self) -> bool {
        self.repeated > 0
    }

    /// A fingerprint of each distinct key, to find a key repeated across
    /// the batches of a stream without keeping the keys; `salt` (the
    /// control) keeps one control's keys apart from another's.
    pub fn fingerprints(&self, salt: u64) -> Vec<u64> {
        use std::hash::BuildHasher;
        let state = foldhash::quality::FixedState::default();
        self.seen
            .keys()
            .map(|k| state.hash_one((salt, k.as_ref())))
            .collect()
    }
}

/// The keyed waivers, then attestations: what, keys, where.
fn keyed<'p>(
    waivers: &'p [&Waiver],
    attestations: &'p [&Attestation],
) -> impl Iterator<Item = (&'static str, &'p [String], crate::source::Span)> {
    waivers
        .iter()
        .filter_map(|w| Some(("waiver", w.keys.as_deref()?, w.span)))
        .chain(
            attestations
                .iter()
                .filter_map(|a| Some(("attestation", a.keys.as_deref()?, a.span))),
        )
}

/// A006: each waiver or attestation key that no subject has; `named` is
/// `SubjectKeys::named` (over a whole stream, the batches' joined), and
/// `any_subject` whether the run had a keyed subject at all.
pub(super) fn unknown_keys(
    c: &Control,
    waivers: &[&Waiver],
    attestations: &[&Attestation],
    named: &[bool],
    any_subject: bool,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut named = named.iter();
    for (what, keys, span) in keyed(waivers, attestations) {
        let unknown: Vec<String> = keys
            .iter()
            .filter(|_| !named.next().copied().unwrap_or(false))
            .map(|k| format!("\"{k}\""))
            .collect();
        if unknown.is_empty() {
            continue;
        }
        let which = if any_subject {
            "which no subject has in this run".to_string()
        } else {
            format!("but `{}` has no subjects in this run", c.id)
        };
        out.push(
            Diagnostic::warning(
                "A006",
                format!(
                    "{what} of `{}` names {} {}, {which}",
                    c.id,
                    if unknown.len() == 1 { "key" } else { "keys" },
                    unknown.join(", ")
                ),
            )
            .with_label(span, format!("this {what} covers nothing there"))
            .with_help("check the key against the report (`onus check ... --format json` lists each subject's key), or remove the stale entry"),
        );
    }
    out
}

/// A008: attestations that name subjects the facts show failing. They do
/// not turn the failure into a pass; a failure is accepted with `waive`.
pub(super) fn overruled(
    c: &Control,
    attestations: &[&Attestation],
    violations: &super::Findings<super::Violation>,
) -> Vec<Diagnostic> {
    let current = || {
        attestations
            .iter()
            .filter(|a| a.validity == Validity::Current)
            .filter_map(|a| Some((a, a.keys.as_ref()?)))
    };
    // One pass over the violations (a stream's may be spilled to disk).
    let named: HashSet<&str> = current()
        .flat_map(|(_, keys)| keys)
        .map(|k| k.as_str())
        .collect();
    let mut refuted: HashSet<String> = HashSet::default();
    if !named.is_empty() {
        for v in violations {
            if named.contains(v.key.as_str()) {
                refuted.insert(v.key.clone());
            }
        }
    }
    let mut out = Vec::new();
    for (a, keys) in current() {
        let failing: Vec<String> = keys
            .iter()
            .filter(|k| refuted.contains(k.as_str()))
            .map(|k| format!("\"{k}\""))
            .collect();
        if failing.is_empty() {
            continue;
        }
        out.push(
            Diagnostic::warning(
                "A008",
                format!(
                    "attestation of `{}` for {} does not count: the facts show {} failing",
                    c.id,
                    failing.join(", "),
                    if failing.len() == 1 { "it" } else { "them" }
                ),
            )
            .with_label(a.span, "vouches for what the facts refute")
            .with_help("an attestation covers what the facts cannot show; to accept a known failure, `waive` it with an end date, an owner and a reason"),
        );
    }
    out
}

/// The key a subject is reported under, when it has one of its own: the
/// value of the control's `key`, or its `id`, `name` or `arn`. None means
/// the subject is known by its pointer.
pub(super) fn own_key<'a>(value: &Value<'a>) -> Option<Cow<'a, str>> {
    match value {
        Value::Text(s) => Some(Cow::Borrowed(*s)),
        Value::String(s) => Some(Cow::Owned(s.to_string())),
        v if v.as_f64().is_some() => Some(Cow::Owned(v.display())),
        _ => None,
    }
}
