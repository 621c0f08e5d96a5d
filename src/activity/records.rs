//! Records as read from the inputs, column by column, before any cleaning: the meeting point
//! of every activity reader (API pages, NDJSON, the fetch store).

use std::collections::HashMap;

use crate::time::Ms;

/// Interned text: every distinct string (login names, employee ids, reason texts) is stored
/// once; records carry a 32-bit code.
#[derive(Debug, Clone, Default)]
pub struct StringPool {
    strings: Vec<Box<str>>,
    index: HashMap<Box<str>, u32, foldhash::fast::RandomState>,
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

    /// Appends to `out` the code of each row of a text array (`null` for a null row),
    /// interning each distinct text once. Values that repeat (decoded from a Parquet
    /// dictionary, or gathered from a view's dictionary) repeat one 16-byte view, and a view
    /// names its bytes within its array: so each row is looked up as a number (mostly the same
    /// as the row before), and a text is read only for a view not seen before. Equal texts
    /// with different views get one code. Returns false, as soon as it is known, when the
    /// array has more than `max_views` distinct views (`out` is then partly filled).
    pub fn intern_views_into(&mut self, arr: &polars_arrow::array::Utf8ViewArray, null: u32, max_views: usize, out: &mut Vec<u32>) -> bool {
        use polars_arrow::array::Array;
        let mut by_view: HashMap<u128, u32, foldhash::fast::RandomState> = HashMap::default();
        let mut last: Option<(u128, u32)> = None;
        out.reserve(arr.len());
        for (i, view) in arr.views().iter().enumerate() {
            if !arr.is_valid(i) {
                out.push(null);
                continue;
            }
            let v = view.as_u128();
            let code = match last {
                Some((lv, code)) if lv == v => code,
                _ => {
                    let code = match by_view.get(&v) {
                        Some(&code) => code,
                        None => {
                            if by_view.len() == max_views {
                                return false;
                            }
                            // SAFETY: `i` is a row of `arr`.
                            let code = self.intern(unsafe { arr.value_unchecked(i) });
                            by_view.insert(v, code);
                            code
                        }
                    };
                    last = Some((v, code));
                    code
                }
            };
            out.push(code);
        }
        true
    }
}

/// Columns of status-change records in input order. Records without an `agentId` or a
/// readable `time` never get here (the readers count them as dropped).
///
/// Missing values are stored as sentinels ([`MISSING`], [`NO_TEXT`]) to keep a record at
/// 80 bytes (a month of a large contact center is tens of millions of records); read them
/// through the accessor methods, which give `Option`s.
#[derive(Debug, Clone, Default)]
pub struct RawRecords {
    pub agent_id: Vec<i64>,
    /// Epoch milliseconds (truncated).
    pub time: Vec<Ms>,
    session_id: Vec<i64>,
    sequence_number: Vec<i64>,
    status_type: Vec<i64>,
    status_sub_type: Vec<i64>,
    status_reason_id: Vec<i64>,
    /// Codes into `strings`; an empty string is kept as written.
    status_reason_text: Vec<u32>,
    employee_id: Vec<u32>,
    agent_login_name: Vec<u32>,
    agent_user_name: Vec<u32>,
    agent_group_id: Vec<i64>,
    pub strings: StringPool,
}

/// A missing number.
pub const MISSING: i64 = i64::MIN;
/// A missing string.
pub const NO_TEXT: u32 = u32::MAX;

#[inline]
fn num(v: i64) -> Option<i64> {
    (v != MISSING).then_some(v)
}

#[inline]
fn text(v: u32) -> Option<u32> {
    (v != NO_TEXT).then_some(v)
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
        let mut code = |t: Option<&str>| t.map_or(NO_TEXT, |s| self.strings.intern(s));
        let texts = [code(r.status_reason_text), code(r.employee_id), code(r.agent_login_name), code(r.agent_user_name)];
        self.push_coded(r, texts);
    }

    /// Pushes a record whose texts are already codes of `self.strings` ([`NO_TEXT`] for
    /// none), in the order reason text, employee id, login name, user name; the text fields
    /// of `r` are ignored.
    pub fn push_coded(&mut self, r: RecordRef<'_>, [reason_text, employee_id, login_name, user_name]: [u32; 4]) {
        let n = |v: Option<i64>| v.unwrap_or(MISSING);
        self.agent_id.push(r.agent_id);
        self.time.push(r.time);
        self.session_id.push(n(r.session_id));
        self.sequence_number.push(n(r.sequence_number));
        self.status_type.push(n(r.status_type));
        self.status_sub_type.push(n(r.status_sub_type));
        self.status_reason_id.push(n(r.status_reason_id));
        self.status_reason_text.push(reason_text);
        self.employee_id.push(employee_id);
        self.agent_login_name.push(login_name);
        self.agent_user_name.push(user_name);
        self.agent_group_id.push(n(r.agent_group_id));
    }

    #[inline]
    pub fn session_id(&self, i: usize) -> Option<i64> {
        num(self.session_id[i])
    }
    #[inline]
    pub fn sequence_number(&self, i: usize) -> Option<i64> {
        num(self.sequence_number[i])
    }
    #[inline]
    pub fn status_type(&self, i: usize) -> Option<i64> {
        num(self.status_type[i])
    }
    #[inline]
    pub fn status_sub_type(&self, i: usize) -> Option<i64> {
        num(self.status_sub_type[i])
    }
    #[inline]
    pub fn status_reason_id(&self, i: usize) -> Option<i64> {
        num(self.status_reason_id[i])
    }
    #[inline]
    pub fn agent_group_id(&self, i: usize) -> Option<i64> {
        num(self.agent_group_id[i])
    }
    /// String codes (see [`StringPool::get`]).
    #[inline]
    pub fn status_reason_text(&self, i: usize) -> Option<u32> {
        text(self.status_reason_text[i])
    }
    #[inline]
    pub fn employee_id(&self, i: usize) -> Option<u32> {
        text(self.employee_id[i])
    }
    #[inline]
    pub fn agent_login_name(&self, i: usize) -> Option<u32> {
        text(self.agent_login_name[i])
    }
    #[inline]
    pub fn agent_user_name(&self, i: usize) -> Option<u32> {
        text(self.agent_user_name[i])
    }

    /// Whether records `a` and `b` share the dedupe key beyond agent and time: type,
    /// subtype, sequence and session (missing equals missing, and differs from -1).
    #[inline]
    pub fn same_change(&self, a: usize, b: usize) -> bool {
        self.status_type[a] == self.status_type[b]
            && self.status_sub_type[a] == self.status_sub_type[b]
            && self.sequence_number[a] == self.sequence_number[b]
            && self.session_id[a] == self.session_id[b]
    }

    /// The number columns, in the order agentId, time, sessionId, sequenceNumber,
    /// statusType, statusSubType, statusReasonId, agentGroupId.
    fn numbers_mut(&mut self) -> [&mut Vec<i64>; 8] {
        [
            &mut self.agent_id,
            &mut self.time,
            &mut self.session_id,
            &mut self.sequence_number,
            &mut self.status_type,
            &mut self.status_sub_type,
            &mut self.status_reason_id,
            &mut self.agent_group_id,
        ]
    }

    /// The text code columns, in the order of [`RawRecords::push_coded`].
    fn texts_mut(&mut self) -> [&mut Vec<u32>; 4] {
        [&mut self.status_reason_text, &mut self.employee_id, &mut self.agent_login_name, &mut self.agent_user_name]
    }

    /// Replaces every text code `c` but [`NO_TEXT`] by `f(c)` (in parallel).
    pub fn map_text_codes(&mut self, f: impl Fn(u32) -> u32 + Sync) {
        use rayon::prelude::*;
        for column in self.texts_mut() {
            column.par_iter_mut().for_each(|c| {
                if *c != NO_TEXT {
                    *c = f(*c);
                }
            });
        }
    }

    /// Appends whole columns of records at once (how the store reader appends a day file):
    /// `fill_number(k, column)` extends number column `k` (in the order agentId, time,
    /// sessionId, sequenceNumber, statusType, statusSubType, statusReasonId, agentGroupId;
    /// [`MISSING`] for missing), then `fill_text(k, column)` text column `k` with codes of
    /// `self.strings` (in the order of [`RawRecords::push_coded`]). Every column must grow
    /// by the same length, and agentId and time are never missing.
    pub fn extend_columns(&mut self, mut fill_number: impl FnMut(usize, &mut Vec<i64>), mut fill_text: impl FnMut(usize, &mut Vec<u32>)) {
        for (k, column) in self.numbers_mut().into_iter().enumerate() {
            fill_number(k, column);
        }
        for (k, column) in self.texts_mut().into_iter().enumerate() {
            fill_text(k, column);
        }
        let n = self.len();
        debug_assert!(self.numbers_mut().iter().all(|c| c.len() == n) && self.texts_mut().iter().all(|c| c.len() == n));
    }

    /// Makes room for `n` more records.
    pub fn reserve(&mut self, n: usize) {
        self.numbers_mut().into_iter().for_each(|c| c.reserve(n));
        self.texts_mut().into_iter().for_each(|c| c.reserve(n));
    }

    /// Appends another batch after this one, keeping input order.
    pub fn append(&mut self, other: RawRecords) {
        // Into nothing (a fetch store, read whole; no room was made for page files): the
        // batch's columns are moved, not copied (a copy of a month is hundreds of megabytes
        // of fresh pages).
        if self.is_empty() && self.strings.is_empty() && self.time.capacity() == 0 {
            *self = other;
            return;
        }
        let remap: Vec<u32> = (0..other.strings.len() as u32).map(|i| self.strings.intern(other.strings.get(i))).collect();
        self.append_mapped(other, |v| remap[v as usize]);
    }

    /// Appends `other`, whose text codes are codes of a pool other than either's (its own is
    /// empty), as those codes with `tag` set in their top bits; [`RawRecords::map_text_codes`]
    /// later turns them into codes of `self.strings`.
    pub fn append_tagged(&mut self, other: RawRecords, tag: u32) {
        debug_assert!(other.strings.is_empty());
        self.append_mapped(other, |v| v | tag);
    }

    /// Appends `other` with each of its text codes `c` but [`NO_TEXT`] as `map(c)`.
    fn append_mapped(&mut self, mut other: RawRecords, map: impl Fn(u32) -> u32) {
        for (column, from) in self.numbers_mut().into_iter().zip(other.numbers_mut()) {
            column.append(from);
        }
        for (column, from) in self.texts_mut().into_iter().zip(other.texts_mut()) {
            column.extend(from.iter().map(|&v| if v == NO_TEXT { NO_TEXT } else { map(v) }));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::*;
    use polars_arrow::array::Utf8ViewArray;

    #[test]
    fn views_are_interned_once_per_text_and_give_up_past_the_limit() {
        // The pool already holds "b": its code is kept. "a long text, over twelve bytes"
        // three times, at three places of the buffers of one array: one code.
        let long = "a long text, over twelve bytes";
        let a = Utf8ViewArray::from_slice([Some("b"), None, Some(long), Some(long)]);
        let b = Utf8ViewArray::from_slice([Some(long), Some("c")]);
        let mut s = StringChunked::with_chunk("t".into(), a);
        s.append(&StringChunked::with_chunk("t".into(), b)).unwrap();
        let s = s.rechunk();
        let arr = s.downcast_iter().next().unwrap();
        let views: std::collections::HashSet<u128> = [2, 4].iter().map(|&i| arr.views()[i].as_u128()).collect();
        assert_eq!(views.len(), 2, "the long text's two copies have two views");
        let mut pool = StringPool::default();
        pool.intern("b");
        let mut out = Vec::new();
        assert!(pool.intern_views_into(arr, NO_TEXT, usize::MAX, &mut out));
        assert_eq!(out, vec![0, NO_TEXT, 1, 1, 1, 2]);
        assert_eq!((pool.get(1), pool.get(2)), (long, "c"));
        // Five distinct views: "b", "c" and the long text's three copies (each value pushed
        // is its own copy): more than four, not more than five.
        let mut out = Vec::new();
        assert!(!StringPool::default().intern_views_into(arr, NO_TEXT, 4, &mut out));
        assert!(StringPool::default().intern_views_into(arr, NO_TEXT, 5, &mut Vec::new()));
    }
}
