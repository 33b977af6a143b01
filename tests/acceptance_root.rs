//! Hostile environments that only root can set up (CI runs as root): each
//! case is a trial, shown as *ignored* when the tests do not run as root.
//! `onus fmt` rewriting a file that belongs to another user must leave it
//! that user's, with its mode: replacing it with a root-owned copy (mode
//! 0600) locked its owner out of their own file.

use libtest_mimic::{Arguments, Failed, Trial};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0");
    let trials = vec![
        Trial::test(
            "fmt_keeps_the_owner_group_and_mode",
            fmt_keeps_the_owner_group_and_mode,
        )
        .with_ignored_flag(!root),
    ];
    libtest_mimic::run(&Arguments::from_args(), trials).exit();
}

/// A fresh folder, removed when the trial ends.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn scratch(name: &str) -> Result<Scratch, Failed> {
    let dir = std::env::temp_dir().join(format!("onus-root-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    Ok(Scratch(dir))
}

fn fmt_keeps_the_owner_group_and_mode() -> Result<(), Failed> {
    let dir = scratch("fmt-owner")?;
    let file = dir.0.join("theirs.onus");
    std::fs::write(&file, "let   x =   1\n")?;
    std::os::unix::fs::chown(&file, Some(65534), Some(65534))?;
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))?;
    let out = Command::new(env!("CARGO_BIN_EXE_onus"))
        .args(["fmt", "theirs.onus"])
        .current_dir(&dir.0)
        .output()?;
    if out.status.code() != Some(0) {
        return Err(format!(
            "exit {:?}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    let meta = std::fs::metadata(&file)?;
    let got = (meta.uid(), meta.gid(), meta.mode() & 0o7777);
    if got != (65534, 65534, 0o600) {
        return Err(format!("owner, group and mode are now {got:?}").into());
    }
    let text = std::fs::read_to_string(Path::new(&file))?;
    if text != "let x = 1\n" {
        return Err(format!("not formatted: {text:?}").into());
    }
    Ok(())
}
