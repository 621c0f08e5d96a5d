//! The whole command-line surface. Each subcommand's flags live beside its code in
//! `src/cmd/<name>.rs`; this file only assembles them.

use clap::{Parser, Subcommand};

use crate::cmd;

/// Schedule adherence for contact centers on LivePerson: who logged in late, who left early,
/// how much of each shift was worked as scheduled, and how long agents spent in each state.
#[derive(Debug, Parser)]
#[command(name = "adhere", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Fetch agent status changes from the LivePerson Agent Activity API into a local store.
    Fetch(cmd::fetch::Args),
    /// Match activity against schedules and report adherence, conformance, lateness, …
    Report(cmd::report::Args),
    /// Explain one agent's shift: every piece, its verdict and rule, and how each figure is made.
    Explain(cmd::explain::Args),
    /// Time in each state per agent and local day (needs no schedule).
    States(cmd::states::Args),
    /// Check and compare schedule files.
    #[command(subcommand)]
    Schedule(cmd::schedule::Command),
    /// Write a realistic simulated data set: API pages, a schedule and rules.
    Simulate(cmd::simulate::Args),
}
