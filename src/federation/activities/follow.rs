//! A Follow of one of our actors: the follower is kept and an Accept queued with it, in
//! one transaction. Follows are never held for approval; a blocked account or server
//! is not followed.

use super::{ActError, Data, IncomingActivity, local_actor_at, remote_actor};
use crate::{
    aspirations::moderation::{self, NotAccepted},
    clock::now_ms,
    publishing::new_public_id,
    store::{NewActivity, NewFollow},
};

/// The Follow an Accept embeds: its id, type, actor and object, which is what servers
/// match an Accept by. Not the body as received: that is up to 1 MiB of whatever the
/// sender put in it, and our activities are kept for good.
fn follow_to_accept(activity: &IncomingActivity, target: &str) -> String {
    serde_json::json!({
        "id": activity.id,
        "type": "Follow",
        "actor": activity.actor,
        "object": target,
    })
    .to_string()
}

pub async fn act(data: &Data, activity: &IncomingActivity, target: &str) -> Result<(), ActError> {
    let Some(local) = local_actor_at(data, target).await? else {
        return Ok(());
    };
    let follower = remote_actor(data, activity.actor.as_str()).await?;
    if moderation::block_of(&data.store, &follower.ap_id, &follower.host)
        .await?
        .is_some()
    {
        return Err(NotAccepted("not followed: this account or server is blocked".into()).into());
    }
    let accept = NewActivity {
        public_id: new_public_id(),
        actor_id: local.id,
        kind: crate::store::ActivityKind::Accept,
        post_id: None,
        object_json: Some(follow_to_accept(activity, target)),
    };
    let follow = NewFollow {
        local_actor_id: local.id,
        remote_actor_id: follower.id,
        follow_ap_id: activity.id.to_string(),
        accept_inbox: follower.inbox_url.clone(),
        host: follower.host.clone(),
    };
    data.store
        .add_follower_with_accept(&follow, &accept, now_ms())
        .await?;
    data.wake_delivery.notify_one();
    tracing::info!(follower = %follower.ap_id, actor = %local.username, "new follower accepted");
    Ok(())
}
