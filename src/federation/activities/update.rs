//! An Update: of the actor itself, its profile is fetched again (at most once a minute);
//! of one of its notes, the note's text is replaced.

use super::{Data, IncomingActivity};
use crate::{
    clock::now_ms,
    federation::{actor::DbActor, protocol::incoming::object_id},
};
use activitypub_federation::fetch::object_id::ObjectId;
use anyhow::Context;
use serde_json::Value;

pub async fn act(data: &Data, activity: &IncomingActivity, object: &Value) -> anyhow::Result<()> {
    let id = object_id(object).unwrap_or_default();
    if id == activity.actor.as_str() {
        // A profile update: refetch the actor rather than trust the inline copy, but not
        // more than once a minute, so a flood of Updates costs one fetch.
        let fresh = data
            .store
            .actor_by_ap_id(id)
            .await?
            .is_some_and(|actor| now_ms() - actor.refreshed_at < 60_000);
        if fresh {
            return Ok(());
        }
        let url = url::Url::parse(id).context("the actor id is not a URL")?;
        ObjectId::<DbActor>::from(url)
            .dereference_forced(data)
            .await
            .map_err(|err| anyhow::anyhow!("refreshing actor {id}: {err}"))?;
        return Ok(());
    }
    if !object.is_object() {
        return Ok(());
    }
    if let Some(author) = data.store.actor_by_ap_id(activity.actor.as_str()).await? {
        data.store
            .update_remote_note(
                id,
                author.id,
                &super::create::content_html(object),
                &crate::quota::SERVER,
                now_ms(),
            )
            .await?;
    }
    Ok(())
}
