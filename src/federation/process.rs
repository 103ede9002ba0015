//! The inbox worker: claims stored activities and has each acted on once
//! (`activities`), retrying what failed for a reason that may pass and recording what
//! was refused on purpose.

use super::{
    Data,
    activities::{self, ActError},
    inbox::IncomingActivity,
};
use crate::{
    clock::now_ms,
    store::{InboxClaim, InboxState},
};
use anyhow::Context;
use futures::StreamExt;
use std::time::Duration;

/// Activities claimed at once and processed concurrently, so that one slow remote
/// server (an actor fetch waits up to the request timeout) does not hold up the others.
const BATCH: usize = 8;
/// A claim outlives the slowest processing of a batch: a few fetches per activity.
const LEASE_MS: i64 = 120_000;
const MAX_ATTEMPTS: i64 = 5;
const POLL: Duration = Duration::from_secs(1);

/// Runs until the process ends. Processed activities are forgotten by
/// [`crate::retention`], not here.
pub async fn run(data: Data) {
    loop {
        let now = now_ms();
        let claims = match data
            .store
            .claim_inbox(now, now + LEASE_MS, BATCH as i64)
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
        futures::stream::iter(claims)
            .for_each_concurrent(BATCH, |claim| {
                let data = data.reset_request_count();
                async move { process_one(&data, claim).await }
            })
            .await;
    }
}

#[tracing::instrument(skip_all, fields(id = %claim.ap_id, kind = %claim.kind))]
async fn process_one(data: &Data, claim: InboxClaim) {
    let outcome = handle(data, &claim).await;
    let lease = claim.locked_until;
    let result = match outcome {
        Ok(()) => {
            data.store
                .finish_inbox(claim.id, lease, InboxState::Done, None)
                .await
        }
        // Refused on purpose (a blocked author, a limit): recorded, never retried.
        Err(ActError::NotAccepted(not_accepted)) => {
            let reason = not_accepted.to_string();
            tracing::info!(reason = %reason, "dropped an activity");
            data.store
                .finish_inbox(claim.id, lease, InboxState::Dropped, Some(&reason))
                .await
        }
        Err(ActError::Failed(err)) if claim.attempts + 1 >= MAX_ATTEMPTS => {
            let reason = format!("{err:#}");
            tracing::warn!(error = %reason, "gave up processing an activity");
            data.store
                .finish_inbox(claim.id, lease, InboxState::Failed, Some(&reason))
                .await
        }
        Err(ActError::Failed(err)) => {
            let delay = 30_000 * (1 << claim.attempts.clamp(0, 10));
            let reason = format!("{err:#}");
            tracing::info!(error = %reason, "will retry processing an activity");
            data.store
                .retry_inbox(claim.id, lease, now_ms() + delay, &reason)
                .await
        }
    };
    if let Err(err) = result {
        tracing::error!(error = %format!("{err:#}"), "cannot record the outcome of an activity");
    }
}

async fn handle(data: &Data, claim: &InboxClaim) -> Result<(), ActError> {
    let activity: IncomingActivity =
        serde_json::from_str(&claim.body).context("reading the stored activity")?;
    activities::act(data, &activity).await
}
