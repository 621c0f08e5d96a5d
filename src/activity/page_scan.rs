//! A fast reader for the shape almost every activity file has: one v2 API page,
//! `{"_metadata": …, "timeframe": {…}, "stateChanges": [{…}, …]}`, whose record values are
//! integers, plain strings (no escapes) and nulls.
//!
//! It scans the bytes once and gives the records to the same code the serde reader uses
//! ([`FileContents::push_record`]), so what it reads is exactly what serde would. It
//! **gives up** (returns `None`) on anything it does not handle the way serde would, and the
//! caller then reads the whole file with serde: a string with an escape in a field it reads,
//! a fraction or exponent, an integer of 19 or more digits, a number where text is expected,
//! an array or object as a record value, a duplicate key, a v1 page or record fields at the
//! top level, invalid JSON anywhere (serde then names the line and character), trailing
//! content. Giving up costs only time; W1's pages never do. `tests` check both readers agree
//! on every case here, and the suite's quirk fixtures go through both.

use std::borrow::Cow;

use super::json::{parse_int_text, with_pool, FileContents, Flex, FlexStr, FlexTime, RecordJson, TimeframeJson};
use super::records::StringPool;

/// `Err(())`: give up and let serde read the file.
type Scan<T> = std::result::Result<T, ()>;

/// Deeper than this is left to serde (whose limit is 128).
const MAX_DEPTH: u32 = 100;

struct Cursor<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
    /// The keys of the last record, in its order, each with its `RECORD_FIELDS` index
    /// (`UNREAD` for a key the reader skips): records of one page almost always list the
    /// same keys in the same order, so each key is checked against one guess first.
    order: Vec<(&'a str, usize)>,
}

/// The `order` mark of a record key that is not one of `RECORD_FIELDS`.
const UNREAD: usize = usize::MAX;

/// A record value as this reader takes it.
enum Value<'a> {
    Null,
    Bool,
    Int(i64),
    /// `-0`, which serde_json reads as the float `-0.0`.
    NegZero,
    Str(&'a str),
}

impl<'a> Value<'a> {
    /// As serde's `Flex` visitor reads it.
    fn flex(self) -> Flex {
        Flex(match self {
            Value::Null | Value::Bool => None,
            Value::Int(v) => Some(v),
            Value::NegZero => Some(0),
            Value::Str(s) => parse_int_text(s),
        })
    }
    /// As serde's `FlexStr` visitor reads it; a number (which serde would print) gives up.
    fn flex_str(self) -> Scan<FlexStr<'a>> {
        match self {
            Value::Null | Value::Bool => Ok(FlexStr(None)),
            Value::Str(s) => Ok(FlexStr(Some(Cow::Borrowed(s)))),
            Value::Int(_) | Value::NegZero => Err(()),
        }
    }
    /// As serde's `FlexTime` visitor reads it.
    fn flex_time(self) -> FlexTime<'a> {
        match self {
            Value::Null | Value::Bool => FlexTime::None,
            Value::Int(v) => FlexTime::Number(v),
            Value::NegZero => FlexTime::Float(-0.0),
            Value::Str(s) => FlexTime::Text(Cow::Borrowed(s)),
        }
    }
}

impl<'a> Cursor<'a> {
    #[inline]
    fn ws(&mut self) {
        while let Some(&c) = self.b.get(self.i) {
            if matches!(c, b' ' | b'\t' | b'\n' | b'\r') {
                self.i += 1;
            } else {
                break;
            }
        }
    }

    #[inline]
    fn peek(&mut self) -> Scan<u8> {
        self.ws();
        self.b.get(self.i).copied().ok_or(())
    }

    #[inline]
    fn eat(&mut self, c: u8) -> Scan<()> {
        if self.peek()? == c {
            self.i += 1;
            Ok(())
        } else {
            Err(())
        }
    }

    /// After a member or element: `true` at `,` (another follows), `false` at `close`.
    #[inline]
    fn more(&mut self, close: u8) -> Scan<bool> {
        match self.peek()? {
            b',' => {
                self.i += 1;
                Ok(true)
            }
            c if c == close => {
                self.i += 1;
                Ok(false)
            }
            _ => Err(()),
        }
    }

    fn literal(&mut self, word: &[u8]) -> Scan<()> {
        if self.b[self.i..].starts_with(word) {
            self.i += word.len();
            Ok(())
        } else {
            Err(())
        }
    }

    /// A string without escapes, at its opening quote.
    #[inline]
    fn plain_str(&mut self) -> Scan<&'a str> {
        if self.peek()? != b'"' {
            return Err(());
        }
        let start = self.i + 1;
        let rest = &self.b[start..];
        let n = memchr::memchr2(b'"', b'\\', rest).ok_or(())?;
        if rest[n] != b'"' || rest[..n].iter().any(|&c| c < 0x20) {
            return Err(());
        }
        self.i = start + n + 1;
        // Both ends are ASCII quotes of valid UTF-8: character boundaries.
        Ok(&self.s[start..start + n])
    }

    /// Any string, at its opening quote, checked as serde would (a `\u` escape gives up).
    fn skip_str(&mut self) -> Scan<()> {
        self.i += 1;
        loop {
            let c = *self.b.get(self.i).ok_or(())?;
            self.i += 1;
            match c {
                b'"' => return Ok(()),
                b'\\' => {
                    let e = *self.b.get(self.i).ok_or(())?;
                    self.i += 1;
                    if !matches!(e, b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') {
                        return Err(());
                    }
                }
                c if c < 0x20 => return Err(()),
                _ => {}
            }
        }
    }

    /// An integer `-?(0|[1-9][0-9]*)` of at most 18 digits, not followed by a fraction or an
    /// exponent (those, and longer integers, give up).
    #[inline]
    fn int(&mut self) -> Scan<i64> {
        let mut i = self.i;
        let neg = self.b.get(i) == Some(&b'-');
        if neg {
            i += 1;
        }
        let start = i;
        let mut v: i64 = 0;
        while let Some(&c) = self.b.get(i) {
            if !c.is_ascii_digit() {
                break;
            }
            if i - start == 18 {
                return Err(());
            }
            v = v * 10 + i64::from(c - b'0');
            i += 1;
        }
        let digits = i - start;
        if digits == 0 || (digits > 1 && self.b[start] == b'0') || matches!(self.b.get(i), Some(b'.' | b'e' | b'E')) {
            return Err(());
        }
        self.i = i;
        Ok(if neg { -v } else { v })
    }

    /// A record value: null, a boolean, an integer or a plain string.
    #[inline]
    fn scalar(&mut self) -> Scan<Value<'a>> {
        match self.peek()? {
            b'"' => Ok(Value::Str(self.plain_str()?)),
            b'n' => self.literal(b"null").map(|_| Value::Null),
            b't' => self.literal(b"true").map(|_| Value::Bool),
            b'f' => self.literal(b"false").map(|_| Value::Bool),
            b'-' | b'0'..=b'9' => {
                let neg = self.b[self.i] == b'-';
                let v = self.int()?;
                Ok(if neg && v == 0 { Value::NegZero } else { Value::Int(v) })
            }
            _ => Err(()),
        }
    }

    /// Skips any JSON value, checking it as serde would.
    fn skip_value(&mut self, depth: u32) -> Scan<()> {
        if depth > MAX_DEPTH {
            return Err(());
        }
        match self.peek()? {
            b'"' => self.skip_str(),
            // Keys are checked like any string here (escapes allowed), not read.
            b'{' => self.list(b'{', b'}', |c| {
                if c.peek()? != b'"' {
                    return Err(());
                }
                c.skip_str()?;
                c.eat(b':')?;
                c.skip_value(depth + 1)
            }),
            b'[' => self.list(b'[', b']', |c| c.skip_value(depth + 1)),
            _ => self.scalar().map(|_| ()),
        }
    }

    /// An object or array at `open`: `item` reads each member or element, up to `close`.
    fn list(&mut self, open: u8, close: u8, mut item: impl FnMut(&mut Self) -> Scan<()>) -> Scan<()> {
        self.eat(open)?;
        if self.peek()? == close {
            self.i += 1;
            return Ok(());
        }
        loop {
            item(self)?;
            if !self.more(close)? {
                return Ok(());
            }
        }
    }

    /// The members of an object, at its `{`, with plain keys: `member(cursor, key)` reads
    /// each value.
    fn object(&mut self, mut member: impl FnMut(&mut Self, &'a str) -> Scan<()>) -> Scan<()> {
        self.list(b'{', b'}', |c| {
            let key = c.plain_str()?;
            c.eat(b':')?;
            member(c, key)
        })
    }

    fn record(&mut self, depth: u32) -> Scan<RecordJson<'a>> {
        let mut r = RecordJson::default();
        let mut seen = 0u16;
        let mut k = 0;
        self.object(|c, key| {
            let field = match c.order.get(k) {
                Some(&(guess, field)) if guess == key => field,
                _ => {
                    let field = RECORD_FIELDS.iter().position(|&f| f == key).unwrap_or(UNREAD);
                    c.order.truncate(k);
                    c.order.push((key, field));
                    field
                }
            };
            k += 1;
            if field == UNREAD {
                return c.skip_value(depth + 1);
            }
            // serde fails on a field given twice.
            if seen & (1 << field) != 0 {
                return Err(());
            }
            seen |= 1 << field;
            let v = c.scalar()?;
            match field {
                0 => r.agent_id = v.flex(),
                1 => r.time = v.flex_time(),
                2 => r.session_id = v.flex(),
                3 => r.sequence_number = v.flex(),
                4 => r.status_type = v.flex(),
                5 => r.status_sub_type = v.flex(),
                6 => r.status_reason_id = v.flex(),
                7 => r.status_reason_text = v.flex_str()?,
                8 => r.employee_id = v.flex_str()?,
                9 => r.agent_login_name = v.flex_str()?,
                10 => r.agent_user_name = v.flex_str()?,
                _ => r.agent_group_id = v.flex(),
            }
            Ok(())
        })?;
        Ok(r)
    }

    fn timeframe(&mut self, depth: u32) -> Scan<TimeframeJson<'a>> {
        let mut tf = TimeframeJson::default();
        let mut seen = 0u8;
        self.object(|c, key| {
            let field = match key {
                "startTime" => 0,
                "endTime" => 1,
                "startTimeL" => 2,
                "endTimeL" => 3,
                _ => return c.skip_value(depth + 1),
            };
            if seen & (1 << field) != 0 {
                return Err(());
            }
            seen |= 1 << field;
            let v = c.scalar()?.flex_time();
            match field {
                0 => tf.start_time = v,
                1 => tf.end_time = v,
                2 => tf.start_time_l = v,
                _ => tf.end_time_l = v,
            }
            Ok(())
        })?;
        Ok(tf)
    }
}

/// The record fields serde reads (`RecordJson`, camelCase), in the order of `record`'s match.
const RECORD_FIELDS: [&str; 12] = [
    "agentId",
    "time",
    "sessionId",
    "sequenceNumber",
    "statusType",
    "statusSubType",
    "statusReasonId",
    "statusReasonText",
    "employeeId",
    "agentLoginName",
    "agentUserName",
    "agentGroupId",
];

/// Reads `text` as one v2 page, or `None` if it is not one this reader handles (see the
/// module docs): then read it with serde.
///
/// The records' texts are interned into `strings` (lent to the records meanwhile; see
/// `json::read_activity_bytes_into`), also when the scanner gives up.
pub(super) fn read_v2_page(text: &str, strings: &mut StringPool) -> Option<FileContents> {
    let mut out = FileContents::default();
    with_pool(strings, &mut out, |out| scan(text, out)).then_some(out)
}

fn scan(text: &str, out: &mut FileContents) -> bool {
    let mut c = Cursor { s: text, b: text.as_bytes(), i: 0, order: Vec::new() };
    let (mut seen_timeframe, mut seen_changes) = (false, false);
    c.object(|c, key| match key {
        "timeframe" => {
            if std::mem::replace(&mut seen_timeframe, true) {
                return Err(());
            }
            if c.peek()? == b'n' {
                return c.literal(b"null");
            }
            let tf = c.timeframe(2)?;
            out.push_timeframe(&tf);
            Ok(())
        }
        "stateChanges" => {
            if std::mem::replace(&mut seen_changes, true) {
                return Err(());
            }
            c.list(b'[', b']', |c| {
                let r = c.record(3)?;
                out.push_record(&r, None);
                Ok(())
            })
        }
        // A v1 page, or record fields beside the page's (serde reads them into the
        // flattened record): left to serde.
        "agentsInfo" => Err(()),
        k if RECORD_FIELDS.contains(&k) => Err(()),
        _ => c.skip_value(2),
    })
    .is_ok()
        && {
            c.ws();
            seen_changes && c.i == c.b.len()
        }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activity::json::read_serde;

    /// The scanner with a pool of its own, as `read_activity_bytes` reads a file.
    fn scan_page(text: &str) -> Option<FileContents> {
        let mut strings = StringPool::default();
        let mut out = read_v2_page(text, &mut strings)?;
        out.records.strings = strings;
        Some(out)
    }

    /// Both readers on `text`: the scanner's result (if it reads it) must be serde's.
    fn agree(text: &str) -> bool {
        let Some(fast) = scan_page(text) else {
            return false;
        };
        let slow = read_serde(std::path::Path::new("t.json"), text.as_bytes()).expect("serde reads what the scanner reads");
        assert_eq!(rows(&fast), rows(&slow), "{text}");
        assert_eq!(
            (&fast.timeframes, fast.dropped_missing, fast.bad_timeframes),
            (&slow.timeframes, slow.dropped_missing, slow.bad_timeframes),
            "{text}"
        );
        true
    }

    /// Every record's every field, texts as text (the pools' codes may differ).
    fn rows(f: &FileContents) -> Vec<String> {
        let r = &f.records;
        let text = |c: Option<u32>| c.map(|c| r.strings.get(c).to_string());
        (0..r.len())
            .map(|i| {
                format!(
                    "{} {} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?}",
                    r.agent_id[i],
                    r.time[i],
                    r.session_id(i),
                    r.sequence_number(i),
                    r.status_type(i),
                    r.status_sub_type(i),
                    r.status_reason_id(i),
                    r.agent_group_id(i),
                    text(r.status_reason_text(i)),
                    text(r.employee_id(i)),
                    text(r.agent_login_name(i)),
                    text(r.agent_user_name(i)),
                )
            })
            .collect()
    }

    const REC: &str = r#"{"agentId":4400496052,"employeeId":"E1","agentLoginName":"a@b","agentUserName":"A B","agentGroupId":22,"time":"2024-03-04T16:26:32.246Z","sessionId":-1,"sequenceNumber":-1,"statusType":3,"statusSubType":0,"statusReasonId":-1,"statusReasonText":null,"prevStatusChangeTime":null}"#;

    #[test]
    fn reads_a_simulated_page_as_serde_does() {
        let page = format!(
            r#"{{"_metadata":{{"references":[{{"rel":"self","href":"http://x/?a=1"}}],"n":[1,-2,{{}},[]],"s":"a\"b\\n"}},
              "timeframe": {{ "startTime": "2024-03-04T00:00:00Z", "endTime": "2024-03-05T00:00:00Z", "startTimeL": "1709510400000", "endTimeL": 1709596800000 }},
              "stateChanges": [ {REC}, {REC} ,{{"agentId":"12","time":1709510400001,"statusType":"4","statusSubType":2,"statusReasonId":"7","statusReasonText":"Lunch","other":{{"x":[true,false,null]}}}}, {{}}, {{"agentId":1}} ] }}
"#
        );
        assert!(agree(&page));
        // Two records and one with numbers as text pushed; the empty one and the one without
        // a time dropped.
        let out = scan_page(&page).unwrap();
        assert_eq!(out.records.agent_id, vec![4400496052, 4400496052, 12]);
        assert_eq!(out.dropped_missing, 2);
        assert_eq!(out.timeframes, vec![(1709510400000, 1709596800000)]);
        assert!(agree(r#"{"stateChanges":[]}"#));
        assert!(agree(r#"{"timeframe":null,"stateChanges":[]}"#));
        assert!(agree(r#"{"timeframe":{},"stateChanges":[]}"#)); // a bad timeframe, counted
        assert!(agree(&format!(r#"{{"stateChanges":[{}]}}"#, REC.replace(r#""time":"2024-03-04T16:26:32.246Z""#, r#""time":true"#))));
        assert!(agree(&format!(r#"{{"stateChanges":[{}]}}"#, REC.replace("-1", "-0"))));
        // serde reads `-0` as a float, which a timeframe's `…L` field does not take: the text
        // bound is used.
        let neg_zero = r#"{"timeframe":{"startTimeL":-0,"startTime":"2024-03-04T00:00:00Z","endTimeL":1709596800000},"stateChanges":[]}"#;
        assert!(agree(neg_zero));
        assert_eq!(scan_page(neg_zero).unwrap().timeframes, vec![(1709510400000, 1709596800000)]);
    }

    #[test]
    fn gives_up_where_serde_reads_differently_or_fails() {
        let page = |rec: &str| format!(r#"{{"timeframe":{{"startTimeL":1,"endTimeL":2}},"stateChanges":[{rec}]}}"#);
        let gives_up = [
            page(&REC.replace("E1", r"E\u0031")),                                    // an escape in a field read
            page(&REC.replace(r#""E1""#, "42")),                                     // a number as text
            page(&REC.replace(":22,", ":22.0,")),                                    // a fraction
            page(&REC.replace(":22,", ":2e1,")),                                     // an exponent
            page(&REC.replace(":22,", ":1234567890123456789,")),                     // 19 digits
            page(&REC.replace(":22,", ":022,")),                                     // a leading zero: invalid JSON
            page(&REC.replace(":22,", ":[22],")),                                    // an array as a value
            page(&REC.replace(r#""sessionId":-1"#, r#""agentId":5"#)),               // a duplicate field
            page(&format!("{REC},")),                                                // a trailing comma
            page(&REC.replace(r#""prevStatusChangeTime":null"#, r#""x":"\u00e9""#)), // \u escape skipped
            page(&REC.replace("A B", "A\tB")),                                       // a control character
            format!("{} x", page(REC)),                                              // trailing content
            format!(r#"{{"stateChanges":[{REC}],"stateChanges":[]}}"#),
            format!(r#"{{"agentId":1,"stateChanges":[{REC}]}}"#),
            format!(r#"{{"agentsInfo":[],"stateChanges":[{REC}]}}"#),
            format!(r#"{{"timeframe":5,"stateChanges":[{REC}]}}"#),
            REC.to_string(), // a record, not a page
            format!("[{}]", page(REC)),
            "{\x0c\"stateChanges\":[]}".to_string(), // form feed is not JSON whitespace
        ];
        for text in gives_up {
            assert!(scan_page(&text).is_none(), "{text}");
        }
    }
}
