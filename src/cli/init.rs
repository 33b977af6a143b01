//! `onus init [DIR]`: writes a starter project (a policy with services on
//! std models, a checked control and a test, a facts sample, and the
//! `onus.toml` the language server reads) that passes `onus check . --facts
//! facts.json` and `onus test .`. Never overwrites a file.

use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    /// The folder to write into (created if needed).
    #[arg(default_value = ".")]
    dir: PathBuf,
}

/// The starter files: name, text.
pub const FILES: &[(&str, &str)] = &[
    ("policy.onus", include_str!("init/policy.onus")),
    ("facts.json", include_str!("init/facts.json")),
    (onus::lsp::PROJECT_FILE, include_str!("init/onus.toml")),
];

pub fn run(args: Args) -> i32 {
    let existing: Vec<String> = FILES
        .iter()
        .map(|(name, _)| args.dir.join(name))
        .filter(|p| p.exists())
        .map(|p| p.display().to_string())
        .collect();
    if !existing.is_empty() {
        eprintln!(
            "error: onus init writes only new files, and these exist: {}",
            existing.join(", ")
        );
        return 2;
    }
    if let Err(e) = write(&args.dir) {
        eprintln!("error: cannot write into {}: {e}", args.dir.display());
        return 2;
    }
    let shown = args.dir.display();
    println!(
        "wrote {}\nnext: cd {shown} && onus check . --facts facts.json && onus test .",
        FILES
            .iter()
            .map(|(n, _)| args.dir.join(n).display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    0
}

fn write(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for (name, text) in FILES {
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(dir.join(name))
            .and_then(|mut f| std::io::Write::write_all(&mut f, text.as_bytes()))?;
    }
    Ok(())
}
