//! `adhere simulate` (not written yet).

/// Flags of `adhere simulate`.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> crate::Result<u8> {
    Err(crate::Error::usage("adhere simulate is not implemented yet"))
}
