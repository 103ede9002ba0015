//! What the portal does with a post a followed village sent or published: keep it
//! (deduplicated by id, newest edit wins, deletions stick), note that the village is
//! alive, and announce new posts to the portal's own followers when enabled.

use crate::{
    clock::now_ms,
    state::AppState,
    store::{FollowState, Ingested, NewActivity, NewVillagePost, VillageRecord},
};

/// Stores a village post received live; `announce` is the portal's Announce to queue
/// with it when it is new (built by the caller, who knows the wire shape).
pub async fn receive_post(
    state: &AppState,
    village: &VillageRecord,
    post: &NewVillagePost,
    announce: Option<NewActivity>,
) -> anyhow::Result<Ingested> {
    let now = now_ms();
    let announce = announce.filter(|_| state.config.portal.announce);
    let outcome = state
        .store
        .ingest_village_post_and_announce(post, announce.as_ref(), now)
        .await?;
    state.store.record_village_contact(village.id, now).await?;
    if matches!(outcome, Ingested::New(_)) {
        tracing::info!(village = %village.name, post = %post.ap_id, "village post received");
        if announce.is_some() {
            state.wake_delivery.notify_one();
        }
    }
    // A village heard from after being unreachable is read again to fill any gap.
    state.wake_portal.notify_one();
    Ok(outcome)
}

/// A village deleted one of its posts.
pub async fn delete_post(
    state: &AppState,
    village: &VillageRecord,
    ap_id: &str,
) -> anyhow::Result<()> {
    let now = now_ms();
    state
        .store
        .delete_village_post(ap_id, village.id, now)
        .await?;
    state.store.record_village_contact(village.id, now).await
}

/// A village answered our Follow.
pub async fn follow_answered(
    state: &AppState,
    village: &VillageRecord,
    accepted: bool,
) -> anyhow::Result<()> {
    let answer = if accepted {
        FollowState::Accepted
    } else {
        FollowState::Rejected
    };
    state
        .store
        .set_village_follow_state(village.id, answer, now_ms())
        .await?;
    tracing::info!(village = %village.name, %answer, "follow answered");
    // Accepted: its outbox is due now.
    state.wake_portal.notify_one();
    Ok(())
}
