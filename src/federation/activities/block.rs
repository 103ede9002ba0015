//! A Block of one of our actors: the blocker stops being a follower.

use super::{Data, IncomingActivity, local_actor_at, remote_actor};

pub async fn act(data: &Data, activity: &IncomingActivity, target: &str) -> anyhow::Result<()> {
    let follower = remote_actor(data, activity.actor.as_str()).await?;
    if let Some(local) = local_actor_at(data, target).await? {
        data.store
            .remove_follower(Some(local.id), follower.id, None)
            .await?;
    }
    Ok(())
}
