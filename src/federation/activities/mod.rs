//! Acting on a received activity, one file per kind: `follow`, `undo`, `block`,
//! `answer` (an Accept or Reject of our Follow), `create`, `update`, `delete`, and
//! `village` for what a followed village sends a portal. The activity arrives read by
//! `protocol::incoming`; received activities become domain changes here, through the
//! domain rooms and the store.

mod answer;
mod block;
mod create;
mod delete;
mod follow;
mod undo;
mod update;
mod village;

use super::{Data, actor::DbActor, inbox::IncomingActivity, protocol::incoming::Received};
use crate::{
    config::Role,
    store::{ActorRecord, VillageRecord},
};
use activitypub_federation::fetch::object_id::ObjectId;
use anyhow::Context;

/// Acts on one received activity.
pub async fn act(data: &Data, activity: &IncomingActivity) -> anyhow::Result<()> {
    let received = Received::read(activity);
    if matches!(
        received,
        Received::Create(_) | Received::Update(_) | Received::Delete { .. }
    ) && let Some(village) = village_of(data, activity.actor.as_str()).await?
    {
        return village::act(data, &village, activity, received).await;
    }
    match received {
        Received::Follow { target } => follow::act(data, activity, &target).await,
        Received::Undo(undone) => undo::act(data, activity, undone).await,
        Received::Block { target } => block::act(data, activity, &target).await,
        Received::Answer { accepted, follow } => {
            answer::act(data, activity, accepted, follow.as_deref()).await
        }
        Received::Create(object) => create::act(data, activity, &object).await,
        Received::Update(object) => update::act(data, activity, &object).await,
        Received::Delete { target } => delete::act(data, activity, &target).await,
        Received::Other => Ok(()),
    }
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
