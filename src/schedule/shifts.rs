//! From schedule rows to what applies when: per agent, the overlay (at each instant the row
//! with the latest start applies; ties go to the later row) and the shifts (rows grouped by
//! `shift_id`, or by gaps of at least `--shift-gap`). SPEC §3.2.

use std::collections::{BinaryHeap, HashMap};

use super::rows::ScheduleRows;
use crate::time::Ms;

/// "No shift": a segment of a shift that has no counted time (not reported).
pub const NO_SHIFT: u32 = u32::MAX;

/// What the engine needs to know of each row's activity rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowRule {
    /// Index of the `[[activity]]` rule.
    pub rule: u32,
    pub counted: bool,
    /// The rule's `allowed` includes `logged_out` (so it cannot mark R/E).
    pub allows_logged_out: bool,
}

/// Schedule agents, their reported shifts and applying segments, column by column.
///
/// Agents are sorted by key (code-point order). Shifts of agent `a` are
/// `shift_offsets[a]..shift_offsets[a + 1]`, sorted by start; segments of agent `a` are
/// `seg_offsets[a]..seg_offsets[a + 1]`, sorted by time and disjoint.
#[derive(Debug, Clone, Default)]
pub struct Shifts {
    pub agent_key: Vec<String>,
    /// Zone (index into the rows' zones) of the agent's earliest row.
    pub agent_zone: Vec<u32>,
    /// First non-empty `team` among the agent's rows in start order.
    pub agent_team: Vec<Option<String>>,
    pub shift_offsets: Vec<usize>,
    pub seg_offsets: Vec<usize>,

    pub shift_agent: Vec<u32>,
    /// First instant of counted time.
    pub shift_start: Vec<Ms>,
    /// End of the last counted time.
    pub shift_end: Vec<Ms>,
    /// Local date (days since 1970-01-01) of the start of the shift's earliest row.
    pub shift_day: Vec<i64>,
    /// Zone of that row.
    pub shift_zone: Vec<u32>,
    pub shift_team: Vec<Option<String>>,
    /// R: first instant of counted time whose activity does not allow `logged_out`.
    pub shift_r: Vec<Option<Ms>>,
    /// E: end of the last such time.
    pub shift_e: Vec<Option<Ms>>,

    pub seg_start: Vec<Ms>,
    pub seg_end: Vec<Ms>,
    /// The applying row.
    pub seg_row: Vec<u32>,
    /// Its shift, or [`NO_SHIFT`].
    pub seg_shift: Vec<u32>,

    /// For each input row, the reported shift it was grouped into, or [`NO_SHIFT`] (its
    /// shift has no counted time). Rows hidden entirely by the overlay still have their shift.
    pub row_shift: Vec<u32>,
}

impl Shifts {
    pub fn agents(&self) -> usize {
        self.agent_key.len()
    }
    pub fn len(&self) -> usize {
        self.shift_start.len()
    }
    pub fn is_empty(&self) -> bool {
        self.shift_start.is_empty()
    }
    pub fn shifts_of(&self, agent: usize) -> std::ops::Range<usize> {
        self.shift_offsets[agent]..self.shift_offsets[agent + 1]
    }
    pub fn segments_of(&self, agent: usize) -> std::ops::Range<usize> {
        self.seg_offsets[agent]..self.seg_offsets[agent + 1]
    }

    /// Builds agents, shifts and segments. `rule_of_row[i]` is row `i`'s rule.
    pub fn build(rows: &ScheduleRows, rule_of_row: &[RowRule], shift_gap: Ms) -> Shifts {
        let mut by_agent: HashMap<&str, Vec<u32>> = HashMap::new();
        for (i, a) in rows.agent.iter().enumerate() {
            by_agent.entry(a.as_str()).or_default().push(i as u32);
        }
        let mut keys: Vec<&str> = by_agent.keys().copied().collect();
        keys.sort_unstable();
        let mut out = Shifts { shift_offsets: vec![0], seg_offsets: vec![0], row_shift: vec![NO_SHIFT; rows.len()], ..Default::default() };
        for key in keys {
            let mut agent_rows = by_agent.remove(key).expect("key");
            // Start order; ties in input order.
            agent_rows.sort_by_key(|&r| (rows.start[r as usize], r));
            out.add_agent(key, &agent_rows, rows, rule_of_row, shift_gap);
        }
        out
    }

    fn add_agent(&mut self, key: &str, agent_rows: &[u32], rows: &ScheduleRows, rule_of_row: &[RowRule], shift_gap: Ms) {
        let agent = self.agent_key.len() as u32;
        self.agent_key.push(key.to_string());
        self.agent_zone.push(rows.zone[agent_rows[0] as usize]);
        self.agent_team.push(agent_rows.iter().find_map(|&r| rows.team[r as usize].clone()));

        // Group rows into provisional shifts (rows with and without shift_id apart).
        let mut group_of_row: HashMap<u32, usize> = HashMap::with_capacity(agent_rows.len());
        let mut groups: Vec<Vec<u32>> = Vec::new();
        let mut by_id: HashMap<&str, usize> = HashMap::new();
        let mut current: Option<(usize, Ms)> = None; // (group, latest end so far)
        for &r in agent_rows {
            let ri = r as usize;
            let g = match rows.shift_id[ri].as_deref() {
                Some(id) => *by_id.entry(id).or_insert_with(|| {
                    groups.push(Vec::new());
                    groups.len() - 1
                }),
                None => match current {
                    Some((g, latest_end)) if rows.start[ri] - latest_end < shift_gap => {
                        current = Some((g, latest_end.max(rows.end[ri])));
                        g
                    }
                    _ => {
                        groups.push(Vec::new());
                        let g = groups.len() - 1;
                        current = Some((g, rows.end[ri]));
                        g
                    }
                },
            };
            groups[g].push(r);
            group_of_row.insert(r, g);
        }

        let segs = overlay(agent_rows, rows);

        // Counted time, R and E per provisional shift.
        let n = groups.len();
        let mut first: Vec<Option<Ms>> = vec![None; n];
        let mut last: Vec<Ms> = vec![Ms::MIN; n];
        let mut r_of: Vec<Option<Ms>> = vec![None; n];
        let mut e_of: Vec<Option<Ms>> = vec![None; n];
        for &(s, e, row) in &segs {
            let g = group_of_row[&row];
            let rule = rule_of_row[row as usize];
            if !rule.counted {
                continue;
            }
            first[g] = Some(first[g].map_or(s, |f| f.min(s)));
            last[g] = last[g].max(e);
            if !rule.allows_logged_out {
                r_of[g] = Some(r_of[g].map_or(s, |r| r.min(s)));
                e_of[g] = Some(e_of[g].map_or(e, |x| x.max(e)));
            }
        }
        let mut reported: Vec<usize> = (0..n).filter(|&g| first[g].is_some()).collect();
        reported.sort_by_key(|&g| (first[g], last[g], g));
        let base = self.shift_start.len() as u32;
        let mut final_of = vec![NO_SHIFT; n];
        for (k, &g) in reported.iter().enumerate() {
            final_of[g] = base + k as u32;
            // The earliest row (ties: input order) gives the date and zone.
            let earliest = *groups[g].iter().min_by_key(|&&r| (rows.start[r as usize], r)).expect("non-empty group");
            let zone_idx = rows.zone[earliest as usize];
            let zone = &rows.zones[zone_idx as usize];
            self.shift_agent.push(agent);
            self.shift_start.push(first[g].expect("reported"));
            self.shift_end.push(last[g]);
            self.shift_day.push(zone.local_day(rows.start[earliest as usize]));
            self.shift_zone.push(zone_idx);
            // groups[g] is in start order already (rows were visited in start order).
            self.shift_team.push(groups[g].iter().find_map(|&r| rows.team[r as usize].clone()));
            self.shift_r.push(r_of[g]);
            self.shift_e.push(e_of[g]);
        }
        for &r in agent_rows {
            self.row_shift[r as usize] = final_of[group_of_row[&r]];
        }
        for (s, e, row) in segs {
            self.seg_start.push(s);
            self.seg_end.push(e);
            self.seg_row.push(row);
            self.seg_shift.push(final_of[group_of_row[&row]]);
        }
        self.shift_offsets.push(self.shift_start.len());
        self.seg_offsets.push(self.seg_start.len());
    }
}

/// The overlay of one agent's rows (given in start order, ties in input order): disjoint
/// segments `(start, end, row)` in time order, where `row` is the row with the latest start
/// among those covering the segment (ties: the later row). Neighbouring segments of the same
/// row are merged.
pub fn overlay(agent_rows: &[u32], rows: &ScheduleRows) -> Vec<(Ms, Ms, u32)> {
    let mut bounds: Vec<Ms> = agent_rows.iter().flat_map(|&r| [rows.start[r as usize], rows.end[r as usize]]).collect();
    bounds.sort_unstable();
    bounds.dedup();
    let mut heap: BinaryHeap<(Ms, u32)> = BinaryHeap::new();
    let mut next = 0;
    let mut out: Vec<(Ms, Ms, u32)> = Vec::new();
    for w in bounds.windows(2) {
        let (t, t2) = (w[0], w[1]);
        while next < agent_rows.len() && rows.start[agent_rows[next] as usize] <= t {
            let r = agent_rows[next];
            heap.push((rows.start[r as usize], r));
            next += 1;
        }
        while let Some(&(_, r)) = heap.peek() {
            if rows.end[r as usize] <= t {
                heap.pop();
            } else {
                break;
            }
        }
        if let Some(&(_, r)) = heap.peek() {
            match out.last_mut() {
                Some(last) if last.2 == r && last.1 == t => last.1 = t2,
                _ => out.push((t, t2, r)),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::rows::Row;
    use crate::time::{Zone, HOUR, MINUTE};

    fn rows(spec: &[(&str, &str, Ms, Ms, Option<&str>)]) -> ScheduleRows {
        let mut r = ScheduleRows::default();
        let f = r.add_file(std::path::Path::new("t.csv"));
        for (i, (agent, act, s, e, id)) in spec.iter().enumerate() {
            r.push(
                f,
                Row {
                    agent: agent.to_string(),
                    activity: act.to_string(),
                    start: *s,
                    end: *e,
                    zone: Zone::utc(),
                    shift_id: id.map(str::to_string),
                    team: None,
                    line: i as u64 + 2,
                },
            );
        }
        r
    }

    #[test]
    fn latest_start_wins_and_ties_go_to_the_later_row() {
        // Base shift 9-17, break 12-13 on top, and a second break row at the same start
        // written later: it applies from 12 to 12:30.
        let r = rows(&[
            ("a", "Open", 9 * HOUR, 17 * HOUR, None),
            ("a", "Break", 12 * HOUR, 13 * HOUR, None),
            ("a", "Lunch", 12 * HOUR, 12 * HOUR + 30 * MINUTE, None),
        ]);
        let segs = overlay(&[0, 1, 2], &r);
        assert_eq!(
            segs,
            vec![
                (9 * HOUR, 12 * HOUR, 0),
                (12 * HOUR, 12 * HOUR + 30 * MINUTE, 2),
                (12 * HOUR + 30 * MINUTE, 13 * HOUR, 1),
                (13 * HOUR, 17 * HOUR, 0),
            ]
        );
    }

    #[test]
    fn shifts_split_at_gaps_of_at_least_shift_gap_after_the_latest_end() {
        // 9-13, then 13:59-17 (gap 59 min < 60): one shift; then 18:00 (gap 60 min): new shift.
        let r = rows(&[
            ("a", "Open", 9 * HOUR, 13 * HOUR, None),
            ("a", "Open", 13 * HOUR + 59 * MINUTE, 17 * HOUR, None),
            ("a", "Open", 18 * HOUR, 20 * HOUR, None),
        ]);
        let rule = RowRule { rule: 0, counted: true, allows_logged_out: false };
        let s = Shifts::build(&r, &[rule; 3], 60 * MINUTE);
        assert_eq!(s.len(), 2);
        assert_eq!((s.shift_start[0], s.shift_end[0]), (9 * HOUR, 17 * HOUR));
        assert_eq!((s.shift_start[1], s.shift_end[1]), (18 * HOUR, 20 * HOUR));
    }

    #[test]
    fn time_off_only_shift_is_not_reported_and_hides_what_is_under_it() {
        let r = rows(&[
            ("a", "Open", 9 * HOUR, 17 * HOUR, Some("x")),
            ("a", "Vacation", 9 * HOUR, 18 * HOUR, Some("x")),
            ("a", "Vacation", 30 * HOUR, 38 * HOUR, Some("y")),
        ]);
        let counted = RowRule { rule: 0, counted: true, allows_logged_out: false };
        let off = RowRule { rule: 2, counted: false, allows_logged_out: false };
        let s = Shifts::build(&r, &[counted, off, off], 60 * MINUTE);
        // Vacation (same start, later row) covers 9-17 entirely: shift x has no counted time.
        assert_eq!(s.len(), 0);
        assert!(s.seg_shift.iter().all(|&x| x == NO_SHIFT));
    }
}
