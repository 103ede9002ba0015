//! An Undo: of a Follow, the follow ends; of a Like or an Announce of one of our posts,
//! it stops counting. An Undo naming only an id takes back whichever of those the
//! actor sent under that id.

use super::{Data, IncomingActivity, local_actor_at, reaction};
use crate::{federation::protocol::incoming::Undone, store::ResponseKind};

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
        Undone::Reaction { kind, id, target } => {
            reaction::undo(data, &follower, kind, &id, &target).await?;
        }
        Undone::ById(id) => {
            data.store
                .remove_follower(None, follower.id, Some(&id))
                .await?;
            data.store
                .remove_post_responses(
                    follower.id,
                    &[ResponseKind::Like, ResponseKind::Announce],
                    &id,
                    None,
                )
                .await?;
        }
        Undone::Other => {}
    }
    Ok(())
}
