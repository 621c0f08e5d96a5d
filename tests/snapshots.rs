//! Snapshot tests (insta) of every report view on the bundled sample data, pinned as CSV.
//! Agents and teams cover the whole five weeks; the row-heavy views cover the days around
//! the US (10 March 2024) and EU (31 March 2024) daylight-saving changes.

use std::path::PathBuf;

use adhere::activity::{Activity, LoadOptions};
use adhere::adherence::{self, Options, Report, ViewName};
use adhere::report::{exporter, Format, Output};
use adhere::rules::Rules;
use adhere::schedule::{self, ReadOptions};
use adhere::time::{day_number, parse_date};

fn sample() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/sample")
}

fn report(from: Option<&str>, to: Option<&str>) -> Report {
    let dir = sample();
    let rules = Rules::load(&dir.join("rules.toml")).unwrap();
    let rows = schedule::read_files(&[dir.join("schedule.csv")], None, &ReadOptions::default()).unwrap();
    let activity = Activity::load(&[dir.join("activity")], &LoadOptions::default()).unwrap();
    let day = |s: Option<&str>| s.map(|s| day_number(parse_date(s).unwrap()));
    let opts = Options { from: day(from), to: day(to), ..Default::default() };
    adherence::compute(&activity, &rows.rows, &rules, &opts).unwrap()
}

fn csv(report: &Report, view: ViewName) -> String {
    let bytes = exporter(Format::Csv).unwrap().serialize(&Output { view, frame: report.view(view), report: Some(report) }).unwrap();
    String::from_utf8(bytes).unwrap()
}

#[test]
fn whole_period_roll_ups() {
    let r = report(None, None);
    insta::assert_snapshot!("agents", csv(&r, ViewName::Agents));
    insta::assert_snapshot!("teams", csv(&r, ViewName::Teams));
    insta::assert_snapshot!("overall", format!("{:#?}", r.overall));
}

#[test]
fn views_around_the_us_dst_change() {
    let r = report(Some("2024-03-08"), Some("2024-03-12"));
    for v in [ViewName::Shifts, ViewName::Exceptions, ViewName::Intervals, ViewName::States] {
        insta::assert_snapshot!(format!("us_dst_{}", v.name()), csv(&r, v));
    }
}

#[test]
fn views_around_the_eu_dst_change() {
    let r = report(Some("2024-03-29"), Some("2024-04-02"));
    for v in [ViewName::Shifts, ViewName::Exceptions, ViewName::Intervals, ViewName::States] {
        insta::assert_snapshot!(format!("eu_dst_{}", v.name()), csv(&r, v));
    }
}

#[test]
fn seconds_never_carry_more_than_three_decimals() {
    let r = report(None, None);
    for v in ViewName::ALL {
        let df = r.view(v);
        for c in df.columns() {
            if c.name().ends_with("seconds") {
                for x in c.f64().unwrap().iter().flatten() {
                    let ms = x * 1000.0;
                    assert!((ms - ms.round()).abs() < 1e-6, "{} {}: {x}", v.name(), c.name());
                    assert!(adhere::report::cells::fmt_float(x).split('.').nth(1).is_none_or(|f| f.len() <= 3), "{x}");
                }
            }
        }
    }
}

/// The sample with its enrichment (`fixtures/sample-enrichment`): names, group names and
/// levels, reason texts, closed conversations.
fn enriched(from: Option<&str>, to: Option<&str>, opts: adhere::enrich::EnrichOptions) -> Report {
    use adhere::enrich::{load_activity, Enrichment};
    let dir = sample();
    let enrichment = Enrichment::load(&[PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/sample-enrichment")]).unwrap();
    let rules = Rules::load(&dir.join("rules.toml")).unwrap();
    let rows = schedule::read_files(&[dir.join("schedule.csv")], None, &ReadOptions::default()).unwrap();
    let activity = load_activity(&[dir.join("activity")], None, &enrichment, &opts).unwrap();
    let day = |s: Option<&str>| s.map(|s| day_number(parse_date(s).unwrap()));
    let options = Options { from: day(from), to: day(to), closed_conversations: Some(enrichment.closed_by_agent()), ..Default::default() };
    adherence::compute(&activity, &rows.rows, &rules, &options).unwrap()
}

#[test]
fn productivity_with_enrichment_around_the_us_dst_change() {
    let r = enriched(Some("2024-03-08"), Some("2024-03-12"), Default::default());
    insta::assert_snapshot!("enriched_productivity", csv(&r, ViewName::Productivity));
}

#[test]
fn teams_with_group_names_at_each_level() {
    use adhere::enrich::{EnrichOptions, TeamLevel};
    let leaf = enriched(None, None, Default::default());
    insta::assert_snapshot!("enriched_teams_leaf", csv(&leaf, ViewName::Teams));
    let level1 = enriched(None, None, EnrichOptions { team_level: TeamLevel::Depth(1), ..Default::default() });
    insta::assert_snapshot!("enriched_teams_level1", csv(&level1, ViewName::Teams));
    // Rolling up changes who is counted where, never the overall figure.
    assert_eq!(leaf.overall, level1.overall);
    assert_eq!(leaf.overall, report(None, None).overall);
}
