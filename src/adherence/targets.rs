//! Adherence targets for CI: an overall target (`--fail-under`, else the rules'
//! `target_pct`) and per-team targets (the rules' `[team_targets]`). Every target is checked
//! against **adjusted adherence**, the figure `--fail-under` has always checked: overall, the
//! sum over every reported shift; per team, the teams view's figure.

use super::Report;
use crate::rules::Rules;

/// Where a target came from (named in the failure message).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetSource {
    /// `--fail-under PCT`.
    FailUnder,
    /// `target_pct` in the rules file.
    RulesOverall,
    /// `[team_targets]` in the rules file.
    RulesTeam,
}

impl TargetSource {
    pub fn describe(self) -> &'static str {
        match self {
            TargetSource::FailUnder => "--fail-under",
            TargetSource::RulesOverall => "target_pct in the rules",
            TargetSource::RulesTeam => "team_targets in the rules",
        }
    }
    pub fn key(self) -> &'static str {
        match self {
            TargetSource::FailUnder => "fail_under",
            TargetSource::RulesOverall => "target_pct",
            TargetSource::RulesTeam => "team_targets",
        }
    }
}

/// The targets in force for a run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Targets {
    pub overall: Option<(f64, TargetSource)>,
    /// Team name → target, sorted by team.
    pub teams: Vec<(String, f64)>,
}

/// One target checked against the report.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// `None` for the overall target.
    pub team: Option<String>,
    pub target_pct: f64,
    pub source: TargetSource,
    /// The adjusted adherence it is checked against (`None`: no shift with known state, or
    /// no shift of that team in the report).
    pub actual_pct: Option<f64>,
    /// `None` when there is no figure to check (not a failure; warned about).
    pub passed: Option<bool>,
}

impl Check {
    pub fn failed(&self) -> bool {
        self.passed == Some(false)
    }

    /// `overall adjusted adherence 84.20% is below the target 85% (--fail-under)`.
    pub fn describe(&self) -> String {
        let what = match &self.team {
            None => "overall adjusted adherence".to_string(),
            Some(t) => format!("team {t:?} adjusted adherence"),
        };
        // f64's Display is the shortest exact form: `85`, `92.5`.
        let target = self.target_pct;
        match (self.actual_pct, self.passed) {
            (Some(p), Some(false)) => format!("{what} {p:.2}% is below the target {target}% ({})", self.source.describe()),
            (Some(p), _) => format!("{what} {p:.2}% meets the target {target}% ({})", self.source.describe()),
            (None, _) => format!("{what}: no figure to check against the target {target}% ({})", self.source.describe()),
        }
    }
}

impl Targets {
    /// `--fail-under` replaces the rules' overall `target_pct`; team targets come from the
    /// rules.
    pub fn new(rules: &Rules, fail_under: Option<f64>) -> Targets {
        let overall = match (fail_under, rules.target_pct) {
            (Some(p), _) => Some((p, TargetSource::FailUnder)),
            (None, Some(p)) => Some((p, TargetSource::RulesOverall)),
            (None, None) => None,
        };
        Targets { overall, teams: rules.team_targets.clone() }
    }

    pub fn is_empty(&self) -> bool {
        self.overall.is_none() && self.teams.is_empty()
    }

    /// The target an agent or shift of `team` is held to: its team's, else the overall one.
    pub fn for_team(&self, team: Option<&str>) -> Option<f64> {
        team.and_then(|t| self.teams.iter().find(|(n, _)| n == t).map(|(_, p)| *p)).or(self.overall.map(|(p, _)| p))
    }

    /// Checks every target: the overall one first, then teams in name order.
    pub fn check(&self, report: &Report) -> Vec<Check> {
        let mut out = Vec::new();
        if let Some((target, source)) = self.overall {
            let actual = report.overall.adjusted_adherence_pct;
            out.push(Check { team: None, target_pct: target, source, actual_pct: actual, passed: actual.map(|p| p >= target) });
        }
        for (team, target) in &self.teams {
            let actual = report.team_adjusted_pct.iter().find(|(t, _)| t.as_deref() == Some(team.as_str())).and_then(|(_, p)| *p);
            out.push(Check {
                team: Some(team.clone()),
                target_pct: *target,
                source: TargetSource::RulesTeam,
                actual_pct: actual,
                passed: actual.map(|p| p >= *target),
            });
        }
        out
    }
}
