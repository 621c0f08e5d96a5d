//! The fetch store: Parquet files of status-change records plus a manifest of the windows
//! fetched completely (placeholder: the fetch issue writes the real store).

use std::path::Path;

use crate::activity::Loaded;
use crate::error::{Error, Result};

/// The manifest's file name; a directory holding it is a store.
pub const MANIFEST_FILE: &str = "manifest.json";

/// Whether `dir` is a fetch store.
pub fn is_store(dir: &Path) -> bool {
    dir.join(MANIFEST_FILE).is_file()
}

/// Reads every record in the store and the windows it covers.
pub fn read_store(dir: &Path) -> Result<Loaded> {
    Err(Error::usage(format!("{}: reading a fetch store is not implemented yet", dir.display())))
}
