//! Enrichment: what LivePerson's configuration and conversation APIs add to the activity —
//! agent names (Users API), team names and the group hierarchy (Agent Groups API), away
//! reason texts by id (Agent Status Reason API) and closed conversations (Messaging
//! Interactions).
//!
//! An [`Enrichment`] is read from `adhere fetch` stores (which keep it beside the status
//! changes) and from the APIs' JSON answers saved as files, then
//! - gives [`crate::activity::LoadOptions`] the configured reason texts and the bots and
//!   API users to leave out ([`Enrichment::reason_texts`], [`Enrichment::bots`]);
//! - names each activity agent and its team ([`Enrichment::apply`]);
//! - counts the conversations each agent closed ([`Enrichment::closed_by_agent`]) for the
//!   productivity view.
//!
//! With nothing loaded every report is exactly what it is without enrichment.

pub mod model;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde_json::Value;

use crate::activity::{Activity, LoadOptions, ReasonNames, UserFacts};
use crate::error::{Error, Location, Result};
use crate::time::Ms;
pub use model::{AgentGroup, Conversation, StatusReason, User};

/// Everything loaded, by id. When two inputs describe the same id, the later one wins.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Enrichment {
    pub users: BTreeMap<i64, User>,
    pub groups: BTreeMap<i64, AgentGroup>,
    pub reasons: BTreeMap<i64, StatusReason>,
    /// By conversation id.
    pub conversations: BTreeMap<String, Conversation>,
    /// Entities skipped for want of a readable id.
    pub skipped: usize,
}

/// Which agent group names a team: the agent's own group (`leaf`, the default) or its
/// ancestor at depth N (0 = the root group).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TeamLevel {
    #[default]
    Leaf,
    Depth(u32),
}

impl FromStr for TeamLevel {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<TeamLevel, String> {
        let t = s.trim();
        if t.eq_ignore_ascii_case("leaf") {
            return Ok(TeamLevel::Leaf);
        }
        t.parse::<u32>().map(TeamLevel::Depth).map_err(|_| format!("{s:?}: give `leaf` or a depth 0, 1, 2, … (0 is the root group)"))
    }
}

/// How enrichment changes a report (`--include-bots`, `--team-level`, `--reason-names`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EnrichOptions {
    pub include_bots: bool,
    pub team_level: TeamLevel,
    pub reason_names: ReasonNames,
}

/// Loads activity with `enrichment`: configured reason texts, bots and API users left out
/// (unless `include_bots`), agents named and their teams set.
pub fn load_activity(paths: &[PathBuf], coverage: Option<(Ms, Ms)>, enrichment: &Enrichment, o: &EnrichOptions) -> Result<Activity> {
    let opts = load_options(coverage, enrichment, o);
    let mut activity = Activity::load(paths, &opts)?;
    enrichment.apply(&mut activity, o.team_level);
    Ok(activity)
}

/// The load options `enrichment` gives: configured reason texts, bots and API users left
/// out (unless `include_bots`).
pub fn load_options(coverage: Option<(Ms, Ms)>, enrichment: &Enrichment, o: &EnrichOptions) -> LoadOptions {
    LoadOptions {
        coverage,
        reason_texts: enrichment.reason_texts(),
        reason_names: o.reason_names,
        exclude_agents: if o.include_bots { HashSet::new() } else { enrichment.bots() },
    }
}

impl Enrichment {
    /// The enrichment of a report: what the `adhere fetch` stores among `activity_paths`
    /// hold, then `extra` inputs on top.
    pub fn for_inputs(activity_paths: &[PathBuf], extra: &[PathBuf]) -> Result<Enrichment> {
        let stores: Vec<PathBuf> = activity_paths.iter().filter(|p| crate::liveperson::store::is_store(p)).cloned().collect();
        let mut e = Enrichment::load(&stores)?;
        e.merge(Enrichment::load(extra)?);
        Ok(e)
    }

    pub fn is_empty(&self) -> bool {
        self.users.is_empty() && self.groups.is_empty() && self.reasons.is_empty() && self.conversations.is_empty()
    }

    /// Adds `other` on top of `self` (its entities replace those with the same id).
    pub fn merge(&mut self, other: Enrichment) {
        self.users.extend(other.users);
        self.groups.extend(other.groups);
        self.reasons.extend(other.reasons);
        self.conversations.extend(other.conversations);
        self.skipped += other.skipped;
    }

    pub fn add_users(&mut self, users: impl IntoIterator<Item = User>) {
        self.users.extend(users.into_iter().map(|u| (u.id, u)));
    }
    pub fn add_groups(&mut self, groups: impl IntoIterator<Item = AgentGroup>) {
        self.groups.extend(groups.into_iter().map(|g| (g.id, g)));
    }
    pub fn add_reasons(&mut self, reasons: impl IntoIterator<Item = StatusReason>) {
        self.reasons.extend(reasons.into_iter().map(|r| (r.id, r)));
    }
    pub fn add_conversations(&mut self, conversations: impl IntoIterator<Item = Conversation>) {
        self.conversations.extend(conversations.into_iter().map(|c| (c.conversation_id.clone(), c)));
    }

    /// Reads enrichment from `paths` in order: `adhere fetch` stores, directories of JSON
    /// files (read recursively, in path order), and JSON files. A JSON file is what one of
    /// the APIs answered: an array of users, of agent groups or of status reasons, a
    /// conversations search page, or an array of such pages.
    pub fn load(paths: &[PathBuf]) -> Result<Enrichment> {
        let mut out = Enrichment::default();
        for p in paths {
            let meta = std::fs::metadata(p).map_err(|e| Error::io(p, e))?;
            if meta.is_dir() {
                if crate::liveperson::store::is_store(p) {
                    out.merge(crate::liveperson::store::read_enrichment(p)?);
                    continue;
                }
                let mut files = Vec::new();
                json_files(p, &mut files)?;
                if files.is_empty() {
                    return Err(Error::input_hint(
                        Location::file(p),
                        "this directory holds no .json files and no fetch store",
                        "point --enrichment at an `adhere fetch` store, or at the JSON answers of the Users, Agent Groups, Status Reasons or Messaging Interactions APIs",
                    ));
                }
                for f in files {
                    read_json_file(&f, &mut out)?;
                }
            } else {
                read_json_file(p, &mut out)?;
            }
        }
        Ok(out)
    }

    /// Configured reason texts by id (deleted reasons included: old records still name
    /// them).
    pub fn reason_texts(&self) -> HashMap<i64, String> {
        self.reasons.values().filter_map(|r| Some((r.id, r.text.clone().filter(|t| !t.trim().is_empty())?))).collect()
    }

    /// Users that are bots (`userTypeId` 2) or API users.
    pub fn bots(&self) -> HashSet<i64> {
        self.users.values().filter(|u| u.is_bot_or_api_user()).map(|u| u.id).collect()
    }

    /// The team label of agent group `group` at `level`, when the group is known: the
    /// group's name (with its id when several groups share the name; its id when it has no
    /// name).
    pub fn team_of_group(&self, group: i64, level: TeamLevel) -> Option<String> {
        let chain = self.ancestry(group);
        let depth = chain.len().checked_sub(1)?;
        let pick = match level {
            TeamLevel::Leaf => chain[0],
            TeamLevel::Depth(n) if n as usize >= depth => chain[0],
            TeamLevel::Depth(n) => chain[depth - n as usize],
        };
        Some(self.group_label(pick))
    }

    /// `group`, its parent, … up to the root (or the first parent not loaded); empty when
    /// `group` is not loaded. A cycle in the data ends the walk.
    fn ancestry(&self, group: i64) -> Vec<i64> {
        let mut chain = Vec::new();
        let mut cur = Some(group);
        while let Some(g) = cur {
            if chain.contains(&g) || !self.groups.contains_key(&g) {
                break;
            }
            chain.push(g);
            cur = self.groups[&g].parent_group_id;
        }
        chain
    }

    fn group_label(&self, id: i64) -> String {
        let name = self.groups.get(&id).and_then(|g| g.name.as_deref()).map(str::trim).filter(|n| !n.is_empty());
        match name {
            None => id.to_string(),
            Some(n) => {
                let shared = self.groups.values().filter(|g| g.id != id && g.name.as_deref().map(str::trim) == Some(n)).count() > 0;
                if shared {
                    format!("{n} ({id})")
                } else {
                    n.to_string()
                }
            }
        }
    }

    /// Names every activity agent and its team. The team comes from the agent's group in
    /// its records, else its group in the Users API (`memberOf`); a record group of -1 (the
    /// root group, where LivePerson puts agents it has no group for) gives way to
    /// `memberOf`. The team is the group's name at `level` when agent groups are loaded,
    /// else the group id as text (as without enrichment).
    pub fn apply(&self, activity: &mut Activity, level: TeamLevel) {
        if self.users.is_empty() && self.groups.is_empty() {
            return;
        }
        for a in &mut activity.agents {
            let user = self.users.get(&a.agent_id);
            let member_of = user.and_then(|u| u.agent_group_id);
            let candidates = if a.group_id.is_none_or(|g| g == -1) { [member_of, a.group_id] } else { [a.group_id, member_of] };
            let named = candidates.iter().flatten().find_map(|&g| self.team_of_group(g, level));
            a.team = named.or_else(|| candidates.iter().flatten().next().map(|g| g.to_string()));
            if let Some(u) = user {
                a.user = Some(UserFacts {
                    full_name: u.full_name.clone().filter(|s| !s.trim().is_empty()),
                    display_name: u.display_name().map(str::to_string),
                    employee_id: u.employee_id.clone().filter(|s| !s.trim().is_empty()),
                    login_name: u.login_name.clone().filter(|s| !s.trim().is_empty()),
                });
            }
        }
    }

    /// Close instants of the closed conversations, by their latest agent (sorted).
    pub fn closed_by_agent(&self) -> HashMap<i64, Vec<Ms>> {
        let mut out: HashMap<i64, Vec<Ms>> = HashMap::new();
        for c in self.conversations.values() {
            if let (true, Some(agent), Some(end)) = (c.is_closed(), c.latest_agent_id, c.end) {
                out.entry(agent).or_default().push(end);
            }
        }
        for v in out.values_mut() {
            v.sort_unstable();
        }
        out
    }

    /// One line for stderr: what was loaded.
    pub fn describe(&self) -> String {
        let bots = self.bots().len();
        let deleted = self.users.values().filter(|u| u.deleted == Some(true)).count();
        let closed = self.conversations.values().filter(|c| c.is_closed()).count();
        format!(
            "enrichment: {} users ({deleted} deleted, {bots} bots or API users), {} agent groups, {} status reasons, {closed} closed conversations",
            self.users.len(),
            self.groups.len(),
            self.reasons.len()
        )
    }
}

/// `.json` files under `dir`, recursively, in path order.
fn json_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let mut entries: Vec<PathBuf> =
        std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        let hidden = p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.'));
        if hidden {
            continue;
        }
        if p.is_dir() {
            json_files(&p, out)?;
        } else if p.extension().and_then(|x| x.to_str()) == Some("json") {
            out.push(p);
        }
    }
    Ok(())
}

/// What an API answer saved as a file holds, told by its shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileKind {
    Users,
    Groups,
    Reasons,
    Conversations,
    Empty,
}

fn sniff(value: &Value) -> Option<FileKind> {
    match value {
        Value::Object(o) if o.contains_key("conversationHistoryRecords") => Some(FileKind::Conversations),
        Value::Array(a) => {
            let Some(first) = a.iter().find_map(Value::as_object) else {
                return a.is_empty().then_some(FileKind::Empty);
            };
            let has = |k: &str| first.contains_key(k);
            if has("conversationHistoryRecords") {
                Some(FileKind::Conversations)
            } else if ["loginName", "userTypeId", "fullName", "employeeId", "memberOf", "isApiUser"].iter().any(|k| has(k)) {
                Some(FileKind::Users)
            } else if has("text") {
                Some(FileKind::Reasons)
            } else if has("parentGroupId") || has("name") {
                Some(FileKind::Groups)
            } else {
                None
            }
        }
        _ => None,
    }
}

fn read_json_file(path: &Path, out: &mut Enrichment) -> Result<()> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let hint = "enrichment files are what the APIs answer: a JSON array of users (Users API), of agent groups, of status reasons, or a Messaging Interactions conversations search page (or an array of pages)";
    let value: Value = serde_json::from_slice(&bytes)
        .map_err(|e| Error::input_hint(Location::file(path).line(e.line() as u64), format!("not valid JSON: {e}"), hint))?;
    let bad = |why: String| Error::input_hint(Location::file(path), why, hint);
    match sniff(&value) {
        None => Err(bad("not an answer of the Users, Agent Groups, Status Reasons or Messaging Interactions APIs".to_string())),
        Some(FileKind::Empty) => Ok(()),
        Some(FileKind::Users) => {
            let p = model::parse_users(value).map_err(bad)?;
            out.skipped += p.skipped;
            out.add_users(p.items);
            Ok(())
        }
        Some(FileKind::Groups) => {
            let p = model::parse_agent_groups(value).map_err(bad)?;
            out.skipped += p.skipped;
            out.add_groups(p.items);
            Ok(())
        }
        Some(FileKind::Reasons) => {
            let p = model::parse_status_reasons(value).map_err(bad)?;
            out.skipped += p.skipped;
            out.add_reasons(p.items);
            Ok(())
        }
        Some(FileKind::Conversations) => {
            let pages = match value {
                Value::Array(a) => a,
                page => vec![page],
            };
            for page in pages {
                let p = model::parse_conversation_page(page).map_err(bad)?;
                out.skipped += p.conversations.skipped;
                out.add_conversations(p.conversations.items);
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(id: i64, name: &str, parent: Option<i64>) -> AgentGroup {
        AgentGroup { id, name: Some(name.to_string()), parent_group_id: parent, ..Default::default() }
    }

    fn tree() -> Enrichment {
        // Main Group (-1) ─ Care (10) ─ Care East (11), Care West (12)
        //                 └ International (20) ─ EMEA (21)
        // and a second "EMEA" (30) under Care: names shared by two groups carry their id.
        let mut e = Enrichment::default();
        e.add_groups([
            group(-1, "Main Group", None),
            group(10, "Care", Some(-1)),
            group(11, "Care East", Some(10)),
            group(12, "Care West", Some(10)),
            group(20, "International", Some(-1)),
            group(21, "EMEA", Some(20)),
            group(30, "EMEA", Some(10)),
        ]);
        e
    }

    #[test]
    fn team_levels_walk_up_the_group_tree() {
        let e = tree();
        assert_eq!(e.team_of_group(11, TeamLevel::Leaf).as_deref(), Some("Care East"));
        assert_eq!(e.team_of_group(11, TeamLevel::Depth(0)).as_deref(), Some("Main Group"));
        assert_eq!(e.team_of_group(11, TeamLevel::Depth(1)).as_deref(), Some("Care"));
        // Deeper than the group itself: the group.
        assert_eq!(e.team_of_group(11, TeamLevel::Depth(5)).as_deref(), Some("Care East"));
        assert_eq!(e.team_of_group(10, TeamLevel::Depth(2)).as_deref(), Some("Care"));
        assert_eq!(e.team_of_group(21, TeamLevel::Leaf).as_deref(), Some("EMEA (21)"));
        assert_eq!(e.team_of_group(30, TeamLevel::Depth(1)).as_deref(), Some("Care"));
        assert_eq!(e.team_of_group(99, TeamLevel::Leaf), None);
        assert_eq!("leaf".parse::<TeamLevel>(), Ok(TeamLevel::Leaf));
        assert_eq!("2".parse::<TeamLevel>(), Ok(TeamLevel::Depth(2)));
        assert!("-1".parse::<TeamLevel>().is_err());
    }

    #[test]
    fn a_cycle_or_a_missing_parent_ends_the_walk() {
        let mut e = Enrichment::default();
        e.add_groups([group(1, "A", Some(2)), group(2, "B", Some(1)), group(3, "C", Some(77))]);
        // 1 → 2 → (1 again): the chain is [1, 2]; depth 0 is 2.
        assert_eq!(e.team_of_group(1, TeamLevel::Depth(0)).as_deref(), Some("B"));
        // 3's parent is not loaded: 3 is its own root.
        assert_eq!(e.team_of_group(3, TeamLevel::Depth(0)).as_deref(), Some("C"));
    }

    #[test]
    fn files_are_told_apart_by_shape() {
        use serde_json::json;
        assert_eq!(sniff(&json!([{"id": 1, "loginName": "a"}])), Some(FileKind::Users));
        assert_eq!(sniff(&json!([{"id": 1, "name": "Sales", "parentGroupId": -1}])), Some(FileKind::Groups));
        assert_eq!(sniff(&json!([{"id": 1, "text": "Lunch", "state": "Away"}])), Some(FileKind::Reasons));
        assert_eq!(sniff(&json!({"_metadata": {}, "conversationHistoryRecords": []})), Some(FileKind::Conversations));
        assert_eq!(sniff(&json!([{"conversationHistoryRecords": []}])), Some(FileKind::Conversations));
        assert_eq!(sniff(&json!([])), Some(FileKind::Empty));
        assert_eq!(sniff(&json!({"stateChanges": []})), None);
        assert_eq!(sniff(&json!([{"agentId": 5}])), None);
    }
}
