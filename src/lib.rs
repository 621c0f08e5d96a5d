//! adhere: schedule adherence analytics for contact-center workforce management.
//!
//! The library is the whole engine; `main.rs` only parses the command line, calls
//! [`cmd`] and maps errors to exit codes. Data flows one way:
//!
//! ```text
//! activity files / fetch store ──► activity::Activity (events frame, coverage, agents)
//! schedule files ────────────────► schedule::Schedule (rows frame, shifts)
//! rules TOML ────────────────────► rules::Rules
//!                 adherence::compute ──► adherence::Report (one DataFrame per view)
//!                 report::write ───────► table | csv | json | ndjson | …
//! ```

pub mod activity;
pub mod adherence;
pub mod cli;
pub mod cmd;
pub mod enrich;
pub mod error;
pub mod liveperson;
pub mod report;
pub mod rules;
pub mod schedule;
pub mod simulate;
pub mod time;
pub mod timing;

pub use error::{Error, Result};
