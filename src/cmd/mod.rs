//! One file per subcommand (`adhere <name>` lives in `cmd/<name>.rs`), each opening with its
//! usage. A command returns the process exit code it wants on success (0, or 3 when a
//! threshold is missed); errors carry their own code.

pub mod common;
pub mod explain;
pub mod fetch;
pub mod inputs;
pub mod report;
pub mod schedule;
pub mod simulate;
pub mod states;

use crate::cli::{Cli, Command};
use crate::Result;

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Fetch(args) => fetch::run(args),
        Command::Report(args) => report::run(args),
        Command::Explain(args) => explain::run(args),
        Command::States(args) => states::run(args),
        Command::Schedule(cmd) => schedule::run(cmd),
        Command::Simulate(args) => simulate::run(args),
    }
}
