//! Rosters (`--agents roster.csv`): for schedules whose keys are not what LivePerson
//! records carry (a WFM user id, a display name), a CSV saying who each schedule key is.
//!
//! Columns (header names compared like vendor headers: case-insensitive, spaces and
//! punctuation read as `_`):
//!
//! | column | aliases | meaning |
//! |---|---|---|
//! | `agent` | `schedule_key`, `key`, `schedule_agent` | the schedule key exactly as the schedule writes it (required) |
//! | `agent_id` | `agentid`, `lp_agent_id` | LivePerson agentId (an integer) |
//! | `employee_id` | `employeeid`, `emp_id` | LivePerson employeeId |
//! | `login_name` | `login`, `agent_login_name`, `loginname` | LivePerson agentLoginName (compared ignoring case) |
//! | `team` | `group` | team for rows that name none |
//! | `timezone` | `tz`, `time_zone` | zone for rows that name none (before `--tz`) |
//!
//! A key listed with ids is matched only through them, in the order agent_id, employee_id,
//! login_name (the first that finds an agent wins); a key not listed, or listed without ids,
//! is matched from the key itself as usual (`--match-on`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::matching::{match_agents, MatchOn, Matches};
use super::table::{cell, Table};
use super::ScheduleRows;
use crate::activity::Activity;
use crate::error::{Error, Location, Result};
use crate::time::Zone;

const KEY: &[&str] = &["agent", "schedule_key", "key", "schedule_agent"];
const AGENT_ID: &[&str] = &["agent_id", "agentid", "lp_agent_id"];
const EMPLOYEE_ID: &[&str] = &["employee_id", "employeeid", "emp_id"];
const LOGIN: &[&str] = &["login_name", "login", "agent_login_name", "loginname"];
const TEAM: &[&str] = &["team", "group"];
const ZONE: &[&str] = &["timezone", "tz", "time_zone"];

/// One roster line.
#[derive(Debug, Clone, PartialEq)]
pub struct RosterEntry {
    pub key: String,
    pub agent_id: Option<i64>,
    pub employee_id: Option<String>,
    pub login_name: Option<String>,
    pub team: Option<String>,
    pub timezone: Option<Zone>,
    pub line: u64,
}

impl RosterEntry {
    fn has_ids(&self) -> bool {
        self.agent_id.is_some() || self.employee_id.is_some() || self.login_name.is_some()
    }
}

/// A roster, by schedule key.
#[derive(Debug, Clone, Default)]
pub struct Roster {
    pub path: PathBuf,
    pub entries: Vec<RosterEntry>,
    by_key: HashMap<String, usize>,
}

impl Roster {
    /// Reads a roster CSV.
    pub fn load(path: &Path) -> Result<Roster> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Roster::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Roster> {
        let t = Table::read(path, text, b',', None, None)?;
        let key_c = t.col(KEY).ok_or_else(|| {
            Error::input_hint(
                Location::file(path).line(1).column("agent").value(t.written.join(",")),
                "the roster has no agent column",
                "a roster CSV needs agent (the schedule key) and any of agent_id, employee_id, login_name, team, timezone",
            )
        })?;
        let (id_c, emp_c, login_c, team_c, zone_c) = (t.col(AGENT_ID), t.col(EMPLOYEE_ID), t.col(LOGIN), t.col(TEAM), t.col(ZONE));
        let mut roster = Roster { path: path.to_path_buf(), ..Default::default() };
        for (line, cells) in &t.records {
            let line = *line;
            let c = |i: Option<usize>| cell(cells, i);
            let opt = |i: Option<usize>| Some(c(i)).filter(|v| !v.is_empty()).map(str::to_string);
            let key = c(Some(key_c));
            if key.is_empty() {
                return Err(Error::input_hint(t.loc(line, key_c, ""), "the agent cell is empty", "every roster line names a schedule key"));
            }
            let agent_id = match opt(id_c) {
                Some(v) => Some(v.parse::<i64>().map_err(|_| {
                    Error::input_hint(
                        t.loc(line, id_c.expect("has value"), &v),
                        "not an agentId",
                        "agent_id is LivePerson's numeric agentId",
                    )
                })?),
                None => None,
            };
            let timezone = match opt(zone_c) {
                Some(v) => Some(super::rows::read_zone(&v, || t.loc(line, zone_c.expect("has value"), &v))?),
                None => None,
            };
            if let Some(&first) = roster.by_key.get(key) {
                return Err(Error::input_hint(
                    t.loc(line, key_c, key),
                    format!("the schedule key is listed twice (first on line {})", roster.entries[first].line),
                    "list each schedule key once",
                ));
            }
            roster.by_key.insert(key.to_string(), roster.entries.len());
            roster.entries.push(RosterEntry {
                key: key.to_string(),
                agent_id,
                employee_id: opt(emp_c),
                login_name: opt(login_c),
                team: opt(team_c),
                timezone,
                line,
            });
        }
        Ok(roster)
    }

    pub fn get(&self, key: &str) -> Option<&RosterEntry> {
        self.by_key.get(key).map(|&i| &self.entries[i])
    }

    /// Zones by schedule key, for [`ReadOptions::agent_zones`](super::ReadOptions).
    pub fn zones(&self) -> HashMap<String, Zone> {
        self.entries.iter().filter_map(|e| Some((e.key.clone(), e.timezone.clone()?))).collect()
    }

    /// Fills the `team` of rows that name none from the roster.
    pub fn fill_teams(&self, rows: &mut ScheduleRows) {
        for (i, agent) in rows.agent.iter().enumerate() {
            if rows.team[i].is_none() {
                if let Some(t) = self.get(agent).and_then(|e| e.team.clone()) {
                    rows.team[i] = Some(t);
                }
            }
        }
    }

    /// Matches schedule keys to activity agents through the roster (see the module docs).
    pub fn match_agents(&self, keys: &[String], activity: &Activity, how: MatchOn) -> Matches {
        let mut out = Matches::default();
        let mut unmatched = Vec::new();
        for key in keys {
            let found = match self.get(key).filter(|e| e.has_ids()) {
                Some(e) => {
                    let tries: [(Option<String>, MatchOn); 3] = [
                        (e.agent_id.map(|n| n.to_string()), MatchOn::AgentId),
                        (e.employee_id.clone(), MatchOn::EmployeeId),
                        (e.login_name.clone(), MatchOn::Login),
                    ];
                    let mut found = None;
                    for (v, rule) in tries {
                        let Some(v) = v else { continue };
                        let m = match_agents(std::slice::from_ref(&v), activity, rule);
                        if let Some(i) = m.agent[0] {
                            out.warnings.extend(m.warnings.into_iter().filter(|w| !w.contains("no activity and count")));
                            found = Some(i);
                            break;
                        }
                    }
                    found
                }
                None => {
                    let m = match_agents(std::slice::from_ref(key), activity, how);
                    out.warnings.extend(m.warnings.into_iter().filter(|w| !w.contains("no activity and count")));
                    m.agent[0]
                }
            };
            if found.is_none() {
                unmatched.push(key.as_str());
            }
            out.agent.push(found);
        }
        if !unmatched.is_empty() {
            out.warnings.push(format!(
                "{} scheduled agent{} match no LivePerson agent (through the roster {} or the key itself) and count as logged out: {}",
                unmatched.len(),
                if unmatched.len() == 1 { "" } else { "s" },
                self.path.display(),
                unmatched.iter().take(20).map(|k| format!("{k:?}")).collect::<Vec<_>>().join(", ")
            ));
        }
        out
    }
}

/// Who is on one side only: schedule keys that matched no activity agent, and activity
/// agents (by index) that no schedule key matched. The report lists both.
pub fn unmatched(keys: &[String], matches: &Matches, activity: &Activity) -> (Vec<String>, Vec<usize>) {
    let scheduled: Vec<String> = keys.iter().zip(&matches.agent).filter(|(_, m)| m.is_none()).map(|(k, _)| k.clone()).collect();
    let mut seen = vec![false; activity.agents.len()];
    for i in matches.agent.iter().flatten() {
        seen[*i] = true;
    }
    let active: Vec<usize> = (0..activity.agents.len()).filter(|&i| !seen[i]).collect();
    (scheduled, active)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_column_and_rejects_duplicates() {
        let text = "Schedule Key,Agent ID,Employee ID,Login Name,Team,Time Zone\nwfm-1,101,E1,alice,Sales,Europe/London\nwfm-2,,,bob,,\n";
        let r = Roster::parse(Path::new("roster.csv"), text).unwrap();
        assert_eq!(r.entries.len(), 2);
        let a = r.get("wfm-1").unwrap();
        assert_eq!(a.agent_id, Some(101));
        assert_eq!(a.employee_id.as_deref(), Some("E1"));
        assert_eq!(a.team.as_deref(), Some("Sales"));
        assert_eq!(a.timezone.as_ref().map(|z| z.name()), Some("Europe/London"));
        assert_eq!(r.get("wfm-2").unwrap().login_name.as_deref(), Some("bob"));
        assert_eq!(r.zones().len(), 1);

        let dup = Roster::parse(Path::new("r.csv"), "agent,agent_id\nx,1\nx,2\n").unwrap_err().to_string();
        assert!(dup.contains("r.csv:3") && dup.contains("listed twice (first on line 2)"), "{dup}");
        let bad = Roster::parse(Path::new("r.csv"), "agent,agent_id\nx,abc\n").unwrap_err().to_string();
        assert!(bad.contains("r.csv:2") && bad.contains("agent_id") && bad.contains("\"abc\""), "{bad}");
    }
}
