//! Bulk loading of village posts, **for benchmarks and imports only** (for example
//! `examples/bench_timeline.rs` seeding a million posts). Live ingest goes through
//! `ingest_village_post_and_announce` in `villages.rs`, which keeps the newest edit,
//! never revives a deleted post and queues the portal's Announce; none of that happens
//! here.

use super::BeginWrite;
use super::{NewVillagePost, Store, on_pool};
use anyhow::Context;
use std::collections::HashMap;

/// Posts per `INSERT` statement: 11 parameters each, well under SQLite's limit of
/// 32 766 parameters per statement and PostgreSQL's 65 535.
const POSTS_PER_STATEMENT: usize = 500;
/// Tags per `INSERT` statement: 2 parameters each.
const TAGS_PER_STATEMENT: usize = 2_000;

impl Store {
    /// Inserts `posts` and their tags (lower-cased) in ONE transaction, many rows per
    /// statement; a post whose `ap_id` is stored already is skipped with its tags.
    /// Returns how many posts were inserted. For benchmarks and imports only: see the
    /// module comment for what it does not do.
    pub async fn bulk_insert_village_posts(
        &self,
        posts: &[NewVillagePost],
        now: i64,
    ) -> anyhow::Result<u64> {
        let mut inserted = 0u64;
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await.context("starting a transaction")?;
            for chunk in posts.chunks(POSTS_PER_STATEMENT) {
                let mut insert = sqlx::QueryBuilder::new(
                    "INSERT INTO village_posts (ap_id, village_id, title, summary, content_html, \
                       url, image_url, from_feed, published_at, updated_at, received_at) ",
                );
                insert.push_values(chunk, |mut row, post| {
                    row.push_bind(&post.ap_id)
                        .push_bind(post.village_id)
                        .push_bind(&post.title)
                        .push_bind(&post.summary)
                        .push_bind(&post.content_html)
                        .push_bind(&post.url)
                        .push_bind(&post.image_url)
                        .push_bind(post.from_feed)
                        .push_bind(post.published_at)
                        .push_bind(post.updated_at)
                        .push_bind(now);
                });
                insert.push(" ON CONFLICT (ap_id) DO NOTHING RETURNING id, ap_id");
                let rows: Vec<(i64, String)> = insert
                    .build_query_as()
                    .fetch_all(&mut *tx)
                    .await
                    .context("bulk-inserting village posts")?;
                inserted += rows.len() as u64;
                let ids: HashMap<&str, i64> =
                    rows.iter().map(|(id, ap_id)| (ap_id.as_str(), *id)).collect();
                let mut tags: Vec<(i64, String, i64)> = Vec::new();
                for post in chunk {
                    if let Some(&id) = ids.get(post.ap_id.as_str()) {
                        let mut seen: Vec<String> = Vec::with_capacity(post.tags.len());
                        for tag in &post.tags {
                            let tag = tag.to_lowercase();
                            if !seen.contains(&tag) {
                                seen.push(tag.clone());
                                tags.push((id, tag, post.published_at));
                            }
                        }
                    }
                }
                for tag_chunk in tags.chunks(TAGS_PER_STATEMENT) {
                    let mut insert =
                        sqlx::QueryBuilder::new("INSERT INTO village_post_tags (post_id, tag, published_at) ");
                    insert.push_values(tag_chunk, |mut row, (id, tag, published_at)| {
                        row.push_bind(*id).push_bind(tag).push_bind(*published_at);
                    });
                    insert.push(" ON CONFLICT DO NOTHING");
                    insert
                        .build()
                        .execute(&mut *tx)
                        .await
                        .context("bulk-inserting tags")?;
                }
            }
            tx.commit().await.context("committing bulk-inserted village posts")?;
        });
        Ok(inserted)
    }
}
