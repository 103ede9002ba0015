//! Writing, editing and deleting posts, and the drafts that come before them. Each
//! use-case validates the operator's input, renders the Markdown to safe HTML and hands
//! the store one transaction holding the change, its activity and its deliveries.
//! Publishing enqueues; it never sends. What it refuses or fails at is a
//! [`PublishError`].

pub mod drafts;
pub mod input;
pub mod markdown;
pub mod scheduler;
pub mod templates;

pub use input::{
    EventDetails, MAX_IMAGES, PostChanges, PostImage, PostInput, PostKind, event_of, images_of,
    parse_category,
};

use crate::{
    clock::now_ms,
    refusal::InvalidInput,
    store::{ActivityKind, ActorRecord, NewActivity, PostRecord, Store},
    strings,
};
use rand::Rng;

/// Why a post, draft or template was not written.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// What the operator wrote breaks a rule (or the draft, template or post is gone);
    /// the sentence says which, in both languages.
    #[error("{0}")]
    Refused(InvalidInput),
    /// The database failed; trying again may work.
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

impl From<InvalidInput> for PublishError {
    fn from(refusal: InvalidInput) -> Self {
        Self::Refused(refusal)
    }
}

/// A random public id for posts and activities: 16 characters of a-z0-9, so that an id
/// is never reused even across a database restored from a backup.
pub fn new_public_id() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::thread_rng();
    (0..16)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

fn activity(actor: &ActorRecord, kind: ActivityKind) -> NewActivity {
    NewActivity {
        public_id: new_public_id(),
        actor_id: actor.id,
        kind,
        post_id: None,
        object_json: None,
    }
}

/// What the site decides for a post its writer left open: an agenda is written in the
/// village's time zone (recorded, so that it reads "08.00 WIB" on every server), and a
/// post says who may quote it as the site's setting does unless the writer chose.
async fn with_site_defaults(store: &Store, input: &PostInput) -> anyhow::Result<PostInput> {
    let mut input = input.clone();
    let site = crate::site::load(store).await?;
    if let Some(event) = input.event.as_mut() {
        event.time_zone = site.time_zone;
    }
    input.quote_policy = input.quote_policy.or(Some(site.quote_policy));
    Ok(input)
}

/// Publishes a post written outside the admin (command line, API, demo).
pub async fn publish(
    store: &Store,
    actor: &ActorRecord,
    input: &PostInput,
) -> Result<PostRecord, PublishError> {
    publish_as(store, actor, input, None, None, None).await
}

/// Publishes a post by an admin account, from one of its drafts when `from_draft` is
/// given (the draft goes in the same transaction). `on_behalf_of` names the regency's
/// hosting administrator when the session writes on the village's behalf: the village's
/// history of it is written in the post's transaction, so neither is kept without the
/// other.
#[tracing::instrument(skip_all, fields(actor = %actor.username))]
pub async fn publish_as(
    store: &Store,
    actor: &ActorRecord,
    input: &PostInput,
    author_user_id: Option<i64>,
    from_draft: Option<i64>,
    on_behalf_of: Option<&str>,
) -> Result<PostRecord, PublishError> {
    let now = now_ms();
    let input = with_site_defaults(store, input).await?;
    let mut content = input::validate(&input, now)?;
    content.author_user_id = author_user_id;
    content.on_behalf_of = on_behalf_of.map(str::to_string);
    let post = store
        .publish_post(
            &new_public_id(),
            actor.id,
            &content,
            &activity(actor, ActivityKind::Create),
            from_draft,
            now,
        )
        .await?;
    tracing::info!(post = %post.public_id, "published");
    Ok(post)
}

/// Applies command-line or API changes to a published post.
pub async fn edit(
    store: &Store,
    actor: &ActorRecord,
    post: &PostRecord,
    changes: &PostChanges,
) -> Result<PostRecord, PublishError> {
    let current = PostInput::of_post(post);
    let input = PostInput {
        title: changes.title.clone().unwrap_or(current.title.clone()),
        body_markdown: changes
            .body_markdown
            .clone()
            .unwrap_or(current.body_markdown.clone()),
        summary: changes.summary.clone().unwrap_or(current.summary.clone()),
        categories: changes
            .categories
            .clone()
            .unwrap_or(current.categories.clone()),
        pinned: changes.pinned.unwrap_or(current.pinned),
        ..current
    };
    replace(store, actor, post, &input, None).await
}

/// Replaces a published post with what the operator wrote; it federates as an Update.
#[tracing::instrument(skip_all, fields(post = %post.public_id))]
pub async fn replace(
    store: &Store,
    actor: &ActorRecord,
    post: &PostRecord,
    input: &PostInput,
    on_behalf_of: Option<&str>,
) -> Result<PostRecord, PublishError> {
    if post.deleted_at.is_some() {
        return Err(InvalidInput(strings::POST_DELETED).into());
    }
    let input = PostInput {
        published_at: None,
        ..with_site_defaults(store, input).await?
    };
    let mut content = input::validate(&input, now_ms())?;
    content.on_behalf_of = on_behalf_of.map(str::to_string);
    Ok(store
        .edit_post(
            post.id,
            &content,
            &activity(actor, ActivityKind::Update),
            now_ms(),
        )
        .await?)
}

#[tracing::instrument(skip_all, fields(post = %post.public_id))]
pub async fn delete(
    store: &Store,
    actor: &ActorRecord,
    post: &PostRecord,
    on_behalf_of: Option<&str>,
) -> Result<(), PublishError> {
    if post.deleted_at.is_some() {
        return Err(InvalidInput(strings::POST_DELETED).into());
    }
    Ok(store
        .delete_post(
            post.id,
            &activity(actor, ActivityKind::Delete),
            on_behalf_of,
            now_ms(),
        )
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_ids_differ() {
        assert_ne!(new_public_id(), new_public_id());
    }
}
