//! The portal operator's curation of village posts: feature a post on the front page, or
//! hide it from the portal's timeline, API and feeds. Only the portal's copy changes;
//! nothing is sent to the village, whose post stays as it is. Shared by the admin API
//! and the command line, which both name a post by its number, its id or its URL.

use crate::store::{Store, VillagePostRecord};

#[derive(Debug, thiserror::Error)]
pub enum CurationError {
    #[error("the portal has no village post {0}")]
    UnknownPost(String),
    #[error(transparent)]
    Store(#[from] anyhow::Error),
}

/// The post named by `key`: the portal's number for it, its ActivityPub id or its URL.
pub async fn find_post(store: &Store, key: &str) -> Result<VillagePostRecord, CurationError> {
    let key = key.trim();
    let found = match key.parse::<i64>() {
        Ok(id) => store.village_post_by_id(id).await?,
        Err(_) => store.village_post_by_url(key).await?,
    };
    found.ok_or_else(|| CurationError::UnknownPost(key.to_string()))
}

/// Puts the post in (or takes it out of) the front page's featured block.
#[tracing::instrument(skip_all, fields(featured = featured))]
pub async fn feature(
    store: &Store,
    key: &str,
    featured: bool,
) -> Result<VillagePostRecord, CurationError> {
    let post = find_post(store, key).await?;
    store
        .set_village_post_flags(post.id, Some(featured), None)
        .await?;
    tracing::info!(post = post.id, "featured flag set");
    Ok(VillagePostRecord { featured, ..post })
}

/// Hides the post from everything public on the portal, or shows it again.
#[tracing::instrument(skip_all, fields(hidden = hidden))]
pub async fn hide(
    store: &Store,
    key: &str,
    hidden: bool,
) -> Result<VillagePostRecord, CurationError> {
    let post = find_post(store, key).await?;
    store
        .set_village_post_flags(post.id, None, Some(hidden))
        .await?;
    tracing::info!(post = post.id, "hidden flag set");
    Ok(VillagePostRecord { hidden, ..post })
}
