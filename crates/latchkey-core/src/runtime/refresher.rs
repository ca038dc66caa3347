//! The background refresher: one timer for the next due grant (no polling), refreshes through
//! the broker (so the cross-process lock and every broker rule apply), jitter so many grants do
//! not refresh in the same second, exponential backoff with a cap on passing failures, and a
//! recomputation whenever the store changes (a `connect` in another process) or the machine
//! wakes.
//!
//! Offline: when a refresh fails for want of a network and the authorization server's host does
//! not even accept a TCP connection, the grant is paused (no refresh request is sent) and the
//! host is probed every [`crate::runtime::net_probe::probe_interval`]; the refresh runs as soon as the
//! host answers again.
//!
//! Sleep and clock jumps: `tokio::time::sleep` runs on the monotonic clock, which stops while
//! the machine sleeps. logind's wake-up signal ([`crate::runtime::wake_watch`]) makes the refresher plan
//! again at once; without logind the timer is never set further than [`MAX_SLEEP`] ahead, and
//! every wake compares the wall clock with the monotonic one and recomputes the plan.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use crate::context::Latchkey;
use crate::store::GrantRow;
use crate::time::now;
use crate::{ErrorKind, audit, broker};

/// Longest single sleep (seconds): bounds how late a refresh can be after the machine wakes.
pub const MAX_SLEEP: i64 = 300;
/// [`MAX_SLEEP`], or `LATCHKEY_REFRESHER_MAX_SLEEP` seconds (tests shorten it).
fn max_sleep() -> i64 {
    crate::tuning::Tuning::get().refresher_max_sleep
}

/// Backoff after passing failures: 10 s, 20 s, 40 s ... capped at 10 minutes.
const BACKOFF_BASE: i64 = 10;
const BACKOFF_CAP: i64 = 600;
/// How long a network probe may take.
const PROBE_TIMEOUT: Duration = Duration::from_secs(3);
/// Quiet time after a store change before planning again.
const STORE_SETTLE: Duration = Duration::from_millis(300);

pub use crate::broker::planned_refresh;

/// Delay before retry `failures` (1-based) of a passing failure.
pub fn backoff_delay(failures: u32) -> i64 {
    let exp = failures.saturating_sub(1).min(16);
    (BACKOFF_BASE << exp).min(BACKOFF_CAP)
}

/// A grant's passing failures and when it may be tried again.
#[derive(Debug, Default, Clone, Copy)]
pub struct Retry {
    pub failures: u32,
    pub not_before: i64,
}

/// What one pass decided: when to look again.
#[derive(Debug, PartialEq, Eq)]
pub struct Plan {
    /// Grants due now.
    pub due: Vec<i64>,
    /// The earliest future due time, if any grant has one.
    pub next: Option<i64>,
}

/// Which grants are due at `at`, and when the next one will be (pure; benchmarked at 10,000 grants).
pub fn plan(grants: &[GrantRow], retries: &HashMap<i64, Retry>, at: i64) -> Plan {
    let mut due = Vec::new();
    let mut next: Option<i64> = None;
    for g in grants {
        let Some(mut when) = planned_refresh(g) else {
            continue;
        };
        if let Some(r) = retries.get(&g.id) {
            when = when.max(r.not_before);
        }
        if when <= at {
            due.push(g.id);
        } else {
            next = Some(next.map_or(when, |n| n.min(when)));
        }
    }
    Plan { due, next }
}

/// A grant's `not_before` while it waits for the network (far beyond any real due time).
const PAUSED: i64 = i64::MAX / 4;

pub struct Refresher {
    lk: Arc<Latchkey>,
    changed: Arc<Notify>,
    retries: HashMap<i64, Retry>,
    /// Grants paused while offline, and the host each waits for.
    offline: HashMap<i64, (String, u16)>,
    /// How many times the loop woke up (for the "no polling" check in tests and benchmarks).
    pub wakeups: u64,
}

impl Refresher {
    /// `changed` is notified when the store changes (see [`crate::runtime::store_watch`]).
    pub fn new(lk: Arc<Latchkey>, changed: Arc<Notify>) -> Self {
        Self {
            lk,
            changed,
            retries: HashMap::new(),
            offline: HashMap::new(),
            wakeups: 0,
        }
    }

    /// Run until `stop` is notified.
    pub async fn run(mut self, stop: Arc<Notify>) {
        // A wake-up from sleep plans again at once, like a store change.
        let wake = tokio::spawn(crate::runtime::wake_watch::watch(self.changed.clone()));
        self.run_loop(stop).await;
        wake.abort();
    }

    async fn run_loop(&mut self, stop: Arc<Notify>) {
        let mut last_prune = 0;
        loop {
            let at = now();
            if at - last_prune > 86_400 {
                let _ = audit::prune(&self.lk.store());
                last_prune = at;
            }
            let grants = match self.lk.store().all_grants() {
                Ok(g) => g,
                Err(e) => {
                    tracing::warn!("refresher: cannot read grants: {e}");
                    Vec::new()
                }
            };
            self.retries
                .retain(|id, _| grants.iter().any(|g| g.id == *id));
            self.offline
                .retain(|id, _| grants.iter().any(|g| g.id == *id));
            self.resume_if_online().await;
            let plan = plan(&grants, &self.retries, at);
            for id in &plan.due {
                if let Some(g) = grants.iter().find(|g| g.id == *id) {
                    self.refresh_one(g.clone()).await;
                }
            }
            if !plan.due.is_empty() {
                continue; // the store changed: plan again from fresh rows
            }
            let mut cap = max_sleep();
            if !self.offline.is_empty() {
                cap = cap.min(crate::runtime::net_probe::probe_interval().as_secs() as i64);
            }
            let sleep_s = plan.next.map_or(cap, |n| (n - at).clamp(0, cap));
            tracing::debug!(
                "refresher: sleeping {sleep_s} s (next due: {:?})",
                plan.next
            );
            let (wall_before, mono_before) = (now(), Instant::now());
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(sleep_s as u64)) => {}
                _ = self.changed.notified() => {
                    // One SQLite commit is several file events: let a burst settle, then plan
                    // once for all of it.
                    tokio::time::sleep(STORE_SETTLE).await;
                    let _ = tokio::time::timeout(Duration::ZERO, self.changed.notified()).await;
                    tracing::debug!("refresher: the store changed");
                }
                _ = stop.notified() => return,
            }
            self.wakeups += 1;
            let drift = (now() - wall_before) - mono_before.elapsed().as_secs() as i64;
            if drift.abs() > 5 {
                tracing::info!(
                    "refresher: the wall clock moved {drift} s more than the timer (sleep or clock change); replanning"
                );
            }
        }
    }

    /// After a passing failure: is the authorization server's host unreachable? Then the grant
    /// waits for the network instead of backing off.
    async fn pause_if_offline(&mut self, id: i64, issuer: &str) -> bool {
        let Some(target) = crate::runtime::net_probe::target(issuer) else {
            return false;
        };
        if crate::runtime::net_probe::reachable(&target, PROBE_TIMEOUT).await {
            return false;
        }
        self.offline.insert(id, target);
        true
    }

    /// Probe each host paused grants wait for; release the grants whose host answers.
    async fn resume_if_online(&mut self) {
        if self.offline.is_empty() {
            return;
        }
        let mut hosts: Vec<(String, u16)> = self.offline.values().cloned().collect();
        hosts.sort();
        hosts.dedup();
        for host in hosts {
            if !crate::runtime::net_probe::reachable(&host, PROBE_TIMEOUT).await {
                continue;
            }
            tracing::info!("refresher: {}:{} answers again; refreshing", host.0, host.1);
            let back: Vec<i64> = self
                .offline
                .iter()
                .filter(|(_, h)| **h == host)
                .map(|(id, _)| *id)
                .collect();
            for id in back {
                self.offline.remove(&id);
                if let Some(r) = self.retries.get_mut(&id) {
                    r.not_before = 0;
                }
            }
        }
    }

    async fn refresh_one(&mut self, grant: GrantRow) {
        let id = grant.id;
        let issuer = grant.issuer.clone();
        let server = match self.lk.store().server_by_id(grant.server_id) {
            Ok(Some(s)) => s,
            _ => return,
        };
        match broker::token_for_grant(&self.lk, &server, grant, false).await {
            Ok(handed) => {
                self.retries.remove(&id);
                self.offline.remove(&id);
                if handed.refreshed {
                    tracing::info!("refresher: refreshed {}", server.url);
                } else {
                    // Not due by the broker's reckoning (another process refreshed, or the
                    // plan ran a little early): look again shortly rather than spin.
                    self.retries.insert(
                        id,
                        Retry {
                            failures: 0,
                            not_before: now() + 5,
                        },
                    );
                }
            }
            Err(e) if e.kind() == ErrorKind::GrantRejected => {
                // The broker marked it "needs reconnect"; it leaves the plan by itself.
                self.retries.remove(&id);
                tracing::warn!("refresher: {}: {e}", server.url);
            }
            Err(e)
                if e.kind() == ErrorKind::Transient && self.pause_if_offline(id, &issuer).await =>
            {
                let r = self.retries.entry(id).or_default();
                r.failures += 1;
                r.not_before = PAUSED;
                tracing::warn!(
                    "refresher: {}: {e}; offline (the authorization server's host does not answer): refreshing when it does",
                    server.url
                );
            }
            Err(e) => {
                let r = self.retries.entry(id).or_default();
                r.failures += 1;
                r.not_before = now() + backoff_delay(r.failures);
                tracing::warn!(
                    "refresher: {}: {e}; retrying in {} s",
                    server.url,
                    backoff_delay(r.failures)
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::GrantStatus;

    fn grant(
        id: i64,
        start: i64,
        expires: Option<i64>,
        refresh: bool,
        status: GrantStatus,
    ) -> GrantRow {
        GrantRow {
            id,
            server_id: 1,
            registration_id: 1,
            issuer: "https://as".into(),
            resource: "https://mcp".into(),
            account: None,
            scopes: Default::default(),
            requested_scopes: Default::default(),
            status,
            status_reason: None,
            access_expires_at: expires,
            has_refresh_token: refresh,
            is_default: true,
            created_at: start,
            updated_at: start,
            last_refreshed_at: None,
            obtained_by: crate::store::GrantKind::Browser,
            workload_token_file: None,
            via_idp: None,
            dpop_bound: false,
        }
    }

    #[test]
    fn planned_refresh_rows() {
        let rows = [
            (
                "hour token: at 80% plus jitter",
                grant(1, 0, Some(3600), true, GrantStatus::Active),
                Some((2880, 2910)),
            ),
            (
                "no refresh token",
                grant(1, 0, Some(3600), false, GrantStatus::Active),
                None,
            ),
            (
                "needs reconnect",
                grant(1, 0, Some(3600), true, GrantStatus::NeedsReconnect),
                None,
            ),
            (
                "no expiry",
                grant(1, 0, None, true, GrantStatus::Active),
                None,
            ),
            (
                "short token: half its life",
                grant(1, 0, Some(10), true, GrantStatus::Active),
                Some((5, 5)),
            ),
        ];
        for (name, g, want) in rows {
            let got = planned_refresh(&g);
            match (got, want) {
                (Some(t), Some((lo, hi))) => assert!((lo..=hi).contains(&t), "{name}: {t}"),
                (None, None) => {}
                (got, want) => panic!("{name}: {got:?} vs {want:?}"),
            }
        }
    }

    #[test]
    fn jitter_spreads_grants_and_never_beats_the_broker() {
        let times: std::collections::HashSet<i64> = (1..=200)
            .filter_map(|id| planned_refresh(&grant(id, 0, Some(3600), true, GrantStatus::Active)))
            .collect();
        assert!(
            times.len() > 20,
            "200 grants of one lifetime spread over many seconds: {}",
            times.len()
        );
        assert!(times.iter().all(|t| (2880..=2910).contains(t)));
    }

    #[test]
    fn backoff_doubles_up_to_a_cap() {
        assert_eq!(
            (1..=8).map(backoff_delay).collect::<Vec<_>>(),
            vec![10, 20, 40, 80, 160, 320, 600, 600]
        );
    }

    #[test]
    fn plan_picks_due_grants_and_the_next_timer() {
        let grants = vec![
            grant(1, 0, Some(100), true, GrantStatus::Active),
            grant(2, 0, Some(3600), true, GrantStatus::Active),
            grant(3, 0, Some(50), false, GrantStatus::Active),
        ];
        let p = plan(&grants, &HashMap::new(), 60);
        assert_eq!(p.due, vec![1]);
        assert!(p.next.is_some_and(|n| (2880..=2910).contains(&n)));
        let mut retries = HashMap::new();
        retries.insert(
            1,
            Retry {
                failures: 1,
                not_before: 70,
            },
        );
        let p = plan(&grants, &retries, 60);
        assert!(p.due.is_empty(), "backing off");
        assert_eq!(p.next, Some(70));
    }
}
