//! OSCAL catalogs: the JSON of an OSCAL 1.x catalog (or of a profile
//! resolved to one) in, a `Catalog` out. Only ids, titles, labels, groups
//! and the withdrawn status are read; the prose, parameters and links that
//! make up most of a catalog are skipped without being built.
//!
//! Invariant: requirements come out in document order, each group's
//! controls before its subgroups', each control before its enhancements;
//! withdrawn controls are left out.

use super::{Catalog, Requirement};
use serde::Deserialize;

#[derive(Deserialize)]
struct Document {
    catalog: CatalogModel,
}

#[derive(Deserialize)]
struct CatalogModel {
    metadata: Metadata,
    #[serde(default)]
    groups: Vec<Group>,
    #[serde(default)]
    controls: Vec<Control>,
}

#[derive(Deserialize)]
struct Metadata {
    title: String,
    #[serde(default)]
    version: Option<String>,
}

#[derive(Deserialize)]
struct Group {
    title: String,
    #[serde(default)]
    groups: Vec<Group>,
    #[serde(default)]
    controls: Vec<Control>,
}

#[derive(Deserialize)]
struct Control {
    id: String,
    title: String,
    #[serde(default)]
    props: Vec<Prop>,
    #[serde(default)]
    controls: Vec<Control>,
}

#[derive(Deserialize)]
struct Prop {
    name: String,
    value: String,
    #[serde(default)]
    class: Option<String>,
}

/// Reads a catalog document; also returns ids given more than once.
pub(super) fn read(bytes: &[u8]) -> Result<(Catalog, Vec<String>), String> {
    let doc: Document = serde_json::from_slice(bytes).map_err(|e| {
        if e.is_data() {
            format!("not an OSCAL catalog ({e})")
        } else {
            format!("not valid JSON ({e})")
        }
    })?;
    let CatalogModel {
        metadata,
        groups,
        controls,
    } = doc.catalog;
    let mut requirements = Vec::new();
    add_controls(&controls, None, &mut requirements);
    for g in &groups {
        add_group(g, &mut requirements);
    }
    Ok(Catalog::new(metadata.title, metadata.version, requirements))
}

fn add_group(group: &Group, out: &mut Vec<Requirement>) {
    add_controls(&group.controls, Some(&group.title), out);
    for g in &group.groups {
        add_group(g, out);
    }
}

fn add_controls(controls: &[Control], group: Option<&str>, out: &mut Vec<Requirement>) {
    for c in controls {
        let withdrawn = c
            .props
            .iter()
            .any(|p| p.name == "status" && p.value == "withdrawn");
        if withdrawn {
            continue;
        }
        // The plain label (`AC-3`), not a zero-padded or assessment one.
        let labels = c.props.iter().filter(|p| p.name == "label");
        let label = labels
            .clone()
            .find(|p| p.class.is_none())
            .or_else(|| labels.clone().next())
            .map(|p| p.value.clone());
        out.push(Requirement {
            id: c.id.clone(),
            title: c.title.clone(),
            label,
            group: group.map(str::to_string),
        });
        add_controls(&c.controls, group, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_groups_enhancements_and_labels_in_order() {
        let doc = br#"{ "catalog": { "uuid": "x", "metadata": { "title": "T", "version": "1" },
          "groups": [ { "id": "ac", "title": "Access Control", "controls": [
            { "id": "ac-1", "title": "Policy", "props": [
                { "name": "label", "value": "AC-01", "class": "zero-padded" },
                { "name": "label", "value": "AC-1" } ],
              "parts": [ { "name": "statement", "prose": "long" } ],
              "controls": [ { "id": "ac-1.1", "title": "Enhancement" } ] },
            { "id": "ac-9", "title": "Gone", "props": [ { "name": "status", "value": "withdrawn" } ] } ],
            "groups": [ { "title": "Sub", "controls": [ { "id": "s-1", "title": "Nested" } ] } ] } ] } }"#;
        let (c, repeated) = read(doc).unwrap();
        assert!(repeated.is_empty());
        assert_eq!(c.title, "T");
        let ids: Vec<&str> = c.ids().collect();
        assert_eq!(ids, ["ac-1", "ac-1.1", "s-1"]);
        assert_eq!(c.requirements[0].label.as_deref(), Some("AC-1"));
        assert_eq!(c.requirements[1].group.as_deref(), Some("Access Control"));
        assert_eq!(c.requirements[2].group.as_deref(), Some("Sub"));
    }

    #[test]
    fn refuses_what_is_not_a_catalog() {
        assert!(read(b"{").unwrap_err().starts_with("not valid JSON"));
        assert!(
            read(br#"{"profile": {}}"#)
                .unwrap_err()
                .starts_with("not an OSCAL catalog")
        );
    }
}
