//! `adhere simulate`: write a realistic simulated data set (API pages, a schedule, rules).
//!
//! ```text
//! adhere simulate --agents 25 --days 35 --seed 7 --out my-data
//! adhere report --activity my-data/activity --schedule my-data/schedule.csv --rules my-data/rules.toml
//! ```

use std::path::PathBuf;

use chrono::NaiveDate;
use is_terminal::IsTerminal;

use crate::simulate::{simulate_enrichment, simulate_with_progress, SimConfig};

/// Flags of `adhere simulate`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  adhere simulate --agents 25 --days 35 --seed 7 --out my-data
  adhere simulate --agents 1000 --days 31 --start 2024-01-01 --out bench-data

The same flags always write byte-identical files. Output: DIR/activity/ (API v2 pages,
one UTC day per window), DIR/schedule.csv and DIR/rules.toml; with --store also DIR/store,
the same activity as an `adhere fetch` store.")]
pub struct Args {
    /// Number of agents.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub agents: u32,
    /// Number of days, from --start.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=3660))]
    pub days: u32,
    /// Random seed: the same seed and flags give the same data.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// First day, YYYY-MM-DD (UTC for the pages, local for the schedule).
    #[arg(long, default_value = "2024-03-04", value_parser = parse_date)]
    pub start: NaiveDate,
    /// Records per API page (the `limit` of the API).
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub page_size: u32,
    /// Records per worked shift on average, login and logout included.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u32).range(4..=1000))]
    pub changes_per_shift: u32,
    /// Output directory (created if needed).
    #[arg(long)]
    pub out: PathBuf,
    /// Replace DIR/activity, DIR/schedule.csv and DIR/rules.toml if they exist (and the
    /// enrichment files in --enrichment-out).
    #[arg(long)]
    pub force: bool,
    /// Also write what the Users, Agent Groups, Status Reasons and Messaging Interactions
    /// APIs would answer for these agents (users.json, agent-groups.json,
    /// status-reasons.json, conversations/) into this directory, for `--enrichment`.
    #[arg(long, value_name = "DIR")]
    pub enrichment_out: Option<PathBuf>,
    /// Also write the activity as an `adhere fetch` store in DIR/store (one final window
    /// per UTC day), the input `report --activity DIR/store` reads fastest and in agent
    /// partitions.
    #[arg(long)]
    pub store: bool,
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    crate::time::parse_date(s).ok_or_else(|| format!("{s:?} is not a date; write YYYY-MM-DD"))
}

pub fn run(args: Args) -> crate::Result<u8> {
    let cfg = SimConfig {
        agents: args.agents,
        days: args.days,
        seed: args.seed,
        start: args.start,
        page_size: args.page_size,
        changes_per_shift: args.changes_per_shift,
        force: args.force,
    };
    let store_dir = args.out.join(crate::simulate::STORE_DIR);
    if args.store && store_dir.exists() && !args.force {
        return Err(crate::Error::usage(format!("{} already exists; pass --force to replace simulated data", store_dir.display())));
    }
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(cfg.days as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template("simulating {bar:40} {pos}/{len} days ({eta} left)").expect("progress template"),
        );
        bar
    });
    let summary = simulate_with_progress(&cfg, &args.out, &|done| {
        if let Some(b) = &bar {
            b.set_position(done as u64);
        }
    });
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let summary = summary?;
    println!("{summary}");
    let out = args.out.display();
    if args.store {
        let dir = args.out.join(crate::simulate::STORE_DIR);
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|e| crate::Error::io(&dir, e))?;
        }
        let c = crate::simulate::store::pages_to_store(&args.out.join(crate::simulate::ACTIVITY_DIR), &dir)?;
        println!("wrote the fetch store {}: {} records in {} day files", dir.display(), c.records, c.days);
        println!("try: adhere report --activity {out}/store --schedule {out}/schedule.csv --rules {out}/rules.toml");
    }
    match &args.enrichment_out {
        None => println!("try: adhere report --activity {out}/activity --schedule {out}/schedule.csv --rules {out}/rules.toml"),
        Some(dir) => {
            let c = simulate_enrichment(&cfg, &args.out, dir)?;
            println!(
                "wrote enrichment to {}: {} users, {} agent groups, {} status reasons, {} closed conversations ({} transferred) in {} pages",
                dir.display(),
                c.users,
                c.groups,
                c.reasons,
                c.conversations,
                c.transferred,
                c.pages
            );
            println!(
                "try: adhere report --activity {out}/activity --schedule {out}/schedule.csv --rules {out}/rules.toml --enrichment {} --view productivity",
                dir.display()
            );
        }
    }
    Ok(0)
}
