//! `onus fmt` over every policy the repository ships: formatting is
//! idempotent and keeps the tree; the shipped standard library is already
//! formatted; files are rewritten atomically and never when they do not parse.

use onus::fmt::{format_source, tree::same_tree};
use onus::parser::parse_module;
use onus::source::FileId;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn onus_files_below(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            onus_files_below(&path, out);
        } else if path.extension().is_some_and(|e| e == "onus") {
            out.push(path);
        }
    }
}

fn shipped_policies() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["examples", "grammar", "stdlib", "tests"] {
        onus_files_below(&root().join(dir), &mut files);
    }
    files.sort();
    files
}

fn onus(args: &[&str]) -> Output {
    match Command::new(env!("CARGO_BIN_EXE_onus"))
        .args(args)
        .current_dir(root())
        .output()
    {
        Ok(out) => out,
        Err(e) => panic!("cannot run onus: {e}"),
    }
}

/// A fresh directory for one test, below cargo's scratch space.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("fmt")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

#[test]
fn formatting_every_shipped_policy_is_idempotent_and_keeps_the_tree() {
    let files = shipped_policies();
    assert!(
        files.len() >= 3,
        "expected policies under stdlib/ and tests/, found {files:?}"
    );
    for path in files {
        let bytes = std::fs::read(&path).expect("readable policy");
        // The bad-input catalogue's invalid UTF-8 files are refused before
        // any parsing (F003): there is nothing to format.
        let Ok(src) = String::from_utf8(bytes) else {
            continue;
        };
        let parsed = parse_module(&src, FileId(0));
        let formatted = format_source(&src, FileId(0));
        if parsed.diagnostics.iter().any(|d| d.is_error()) {
            assert!(
                formatted.is_err(),
                "{} does not parse but was formatted",
                path.display()
            );
            continue;
        }
        let once =
            formatted.unwrap_or_else(|d| panic!("{} did not format: {d:#?}", path.display()));
        let twice = format_source(&once, FileId(0))
            .unwrap_or_else(|d| panic!("{} formatted badly: {d:#?}", path.display()));
        assert_eq!(once, twice, "formatting {} twice differs", path.display());
        let reparsed = parse_module(&once, FileId(0));
        assert!(
            same_tree(&parsed.module, &reparsed.module),
            "formatting {} changed its tree",
            path.display()
        );
        assert_eq!(
            parsed.comments.len(),
            reparsed.comments.len(),
            "formatting {} lost a comment",
            path.display()
        );
    }
}

#[test]
fn shipped_policies_are_formatted() {
    let out = onus(&[
        "fmt",
        "--check",
        "stdlib",
        "examples",
        "examples/regulated_db/_claim",
        "examples/shared_cluster/_claim",
        "grammar",
        "bench",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn a_file_that_does_not_parse_is_left_byte_for_byte() {
    let dir = scratch("unparsable");
    let file = dir.join("broken.onus");
    let original = b"control  broken {\r\n  require\n}\n\n\n   let x=1\n";
    std::fs::write(&file, original).expect("write fixture");
    let out = onus(&["fmt", file.to_str().expect("utf-8 path")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("P010"));
    assert_eq!(std::fs::read(&file).expect("read back"), original);
}

#[test]
fn files_are_rewritten_in_place_with_nothing_left_beside_them() {
    let dir = scratch("rewrite");
    std::fs::write(dir.join("a.onus"), "let  x=1\n").expect("write fixture");
    std::fs::write(dir.join("b.onus"), "let y = 2\n").expect("write fixture");
    let dir_arg = dir.to_str().expect("utf-8 path");

    let check = onus(&["fmt", "--check", dir_arg]);
    assert_eq!(check.status.code(), Some(1));
    let listed = String::from_utf8_lossy(&check.stdout);
    assert!(
        listed.contains("a.onus") && !listed.contains("b.onus"),
        "{listed}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("a.onus")).expect("read"),
        "let  x=1\n"
    );

    let write = onus(&["fmt", dir_arg]);
    assert_eq!(
        write.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&write.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("a.onus")).expect("read"),
        "let x = 1\n"
    );
    let mut left: Vec<String> = std::fs::read_dir(&dir)
        .expect("list")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["a.onus", "b.onus"]);
    assert_eq!(onus(&["fmt", "--check", dir_arg]).status.code(), Some(0));
}

#[test]
fn a_missing_file_is_an_error_naming_it() {
    let out = onus(&["fmt", "no/such/policy.onus"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no/such/policy.onus"));
}
