//! Reads LivePerson Agent Activity API responses: a v2 page (`stateChanges[]`), a v1 page
//! (`agentsInfo[].statusChangeHistory[]`), a JSON array of pages, or NDJSON of records.
//!
//! The API's quirks are absorbed here: every field may be missing or null, numbers may come
//! as strings, `time` may be RFC 3339 or epoch milliseconds, `timeframe.startTimeL` may be a
//! string or a number. A value of the wrong shape reads as missing, never as a failure: a
//! record without a usable `agentId` or `time` is dropped and counted.

use std::borrow::Cow;
use std::fmt;
use std::path::Path;

use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use super::records::{RawRecords, RecordRef, StringPool};
use crate::error::{Error, Location, Result};
use crate::time::{self, Ms};

/// A number that may arrive as a number, a numeric string, or not at all.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Flex(pub Option<i64>);

impl<'de> Deserialize<'de> for Flex {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Flex;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number")
            }
            fn visit_i64<E>(self, v: i64) -> std::result::Result<Flex, E> {
                Ok(Flex(Some(v)))
            }
            fn visit_u64<E>(self, v: u64) -> std::result::Result<Flex, E> {
                Ok(Flex(i64::try_from(v).ok()))
            }
            fn visit_f64<E>(self, v: f64) -> std::result::Result<Flex, E> {
                Ok(Flex((v.is_finite() && v.fract() == 0.0 && v.abs() < 9.0e18).then_some(v as i64)))
            }
            fn visit_str<E>(self, v: &str) -> std::result::Result<Flex, E> {
                Ok(Flex(parse_int_text(v)))
            }
            fn visit_bool<E>(self, _: bool) -> std::result::Result<Flex, E> {
                Ok(Flex(None))
            }
            fn visit_unit<E>(self) -> std::result::Result<Flex, E> {
                Ok(Flex(None))
            }
            fn visit_none<E>(self) -> std::result::Result<Flex, E> {
                Ok(Flex(None))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Flex, D::Error> {
                d.deserialize_any(V)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> std::result::Result<Flex, A::Error> {
                while a.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Flex(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> std::result::Result<Flex, A::Error> {
                while a.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Flex(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// An integer written as text (`"3401122017"`, `" 12 "`, `"12.0"`).
pub fn parse_int_text(s: &str) -> Option<i64> {
    // Only integers: "12.0" or "1.7e12" are not numbers sent as strings of an integer field.
    s.trim().parse::<i64>().ok()
}

/// Text that may arrive as a string, a number (an employee id sent as `42`), or not at all.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FlexStr<'a>(pub Option<Cow<'a, str>>);

impl<'de: 'a, 'a> Deserialize<'de> for FlexStr<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = FlexStr<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> std::result::Result<Self::Value, E> {
                Ok(FlexStr(Some(Cow::Borrowed(v))))
            }
            fn visit_str<E>(self, v: &str) -> std::result::Result<Self::Value, E> {
                Ok(FlexStr(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_string<E>(self, v: String) -> std::result::Result<Self::Value, E> {
                Ok(FlexStr(Some(Cow::Owned(v))))
            }
            fn visit_i64<E>(self, v: i64) -> std::result::Result<Self::Value, E> {
                Ok(FlexStr(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_u64<E>(self, v: u64) -> std::result::Result<Self::Value, E> {
                Ok(FlexStr(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_f64<E>(self, v: f64) -> std::result::Result<Self::Value, E> {
                Ok(FlexStr(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_bool<E>(self, _: bool) -> std::result::Result<Self::Value, E> {
                Ok(FlexStr(None))
            }
            fn visit_unit<E>(self) -> std::result::Result<Self::Value, E> {
                Ok(FlexStr(None))
            }
            fn visit_none<E>(self) -> std::result::Result<Self::Value, E> {
                Ok(FlexStr(None))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Self::Value, D::Error> {
                d.deserialize_any(self)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> std::result::Result<Self::Value, A::Error> {
                while a.next_element::<IgnoredAny>()?.is_some() {}
                Ok(FlexStr(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> std::result::Result<Self::Value, A::Error> {
                while a.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(FlexStr(None))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

impl FlexStr<'_> {
    fn as_deref(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

/// A record's time: RFC 3339 text, or epoch milliseconds as a number (or numeric text).
/// Truncated to the millisecond.
fn read_time(v: &FlexTime) -> Option<Ms> {
    match v {
        FlexTime::None => None,
        FlexTime::Number(ms) => Some(*ms),
        // Epoch milliseconds with a fraction: truncated to the millisecond.
        FlexTime::Float(x) => Some(x.trunc() as Ms),
        FlexTime::Text(s) => time::parse_rfc3339(s.trim()).or_else(|| parse_int_text(s)),
    }
    .filter(|&ms| time::in_range(ms))
}

#[derive(Debug, Clone, Default, PartialEq)]
pub enum FlexTime<'a> {
    #[default]
    None,
    Number(Ms),
    /// A JSON number with a fraction or an exponent (not an integer).
    Float(f64),
    Text(Cow<'a, str>),
}

impl<'de: 'a, 'a> Deserialize<'de> for FlexTime<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = FlexTime<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a time")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> std::result::Result<Self::Value, E> {
                Ok(FlexTime::Text(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> std::result::Result<Self::Value, E> {
                Ok(FlexTime::Text(Cow::Owned(v.to_string())))
            }
            fn visit_i64<E>(self, v: i64) -> std::result::Result<Self::Value, E> {
                Ok(FlexTime::Number(v))
            }
            fn visit_u64<E>(self, v: u64) -> std::result::Result<Self::Value, E> {
                Ok(i64::try_from(v).map(FlexTime::Number).unwrap_or(FlexTime::None))
            }
            fn visit_f64<E>(self, v: f64) -> std::result::Result<Self::Value, E> {
                Ok(if v.is_finite() && v.abs() < 9.0e18 { FlexTime::Float(v) } else { FlexTime::None })
            }
            fn visit_bool<E>(self, _: bool) -> std::result::Result<Self::Value, E> {
                Ok(FlexTime::None)
            }
            fn visit_unit<E>(self) -> std::result::Result<Self::Value, E> {
                Ok(FlexTime::None)
            }
            fn visit_none<E>(self) -> std::result::Result<Self::Value, E> {
                Ok(FlexTime::None)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Self::Value, D::Error> {
                d.deserialize_any(self)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> std::result::Result<Self::Value, A::Error> {
                while a.next_element::<IgnoredAny>()?.is_some() {}
                Ok(FlexTime::None)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> std::result::Result<Self::Value, A::Error> {
                while a.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(FlexTime::None)
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// The fields of a status-change record (v2 `stateChanges[]`, v1 `statusChangeHistory[]`,
/// an NDJSON line) and, on v1 agents, the agent's own fields.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct RecordJson<'a> {
    pub(super) agent_id: Flex,
    #[serde(borrow)]
    pub(super) time: FlexTime<'a>,
    pub(super) session_id: Flex,
    pub(super) sequence_number: Flex,
    pub(super) status_type: Flex,
    pub(super) status_sub_type: Flex,
    pub(super) status_reason_id: Flex,
    #[serde(borrow)]
    pub(super) status_reason_text: FlexStr<'a>,
    #[serde(borrow)]
    pub(super) employee_id: FlexStr<'a>,
    #[serde(borrow)]
    pub(super) agent_login_name: FlexStr<'a>,
    #[serde(borrow)]
    pub(super) agent_user_name: FlexStr<'a>,
    pub(super) agent_group_id: Flex,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct AgentJson<'a> {
    agent_id: Flex,
    #[serde(borrow)]
    employee_id: FlexStr<'a>,
    #[serde(borrow)]
    agent_login_name: FlexStr<'a>,
    #[serde(borrow)]
    agent_user_name: FlexStr<'a>,
    agent_group_id: Flex,
    #[serde(borrow)]
    status_change_history: Option<Vec<RecordJson<'a>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct TimeframeJson<'a> {
    #[serde(borrow)]
    pub(super) start_time: FlexTime<'a>,
    #[serde(borrow)]
    pub(super) end_time: FlexTime<'a>,
    #[serde(borrow, rename = "startTimeL")]
    pub(super) start_time_l: FlexTime<'a>,
    #[serde(borrow, rename = "endTimeL")]
    pub(super) end_time_l: FlexTime<'a>,
}

/// Anything one JSON value in an activity file can be: a v2 page, a v1 page, or a record.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct DocJson<'a> {
    #[serde(borrow)]
    timeframe: Option<TimeframeJson<'a>>,
    #[serde(borrow)]
    state_changes: Option<Vec<RecordJson<'a>>>,
    #[serde(borrow)]
    agents_info: Option<Vec<AgentJson<'a>>>,
    #[serde(flatten, borrow)]
    record: RecordJson<'a>,
}

/// A timeframe bound: the `…L` field when it reads as an integer, else the RFC 3339 field.
fn bound(l: &FlexTime, text: &FlexTime) -> Option<Ms> {
    let from_l = match l {
        FlexTime::Number(ms) => Some(*ms),
        FlexTime::Text(s) => parse_int_text(s),
        FlexTime::Float(_) | FlexTime::None => None,
    };
    from_l
        .or_else(|| match text {
            FlexTime::Text(s) => time::parse_rfc3339(s.trim()),
            _ => None,
        })
        .filter(|&ms| time::in_range(ms))
}

/// What one activity file held.
#[derive(Debug, Default)]
pub struct FileContents {
    pub records: RawRecords,
    /// Page timeframes `[start, end)` (only readable ones with end after start).
    pub timeframes: Vec<(Ms, Ms)>,
    /// Records dropped because `agentId` or a readable `time` was missing.
    pub dropped_missing: u64,
    /// Pages whose timeframe could not be read (ignored).
    pub bad_timeframes: u64,
}

impl FileContents {
    pub(super) fn push_timeframe(&mut self, tf: &TimeframeJson) {
        match (bound(&tf.start_time_l, &tf.start_time), bound(&tf.end_time_l, &tf.end_time)) {
            (Some(s), Some(e)) if e > s => self.timeframes.push((s, e)),
            _ => self.bad_timeframes += 1,
        }
    }

    pub(super) fn push_record(&mut self, r: &RecordJson, agent: Option<&AgentJson>) {
        let agent_id = r.agent_id.0.or_else(|| agent.and_then(|a| a.agent_id.0));
        let time = read_time(&r.time);
        let (Some(agent_id), Some(time)) = (agent_id, time) else {
            self.dropped_missing += 1;
            return;
        };
        // v1: the agent's fields fill in what its history records lack.
        fn fill<'s>(own: &'s FlexStr<'_>, theirs: Option<&'s FlexStr<'_>>) -> Option<&'s str> {
            own.as_deref().or_else(|| theirs.and_then(|t| t.as_deref()))
        }
        let employee = fill(&r.employee_id, agent.map(|a| &a.employee_id));
        let login = fill(&r.agent_login_name, agent.map(|a| &a.agent_login_name));
        let user = fill(&r.agent_user_name, agent.map(|a| &a.agent_user_name));
        self.records.push(RecordRef {
            agent_id,
            time,
            session_id: r.session_id.0,
            sequence_number: r.sequence_number.0,
            status_type: r.status_type.0,
            status_sub_type: r.status_sub_type.0,
            status_reason_id: r.status_reason_id.0,
            status_reason_text: r.status_reason_text.as_deref(),
            employee_id: employee,
            agent_login_name: login,
            agent_user_name: user,
            agent_group_id: r.agent_group_id.0.or_else(|| agent.and_then(|a| a.agent_group_id.0)),
        });
    }

    fn push_doc(&mut self, doc: &DocJson) {
        if let Some(tf) = &doc.timeframe {
            self.push_timeframe(tf);
        }
        let is_page = doc.state_changes.is_some() || doc.agents_info.is_some() || doc.timeframe.is_some();
        if let Some(changes) = &doc.state_changes {
            for r in changes {
                self.push_record(r, None);
            }
        }
        if let Some(agents) = &doc.agents_info {
            for a in agents {
                for r in a.status_change_history.iter().flatten() {
                    self.push_record(r, Some(a));
                }
            }
        }
        if !is_page {
            self.push_record(&doc.record, None);
        }
    }
}

/// Reads one activity file's bytes. `path` is for messages only.
pub fn read_activity_bytes(path: &Path, bytes: &[u8]) -> Result<FileContents> {
    let mut strings = StringPool::default();
    let mut out = read_activity_bytes_into(path, bytes, &mut strings)?;
    out.records.strings = strings;
    Ok(out)
}

/// [`read_activity_bytes`] with the records' texts interned into `strings`, a pool shared by
/// the files one thread reads (most texts of a file were in the files before it). The
/// records' own pool is left empty: their text codes are codes of `strings`.
pub fn read_activity_bytes_into(path: &Path, bytes: &[u8], strings: &mut StringPool) -> Result<FileContents> {
    // Almost every file is one v2 page of plain values: scanned directly (the parse stage
    // about 20 % faster, BENCHMARKS.md "Third round"); anything else, and any file the
    // scanner gives up on (at the first byte of a file that is not one object), goes to serde.
    if let Some(out) = std::str::from_utf8(bytes).ok().and_then(|text| super::page_scan::read_v2_page(text, strings)) {
        return Ok(out);
    }
    read_serde_into(path, bytes, strings)
}

/// Parses into `out` with the texts interned into `strings` (lent to `out` meanwhile).
pub(super) fn with_pool<T>(strings: &mut StringPool, out: &mut FileContents, parse: impl FnOnce(&mut FileContents) -> T) -> T {
    out.records.strings = std::mem::take(strings);
    let result = parse(out);
    *strings = std::mem::take(&mut out.records.strings);
    result
}

/// Reads one activity file's bytes with serde: every shape and quirk, and the messages for
/// invalid JSON.
#[cfg(test)]
pub(super) fn read_serde(path: &Path, bytes: &[u8]) -> Result<FileContents> {
    let mut strings = StringPool::default();
    let mut out = read_serde_into(path, bytes, &mut strings)?;
    out.records.strings = strings;
    Ok(out)
}

/// [`read_serde`] with the texts interned into `strings` (see [`read_activity_bytes_into`]).
fn read_serde_into(path: &Path, bytes: &[u8], strings: &mut StringPool) -> Result<FileContents> {
    let mut out = FileContents::default();
    let result = with_pool(strings, &mut out, |out| read_serde_fill(path, bytes, out));
    result.map(|()| out)
}

fn read_serde_fill(path: &Path, bytes: &[u8], out: &mut FileContents) -> Result<()> {
    let first = bytes.iter().position(|b| !b.is_ascii_whitespace());
    let Some(first) = first else {
        return Ok(()); // an empty file holds no records
    };
    // One JSON document (a page, an array of pages)? Validating UTF-8 once for the whole
    // file lets the parser skip it string by string.
    let text = std::str::from_utf8(bytes).ok();
    let doc_err = if bytes[first] == b'[' {
        match text.map_or_else(|| serde_json::from_slice::<Vec<DocJson>>(bytes), serde_json::from_str::<Vec<DocJson>>) {
            Ok(docs) => {
                for d in &docs {
                    out.push_doc(d);
                }
                return Ok(());
            }
            Err(e) => e,
        }
    } else {
        match text.map_or_else(|| serde_json::from_slice::<DocJson>(bytes), serde_json::from_str::<DocJson>) {
            Ok(doc) => {
                out.push_doc(&doc);
                return Ok(());
            }
            Err(e) => e,
        }
    };
    // Otherwise NDJSON: one record (or page) per line. If even the first line is not a JSON
    // value, the file was meant as one document: report where that document breaks.
    let mut line_no = 0u64;
    let mut seen_value = false;
    for line in bytes.split(|&b| b == b'\n') {
        line_no += 1;
        if line.iter().all(|b| b.is_ascii_whitespace()) {
            continue;
        }
        match serde_json::from_slice::<DocJson>(line) {
            Ok(doc) => {
                seen_value = true;
                out.push_doc(&doc);
            }
            Err(_) if !seen_value => {
                let bad_line = bytes.split(|&b| b == b'\n').nth(doc_err.line().saturating_sub(1)).unwrap_or(b"");
                return Err(Error::input_hint(
                    Location::file(path).line(doc_err.line() as u64).column(format!("character {}", doc_err.column())).value(snippet(bad_line)),
                    format!("this file is not valid JSON: {doc_err}"),
                    "an activity file must be one JSON document (an API page or an array of pages) or NDJSON (one record per line); re-fetch or repair the file",
                ));
            }
            Err(e) => {
                return Err(Error::input_hint(
                    Location::file(path).line(line_no).column(format!("character {}", e.column())).value(snippet(line)),
                    format!("this NDJSON line is not valid JSON: {e}"),
                    "an activity file must be one JSON document (an API page or an array of pages) or NDJSON (one record per line); re-fetch or repair the file",
                ));
            }
        }
    }
    Ok(())
}

fn snippet(line: &[u8]) -> String {
    let s = String::from_utf8_lossy(line);
    let s = s.trim();
    if s.chars().count() > 80 {
        let cut: String = s.chars().take(77).collect();
        format!("{cut}...")
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const V2: &str = r#"{"timeframe":{"startTime":"2024-03-04T00:00:00Z","endTime":"2024-03-05T00:00:00Z","startTimeL":"1709510400000","endTimeL":1709596800000},
      "stateChanges":[
        {"agentId":3401122017,"employeeId":"EMP-0042","agentLoginName":"maria","time":"2024-03-04T08:00:12.403Z","sessionId":-1,"sequenceNumber":-1,"statusType":3,"statusSubType":0,"statusReasonId":-1,"statusReasonText":null},
        {"agentId":"3401122017","time":"2024-03-04T08:03:47.918Z","sessionId":"51877340","sequenceNumber":2,"statusType":"1","statusSubType":4,"statusReasonText":"Lunch"},
        {"agentId":null,"time":"2024-03-04T08:03:47.918Z"},
        {"agentId":1,"time":"yesterday"},
        {"agentId":2,"time":1709539212403.9},
        {"agentId":3,"time":1709539212403000}
      ]}"#;

    #[test]
    fn v2_page_with_quirks() {
        let c = read_activity_bytes(Path::new("p.json"), V2.as_bytes()).unwrap();
        assert_eq!(c.timeframes, vec![(1_709_510_400_000, 1_709_596_800_000)]);
        assert_eq!(c.records.len(), 3);
        // no agentId; "yesterday"; a time in microseconds (year 56000) is not a time.
        assert_eq!(c.dropped_missing, 3);
        assert_eq!(c.records.agent_id, vec![3_401_122_017, 3_401_122_017, 2]);
        assert_eq!(c.records.session_id(1), Some(51_877_340));
        assert_eq!(c.records.status_type(1), Some(1));
        assert_eq!(c.records.time[2], 1_709_539_212_403);
        assert_eq!(c.records.status_reason_text(0), None);
    }

    #[test]
    fn v1_agents_fill_in_their_records() {
        let v1 = r#"{"timeframe":{"startTimeL":1709510400000,"endTimeL":1709596800000},
          "agentsInfo":[{"agentId":7,"employeeId":"E7","agentLoginName":"jun","agentGroupId":-1,
             "statusChangeHistory":[{"time":"2024-03-04T07:58:30.001Z","statusType":3,"statusSubType":0}]}]}"#;
        let c = read_activity_bytes(Path::new("v1.json"), v1.as_bytes()).unwrap();
        assert_eq!(c.records.agent_id, vec![7]);
        assert_eq!(c.records.agent_group_id(0), Some(-1));
        let e = c.records.employee_id(0).unwrap();
        assert_eq!(c.records.strings.get(e), "E7");
    }

    #[test]
    fn arrays_of_pages_and_ndjson() {
        let arr = format!("[{V2},{V2}]");
        let c = read_activity_bytes(Path::new("a.json"), arr.as_bytes()).unwrap();
        assert_eq!(c.records.len(), 6);
        assert_eq!(c.timeframes.len(), 2);
        let nd = "{\"agentId\":1,\"time\":\"2024-03-04T08:00:00Z\",\"statusType\":3}\n\n{\"agentId\":1,\"time\":\"2024-03-04T09:00:00Z\",\"statusType\":4}\n";
        let c = read_activity_bytes(Path::new("r.ndjson"), nd.as_bytes()).unwrap();
        assert_eq!(c.records.len(), 2);
        assert!(c.timeframes.is_empty());
    }

    #[test]
    fn malformed_json_names_file_and_line() {
        let nd = "{\"agentId\":1,\"time\":\"2024-03-04T08:00:00Z\"}\n{\"agentId\":2,\"time\":\n";
        let err = read_activity_bytes(Path::new("bad.ndjson"), nd.as_bytes()).unwrap_err().to_string();
        assert!(err.contains("bad.ndjson:2"), "{err}");
        assert!(err.contains("not valid JSON"), "{err}");
    }
}
