//! What the Agent Activity API sends: status-change pages, error bodies, domain and token
//! answers (liveperson-api.md §3, §4.2, §4.6).
//!
//! A record keeps every field the API sent. The documented fields get typed values
//! (integers, text, millisecond instants); whatever does not fit its type, and every field
//! the docs do not name, is kept verbatim in [`StatusChange::extra`] as a JSON object, so
//! nothing the API said is lost on the way to the store. Numbers sent as text are read as
//! numbers, as the activity reader does (`activity::json`).

use serde_json::{Map, Value};

use crate::activity::json::parse_int_text;
use crate::time::{self, Ms};

/// One status-change record as the API sent it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusChange {
    pub agent_id: Option<i64>,
    pub employee_id: Option<String>,
    pub agent_login_name: Option<String>,
    pub agent_user_name: Option<String>,
    pub agent_group_id: Option<i64>,
    /// Epoch milliseconds (UTC), truncated to the millisecond.
    pub time: Option<Ms>,
    pub session_id: Option<i64>,
    pub sequence_number: Option<i64>,
    pub status_type: Option<i64>,
    pub status_sub_type: Option<i64>,
    pub status_reason_id: Option<i64>,
    pub status_reason_text: Option<String>,
    pub prev_status_change_time: Option<Ms>,
    /// A JSON object of the fields not held above: fields the docs do not name, and named
    /// fields whose value did not fit their type (e.g. a `time` that is not a time).
    pub extra: Option<String>,
}

/// The identity of a record: two records with equal keys are the same event (SPEC §4 step
/// 1; a missing value equals a missing value and differs from -1).
pub type DedupeKey = (Option<i64>, Option<Ms>, Option<i64>, Option<i64>, Option<i64>, Option<i64>);

impl StatusChange {
    pub fn dedupe_key(&self) -> DedupeKey {
        (self.agent_id, self.time, self.status_type, self.status_sub_type, self.sequence_number, self.session_id)
    }

    /// Reads one JSON record. Never fails: what cannot be typed goes to `extra`.
    pub fn from_json(mut obj: Map<String, Value>) -> StatusChange {
        let mut r = StatusChange {
            agent_id: take_int(&mut obj, "agentId"),
            employee_id: take_text(&mut obj, "employeeId"),
            agent_login_name: take_text(&mut obj, "agentLoginName"),
            agent_user_name: take_text(&mut obj, "agentUserName"),
            agent_group_id: take_int(&mut obj, "agentGroupId"),
            time: take_time(&mut obj, "time"),
            session_id: take_int(&mut obj, "sessionId"),
            sequence_number: take_int(&mut obj, "sequenceNumber"),
            status_type: take_int(&mut obj, "statusType"),
            status_sub_type: take_int(&mut obj, "statusSubType"),
            status_reason_id: take_int(&mut obj, "statusReasonId"),
            status_reason_text: take_text(&mut obj, "statusReasonText"),
            prev_status_change_time: take_time(&mut obj, "prevStatusChangeTime"),
            extra: None,
        };
        if !obj.is_empty() {
            // serde_json's map is sorted by key, so the text is deterministic.
            r.extra = Some(Value::Object(obj).to_string());
        }
        r
    }
}

/// Removes `key` when its value reads as an integer (or is null); leaves anything else in
/// `obj` for `extra`.
fn take_int(obj: &mut Map<String, Value>, key: &str) -> Option<i64> {
    let v = match obj.get(key)? {
        Value::Null => None,
        Value::Number(n) => Some(n.as_i64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.0e18).map(|f| f as i64))?),
        Value::String(s) => Some(parse_int_text(s)?),
        _ => return None,
    };
    obj.remove(key);
    v
}

/// Removes `key` when its value is text (a number is kept as its text, as the activity
/// reader does for an employee id sent as `42`) or null.
fn take_text(obj: &mut Map<String, Value>, key: &str) -> Option<String> {
    let v = match obj.get(key)? {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => return None,
    };
    obj.remove(key);
    v
}

/// Removes `key` when its value is an RFC 3339 instant, epoch milliseconds, or null.
fn take_time(obj: &mut Map<String, Value>, key: &str) -> Option<Ms> {
    let v = match obj.get(key)? {
        Value::Null => None,
        Value::String(s) => Some(time::parse_rfc3339(s.trim()).or_else(|| parse_int_text(s))?),
        Value::Number(n) => Some(n.as_i64().or_else(|| n.as_f64().filter(|f| f.is_finite()).map(|f| f.trunc() as i64))?),
        _ => return None,
    };
    obj.remove(key);
    v
}

/// One page of `status-changes`.
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub records: Vec<StatusChange>,
    /// How many records the page held (what `offset` advances by).
    pub count: usize,
}

/// Why a 2xx body is not a usable page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageProblem {
    /// Not JSON, or cut off: worth another try.
    Malformed(String),
    /// A v1 page (`agentsInfo`): the server ignored `v=2`; v1 may truncate silently.
    V1,
    /// JSON, but not a page at all.
    NotAPage,
}

/// Reads a v2 page. A page without `stateChanges` holds no records.
pub fn parse_page(bytes: &[u8]) -> Result<Page, PageProblem> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| PageProblem::Malformed(e.to_string()))?;
    let Value::Object(mut obj) = value else {
        return Err(PageProblem::NotAPage);
    };
    if obj.contains_key("agentsInfo") && !obj.contains_key("stateChanges") {
        return Err(PageProblem::V1);
    }
    // An object with nothing of a page in it (`{}`) is a broken answer worth another try, not
    // an empty window: taken as empty, an old window would be committed as final with nothing.
    if !["stateChanges", "timeframe", "_metadata"].iter().any(|k| obj.contains_key(*k)) {
        return Err(PageProblem::Malformed("a JSON object without stateChanges, timeframe or _metadata".to_string()));
    }
    let changes = match obj.remove("stateChanges") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a,
        Some(_) => return Err(PageProblem::NotAPage),
    };
    let count = changes.len();
    let records = changes
        .into_iter()
        .map(|v| match v {
            Value::Object(o) => StatusChange::from_json(o),
            // A record that is not an object is kept whole in `extra`.
            other => StatusChange { extra: Some(serde_json::json!({ "record": other }).to_string()), ..Default::default() },
        })
        .collect();
    Ok(Page { records, count })
}

/// The useful parts of an error body (400 `causes`, 401 `reason`, 500 `internalCode`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErrorBody {
    pub causes: Vec<String>,
    pub reason: Option<String>,
    pub message: Option<String>,
    pub internal_code: Option<String>,
}

impl ErrorBody {
    /// Reads what it can; a body that is not JSON gives an empty `ErrorBody`.
    pub fn parse(bytes: &[u8]) -> ErrorBody {
        let Ok(Value::Object(obj)) = serde_json::from_slice::<Value>(bytes) else {
            return ErrorBody::default();
        };
        let text = |k: &str| match obj.get(k) {
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        let causes = match obj.get("causes") {
            Some(Value::Array(a)) => a
                .iter()
                .map(|c| match c {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect(),
            Some(Value::String(s)) => vec![s.clone()],
            _ => Vec::new(),
        };
        ErrorBody { causes, reason: text("reason"), message: text("message"), internal_code: text("internalCode") }
    }

    /// The `oauth_problem` named in a 401 `reason` (`oauth_problem=token_rejected&…`).
    pub fn oauth_problem(&self) -> Option<&str> {
        let reason = self.reason.as_deref()?;
        reason.split('&').find_map(|kv| kv.trim().strip_prefix("oauth_problem=")).filter(|p| !p.is_empty())
    }

    /// The `oauth_problem_advice` of a 401 `reason`.
    pub fn oauth_advice(&self) -> Option<&str> {
        let reason = self.reason.as_deref()?;
        reason.split('&').find_map(|kv| kv.trim().strip_prefix("oauth_problem_advice=")).filter(|p| !p.is_empty())
    }

    /// The maximum page size named by a cause `limit: must be less than or equal to N` (or
    /// the same words anywhere in a cause or the message, in any case).
    pub fn limit_maximum(&self) -> Option<u32> {
        const BOUND: &str = "less than or equal to";
        self.causes.iter().chain(self.message.as_ref()).find_map(|c| {
            let c = c.to_ascii_lowercase();
            let at = c.find("limit")?;
            let rest = &c[at + "limit".len()..];
            let rest = &rest[rest.find(BOUND)? + BOUND.len()..];
            let digits: String = rest.trim_start().chars().take_while(|ch| ch.is_ascii_digit()).collect();
            digits.parse().ok()
        })
    }
}

/// The Domain API's answer: `{"service":…, "account":…, "baseURI":"<host>"}`.
pub fn parse_base_uri(bytes: &[u8]) -> Option<String> {
    let v: Value = serde_json::from_slice(bytes).ok()?;
    let s = v.get("baseURI")?.as_str()?.trim();
    (!s.is_empty()).then(|| s.to_string())
}

/// Sentinel's token answer: `{"access_token": "<JWT>", "token_type": "Bearer", …}`.
pub fn parse_token(bytes: &[u8]) -> Option<(String, Option<i64>)> {
    let v: Value = serde_json::from_slice(bytes).ok()?;
    let token = v.get("access_token")?.as_str()?.trim();
    let expires_in = v.get("expires_in").and_then(|e| e.as_i64().or_else(|| e.as_str().and_then(parse_int_text)));
    (!token.is_empty()).then(|| (token.to_string(), expires_in))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_is_kept_typed_or_in_extra() {
        let page = br#"{"_metadata":{"references":[]},"timeframe":{"startTimeL":"1"},
          "stateChanges":[
            {"agentId":"3401122017","employeeId":42,"agentLoginName":"maria","agentUserName":"Maria","agentGroupId":-1,
             "time":"2024-03-04T08:00:12.403Z","sessionId":-1,"sequenceNumber":-1,"statusType":3,"statusSubType":0,
             "statusReasonId":-1,"statusReasonText":null,"prevStatusChangeTime":null,"skillId":7},
            {"agentId":5,"time":"yesterday","statusType":true,"prevStatusChangeTime":"2024-03-04T08:00:00+01:00"},
            17
          ]}"#;
        let p = parse_page(page).unwrap();
        assert_eq!(p.count, 3);
        let a = &p.records[0];
        assert_eq!(a.agent_id, Some(3_401_122_017));
        assert_eq!(a.employee_id.as_deref(), Some("42"));
        assert_eq!(a.time, Some(1_709_539_212_403));
        assert_eq!(a.sequence_number, Some(-1));
        assert_eq!(a.status_reason_text, None);
        assert_eq!(a.extra.as_deref(), Some(r#"{"skillId":7}"#));
        let b = &p.records[1];
        assert_eq!(b.time, None);
        assert_eq!(b.status_type, None);
        // 08:00+01:00 is 07:00Z: 2024-03-04 is day 19786; 19786*86400000 + 7h
        assert_eq!(b.prev_status_change_time, Some(19_786 * 86_400_000 + 7 * 3_600_000));
        assert_eq!(b.extra.as_deref(), Some(r#"{"statusType":true,"time":"yesterday"}"#));
        assert_eq!(p.records[2].extra.as_deref(), Some(r#"{"record":17}"#));
    }

    #[test]
    fn v1_pages_and_garbage_are_told_apart() {
        assert_eq!(parse_page(br#"{"agentsInfo":[]}"#).unwrap_err(), PageProblem::V1);
        assert!(matches!(parse_page(br#"{"stateChanges":[{"agentId":1"#).unwrap_err(), PageProblem::Malformed(_)));
        assert_eq!(parse_page(b"[]").unwrap_err(), PageProblem::NotAPage);
        assert!(matches!(parse_page(b"{}").unwrap_err(), PageProblem::Malformed(_)));
        assert_eq!(parse_page(br#"{"timeframe":{},"_metadata":{}}"#).unwrap().count, 0);
    }

    #[test]
    fn error_bodies() {
        let e = ErrorBody::parse(
            br#"{"causes":["offset: must be greater than or equal to 0","limit: must be less than or equal to 100"],"message":"bad"}"#,
        );
        assert_eq!(e.limit_maximum(), Some(100));
        assert_eq!(e.causes.len(), 2);
        // The same words in other places or capitals still name the maximum.
        assert_eq!(ErrorBody::parse(br#"{"message":"Limit must be less than or equal to 500."}"#).limit_maximum(), Some(500));
        assert_eq!(ErrorBody::parse(br#"{"causes":["query.limit: must be less than or equal to 20000"]}"#).limit_maximum(), Some(20000));
        assert_eq!(ErrorBody::parse(br#"{"causes":["offset: must be less than or equal to 7"]}"#).limit_maximum(), None);
        let e = ErrorBody::parse(
            br#"{"reason":"oauth_problem=token_rejected&oauth_problem_advice=the oauth_token is unacceptable to the Service Provider","message":"x"}"#,
        );
        assert_eq!(e.oauth_problem(), Some("token_rejected"));
        assert_eq!(e.oauth_advice(), Some("the oauth_token is unacceptable to the Service Provider"));
        assert_eq!(ErrorBody::parse(br#"{"internalCode":"abc-1"}"#).internal_code.as_deref(), Some("abc-1"));
        assert_eq!(ErrorBody::parse(b"<html>"), ErrorBody::default());
    }
}
