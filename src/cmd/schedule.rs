//! `adhere schedule check|diff` (not written yet).

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Validate schedule files and summarise them.
    Check {},
    /// Compare two schedule files.
    Diff {},
}

pub fn run(_cmd: Command) -> crate::Result<u8> {
    Err(crate::Error::usage("adhere schedule is not implemented yet"))
}
