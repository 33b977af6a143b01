//! `onus man`: the manual page (roff), generated from the clap definition,
//! on standard output, or with `--dir` as `onus.1` plus one page per
//! command (`onus-check.1`, ...) in a folder.

use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Write onus.1 and a page per command into this folder instead.
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

pub fn run(args: Args, command: clap::Command) -> i32 {
    let Some(dir) = args.dir else {
        let mut out = Vec::new();
        if clap_mangen::Man::new(command).render(&mut out).is_err() {
            return 2;
        }
        super::common::write_out(&String::from_utf8_lossy(&out));
        return 0;
    };
    let pages =
        std::fs::create_dir_all(&dir).and_then(|()| clap_mangen::generate_to(command, &dir));
    match pages {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: cannot write manual pages to {}: {e}", dir.display());
            2
        }
    }
}
