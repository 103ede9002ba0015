//! What a followed village sends a portal: its posts created, edited or deleted (kept on
//! the portal's timeline, new ones announced to the portal's followers), its profile
//! updated, or its account deleted.

use super::{Data, IncomingActivity};
use crate::{
    federation::{protocol::incoming::Received, village_post},
    portal,
    store::VillageRecord,
};
use serde_json::Value;

pub async fn act(
    data: &Data,
    village: &VillageRecord,
    activity: &IncomingActivity,
    received: Received,
) -> anyhow::Result<()> {
    let (object, created) = match received {
        Received::Delete { target } if target == activity.actor.as_str() => {
            return super::delete::act(data, activity, &target).await;
        }
        Received::Delete { target } => {
            return portal::ingest::delete_post(data.app_data(), village, &target).await;
        }
        Received::Create(object) => (object, true),
        Received::Update(object) => (object, false),
        _ => return Ok(()),
    };
    let Value::Object(map) = &object else {
        return Ok(());
    };
    if map.get("id").and_then(Value::as_str) == Some(activity.actor.as_str()) {
        return super::update::act(data, activity, &object).await;
    }
    let Some(post) = village_post::from_object(map, village.id) else {
        return Ok(());
    };
    let announce = match crate::actors::find_publishing_actor(&data.store, None).await {
        Ok(portal) if created => Some(village_post::announce(
            &post.ap_id,
            activity.actor.as_str(),
            portal.id,
        )),
        _ => None,
    };
    portal::ingest::receive_post(data.app_data(), village, &post, announce).await?;
    Ok(())
}
