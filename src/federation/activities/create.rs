//! A Create of a note: a reply to one of our posts, or a message that mentions or is
//! addressed to one of our actors. On a village node it opens a numbered ticket
//! (aspirasi); elsewhere it is kept. A note for none of our actors is dropped with the
//! reason.

use super::{ActError, Data, IncomingActivity, local_actor_at, remote_actor};
pub use crate::federation::protocol::incoming::NoteIn;
use crate::{
    aspirations::{self, moderation::NotAccepted},
    clock::now_ms,
    config::Role,
    federation::MAX_ID_BYTES,
    publishing::markdown::{sanitize, web_link},
    store::{ActorRecord, NewRemoteNote, PostRecord, ResponseKind},
};
use serde_json::Value;

/// The most of a note's text we keep.
const MAX_CONTENT_CHARS: usize = 100_000;

/// A note's HTML as we keep it: bounded, then cleaned.
pub fn content_html(object: &Value) -> String {
    let raw = object
        .get("content")
        .and_then(Value::as_str)
        .unwrap_or_default();
    sanitize(&raw.chars().take(MAX_CONTENT_CHARS).collect::<String>())
}

/// The local actor a note is for: the author of the post it replies to, or an actor it
/// mentions or addresses.
async fn addressee(data: &Data, note: NoteIn<'_>) -> anyhow::Result<Option<ActorRecord>> {
    if let Some(reply_to) = note.in_reply_to()
        && let Some(public_id) = data.urls.post_public_id(reply_to)
        && let Some(post) = data.store.post_by_public_id(public_id).await?
    {
        return data.store.actor_by_id(post.actor_id).await;
    }
    let mut candidates = note.mentions();
    candidates.extend(note.audience());
    for candidate in candidates {
        if let Some(local) = local_actor_at(data, candidate).await? {
            return Ok(Some(local));
        }
    }
    Ok(None)
}

pub async fn act(data: &Data, activity: &IncomingActivity, object: &Value) -> Result<(), ActError> {
    let Some(note) = NoteIn::of(object) else {
        return Ok(());
    };
    let Some(local) = addressee(data, note).await? else {
        // A reply to a post that is not (or no longer) here, naming none of our actors.
        return Err(NotAccepted(
            "no ticket: it replies to no post of this node and addresses none of its actors".into(),
        )
        .into());
    };
    let author = remote_actor(data, activity.actor.as_str()).await?;
    aspirations::moderation::check_author(&data.store, &author).await?;
    let record = NewRemoteNote {
        ap_id: note.id().unwrap_or_default().to_string(),
        actor_id: author.id,
        local_actor_id: local.id,
        in_reply_to: note
            .in_reply_to()
            .filter(|id| id.len() <= MAX_ID_BYTES)
            .map(str::to_string),
        // Echoed in the village's answer: only an http(s) URL is kept.
        context: note
            .context()
            .filter(|id| id.len() <= MAX_ID_BYTES)
            .and_then(web_link)
            .map(str::to_string),
        content_html: content_html(object),
        // Shown as a link on admin pages: only an http(s) URL is kept.
        url: note
            .url()
            .filter(|url| url.len() <= MAX_ID_BYTES)
            .and_then(web_link)
            .map(str::to_string),
        published_at: note.published_ms().unwrap_or_else(now_ms),
    };
    let source_post = match record
        .in_reply_to
        .as_deref()
        .and_then(|url| data.urls.post_public_id(url))
    {
        Some(public_id) => data.store.post_by_public_id(public_id).await?,
        None => None,
    };
    if data.config.role != Role::Village {
        data.store
            .insert_remote_note(&record, &crate::quota::SERVER, now_ms())
            .await?;
        tracing::info!(note = %record.ap_id, actor = %local.username, "kept a reply or mention");
        count_reply(data, &record, note, source_post.as_ref()).await?;
        return Ok(());
    }
    // On a village node every resident's message becomes a tracked ticket (aspirasi).
    let channel = aspirations::intake::channel_of(note.is_public(), source_post.is_some());
    if let Some(number) = aspirations::intake::receive(
        &data.store,
        &data.config.aspirations,
        &record,
        channel,
        source_post.as_ref(),
        &aspirations::moderation::limits(&data.config.moderation),
    )
    .await?
    {
        tracing::info!(note = %record.ap_id, actor = %local.username, %number, channel = channel.as_str(), "opened a ticket");
        count_reply(data, &record, note, source_post.as_ref()).await?;
    }
    Ok(())
}

/// A public reply to one of our live posts counts on it (a direct message does not:
/// the count is public).
async fn count_reply(
    data: &Data,
    record: &NewRemoteNote,
    note: NoteIn<'_>,
    post: Option<&PostRecord>,
) -> anyhow::Result<()> {
    if let Some(post) = post
        && post.deleted_at.is_none()
        && note.is_public()
        && !record.ap_id.is_empty()
    {
        data.store
            .add_post_response(
                post.id,
                record.actor_id,
                ResponseKind::Reply,
                &record.ap_id,
                now_ms(),
            )
            .await?;
    }
    Ok(())
}
