//! Reports for people and pipelines: the Markdown summary, the HTML page (its content, not its
//! rendering — see `html_browser.rs`), CI targets with exit code 3 and `--summary-json`.

mod common;

use assert_cmd::Command;
use common::scenario::{self, Scenario, TARGET_RULES};
use predicates::prelude::*;
use serde_json::Value;

fn adhere() -> Command {
    Command::cargo_bin("adhere").unwrap()
}

fn small(rules: Option<&str>) -> Scenario {
    let (pages, csv) = scenario::small();
    Scenario::write(&pages, &csv, rules)
}

fn stdout_of(sc: &Scenario, extra: &[&str]) -> String {
    let out = adhere().arg("report").args(sc.args()).args(extra).output().unwrap();
    String::from_utf8(out.stdout).unwrap()
}

fn json_view(sc: &Scenario, view: &str) -> Vec<Value> {
    serde_json::from_str(&stdout_of(sc, &["--view", view, "--format", "json"])).unwrap()
}

#[test]
fn markdown_summary_with_targets() {
    // In: E1 25 040 + 28 800, E2 0, E3 25 800, E4 14 400 − 1 800 = 92 240 s; out: 1 960 +
    // 14 400 + 3 000 + 1 800 = 21 160 s. Adherence 92 240 / 113 400 = 81.34%, adjusted (the
    // 40 s blip forgiven) 92 280 / 113 400 = 81.38%: under the 90% target. Sales (E1, E4):
    // (66 440 + 40) / 70 200 = 94.70%, under its 95%; Support (E2, E3): 25 800 / 43 200 =
    // 59.72%, under its 80%.
    let sc = small(Some(TARGET_RULES));
    let md = stdout_of(&sc, &["--format", "markdown"]);
    assert!(md.contains("| **Overall** | 81.3% | **81.4%** |"), "{md}");
    assert!(md.contains("overall adjusted adherence 81.38% is below the target 90% (target_pct in the rules)"));
    assert!(md.contains("| Sales | 2 | 3 | 94.6% | 94.7% |"));
    assert!(md.contains("| Support | 2 | 2 | 59.7% | 59.7% |"));
    insta::assert_snapshot!("markdown_small_with_targets", md);
    // Same input, same bytes.
    assert_eq!(md, stdout_of(&sc, &["--format", "markdown"]));

    // Every team's adherence and adjusted adherence as the teams view has them.
    for t in json_view(&sc, "teams") {
        let line = md.lines().find(|l| l.starts_with(&format!("| {} |", t["team"].as_str().unwrap()))).unwrap();
        for k in ["adherence_pct", "adjusted_adherence_pct"] {
            let shown = format!("{:.1}%", t[k].as_f64().unwrap());
            assert!(line.contains(&shown), "{k} {shown} not in {line}");
        }
    }
}

#[test]
fn markdown_summary_without_targets_lists_the_lowest_agents() {
    let sc = small(None);
    let md = stdout_of(&sc, &["--format", "markdown"]);
    assert!(md.contains("## Lowest adjusted adherence"), "{md}");
    assert!(!md.contains("target"), "{md}");
    // E2 (0%) comes first, then E3 and E1.
    let e2 = md.find("| E2 |").unwrap();
    let e1 = md.rfind("| E1 |").unwrap();
    assert!(e2 < e1);
}

#[test]
fn team_target_missed_exits_3_naming_the_team() {
    // E2 matched nothing (0%) and E3 lost 20 + 30 minutes: Support is under its 80%.
    let sc = small(Some(TARGET_RULES));
    let summary = sc.files.dir.path().join("out/summary.json");
    adhere()
        .arg("report")
        .args(sc.args())
        .args(["--summary-json", summary.to_str().unwrap()])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("adhere: FAILED: overall adjusted adherence"))
        .stderr(predicate::str::contains("is below the target 90% (target_pct in the rules)"))
        .stderr(predicate::str::contains("team \"Support\" adjusted adherence"))
        .stderr(predicate::str::contains("below the target 80% (team_targets in the rules)"));
    // The failure line is one line.
    let out = adhere().arg("report").args(sc.args()).output().unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().filter(|l| l.contains("FAILED")).count(), 1);

    // The summary JSON is written even when the run fails, and agrees with the views.
    let s: Value = serde_json::from_slice(&std::fs::read(&summary).unwrap()).unwrap();
    assert_eq!(s["passed"], false);
    assert_eq!(s["period"]["from"], "2024-03-04");
    assert_eq!(s["period"]["to"], "2024-03-05");
    let teams = json_view(&sc, "teams");
    assert_eq!(s["teams"].as_array().unwrap().len(), teams.len());
    for (a, b) in s["teams"].as_array().unwrap().iter().zip(&teams) {
        for k in ["team", "agents", "shifts", "adherence_pct", "adjusted_adherence_pct", "conformance_pct", "late_count", "no_show_count"] {
            assert_eq!(a[k], b[k], "{k}");
        }
    }
    let support = s["teams"].as_array().unwrap().iter().find(|t| t["team"] == "Support").unwrap();
    assert_eq!(support["target_pct"], 80);
    assert_eq!(support["passed"], false);
    let targets = s["targets"].as_array().unwrap();
    assert_eq!(targets[0]["scope"], "overall");
    assert_eq!(targets[0]["source"], "target_pct");
    assert_eq!(targets.iter().filter(|t| t["passed"] == false).count(), s["failures"].as_array().unwrap().len());
    let shifts = json_view(&sc, "shifts");
    assert_eq!(s["overall"]["shifts"], shifts.len());
    let sched: f64 = shifts.iter().map(|r| r["scheduled_seconds"].as_f64().unwrap()).sum();
    assert_eq!(s["overall"]["scheduled_seconds"].as_f64().unwrap(), sched);
}

#[test]
fn fail_under_replaces_the_rules_overall_target() {
    // With --fail-under 10 the overall target is 10%, met; the team targets still apply.
    let sc = small(Some(TARGET_RULES));
    adhere()
        .arg("report")
        .args(sc.args())
        .args(["--fail-under", "10"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("team \"Support\""))
        .stderr(predicate::str::contains("overall adjusted adherence").not());
    // Without team targets and under a low bar, the run passes and says so in the summary.
    let sc = small(None);
    let summary = sc.files.dir.path().join("summary.json");
    adhere().arg("report").args(sc.args()).args(["--fail-under", "10", "--summary-json", summary.to_str().unwrap()]).assert().code(0);
    let s: Value = serde_json::from_slice(&std::fs::read(&summary).unwrap()).unwrap();
    assert_eq!(s["passed"], true);
    assert_eq!(s["targets"][0]["source"], "fail_under");
    assert_eq!(s["targets"][0]["target_pct"], 10);
}

#[test]
fn a_team_target_without_shifts_warns_and_does_not_fail() {
    // Targets every team with shifts meets (1%), and one for a team with no shifts at all.
    let rules = TARGET_RULES
        .replace("target_pct = 90", "target_pct = 1")
        .replace("Sales = 95", "Sales = 1")
        .replace("Support = 80", "Support = 1\nNight = 99");
    let sc = small(Some(&rules));
    adhere()
        .arg("report")
        .args(sc.args())
        .assert()
        .code(0)
        .stderr(predicate::str::contains("warning: team \"Night\" adjusted adherence: no figure to check against the target 99%"));
}

#[test]
fn documents_are_whole_reports_written_once() {
    let sc = small(None);
    // --view makes no sense for a whole-report document.
    adhere()
        .arg("report")
        .args(sc.args())
        .args(["--format", "html", "--view", "agents"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("drop --view"));
    // --out DIR → DIR/report.html; --out FILE.md → that file.
    let dir = sc.files.dir.path().join("site");
    adhere().arg("report").args(sc.args()).args(["--format", "html", "--out", dir.to_str().unwrap()]).assert().success();
    assert!(dir.join("report.html").is_file());
    let file = sc.files.dir.path().join("summary.md");
    adhere().arg("report").args(sc.args()).args(["--format", "markdown", "--out", file.to_str().unwrap()]).assert().success();
    assert!(std::fs::read_to_string(&file).unwrap().starts_with("# Adherence report: 2024-03-04 to 2024-03-05"));
    // Nothing else is left in the directories (no temporary files).
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
    // `adhere states` has no adherence report to render.
    let mut states = adhere();
    states.arg("states").arg("--activity").args(&sc.activity).args(["--format", "markdown"]);
    states.assert().code(2).stderr(predicate::str::contains("adhere report --format html"));
}

/// The page script's decoder of timeline lanes: base-32 numbers, digits from MORE then a
/// final digit from LAST.
fn dec(s: &str) -> Vec<i64> {
    const LAST: &str = "0123456789abcdefghijklmnopqrstuv";
    const MORE: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ@^_~|.";
    let mut out = Vec::new();
    let mut v = 0;
    for c in s.chars() {
        match MORE.find(c) {
            Some(d) => v = v * 32 + d as i64,
            None => {
                out.push(v * 32 + LAST.find(c).expect("a digit") as i64);
                v = 0;
            }
        }
    }
    out
}

#[test]
fn html_is_self_contained_and_carries_the_figures() {
    let sc = small(Some(TARGET_RULES));
    let html = stdout_of(&sc, &["--format", "html"]);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("Content-Security-Policy\" content=\"default-src 'none'"));
    // Nothing is loaded from anywhere: no external scripts, styles, images or fonts.
    for bad in ["<link", "src=\"http", "href=\"http", "url(http", "@import", "src=\"//"] {
        assert!(!html.contains(bad), "found {bad}");
    }
    // No address at all: inline SVG needs no namespace URL.
    assert!(!html.contains("http://") && !html.contains("https://"));
    // The timeline data is valid JSON and holds every selected shift.
    let start = html.find("<script id=\"adhere-data\" type=\"application/json\">").unwrap();
    let body = &html[start..];
    let json = &body[body.find('>').unwrap() + 1..body.find("</script>").unwrap()];
    let data: Value = serde_json::from_str(json).unwrap();
    let shifts = json_view(&sc, "shifts");
    assert_eq!(data["shifts"].as_array().unwrap().len(), shifts.len());
    // Each shift's lanes add up: the scheduled and verdict lanes span the shift, the actual
    // lane the window.
    for (s, row) in data["shifts"].as_array().unwrap().iter().zip(&shifts) {
        let sum = |v: &Value| dec(v.as_str().unwrap()).chunks(2).map(|c| c[0]).sum::<i64>();
        let (ss, se) = (s[4].as_i64().unwrap(), s[5].as_i64().unwrap());
        assert_eq!(sum(&s[7]), se - ss);
        assert_eq!(sum(&s[9]), se - ss);
        assert_eq!(s[12].as_i64().unwrap() + sum(&s[8]), s[3].as_i64().unwrap());
        let adh = row["adherence_pct"].as_f64().map(|p| (p * 10.0).round() / 10.0);
        assert_eq!(s[11][0].as_f64(), adh);
        // One exception mark per exception of the shift.
        assert_eq!(dec(s[10].as_str().unwrap()).len() as u64 / 2, row["exception_count"].as_u64().unwrap());
    }
    // Agents, overall figures and targets are in the page.
    for a in ["E1", "E2", "E3", "E4"] {
        assert!(html.contains(&format!("<a href=\"#agent={a}\">{a}</a>")), "{a}");
    }
    assert!(html.contains("Target missed"));
    let stats = adhere().arg("report").args(sc.args()).output().unwrap();
    let err = String::from_utf8(stats.stderr).unwrap();
    let adjusted = err.split("(adjusted ").nth(1).unwrap().split(')').next().unwrap();
    assert!(html.contains(&format!("<div class=\"v\">{adjusted}</div>")), "{adjusted}");
}

#[test]
fn html_escapes_what_comes_from_the_inputs() {
    let (pages, csv) = scenario::small();
    let csv = csv.replace(
        "E4,Open,2024-03-05 09:00,2024-03-05 13:00,UTC,Sales",
        "E4,Open,2024-03-05 09:00,2024-03-05 13:00,UTC,<script>alert(1)</script>",
    );
    let sc = Scenario::write(&pages, &csv, None);
    let html = stdout_of(&sc, &["--format", "html"]);
    assert!(!html.contains("<script>alert"), "raw team name in the page");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    // In the embedded JSON the team is escaped too.
    assert!(html.contains("\\u003cscript>alert(1)\\u003c/script>"));
}
