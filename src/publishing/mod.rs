//! Writing, editing and deleting posts. Each use-case validates the operator's input,
//! renders the Markdown to safe HTML and hands the store one transaction holding the
//! change, its activity and its deliveries. Publishing enqueues; it never sends.

pub mod markdown;

use crate::{
    clock::now_ms,
    store::{ActorRecord, NewActivity, PostContent, PostRecord, Store},
};
use rand::Rng;

pub const MAX_TITLE_CHARS: usize = 300;
pub const MAX_SUMMARY_CHARS: usize = 1_000;
pub const MAX_BODY_BYTES: usize = 200_000;
pub const MAX_CATEGORIES: usize = 10;

/// What an operator writes.
#[derive(Clone, Debug, Default)]
pub struct PostInput {
    pub title: String,
    pub body_markdown: String,
    pub summary: String,
    pub categories: Vec<String>,
    pub pinned: bool,
    /// Publication time in Unix ms when not now: for posts brought over from an old site.
    pub published_at: Option<i64>,
}

/// Changes to a post; `None` keeps the current value.
#[derive(Clone, Debug, Default)]
pub struct PostChanges {
    pub title: Option<String>,
    pub body_markdown: Option<String>,
    pub summary: Option<String>,
    pub categories: Option<Vec<String>>,
    pub pinned: Option<bool>,
}

/// A category name usable as a hashtag: letters, digits and `_`, at most 50.
pub fn parse_category(input: &str) -> anyhow::Result<String> {
    let name = input.trim().trim_start_matches('#');
    if name.is_empty()
        || name.chars().count() > 50
        || !name.chars().all(|c| c.is_alphanumeric() || c == '_')
    {
        anyhow::bail!(
            "category {input:?} is not valid: use letters, digits and '_' only, at most 50 (for example Pengumuman)"
        );
    }
    Ok(name.to_string())
}

fn validate(input: &PostInput) -> anyhow::Result<PostContent> {
    if input
        .published_at
        .is_some_and(|at| at > crate::clock::now_ms() + 60_000)
    {
        anyhow::bail!(
            "the publication date is in the future; scheduled posts are not supported yet"
        );
    }
    let title = input.title.trim();
    if title.is_empty() {
        anyhow::bail!("the title is empty");
    }
    if title.chars().count() > MAX_TITLE_CHARS {
        anyhow::bail!("the title is longer than {MAX_TITLE_CHARS} characters");
    }
    let summary = input.summary.trim();
    if summary.chars().count() > MAX_SUMMARY_CHARS {
        anyhow::bail!("the summary is longer than {MAX_SUMMARY_CHARS} characters");
    }
    if input.body_markdown.trim().is_empty() {
        anyhow::bail!("the body is empty");
    }
    if input.body_markdown.len() > MAX_BODY_BYTES {
        anyhow::bail!("the body is longer than {} kB", MAX_BODY_BYTES / 1000);
    }
    if input.categories.len() > MAX_CATEGORIES {
        anyhow::bail!("a post may have at most {MAX_CATEGORIES} categories");
    }
    let mut categories = Vec::new();
    for category in &input.categories {
        let category = parse_category(category)?;
        if !categories
            .iter()
            .any(|c: &String| c.eq_ignore_ascii_case(&category))
        {
            categories.push(category);
        }
    }
    Ok(PostContent {
        title: title.to_string(),
        summary: summary.to_string(),
        body_markdown: input.body_markdown.clone(),
        body_html: markdown::render(&input.body_markdown),
        categories,
        language: "id".to_string(),
        pinned: input.pinned,
        published_at: input.published_at,
    })
}

/// A random public id for posts and activities: 16 characters of a-z0-9, so that an id
/// is never reused even across a database restored from a backup.
pub fn new_public_id() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::thread_rng();
    (0..16)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

fn activity(actor: &ActorRecord, kind: &str) -> NewActivity {
    NewActivity {
        public_id: new_public_id(),
        actor_id: actor.id,
        kind: kind.to_string(),
        post_id: None,
        object_json: None,
    }
}

#[tracing::instrument(skip_all, fields(actor = %actor.username))]
pub async fn publish(
    store: &Store,
    actor: &ActorRecord,
    input: &PostInput,
) -> anyhow::Result<PostRecord> {
    let content = validate(input)?;
    let post = store
        .publish_post(
            &new_public_id(),
            actor.id,
            &content,
            &activity(actor, "Create"),
            now_ms(),
        )
        .await?;
    tracing::info!(post = %post.public_id, "published");
    Ok(post)
}

#[tracing::instrument(skip_all, fields(post = %post.public_id))]
pub async fn edit(
    store: &Store,
    actor: &ActorRecord,
    post: &PostRecord,
    changes: &PostChanges,
) -> anyhow::Result<PostRecord> {
    if post.deleted_at.is_some() {
        anyhow::bail!("this post was deleted and can no longer be edited");
    }
    let input = PostInput {
        title: changes.title.clone().unwrap_or_else(|| post.title.clone()),
        body_markdown: changes
            .body_markdown
            .clone()
            .unwrap_or_else(|| post.body_markdown.clone()),
        summary: changes
            .summary
            .clone()
            .unwrap_or_else(|| post.summary.clone()),
        categories: changes
            .categories
            .clone()
            .unwrap_or_else(|| post.category_list()),
        pinned: changes.pinned.unwrap_or(post.pinned),
        published_at: None,
    };
    let content = validate(&input)?;
    store
        .edit_post(post.id, &content, &activity(actor, "Update"), now_ms())
        .await
}

#[tracing::instrument(skip_all, fields(post = %post.public_id))]
pub async fn delete(store: &Store, actor: &ActorRecord, post: &PostRecord) -> anyhow::Result<()> {
    if post.deleted_at.is_some() {
        anyhow::bail!("this post was already deleted");
    }
    store
        .delete_post(post.id, &activity(actor, "Delete"), now_ms())
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ten_thousand_character_title_is_refused() {
        let input = PostInput {
            title: "a".repeat(10_000),
            body_markdown: "isi".into(),
            ..Default::default()
        };
        assert!(validate(&input).is_err());
    }

    #[test]
    fn categories_are_deduplicated_and_checked() {
        let input = PostInput {
            title: "Judul".into(),
            body_markdown: "isi".into(),
            categories: vec!["Berita".into(), "#berita".into()],
            ..Default::default()
        };
        assert_eq!(
            validate(&input).map(|c| c.categories).ok(),
            Some(vec!["Berita".to_string()])
        );
        assert!(parse_category("bad tag!").is_err());
    }

    #[test]
    fn public_ids_differ() {
        assert_ne!(new_public_id(), new_public_id());
    }
}
