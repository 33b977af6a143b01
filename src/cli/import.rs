//! `onus import oscal FILE`: onus source from a provider's OSCAL system
//! security plan or component definition, on stdout or in `--output FILE`.
//! Exit 0 when written, 2 when the document, the mapping file or a flag is
//! unreadable or invalid (its diagnostic on stderr).

#![allow(
    clippy::result_large_err,
    reason = "one import per run; its one refusal is rendered at once"
)]

use super::common::{print_sourceless, write_out};
use onus::diagnostic::Diagnostic;
use onus::framework::MAX_CATALOG_BYTES;
use onus::oscal::import::{self, Mapping};
use onus::session::{display_name, io_reason, read_json_text};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    from: From,
}

#[derive(clap::Subcommand)]
enum From {
    /// An OSCAL JSON system security plan (its `provided` and
    /// `responsibility` statements) or component definition.
    Oscal(OscalArgs),
}

#[derive(clap::Args)]
struct OscalArgs {
    /// The OSCAL JSON document.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// The model's name (default: the system's or component's title as an
    /// identifier).
    #[arg(long, value_name = "NAME")]
    as_model: Option<String>,
    /// A JSON object from requirement ids or families to layers
    /// (`{"sc-7": "exposure", "pe": "facility"}`), over the default table.
    #[arg(long, value_name = "FILE")]
    mapping: Option<PathBuf>,
    /// A standard model the imported one extends, so that the layers the
    /// document does not speak of have deciders.
    #[arg(long, value_name = "MODEL")]
    extends: Option<String>,
    /// The framework name in the refs (default: nist_800_53 for an SP 800-53
    /// document, else oscal).
    #[arg(long, value_name = "NAME")]
    framework: Option<String>,
    /// Declare the framework from this OSCAL catalog (`framework NAME from
    /// "FILE"`, relative to where the output is written), so refs are checked.
    #[arg(long, value_name = "FILE")]
    catalog: Option<String>,
    /// Write the policy to FILE instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
}

/// An OSCAL document is read within the catalogs' limit (64 MiB).
fn read(path: &std::path::Path, what: &str) -> Result<Vec<u8>, Diagnostic> {
    read_json_text(path, MAX_CATALOG_BYTES).map_err(|e| {
        Diagnostic::error(
            "O101",
            format!("cannot read {what} {}: {e}", display_name(path)),
        )
    })
}

pub fn run(args: Args) -> i32 {
    let From::Oscal(args) = args.from;
    match oscal(&args) {
        Ok(()) => 0,
        Err(diagnostic) => {
            print_sourceless(&[diagnostic]);
            2
        }
    }
}

fn oscal(args: &OscalArgs) -> Result<(), Diagnostic> {
    let bytes = read(&args.file, "document")?;
    let mapping_name = args.mapping.as_ref().map(|p| display_name(p));
    let mapping = match (&args.mapping, &mapping_name) {
        (Some(path), Some(name)) => {
            let bytes = read(path, "mapping file")?;
            let text = String::from_utf8_lossy(&bytes);
            Some(Mapping::with_file(name, &text)?)
        }
        _ => None,
    };
    let options = import::Options {
        model: args.as_model.as_deref(),
        extends: args.extends.as_deref(),
        framework: args.framework.as_deref(),
        catalog: args.catalog.as_deref(),
        mapping: mapping_name.as_deref().zip(mapping.as_ref()),
    };
    let source = import::import(&display_name(&args.file), &bytes, &options)?;
    match &args.output {
        None => write_out(&source),
        Some(path) => std::fs::write(path, source).map_err(|e| {
            Diagnostic::error(
                "O101",
                format!("cannot write {}: {}", display_name(path), io_reason(&e)),
            )
        })?,
    }
    Ok(())
}
