//! `onus lsp`: the language server on standard input and output, until
//! the client shuts it down (exit 0) or the connection fails (exit 2).

use lsp_server::Connection;

#[derive(clap::Args)]
pub struct Args {
    /// Talk over standard input and output (the only transport; accepted
    /// because editors' clients pass it).
    #[arg(long)]
    stdio: bool,
}

pub fn run(args: Args) -> i32 {
    let _ = args.stdio;
    let (connection, io_threads) = Connection::stdio();
    let served = onus::lsp::serve(&connection);
    drop(connection);
    let joined = io_threads.join();
    match (served, joined) {
        (Ok(()), Ok(())) => 0,
        (Err(e), _) => {
            eprintln!("onus lsp: {e}");
            2
        }
        (_, Err(e)) => {
            eprintln!("onus lsp: {e}");
            2
        }
    }
}
