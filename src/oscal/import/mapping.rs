//! From a requirement id (an OSCAL control id such as `sc-7` or `ac-2.1`)
//! to the onus layer it is about. In: the default table below, optionally
//! overridden by a mapping file (a JSON object of `"ID or family": "layer"`).
//! Out: one layer per requirement, always: the most specific key wins (the
//! id itself, then its base control without the enhancement, then its
//! family), and a requirement the table does not name goes to `compliance`.

use crate::diagnostic::Diagnostic;
use std::collections::BTreeMap;

/// The default table: by family, with the controls of a family that are
/// about another layer named on their own. Chosen against std's layers:
/// access and authentication decide `identity`; boundary protection decides
/// what is reachable (`exposure`); transmission and storage encryption are
/// the customer's key choices (`encryption.keys`); flaw remediation is
/// patching (`host_os`); the policy-and-procedure families are
/// `compliance`.
pub const DEFAULT: &[(&str, &str)] = &[
    ("ac", "identity"),
    ("ac-4", "network.virtual"),
    ("ia", "identity"),
    ("ia-5", "secrets"),
    ("au", "logging"),
    ("au-6", "monitoring"),
    ("au-11", "retention"),
    ("ca", "compliance"),
    ("cm", "config"),
    ("cp", "resilience"),
    ("cp-9", "backup"),
    ("ir", "incident_response"),
    ("ma", "hardware"),
    ("mp", "encryption.media"),
    ("pe", "facility"),
    ("pt", "data"),
    ("ra-5", "guest_os"),
    ("sc", "network.virtual"),
    ("sc-5", "network.core"),
    ("sc-7", "exposure"),
    ("sc-8", "encryption.keys"),
    ("sc-12", "encryption.keys"),
    ("sc-13", "encryption.keys"),
    ("sc-28", "encryption.keys"),
    ("si", "monitoring"),
    ("si-2", "host_os"),
    ("si-3", "guest_os"),
    ("si-12", "retention"),
];

/// The layer of a requirement no key names.
pub const FALLBACK: &str = "compliance";

/// The requirement → layer table of one import.
#[derive(Debug)]
pub struct Mapping {
    table: BTreeMap<String, String>,
    /// The keys a mapping file set (shown apart in the output's comments).
    overridden: Vec<String>,
}

impl Default for Mapping {
    fn default() -> Mapping {
        Mapping {
            table: DEFAULT
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            overridden: Vec::new(),
        }
    }
}

impl Mapping {
    /// The default table overridden by the mapping file `name` (its text).
    #[allow(
        clippy::result_large_err,
        reason = "read once per run; the error is rendered at once"
    )]
    pub fn with_file(name: &str, text: &str) -> Result<Mapping, Diagnostic> {
        let refuse = |why: String| {
            Diagnostic::error("O105", format!("mapping file {name}: {why}")).with_help(
                "a mapping file is a JSON object from a requirement id or family to an onus layer, e.g. {\"sc-7\": \"exposure\", \"pe\": \"facility\"}",
            )
        };
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| refuse(format!("not valid JSON: {e}")).at(name, e.line(), e.column()))?;
        let serde_json::Value::Object(entries) = value else {
            return Err(refuse("not a JSON object".into()));
        };
        let mut mapping = Mapping::default();
        for (key, layer) in entries {
            let Some(layer) = layer.as_str() else {
                return Err(refuse(format!("the layer of `{key}` is not a string")));
            };
            if !is_layer_name(layer) {
                return Err(refuse(format!(
                    "`{layer}` (for `{key}`) is not a layer name"
                )));
            }
            let key = key.to_ascii_lowercase();
            mapping.table.insert(key.clone(), layer.to_owned());
            mapping.overridden.push(key);
        }
        Ok(mapping)
    }

    /// The layer of a requirement, and the key that decided it (None for
    /// the fallback).
    pub fn layer<'m>(&'m self, requirement: &str) -> (&'m str, Option<&'m str>) {
        let id = requirement.to_ascii_lowercase();
        let base = id.split('.').next().unwrap_or(&id).to_owned();
        let family = base.split('-').next().unwrap_or(&base).to_owned();
        [id, base, family]
            .iter()
            .find_map(|k| self.table.get_key_value(k.as_str()))
            .map_or((FALLBACK, None), |(k, v)| (v.as_str(), Some(k.as_str())))
    }

    /// Every entry, for the output's comments: (key, layer, from the file).
    pub fn entries(&self) -> impl Iterator<Item = (&str, &str, bool)> {
        self.table
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str(), self.overridden.contains(k)))
    }
}

/// Whether `s` is a (dotted) layer name: identifiers joined by `.`.
pub fn is_layer_name(s: &str) -> bool {
    s.split('.')
        .all(|part| crate::lexer::is_identifier(part) && !crate::lexer::is_keyword(part))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_specific_key_wins_and_unknown_families_fall_back() {
        let m = Mapping::default();
        assert_eq!(m.layer("SC-7.5"), ("exposure", Some("sc-7")));
        assert_eq!(m.layer("sc-23"), ("network.virtual", Some("sc")));
        assert_eq!(m.layer("ac-2"), ("identity", Some("ac")));
        assert_eq!(m.layer("zz-9"), (FALLBACK, None));
    }

    #[test]
    fn a_mapping_file_overrides_and_is_checked() {
        let m = Mapping::with_file("m.json", r#"{"ac-2": "data", "zz": "ml.training"}"#).unwrap();
        assert_eq!(m.layer("ac-2.3").0, "data");
        assert_eq!(m.layer("zz-1").0, "ml.training");
        assert_eq!(m.layer("ac-3").0, "identity");
        for bad in ["[1]", "{\"ac\": 1}", "{\"ac\": \"not a layer\"}", "{"] {
            assert_eq!(Mapping::with_file("m.json", bad).unwrap_err().code, "O105");
        }
    }
}
