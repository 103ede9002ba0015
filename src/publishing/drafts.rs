//! Drafts: a post being written, one waiting for an editor's approval, or one scheduled
//! for later. Who may do what is decided by the caller (`auth::Role`); this module keeps
//! the drafts' own rules: a draft needs only a title, anything that will publish by
//! itself must already pass every check.

use super::{PostInput, PublishError, input};
use crate::refusal::InvalidInput;
use crate::{
    clock::now_ms,
    store::{ActorRecord, DraftRecord, NewDraft, PostRecord, Store},
    strings,
};
use anyhow::Context;

/// Where a draft stands (kept with it).
pub use crate::store::DraftStatus;

impl DraftStatus {
    pub fn label(self) -> strings::Text {
        match self {
            Self::Draft => strings::STATUS_DRAFT,
            Self::Review => strings::STATUS_REVIEW,
            Self::Scheduled => strings::STATUS_SCHEDULED,
        }
    }
}

/// The input a draft holds.
pub fn input_of(draft: &DraftRecord) -> PostInput {
    serde_json::from_str(&draft.input_json).unwrap_or_default()
}

/// Saves (creates, or with `existing` replaces) a draft.
pub async fn save(
    store: &Store,
    actor: &ActorRecord,
    author_user_id: Option<i64>,
    existing: Option<&DraftRecord>,
    status: DraftStatus,
    input: &PostInput,
    publish_at: Option<i64>,
) -> Result<DraftRecord, PublishError> {
    let now = now_ms();
    input::validate_title(input)?;
    let publish_at = match status {
        DraftStatus::Scheduled => {
            let Some(at) = publish_at.filter(|at| *at > now) else {
                return Err(InvalidInput(strings::SCHEDULE_IN_PAST).into());
            };
            // It will publish unattended, so it must be publishable now.
            input::validate(input, now)?;
            Some(at)
        }
        DraftStatus::Review => {
            input::validate(input, now)?;
            None
        }
        DraftStatus::Draft => None,
    };
    let json = serde_json::to_string(input).context("writing a draft")?;
    let title = input.title.trim();
    match existing {
        Some(draft) => store
            .update_draft(draft.id, status, title, &json, publish_at, now)
            .await?
            .ok_or(PublishError::Refused(InvalidInput(strings::DRAFT_GONE))),
        None => {
            let draft = NewDraft {
                actor_id: actor.id,
                author_user_id,
                status,
                title,
                input_json: &json,
                publish_at,
            };
            Ok(store.create_draft(&draft, now).await?)
        }
    }
}

/// Publishes a draft now, as written by its author.
pub async fn publish(
    store: &Store,
    actor: &ActorRecord,
    draft: &DraftRecord,
    input: &PostInput,
) -> Result<PostRecord, PublishError> {
    super::publish_as(
        store,
        actor,
        input,
        draft.author_user_id,
        Some(draft.id),
        None,
    )
    .await
}
