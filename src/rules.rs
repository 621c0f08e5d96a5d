//! Rules: which actual states each scheduled activity allows, which activities are
//! productive or not counted at all (time off), the grace for lateness and the shortest
//! exception that counts (SPEC §3.3). Read from TOML, with built-in defaults.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use serde::Deserialize;

use crate::activity::state::{State, NO_REASON};
use crate::error::{Error, Location, Result};
use crate::time::{self, Ms};

/// The built-in rules, exactly as documented in the README and SPEC §3.3.
pub const DEFAULT_RULES_TOML: &str = r#"productive_states = ["online"]      # what conformance counts as working
grace = "60s"                       # lateness / early logout tolerance
min_exception = "60s"               # shorter out-of-adherence runs are forgiven in adjusted adherence

[[activity]]
names = ["Open", "Available", "Chat", "Messaging", "Phone", "Email", "Work"]
allowed = ["online"]
productive = true

[[activity]]
names = ["Break", "Lunch", "Meal", "Meeting", "Training", "Coaching", "Personal"]
allowed = ["away", "occupied", "offline", "logged_out"]

[[activity]]
names = ["Time Off", "Vacation", "Holiday", "Sick", "Absence", "Off"]
counted = false
"#;

/// A state as rules name it: `online`, `occupied`, `away`, `away:<reason>`,
/// `away:#<reason id>`, `offline`, `logged_out` (case-insensitive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateToken {
    Online,
    Occupied,
    Offline,
    LoggedOut,
    /// Any away, with or without a reason.
    Away,
    /// Away whose reason text equals this, ignoring case only (stored lower-cased; spaces
    /// count, as in the recorded text).
    AwayReason(String),
    /// Away whose `statusReasonId` is this (`away:#2642559712`).
    AwayReasonId(i64),
}

impl StateToken {
    pub fn parse(s: &str) -> Option<StateToken> {
        let t = s.trim();
        let lower = t.to_lowercase();
        Some(match lower.as_str() {
            "online" => StateToken::Online,
            "occupied" => StateToken::Occupied,
            "offline" => StateToken::Offline,
            "logged_out" => StateToken::LoggedOut,
            "away" => StateToken::Away,
            _ => {
                // `away:<reason>`: the reason is everything after the colon, compared with the
                // recorded text ignoring case only.
                let (head, reason) = t.split_once(':')?;
                if !head.eq_ignore_ascii_case("away") || reason.trim().is_empty() {
                    return None;
                }
                match reason.trim().strip_prefix('#').and_then(|id| id.trim().parse::<i64>().ok()) {
                    Some(id) => StateToken::AwayReasonId(id),
                    None => StateToken::AwayReason(reason.to_lowercase()),
                }
            }
        })
    }
}

impl fmt::Display for StateToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StateToken::Online => write!(f, "online"),
            StateToken::Occupied => write!(f, "occupied"),
            StateToken::Offline => write!(f, "offline"),
            StateToken::LoggedOut => write!(f, "logged_out"),
            StateToken::Away => write!(f, "away"),
            StateToken::AwayReason(r) => write!(f, "away:{r}"),
            StateToken::AwayReasonId(id) => write!(f, "away:#{id}"),
        }
    }
}

/// One `[[activity]]` table.
#[derive(Debug, Clone)]
pub struct ActivityRule {
    /// Names as written in the rules (the first listing of each).
    pub names: Vec<String>,
    pub allowed: Vec<StateToken>,
    pub productive: bool,
    pub counted: bool,
}

/// The rules in force for a report.
#[derive(Debug, Clone)]
pub struct Rules {
    pub productive_states: Vec<StateToken>,
    /// Lateness / early-logout tolerance.
    pub grace: Ms,
    /// Out-of-adherence runs shorter than this are forgiven in adjusted adherence.
    pub min_exception: Ms,
    pub activities: Vec<ActivityRule>,
    /// Where the rules came from, for messages.
    pub source: String,
    /// Overall adherence target (percent) for CI, if set.
    pub target_pct: Option<f64>,
    /// Per-team targets (team name → percent).
    pub team_targets: Vec<(String, f64)>,
    by_name: HashMap<String, usize>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum DurationValue {
    Text(String),
    Int(i64),
    Float(f64),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    productive_states: Option<Vec<String>>,
    grace: Option<DurationValue>,
    min_exception: Option<DurationValue>,
    target_pct: Option<f64>,
    #[serde(default)]
    team_targets: HashMap<String, f64>,
    /// `[teams.<name>] target_pct = N`: the same per-team targets, written per team.
    #[serde(default)]
    teams: HashMap<String, TeamFile>,
    /// Absent: the built-in activities (a file that only sets `grace` keeps them).
    activity: Option<Vec<ActivityFile>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TeamFile {
    target_pct: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ActivityFile {
    names: Vec<String>,
    #[serde(default)]
    allowed: Vec<String>,
    #[serde(default)]
    productive: bool,
    #[serde(default = "yes")]
    counted: bool,
}

fn yes() -> bool {
    true
}

impl Default for Rules {
    fn default() -> Self {
        Rules::from_toml(DEFAULT_RULES_TOML, "the built-in rules").expect("built-in rules parse")
    }
}

impl Rules {
    /// Reads a rules file; it replaces the built-in rules (missing top-level keys keep their
    /// defaults).
    pub fn load(path: &Path) -> Result<Rules> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Rules::from_toml(&text, &path.display().to_string())
    }

    pub fn from_toml(text: &str, source: &str) -> Result<Rules> {
        let loc = || Location { file: Some(source.into()), ..Default::default() };
        let file: RulesFile = toml::from_str(text).map_err(|e| {
            let mut l = loc();
            if let Some(span) = e.span() {
                l.line = Some(text[..span.start.min(text.len())].matches('\n').count() as u64 + 1);
            }
            Error::input_hint(
                l,
                format!("cannot read the rules: {}", e.message()),
                "see the rules section of the README for the keys: productive_states, grace, min_exception, target_pct, team_targets, [teams.<name>] target_pct, [[activity]] names/allowed/productive/counted",
            )
        })?;
        let token = |s: &str, key: &str| {
            StateToken::parse(s).ok_or_else(|| {
                Error::input_hint(
                    loc().column(key).value(s),
                    "not a state",
                    "states are online, occupied, away, away:<reason>, away:#<reason id>, offline, logged_out",
                )
            })
        };
        let duration = |v: Option<DurationValue>, key: &str, default: Ms| -> Result<Ms> {
            match v {
                None => Ok(default),
                Some(DurationValue::Int(n)) if n >= 0 => Ok(n * 1000),
                Some(DurationValue::Float(x)) if x >= 0.0 && x.is_finite() => Ok((x * 1000.0).round() as Ms),
                Some(DurationValue::Text(s)) => time::parse_duration(&s).ok_or_else(|| {
                    Error::input_hint(
                        loc().column(key).value(s),
                        "not a duration",
                        "write e.g. 500ms, 60s, 5m, 1h30m or a number of seconds",
                    )
                }),
                Some(_) => Err(Error::input(loc().column(key), "a duration cannot be negative")),
            }
        };
        let productive_states = match file.productive_states {
            Some(v) => v.iter().map(|s| token(s, "productive_states")).collect::<Result<_>>()?,
            None => vec![StateToken::Online],
        };
        let grace = duration(file.grace, "grace", 60_000)?;
        let min_exception = duration(file.min_exception, "min_exception", 60_000)?;
        let mut activities = Vec::new();
        let mut by_name = HashMap::new();
        let listed = match file.activity {
            Some(list) => list,
            None => toml::from_str::<RulesFile>(DEFAULT_RULES_TOML).ok().and_then(|d| d.activity).unwrap_or_default(),
        };
        for a in listed {
            let allowed = a.allowed.iter().map(|s| token(s, "allowed")).collect::<Result<Vec<_>>>()?;
            let idx = activities.len();
            let mut names = Vec::new();
            for n in a.names {
                let key = n.trim().to_lowercase();
                if key.is_empty() || by_name.contains_key(&key) {
                    continue; // a name listed twice keeps its first listing
                }
                by_name.insert(key, idx);
                names.push(n.trim().to_string());
            }
            activities.push(ActivityRule { names, allowed, productive: a.productive, counted: a.counted });
        }
        let mut team_targets: Vec<(String, f64)> = file.team_targets.into_iter().collect();
        for (team, t) in file.teams {
            let Some(pct) = t.target_pct else { continue };
            match team_targets.iter().find(|(name, _)| *name == team) {
                Some(&(_, other)) if other != pct => {
                    return Err(Error::input_hint(
                        loc().column("teams").value(&team),
                        format!("team {team:?} has two targets: {other} in [team_targets] and {pct} in [teams.{team:?}]"),
                        "keep one of them",
                    ))
                }
                Some(_) => {}
                None => team_targets.push((team, pct)),
            }
        }
        team_targets.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(Rules {
            productive_states,
            grace,
            min_exception,
            activities,
            source: source.to_string(),
            target_pct: file.target_pct,
            team_targets,
            by_name,
        })
    }

    /// The rule for an activity name (case-insensitive).
    pub fn lookup(&self, name: &str) -> Option<usize> {
        self.by_name.get(&name.trim().to_lowercase()).copied()
    }

    /// Resolves every activity name, or fails listing each unknown one with the TOML to add.
    pub fn resolve_all<'a>(&self, names: impl IntoIterator<Item = &'a str>) -> Result<HashMap<String, usize>> {
        let mut found = HashMap::new();
        let mut unknown: Vec<String> = Vec::new();
        for n in names {
            if found.contains_key(n) {
                continue;
            }
            match self.lookup(n) {
                Some(i) => {
                    found.insert(n.to_string(), i);
                }
                None => {
                    if !unknown.iter().any(|u| u.to_lowercase() == n.trim().to_lowercase()) {
                        unknown.push(n.trim().to_string());
                    }
                }
            }
        }
        if unknown.is_empty() {
            return Ok(found);
        }
        unknown.sort();
        let list = unknown.iter().map(|u| format!("{u:?}")).collect::<Vec<_>>().join(", ");
        let names_toml = unknown.iter().map(|u| format!("{u:?}")).collect::<Vec<_>>().join(", ");
        Err(Error::Many(format!(
            "{} activity name{} in the schedule {} no rule in {}: {list}\n  \
             add a rule for {} to a rules file and pass it with --rules, for example:\n\n\
             [[activity]]\nnames = [{names_toml}]\nallowed = [\"online\"]   # the states that count as in adherence\n\
             productive = false      # true if conformance counts this as working time\n\
             counted = true          # false for time off (not part of scheduled time)\n",
            unknown.len(),
            if unknown.len() == 1 { "" } else { "s" },
            if unknown.len() == 1 { "has" } else { "have" },
            self.source,
            if unknown.len() == 1 { "it" } else { "them" },
        )))
    }
}

/// A set of states compiled against the reasons seen in the activity (text and id), so a
/// check is two array lookups.
#[derive(Debug, Clone)]
pub struct StateSet {
    /// Indexed by [`State`] code.
    base: [bool; 6],
    /// Indexed by reason code: away with this reason is in the set.
    reasons: Vec<bool>,
}

impl StateSet {
    /// `reasons[i]` is the text and the `statusReasonId` of reason code `i`.
    pub fn compile(tokens: &[StateToken], reasons: &[(&str, Option<i64>)]) -> StateSet {
        let mut base = [false; 6];
        let mut wanted: Vec<&str> = Vec::new();
        let mut wanted_ids: Vec<i64> = Vec::new();
        for t in tokens {
            match t {
                StateToken::Online => base[State::Online as usize] = true,
                StateToken::Occupied => base[State::Occupied as usize] = true,
                StateToken::Offline => base[State::Offline as usize] = true,
                StateToken::LoggedOut => base[State::LoggedOut as usize] = true,
                StateToken::Away => base[State::Away as usize] = true,
                StateToken::AwayReason(r) => wanted.push(r),
                StateToken::AwayReasonId(id) => wanted_ids.push(*id),
            }
        }
        let any_away = base[State::Away as usize];
        let reasons = reasons
            .iter()
            .map(|(text, id)| any_away || wanted.iter().any(|w| *w == text.to_lowercase()) || id.is_some_and(|id| wanted_ids.contains(&id)))
            .collect();
        StateSet { base, reasons }
    }

    #[inline]
    pub fn contains(&self, state: u8, reason: u32) -> bool {
        if state == State::Away as u8 && reason != NO_REASON {
            self.reasons[reason as usize]
        } else {
            self.base[state as usize]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_spec() {
        let r = Rules::default();
        assert_eq!(r.grace, 60_000);
        assert_eq!(r.min_exception, 60_000);
        assert_eq!(r.productive_states, vec![StateToken::Online]);
        let open = r.lookup("open").unwrap();
        assert!(r.activities[open].productive);
        let off = r.lookup("TIME OFF").unwrap();
        assert!(!r.activities[off].counted);
        assert!(r.lookup("Huddle").is_none());
    }

    #[test]
    fn missing_keys_take_defaults_and_activity_fields_default() {
        let r = Rules::from_toml("grace = 120\n[[activity]]\nnames = [\"Chat\", \"chat\"]\n", "t").unwrap();
        assert_eq!(r.grace, 120_000);
        assert_eq!(r.min_exception, 60_000);
        assert_eq!(r.activities.len(), 1);
        assert_eq!(r.activities[0].names, vec!["Chat"]);
        assert!(r.activities[0].allowed.is_empty());
        assert!(!r.activities[0].productive);
        assert!(r.activities[0].counted);
    }

    #[test]
    fn a_file_without_activities_keeps_the_built_in_ones() {
        // Only `grace` is set: the 3 built-in [[activity]] tables still apply.
        let r = Rules::from_toml("grace = \"2m\"\n", "t").unwrap();
        assert_eq!(r.grace, 120_000);
        assert_eq!(r.activities.len(), 3);
        assert_eq!(r.lookup("lunch"), Some(1));
        // An explicit empty list means no activities.
        assert!(Rules::from_toml("activity = []\n", "t").unwrap().activities.is_empty());
    }

    #[test]
    fn team_targets_may_be_written_per_team() {
        let r = Rules::from_toml("[team_targets]\nSales = 90\n[teams.Support]\ntarget_pct = 80\n[teams.Sales]\ntarget_pct = 90\n", "t")
            .unwrap();
        assert_eq!(r.team_targets, vec![("Sales".to_string(), 90.0), ("Support".to_string(), 80.0)]);
        let err = Rules::from_toml("[team_targets]\nSales = 90\n[teams.Sales]\ntarget_pct = 85\n", "t").unwrap_err().to_string();
        assert!(err.contains("two targets"), "{err}");
    }

    #[test]
    fn state_tokens_ignore_surrounding_spaces() {
        assert_eq!(StateToken::parse(" away:Lunch"), Some(StateToken::AwayReason("lunch".into())));
        assert_eq!(StateToken::parse(" online "), Some(StateToken::Online));
    }

    #[test]
    fn unknown_activity_names_are_listed_with_toml_to_add() {
        let r = Rules::default();
        let err = r.resolve_all(["Open", "Huddle", "Project"]).unwrap_err().to_string();
        assert!(err.contains("\"Huddle\", \"Project\""), "{err}");
        assert!(err.contains("[[activity]]"), "{err}");
    }

    #[test]
    fn state_tokens() {
        assert_eq!(StateToken::parse("Away:Lunch"), Some(StateToken::AwayReason("lunch".into())));
        assert_eq!(StateToken::parse("LOGGED_OUT"), Some(StateToken::LoggedOut));
        assert_eq!(StateToken::parse("busy"), None);
        let set = StateSet::compile(&[StateToken::AwayReason("lunch".into())], &[("Lunch", None), ("Coffee", None)]);
        assert!(set.contains(State::Away as u8, 0));
        assert!(!set.contains(State::Away as u8, 1));
        assert!(!set.contains(State::Away as u8, NO_REASON));
    }

    #[test]
    fn reasons_can_be_named_by_id() {
        assert_eq!(StateToken::parse("away:#2642559712"), Some(StateToken::AwayReasonId(2_642_559_712)));
        assert_eq!(StateToken::parse("AWAY: #7 "), Some(StateToken::AwayReasonId(7)));
        // Spaces in a reason count: "away: Lunch" wants the text " Lunch".
        assert_eq!(StateToken::parse("away: Lunch"), Some(StateToken::AwayReason(" lunch".into())));
        // Not a number after '#': a text like any other.
        assert_eq!(StateToken::parse("away:#seven"), Some(StateToken::AwayReason("#seven".into())));
        assert_eq!(StateToken::AwayReasonId(7).to_string(), "away:#7");
        // Code 0: "Lunch" of reason 7; code 1: "Lunch" of reason 8 (a renamed reason's new
        // namesake); code 2: "Coffee" without an id.
        let reasons = [("Lunch", Some(7)), ("Lunch", Some(8)), ("Coffee", None)];
        let by_id = StateSet::compile(&[StateToken::AwayReasonId(7)], &reasons);
        assert!(by_id.contains(State::Away as u8, 0));
        assert!(!by_id.contains(State::Away as u8, 1));
        assert!(!by_id.contains(State::Away as u8, 2));
        let by_text = StateSet::compile(&[StateToken::AwayReason("lunch".into())], &reasons);
        assert!(by_text.contains(State::Away as u8, 0) && by_text.contains(State::Away as u8, 1));
        let both = StateSet::compile(&[StateToken::AwayReasonId(8), StateToken::AwayReason("coffee".into())], &reasons);
        assert!(!both.contains(State::Away as u8, 0) && both.contains(State::Away as u8, 1) && both.contains(State::Away as u8, 2));
    }
}
