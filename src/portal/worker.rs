//! The portal worker: claims villages with work due and does it. A village registered
//! by handle is looked up by WebFinger and sent a Follow (again every hour while
//! unanswered); once followed, its outbox is read at once, then on a periodic sweep
//! (backfill), and again whenever the portal starts. A village registered by feed is
//! polled at most hourly. Failures are kept per village, retried with growing pauses,
//! and after three in a row the village counts as unreachable until it is heard from
//! again.

use super::{backfill, feeds, figures};
use crate::{
    clock::now_ms,
    federation::{Data, actor::DbActor},
    publishing::new_public_id,
    store::{NewActivity, VillageFollow, VillageRecord},
};
use anyhow::Context;
use futures::StreamExt;
use std::time::Duration;

const BATCH: usize = 8;
/// Longer than the slowest job: a backfill reads up to 25 pages, 10 s each at worst.
const LEASE_MS: i64 = 10 * 60 * 1000;
const POLL: Duration = Duration::from_secs(2);
/// An unanswered Follow is sent again after this long.
const FOLLOW_AGAIN_MS: i64 = 3600 * 1000;
/// After this many failures in a row a village counts as unreachable.
const UNREACHABLE_AFTER: i64 = 3;

/// The pause after `failures` failures in a row: 1 min, 5 min, 30 min, 2 h, then 6 h.
pub fn retry_after_ms(failures: i64) -> i64 {
    const STEPS: [i64; 5] = [60_000, 300_000, 1_800_000, 7_200_000, 21_600_000];
    STEPS[failures.clamp(0, STEPS.len() as i64 - 1) as usize]
}

/// Runs until the process ends.
pub async fn run(data: Data) {
    let client = match crate::federation::http_client(data.app_data()) {
        Ok(client) => client,
        Err(err) => {
            tracing::error!(error = %format!("{err:#}"), "portal worker cannot start");
            return;
        }
    };
    // A portal that was down missed what the villages published meanwhile, and their
    // deliveries to it wait out their retry pauses (30 s and doubling): read every
    // followed village's outbox now. They are claimed like any due village, BATCH at a
    // time, and each read signs its fetch, which lets the village's held deliveries to
    // us go at once (`signature_policy::signed_fetch_proves_life`).
    match data.store.make_followed_villages_due(now_ms()).await {
        Ok(0) => {}
        Ok(villages) => {
            tracing::info!(villages, "reading every followed village's outbox at start")
        }
        Err(err) => {
            tracing::error!(error = %format!("{err:#}"), "cannot schedule the start-up sweep");
        }
    }
    loop {
        let now = now_ms();
        let claims = match data
            .store
            .claim_due_villages(now, now + LEASE_MS, BATCH as i64)
            .await
        {
            Ok(claims) => claims,
            Err(err) => {
                tracing::error!(error = %format!("{err:#}"), "portal worker cannot claim villages");
                Vec::new()
            }
        };
        if claims.is_empty() {
            let _ = tokio::time::timeout(POLL, data.wake_portal.notified()).await;
            continue;
        }
        futures::stream::iter(claims)
            .for_each_concurrent(BATCH, |village| {
                let data = data.reset_request_count();
                let client = client.clone();
                async move { work_on(&data, &client, village).await }
            })
            .await;
    }
}

/// What the job found, for the log.
enum Done {
    FollowSent,
    Backfilled,
    Polled(feeds::FeedPoll),
}

#[tracing::instrument(skip_all, fields(village = %village.name, state = %village.follow_state))]
async fn work_on(data: &Data, client: &reqwest::Client, village: VillageRecord) {
    let now = now_ms();
    let settings = &data.config.portal;
    let outcome = match (village.source_kind.as_str(), village.follow_state.as_str()) {
        ("feed", _) => feeds::poll(data.app_data(), client, &village)
            .await
            .map(Done::Polled),
        (_, "accepted") => {
            let swept = backfill::backfill(data, &village).await;
            if swept.is_ok() {
                figures::refresh(data.app_data(), client, &village).await;
            }
            swept.map(|_| Done::Backfilled)
        }
        _ => follow(data, &village).await.map(|()| Done::FollowSent),
    };
    let store = &data.store;
    let recorded = match outcome {
        Ok(Done::FollowSent) => Ok(()),
        Ok(Done::Backfilled) => {
            let next = now + settings.backfill_every.as_millis() as i64;
            store
                .finish_village_job(village.id, next, true, None, None, now)
                .await
        }
        Ok(Done::Polled(poll)) => {
            let next = now + settings.feed_poll_every.as_millis() as i64;
            store
                .finish_village_job(
                    village.id,
                    next,
                    true,
                    poll.etag.as_deref(),
                    poll.last_modified.as_deref(),
                    now,
                )
                .await
        }
        Err(err) => {
            let reason = format!("{err:#}");
            tracing::info!(error = %reason, "village job failed");
            let failures = village.follow_attempts + 1;
            let next = now + retry_after_ms(village.follow_attempts);
            store
                .fail_village_job(
                    village.id,
                    &reason,
                    next,
                    failures >= UNREACHABLE_AFTER,
                    now,
                )
                .await
        }
    };
    if let Err(err) = recorded {
        tracing::error!(error = %format!("{err:#}"), "cannot record a village job");
    }
}

/// Finds the village's actor by WebFinger and queues our Follow to its inbox.
async fn follow(data: &Data, village: &VillageRecord) -> anyhow::Result<()> {
    let handle = village
        .handle
        .as_deref()
        .context("the village has no handle")?;
    let actor: DbActor = crate::federation::lookup::actor_by_handle(handle, data)
        .await
        .with_context(|| format!("looking up {handle}"))?;
    let portal = crate::actors::find_publishing_actor(&data.store, None).await?;
    let activity = NewActivity {
        public_id: new_public_id(),
        actor_id: portal.id,
        kind: "Follow".into(),
        post_id: None,
        object_json: Some(actor.record.ap_id.clone()),
    };
    let follow = VillageFollow {
        village_id: village.id,
        actor_id: actor.record.id,
        follow_ap_id: data.urls.activity(&activity.public_id).to_string(),
        inbox: actor.record.inbox_url.clone(),
        host: actor.record.host.clone(),
        retry_at: now_ms() + FOLLOW_AGAIN_MS,
    };
    data.store
        .send_village_follow(&follow, &activity, now_ms())
        .await?;
    data.wake_delivery.notify_one();
    tracing::info!(actor = %actor.record.ap_id, "follow sent");
    Ok(())
}
