//! Readiness: how ready each trainee is on each criterion, from their recent practice. This
//! module takes rows (a criterion's points per trainee, playbook and day, as the store reads
//! them on either backend) and returns decisions: a proficiency per trainee and criterion, its
//! tier, and per team over time. It reads no database and draws nothing.
//!
//! **The weighting.** A criterion's proficiency is the average of its points over the last
//! [`WINDOW_DAYS`] days of counted practice, each attempt weighted by its age: an attempt
//! [`HALF_LIFE_DAYS`] days old counts half as much as one of today, one twice as old a quarter
//! (`w = 0.5^(age / 30 days)`). Why: a trainee who struggled in spring and has passed every
//! week since is ready now, which a plain average over all time would hide for months; and
//! one good day after weeks of poor ones moves the figure without erasing them, which "the
//! latest attempt" would. Thirty days is about a sales team's coaching cycle (a monthly
//! review); ninety days keeps every attempt that still weighs an eighth or more. A trainee
//! with fewer than [`MIN_ATTEMPTS`] attempts in the window has no tier: one reply is not a
//! readiness.
//!
//! **Tiers**: ready ≥ [`READY`], developing ≥ [`DEVELOPING`], needs work below.
//!
//! **Per team over time**: at the end of each week, the same weighting over the totals of the
//! team's counted attempts of the ninety days before (from the per-day rollups, so it costs a
//! few hundred rows, not the history). The rollups do not tell a live visit from a role-play:
//! on a playbook used live, the visits' checklist coverage counts among the totals.

use std::collections::{BTreeMap, HashMap};

use chrono::{Duration, NaiveDate};
use serde::Serialize;

use crate::msg::Text;
use crate::store::Trainee;

/// Days after which an attempt counts half as much.
pub const HALF_LIFE_DAYS: f64 = 30.0;
/// Days of practice read (older attempts weigh less than an eighth).
pub const WINDOW_DAYS: i64 = 90;
/// At or above: ready.
pub const READY: f64 = 85.0;
/// At or above (and below [`READY`]): developing; below: needs work.
pub const DEVELOPING: f64 = 70.0;
/// Fewer attempts than this in the window give no tier.
pub const MIN_ATTEMPTS: u32 = 2;

/// The weight of an attempt `age_days` old.
pub fn weight(age_days: i64) -> f64 {
    0.5f64.powf(age_days.max(0) as f64 / HALF_LIFE_DAYS)
}

/// The first day read for readiness on `today`.
pub fn since(today: NaiveDate) -> NaiveDate {
    today - Duration::days(WINDOW_DAYS - 1)
}

/// A proficiency's tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    NeedsWork,
    Developing,
    Ready,
    /// Fewer than [`MIN_ATTEMPTS`] attempts in the window.
    TooLittle,
}

impl Tier {
    pub fn of(proficiency: f64, attempts: u32) -> Tier {
        if attempts < MIN_ATTEMPTS {
            Tier::TooLittle
        } else if proficiency >= READY {
            Tier::Ready
        } else if proficiency >= DEVELOPING {
            Tier::Developing
        } else {
            Tier::NeedsWork
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Tier::Ready => "ready",
            Tier::Developing => "developing",
            Tier::NeedsWork => "needs_work",
            Tier::TooLittle => "too_little",
        }
    }

    pub fn describe(self) -> Text {
        match self {
            Tier::Ready => crate::msg::tier_ready(READY),
            Tier::Developing => crate::msg::tier_developing(DEVELOPING, READY),
            Tier::NeedsWork => crate::msg::tier_needs_work(DEVELOPING),
            Tier::TooLittle => crate::msg::tier_too_little(MIN_ATTEMPTS, WINDOW_DAYS),
        }
    }
}

/// One trainee's readiness on one criterion of one playbook.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cell {
    pub trainee_id: String,
    pub trainee: String,
    pub team: Option<String>,
    pub playbook: String,
    pub criterion: String,
    /// The weighted average of the points, 0–100.
    pub proficiency: f64,
    /// Attempts in the window.
    pub attempts: u32,
    /// The day last practised.
    pub last: NaiveDate,
    pub tier: Tier,
}

use crate::fx::FxMap;

/// Adds up rows as the store reads them, without keeping them: ids are interned, so a row
/// costs hash lookups, not allocations.
#[derive(Debug)]
pub struct Tally {
    today: NaiveDate,
    /// The last day read, its date and weight, and the last trainee and playbook read with
    /// their ids: rows come in date order, an attempt's criteria together, so most rows
    /// share them and skip a lookup.
    last_day: (String, Option<(NaiveDate, f64)>),
    /// (the interned index of) the last trainee and playbook read.
    last_trainee: u32,
    last_playbook: u32,
    ids: FxMap<String, u32>,
    names: Vec<String>,
    /// (trainee, playbook, criterion) → their sums.
    sums: FxMap<(u32, u32, u32), Sums>,
}

/// Σ w, Σ w·points, attempts, the last day.
type Sums = (f64, f64, u32, NaiveDate);

impl Tally {
    pub fn new(today: NaiveDate) -> Tally {
        Tally {
            today,
            last_day: (String::new(), None),
            last_trainee: u32::MAX,
            last_playbook: u32::MAX,
            ids: FxMap::default(),
            names: Vec::new(),
            sums: FxMap::default(),
        }
    }

    fn name(&self, i: u32) -> Option<&str> {
        self.names.get(i as usize).map(String::as_str)
    }

    fn intern(&mut self, s: &str) -> u32 {
        if let Some(i) = self.ids.get(s) {
            return *i;
        }
        let i = self.names.len() as u32;
        self.ids.insert(s.to_owned(), i);
        self.names.push(s.to_owned());
        i
    }

    /// `n` attempts of `trainee_id` on `day` (`YYYY-MM-DD…`) whose points on the criterion
    /// add up to `points`. Rows outside the window, or whose day is not a date, are left out.
    pub fn add(
        &mut self,
        trainee_id: &str,
        playbook: &str,
        criterion: &str,
        day: &str,
        n: u32,
        points: f64,
    ) {
        let Some(key) = day.get(..10) else {
            return;
        };
        if self.last_day.0 != key {
            let today = self.today;
            let dated = NaiveDate::parse_from_str(key, "%Y-%m-%d")
                .ok()
                .map(|d| (d, (today - d).num_days()))
                .filter(|(_, age)| (0..WINDOW_DAYS).contains(age))
                .map(|(d, age)| (d, weight(age)));
            self.last_day = (key.to_owned(), dated);
        }
        let Some((day, w)) = self.last_day.1 else {
            return;
        };
        if n == 0 {
            return;
        }
        if self.name(self.last_trainee) != Some(trainee_id) {
            self.last_trainee = self.intern(trainee_id);
        }
        if self.name(self.last_playbook) != Some(playbook) {
            self.last_playbook = self.intern(playbook);
        }
        let key = (
            self.last_trainee,
            self.last_playbook,
            self.intern(criterion),
        );
        let e = self.sums.entry(key).or_insert((0.0, 0.0, 0, day));
        e.0 += w * f64::from(n);
        e.1 += w * points;
        e.2 += n;
        e.3 = e.3.max(day);
    }

    /// The readiness of everyone in `trainees` who practised in the window, by trainee,
    /// playbook and criterion.
    pub fn finish(self, trainees: &[Trainee]) -> Vec<Cell> {
        let who: HashMap<&str, &Trainee> = trainees.iter().map(|t| (t.id.as_str(), t)).collect();
        let name = |i: u32| self.names.get(i as usize).map_or("", String::as_str);
        let mut out: Vec<Cell> = self
            .sums
            .iter()
            .filter_map(|(&(t, p, c), &(w, wp, n, last))| {
                let trainee = who.get(name(t))?;
                let proficiency = if w > 0.0 {
                    (wp / w).clamp(0.0, 100.0)
                } else {
                    0.0
                };
                Some(Cell {
                    trainee_id: trainee.id.clone(),
                    trainee: trainee.name.clone(),
                    team: trainee.team.clone(),
                    playbook: name(p).to_owned(),
                    criterion: name(c).to_owned(),
                    proficiency,
                    attempts: n,
                    last,
                    tier: Tier::of(proficiency, n),
                })
            })
            .collect();
        out.sort_by(|a, b| {
            (&a.trainee, &a.trainee_id, &a.playbook, &a.criterion).cmp(&(
                &b.trainee,
                &b.trainee_id,
                &b.playbook,
                &b.criterion,
            ))
        });
        out
    }
}

/// The grid of one playbook: its trainees (rows) and criteria (columns, in `criteria` order).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Grid {
    pub criteria: Vec<String>,
    /// Each trainee, with a cell per criterion (`None`: not practised in the window).
    pub rows: Vec<GridRow>,
}

/// One cell of a grid: a [`Cell`]'s figures, its trainee and criterion being its row's and
/// column's.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GridCell {
    pub proficiency: f64,
    pub attempts: u32,
    pub last: NaiveDate,
    pub tier: Tier,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GridRow {
    pub trainee_id: String,
    pub trainee: String,
    pub team: Option<String>,
    /// A cell per criterion of the grid, in its order (`None`: not practised in the window).
    pub cells: Vec<Option<GridCell>>,
    /// The average of the row's proficiencies, and its tier (the lowest tier would hide a
    /// trainee's progress on everything else behind one criterion).
    pub overall: f64,
    pub tier: Tier,
}

/// The cells of `playbook` as a trainee × criterion grid, trainees by name.
pub fn grid(cells: &[Cell], playbook: &str, criteria: &[String]) -> Grid {
    let mut rows: BTreeMap<(&str, &str), GridRow> = BTreeMap::new();
    for c in cells.iter().filter(|c| c.playbook == playbook) {
        let Some(col) = criteria.iter().position(|k| *k == c.criterion) else {
            continue;
        };
        let row = rows
            .entry((c.trainee.as_str(), c.trainee_id.as_str()))
            .or_insert_with(|| GridRow {
                trainee_id: c.trainee_id.clone(),
                trainee: c.trainee.clone(),
                team: c.team.clone(),
                cells: vec![None; criteria.len()],
                overall: 0.0,
                tier: Tier::TooLittle,
            });
        if let Some(slot) = row.cells.get_mut(col) {
            *slot = Some(GridCell {
                proficiency: c.proficiency,
                attempts: c.attempts,
                last: c.last,
                tier: c.tier,
            });
        }
    }
    let rows = rows
        .into_values()
        .map(|mut r| {
            let seen: Vec<&GridCell> = r.cells.iter().flatten().collect();
            let n = seen.len().max(1) as f64;
            r.overall = seen.iter().map(|c| c.proficiency).sum::<f64>() / n;
            let attempts = seen.iter().map(|c| c.attempts).max().unwrap_or(0);
            r.tier = Tier::of(r.overall, attempts);
            r
        })
        .collect();
    Grid {
        criteria: criteria.to_vec(),
        rows,
    }
}

/// How many of a team's trainees are in each tier on a playbook, now.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TeamNow {
    pub team: Option<String>,
    pub ready: u32,
    pub developing: u32,
    pub needs_work: u32,
    pub too_little: u32,
    /// The average of its trainees' overall proficiency (those with a tier).
    pub average: Option<f64>,
}

/// Per team: the tiers of its trainees' rows in `g`.
pub fn teams_now(g: &Grid) -> Vec<TeamNow> {
    let mut by: BTreeMap<Option<String>, (TeamNow, f64, u32)> = BTreeMap::new();
    for r in &g.rows {
        let e = by.entry(r.team.clone()).or_insert_with(|| {
            (
                TeamNow {
                    team: r.team.clone(),
                    ..TeamNow::default()
                },
                0.0,
                0,
            )
        });
        match r.tier {
            Tier::Ready => e.0.ready += 1,
            Tier::Developing => e.0.developing += 1,
            Tier::NeedsWork => e.0.needs_work += 1,
            Tier::TooLittle => e.0.too_little += 1,
        }
        if r.tier != Tier::TooLittle {
            e.1 += r.overall;
            e.2 += 1;
        }
    }
    by.into_values()
        .map(|(mut t, sum, n)| {
            t.average = (n > 0).then(|| sum / f64::from(n));
            t
        })
        .collect()
}

/// A day of a team's practice, as the per-day rollups keep it.
#[derive(Debug, Clone, PartialEq)]
pub struct Day {
    pub day: NaiveDate,
    pub team: Option<String>,
    /// Attempts with a total, and the sum of their totals.
    pub attempts: u32,
    pub total: f64,
}

/// A team's readiness at the end of one week.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TeamPoint {
    pub team: Option<String>,
    /// The week's last day (the point is as of its end).
    pub week_end: NaiveDate,
    pub readiness: f64,
    /// Attempts in the ninety days before.
    pub attempts: u32,
}

/// The first day [`team_over_time`] reads for `weeks` weeks ending on `today`.
pub fn team_since(today: NaiveDate, weeks: u32) -> NaiveDate {
    today - Duration::days(7 * i64::from(weeks.saturating_sub(1)) + WINDOW_DAYS - 1)
}

/// Per team, its readiness at the end of each of the `weeks` weeks ending on `today` (the
/// last point is today's), from the days' totals.
pub fn team_over_time(days: &[Day], today: NaiveDate, weeks: u32) -> Vec<TeamPoint> {
    let mut out = Vec::new();
    let teams: std::collections::BTreeSet<&Option<String>> = days.iter().map(|d| &d.team).collect();
    for team in teams {
        let mine: Vec<&Day> = days.iter().filter(|d| &d.team == team).collect();
        for k in (0..weeks).rev() {
            let end = today - Duration::days(7 * i64::from(k));
            let (mut w, mut wp, mut n) = (0.0, 0.0, 0u32);
            for d in &mine {
                let age = (end - d.day).num_days();
                if (0..WINDOW_DAYS).contains(&age) && d.attempts > 0 {
                    let x = weight(age);
                    w += x * f64::from(d.attempts);
                    wp += x * d.total;
                    n += d.attempts;
                }
            }
            if n > 0 {
                out.push(TeamPoint {
                    team: team.clone(),
                    week_end: end,
                    readiness: wp / w,
                    attempts: n,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    fn trainee(id: &str, team: Option<&str>) -> Trainee {
        Trainee {
            id: id.into(),
            name: id.to_uppercase(),
            team: team.map(str::to_owned),
            pseudonym: None,
        }
    }

    #[test]
    fn recent_attempts_weigh_more_and_old_ones_fall_out() {
        let today = day("2026-06-30");
        let mut t = Tally::new(today);
        // 40 points sixty days ago, 90 today: today weighs four times as much.
        t.add("a", "p", "c", "2026-05-01", 1, 40.0);
        t.add("a", "p", "c", "2026-06-30T09:00:00Z", 1, 90.0);
        // Outside the window: left out.
        t.add("a", "p", "c", "2026-01-01", 1, 0.0);
        let cells = t.finish(&[trainee("a", Some("A"))]);
        assert_eq!(cells.len(), 1);
        let w60 = weight(60);
        assert!((w60 - 0.25).abs() < 1e-12);
        let want = (90.0 + 0.25 * 40.0) / 1.25;
        assert!(
            (cells[0].proficiency - want).abs() < 1e-9,
            "{}",
            cells[0].proficiency
        );
        assert_eq!(cells[0].attempts, 2);
        assert_eq!(cells[0].last, today);
        assert_eq!(cells[0].tier, Tier::Developing); // 80: the old 40 still weighs a fifth
    }

    #[test]
    fn tiers_and_too_little_practice() {
        assert_eq!(Tier::of(85.0, 2), Tier::Ready);
        assert_eq!(Tier::of(84.9, 2), Tier::Developing);
        assert_eq!(Tier::of(70.0, 5), Tier::Developing);
        assert_eq!(Tier::of(69.9, 5), Tier::NeedsWork);
        assert_eq!(Tier::of(100.0, 1), Tier::TooLittle);
    }

    #[test]
    fn a_grid_has_a_row_per_trainee_and_a_column_per_criterion() {
        let today = day("2026-06-30");
        let mut t = Tally::new(today);
        for (who, c, p) in [("a", "x", 90.0), ("a", "y", 60.0), ("b", "x", 80.0)] {
            t.add(who, "p", c, "2026-06-29", 2, 2.0 * p);
        }
        t.add("a", "other", "x", "2026-06-29", 2, 20.0);
        let cells = t.finish(&[trainee("a", Some("A")), trainee("b", None)]);
        let g = grid(&cells, "p", &["x".into(), "y".into()]);
        assert_eq!(g.rows.len(), 2);
        assert_eq!(g.rows[0].trainee, "A");
        assert!(g.rows[0].cells.iter().all(Option::is_some));
        assert!((g.rows[0].overall - 75.0).abs() < 1e-9);
        assert_eq!(g.rows[0].tier, Tier::Developing);
        assert!(g.rows[1].cells[1].is_none());
        let teams = teams_now(&g);
        assert_eq!(teams.len(), 2);
        assert_eq!(teams.iter().map(|t| t.developing).sum::<u32>(), 2);
    }

    #[test]
    fn a_team_over_time_follows_its_weeks() {
        let today = day("2026-06-30");
        let days = vec![
            Day {
                day: day("2026-06-01"),
                team: Some("A".into()),
                attempts: 2,
                total: 100.0,
            },
            Day {
                day: day("2026-06-29"),
                team: Some("A".into()),
                attempts: 1,
                total: 95.0,
            },
        ];
        let pts = team_over_time(&days, today, 5);
        // Weeks ending 06-02 .. 06-30: the first point sees only the early days.
        assert_eq!(pts.len(), 5);
        assert!((pts[0].readiness - 50.0).abs() < 1e-9);
        assert!(pts[4].readiness > pts[0].readiness);
        assert_eq!(pts[4].attempts, 3);
        assert!(team_since(today, 5) <= day("2026-06-01") - Duration::days(60));
    }
}
