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
            // An unknown target ends nothing. The follow is ended even when the Undo
            // names its Follow by another id than the one we stored, as Mastodon does:
            // Pixelfed sends its Follow as `…#follow/N` and undoes it as `…#follows/N`
            // (tests/fixtures/servers/pixelfed), and its people could never unfollow.
            let Some(local) = local_actor_at(data, &target).await? else {
                return Ok(());
            };
            let removed = data
                .store
                .remove_follower(Some(local.id), follower.id, id.as_deref())
                .await?;
            if removed == 0 && id.is_some() {
                data.store
                    .remove_follower(Some(local.id), follower.id, None)
                    .await?;
            }
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
