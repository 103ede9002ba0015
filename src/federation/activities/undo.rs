//! An Undo: of a Follow, the follow ends. Other Undos (of a Like, an Announce) take
//! back nothing we keep.

use super::{Data, IncomingActivity, local_actor_at};
use crate::federation::protocol::incoming::Undone;

pub async fn act(data: &Data, activity: &IncomingActivity, undone: Undone) -> anyhow::Result<()> {
    let Some(follower) = data.store.actor_by_ap_id(activity.actor.as_str()).await? else {
        return Ok(());
    };
    match undone {
        Undone::Follow { id, target } => {
            // Only the follow this Undo names: a late Undo of an old Follow must not
            // end a newer one, and an unknown target ends nothing.
            let Some(local) = local_actor_at(data, &target).await? else {
                return Ok(());
            };
            data.store
                .remove_follower(Some(local.id), follower.id, id.as_deref())
                .await?;
        }
        Undone::ById(follow_id) => {
            data.store
                .remove_follower(None, follower.id, Some(&follow_id))
                .await?;
        }
        Undone::Other => {}
    }
    Ok(())
}
