//! What a followed village sends a portal: its posts created, edited or deleted (kept on
//! the portal's timeline, new ones announced to the portal's followers), its profile
//! updated, or its account deleted.

use super::{Data, IncomingActivity};
use crate::{
    federation::{protocol::incoming::Received, village_post},
    portal::{self, ingest::LiveVillagePost},
    store::VillageRecord,
};
use serde_json::Value;

pub async fn act(
    data: &Data,
    village: &VillageRecord,
    activity: &IncomingActivity,
    received: Received,
) -> anyhow::Result<()> {
    let object = match received {
        Received::Delete { target } if target == activity.actor.as_str() => {
            return super::delete::act(data, activity, &target).await;
        }
        Received::Delete { target } => {
            return portal::ingest::delete_post(data.app_data(), village, &target).await;
        }
        Received::Create(object) | Received::Update(object) => object,
        _ => return Ok(()),
    };
    if is_profile(activity, &object) {
        return super::update::act(data, activity, &object).await;
    }
    let portal_actor = publishing_actor_id(data).await;
    let Some(live) = live_post(village, activity, &object, portal_actor) else {
        return Ok(());
    };
    portal::ingest::receive_post(data.app_data(), live).await?;
    Ok(())
}

/// The portal's own actor, which announces new village posts (`None`: nothing is
/// announced, as when the node has no actor yet).
pub(super) async fn publishing_actor_id(data: &Data) -> Option<i64> {
    crate::actors::find_publishing_actor(&data.store, None)
        .await
        .ok()
        .map(|actor| actor.id)
}

/// Whether a Create or Update carries the village's own actor (a new profile).
pub(super) fn is_profile(activity: &IncomingActivity, object: &Value) -> bool {
    object.get("id").and_then(Value::as_str) == Some(activity.actor.as_str())
}

/// The post a village's Create or Update (`object`, not its profile) carries, with the
/// portal's Announce when it is a Create and `portal_actor` is known; `None` when the
/// object is not a post (nothing is done with it).
pub(super) fn live_post(
    village: &VillageRecord,
    activity: &IncomingActivity,
    object: &Value,
    portal_actor: Option<i64>,
) -> Option<LiveVillagePost> {
    let Value::Object(map) = object else {
        return None;
    };
    let post = village_post::from_object(map, village.id)?;
    let announce = portal_actor
        .filter(|_| activity.kind == "Create")
        .map(|portal| village_post::announce(&post.ap_id, activity.actor.as_str(), portal));
    Some(LiveVillagePost {
        village: village.clone(),
        post,
        announce,
    })
}
