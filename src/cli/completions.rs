//! `onus completions SHELL`: the shell completion script for the whole
//! command line, generated from its clap definition, on standard output.

use clap_complete::Shell;

#[derive(clap::Args)]
pub struct Args {
    /// The shell: bash, zsh, fish, powershell or elvish.
    shell: Shell,
}

pub fn run(args: Args, mut command: clap::Command) -> i32 {
    // Generated into memory first: the generator panics on a closed pipe.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "onus", &mut script);
    super::common::write_out(&String::from_utf8_lossy(&script));
    0
}
