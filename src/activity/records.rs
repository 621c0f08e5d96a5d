//! Records as read from the inputs, column by column, before any cleaning: the meeting point
//! of every activity reader (API pages, NDJSON, the fetch store).

use std::collections::HashMap;

use crate::time::Ms;

/// Interned text: every distinct string (login names, employee ids, reason texts) is stored
/// once; records carry a 32-bit code.
#[derive(Debug, Clone, Default)]
pub struct StringPool {
    strings: Vec<Box<str>>,
    index: HashMap<Box<str>, u32>,
}

impl StringPool {
    pub fn intern(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.index.get(s) {
            return id;
        }
        let id = self.strings.len() as u32;
        self.strings.push(s.into());
        self.index.insert(s.into(), id);
        id
    }
    pub fn get(&self, id: u32) -> &str {
        &self.strings[id as usize]
    }
    pub fn len(&self) -> usize {
        self.strings.len()
    }
    pub fn is_empty(&self) -> bool {
        self.strings.is_empty()
    }
}

/// Columns of status-change records in input order. Records without an `agentId` or a
/// readable `time` never get here (the readers count them as dropped).
#[derive(Debug, Clone, Default)]
pub struct RawRecords {
    pub agent_id: Vec<i64>,
    /// Epoch milliseconds (truncated).
    pub time: Vec<Ms>,
    pub session_id: Vec<Option<i64>>,
    pub sequence_number: Vec<Option<i64>>,
    pub status_type: Vec<Option<i64>>,
    pub status_sub_type: Vec<Option<i64>>,
    pub status_reason_id: Vec<Option<i64>>,
    /// Codes into `strings`; `None` when missing or null (an empty string is kept as written).
    pub status_reason_text: Vec<Option<u32>>,
    pub employee_id: Vec<Option<u32>>,
    pub agent_login_name: Vec<Option<u32>>,
    pub agent_user_name: Vec<Option<u32>>,
    pub agent_group_id: Vec<Option<i64>>,
    pub strings: StringPool,
}

/// One record's fields, borrowed, for pushing into [`RawRecords`].
#[derive(Debug, Clone, Copy, Default)]
pub struct RecordRef<'a> {
    pub agent_id: i64,
    pub time: Ms,
    pub session_id: Option<i64>,
    pub sequence_number: Option<i64>,
    pub status_type: Option<i64>,
    pub status_sub_type: Option<i64>,
    pub status_reason_id: Option<i64>,
    pub status_reason_text: Option<&'a str>,
    pub employee_id: Option<&'a str>,
    pub agent_login_name: Option<&'a str>,
    pub agent_user_name: Option<&'a str>,
    pub agent_group_id: Option<i64>,
}

impl RawRecords {
    pub fn len(&self) -> usize {
        self.time.len()
    }
    pub fn is_empty(&self) -> bool {
        self.time.is_empty()
    }

    pub fn push(&mut self, r: RecordRef<'_>) {
        self.agent_id.push(r.agent_id);
        self.time.push(r.time);
        self.session_id.push(r.session_id);
        self.sequence_number.push(r.sequence_number);
        self.status_type.push(r.status_type);
        self.status_sub_type.push(r.status_sub_type);
        self.status_reason_id.push(r.status_reason_id);
        let text = r.status_reason_text.map(|s| self.strings.intern(s));
        self.status_reason_text.push(text);
        let e = r.employee_id.map(|s| self.strings.intern(s));
        self.employee_id.push(e);
        let l = r.agent_login_name.map(|s| self.strings.intern(s));
        self.agent_login_name.push(l);
        let u = r.agent_user_name.map(|s| self.strings.intern(s));
        self.agent_user_name.push(u);
        self.agent_group_id.push(r.agent_group_id);
    }

    /// Appends another batch after this one, keeping input order.
    pub fn append(&mut self, other: RawRecords) {
        let remap: Vec<u32> = (0..other.strings.len() as u32).map(|i| self.strings.intern(other.strings.get(i))).collect();
        let map = |v: Option<u32>| v.map(|i| remap[i as usize]);
        self.agent_id.extend(other.agent_id);
        self.time.extend(other.time);
        self.session_id.extend(other.session_id);
        self.sequence_number.extend(other.sequence_number);
        self.status_type.extend(other.status_type);
        self.status_sub_type.extend(other.status_sub_type);
        self.status_reason_id.extend(other.status_reason_id);
        self.status_reason_text.extend(other.status_reason_text.into_iter().map(map));
        self.employee_id.extend(other.employee_id.into_iter().map(map));
        self.agent_login_name.extend(other.agent_login_name.into_iter().map(map));
        self.agent_user_name.extend(other.agent_user_name.into_iter().map(map));
        self.agent_group_id.extend(other.agent_group_id);
    }
}
