//! Which activity agent a schedule key means (SPEC §3.2 "Matching"): a non-empty
//! `employeeId` equal to the key, else an `agentLoginName` equal ignoring case, else an
//! `agentId` equal to the key as a number. The first rule that matches wins; several matches
//! → the smallest agentId, with a warning.
//!
//! When users are loaded (Users API, see `enrich`), three more rules follow in auto
//! matching: the user's `employeeId` equal to the key, then its `loginName` equal ignoring
//! case, then its `fullName` equal ignoring case (and surrounding spaces). Without users
//! the result is exactly the three rules above. `--match-on name` uses only the full name
//! (the Users API's, else the `agentUserName` of the agent's records).

use std::collections::HashMap;

use crate::activity::Activity;

/// `--match-on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum MatchOn {
    /// employeeId, then login name, then agentId; then, with users loaded, the user's
    /// employeeId, login name and full name.
    #[default]
    Auto,
    /// The records' employeeId or the user's.
    EmployeeId,
    /// The records' login name or the user's (ignoring case).
    Login,
    AgentId,
    /// The user's full name (else the records' agentUserName), ignoring case.
    Name,
}

/// A name compared ignoring case, surrounding spaces and runs of inner spaces.
fn name_key(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// The result of matching every schedule key.
#[derive(Debug, Clone, Default)]
pub struct Matches {
    /// For each schedule agent, the index of its activity agent.
    pub agent: Vec<Option<usize>>,
    pub warnings: Vec<String>,
}

/// Matches schedule keys (in order) to activity agents.
pub fn match_agents(keys: &[String], activity: &Activity, how: MatchOn) -> Matches {
    let mut by_employee: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut by_login: HashMap<String, Vec<usize>> = HashMap::new();
    let mut by_id: HashMap<i64, usize> = HashMap::new();
    let mut by_user_employee: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut by_user_login: HashMap<String, Vec<usize>> = HashMap::new();
    let mut by_user_name: HashMap<String, Vec<usize>> = HashMap::new();
    let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, a) in activity.agents.iter().enumerate() {
        for e in &a.employee_ids {
            by_employee.entry(e.as_str()).or_default().push(i);
        }
        for l in &a.login_names {
            let v = by_login.entry(l.to_lowercase()).or_default();
            if !v.contains(&i) {
                v.push(i);
            }
        }
        by_id.insert(a.agent_id, i);
        if let Some(u) = &a.user {
            if let Some(e) = &u.employee_id {
                by_user_employee.entry(e.as_str()).or_default().push(i);
            }
            if let Some(l) = &u.login_name {
                by_user_login.entry(l.to_lowercase()).or_default().push(i);
            }
            if let Some(n) = &u.full_name {
                by_user_name.entry(name_key(n)).or_default().push(i);
            }
        }
        if let Some(n) = a.user.as_ref().and_then(|u| u.full_name.as_ref()).or(a.user_name.as_ref()) {
            by_name.entry(name_key(n)).or_default().push(i);
        }
    }
    let mut out = Matches::default();
    let mut unmatched = Vec::new();
    for key in keys {
        let by_emp = || by_employee.get(key.as_str()).cloned().filter(|_| !key.is_empty());
        let by_log = || by_login.get(&key.to_lowercase()).cloned();
        let by_num = || crate::activity::json::parse_int_text(key).and_then(|n| by_id.get(&n)).map(|&i| vec![i]);
        let by_user_emp = || by_user_employee.get(key.as_str()).cloned().filter(|_| !key.is_empty());
        let by_user_log = || by_user_login.get(&key.to_lowercase()).cloned();
        let by_user_full = || by_user_name.get(&name_key(key)).cloned().filter(|_| !key.trim().is_empty());
        let both = |a: Option<Vec<usize>>, b: Option<Vec<usize>>| match (a, b) {
            (None, None) => None,
            (a, b) => Some(a.into_iter().chain(b).flatten().collect()),
        };
        let found = match how {
            MatchOn::Auto => by_emp().or_else(by_log).or_else(by_num).or_else(by_user_emp).or_else(by_user_log).or_else(by_user_full),
            MatchOn::EmployeeId => both(by_emp(), by_user_emp()),
            MatchOn::Login => both(by_log(), by_user_log()),
            MatchOn::AgentId => by_num(),
            MatchOn::Name => by_name.get(&name_key(key)).cloned().filter(|_| !key.trim().is_empty()),
        };
        match found {
            None => {
                unmatched.push(key.as_str());
                out.agent.push(None);
            }
            Some(mut v) => {
                // Agents are in agentId order, so the smallest index is the smallest agentId.
                v.sort_unstable();
                v.dedup();
                if v.len() > 1 {
                    let ids: Vec<String> = v.iter().map(|&i| activity.agents[i].agent_id.to_string()).collect();
                    out.warnings.push(format!(
                        "schedule agent {key:?} matches {} LivePerson agents ({}); using the smallest agentId {}",
                        v.len(),
                        ids.join(", "),
                        ids[0]
                    ));
                }
                out.agent.push(Some(v[0]));
            }
        }
    }
    if !unmatched.is_empty() {
        let shown: Vec<String> = unmatched.iter().take(20).map(|k| format!("{k:?}")).collect();
        out.warnings.push(format!(
            "{} scheduled agent{} match{} no activity and count{} as logged out: {}{}",
            unmatched.len(),
            if unmatched.len() == 1 { "" } else { "s" },
            if unmatched.len() == 1 { "es" } else { "" },
            if unmatched.len() == 1 { "s" } else { "" },
            shown.join(", "),
            if unmatched.len() > 20 { ", …" } else { "" }
        ));
    }
    out
}
