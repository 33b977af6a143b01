//! The standard library, written in onus under `stdlib/` and embedded in the
//! binary: `use std` loads the layers and models, `use std.NAME` one
//! optional module (`use std.terraform`: helpers over Terraform plans).

/// (name shown in diagnostics, source text), in load order.
pub const FILES: &[(&str, &str)] = &[
    ("<std>/layers.onus", include_str!("../stdlib/layers.onus")),
    ("<std>/models.onus", include_str!("../stdlib/models.onus")),
];

/// The optional modules: `use std.NAME` loads (NAME, file name, text).
pub const MODULES: &[(&str, &str, &str)] = &[(
    "terraform",
    "<std>/terraform.onus",
    include_str!("../stdlib/terraform.onus"),
)];
