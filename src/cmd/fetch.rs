//! `adhere fetch` (not written yet).

/// Flags of `adhere fetch`.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> crate::Result<u8> {
    Err(crate::Error::usage("adhere fetch is not implemented yet"))
}
