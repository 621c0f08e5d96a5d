//! The `adhere` command: parse, dispatch, map errors to exit codes. Everything else is the
//! library.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = adhere::cli::Cli::parse();
    match adhere::cmd::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(err.exit_code())
        }
    }
}
