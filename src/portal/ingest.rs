//! What the portal does with a post a followed village sent or published: keep it
//! (deduplicated by id, newest edit wins, deletions stick), note that the village is
//! alive, and announce new posts to the portal's own followers when enabled.

use crate::{
    clock::now_ms,
    state::AppState,
    store::{FollowState, Ingested, LivePost, NewActivity, NewVillagePost, VillageRecord},
};

/// A village post received live: the village, the post, and the portal's Announce to
/// queue with it when it is new (built by the caller, who knows the wire shape).
#[derive(Clone, Debug)]
pub struct LiveVillagePost {
    pub village: VillageRecord,
    pub post: NewVillagePost,
    pub announce: Option<NewActivity>,
}

/// Stores a village post received live.
pub async fn receive_post(state: &AppState, live: LiveVillagePost) -> anyhow::Result<Ingested> {
    receive_posts(state, std::slice::from_ref(&live))
        .await?
        .pop()
        .unwrap_or_else(|| Err(anyhow::anyhow!("a stored post gave no outcome")))
}

/// Stores village posts received live, all in one write transaction (one commit for a
/// batch, so the portal's single SQLite writer keeps up with its inbox), and notes that
/// their villages are alive. Each post has its own outcome, in order: one that cannot be
/// stored does not keep the others out. `Err` when none could be stored.
pub async fn receive_posts(
    state: &AppState,
    posts: &[LiveVillagePost],
) -> anyhow::Result<Vec<anyhow::Result<Ingested>>> {
    let now = now_ms();
    let batch: Vec<LivePost<'_>> = posts
        .iter()
        .map(|live| LivePost {
            post: &live.post,
            announce: live
                .announce
                .as_ref()
                .filter(|_| state.config.portal.announce),
        })
        .collect();
    let outcomes = state.store.ingest_live_village_posts(&batch, now).await?;
    let mut announced = false;
    for ((live, stored), outcome) in posts.iter().zip(&batch).zip(&outcomes) {
        if matches!(outcome, Ok(Ingested::New(_))) {
            tracing::info!(village = %live.village.name, post = %live.post.ap_id, "village post received");
            announced |= stored.announce.is_some();
        }
    }
    if announced {
        state.wake_delivery.notify_one();
    }
    // A village heard from after being unreachable is read again to fill any gap.
    state.wake_portal.notify_one();
    Ok(outcomes)
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
