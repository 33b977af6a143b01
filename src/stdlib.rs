//! The standard library, written in onus under `stdlib/` and embedded in the
//! binary: `use std` loads these files.

/// (name shown in diagnostics, source text), in load order.
pub const FILES: &[(&str, &str)] = &[
    ("<std>/layers.onus", include_str!("../stdlib/layers.onus")),
    ("<std>/models.onus", include_str!("../stdlib/models.onus")),
];
