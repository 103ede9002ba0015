//! An Accept or Reject of one of our Follows: the portal following a village. Only the
//! village's own actor may answer for it.

use super::{Data, IncomingActivity, village_of};
use crate::portal;

pub async fn act(
    data: &Data,
    activity: &IncomingActivity,
    accepted: bool,
    follow: Option<&str>,
) -> anyhow::Result<()> {
    let by_follow = match follow {
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
    portal::ingest::follow_answered(data.app_data(), &village, accepted).await
}
