//! What LivePerson's configuration and conversation APIs say about an account, read from
//! their JSON answers (liveperson-api.md §5.1–5.3, §5.7):
//!
//! - Users API (`le-users/users?v=4.0`): an array of users;
//! - Agent Groups API (`le-users/agentGroups`): an array of groups forming a tree;
//! - Agent Status Reason API (`le-agents/status-reasons`): an array of reasons;
//! - Messaging Interactions (`conversations/search`): pages of `conversationHistoryRecords`.
//!
//! Readers are tolerant like the status-change reader: every field may be missing or null,
//! numbers may arrive as text and ids as either. An entity without a readable id is
//! skipped (and counted), never a failure; an answer of the wrong shape is an error.

use serde_json::{Map, Value};

use crate::activity::json::parse_int_text;
use crate::time::{self, Ms};

/// A LivePerson user (an agent, a bot, an API user).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct User {
    /// The user id (= `agentId` in status changes).
    pub id: i64,
    pub login_name: Option<String>,
    pub full_name: Option<String>,
    pub nickname: Option<String>,
    pub employee_id: Option<String>,
    /// `memberOf.agentGroupId`: the user's agent group now.
    pub agent_group_id: Option<i64>,
    /// 0 system, 1 human, 2 bot.
    pub user_type_id: Option<i64>,
    pub is_api_user: Option<bool>,
    pub deleted: Option<bool>,
    /// When the snapshot that last listed the user was fetched (stores only).
    pub fetched_at: Option<Ms>,
}

impl User {
    /// Bots (`userTypeId` 2) and API users are left out of adherence by default.
    pub fn is_bot_or_api_user(&self) -> bool {
        self.user_type_id == Some(2) || self.is_api_user == Some(true)
    }

    /// The name reports show: the full name, else the nickname.
    pub fn display_name(&self) -> Option<&str> {
        non_empty(self.full_name.as_deref()).or_else(|| non_empty(self.nickname.as_deref()))
    }
}

/// An agent group. Groups form a tree through `parent_group_id` (null only at the root).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgentGroup {
    pub id: i64,
    pub name: Option<String>,
    pub parent_group_id: Option<i64>,
    pub deleted: Option<bool>,
    pub fetched_at: Option<Ms>,
}

/// A configured status reason (custom Away and Back-soon reasons).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusReason {
    pub id: i64,
    pub text: Option<String>,
    /// `Online`, `Occupied` or `Away`.
    pub state: Option<String>,
    pub enabled: Option<bool>,
    pub deleted: Option<bool>,
    pub fetched_at: Option<Ms>,
}

/// A conversation from Messaging Interactions, reduced to what productivity needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Conversation {
    pub conversation_id: String,
    pub start: Option<Ms>,
    /// The close time (null while open).
    pub end: Option<Ms>,
    /// `OPEN` or `CLOSE`.
    pub status: Option<String>,
    pub close_reason: Option<String>,
    /// The agent the conversation was last assigned to: the agent who closed it (a
    /// conversation transferred between agents counts for this one only).
    pub latest_agent_id: Option<i64>,
    pub latest_agent_login_name: Option<String>,
    pub latest_agent_full_name: Option<String>,
    pub latest_agent_group_id: Option<i64>,
    pub latest_skill_id: Option<i64>,
    /// Every agent that took part, in the order they joined (`agentParticipants`),
    /// comma-separated.
    pub agent_ids: Option<String>,
}

impl Conversation {
    /// Closed, with a close time and a latest agent: what productivity counts.
    pub fn is_closed(&self) -> bool {
        self.end.is_some() && self.status.as_deref().is_none_or(|s| s.eq_ignore_ascii_case("CLOSE"))
    }
}

fn non_empty(s: Option<&str>) -> Option<&str> {
    s.filter(|s| !s.trim().is_empty())
}

/// An integer sent as a number or as text; null, missing or unreadable → None.
pub fn int(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.0e18).map(|f| f as i64)),
        Value::String(s) => parse_int_text(s),
        _ => None,
    }
}

/// Text sent as a string (or a number, kept as its text); `"undefined"`/`"null"` are LP's
/// way of saying none in conversation records.
pub fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if s.trim().is_empty() || s == "undefined" || s == "null" => None,
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A boolean sent as `true`/`false` or as text.
pub fn boolean(v: Option<&Value>) -> Option<bool> {
    match v? {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        },
        Value::Number(n) => n.as_i64().map(|n| n != 0),
        _ => None,
    }
}

/// Epoch milliseconds from a `…L` field (positive), else an RFC 3339-like text field
/// (`2016-08-29 14:30:24.565+0000`).
fn instant(obj: &Map<String, Value>, long: &str, written: &str) -> Option<Ms> {
    int(obj.get(long)).filter(|&ms| ms > 0).or_else(|| text(obj.get(written)).and_then(|s| time::parse_rfc3339(s.trim())))
}

/// What a reader made of an answer: the entities, and how many had no readable id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed<T> {
    pub items: Vec<T>,
    pub skipped: usize,
}

fn array(value: Value, what: &str) -> Result<Vec<Value>, String> {
    match value {
        Value::Array(a) => Ok(a),
        other => Err(format!("the answer should be a JSON array of {what}, not {}", kind(&other))),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn each<T>(items: Vec<Value>, read: impl Fn(&Map<String, Value>) -> Option<T>) -> Parsed<T> {
    let mut out = Parsed { items: Vec::with_capacity(items.len()), skipped: 0 };
    for v in items {
        match v.as_object().and_then(&read) {
            Some(x) => out.items.push(x),
            None => out.skipped += 1,
        }
    }
    out
}

/// A Users API answer.
pub fn parse_users(value: Value) -> Result<Parsed<User>, String> {
    Ok(each(array(value, "users")?, |o| {
        Some(User {
            id: int(o.get("id"))?,
            login_name: text(o.get("loginName")),
            full_name: text(o.get("fullName")),
            nickname: text(o.get("nickname")),
            employee_id: text(o.get("employeeId")),
            agent_group_id: match o.get("memberOf") {
                Some(Value::Object(m)) => int(m.get("agentGroupId")),
                other => int(other),
            },
            user_type_id: int(o.get("userTypeId")),
            is_api_user: boolean(o.get("isApiUser")),
            deleted: boolean(o.get("deleted")),
            fetched_at: None,
        })
    }))
}

/// An Agent Groups API answer.
pub fn parse_agent_groups(value: Value) -> Result<Parsed<AgentGroup>, String> {
    Ok(each(array(value, "agent groups")?, |o| {
        Some(AgentGroup {
            id: int(o.get("id"))?,
            name: text(o.get("name")),
            parent_group_id: int(o.get("parentGroupId")),
            deleted: boolean(o.get("deleted")),
            fetched_at: None,
        })
    }))
}

/// An Agent Status Reason API answer.
pub fn parse_status_reasons(value: Value) -> Result<Parsed<StatusReason>, String> {
    Ok(each(array(value, "status reasons")?, |o| {
        Some(StatusReason {
            id: int(o.get("id"))?,
            text: text(o.get("text")),
            state: text(o.get("state")).or_else(|| text(o.get("type"))),
            enabled: boolean(o.get("enabled")),
            deleted: boolean(o.get("deleted")),
            fetched_at: None,
        })
    }))
}

/// One page of `conversations/search`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConversationPage {
    pub conversations: Parsed<Conversation>,
    /// Records the page held (what `offset` advances by).
    pub records: usize,
    /// `_metadata.count`: conversations matching the query in all pages.
    pub total: Option<u64>,
}

/// A Messaging Interactions search answer: `{"_metadata": {"count"…},
/// "conversationHistoryRecords": [{"info": {…}, "agentParticipants": […]}, …]}`.
pub fn parse_conversation_page(value: Value) -> Result<ConversationPage, String> {
    let Value::Object(obj) = value else {
        return Err(format!("the answer should be a JSON object with conversationHistoryRecords, not {}", kind(&value)));
    };
    let total = obj.get("_metadata").and_then(|m| int(m.get("count"))).and_then(|c| u64::try_from(c).ok());
    let records = match obj.get("conversationHistoryRecords") {
        Some(Value::Array(a)) => a.clone(),
        None | Some(Value::Null) if obj.contains_key("_metadata") => Vec::new(),
        _ => return Err("the answer has no conversationHistoryRecords array".to_string()),
    };
    let n = records.len();
    Ok(ConversationPage { conversations: each(records, conversation), records: n, total })
}

/// One `conversationHistoryRecords` entry.
fn conversation(rec: &Map<String, Value>) -> Option<Conversation> {
    let info = rec.get("info").and_then(Value::as_object)?;
    let id = text(info.get("conversationId"))?;
    // Participants in the order they joined (by timeL, then as listed).
    let mut participants: Vec<(Ms, usize, i64, bool)> = Vec::new();
    if let Some(Value::Array(ps)) = rec.get("agentParticipants") {
        for (i, p) in ps.iter().enumerate() {
            let Some(p) = p.as_object() else { continue };
            let Some(agent) = int(p.get("agentId")) else { continue };
            let assigned = [p.get("permission"), p.get("role")]
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .any(|s| s.to_ascii_uppercase().contains("ASSIGNED") || s.eq_ignore_ascii_case("AGENT"));
            participants.push((instant(p, "timeL", "time").unwrap_or(Ms::MIN), i, agent, assigned));
        }
    }
    participants.sort_by_key(|&(t, i, _, _)| (t, i));
    let mut ids: Vec<i64> = Vec::new();
    for &(_, _, a, _) in &participants {
        if !ids.contains(&a) {
            ids.push(a);
        }
    }
    // The latest agent as LivePerson records it; else the last assigned participant.
    let latest = int(info.get("latestAgentId"))
        .filter(|&a| a > 0)
        .or_else(|| participants.iter().rev().find(|p| p.3).or(participants.last()).map(|p| p.2));
    Some(Conversation {
        conversation_id: id,
        start: instant(info, "startTimeL", "startTime"),
        end: instant(info, "endTimeL", "endTime"),
        status: text(info.get("status")),
        close_reason: text(info.get("closeReason")),
        latest_agent_id: latest,
        latest_agent_login_name: text(info.get("latestAgentLoginName")),
        latest_agent_full_name: text(info.get("latestAgentFullName")),
        latest_agent_group_id: int(info.get("latestAgentGroupId")),
        latest_skill_id: int(info.get("latestSkillId")),
        agent_ids: (!ids.is_empty()).then(|| ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn users_read_ids_as_text_or_numbers_and_skip_those_without_one() {
        let p = parse_users(json!([
            {"id": "3401122017", "loginName": "maria", "fullName": "Maria Silva", "employeeId": 42,
             "memberOf": {"agentGroupId": "2204871310", "assignmentDate": "2024-01-01 00:00:00"},
             "userTypeId": 1, "isApiUser": false, "deleted": false},
            {"id": 7, "nickname": "Helper", "userTypeId": "2", "deleted": "true"},
            {"loginName": "no id"},
            17
        ]))
        .unwrap();
        assert_eq!(p.skipped, 2);
        let m = &p.items[0];
        assert_eq!((m.id, m.employee_id.as_deref(), m.agent_group_id), (3_401_122_017, Some("42"), Some(2_204_871_310)));
        assert_eq!(m.display_name(), Some("Maria Silva"));
        assert!(!m.is_bot_or_api_user());
        let b = &p.items[1];
        assert_eq!((b.display_name(), b.deleted), (Some("Helper"), Some(true)));
        assert!(b.is_bot_or_api_user());
        assert!(parse_users(json!({"users": []})).unwrap_err().contains("array of users"));
    }

    #[test]
    fn groups_and_reasons() {
        let g = parse_agent_groups(json!([{"id": -1, "name": "Main Group"}, {"id": "5", "name": "Sales", "parentGroupId": "-1"}])).unwrap();
        assert_eq!(g.items[1].parent_group_id, Some(-1));
        assert_eq!(g.items[0].parent_group_id, None);
        let r = parse_status_reasons(json!([{"id": 2642559712i64, "text": "Coffee", "state": "Away", "deleted": true}])).unwrap();
        assert_eq!((r.items[0].text.as_deref(), r.items[0].deleted), (Some("Coffee"), Some(true)));
    }

    #[test]
    fn conversations_take_the_latest_agent_and_the_long_times() {
        let page = json!({"_metadata": {"count": 3}, "conversationHistoryRecords": [
            {"info": {"conversationId": "c1", "startTime": "2016-08-29 14:30:24.565+0000", "startTimeL": 1472481024565i64,
                      "endTime": "undefined", "endTimeL": -1, "status": "OPEN", "latestAgentId": "3677470410"}},
            {"info": {"conversationId": "c2", "startTimeL": 1000, "endTime": "2016-08-29 14:30:24.565+0000", "status": "CLOSE",
                      "latestAgentId": "-1"},
             "agentParticipants": [
                 {"agentId": "9", "timeL": 500, "permission": "ASSIGNED_AGENT"},
                 {"agentId": "8", "timeL": 200, "permission": "ASSIGNED_AGENT"},
                 {"agentId": "7", "timeL": 600, "permission": "READER"}]},
            {"noinfo": true}
        ]});
        let p = parse_conversation_page(page).unwrap();
        assert_eq!((p.records, p.total, p.conversations.skipped), (3, Some(3), 1));
        let c1 = &p.conversations.items[0];
        assert_eq!((c1.start, c1.end, c1.latest_agent_id), (Some(1_472_481_024_565), None, Some(3_677_470_410)));
        assert!(!c1.is_closed());
        let c2 = &p.conversations.items[1];
        // No latestAgentId: the last assigned participant by time (9 joined after 8; 7 only read).
        assert_eq!(c2.latest_agent_id, Some(9));
        assert_eq!(c2.agent_ids.as_deref(), Some("8,9,7"));
        assert_eq!(c2.end, Some(1_472_481_024_565));
        assert!(c2.is_closed());
        assert!(parse_conversation_page(json!([])).is_err());
        assert_eq!(parse_conversation_page(json!({"_metadata": {"count": 0}})).unwrap().records, 0);
    }
}
