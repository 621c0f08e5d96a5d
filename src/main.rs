//! The `adhere` command: parse, dispatch, map errors to exit codes. Everything else is the
//! library.

use std::process::ExitCode;

use clap::Parser;

// A month of a large contact center allocates and frees gigabytes in millions of pieces;
// mimalloc reuses that memory instead of handing it back to the OS and faulting it in
// again (measured in BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    adhere::no_huge_pages();
    let cli = adhere::cli::Cli::parse();
    match adhere::cmd::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(err.exit_code())
        }
    }
}
