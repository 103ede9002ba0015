//! The posts the portal keeps of its villages: ingest (once by id, newer copies replace
//! older ones, a deleted post never comes back), the timeline and its curation, and the
//! dates monitoring counts.

use super::{
    BeginWrite, Ingested, NewActivity, NewVillagePost, Store, TimelineFilter, VillagePostRecord,
    on_pool,
};
use anyhow::Context;

macro_rules! village_post_columns {
    () => {
        "p.id, p.ap_id, p.village_id, p.title, p.summary, p.content_html, p.url, p.image_url, \
         p.from_feed, p.published_at, p.updated_at, p.deleted_at, p.received_at, p.hidden, \
         p.featured, v.name AS village_name, v.district"
    };
}

/// A village post received live, with the portal's Announce to queue if it is new.
#[derive(Clone, Copy, Debug)]
pub struct LivePost<'a> {
    pub post: &'a NewVillagePost,
    pub announce: Option<&'a NewActivity>,
}

/// What ingest needs to know of a stored post: id, updated, deleted, village,
/// published.
type StoredPostState = (i64, Option<i64>, Option<i64>, i64, i64);

/// Inside a write transaction `$tx`, for a post just inserted as `$id`: its tags and, when
/// `$announce` (an `Option<&NewActivity>`) is given, the portal's Announce of it and its
/// deliveries. Evaluates to a future of `anyhow::Result<()>`.
macro_rules! complete_new_in {
    ($tx:ident, $id:expr, $post:expr, $announce:expr, $now:expr) => {
        async {
            for tag in &$post.tags {
                sqlx::query(INSERT_TAG)
                    .bind($id)
                    .bind(tag)
                    .bind($post.published_at)
                    .execute(&mut *$tx)
                    .await
                    .context("storing a tag")?;
            }
            announce_in!($tx, $announce, $now).await
        }
    };
}

/// Inside a write transaction `$tx`: queues the portal's Announce of a new post and its
/// deliveries, when `$announce` (an `Option<&NewActivity>`) is given.
macro_rules! announce_in {
    ($tx:ident, $announce:expr, $now:expr) => {
        async {
            if let Some(announce) = $announce {
                let activity_id = super::insert_activity!($tx, announce, announce.post_id, $now)
                    .await
                    .context("storing the Announce")?;
                super::fan_out!($tx, activity_id, announce.actor_id, $now)
                    .await
                    .context("queueing the Announce")?;
            }
            Ok::<(), anyhow::Error>(())
        }
    };
}

/// Inside a write transaction `$tx`, for a post whose id is stored already: a later copy
/// (a newer `updated`) replaces the stored one, a deleted post is never brought back, a
/// post of another village is left alone. Evaluates to a future of
/// `anyhow::Result<Ingested>`.
macro_rules! stored_again_in {
    ($tx:ident, $post:expr) => {
        async {
            let existing: Option<StoredPostState> = sqlx::query_as(
                "SELECT id, updated_at, deleted_at, village_id, published_at FROM village_posts WHERE ap_id = $1",
            )
            .bind(&$post.ap_id)
            .fetch_optional(&mut *$tx)
            .await
            .context("looking up a village post")?;
            let outcome = match existing {
                // Deleted by another process since the insert found it.
                None => Ingested::Unchanged,
                Some((_, _, Some(_), _, _)) => Ingested::Unchanged,
                Some((_, _, _, owner, _)) if owner != $post.village_id => Ingested::Unchanged,
                Some((id, stored_updated, None, _, stored_published)) => {
                    // Only a later edit replaces the copy; the same post read again does not.
                    let newer = match ($post.updated_at, stored_updated) {
                        (Some(new), Some(old)) => new > old,
                        (Some(new), None) => new >= stored_published,
                        (None, _) => false,
                    };
                    if newer {
                        sqlx::query(
                            "UPDATE village_posts SET title = $2, summary = $3, content_html = $4, url = $5, \
                               image_url = $6, updated_at = $7 WHERE id = $1",
                        )
                        .bind(id)
                        .bind(&$post.title)
                        .bind(&$post.summary)
                        .bind(&$post.content_html)
                        .bind(&$post.url)
                        .bind(&$post.image_url)
                        .bind($post.updated_at)
                        .execute(&mut *$tx)
                        .await
                        .context("updating a village post")?;
                        sqlx::query("DELETE FROM village_post_tags WHERE post_id = $1")
                            .bind(id)
                            .execute(&mut *$tx)
                            .await
                            .context("replacing tags")?;
                        for tag in &$post.tags {
                            sqlx::query(INSERT_TAG)
                                .bind(id)
                                .bind(tag)
                                .bind(stored_published)
                                .execute(&mut *$tx)
                                .await
                                .context("storing a tag")?;
                        }
                        Ingested::Updated
                    } else {
                        Ingested::Unchanged
                    }
                }
            };
            Ok::<Ingested, anyhow::Error>(outcome)
        }
    };
}

/// Inside a write transaction `$tx`: stores a village post once by id (a later copy
/// with a newer `updated` replaces it, a deleted post is never brought back) and, when it
/// is new and `$announce` (an `Option<&NewActivity>`) is given, the portal's Announce of it
/// and its deliveries. Evaluates to a future of `anyhow::Result<Ingested>`; on an error the
/// caller rolls back what it wrote (the transaction, or the post's savepoint).
macro_rules! ingest_in {
    ($tx:ident, $post:expr, $announce:expr, $now:expr) => {
        async {
            // Inserted first: a new post (nearly every one received live) then costs one
            // statement, not a look-up and an insert. Two processes may ingest the same
            // post at once: the second inserts nothing and finds the first's copy.
            let inserted: Option<i64> = sqlx::query_scalar(concat!(
                "INSERT INTO village_posts (",
                post_insert_columns!(),
                ") \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
                 ON CONFLICT (ap_id) DO NOTHING RETURNING id"
            ))
            .bind(&$post.ap_id)
            .bind($post.village_id)
            .bind(&$post.title)
            .bind(&$post.summary)
            .bind(&$post.content_html)
            .bind(&$post.url)
            .bind(&$post.image_url)
            .bind($post.from_feed)
            .bind($post.published_at)
            .bind($post.updated_at)
            .bind($now)
            .fetch_optional(&mut *$tx)
            .await
            .context("storing a village post")?;
            match inserted {
                Some(id) => {
                    complete_new_in!($tx, id, $post, $announce, $now).await?;
                    Ok::<Ingested, anyhow::Error>(Ingested::New(id))
                }
                None => stored_again_in!($tx, $post).await,
            }
        }
    };
}

/// The columns a new village post is inserted with, in the order both inserts bind them.
macro_rules! post_insert_columns {
    () => {
        "ap_id, village_id, title, summary, content_html, url, image_url, from_feed, \
         published_at, updated_at, received_at"
    };
}

const INSERT_TAG: &str = "INSERT INTO village_post_tags (post_id, tag, published_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";

/// Inside a write transaction `$tx`: inserts every post of `$batch` (a slice of
/// [`LivePost`]) whose id is not stored yet, and their tags, in one statement each
/// (chunked), however many villages the posts are of: on PostgreSQL each statement is a
/// round trip and fires migration 0024's refresh of the villages' dates once. Only the
/// first post of each id is inserted. Evaluates to a future of the ids inserted, by
/// `ap_id`.
macro_rules! insert_new_posts_in {
    ($tx:ident, $batch:expr, $now:expr) => {
        async {
            let mut seen = std::collections::HashSet::new();
            let firsts: Vec<&NewVillagePost> = $batch
                .iter()
                .map(|live: &LivePost<'_>| live.post)
                .filter(|post| seen.insert(post.ap_id.as_str()))
                .collect();
            let mut inserted: std::collections::HashMap<String, i64> =
                std::collections::HashMap::new();
            // 11 values a post, 4 a tag: far under either database's limit of bound values.
            for chunk in firsts.chunks(500) {
                let mut query = sqlx::QueryBuilder::new(concat!(
                    "INSERT INTO village_posts (",
                    post_insert_columns!(),
                    ") "
                ));
                query.push_values(chunk, |mut row, post| {
                    row.push_bind(post.ap_id.clone())
                        .push_bind(post.village_id)
                        .push_bind(post.title.clone())
                        .push_bind(post.summary.clone())
                        .push_bind(post.content_html.clone())
                        .push_bind(post.url.clone())
                        .push_bind(post.image_url.clone())
                        .push_bind(post.from_feed)
                        .push_bind(post.published_at)
                        .push_bind(post.updated_at)
                        .push_bind($now);
                });
                query.push(" ON CONFLICT (ap_id) DO NOTHING RETURNING id, ap_id");
                let rows: Vec<(i64, String)> = query
                    .build_query_as()
                    .persistent(false)
                    .fetch_all(&mut *$tx)
                    .await
                    .context("storing village posts")?;
                inserted.extend(rows.into_iter().map(|(id, ap_id)| (ap_id, id)));
            }
            let tags: Vec<(i64, &str, i64)> = firsts
                .iter()
                .filter_map(|post| Some((*inserted.get(&post.ap_id)?, *post)))
                .flat_map(|(id, post)| {
                    post.tags
                        .iter()
                        .map(move |tag| (id, tag.as_str(), post.published_at))
                })
                .collect();
            for chunk in tags.chunks(1000) {
                let mut query = sqlx::QueryBuilder::new(
                    "INSERT INTO village_post_tags (post_id, tag, published_at) ",
                );
                query.push_values(chunk, |mut row, (id, tag, published_at)| {
                    row.push_bind(*id)
                        .push_bind(tag.to_string())
                        .push_bind(*published_at);
                });
                query.push(" ON CONFLICT DO NOTHING");
                query
                    .build()
                    .persistent(false)
                    .execute(&mut *$tx)
                    .await
                    .context("storing tags")?;
            }
            Ok::<_, anyhow::Error>(inserted)
        }
    };
}

impl Store {
    pub async fn village_post_exists(&self, ap_id: &str) -> anyhow::Result<bool> {
        let found: Option<i64> = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT id FROM village_posts WHERE ap_id = $1")
                .bind(ap_id)
                .fetch_optional(pool)
                .await
                .context("looking up a village post")?
        });
        Ok(found.is_some())
    }

    /// Stores a village post once by id; a later copy with a newer `updated` replaces it.
    /// A deleted post is never brought back.
    pub async fn ingest_village_post(
        &self,
        post: &NewVillagePost,
        now: i64,
    ) -> anyhow::Result<Ingested> {
        self.ingest_village_post_and_announce(post, None, now).await
    }

    /// As [`Store::ingest_village_post`]; when the post is new and `announce` is given,
    /// the portal's Announce of it and its deliveries are written in the same
    /// transaction.
    pub async fn ingest_village_post_and_announce(
        &self,
        post: &NewVillagePost,
        announce: Option<&NewActivity>,
        now: i64,
    ) -> anyhow::Result<Ingested> {
        let outcome = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await.context("starting a transaction")?;
            let outcome = ingest_in!(tx, post, announce, now).await?;
            tx.commit().await.context("committing a village post")?;
            outcome
        });
        Ok(outcome)
    }

    /// Stores the village posts received live in one write transaction: each as
    /// [`Store::ingest_village_post_and_announce`], then the contact with their villages
    /// noted (as [`Store::record_village_contact`], one statement for all). One commit
    /// for the batch, instead of two per post, is what lets one SQLite writer keep up
    /// with a busy inbox; few statements per post is what lets PostgreSQL, where each is
    /// a round trip, keep up at all.
    ///
    /// The batch is written first as a whole. Should a post fail, that is undone and the
    /// batch written again with each post in its own savepoint, so the one that fails is
    /// rolled back alone and its error returned in its place while the others are kept
    /// (two more statements per post, only then). `Err` only when the batch as a whole
    /// could not be written (then none of it was).
    pub async fn ingest_live_village_posts(
        &self,
        batch: &[LivePost<'_>],
        now: i64,
    ) -> anyhow::Result<Vec<anyhow::Result<Ingested>>> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        // Made of constants only: the villages are bound.
        let contact = format!(
            "{} WHERE id {}",
            super::village_jobs::record_contact_set!(),
            self.backend.ids_in_json()
        );
        let contacted = |villages: &mut dyn Iterator<Item = i64>| {
            let mut ids: Vec<i64> = villages.collect();
            ids.sort_unstable();
            ids.dedup();
            super::monitoring::ids_json(&ids)
        };
        Ok(on_pool!(self, pool => {
            let together = async {
                let mut tx = pool.begin_write().await.context("starting a transaction")?;
                let mut inserted = insert_new_posts_in!(tx, batch, now).await?;
                let mut outcomes = Vec::with_capacity(batch.len());
                for live in batch {
                    // A second post of the same id in the batch (its Update after its
                    // Create) finds the first one's copy.
                    let outcome = match inserted.remove(&live.post.ap_id) {
                        Some(id) => {
                            announce_in!(tx, live.announce, now).await?;
                            Ingested::New(id)
                        }
                        None => stored_again_in!(tx, live.post).await?,
                    };
                    outcomes.push(outcome);
                }
                sqlx::query(sqlx::AssertSqlSafe(contact.as_str()))
                    .bind(contacted(&mut batch.iter().map(|live| live.post.village_id)))
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .context("recording contact with villages")?;
                tx.commit().await.context("committing village posts")?;
                Ok::<_, anyhow::Error>(outcomes)
            }
            .await;
            match together {
                Ok(outcomes) => outcomes.into_iter().map(Ok).collect(),
                Err(err) => {
                    tracing::info!(error = %format!("{err:#}"), "a batch of village posts failed; writing each alone");
                    let mut tx = pool.begin_write().await.context("starting a transaction")?;
                    let mut outcomes = Vec::with_capacity(batch.len());
                    for live in batch {
                        let mut savepoint = sqlx::Acquire::begin(&mut *tx)
                            .await
                            .context("opening a savepoint for a village post")?;
                        let outcome = ingest_in!(savepoint, live.post, live.announce, now).await;
                        if outcome.is_ok() {
                            savepoint
                                .commit()
                                .await
                                .context("releasing the savepoint of a village post")?;
                        } else {
                            savepoint
                                .rollback()
                                .await
                                .context("rolling back a village post that failed")?;
                        }
                        outcomes.push(outcome);
                    }
                    let stored = batch.iter().zip(&outcomes).filter(|(_, outcome)| outcome.is_ok());
                    sqlx::query(sqlx::AssertSqlSafe(contact.as_str()))
                        .bind(contacted(&mut stored.map(|(live, _)| live.post.village_id)))
                        .bind(now)
                        .execute(&mut *tx)
                        .await
                        .context("recording contact with villages")?;
                    tx.commit().await.context("committing village posts")?;
                    outcomes
                }
            }
        }))
    }

    /// Marks a village's post deleted (only the village's own).
    pub async fn delete_village_post(
        &self,
        ap_id: &str,
        village_id: i64,
        now: i64,
    ) -> anyhow::Result<u64> {
        Ok(on_pool!(self, pool => {
            sqlx::query(
                "UPDATE village_posts SET deleted_at = $3, title = '', summary = '', content_html = '' \
                 WHERE ap_id = $1 AND village_id = $2 AND deleted_at IS NULL",
            )
            .bind(ap_id)
            .bind(village_id)
            .bind(now)
            .execute(pool)
            .await
            .context("deleting a village post")?
            .rows_affected()
        }))
    }

    /// A page of the timeline, newest first by `published`, strictly before the
    /// `(published_at, id)` cursor. Only the filters in use are written into the SQL, so
    /// that each can use its index: a tag walks `village_post_tags_timeline`, a village
    /// `village_posts_by_village`, the featured block `village_posts_featured`, the rest
    /// `village_posts_timeline` (a generic `$n IS NULL OR …` form defeats them all).
    pub async fn timeline_page(
        &self,
        filter: &TimelineFilter,
        before: Option<(i64, i64)>,
        limit: i64,
    ) -> anyhow::Result<Vec<VillagePostRecord>> {
        Ok(on_pool!(self, pool => {
            let mut query = sqlx::QueryBuilder::new(concat!("SELECT ", village_post_columns!(), " FROM "));
            // With a tag, the tag index gives the order: (tag, published_at, post_id).
            let (at, id) = match &filter.tag {
                Some(tag) => {
                    query
                        .push("village_post_tags t JOIN village_posts p ON p.id = t.post_id \
                               JOIN villages v ON v.id = p.village_id WHERE lower(t.tag) = lower(")
                        .push_bind(tag.clone())
                        .push(")");
                    ("t.published_at", "t.post_id")
                }
                None => {
                    query.push("village_posts p JOIN villages v ON v.id = p.village_id WHERE TRUE");
                    ("p.published_at", "p.id")
                }
            };
            query.push(" AND p.deleted_at IS NULL");
            if !filter.include_hidden {
                query.push(" AND p.hidden = FALSE");
            }
            if filter.featured_only {
                query.push(" AND p.featured = TRUE");
            }
            if let Some(village_id) = filter.village_id {
                query.push(" AND p.village_id = ").push_bind(village_id);
            }
            if let Some(district) = &filter.district {
                query
                    .push(" AND p.village_id IN (SELECT id FROM villages WHERE lower(district) = lower(")
                    .push_bind(district.clone())
                    .push("))");
            }
            if let Some(since) = filter.since {
                query.push(format_args!(" AND {at} >= ")).push_bind(since);
            }
            if let Some(until) = filter.until {
                query.push(format_args!(" AND {at} < ")).push_bind(until);
            }
            if let Some((before_at, before_id)) = before {
                // `at <= x AND (at < x OR id < y)`: the same rows as `(at, id) < (x, y)`,
                // with a plain range on `at` that both planners use on the index.
                query
                    .push(format_args!(" AND {at} <= "))
                    .push_bind(before_at)
                    .push(format_args!(" AND ({at} < "))
                    .push_bind(before_at)
                    .push(format_args!(" OR {id} < "))
                    .push_bind(before_id)
                    .push(")");
            }
            query.push(format_args!(" ORDER BY {at} DESC, {id} DESC LIMIT ")).push_bind(limit);
            query
                .build_query_as::<VillagePostRecord>()
                .fetch_all(pool)
                .await
                .context("reading the timeline")?
        }))
    }

    pub async fn village_post_by_id(&self, id: i64) -> anyhow::Result<Option<VillagePostRecord>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as(concat!(
                "SELECT ",
                village_post_columns!(),
                " FROM village_posts p JOIN villages v ON v.id = p.village_id WHERE p.id = $1"
            ))
            .bind(id)
            .fetch_optional(pool)
            .await
            .context("reading a village post")?
        }))
    }

    pub async fn village_post_by_url(
        &self,
        url: &str,
    ) -> anyhow::Result<Option<VillagePostRecord>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as(concat!(
                "SELECT ",
                village_post_columns!(),
                " FROM village_posts p JOIN villages v ON v.id = p.village_id WHERE p.ap_id = $1 OR p.url = $1 \
                 ORDER BY p.id LIMIT 1"
            ))
            .bind(url)
            .fetch_optional(pool)
            .await
            .context("reading a village post")?
        }))
    }

    /// The operator's curation: feature on the front page, or hide from the portal.
    pub async fn set_village_post_flags(
        &self,
        id: i64,
        featured: Option<bool>,
        hidden: Option<bool>,
    ) -> anyhow::Result<()> {
        on_pool!(self, pool => {
            sqlx::query(
                "UPDATE village_posts SET featured = COALESCE($2, featured), hidden = COALESCE($3, hidden) WHERE id = $1",
            )
            .bind(id)
            .bind(featured)
            .bind(hidden)
            .execute(pool)
            .await
            .context("curating a village post")?;
        });
        Ok(())
    }

    /// `published_at` of every live post of every village since `since`, for
    /// monitoring (counts per period and per week).
    pub async fn village_post_dates(&self, since: i64) -> anyhow::Result<Vec<(i64, i64)>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT village_id, published_at FROM village_posts \
                 WHERE deleted_at IS NULL AND published_at >= $1",
            )
            .bind(since)
            .fetch_all(pool)
            .await
            .context("reading post dates")?
        }))
    }

    /// The newest `published_at` of each village's live posts.
    pub async fn last_village_post_dates(&self) -> anyhow::Result<Vec<(i64, i64)>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT village_id, MAX(published_at) FROM village_posts WHERE deleted_at IS NULL GROUP BY village_id",
            )
            .fetch_all(pool)
            .await
            .context("reading last post dates")?
        }))
    }
}
