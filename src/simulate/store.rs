//! `adhere simulate --store`: the simulated pages as an `adhere fetch` store, so the store
//! paths of `report` (Parquet input, agent partitions) can be tried and measured without a
//! LivePerson account. Each UTC day's pages are read back with the fetch client's own page
//! parser and committed as one window, exactly as `adhere fetch` would have stored them
//! (repeats dropped, junk records kept for the engine to count).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::liveperson::model::parse_page;
use crate::liveperson::store::Store;
use crate::time::{self, DAY, HOUR};

/// The account a simulated store belongs to.
pub const ACCOUNT: &str = "simulated";

/// What [`pages_to_store`] wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreCounts {
    pub days: u64,
    pub records: u64,
}

/// Writes the pages in `pages` (`YYYY-MM-DD-pNNNN.json`, one UTC day per window) into a
/// fetch store at `store`, which must be new or empty.
pub fn pages_to_store(pages: &Path, store: &Path) -> Result<StoreCounts> {
    let mut by_day: BTreeMap<i64, Vec<PathBuf>> = BTreeMap::new();
    for entry in std::fs::read_dir(pages).map_err(|e| Error::io(pages, e))? {
        let path = entry.map_err(|e| Error::io(pages, e))?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let Some(day) = name.get(..10).and_then(time::parse_date).map(time::day_number) else { continue };
        if name.ends_with(".json") {
            by_day.entry(day).or_default().push(path);
        }
    }
    let mut st = Store::open(store, ACCOUNT, None)?;
    let mut counts = StoreCounts::default();
    for (day, mut files) in by_day {
        files.sort();
        let mut records = Vec::new();
        for f in &files {
            let bytes = std::fs::read(f).map_err(|e| Error::io(f, e))?;
            let page =
                parse_page(&bytes).map_err(|p| Error::input(crate::error::Location::file(f), format!("not an API v2 page: {p:?}")))?;
            records.extend(page.records);
        }
        counts.records += records.len() as u64;
        counts.days += 1;
        let (start, end) = (day * DAY, (day + 1) * DAY);
        // Fetched two hours after the window ended: final, as a fetch of a past day is.
        st.commit(start, end, records, end + 2 * HOUR)?;
    }
    Ok(counts)
}
