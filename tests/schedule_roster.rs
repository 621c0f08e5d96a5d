//! Rosters: schedule keys matched to LivePerson agents through agent_id, employee_id or
//! login_name; keys not listed fall back to the usual matching; both unmatched sides listed.

use std::path::Path;

use adhere::activity::{Activity, LoadOptions};
use adhere::schedule::matching::MatchOn;
use adhere::schedule::roster::{unmatched, Roster};

fn activity() -> (tempfile::TempDir, Activity) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("records.ndjson");
    std::fs::write(
        &path,
        concat!(
            r#"{"agentId":101,"employeeId":"E1","agentLoginName":"amy","time":"2024-03-04T14:00:00Z","statusType":3}"#,
            "\n",
            r#"{"agentId":102,"employeeId":"E2","agentLoginName":"bo","time":"2024-03-04T14:00:00Z","statusType":3}"#,
            "\n",
            r#"{"agentId":103,"employeeId":"E3","agentLoginName":"cara","time":"2024-03-04T14:00:00Z","statusType":3}"#,
            "\n",
            r#"{"agentId":104,"employeeId":"E4","agentLoginName":"dan","time":"2024-03-04T14:00:00Z","statusType":3}"#,
            "\n",
        ),
    )
    .unwrap();
    let a = Activity::load(&[path], &LoadOptions::default()).unwrap();
    (dir, a)
}

#[test]
fn roster_ids_match_and_unlisted_keys_match_as_usual() {
    let (_dir, act) = activity();
    let roster = Roster::parse(
        Path::new("roster.csv"),
        "agent,agent_id,employee_id,login_name,team,timezone\n\
         wfm-amy,101,,,Sales,America/New_York\n\
         wfm-bo,,E2,,,\n\
         wfm-cara,,,CARA,,\n\
         wfm-ghost,999,,,,\n",
    )
    .unwrap();
    let keys: Vec<String> = ["wfm-amy", "wfm-bo", "wfm-cara", "wfm-ghost", "E4", "nobody"].iter().map(|s| s.to_string()).collect();
    let m = roster.match_agents(&keys, &act, MatchOn::Auto);
    let ids: Vec<Option<i64>> = m.agent.iter().map(|i| i.map(|i| act.agents[i].agent_id)).collect();
    // by agent_id, by employee_id, by login (ignoring case), an id that matches nobody (no
    // fallback to the key: the roster said who it is), a key not listed (employeeId E4), none.
    assert_eq!(ids, vec![Some(101), Some(102), Some(103), None, Some(104), None]);
    assert!(m.warnings.iter().any(|w| w.contains("\"wfm-ghost\"") && w.contains("\"nobody\"")), "{:?}", m.warnings);
    let (scheduled, active) = unmatched(&keys, &m, &act);
    assert_eq!(scheduled, vec!["wfm-ghost".to_string(), "nobody".to_string()]);
    assert!(active.is_empty());
    // Two keys fewer: agents 103 and 104 are active with no schedule.
    let m = roster.match_agents(&keys[..2], &act, MatchOn::Auto);
    let (_, active) = unmatched(&keys[..2], &m, &act);
    assert_eq!(active.iter().map(|&i| act.agents[i].agent_id).collect::<Vec<_>>(), vec![103, 104]);
    assert_eq!(roster.zones().get("wfm-amy").map(|z| z.name()), Some("America/New_York"));
}
