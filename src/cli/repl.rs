//! `onus repl`: the interactive (or piped) session of `onus::repl`.

use super::common::{Limits, YamlReading, options, parse_date};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Policy files or directories to load first (every .onus file below them).
    paths: Vec<PathBuf>,
    /// Facts: FILE, or NAME=FILE (read as facts.NAME); a .jsonl file is a
    /// list of its lines, a .yaml or .yml file YAML.
    #[arg(long, value_name = "[NAME=]FILE")]
    facts: Vec<String>,
    /// The date the session takes as today (YYYY-MM-DD); default: today in UTC.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    now: Option<jiff::civil::Date>,
    #[command(flatten)]
    limits: Limits,
    #[command(flatten)]
    yaml: YamlReading,
}

pub fn run(args: Args) -> i32 {
    onus::repl::run(onus::repl::Config {
        options: options(args.now, &args.limits),
        paths: args.paths,
        facts: args.facts,
        yaml_schema: args.yaml.yaml_schema,
    })
}
