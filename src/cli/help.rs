//! `onus help [TOPIC]`: `builtins` (or one built-in's name) prints the
//! built-in functions' documentation, from the same table as the REPL's
//! `:help NAME`; a command's name prints that command's help.

use onus::builtins::Builtin;

#[derive(clap::Args)]
pub struct Args {
    /// `builtins`, `builtins NAME`, a built-in's name, or a command.
    topic: Vec<String>,
}

pub fn run(args: Args, mut command: clap::Command) -> i32 {
    command.build();
    let words: Vec<&str> = args.topic.iter().map(String::as_str).collect();
    let builtin = |name: &str| Builtin::from_name(name).map(onus::help::builtin);
    let text = match words.as_slice() {
        [] => Some(command.render_help().to_string()),
        ["builtins"] => Some(onus::help::builtins()),
        ["builtins", name] => builtin(name),
        [name] => builtin(name).or_else(|| {
            command
                .find_subcommand_mut(name)
                .map(|sub| sub.render_long_help().to_string())
        }),
        _ => None,
    };
    match text {
        Some(text) => {
            super::common::write_out(&text);
            0
        }
        None => {
            eprintln!(
                "error: no help on `{}`; try `onus help builtins` or `onus help COMMAND`",
                words.join(" ")
            );
            2
        }
    }
}
