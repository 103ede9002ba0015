//! Backfill: reads a followed village's outbox and stores the posts the portal lacks,
//! deduplicated by id, so that a village that was offline for days loses nothing at
//! the portal once it is back.

use crate::{
    clock::now_ms,
    federation::{
        Data,
        outbox_reader::{ReadLimits, read_posts},
        village_post,
    },
    store::{Ingested, VillageRecord},
};
use anyhow::Context;

/// One read: enough for months of a village's posts, bounded so a huge or hostile
/// outbox cannot hold the worker.
pub const LIMITS: ReadLimits = ReadLimits {
    max_pages: 25,
    max_items: 500,
};

/// Reads the village's outbox and stores what is new; returns how many posts were new.
#[tracing::instrument(skip_all, fields(village = %village.name))]
pub async fn backfill(data: &Data, village: &VillageRecord) -> anyhow::Result<usize> {
    let actor = super::registry::village_actor(&data.store, village).await?;
    let actor_url = url::Url::parse(&actor.ap_id).context("the stored actor id is not a URL")?;
    let store = data.store.clone();
    let known = move |id: String| -> futures::future::BoxFuture<'static, bool> {
        let store = store.clone();
        Box::pin(async move { store.village_post_exists(&id).await.unwrap_or(false) })
    };
    let objects = read_posts(data, &actor_url, LIMITS, &known).await?;
    let portal = crate::actors::find_publishing_actor(&data.store, None).await?;
    let mut new = 0;
    // Oldest first, so that ids and receive times follow publication order.
    for object in objects.iter().rev() {
        let Some(post) = village_post::from_object(object, village.id) else {
            continue;
        };
        // A post published while we followed should have come live: announce it like
        // one. The archive from before the follow is not announced (no flood). A minute
        // of slack covers clock skew and `published` being sent in whole seconds.
        let announce = (data.config.portal.announce
            && village
                .accepted_at
                .is_some_and(|at| post.published_at >= at - 60_000))
        .then(|| village_post::announce(&post.ap_id, &actor.ap_id, portal.id));
        let outcome = data
            .store
            .ingest_village_post_and_announce(&post, announce.as_ref(), now_ms())
            .await?;
        if let Ingested::New(_) = outcome {
            new += 1;
            if announce.is_some() {
                data.wake_delivery.notify_one();
            }
        }
    }
    tracing::info!(new, "backfilled");
    Ok(new)
}
