//! The inbox worker: claims stored activities and has each acted on once
//! (`activities`), retrying what failed for a reason that may pass and recording what
//! was refused on purpose.
//!
//! A claim is a batch. The villages of its actors are read at once; the posts of
//! followed villages in it (what a portal mostly receives) are stored together in one
//! write transaction (`Store::ingest_live_village_posts`); the other activities are
//! acted on one by one, a few at a time; then every outcome of the batch is recorded in
//! one statement. A few commits per batch rather than three or four per activity is
//! what lets SQLite's single writer keep up with a busy inbox, and few statements per
//! activity what lets PostgreSQL, where each is a round trip. One activity that fails
//! is retried (or given up) alone: the others of its batch are kept.

use super::{
    Data,
    activities::{self, ActError},
    inbox::IncomingActivity,
};
use crate::{
    clock::now_ms,
    portal::ingest::LiveVillagePost,
    store::{InboxClaim, InboxOutcome, InboxState},
};
use futures::StreamExt;
use std::time::Duration;
use tracing::Instrument;

/// Activities claimed at once. Village posts among them share one transaction, which
/// on SQLite holds the process's one turn to write while it runs: an activity accepted
/// meanwhile waits for it to end before its own commit. Batches of 16 drained 10 to 15 %
/// fewer posts a second than 64 (docs/benchmarks-portal.md, section 1), so a burst is
/// drained with 64 once it is over, and claimed 16 at a time while senders are still
/// waiting on their answers.
const BATCH: usize = 64;
const BATCH_WHILE_SENDING: usize = 16;
/// Other activities acted on at once, so that one slow remote server (an actor fetch
/// waits up to the request timeout) does not hold up the others.
const CONCURRENT: usize = 8;
/// A claim outlives the slowest processing of a batch: a few fetches per activity.
const LEASE_MS: i64 = 120_000;
const MAX_ATTEMPTS: i64 = 5;
const POLL: Duration = Duration::from_secs(1);
/// Senders count as sending while the inbox stored an activity this recently.
const SENDERS_ACTIVE_MS: i64 = 100;

/// Runs until the process ends. Processed activities are forgotten by
/// [`crate::retention`], not here.
pub async fn run(data: Data) {
    loop {
        let now = now_ms();
        let batch = if senders_active(&data) {
            BATCH_WHILE_SENDING
        } else {
            BATCH
        };
        let claims = match data
            .store
            .claim_inbox(now, now + LEASE_MS, batch as i64)
            .await
        {
            Ok(claims) => claims,
            Err(err) => {
                tracing::error!(error = %format!("{err:#}"), "inbox worker cannot claim");
                Vec::new()
            }
        };
        if claims.is_empty() {
            let _ = tokio::time::timeout(POLL, data.wake_inbox.notified()).await;
            continue;
        }
        let started = std::time::Instant::now();
        process_batch(&data, claims).await;
        // Accepting comes first: a sender waits on its answer (and gives up after a few
        // seconds), a stored activity waits for no one. While activities keep arriving
        // the worker rests as long as its batch took, leaving the inbox at least half of
        // the machine; it drains at full speed once the burst is over.
        if senders_active(&data) {
            tokio::time::sleep(started.elapsed()).await;
        }
    }
}

/// The inbox stored an activity in the last moment: senders are sending.
fn senders_active(data: &Data) -> bool {
    let stored_at = data
        .inbox_stored_at
        .load(std::sync::atomic::Ordering::Relaxed);
    now_ms().saturating_sub(stored_at) < SENDERS_ACTIVE_MS
}

#[tracing::instrument(skip_all, fields(activities = claims.len()))]
async fn process_batch(data: &Data, claims: Vec<InboxClaim>) {
    let mut lookups = activities::Lookups::default();
    let mut posts: Vec<(InboxClaim, LiveVillagePost)> = Vec::new();
    let mut singles: Vec<(InboxClaim, IncomingActivity)> = Vec::new();
    let mut outcomes = Vec::with_capacity(claims.len());
    let mut read = Vec::with_capacity(claims.len());
    for claim in claims {
        match serde_json::from_str::<IncomingActivity>(&claim.body) {
            Ok(activity) => read.push((claim, activity)),
            Err(err) => {
                let err = anyhow::Error::new(err).context("reading the stored activity");
                outcomes.push(outcome(&claim, Err(err.into())));
            }
        }
    }
    let batch: Vec<&IncomingActivity> = read.iter().map(|(_, activity)| activity).collect();
    if let Err(err) = lookups.read_villages(data, &batch).await {
        // Each activity then reads its own village, as before.
        tracing::warn!(error = %format!("{err:#}"), "cannot read the villages of a batch at once");
    }
    for (claim, activity) in read {
        match activities::live_post(data, &activity, &mut lookups).await {
            Ok(Some(post)) => posts.push((claim, post)),
            Ok(None) => singles.push((claim, activity)),
            Err(err) => outcomes.push(outcome(&claim, Err(err.into()))),
        }
    }
    if !posts.is_empty() {
        let live: Vec<LiveVillagePost> = posts.iter().map(|(_, post)| post.clone()).collect();
        match crate::portal::ingest::receive_posts(data.app_data(), &live).await {
            Ok(stored) => {
                for ((claim, _), result) in posts.iter().zip(stored) {
                    outcomes.push(outcome(claim, result.map(|_| ()).map_err(ActError::Failed)));
                }
            }
            Err(err) => {
                let reason = format!("{err:#}");
                for (claim, _) in &posts {
                    let err = anyhow::anyhow!("storing a batch of village posts: {reason}");
                    outcomes.push(outcome(claim, Err(err.into())));
                }
            }
        }
    }
    let acted: Vec<(i64, i64, InboxOutcome)> = futures::stream::iter(singles)
        .map(|(claim, activity)| {
            let data = data.reset_request_count();
            let span = activity_span(&claim);
            async move {
                let result = activities::act(&data, &activity).await;
                outcome(&claim, result)
            }
            .instrument(span)
        })
        .buffer_unordered(CONCURRENT)
        .collect()
        .await;
    outcomes.extend(acted);
    if let Err(err) = data.store.record_inbox_outcomes(&outcomes).await {
        // The leases run out and the activities are claimed again; acting on one twice
        // changes nothing (every kind is stored once by id).
        tracing::error!(error = %format!("{err:#}"), "cannot record the outcomes of activities");
    }
}

fn activity_span(claim: &InboxClaim) -> tracing::Span {
    tracing::info_span!("process_one", id = %claim.ap_id, kind = %claim.kind)
}

/// What to record of one activity: done, dropped on purpose, retried later, or given up.
fn outcome(claim: &InboxClaim, result: Result<(), ActError>) -> (i64, i64, InboxOutcome) {
    let _span = activity_span(claim).entered();
    let recorded = match result {
        Ok(()) => InboxOutcome::Finished {
            state: InboxState::Done,
            error: None,
        },
        // Refused on purpose (a blocked author, a limit): recorded, never retried.
        Err(ActError::NotAccepted(not_accepted)) => {
            let reason = not_accepted.to_string();
            tracing::info!(reason = %reason, "dropped an activity");
            InboxOutcome::Finished {
                state: InboxState::Dropped,
                error: Some(reason),
            }
        }
        Err(ActError::Failed(err)) if claim.attempts + 1 >= MAX_ATTEMPTS => {
            let reason = format!("{err:#}");
            tracing::warn!(error = %reason, "gave up processing an activity");
            InboxOutcome::Finished {
                state: InboxState::Failed,
                error: Some(reason),
            }
        }
        Err(ActError::Failed(err)) => {
            let delay = 30_000 * (1 << claim.attempts.clamp(0, 10));
            let reason = format!("{err:#}");
            tracing::info!(error = %reason, "will retry processing an activity");
            InboxOutcome::Retry {
                at: now_ms() + delay,
                error: reason,
            }
        }
    };
    (claim.id, claim.locked_until, recorded)
}
