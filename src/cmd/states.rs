//! `adhere states` (not written yet).

/// Flags of `adhere states`.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> crate::Result<u8> {
    Err(crate::Error::usage("adhere states is not implemented yet"))
}
