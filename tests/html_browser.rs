//! The HTML report opened in a real browser: Debian's `chromium`, headless, with the network
//! off (a dead proxy and no name resolution; the page's own Content Security Policy forbids
//! loads anyway), from a `file://` URL. The rendered DOM must hold the agents, the figures and
//! the SVG timelines the script draws; screenshots at desktop and phone width must show a
//! page, not a blank.
//!
//! Chromium is required in CI: `.ci/run` installs it (`apt-get install -y chromium`) when
//! missing, and with `CI` set this test fails without it. On a developer's machine without
//! Chromium it says so on stderr and passes, so `cargo test` on a fresh machine checks
//! everything else. `CHROMIUM=/path/to/chrome` picks another binary.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::scenario::{self, Scenario, TARGET_RULES};

fn chromium() -> PathBuf {
    find_chromium().unwrap_or_else(|| {
        panic!(
            "the HTML report test needs a headless Chromium and found none on PATH (chromium, chromium-browser, google-chrome). \
             Install it with `apt-get install -y chromium` (.ci/run does this), or set CHROMIUM=/path/to/chromium."
        )
    })
}

fn find_chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"] {
        for dir in std::env::split_paths(&path) {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

/// Runs headless Chromium with the network off; returns its stdout. Fails after 60 s.
fn browse(args: &[String]) -> String {
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--disable-sync",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-features=Translate,MediaRouter,OptimizationHints",
            "--proxy-server=http://127.0.0.1:9",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromium().display()));
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("chromium did not finish within 60 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "chromium failed: {:?}", out.status);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn url(file: &Path, fragment: &str) -> String {
    format!("file://{}{fragment}", file.canonicalize().unwrap().display())
}

/// The rendered DOM, without the scripts (whose source mentions the markup it writes).
fn dom(file: &Path, fragment: &str) -> String {
    let mut d = browse(&["--dump-dom".to_string(), url(file, fragment)]);
    while let Some(s) = d.find("<script") {
        let e = d[s..].find("</script>").map_or(d.len(), |e| s + e + "</script>".len());
        d.replace_range(s..e, "");
    }
    d
}

/// (width, height, distinct colours, share of pixels that are not near-white).
fn screenshot(file: &Path, width: u32, height: u32, dir: &Path) -> (u32, u32, usize, f64) {
    let png = dir.join(format!("shot-{width}.png"));
    // No fragment: with one the page scrolls to the timelines on load, and headless
    // screenshots of a page scrolled during load come out partly unpainted.
    browse(&[format!("--screenshot={}", png.display()), format!("--window-size={width},{height}"), url(file, "")]);
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&png).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let bytes = &buf[..info.buffer_size()];
    let channels = info.color_type.samples();
    let mut colours = std::collections::HashSet::new();
    let mut ink = 0usize;
    let pixels = bytes.chunks(channels);
    let n = pixels.len();
    for p in pixels {
        let rgb = (p[0], p[1], p.get(2).copied().unwrap_or(p[0]));
        colours.insert(rgb);
        if rgb.0 < 235 || rgb.1 < 235 || rgb.2 < 235 {
            ink += 1;
        }
    }
    (info.width, info.height, colours.len(), ink as f64 / n as f64)
}

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

#[test]
fn html_report_renders_in_a_headless_browser() {
    if find_chromium().is_none() && std::env::var_os("CI").is_none() {
        eprintln!("SKIPPED html_report_renders_in_a_headless_browser: no Chromium here (apt-get install -y chromium); CI runs it");
        return;
    }
    let (pages, csv) = scenario::small();
    let sc = Scenario::write(&pages, &csv, Some(TARGET_RULES));
    let dir = sc.files.dir.path().join("site");
    let status = assert_cmd::Command::cargo_bin("adhere")
        .unwrap()
        .arg("report")
        .args(sc.args())
        .args(["--format", "html", "--out", dir.to_str().unwrap()])
        .output()
        .unwrap()
        .status;
    assert_eq!(status.code(), Some(3), "the small data set misses its targets");
    let file = dir.join("report.html");

    // One agent: E1 has two shifts, so two timelines; its day header carries the shift's
    // figures (adherence 25 040 / 27 000 = 92.7%, adjusted 92.9%, late 5m, early 10m).
    let d = dom(&file, "#agent=E1");
    assert_eq!(count(&d, "<svg class=\"timeline\""), 2, "{d}");
    assert!(d.contains("adherence 92.7%") && d.contains("adjusted 92.9%"), "E1's figures");
    assert!(d.contains("late 5m") && d.contains("early logout 10m"));
    assert!(d.contains("adhere explain --agent E1 --date 2024-03-04"));
    // Five exceptions on the 4th, none on the 5th; the lanes are drawn with tooltips.
    assert_eq!(count(&d, "class=\"exception\""), 5);
    assert!(d.contains("scheduled Lunch (30m)"), "scheduled lane tooltip");
    assert!(d.contains("away:Coffee (40s)"), "actual lane tooltip");
    // The static parts: every agent in the sortable table, the teams, the heatmap, states.
    for a in ["E1", "E2", "E3", "E4"] {
        assert!(d.contains(&format!(">{a}</a>")), "{a}");
    }
    assert!(d.contains("Interval adherence heatmap"));
    assert!(d.contains("away:Lunch"));
    assert!(d.contains("Target missed"));
    // The agent selector lists every agent.
    assert_eq!(count(&d, "<option value=\""), 2 + 4 + 2, "the two 'every' choices, 4 agents, 2 dates");

    // With no choice in the URL, the agent with the lowest adjusted adherence is shown: E2,
    // who never logged in.
    let d = dom(&file, "");
    assert_eq!(count(&d, "<svg class=\"timeline\""), 1);
    assert!(d.contains("data-agent=\"E2\"") && d.contains("no-show"));

    // One date, every agent: E1, E2 and E3 worked on 2024-03-04.
    let d = dom(&file, "#date=2024-03-04");
    assert_eq!(count(&d, "<svg class=\"timeline\""), 3);
    for a in ["E1", "E2", "E3"] {
        assert!(d.contains(&format!("data-agent=\"{a}\" data-date=\"2024-03-04\"")), "{a}");
    }

    // Screenshots at desktop and phone width show a real page.
    let shots = sc.files.dir.path();
    for (w, h) in [(1280, 900), (390, 844)] {
        let (pw, ph, colours, ink) = screenshot(&file, w, h, shots);
        assert_eq!((pw, ph), (w, h));
        assert!(colours > 40, "{w}px: only {colours} colours");
        assert!(ink > 0.03, "{w}px: only {:.1}% of the pixels are not white", ink * 100.0);
    }
}
