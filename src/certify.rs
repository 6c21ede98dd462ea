//! Certificates: whether a trainee holds a playbook's certificate under its rules, what is
//! missing when not, when it expires, and who signed it. This module takes rows (the
//! trainee's passed practice attempts on the playbook with their criteria, the sign-offs and
//! the revocations kept) and returns decisions. It reads no database and draws nothing.
//!
//! A certificate is **earned** when each scenario of the rules has a passed, counted attempt
//! that reaches every minimum the rules set for the criteria it scores; it is earned when the
//! last of them was. A certificate that needs a manager's sign-off **awaits** one until a
//! sign-off made after it was earned; then it is **certified** from that day (else from the
//! day it was earned). It **expires** `expires_after_days` after that, and recertification is
//! assigned. A review that takes an attempt's pass away re-judges it: a certificate no longer
//! earned is **revoked**, and the reason is kept.

use chrono::{Duration, NaiveDate};
use serde::Serialize;

use crate::msg::{self, Text};
use crate::playbook::model::{Certification, Playbook};
use crate::store::Trainee;

/// A passed, counted practice attempt as certificates read it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fact {
    pub attempt: String,
    pub trainee_id: String,
    pub scenario: String,
    pub ended_at: String,
    /// Each criterion's points (after overrides).
    pub criteria: Vec<(String, f64)>,
}

/// A manager's sign-off of a trainee's certificate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SignOff {
    pub trainee_id: String,
    pub playbook: String,
    pub signed_by: String,
    pub signed_at: String,
}

/// A certificate taken away by a review, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Revocation {
    pub trainee_id: String,
    pub playbook: String,
    pub revoked_at: String,
    pub reason: String,
    pub revoked_by: String,
}

/// What is still missing for a certificate.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "need", rename_all = "snake_case")]
pub enum Need {
    /// A passed attempt of the scenario.
    Pass { scenario: String },
    /// A passed attempt of the scenario whose criterion reaches the minimum (the best so far).
    Reach {
        scenario: String,
        criterion: String,
        best: f64,
        min: u8,
    },
    /// A manager's sign-off.
    SignOff,
}

impl Need {
    /// The need as people read it, with the playbook's titles.
    pub fn describe(&self, pb: Option<&Playbook>, loc: &str) -> Text {
        let scen = |s: &str| -> String {
            pb.and_then(|p| p.scenario(s))
                .map_or_else(|| s.to_owned(), |x| x.title.get(loc).to_owned())
        };
        match self {
            Need::Pass { scenario } => msg::cert_need_pass(scen(scenario)),
            Need::Reach {
                scenario,
                criterion,
                best,
                min,
            } => {
                let crit = pb
                    .and_then(|p| p.criterion(criterion))
                    .map_or(criterion.as_str(), |c| c.title.get(loc));
                msg::cert_need_reach(scen(scenario), crit, min, format!("{best:.0}"))
            }
            Need::SignOff => msg::cert_need_sign_off(),
        }
    }
}

/// Where a trainee stands on a playbook's certificate.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Status {
    Certified {
        /// The day it counts from (the sign-off's, else the day it was earned).
        since: String,
        signed_by: Option<String>,
        expires: Option<NaiveDate>,
    },
    /// Earned; a manager's sign-off is awaited.
    AwaitingSignOff { earned: String },
    /// It lasted its days.
    Expired { since: String, expired: NaiveDate },
    /// A review took it away.
    Revoked {
        at: String,
        reason: String,
        by: String,
    },
    /// Not earned yet.
    Missing,
}

impl Status {
    pub fn key(&self) -> &'static str {
        match self {
            Status::Certified { .. } => "certified",
            Status::AwaitingSignOff { .. } => "awaiting_sign_off",
            Status::Expired { .. } => "expired",
            Status::Revoked { .. } => "revoked",
            Status::Missing => "missing",
        }
    }

    pub fn describe(&self) -> Text {
        match self {
            Status::Certified {
                since,
                signed_by,
                expires,
            } => {
                let day = since.get(..10).unwrap_or(since);
                let mut t = match signed_by {
                    Some(by) => msg::cert_certified_signed(day, by),
                    None => msg::cert_certified(day),
                };
                if let Some(e) = expires {
                    let until = msg::cert_until(e);
                    t.en.push_str(&until.en);
                    t.zh.push_str(&until.zh);
                }
                t
            }
            Status::AwaitingSignOff { earned } => {
                msg::cert_awaiting(earned.get(..10).unwrap_or(earned))
            }
            Status::Expired { expired, .. } => msg::cert_expired(expired),
            Status::Revoked { at, reason, by } => {
                msg::cert_revoked(at.get(..10).unwrap_or(at), by, reason)
            }
            Status::Missing => msg::cert_missing(),
        }
    }

    /// Whether the certificate holds now.
    pub fn holds(&self) -> bool {
        matches!(self, Status::Certified { .. })
    }
}

/// One trainee's certificate of one playbook.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Certificate {
    pub trainee: Trainee,
    pub playbook: String,
    #[serde(flatten)]
    pub status: Status,
    /// When the rules were last met (`None`: they are not).
    pub earned: Option<String>,
    /// What is still missing (empty when earned and signed as needed).
    pub missing: Vec<Need>,
}

/// The day of a stored stamp.
fn day(stamp: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(stamp.get(..10)?, "%Y-%m-%d").ok()
}

/// Judges one trainee's certificate of a playbook from their passed attempts on it (`facts`,
/// any order), the sign-offs and revocations of them on it, on `today`.
pub fn judge(
    pb: &str,
    rules: &Certification,
    trainee: &Trainee,
    facts: &[&Fact],
    sign_offs: &[&SignOff],
    revocations: &[&Revocation],
    today: NaiveDate,
) -> Certificate {
    let mut missing = Vec::new();
    let mut earned: Option<String> = Some(String::new());
    for scen in &rules.scenarios {
        let passed: Vec<&&Fact> = facts.iter().filter(|f| &f.scenario == scen).collect();
        // The first attempt that reaches every minimum it is scored on.
        let qualifying = passed
            .iter()
            .filter(|f| {
                rules.minimums.iter().all(|(c, min)| {
                    f.criteria
                        .iter()
                        .find(|(k, _)| k == c)
                        .is_none_or(|(_, p)| *p >= f64::from(*min))
                })
            })
            .map(|f| f.ended_at.as_str())
            .min();
        match qualifying {
            Some(at) => {
                if let Some(e) = &mut earned
                    && at > e.as_str()
                {
                    *e = at.to_owned();
                }
            }
            None => {
                earned = None;
                if passed.is_empty() {
                    missing.push(Need::Pass {
                        scenario: scen.clone(),
                    });
                } else {
                    for (c, min) in &rules.minimums {
                        let best = passed
                            .iter()
                            .filter_map(|f| f.criteria.iter().find(|(k, _)| k == c))
                            .map(|(_, p)| *p)
                            .fold(None, |b: Option<f64>, p| Some(b.map_or(p, |b| b.max(p))));
                        if let Some(best) = best.filter(|b| *b < f64::from(*min)) {
                            missing.push(Need::Reach {
                                scenario: scen.clone(),
                                criterion: c.clone(),
                                best,
                                min: *min,
                            });
                        }
                    }
                }
            }
        }
    }
    let earned = earned.filter(|e| !e.is_empty());
    let latest_revocation = revocations
        .iter()
        .max_by(|a, b| a.revoked_at.cmp(&b.revoked_at));
    let status = match &earned {
        None => match latest_revocation {
            Some(r) => Status::Revoked {
                at: r.revoked_at.clone(),
                reason: r.reason.clone(),
                by: r.revoked_by.clone(),
            },
            None => Status::Missing,
        },
        Some(e) => {
            let signed = sign_offs
                .iter()
                .filter(|s| s.signed_at.as_str() >= e.as_str())
                .min_by(|a, b| a.signed_at.cmp(&b.signed_at));
            let since = match (rules.sign_off, signed) {
                (true, None) => None,
                (true, Some(s)) => Some((s.signed_at.clone(), Some(s.signed_by.clone()))),
                (false, _) => Some((e.clone(), None)),
            };
            match since {
                None => {
                    missing.push(Need::SignOff);
                    Status::AwaitingSignOff { earned: e.clone() }
                }
                Some((since, signed_by)) => {
                    let expires = rules
                        .expires_after_days
                        .and_then(|d| Some(day(&since)? + Duration::days(i64::from(d))));
                    match expires {
                        Some(x) if x <= today => Status::Expired { since, expired: x },
                        _ => Status::Certified {
                            since,
                            signed_by,
                            expires,
                        },
                    }
                }
            }
        }
    };
    Certificate {
        trainee: trainee.clone(),
        playbook: pb.to_owned(),
        status,
        earned,
        missing,
    }
}

/// Every certificate of `pb` for each of `trainees` who has a passed attempt, a sign-off or a
/// revocation on it (all of `trainees` when `everyone`), by trainee name.
pub fn judge_all(
    pb: &Playbook,
    trainees: &[Trainee],
    facts: &[Fact],
    sign_offs: &[SignOff],
    revocations: &[Revocation],
    today: NaiveDate,
    everyone: bool,
) -> Vec<Certificate> {
    let mut out: Vec<Certificate> = trainees
        .iter()
        .filter_map(|t| {
            let f: Vec<&Fact> = facts.iter().filter(|f| f.trainee_id == t.id).collect();
            let s: Vec<&SignOff> = sign_offs
                .iter()
                .filter(|s| s.trainee_id == t.id && s.playbook == pb.id)
                .collect();
            let r: Vec<&Revocation> = revocations
                .iter()
                .filter(|r| r.trainee_id == t.id && r.playbook == pb.id)
                .collect();
            if !everyone && f.is_empty() && s.is_empty() && r.is_empty() {
                return None;
            }
            Some(judge(&pb.id, &pb.certification, t, &f, &s, &r, today))
        })
        .collect();
    out.sort_by(|a, b| (&a.trainee.name, &a.trainee.id).cmp(&(&b.trainee.name, &b.trainee.id)));
    out
}

/// Why a manager may not sign this certificate off now, if they may not.
pub fn check_sign_off(c: &Certificate) -> Result<(), Text> {
    match &c.status {
        Status::AwaitingSignOff { .. } => Ok(()),
        Status::Certified { .. } => Err(msg::cert_sign_off_already()),
        _ => Err(msg::cert_sign_off_unearned()),
    }
}

/// The reason kept when a review takes a certificate away: the attempt, and what it did.
pub fn revoked_by_review(
    before: &Certificate,
    after: &Certificate,
    attempt: &str,
    scenario: &str,
) -> Option<String> {
    let held = matches!(
        before.status,
        Status::Certified { .. } | Status::AwaitingSignOff { .. }
    );
    (held && after.earned.is_none()).then(|| {
        format!(
            "a review of attempt {} ({scenario}) took away the pass it needed",
            attempt.get(..8).unwrap_or(attempt)
        )
    })
}

/// The certificates that expired and have no assignment of their playbook to their trainee
/// made since: recertification is to be assigned.
pub fn to_recertify<'a>(
    certs: &'a [Certificate],
    assignments: &[crate::assign::Assignment],
) -> Vec<&'a Certificate> {
    certs
        .iter()
        .filter(|c| {
            let Status::Expired { expired, .. } = &c.status else {
                return false;
            };
            !assignments.iter().any(|a| {
                a.playbook == c.playbook
                    && matches!(&a.target, crate::assign::Target::Trainee(t) if *t == c.trainee.id)
                    && day(&a.assigned_at).is_some_and(|d| d >= *expired)
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Certification {
        Certification {
            scenarios: vec!["a".into(), "b".into()],
            minimums: vec![("value".into(), 70)],
            sign_off: false,
            expires_after_days: None,
        }
    }

    fn t() -> Trainee {
        Trainee {
            id: "t1".into(),
            name: "张三".into(),
            team: None,
            pseudonym: None,
        }
    }

    fn fact(scen: &str, at: &str, value: f64) -> Fact {
        Fact {
            attempt: format!("{scen}-{at}"),
            trainee_id: "t1".into(),
            scenario: scen.into(),
            ended_at: at.into(),
            criteria: vec![("value".into(), value), ("close".into(), 50.0)],
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, 1).unwrap_or_default()
    }

    #[test]
    fn earned_when_every_scenario_passes_with_its_minimums() {
        let a = fact("a", "2026-05-01T10:00:00Z", 80.0);
        let b_low = fact("b", "2026-05-02T10:00:00Z", 60.0);
        let c = judge("p", &rules(), &t(), &[&a, &b_low], &[], &[], today());
        assert_eq!(c.status, Status::Missing);
        assert_eq!(
            c.missing,
            [Need::Reach {
                scenario: "b".into(),
                criterion: "value".into(),
                best: 60.0,
                min: 70
            }]
        );
        let none = judge("p", &rules(), &t(), &[&a], &[], &[], today());
        assert_eq!(
            none.missing,
            [Need::Pass {
                scenario: "b".into()
            }]
        );
        let b = fact("b", "2026-05-03T10:00:00Z", 75.0);
        let c = judge("p", &rules(), &t(), &[&a, &b_low, &b], &[], &[], today());
        assert_eq!(c.earned.as_deref(), Some("2026-05-03T10:00:00Z"));
        assert!(c.status.holds(), "{:?}", c.status);
    }

    #[test]
    fn sign_off_expiry_and_revocation() {
        let r = Certification {
            sign_off: true,
            expires_after_days: Some(30),
            ..rules()
        };
        let a = fact("a", "2026-04-01T10:00:00Z", 80.0);
        let b = fact("b", "2026-04-02T10:00:00Z", 80.0);
        let c = judge("p", &r, &t(), &[&a, &b], &[], &[], today());
        assert_eq!(c.missing, [Need::SignOff]);
        assert!(check_sign_off(&c).is_ok());
        // A sign-off from before it was earned does not count.
        let early = SignOff {
            trainee_id: "t1".into(),
            playbook: "p".into(),
            signed_by: "王经理".into(),
            signed_at: "2026-03-01T00:00:00Z".into(),
        };
        let c = judge("p", &r, &t(), &[&a, &b], &[&early], &[], today());
        assert!(matches!(c.status, Status::AwaitingSignOff { .. }));
        let s = SignOff {
            signed_at: "2026-05-20T00:00:00Z".into(),
            ..early
        };
        let c = judge("p", &r, &t(), &[&a, &b], &[&s], &[], today());
        assert_eq!(
            c.status,
            Status::Certified {
                since: "2026-05-20T00:00:00Z".into(),
                signed_by: Some("王经理".into()),
                expires: NaiveDate::from_ymd_opt(2026, 6, 19),
            }
        );
        assert!(check_sign_off(&c).is_err());
        let later = NaiveDate::from_ymd_opt(2026, 6, 19).unwrap_or_default();
        let x = judge("p", &r, &t(), &[&a, &b], &[&s], &[], later);
        assert!(matches!(x.status, Status::Expired { .. }));
        assert_eq!(to_recertify(std::slice::from_ref(&x), &[]).len(), 1);
        // A review takes b's pass away: revoked, with the reason kept.
        let after = judge("p", &r, &t(), &[&a], &[&s], &[], today());
        let why = revoked_by_review(&c, &after, "b-attempt", "b").expect("revoked");
        let rev = Revocation {
            trainee_id: "t1".into(),
            playbook: "p".into(),
            revoked_at: "2026-05-25T00:00:00Z".into(),
            reason: why.clone(),
            revoked_by: "王经理".into(),
        };
        let after = judge("p", &r, &t(), &[&a], &[&s], &[&rev], today());
        assert!(matches!(&after.status, Status::Revoked { reason, .. } if *reason == why));
    }
}
