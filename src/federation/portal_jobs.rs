//! The portal worker, the network side of `portal::jobs`: claims villages with work due
//! and does it. A village registered by handle is looked up by WebFinger and sent a
//! Follow (again every hour while unanswered); once followed, its outbox is read at
//! once, then on a periodic sweep (backfill), and again whenever the portal starts,
//! followed by its aspiration figures. A village registered by feed is polled at most
//! hourly. Failures are kept per village and retried with growing pauses (the rules are
//! `portal::jobs`'s).

use super::{
    Data,
    actor::DbActor,
    fetch,
    outbox_reader::{ReadLimits, read_posts},
    village_post,
};
use crate::{
    clock::now_ms,
    portal::jobs::{self, Done, LEASE_MS},
    store::{FollowState, SourceKind, VillageRecord},
};
use anyhow::Context;
use std::time::Duration;

/// How often the claims are looked at when nothing woke the worker.
const POLL: Duration = Duration::from_secs(2);

/// One read of an outbox: enough for months of a village's posts, bounded so a huge or
/// hostile outbox cannot hold the worker.
pub const BACKFILL_LIMITS: ReadLimits = ReadLimits {
    max_pages: 25,
    max_items: 500,
};

/// Runs until the process ends.
pub async fn run(data: Data) {
    let client = match super::http_client(data.app_data()) {
        Ok(client) => client,
        Err(err) => {
            tracing::error!(error = %format!("{err:#}"), "portal worker cannot start");
            return;
        }
    };
    // A portal that was down missed what the villages published meanwhile, and their
    // deliveries to it wait out their retry pauses (30 s and doubling): read every
    // followed village's outbox now. They are claimed like any due village, `concurrency`
    // at a time, and each read signs its fetch, which lets the village's held deliveries to
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
    let at_once = data.config.portal.concurrency;
    // Each village's work is a task of its own, so it goes on while this loop waits for
    // a claim: polled from here instead, work holding a pooled connection waited for the
    // claim, which waited for a connection (four on SQLite) until the pool timed out.
    let mut working = tokio::task::JoinSet::new();
    loop {
        // A place that frees is given the next due village at once: a village that is
        // slow or never answers holds one place until its requests time out, not the
        // others claimed with it. Claims of 8 that waited for their slowest took 192 s to
        // read 380 outboxes when one village in twenty never answered, against 2 s with
        // none (examples/bench_sweep; docs/benchmarks-portal.md, "The sweep").
        let free = at_once - working.len();
        let mut nothing_due = false;
        if free > 0 {
            let now = now_ms();
            match data
                .store
                .claim_due_villages(now, now + LEASE_MS, free as i64)
                .await
            {
                Ok(claims) => {
                    nothing_due = claims.len() < free;
                    for village in claims {
                        let data = data.reset_request_count();
                        let client = client.clone();
                        working.spawn(async move { work_on(&data, &client, village).await });
                    }
                }
                Err(err) => {
                    tracing::error!(error = %format!("{err:#}"), "portal worker cannot claim villages");
                    nothing_due = true;
                }
            }
        }
        if working.is_empty() {
            let _ = tokio::time::timeout(POLL, data.wake_portal.notified()).await;
        } else if nothing_due {
            // Work in hand and none waiting: look again when a place frees, a village is
            // registered (which wakes the worker) or the poll comes round.
            tokio::select! {
                _ = working.join_next() => {}
                _ = data.wake_portal.notified() => {}
                _ = tokio::time::sleep(POLL) => {}
            }
        } else {
            working.join_next().await;
        }
    }
}

#[tracing::instrument(skip_all, fields(village = %village.name, state = %village.follow_state))]
async fn work_on(data: &Data, client: &reqwest::Client, village: VillageRecord) {
    let state = data.app_data();
    let outcome = match (village.source_kind, village.follow_state) {
        (SourceKind::Feed, _) => {
            fetch::poll_feed(state, client, &village)
                .await
                .map(|poll| Done::Polled {
                    etag: poll.etag,
                    last_modified: poll.last_modified,
                })
        }
        (SourceKind::Actor, FollowState::Accepted) => {
            let swept = backfill(data, &village).await;
            if swept.is_ok() {
                fetch::refresh_figures(state, client, &village).await;
            }
            swept.map(|_| Done::Backfilled)
        }
        _ => follow(data, &village).await.map(|()| Done::FollowSent),
    };
    jobs::record(state, &village, outcome).await;
}

/// Finds the village's actor by WebFinger and has the portal queue its Follow.
async fn follow(data: &Data, village: &VillageRecord) -> anyhow::Result<()> {
    let handle = village
        .handle
        .as_deref()
        .context("the village has no handle")?;
    let actor: DbActor = super::lookup::actor_by_handle(handle, data)
        .await
        .with_context(|| format!("looking up {handle}"))?;
    jobs::follow(data.app_data(), village, &actor.record).await
}

/// Reads the village's outbox and has the portal keep the posts it lacks (deduplicated
/// by id), so that a village that was offline for days loses nothing at the portal once
/// it is back; returns how many posts were new.
#[tracing::instrument(skip_all, fields(village = %village.name))]
pub async fn backfill(data: &Data, village: &VillageRecord) -> anyhow::Result<usize> {
    let state = data.app_data();
    let actor = crate::portal::registry::village_actor(&data.store, village).await?;
    let actor_url = url::Url::parse(&actor.ap_id).context("the stored actor id is not a URL")?;
    let store = data.store.clone();
    let known = move |id: String| -> futures::future::BoxFuture<'static, bool> {
        let store = store.clone();
        Box::pin(async move { store.village_post_exists(&id).await.unwrap_or(false) })
    };
    let objects = read_posts(data, &actor_url, BACKFILL_LIMITS, &known).await?;
    let portal = crate::actors::find_publishing_actor(&data.store, None).await?;
    let mut new = 0;
    // Oldest first, so that ids and receive times follow publication order.
    for object in objects.iter().rev() {
        let Some(post) = village_post::from_object(object, village.id) else {
            continue;
        };
        let announce = jobs::announces_on_backfill(&data.config.portal, village, &post)
            .then(|| village_post::announce(&post.ap_id, &actor.ap_id, portal.id));
        if jobs::keep_backfilled(state, &post, announce.as_ref()).await? {
            new += 1;
        }
    }
    tracing::info!(new, "backfilled");
    Ok(new)
}
