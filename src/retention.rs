//! What the node forgets, and when: the one worker that purges. Everything another
//! server (or an anonymous visitor) can make the node store is either kept for a reason
//! written here or forgotten after a period written here
//! (docs/operating-a-village-node.md, "Disk space and retention").
//!
//! - Received activities, once processed: 7 days (the privacy policy says so). A pending
//!   one is never forgotten: it is processed within minutes or marked failed.
//! - Delivery rows, once delivered or given up: 90 days; their counts are folded into
//!   `delivery_totals` first, so a post's delivery report keeps its totals.
//! - Replies and mentions that opened no ticket (a portal's): 90 days. Those with a ticket
//!   are the village's public-service record and stay with it.
//! - Copies of remote actors nothing refers to any more (no follow, note or village),
//!   last fetched 90 days ago; the health of servers not heard from in 90 days with
//!   nothing waiting for them; quota counts whose day is over.
//!
//! Kept on purpose, with a cap instead: followers (while they follow), tickets and their
//! photos, a portal's village posts (while the village is registered), the twenty last
//! errors per village, our own posts and activities.
//!
//! It must not know HTTP or ActivityPub: it only asks the store to forget.
//! Settings that should replace these constants (config.rs is not this room's):
//! `[retention] processed_activity_days` (7), `delivery_days` (90), `remote_days` (90).

use crate::{clock::now_ms, store::Store};
use std::time::Duration;

const DAY_MS: i64 = 24 * 3600 * 1000;

/// Processed received activities are kept this long, then forgotten.
pub const KEEP_PROCESSED_ACTIVITIES_MS: i64 = 7 * DAY_MS;
/// Finished delivery rows are kept this long, then folded into per-activity totals.
pub const KEEP_FINISHED_DELIVERIES_MS: i64 = 90 * DAY_MS;
/// Replies and mentions without a ticket, unused copies of remote actors and the health
/// of quiet servers are kept this long.
pub const KEEP_REMOTE_LEFTOVERS_MS: i64 = 90 * DAY_MS;
/// How often the worker looks.
pub const PURGE_EVERY: Duration = Duration::from_secs(3600);

/// Rows forgotten per statement: short transactions, so the inbox never waits long for
/// SQLite's write lock.
const BATCH: i64 = 500;
/// Batches per kind per pass; what is left waits for the next pass.
const MAX_BATCHES: u32 = 200;

/// What one pass forgot.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Purged {
    pub activities: u64,
    pub deliveries: u64,
    pub notes: u64,
    pub actors: u64,
    pub hosts: u64,
    pub quotas: u64,
}

impl Purged {
    fn total(&self) -> u64 {
        self.activities + self.deliveries + self.notes + self.actors + self.hosts + self.quotas
    }
}

/// Runs `batch` until it forgets less than a full batch (or `MAX_BATCHES` times).
async fn in_batches<F, Fut>(mut batch: F) -> anyhow::Result<u64>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<u64>>,
{
    let mut total = 0;
    for _ in 0..MAX_BATCHES {
        let forgotten = batch().await?;
        total += forgotten;
        if forgotten < BATCH.unsigned_abs() {
            break;
        }
        // Let requests waiting for the database in between.
        tokio::task::yield_now().await;
    }
    Ok(total)
}

/// The rows a step forgot; a step that failed counts none and keeps its error for the end
/// of the pass, so that one failing kind does not keep the others from being forgotten.
fn counted(failed: &mut Option<anyhow::Error>, result: anyhow::Result<u64>) -> u64 {
    result.unwrap_or_else(|err| {
        failed.get_or_insert(err);
        0
    })
}

/// One pass: forgets everything whose time is over at `now`. `Err` with the first
/// failure, after every other kind was purged.
#[tracing::instrument(skip_all)]
pub async fn purge(store: &Store, now: i64) -> anyhow::Result<Purged> {
    let activities_before = now - KEEP_PROCESSED_ACTIVITIES_MS;
    let deliveries_before = now - KEEP_FINISHED_DELIVERIES_MS;
    let leftovers_before = now - KEEP_REMOTE_LEFTOVERS_MS;
    let mut failed = None;
    let purged = Purged {
        activities: counted(
            &mut failed,
            in_batches(|| store.purge_processed_inbox(activities_before, BATCH)).await,
        ),
        deliveries: counted(
            &mut failed,
            in_batches(|| store.fold_finished_deliveries(deliveries_before, BATCH)).await,
        ),
        // Notes before actors: a note keeps its author.
        notes: counted(
            &mut failed,
            in_batches(|| store.purge_notes_without_ticket(leftovers_before, BATCH)).await,
        ),
        actors: counted(
            &mut failed,
            in_batches(|| store.purge_unused_remote_actors(leftovers_before, BATCH)).await,
        ),
        hosts: counted(&mut failed, store.purge_quiet_hosts(leftovers_before).await),
        quotas: counted(
            &mut failed,
            store
                .purge_ended_quotas(now - crate::quota::WINDOW_MS)
                .await,
        ),
    };
    match failed {
        Some(err) => Err(err),
        None => Ok(purged),
    }
}

/// Purges every [`PURGE_EVERY`], the first time at start. Runs until the process ends;
/// on PostgreSQL every process may run it (each forgets what no other is forgetting).
pub async fn run(store: Store) {
    let mut every = tokio::time::interval(PURGE_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        match purge(&store, now_ms()).await {
            Ok(purged) if purged.total() > 0 => tracing::info!(
                activities = purged.activities,
                deliveries = purged.deliveries,
                notes = purged.notes,
                actors = purged.actors,
                hosts = purged.hosts,
                quotas = purged.quotas,
                "forgot what had served its time"
            ),
            Ok(_) => {}
            Err(err) => tracing::error!(error = %format!("{err:#}"), "cannot purge old rows"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The privacy policy tells residents how long received activities are kept.
    #[test]
    fn the_privacy_policy_states_how_long_activities_are_kept() {
        let days = KEEP_PROCESSED_ACTIVITIES_MS / DAY_MS;
        let policy = crate::strings::PRIVACY_POLICY;
        assert!(policy.id.contains(&format!("**{days} hari**")));
        assert!(policy.en.contains(&format!("**{days} days**")));
    }

    /// ... and how long the node keeps the deliveries it sent.
    #[test]
    fn the_privacy_policy_states_how_long_deliveries_are_kept() {
        let days = KEEP_FINISHED_DELIVERIES_MS / DAY_MS;
        let policy = crate::strings::PRIVACY_POLICY;
        assert!(policy.id.contains(&format!("{days} hari")), "{}", policy.id);
        assert!(policy.en.contains(&format!("{days} days")), "{}", policy.en);
    }
}
