//! Fuzz regressions: every input under `tests/fuzz-regressions/TARGET/`
//! once crashed or hung a fuzz target (see `fuzz/README.md`). Each is
//! replayed here through the very checks the target runs
//! (`fuzz/targets.rs`), so a fixed crash stays fixed without the fuzzer.

#[path = "../fuzz/targets.rs"]
mod targets;

use std::path::Path;

/// Runs `target` on every file of `tests/fuzz-regressions/NAME/` and
/// names each input that panics.
fn replay(name: &str, target: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz-regressions")
        .join(name);
    let mut inputs: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    inputs.retain(|p: &std::path::PathBuf| p.is_file());
    inputs.sort();
    let failed: Vec<String> = inputs
        .iter()
        .filter(|input| {
            let data = std::fs::read(input).unwrap_or_default();
            std::panic::catch_unwind(|| target(&data)).is_err()
        })
        .map(|input| input.display().to_string())
        .collect();
    assert!(failed.is_empty(), "{name} fails again on {failed:#?}");
}

#[test]
fn parse() {
    replay("parse", targets::parse);
}

#[test]
fn check() {
    replay("check", targets::check);
}

#[test]
fn fmt() {
    replay("fmt", targets::fmt);
}

#[test]
fn facts() {
    replay("facts", targets::facts);
}

#[test]
fn eval() {
    replay("eval", targets::eval);
}

#[test]
fn report() {
    replay("report", targets::report);
}
