//! The inbox worker: acts on stored activities, each once. Follow stores the follower
//! and queues the Accept; Undo and Block remove it; Delete of an actor forgets what it
//! had; replies and mentions are kept for the aspirations feature.

use super::{
    Data, PUBLIC,
    actor::DbActor,
    inbox::{IncomingActivity, first_id, object_id},
    village_post,
};
use crate::{
    aspirations::{self, intake::Channel, moderation::NotAccepted},
    clock::now_ms,
    config::Role,
    portal,
    publishing::markdown::sanitize,
    publishing::new_public_id,
    store::VillageRecord,
    store::{ActorRecord, InboxClaim, NewActivity, NewFollow, NewRemoteNote},
};
use activitypub_federation::fetch::object_id::ObjectId;
use anyhow::Context;
use futures::StreamExt;
use serde_json::Value;
use std::time::Duration;

/// Activities claimed at once and processed concurrently, so that one slow remote
/// server (an actor fetch waits up to the request timeout) does not hold up the others.
const BATCH: usize = 8;
/// A claim outlives the slowest processing of a batch: a few fetches per activity.
const LEASE_MS: i64 = 120_000;
const MAX_ATTEMPTS: i64 = 5;
const POLL: Duration = Duration::from_secs(1);

/// Runs until the process ends. Processed activities are forgotten by
/// [`crate::retention`], not here.
pub async fn run(data: Data) {
    loop {
        let now = now_ms();
        let claims = match data
            .store
            .claim_inbox(now, now + LEASE_MS, BATCH as i64)
            .await
        {
            Ok(claims) => claims,
            Err(err) => {
                tracing::error!(error = %format!("{err:#}"), "inbox worker cannot claim");
                Vec::new()
            }
        };
        if claims.is_empty() {
            let _ = tokio::time::timeout(POLL, data.wake_inbox.notified()).await;
            continue;
        }
        futures::stream::iter(claims)
            .for_each_concurrent(BATCH, |claim| {
                let data = data.reset_request_count();
                async move { process_one(&data, claim).await }
            })
            .await;
    }
}

#[tracing::instrument(skip_all, fields(id = %claim.ap_id, kind = %claim.kind))]
async fn process_one(data: &Data, claim: InboxClaim) {
    let outcome = handle(data, &claim).await;
    let lease = claim.locked_until;
    let result = match outcome {
        Ok(()) => data.store.finish_inbox(claim.id, lease, "done", None).await,
        // Refused on purpose (a blocked author, a limit): recorded, never retried.
        Err(err) if err.downcast_ref::<NotAccepted>().is_some() => {
            let reason = format!("{err:#}");
            tracing::info!(reason = %reason, "dropped an activity");
            data.store
                .finish_inbox(claim.id, lease, "dropped", Some(&reason))
                .await
        }
        Err(err) if claim.attempts + 1 >= MAX_ATTEMPTS => {
            let reason = format!("{err:#}");
            tracing::warn!(error = %reason, "gave up processing an activity");
            data.store
                .finish_inbox(claim.id, lease, "failed", Some(&reason))
                .await
        }
        Err(err) => {
            let delay = 30_000 * (1 << claim.attempts.clamp(0, 10));
            let reason = format!("{err:#}");
            tracing::info!(error = %reason, "will retry processing an activity");
            data.store
                .retry_inbox(claim.id, lease, now_ms() + delay, &reason)
                .await
        }
    };
    if let Err(err) = result {
        tracing::error!(error = %format!("{err:#}"), "cannot record the outcome of an activity");
    }
}

async fn remote_actor(data: &Data, id: &str) -> anyhow::Result<ActorRecord> {
    if let Some(actor) = data.store.actor_by_ap_id(id).await? {
        return Ok(actor);
    }
    let url = url::Url::parse(id).context("the actor id is not a URL")?;
    let actor = ObjectId::<DbActor>::from(url)
        .dereference(data)
        .await
        .map_err(|err| anyhow::anyhow!("fetching actor {id}: {err}"))?;
    Ok(actor.record)
}

async fn local_actor_at(data: &Data, url: &str) -> anyhow::Result<Option<ActorRecord>> {
    match data.urls.actor_username(url) {
        Some(name) => data.store.local_actor_by_username(name).await,
        None => Ok(None),
    }
}

async fn handle(data: &Data, claim: &InboxClaim) -> anyhow::Result<()> {
    let activity: IncomingActivity =
        serde_json::from_str(&claim.body).context("reading the stored activity")?;
    let object = activity.object().cloned().unwrap_or(Value::Null);
    match activity.kind.as_str() {
        "Follow" => follow(data, &activity, &object).await,
        "Undo" => undo(data, &activity, &object).await,
        "Block" => {
            let follower = remote_actor(data, activity.actor.as_str()).await?;
            if let Some(local) =
                local_actor_at(data, object_id(&object).unwrap_or_default()).await?
            {
                data.store
                    .remove_follower(Some(local.id), follower.id, None)
                    .await?;
            }
            Ok(())
        }
        "Accept" | "Reject" => follow_answer(data, &activity, &object).await,
        "Create" | "Update" | "Delete" => match village_of(data, activity.actor.as_str()).await? {
            Some(village) => village_activity(data, &village, &activity, &object).await,
            None if activity.kind == "Create" => create(data, &activity, &object).await,
            None if activity.kind == "Update" => update(data, &activity, &object).await,
            None => delete(data, &activity, &object).await,
        },
        _ => Ok(()),
    }
}

/// The Follow an Accept embeds: its id, type, actor and object, which is what servers
/// match an Accept by. Not the body as received: that is up to 1 MiB of whatever the
/// sender put in it, and our activities are kept for good.
fn follow_to_accept(activity: &IncomingActivity, object: &Value) -> String {
    serde_json::json!({
        "id": activity.id,
        "type": "Follow",
        "actor": activity.actor,
        "object": object_id(object).unwrap_or_default(),
    })
    .to_string()
}

async fn follow(data: &Data, activity: &IncomingActivity, object: &Value) -> anyhow::Result<()> {
    let Some(local) = local_actor_at(data, object_id(object).unwrap_or_default()).await? else {
        return Ok(());
    };
    let follower = remote_actor(data, activity.actor.as_str()).await?;
    if aspirations::moderation::block_of(&data.store, &follower.ap_id, &follower.host)
        .await?
        .is_some()
    {
        return Err(NotAccepted("not followed: this account or server is blocked".into()).into());
    }
    let accept = NewActivity {
        public_id: new_public_id(),
        actor_id: local.id,
        kind: "Accept".into(),
        post_id: None,
        object_json: Some(follow_to_accept(activity, object)),
    };
    let follow = NewFollow {
        local_actor_id: local.id,
        remote_actor_id: follower.id,
        follow_ap_id: activity.id.to_string(),
        accept_inbox: follower.inbox_url.clone(),
        host: follower.host.clone(),
    };
    data.store
        .add_follower_with_accept(&follow, &accept, now_ms())
        .await?;
    data.wake_delivery.notify_one();
    tracing::info!(follower = %follower.ap_id, actor = %local.username, "new follower accepted");
    Ok(())
}

async fn undo(data: &Data, activity: &IncomingActivity, object: &Value) -> anyhow::Result<()> {
    let Some(follower) = data.store.actor_by_ap_id(activity.actor.as_str()).await? else {
        return Ok(());
    };
    match object {
        Value::Object(inner) if inner.get("type").and_then(Value::as_str) == Some("Follow") => {
            let target = inner.get("object").and_then(object_id).unwrap_or_default();
            // Only the follow this Undo names: a late Undo of an old Follow must not
            // end a newer one, and an unknown target ends nothing.
            let Some(local) = local_actor_at(data, target).await? else {
                return Ok(());
            };
            let follow_id = inner.get("id").and_then(Value::as_str);
            data.store
                .remove_follower(Some(local.id), follower.id, follow_id)
                .await?;
        }
        Value::String(follow_id) => {
            data.store
                .remove_follower(None, follower.id, Some(follow_id))
                .await?;
        }
        _ => {}
    }
    Ok(())
}

/// The registered village an actor is, on a portal.
async fn village_of(data: &Data, actor: &str) -> anyhow::Result<Option<VillageRecord>> {
    if data.config.role != Role::Portal {
        return Ok(None);
    }
    match data.store.actor_by_ap_id(actor).await? {
        Some(actor) => data.store.village_by_actor(actor.id).await,
        None => Ok(None),
    }
}

/// A followed village created, edited or deleted a post (or updated its profile).
async fn village_activity(
    data: &Data,
    village: &VillageRecord,
    activity: &IncomingActivity,
    object: &Value,
) -> anyhow::Result<()> {
    if activity.kind == "Delete" {
        let target = object_id(object).unwrap_or_default();
        if target == activity.actor.as_str() {
            return delete(data, activity, object).await;
        }
        return portal::ingest::delete_post(data.app_data(), village, target).await;
    }
    let Value::Object(map) = object else {
        return Ok(());
    };
    if object_id(object) == Some(activity.actor.as_str()) {
        return update(data, activity, object).await;
    }
    let Some(post) = village_post::from_object(map, village.id) else {
        return Ok(());
    };
    let announce = match crate::actors::find_publishing_actor(&data.store, None).await {
        Ok(portal) if activity.kind == "Create" => Some(village_post::announce(
            &post.ap_id,
            activity.actor.as_str(),
            portal.id,
        )),
        _ => None,
    };
    portal::ingest::receive_post(data.app_data(), village, &post, announce).await?;
    Ok(())
}

/// An Accept or Reject of one of our Follows (the portal following a village).
async fn follow_answer(
    data: &Data,
    activity: &IncomingActivity,
    object: &Value,
) -> anyhow::Result<()> {
    let by_follow = match object_id(object) {
        Some(follow_id) => data.store.village_by_follow(follow_id).await?,
        None => None,
    };
    let village = match by_follow {
        Some(village) => Some(village),
        None => village_of(data, activity.actor.as_str()).await?,
    };
    let Some(village) = village else {
        return Ok(());
    };
    // Only the village's own actor may answer for it.
    let answered_by_village = match (
        village.actor_id,
        data.store.actor_by_ap_id(activity.actor.as_str()).await?,
    ) {
        (Some(expected), Some(actor)) => expected == actor.id,
        _ => false,
    };
    if !answered_by_village {
        return Ok(());
    }
    portal::ingest::follow_answered(data.app_data(), &village, activity.kind == "Accept").await
}

async fn delete(data: &Data, activity: &IncomingActivity, object: &Value) -> anyhow::Result<()> {
    let Some(actor) = data.store.actor_by_ap_id(activity.actor.as_str()).await? else {
        return Ok(());
    };
    let target = object_id(object).unwrap_or_default();
    if target == actor.ap_id {
        data.store.delete_remote_actor(actor.id, now_ms()).await?;
        tracing::info!(actor = %actor.ap_id, "remote actor deleted; forgot what it had here");
    } else {
        data.store
            .delete_remote_note(target, actor.id, now_ms())
            .await?;
    }
    Ok(())
}

const NOTE_TYPES: [&str; 4] = ["Note", "Article", "Page", "Question"];

/// The local actor a note is for: the author of the post it replies to, or an actor it
/// mentions or addresses.
async fn addressee(
    data: &Data,
    note: &serde_json::Map<String, Value>,
) -> anyhow::Result<Option<ActorRecord>> {
    if let Some(reply_to) = note.get("inReplyTo").and_then(object_id)
        && let Some(public_id) = data.urls.post_public_id(reply_to)
        && let Some(post) = data.store.post_by_public_id(public_id).await?
    {
        return data.store.actor_by_id(post.actor_id).await;
    }
    let mut candidates: Vec<String> = Vec::new();
    if let Some(Value::Array(tags)) = note.get("tag") {
        for tag in tags {
            if tag.get("type").and_then(Value::as_str) == Some("Mention")
                && let Some(href) = tag.get("href").and_then(Value::as_str)
            {
                candidates.push(href.to_string());
            }
        }
    }
    for field in ["to", "cc"] {
        match note.get(field) {
            Some(Value::Array(items)) => {
                candidates.extend(items.iter().filter_map(object_id).map(str::to_string))
            }
            Some(other) => candidates.extend(object_id(other).map(str::to_string)),
            None => {}
        }
    }
    for candidate in candidates {
        if let Some(local) = local_actor_at(data, &candidate).await? {
            return Ok(Some(local));
        }
    }
    Ok(None)
}

fn published_ms(note: &serde_json::Map<String, Value>) -> i64 {
    note.get("published")
        .and_then(Value::as_str)
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .map(|d| d.timestamp_millis())
        .unwrap_or_else(now_ms)
}

fn content_html(note: &serde_json::Map<String, Value>) -> String {
    let raw = note
        .get("content")
        .and_then(Value::as_str)
        .unwrap_or_default();
    sanitize(&raw.chars().take(100_000).collect::<String>())
}

async fn create(data: &Data, activity: &IncomingActivity, object: &Value) -> anyhow::Result<()> {
    let Value::Object(note) = object else {
        return Ok(());
    };
    if !note
        .get("type")
        .and_then(Value::as_str)
        .is_some_and(|t| NOTE_TYPES.contains(&t))
    {
        return Ok(());
    }
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
        ap_id: object_id(object).unwrap_or_default().to_string(),
        actor_id: author.id,
        local_actor_id: local.id,
        in_reply_to: note
            .get("inReplyTo")
            .and_then(object_id)
            .filter(|id| id.len() <= super::MAX_ID_BYTES)
            .map(str::to_string),
        content_html: content_html(note),
        // Shown as a link on admin pages: only an http(s) URL is kept.
        url: note
            .get("url")
            .and_then(first_id)
            .filter(|url| url.len() <= super::MAX_ID_BYTES)
            .and_then(crate::publishing::markdown::web_link)
            .map(str::to_string),
        published_at: published_ms(note),
    };
    if data.config.role != Role::Village {
        data.store
            .insert_remote_note(&record, &crate::quota::SERVER, now_ms())
            .await?;
        tracing::info!(note = %record.ap_id, actor = %local.username, "kept a reply or mention");
        return Ok(());
    }
    // On a village node every resident's message becomes a tracked ticket (aspirasi).
    let source_post = match record
        .in_reply_to
        .as_deref()
        .and_then(|url| data.urls.post_public_id(url))
    {
        Some(public_id) => data.store.post_by_public_id(public_id).await?,
        None => None,
    };
    let channel = Channel::of(is_public(note), source_post.is_some());
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
    }
    Ok(())
}

/// Addressed to everyone (`as:Public` in `to` or `cc`, in any of its spellings).
fn is_public(note: &serde_json::Map<String, Value>) -> bool {
    ["to", "cc"].iter().any(|field| {
        let ids: Vec<&str> = match note.get(*field) {
            Some(Value::Array(items)) => items.iter().filter_map(object_id).collect(),
            Some(other) => object_id(other).into_iter().collect(),
            None => Vec::new(),
        };
        ids.iter()
            .any(|id| matches!(*id, PUBLIC | "as:Public" | "Public"))
    })
}

async fn update(data: &Data, activity: &IncomingActivity, object: &Value) -> anyhow::Result<()> {
    let Value::Object(inner) = object else {
        return Ok(());
    };
    let id = object_id(object).unwrap_or_default();
    if id == activity.actor.as_str() {
        // A profile update: refetch the actor rather than trust the inline copy, but not
        // more than once a minute, so a flood of Updates costs one fetch.
        let fresh = data
            .store
            .actor_by_ap_id(id)
            .await?
            .is_some_and(|actor| now_ms() - actor.refreshed_at < 60_000);
        if fresh {
            return Ok(());
        }
        let url = url::Url::parse(id).context("the actor id is not a URL")?;
        ObjectId::<DbActor>::from(url)
            .dereference_forced(data)
            .await
            .map_err(|err| anyhow::anyhow!("refreshing actor {id}: {err}"))?;
        return Ok(());
    }
    if let Some(author) = data.store.actor_by_ap_id(activity.actor.as_str()).await? {
        data.store
            .update_remote_note(
                id,
                author.id,
                &content_html(inner),
                &crate::quota::SERVER,
                now_ms(),
            )
            .await?;
    }
    Ok(())
}
