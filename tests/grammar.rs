//! Every policy shipped as an example (`grammar/`, `examples/`) and the
//! standard library parse without a diagnostic.

use onus::parser::parse_module;
use onus::source::FileId;
use std::path::{Path, PathBuf};

fn onus_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let p = entry.path();
        if p.is_dir() {
            onus_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "onus") {
            out.push(p);
        }
    }
}

#[test]
fn shipped_policies_parse() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["grammar", "examples", "stdlib"] {
        onus_files(&root.join(dir), &mut files);
    }
    assert!(
        files.iter().any(|f| f.starts_with(root.join("grammar"))),
        "grammar/ has an example"
    );
    for f in files {
        let text = std::fs::read_to_string(&f).expect("readable");
        let parsed = parse_module(&text, FileId(0));
        assert!(
            parsed.diagnostics.is_empty(),
            "{}: {:#?}",
            f.display(),
            parsed.diagnostics
        );
        assert!(!parsed.module.items.is_empty(), "{} is empty", f.display());
    }
}
