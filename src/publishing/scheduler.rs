//! Publishes scheduled drafts when their time comes. Runs in every `serve`; with
//! several processes on one database, the draft's removal inside the publishing
//! transaction makes sure only one of them publishes it.

use super::drafts;
use crate::{clock::now_ms, state::AppState};
use std::time::Duration;

/// The longest the scheduler sleeps, so that a draft scheduled by another process (the
/// command line, a second server) is published at most this late.
const MAX_NAP: Duration = Duration::from_secs(20);

pub async fn run(state: AppState) {
    loop {
        if let Err(err) = publish_due(&state).await {
            tracing::error!(error = %format!("{err:#}"), "cannot publish scheduled posts");
        }
        let nap = match state.store.next_scheduled_at().await {
            Ok(Some(at)) => Duration::from_millis((at - now_ms()).clamp(0, 20_000) as u64),
            _ => MAX_NAP,
        };
        tokio::select! {
            _ = tokio::time::sleep(nap.max(Duration::from_millis(200))) => {}
            _ = state.wake_scheduler.notified() => {}
        }
    }
}

/// Publishes every scheduled draft whose time has come; returns how many.
pub async fn publish_due(state: &AppState) -> anyhow::Result<usize> {
    let mut published = 0;
    for draft in state.store.due_scheduled_drafts(now_ms(), 20).await? {
        let Some(actor) = state.store.actor_by_id(draft.actor_id).await? else {
            continue;
        };
        let input = drafts::input_of(&draft);
        match drafts::publish(&state.store, &actor, &draft, &input).await {
            Ok(post) => {
                published += 1;
                tracing::info!(post = %post.public_id, draft = draft.id, "published on schedule");
            }
            Err(err) => {
                // Kept as a draft so the operator sees it and can fix it.
                tracing::warn!(draft = draft.id, error = %format!("{err:#}"), "a scheduled post cannot be published");
                if let Err(err) = state
                    .store
                    .update_draft(
                        draft.id,
                        drafts::DraftStatus::Draft,
                        &draft.title,
                        &draft.input_json,
                        None,
                        now_ms(),
                    )
                    .await
                {
                    // It stays scheduled and is tried again on the next round.
                    tracing::error!(draft = draft.id, error = %format!("{err:#}"), "cannot move a failed scheduled post back to the drafts");
                }
            }
        }
    }
    if published > 0 {
        state.wake_delivery.notify_one();
    }
    Ok(published)
}
