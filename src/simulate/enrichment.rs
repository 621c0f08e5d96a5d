//! `adhere simulate --enrichment-out DIR`: what LivePerson's configuration and conversation
//! APIs would answer for the simulated contact center, as the APIs' JSON:
//!
//! - `users.json` (Users API): every simulated agent (ids as text, `memberOf` its team's
//!   group), one of them deleted, plus a bot and an API user;
//! - `agent-groups.json` (Agent Groups API): Main Group → Americas (Care East, Care
//!   Central, Care West) and International (EMEA, APAC), plus a deleted group;
//! - `status-reasons.json` (Agent Status Reason API): the away reasons the activity uses,
//!   with "Coffee break" renamed since to "Coffee" and "Personal" deleted, plus an occupied
//!   reason;
//! - `conversations/YYYY-MM-DD-pNNNN.json` (Messaging Interactions search pages of 100, by
//!   UTC day of close, one record a line): conversations closed while agents were online
//!   (one every 20 to 50 minutes of online time), a tenth of them transferred from another
//!   agent first, and a few closed by the bot.
//!
//! Conversations follow the agents' actual online time, read back from the simulated
//! activity with the real reader, so the productivity view has something to correlate.
//! Like the rest of the simulator it is a pure function of the flags.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{json, Value};

use super::agents::{Agent, TEAMS};
use super::plan::REASONS;
use super::rng::{hash, Rng};
use crate::activity::state::State;
use crate::activity::timeline::Timelines;
use crate::activity::{Activity, LoadOptions};
use crate::error::{Error, Result};
use crate::time::{self, Ms, DAY, MINUTE};

/// The bot and the API user the Users API lists beside the agents.
pub const BOT_ID: i64 = 9_100_000_001;
pub const API_USER_ID: i64 = 9_100_000_002;
/// Parent groups of the teams.
pub const AMERICAS: i64 = 2_204_871_300;
pub const INTERNATIONAL: i64 = 2_204_871_301;
/// The index of the agent whose user is deleted (it keeps its name in reports).
const DELETED_AGENT: u32 = 18;

const STREAM_CONVERSATIONS: u64 = 11;
const PAGE: usize = 100;

/// What was written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnrichmentCounts {
    pub users: usize,
    pub groups: usize,
    pub reasons: usize,
    pub conversations: usize,
    pub transferred: usize,
    pub pages: usize,
}

fn users(agents: &[Agent]) -> Value {
    let mut out: Vec<Value> = agents
        .iter()
        .map(|a| {
            let (_, _, full, first) = super::agents::names(a.index);
            let group = TEAMS.iter().find(|t| a.team == Some(t.name)).map_or(a.group_id, |t| t.group_id);
            let group = if group == -1 { TEAMS[a.index as usize % TEAMS.len()].group_id } else { group };
            json!({
                "id": a.agent_id.to_string(),
                "loginName": a.login,
                "fullName": full,
                "nickname": first,
                "employeeId": a.employee_id,
                "memberOf": {"agentGroupId": group.to_string(), "assignmentDate": "2024-01-02 09:00:00"},
                "userTypeId": 1,
                "isApiUser": false,
                "isEnabled": a.index != DELETED_AGENT,
                "deleted": a.index == DELETED_AGENT,
            })
        })
        .collect();
    out.push(json!({"id": BOT_ID.to_string(), "loginName": "routing.bot", "fullName": "Routing Bot", "nickname": "Bot",
        "employeeId": "", "memberOf": {"agentGroupId": "-1"}, "userTypeId": 2, "isApiUser": false, "isEnabled": true, "deleted": false}));
    out.push(json!({"id": API_USER_ID.to_string(), "loginName": "wfm.integration", "fullName": "WFM Integration", "nickname": "WFM",
        "employeeId": "", "memberOf": {"agentGroupId": "-1"}, "userTypeId": 1, "isApiUser": true, "isEnabled": true, "deleted": false}));
    Value::Array(out)
}

fn groups() -> Value {
    let mut out = vec![
        json!({"id": -1, "name": "Main Group", "isEnabled": true, "deleted": false}),
        json!({"id": AMERICAS, "name": "Americas", "parentGroupId": -1, "isEnabled": true, "deleted": false}),
        json!({"id": INTERNATIONAL, "name": "International", "parentGroupId": -1, "isEnabled": true, "deleted": false}),
    ];
    for t in TEAMS {
        let parent = if t.zones.iter().any(|z| z.starts_with("America/")) { AMERICAS } else { INTERNATIONAL };
        out.push(json!({"id": t.group_id, "name": t.name, "parentGroupId": parent, "isEnabled": true, "deleted": false}));
    }
    out.push(json!({"id": 2_204_871_399i64, "name": "Night Pilot", "parentGroupId": AMERICAS, "isEnabled": false, "deleted": true}));
    Value::Array(out)
}

fn reasons() -> Value {
    let mut out: Vec<Value> = REASONS
        .iter()
        .filter(|(text, _)| !text.is_empty())
        .map(|&(text, id)| {
            // Renamed since the activity was recorded; and one reason deleted.
            let (text, deleted) = match text {
                "Coffee break" => ("Coffee", false),
                "Personal" => ("Personal", true),
                t => (t, false),
            };
            json!({"id": id, "text": text, "state": "Away", "enabled": !deleted, "deleted": deleted})
        })
        .collect();
    out.push(json!({"id": 2_642_561_001i64, "text": "Back in 5", "state": "Occupied", "enabled": true, "deleted": false}));
    Value::Array(out)
}

fn fmt_lp(ms: Ms) -> String {
    // LivePerson's conversation times: `2024-03-04 14:30:24.565+0000`.
    let t = time::fmt_instant(ms);
    let t = t.trim_end_matches('Z').replace('T', " ");
    let t = if t.contains('.') { t } else { format!("{t}.000") };
    format!("{t}+0000")
}

fn conversation_id(agent: i64, close: Ms) -> String {
    let h = hash(&[agent as u64, close as u64]);
    let h2 = hash(&[h, 7]);
    format!("{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}", h >> 32, (h >> 16) & 0xffff, h & 0xfff, h2 >> 52, h2 & 0xffff_ffff_ffff)
}

fn record(id: &str, start: Ms, close: Ms, latest: &Agent, first: Option<&Agent>, user_type: &str, group: i64) -> Value {
    let mut participants = Vec::new();
    let mut transfers = Vec::new();
    if let Some(f) = first {
        participants
            .push(json!({"agentId": f.agent_id.to_string(), "timeL": start + 20_000, "permission": "ASSIGNED_AGENT", "userType": "1"}));
        transfers.push(json!({"timeL": start + 120_000, "reason": "Agent", "sourceAgentId": f.agent_id.to_string()}));
    }
    participants.push(json!({"agentId": latest.agent_id.to_string(), "timeL": start + if first.is_some() { 120_500 } else { 20_000 },
        "permission": "ASSIGNED_AGENT", "userType": user_type}));
    let mut r = json!({
        "info": {
            "conversationId": id,
            "startTime": fmt_lp(start), "startTimeL": start,
            "endTime": fmt_lp(close), "endTimeL": close,
            "status": "CLOSE", "closeReason": "AGENT",
            "latestAgentId": latest.agent_id.to_string(),
            "latestAgentGroupId": group,
        },
        "agentParticipants": participants,
    });
    if !transfers.is_empty() {
        r["transfers"] = Value::Array(transfers);
    }
    r
}

/// Writes the enrichment of the data set whose activity is in `activity_dir` into `out`
/// (created if needed; its files are replaced).
pub fn write(seed: u64, agents: &[Agent], start_day: i64, days: u32, activity_dir: &Path, out: &Path) -> Result<EnrichmentCounts> {
    let activity = Activity::load(&[activity_dir.to_path_buf()], &LoadOptions::default())?;
    let timelines = Timelines::build(&activity);
    let by_id: BTreeMap<i64, &Agent> = agents.iter().map(|a| (a.agent_id, a)).collect();
    let active: Vec<&Agent> = agents.iter().filter(|a| a.has_activity).collect();
    let (first_ms, end_ms) = (start_day * DAY, (start_day + days as i64) * DAY);
    let bot = Agent { agent_id: BOT_ID, login: "routing.bot".to_string(), ..agents[0].clone() };

    // close day → records
    let mut by_day: BTreeMap<i64, Vec<(Ms, Value)>> = BTreeMap::new();
    let mut counts = EnrichmentCounts::default();
    for (i, act) in activity.agents.iter().enumerate() {
        let Some(agent) = by_id.get(&act.agent_id) else { continue };
        let group = agent.group_id;
        for s in timelines.range(i) {
            if timelines.state[s] != State::Online as u8 {
                continue;
            }
            let (seg_start, seg_end) = (timelines.start[s].max(first_ms), timelines.end[s].min(end_ms));
            let mut rng = Rng::new(&[seed, STREAM_CONVERSATIONS, agent.agent_id as u64, seg_start as u64]);
            let mut close = seg_start + rng.range(20, 50) * MINUTE + rng.range(0, 59_999);
            while close < seg_end {
                let start = close - rng.range(4, 25) * MINUTE - rng.range(0, 59_999);
                let first = (rng.chance(0.1) && active.len() > 1).then(|| {
                    let other = *rng.pick(&active);
                    if other.agent_id == agent.agent_id {
                        active[(active.iter().position(|a| a.agent_id == other.agent_id).unwrap_or(0) + 1) % active.len()]
                    } else {
                        other
                    }
                });
                counts.transferred += usize::from(first.is_some());
                let id = conversation_id(agent.agent_id, close);
                by_day.entry(close.div_euclid(DAY)).or_default().push((close, record(&id, start, close, agent, first, "1", group)));
                close += rng.range(20, 50) * MINUTE + rng.range(0, 59_999);
            }
        }
    }
    // The bot closes a few conversations a day (it is not an agent with activity).
    for d in 0..days as i64 {
        let day = start_day + d;
        let mut rng = Rng::new(&[seed, STREAM_CONVERSATIONS, BOT_ID as u64, day as u64]);
        for _ in 0..3 {
            let close = day * DAY + rng.range(0, DAY / MINUTE - 1) * MINUTE + rng.range(0, 59_999);
            let start = close - rng.range(1, 5) * MINUTE;
            let id = conversation_id(BOT_ID, close);
            by_day.entry(day).or_default().push((close, record(&id, start, close, &bot, None, "2", -1)));
        }
    }

    let staging = out.join(".adhere-simulate.tmp");
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(|e| Error::io(&staging, e))?;
    }
    let conv_dir = staging.join("conversations");
    std::fs::create_dir_all(&conv_dir).map_err(|e| Error::io(&conv_dir, e))?;
    let write_json = |path: &Path, v: &Value| -> Result<()> {
        let mut text = serde_json::to_string_pretty(v).expect("JSON serializes");
        text.push('\n');
        std::fs::write(path, text).map_err(|e| Error::io(path, e))
    };
    let users = users(agents);
    counts.users = users.as_array().map_or(0, Vec::len);
    write_json(&staging.join("users.json"), &users)?;
    let groups = groups();
    counts.groups = groups.as_array().map_or(0, Vec::len);
    write_json(&staging.join("agent-groups.json"), &groups)?;
    let reasons = reasons();
    counts.reasons = reasons.as_array().map_or(0, Vec::len);
    write_json(&staging.join("status-reasons.json"), &reasons)?;
    for (day, mut recs) in by_day {
        recs.sort_by(|a, b| (a.0, a.1["info"]["conversationId"].as_str()).cmp(&(b.0, b.1["info"]["conversationId"].as_str())));
        counts.conversations += recs.len();
        let total = recs.len();
        for (p, chunk) in recs.chunks(PAGE).enumerate() {
            // Compact, one record a line: the answer as sent, readable in a diff.
            let meta = json!({"count": total, "self": {"rel": "self", "href": format!("https://msghist.example.invalid/messaging_history/api/account/12345678/conversations/search?offset={}&limit={PAGE}", p * PAGE)}});
            let lines: Vec<String> = chunk.iter().map(|(_, r)| r.to_string()).collect();
            let text = format!("{{\"_metadata\":{meta},\"conversationHistoryRecords\":[\n{}\n]}}\n", lines.join(",\n"));
            let path = conv_dir.join(format!("{}-p{:04}.json", time::fmt_day(day), p + 1));
            std::fs::write(&path, text).map_err(|e| Error::io(&path, e))?;
            counts.pages += 1;
        }
    }
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    for name in ["users.json", "agent-groups.json", "status-reasons.json", "conversations"] {
        let dest = out.join(name);
        if dest.is_dir() {
            std::fs::remove_dir_all(&dest).map_err(|e| Error::io(&dest, e))?;
        } else if dest.exists() {
            std::fs::remove_file(&dest).map_err(|e| Error::io(&dest, e))?;
        }
        std::fs::rename(staging.join(name), &dest).map_err(|e| Error::io(&dest, e))?;
    }
    std::fs::remove_dir_all(&staging).map_err(|e| Error::io(&staging, e))?;
    Ok(counts)
}
