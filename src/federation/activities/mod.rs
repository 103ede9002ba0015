//! Acting on a received activity, one file per kind: `follow`, `undo`, `block`,
//! `answer` (an Accept or Reject of our Follow), `create`, `update`, `delete`,
//! `reaction` (a Like or Announce of our post), `moving` (an account that moved),
//! `quote` (a QuoteRequest), and
//! `village` for what a followed village sends a portal. The activity arrives read by
//! `protocol::incoming`; received activities become domain changes here, through the
//! domain rooms and the store. What is refused on purpose is told apart from what
//! failed by type ([`ActError`]), so the inbox worker records the one and retries the
//! other.

mod answer;
mod block;
mod create;
mod delete;
mod follow;
mod moving;
mod quote;
mod reaction;
mod undo;
mod update;
mod village;

use super::{Data, actor::DbActor, inbox::IncomingActivity, protocol::incoming::Received};
use crate::{
    aspirations::moderation::{MessageError, NotAccepted},
    config::Role,
    portal::ingest::LiveVillagePost,
    store::{ActorRecord, VillageRecord},
};
use activitypub_federation::fetch::object_id::ObjectId;
use anyhow::Context;
use std::collections::HashMap;

/// Why acting on a received activity did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ActError {
    /// Refused on purpose (a blocked author, a limit, a note for none of our actors):
    /// the reason is recorded with the activity, which is never retried.
    #[error(transparent)]
    NotAccepted(#[from] NotAccepted),
    /// Failed for a reason that may pass (a fetch, the database): retried.
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

impl From<MessageError> for ActError {
    fn from(err: MessageError) -> Self {
        match err {
            MessageError::NotAccepted(reason) => Self::NotAccepted(reason),
            MessageError::Failed(err) => Self::Failed(err),
        }
    }
}

/// Acts on one received activity. Only a Follow and a Create can be refused on purpose;
/// the other kinds either act or fail.
pub async fn act(data: &Data, activity: &IncomingActivity) -> Result<(), ActError> {
    let received = Received::read(activity);
    if matches!(
        received,
        Received::Create(_) | Received::Update(_) | Received::Delete { .. }
    ) && let Some(village) = village_of(data, activity.actor.as_str()).await?
    {
        return Ok(village::act(data, &village, activity, received).await?);
    }
    match received {
        Received::Follow { target } => follow::act(data, activity, &target).await,
        Received::Create(object) => create::act(data, activity, &object).await,
        Received::Undo(undone) => Ok(undo::act(data, activity, undone).await?),
        Received::Block { target } => Ok(block::act(data, activity, &target).await?),
        Received::Answer { accepted, follow } => {
            Ok(answer::act(data, activity, accepted, follow.as_deref()).await?)
        }
        Received::Update(object) => Ok(update::act(data, activity, &object).await?),
        Received::Delete { target } => Ok(delete::act(data, activity, &target).await?),
        Received::Reaction { kind, target } => {
            Ok(reaction::act(data, activity, kind, &target).await?)
        }
        Received::Move { object, target } => moving::act(data, activity, &object, &target).await,
        Received::QuoteRequest { target, instrument } => {
            quote::act(data, activity, &target, &instrument).await
        }
        Received::Other => Ok(()),
    }
}

/// What a batch of activities looks up once rather than once per activity: the village
/// each actor is, and the portal's own actor.
#[derive(Default)]
pub struct Lookups {
    villages: HashMap<String, Option<VillageRecord>>,
    portal_actor: Option<Option<i64>>,
}

impl Lookups {
    /// Reads at once the villages of every actor of `activities` that may carry a village
    /// post (a portal's Creates and Updates), so that [`live_post`] reads none of them.
    pub async fn read_villages(
        &mut self,
        data: &Data,
        activities: &[&IncomingActivity],
    ) -> anyhow::Result<()> {
        if data.config.role != Role::Portal {
            return Ok(());
        }
        let mut actors: Vec<&str> = activities
            .iter()
            .filter(|activity| matches!(activity.kind.as_str(), "Create" | "Update"))
            .map(|activity| activity.actor.as_str())
            .filter(|actor| !self.villages.contains_key(*actor))
            .collect();
        actors.sort_unstable();
        actors.dedup();
        if actors.is_empty() {
            return Ok(());
        }
        let found = data.store.villages_of_actors(&actors).await?;
        for actor in actors {
            self.villages.insert(actor.to_string(), None);
        }
        for (actor, village) in found {
            self.villages.insert(actor, Some(village));
        }
        Ok(())
    }
}

/// The village post `activity` carries, when storing it is all that acting on it does
/// (the portal's hot path: such posts are stored together with the others of their
/// batch, by `portal::ingest::receive_posts`); `None` for anything else, which [`act`]
/// acts on alone. Reads only: nothing is changed until the batch is stored.
pub async fn live_post(
    data: &Data,
    activity: &IncomingActivity,
    lookups: &mut Lookups,
) -> anyhow::Result<Option<LiveVillagePost>> {
    let object = match activity.kind.as_str() {
        "Create" | "Update" => match activity.object() {
            Some(object @ serde_json::Value::Object(_)) => object,
            _ => return Ok(None),
        },
        _ => return Ok(None),
    };
    if village::is_profile(activity, object) {
        return Ok(None);
    }
    let actor = activity.actor.as_str();
    let village = match lookups.villages.get(actor) {
        Some(known) => known.clone(),
        None => {
            let found = village_of(data, actor).await?;
            lookups.villages.insert(actor.to_string(), found.clone());
            found
        }
    };
    let Some(village) = village else {
        return Ok(None);
    };
    let portal_actor = match lookups.portal_actor {
        Some(known) => known,
        None => {
            let found = village::publishing_actor_id(data).await;
            lookups.portal_actor = Some(found);
            found
        }
    };
    Ok(village::live_post(&village, activity, object, portal_actor))
}

/// A remote actor as we store it, fetched when we do not have it yet.
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

/// Our actor at `url`, if it names one.
async fn local_actor_at(data: &Data, url: &str) -> anyhow::Result<Option<ActorRecord>> {
    match data.urls.actor_username(url) {
        Some(name) => data.store.local_actor_by_username(name).await,
        None => Ok(None),
    }
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
