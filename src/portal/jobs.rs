//! The portal's work on each village, as rules: what a job found and when the village is
//! due again, when it counts as unreachable, how our Follow of it is kept, and which
//! backfilled posts are announced. The network side (WebFinger, outboxes, feeds,
//! figures) is `federation::portal_jobs`; the claims on villages are the store's.

use crate::{
    clock::now_ms,
    config::PortalSettings,
    publishing::new_public_id,
    state::AppState,
    store::{
        ActorRecord, Ingested, NewActivity, NewVillagePost, VillageFollow, VillageMove,
        VillageRecord,
    },
};

/// Longer than the slowest job: a backfill reads up to 25 pages, 10 s each at worst.
pub const LEASE_MS: i64 = 10 * 60 * 1000;
/// An unanswered Follow is sent again after this long.
const FOLLOW_AGAIN_MS: i64 = 3600 * 1000;
/// After this many failures in a row a village counts as unreachable.
const UNREACHABLE_AFTER: i64 = 3;

/// The pause after `failures` failures in a row: 1 min, 5 min, 30 min, 2 h, then 6 h.
pub fn retry_after_ms(failures: i64) -> i64 {
    const STEPS: [i64; 5] = [60_000, 300_000, 1_800_000, 7_200_000, 21_600_000];
    STEPS[failures.clamp(0, STEPS.len() as i64 - 1) as usize]
}

/// What one job on a village did.
pub enum Done {
    FollowSent,
    Backfilled,
    /// A feed was read; the validators to send next time.
    Polled {
        etag: Option<String>,
        last_modified: Option<String>,
    },
}

/// Records how a job went and when the village is due again: after the sweep or poll
/// interval when it went well, after a growing pause when it failed.
pub async fn record(state: &AppState, village: &VillageRecord, outcome: anyhow::Result<Done>) {
    let now = now_ms();
    let settings = &state.config.portal;
    let store = &state.store;
    let recorded = match outcome {
        Ok(Done::FollowSent) => Ok(()),
        Ok(Done::Backfilled) => {
            let next = now + settings.backfill_every.as_millis() as i64;
            store
                .finish_village_job(village.id, next, true, None, None, now)
                .await
        }
        Ok(Done::Polled {
            etag,
            last_modified,
        }) => {
            let next = now + settings.feed_poll_every.as_millis() as i64;
            store
                .finish_village_job(
                    village.id,
                    next,
                    true,
                    etag.as_deref(),
                    last_modified.as_deref(),
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

/// The portal's Follow of `actor` for `village`: the activity, and how the entry keeps
/// it (sent again after an hour while unanswered).
fn follow_of(
    state: &AppState,
    portal: &ActorRecord,
    village: &VillageRecord,
    actor: &ActorRecord,
) -> (NewActivity, VillageFollow) {
    let activity = NewActivity {
        public_id: new_public_id(),
        actor_id: portal.id,
        kind: crate::store::ActivityKind::Follow,
        post_id: None,
        object_json: Some(actor.ap_id.clone()),
    };
    let follow = VillageFollow {
        village_id: village.id,
        actor_id: actor.id,
        follow_ap_id: state.urls.activity(&activity.public_id).to_string(),
        inbox: actor.inbox_url.clone(),
        host: actor.host.clone(),
        retry_at: now_ms() + FOLLOW_AGAIN_MS,
    };
    (activity, follow)
}

/// Queues our Follow of the village's `actor`, found by its handle; it is sent again
/// after an hour while unanswered.
pub async fn follow(
    state: &AppState,
    village: &VillageRecord,
    actor: &ActorRecord,
) -> anyhow::Result<()> {
    let portal = crate::actors::find_publishing_actor(&state.store, None).await?;
    let (activity, follow) = follow_of(state, &portal, village, actor);
    state
        .store
        .send_village_follow(&follow, &activity, now_ms())
        .await?;
    state.wake_delivery.notify_one();
    tracing::info!(actor = %actor.ap_id, "follow sent");
    Ok(())
}

/// What became of a followed village's move to another account.
#[derive(Debug, PartialEq, Eq)]
pub enum VillageMoved {
    /// The entry now names the new account, which is sent our Follow.
    Followed,
    /// The new account is already registered as another village (`handle`): the two
    /// entries are left for the operator to merge.
    AlreadyRegistered { handle: String },
}

/// A followed village moved to `new_account` (its Move checked): its registry entry —
/// and with it the village's posts, errors and figures, which hang on the entry — takes
/// the new account and handle, the new account gets our Follow (its outbox is read once
/// it accepts) and the old one our Undo.
pub async fn move_village(
    state: &AppState,
    village: &VillageRecord,
    new_account: &ActorRecord,
) -> anyhow::Result<VillageMoved> {
    let handle = format!("{}@{}", new_account.username, new_account.host).to_ascii_lowercase();
    if let Some(other) = state.store.village_by_key(&handle).await?
        && other.id != village.id
    {
        return Ok(VillageMoved::AlreadyRegistered { handle });
    }
    let portal = crate::actors::find_publishing_actor(&state.store, None).await?;
    let (follow_activity, follow) = follow_of(state, &portal, village, new_account);
    let moved = VillageMove { follow, handle };
    let undo = super::registry::undo_of_follow(&state.store, portal.id, village).await?;
    let undo_ref = undo
        .as_ref()
        .map(|(activity, inbox, host)| (activity, inbox.as_str(), host.as_str()));
    state
        .store
        .move_village(&moved, &follow_activity, undo_ref, now_ms())
        .await?;
    state.wake_delivery.notify_one();
    tracing::info!(village = %village.name, to = %new_account.ap_id, "village moved; following its new account");
    Ok(VillageMoved::Followed)
}

/// Whether a post found by backfill is announced like one that came live: a post
/// published while we followed should have come live, so it is; the archive from
/// before the follow is not (no flood). A minute of slack covers clock skew and
/// `published` being sent in whole seconds.
pub fn announces_on_backfill(
    settings: &PortalSettings,
    village: &VillageRecord,
    post: &NewVillagePost,
) -> bool {
    settings.announce
        && village
            .accepted_at
            .is_some_and(|at| post.published_at >= at - 60_000)
}

/// Keeps a post found by backfill, with its Announce when one was made; `true` when it
/// was new.
pub async fn keep_backfilled(
    state: &AppState,
    post: &NewVillagePost,
    announce: Option<&NewActivity>,
) -> anyhow::Result<bool> {
    let outcome = state
        .store
        .ingest_village_post_and_announce(post, announce, now_ms())
        .await?;
    let new = matches!(outcome, Ingested::New(_));
    if new && announce.is_some() {
        state.wake_delivery.notify_one();
    }
    Ok(new)
}
