//! OSCAL 1.2.1 documents to and from onus: `export` builds component
//! definitions, system security plans and assessment results from a run;
//! `import` turns a provider's SSP or component definition into onus
//! source. What both sides share lives here: the namespace of onus's own
//! props and the UUIDs. Invariant: every UUID is derived from a stable
//! name, so the same inputs always give byte-identical documents.

pub mod export;

use serde_json::{Value, json};

/// The namespace of the props onus adds (`onus-service`, `layer`,
/// `decider`, …), so that an importer can tell them from OSCAL's own.
pub const NAMESPACE: &str = "https://onus.dev/ns/oscal";

/// The OSCAL version the documents follow.
pub const OSCAL_VERSION: &str = "1.2.1";

/// A name-based (v5) UUID for the object of `kind` (e.g. "component")
/// called `name`, in a namespace of onus's own.
pub fn uuid(kind: &str, name: &str) -> String {
    let namespace = ::uuid::Uuid::new_v5(&::uuid::Uuid::NAMESPACE_URL, NAMESPACE.as_bytes());
    ::uuid::Uuid::new_v5(&namespace, format!("{kind}:{name}").as_bytes()).to_string()
}

/// An onus prop: `{"name", "ns", "value"}`.
pub fn prop(name: &str, value: &str) -> Value {
    json!({ "name": name, "ns": NAMESPACE, "value": value })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_stable_version_5_and_distinct_per_kind() {
        let a = uuid("component", "regulated_databases");
        assert_eq!(a, uuid("component", "regulated_databases"));
        assert_ne!(a, uuid("party", "regulated_databases"));
        let parsed = ::uuid::Uuid::parse_str(&a).unwrap();
        assert_eq!(parsed.get_version_num(), 5);
    }
}
