//! A QuoteRequest (FEP-044f, as Mastodon 4.5 sends it): someone asks to quote one of
//! our posts with a note of theirs. The post says who may (`store::QuotePolicy`):
//! when the asker may, the approval stamp is kept and an Accept naming it queued, in
//! one transaction; otherwise a Reject is queued. Both go to the asker's inbox through
//! the delivery queue. The quoting note must be the asker's, on the asker's server,
//! and quote this post: read from the request when it is inline, else fetched.
//! Deleting the post revokes its stamps (`store::quotes`).

use super::{ActError, Data, IncomingActivity, reaction::local_post_at, remote_actor};
use crate::{
    aspirations::moderation::NotAccepted,
    clock::now_ms,
    federation::{
        MAX_ID_BYTES,
        actor::host_of,
        protocol::incoming::{NoteIn, object_id},
    },
    publishing::new_public_id,
    store::{
        ActivityKind, ActorRecord, NewActivity, NewQuoteAuthorization, PostRecord, QuotePolicy,
    },
};
use activitypub_federation::fetch::fetch_object_http;
use serde_json::{Value, json};
use url::Url;

fn refused(reason: impl Into<String>) -> ActError {
    NotAccepted(reason.into()).into()
}

pub async fn act(
    data: &Data,
    activity: &IncomingActivity,
    target: &str,
    instrument: &Value,
) -> Result<(), ActError> {
    let Some(post) = local_post_at(data, target).await? else {
        return Err(refused(
            "no QuoteRequest answered: it names no live post of ours",
        ));
    };
    let quote = quoting_note(data, activity, target, instrument).await?;
    let Some(village) = data.store.actor_by_id(post.actor_id).await? else {
        return Err(refused(
            "no QuoteRequest answered: the post's author is gone",
        ));
    };
    let asker = remote_actor(data, activity.actor.as_str()).await?;
    // What the answer embeds: the request as Mastodon serializes it, with the quoting
    // note by its id. Never the body as received, which is the sender's to fill.
    let request = json!({
        "type": "QuoteRequest",
        "id": activity.id,
        "actor": activity.actor,
        "object": target,
        "instrument": quote,
    })
    .to_string();
    let now = now_ms();
    if !may_quote(data, &post, &village, &asker).await? {
        let reject = answer(&village, ActivityKind::Reject, request);
        data.store
            .queue_answer(&reject, &asker.inbox_url, &asker.host, now)
            .await?;
        data.wake_delivery.notify_one();
        tracing::info!(post = %post.public_id, actor = %asker.ap_id, policy = %post.quote_policy, "a quote was refused");
        return Ok(());
    }
    let stamp = NewQuoteAuthorization {
        post_id: post.id,
        quoting_actor: asker.ap_id.clone(),
        quoting_inbox: asker.inbox_url.clone(),
        quoting_host: asker.host.clone(),
        quote_ap_id: quote.clone(),
        request_ap_id: activity.id.to_string(),
    };
    let accept = answer(&village, ActivityKind::Accept, request);
    if !data.store.approve_quote(&stamp, &accept, now).await? {
        return Err(refused(
            "no new QuoteRequest answered: this quote of this post was approved before",
        ));
    }
    data.wake_delivery.notify_one();
    tracing::info!(post = %post.public_id, actor = %asker.ap_id, quote = %quote, "a quote was approved");
    Ok(())
}

/// An Accept or a Reject by `village` of the QuoteRequest `request`; an Accept's
/// public id is also its stamp's.
fn answer(village: &ActorRecord, kind: ActivityKind, request: String) -> NewActivity {
    NewActivity {
        public_id: new_public_id(),
        actor_id: village.id,
        kind,
        post_id: None,
        object_json: Some(request),
    }
}

/// Whether the post's policy approves `asker` without asking anyone.
async fn may_quote(
    data: &Data,
    post: &PostRecord,
    village: &ActorRecord,
    asker: &ActorRecord,
) -> anyhow::Result<bool> {
    Ok(match post.quote_policy {
        QuotePolicy::Public => true,
        QuotePolicy::Followers => data.store.is_follower(village.id, &asker.ap_id).await?,
        QuotePolicy::Nobody => false,
    })
}

/// The id of the quoting note, once it is shown to be the asker's, on the asker's
/// server, and a quote of `target`.
async fn quoting_note(
    data: &Data,
    activity: &IncomingActivity,
    target: &str,
    instrument: &Value,
) -> Result<String, ActError> {
    let Some(id) = object_id(instrument) else {
        return Err(refused(
            "no QuoteRequest answered: it names no quoting note (instrument)",
        ));
    };
    if id.len() > MAX_ID_BYTES {
        return Err(refused(
            "no QuoteRequest answered: the quoting note's id is too long",
        ));
    }
    let Ok(url) = Url::parse(id) else {
        return Err(refused(
            "no QuoteRequest answered: the quoting note's id is not a URL",
        ));
    };
    if host_of(&url) != host_of(&activity.actor) {
        return Err(refused(
            "no QuoteRequest answered: the quoting note is not on the asker's server",
        ));
    }
    let fetched;
    let note = match instrument {
        Value::Object(_) => instrument,
        _ => {
            let data = data.reset_request_count();
            fetched = fetch_object_http::<_, Value>(&url, &data)
                .await
                .map_err(|err| {
                    tracing::info!(%url, error = %err, "the quoting note could not be fetched");
                    refused("no QuoteRequest answered: the quoting note could not be fetched")
                })?
                .object;
            &fetched
        }
    };
    let Some(note) = NoteIn::of(note) else {
        return Err(refused(
            "no QuoteRequest answered: the instrument is not a note",
        ));
    };
    if note.id() != Some(id) {
        return Err(refused(
            "no QuoteRequest answered: the quoting note has another id than it was named by",
        ));
    }
    if note.attributed_to() != Some(activity.actor.as_str()) {
        return Err(refused(
            "no QuoteRequest answered: the quoting note is not the asker's",
        ));
    }
    if note.quote() != Some(target) {
        return Err(refused(
            "no QuoteRequest answered: the quoting note does not quote this post",
        ));
    }
    Ok(id.to_string())
}
