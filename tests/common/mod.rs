//! What the end-to-end test binaries share: the repository root, and the
//! `onus` binary run there with colour off, standard input closed and the
//! report's start time fixed (`SOURCE_DATE_EPOCH`, so that reports compared
//! across runs do not differ by it); out come its exit code and its output
//! as UTF-8. Each binary that declares `mod common` uses part of it.
#![allow(
    dead_code,
    reason = "each test binary compiles this module and uses only part of it"
)]

use std::path::PathBuf;
use std::process::{Command, Stdio};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `onus ARGS` in the repository root.
pub fn onus(args: &[&str]) -> Run {
    run(args, Some("1795338000"))
}

/// `onus`, without `SOURCE_DATE_EPOCH`: as a user runs it.
pub fn onus_as_a_user(args: &[&str]) -> Run {
    run(args, None)
}

fn run(args: &[&str], source_date_epoch: Option<&str>) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_onus"));
    command
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    match source_date_epoch {
        Some(epoch) => command.env("SOURCE_DATE_EPOCH", epoch),
        None => command.env_remove("SOURCE_DATE_EPOCH"),
    };
    let out = command.output().expect("the onus binary runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    }
}
