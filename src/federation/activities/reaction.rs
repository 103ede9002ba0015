//! A Like or an Announce (a boost) of one of our posts: kept once per person, to be
//! counted on the post (`store::responses`); an Undo takes it back. Of anything else
//! (a remote post, one of our actors, a deleted post) nothing is kept: a count is all
//! we show, and a Like of nothing here would only fill the disk.

use super::{Data, IncomingActivity, remote_actor};
use crate::{
    clock::now_ms,
    federation::protocol::incoming::Reaction,
    store::{ActorRecord, PostRecord, ResponseKind},
};

fn kind_of(reaction: Reaction) -> ResponseKind {
    match reaction {
        Reaction::Like => ResponseKind::Like,
        Reaction::Announce => ResponseKind::Announce,
    }
}

/// Our live post at `url`, if it names one.
pub(super) async fn local_post_at(data: &Data, url: &str) -> anyhow::Result<Option<PostRecord>> {
    let Some(public_id) = data.urls.post_public_id(url) else {
        return Ok(None);
    };
    Ok(data
        .store
        .post_by_public_id(public_id)
        .await?
        .filter(|post| post.deleted_at.is_none()))
}

pub async fn act(
    data: &Data,
    activity: &IncomingActivity,
    reaction: Reaction,
    target: &str,
) -> anyhow::Result<()> {
    let Some(post) = local_post_at(data, target).await? else {
        return Ok(());
    };
    let actor = remote_actor(data, activity.actor.as_str()).await?;
    let kept = data
        .store
        .add_post_response(
            post.id,
            actor.id,
            kind_of(reaction),
            activity.id.as_str(),
            now_ms(),
        )
        .await?;
    tracing::info!(post = %post.public_id, actor = %actor.ap_id, ?reaction, kept, "a post was liked or boosted");
    Ok(())
}

/// An Undo of `actor`'s Like or Announce `id` of `target`.
pub async fn undo(
    data: &Data,
    actor: &ActorRecord,
    reaction: Reaction,
    id: &str,
    target: &str,
) -> anyhow::Result<()> {
    let post = local_post_at(data, target).await?;
    data.store
        .remove_post_responses(actor.id, &[kind_of(reaction)], id, post.map(|post| post.id))
        .await?;
    Ok(())
}
