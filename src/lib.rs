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

/// Turns transparent huge pages off for this process (the `adhere` command and the
/// benchmarks call it first). The engine allocates and frees columns of hundreds of
/// megabytes; with huge pages every first touch of a fresh 2 MiB region makes the kernel
/// zero all of it, and on the 2-core reference machine that zeroing took about half of a W1
/// report's CPU time (BENCHMARKS.md: W1 from the store took 14–17 s with huge pages and
/// 7.4–7.7 s without). Only this process is affected; a kernel that refuses is harmless.
pub fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl(PR_SET_THP_DISABLE) takes plain integers and touches none of our memory.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1 as libc::c_ulong, 0 as libc::c_ulong, 0 as libc::c_ulong, 0 as libc::c_ulong);
    }
}
