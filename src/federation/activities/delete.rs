//! A Delete: of the actor itself, we forget what it had here (a message that opened a
//! ticket is withdrawn instead); of one of its notes, that note is withdrawn and, if
//! it replied to one of our posts, stops counting as a reply there.

use super::{Data, IncomingActivity};
use crate::{clock::now_ms, store::ResponseKind};

pub async fn act(data: &Data, activity: &IncomingActivity, target: &str) -> anyhow::Result<()> {
    let Some(actor) = data.store.actor_by_ap_id(activity.actor.as_str()).await? else {
        return Ok(());
    };
    if target == actor.ap_id {
        data.store.delete_remote_actor(actor.id, now_ms()).await?;
        tracing::info!(actor = %actor.ap_id, "remote actor deleted; forgot what it had here");
    } else {
        data.store
            .delete_remote_note(target, actor.id, now_ms())
            .await?;
        data.store
            .remove_post_responses(actor.id, &[ResponseKind::Reply], target, None)
            .await?;
    }
    Ok(())
}
