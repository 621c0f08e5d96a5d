//! `adhere report` (not written yet).

/// Flags of `adhere report`.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> crate::Result<u8> {
    Err(crate::Error::usage("adhere report is not implemented yet"))
}
