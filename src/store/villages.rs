//! The portal's registry of villages, the posts it keeps of them, and the claims its
//! worker takes on villages that are due (a follow to send, an outbox to read, a feed to
//! poll).

use super::BeginWrite;
use super::{
    Backend, Ingested, NewActivity, NewVillage, NewVillagePost, Store, TimelineFilter,
    VillagePostRecord, VillageRecord, on_pool,
};
use anyhow::Context;

macro_rules! village_columns {
    () => {
        "id, name, district, code, source_kind, handle, feed_url, actor_id, follow_state, \
         follow_ap_id, follow_attempts, next_attempt_at, last_contact_at, last_error, \
         last_error_at, accepted_at, backfilled_at, feed_etag, feed_last_modified, created_at"
    };
}

macro_rules! village_post_columns {
    () => {
        "p.id, p.ap_id, p.village_id, p.title, p.summary, p.content_html, p.url, p.image_url, \
         p.from_feed, p.published_at, p.updated_at, p.deleted_at, p.received_at, p.hidden, \
         p.featured, v.name AS village_name, v.district"
    };
}

const CLAIM_VILLAGES_SQLITE: &str = concat!(
    "UPDATE villages SET locked_until = $1 WHERE id IN ( \
       SELECT id FROM villages WHERE next_attempt_at <= $2 AND locked_until <= $2 \
         AND follow_state <> 'rejected' ORDER BY next_attempt_at, id LIMIT $3) \
     RETURNING ",
    village_columns!()
);

const CLAIM_VILLAGES_POSTGRES: &str = concat!(
    "UPDATE villages SET locked_until = $1 WHERE id IN ( \
       SELECT id FROM villages WHERE next_attempt_at <= $2 AND locked_until <= $2 \
         AND follow_state <> 'rejected' ORDER BY next_attempt_at, id LIMIT $3 \
         FOR UPDATE SKIP LOCKED) \
     RETURNING ",
    village_columns!()
);

/// What ingest needs to know of a stored post: id, updated, deleted, village,
/// published.
type StoredPostState = (i64, Option<i64>, Option<i64>, i64, i64);

impl Store {
    /// Registers a village; refuses one whose handle or feed is registered already.
    pub async fn insert_village(
        &self,
        village: &NewVillage,
        now: i64,
    ) -> anyhow::Result<Option<VillageRecord>> {
        let state = match village.source_kind {
            super::SourceKind::Feed => super::FollowState::Feed,
            super::SourceKind::Actor => super::FollowState::Pending,
        };
        let inserted: Option<VillageRecord> = on_pool!(self, pool => {
            sqlx::query_as(concat!(
                "INSERT INTO villages (name, district, code, source_kind, handle, feed_url, \
                   follow_state, next_attempt_at, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) ON CONFLICT DO NOTHING RETURNING ",
                village_columns!()
            ))
            .bind(&village.name)
            .bind(&village.district)
            .bind(&village.code)
            .bind(village.source_kind.as_str())
            .bind(&village.handle)
            .bind(&village.feed_url)
            .bind(state.as_str())
            .bind(now)
            .fetch_optional(pool)
            .await
            .context("registering a village")?
        });
        // `None`: a village with this handle or feed is registered already.
        Ok(inserted)
    }

    pub async fn villages(&self) -> anyhow::Result<Vec<VillageRecord>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as(concat!("SELECT ", village_columns!(), " FROM villages ORDER BY district, name, id"))
                .fetch_all(pool)
                .await
                .context("listing villages")?
        }))
    }

    pub async fn village_by_id(&self, id: i64) -> anyhow::Result<Option<VillageRecord>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as(concat!("SELECT ", village_columns!(), " FROM villages WHERE id = $1"))
                .bind(id)
                .fetch_optional(pool)
                .await
                .context("reading a village")?
        }))
    }

    /// The village whose handle or feed URL is `key`.
    pub async fn village_by_key(&self, key: &str) -> anyhow::Result<Option<VillageRecord>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as(concat!(
                "SELECT ",
                village_columns!(),
                " FROM villages WHERE lower(handle) = lower($1) OR feed_url = $1"
            ))
            .bind(key)
            .fetch_optional(pool)
            .await
            .context("reading a village")?
        }))
    }

    /// The village our Follow with this id was sent to.
    pub async fn village_by_follow(
        &self,
        follow_ap_id: &str,
    ) -> anyhow::Result<Option<VillageRecord>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as(concat!("SELECT ", village_columns!(), " FROM villages WHERE follow_ap_id = $1"))
                .bind(follow_ap_id)
                .fetch_optional(pool)
                .await
                .context("reading a village")?
        }))
    }

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

    pub async fn village_by_actor(&self, actor_id: i64) -> anyhow::Result<Option<VillageRecord>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as(concat!("SELECT ", village_columns!(), " FROM villages WHERE actor_id = $1"))
                .bind(actor_id)
                .fetch_optional(pool)
                .await
                .context("reading a village")?
        }))
    }

    /// Removes a village with its posts; `undo` (an Undo of our Follow) is queued to its
    /// inbox when given.
    pub async fn remove_village(
        &self,
        village_id: i64,
        undo: Option<(&NewActivity, &str, &str)>,
        now: i64,
    ) -> anyhow::Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await.context("starting a transaction")?;
            sqlx::query("DELETE FROM village_post_tags WHERE post_id IN (SELECT id FROM village_posts WHERE village_id = $1)")
                .bind(village_id)
                .execute(&mut *tx)
                .await
                .context("removing the village's tags")?;
            sqlx::query("DELETE FROM village_posts WHERE village_id = $1")
                .bind(village_id)
                .execute(&mut *tx)
                .await
                .context("removing the village's posts")?;
            sqlx::query("DELETE FROM village_errors WHERE village_id = $1")
                .bind(village_id)
                .execute(&mut *tx)
                .await
                .context("removing the village's errors")?;
            sqlx::query("DELETE FROM village_ticket_figures WHERE village_id = $1")
                .bind(village_id)
                .execute(&mut *tx)
                .await
                .context("removing the village's aspiration figures")?;
            sqlx::query("DELETE FROM villages WHERE id = $1")
                .bind(village_id)
                .execute(&mut *tx)
                .await
                .context("removing the village")?;
            if let Some((activity, inbox, host)) = undo {
                let activity_id = super::insert_activity!(tx, activity, activity.post_id, now)
                .await
                .context("storing the Undo")?;
                super::queue_delivery!(tx, activity_id, inbox, host, now)
                .await
                .context("queueing the Undo")?;
            }
            tx.commit().await.context("committing the removal")?;
        });
        Ok(())
    }

    /// Claims villages with work due: a follow to (re)send, an outbox to read, a feed to
    /// poll. The worker reschedules each one it finishes.
    pub async fn claim_due_villages(
        &self,
        now: i64,
        lease_until: i64,
        limit: i64,
    ) -> anyhow::Result<Vec<VillageRecord>> {
        let sql = match self.backend {
            Backend::Sqlite(_) => CLAIM_VILLAGES_SQLITE,
            Backend::Postgres(_) => CLAIM_VILLAGES_POSTGRES,
        };
        Ok(on_pool!(self, pool => {
            sqlx::query_as(sql)
                .bind(lease_until)
                .bind(now)
                .bind(limit)
                .fetch_all(pool)
                .await
                .context("claiming villages")?
        }))
    }

    /// Stores the village's actor and queues our Follow to its inbox.
    pub async fn send_village_follow(
        &self,
        follow: &super::VillageFollow,
        activity: &NewActivity,
        now: i64,
    ) -> anyhow::Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await.context("starting a transaction")?;
            let activity_id = super::insert_activity!(tx, activity, activity.post_id, now)
                .await
                .context("storing the Follow")?;
            super::queue_delivery!(tx, activity_id, &follow.inbox, &follow.host, now)
                .await
                .context("queueing the Follow")?;
            sqlx::query(
                "UPDATE villages SET actor_id = $2, follow_ap_id = $3, \
                   follow_state = CASE WHEN follow_state = 'accepted' THEN 'accepted' ELSE 'pending' END, \
                   follow_attempts = 0, last_contact_at = $4, next_attempt_at = $5, locked_until = 0 \
                 WHERE id = $1",
            )
            .bind(follow.village_id)
            .bind(follow.actor_id)
            .bind(&follow.follow_ap_id)
            .bind(now)
            .bind(follow.retry_at)
            .execute(&mut *tx)
            .await
            .context("recording the Follow")?;
            tx.commit().await.context("committing the Follow")?;
        });
        Ok(())
    }

    /// Our Follow was answered: `accepted` (read its outbox now) or `rejected`.
    pub async fn set_village_follow_state(
        &self,
        village_id: i64,
        state: super::FollowState,
        now: i64,
    ) -> anyhow::Result<()> {
        on_pool!(self, pool => {
            sqlx::query(
                "UPDATE villages SET follow_state = $2, last_contact_at = $3, follow_attempts = 0, \
                   accepted_at = CASE WHEN $2 = 'accepted' THEN $3 ELSE accepted_at END, \
                   next_attempt_at = CASE WHEN $2 = 'accepted' THEN $3 ELSE next_attempt_at END \
                 WHERE id = $1",
            )
            .bind(village_id)
            .bind(state.as_str())
            .bind(now)
            .execute(pool)
            .await
            .context("recording a follow answer")?;
        });
        Ok(())
    }

    /// The village answered or sent something. A village that was unreachable is
    /// reachable again: its outbox is read at once to fill what was missed.
    pub async fn record_village_contact(&self, village_id: i64, now: i64) -> anyhow::Result<()> {
        on_pool!(self, pool => {
            sqlx::query(
                "UPDATE villages SET last_contact_at = $2, follow_attempts = 0, \
                   next_attempt_at = CASE WHEN follow_state = 'unreachable' THEN $2 ELSE next_attempt_at END, \
                   follow_state = CASE WHEN follow_state = 'unreachable' AND accepted_at IS NOT NULL THEN 'accepted' \
                                       WHEN follow_state = 'unreachable' THEN 'pending' ELSE follow_state END \
                 WHERE id = $1",
            )
            .bind(village_id)
            .bind(now)
            .execute(pool)
            .await
            .context("recording contact with a village")?;
        });
        Ok(())
    }

    /// Makes every village the portal follows, or lost touch with, due now; returns how
    /// many. Villages registered by feed keep their hourly poll, and a Follow waiting for
    /// its answer is not sent again.
    pub async fn make_followed_villages_due(&self, now: i64) -> anyhow::Result<u64> {
        Ok(on_pool!(self, pool => {
            sqlx::query(
                "UPDATE villages SET next_attempt_at = $1 \
                 WHERE next_attempt_at > $1 AND follow_state IN ('accepted', 'unreachable')",
            )
            .bind(now)
            .execute(pool)
            .await
            .context("making followed villages due")?
            .rows_affected()
        }))
    }

    /// A job on the village succeeded; the next one is due at `next_at`.
    pub async fn finish_village_job(
        &self,
        village_id: i64,
        next_at: i64,
        backfilled: bool,
        feed_etag: Option<&str>,
        feed_last_modified: Option<&str>,
        now: i64,
    ) -> anyhow::Result<()> {
        on_pool!(self, pool => {
            sqlx::query(
                "UPDATE villages SET next_attempt_at = $2, locked_until = 0, follow_attempts = 0, \
                   last_contact_at = $3, \
                   backfilled_at = CASE WHEN $4 THEN $3 ELSE backfilled_at END, \
                   feed_etag = COALESCE($5, feed_etag), feed_last_modified = COALESCE($6, feed_last_modified) \
                 WHERE id = $1",
            )
            .bind(village_id)
            .bind(next_at)
            .bind(now)
            .bind(backfilled)
            .bind(feed_etag)
            .bind(feed_last_modified)
            .execute(pool)
            .await
            .context("finishing a village job")?;
        });
        Ok(())
    }

    /// A job on the village failed: keep the error, retry at `next_at`, and mark the
    /// village unreachable when `unreachable`.
    pub async fn fail_village_job(
        &self,
        village_id: i64,
        error: &str,
        next_at: i64,
        unreachable: bool,
        now: i64,
    ) -> anyhow::Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await.context("starting a transaction")?;
            sqlx::query(
                "UPDATE villages SET next_attempt_at = $2, locked_until = 0, \
                   follow_attempts = follow_attempts + 1, last_error = substr($3, 1, 1000), last_error_at = $4, \
                   follow_state = CASE WHEN $5 AND follow_state IN ('pending', 'accepted') THEN 'unreachable' ELSE follow_state END \
                 WHERE id = $1",
            )
            .bind(village_id)
            .bind(next_at)
            .bind(error)
            .bind(now)
            .bind(unreachable)
            .execute(&mut *tx)
            .await
            .context("recording a village failure")?;
            sqlx::query("INSERT INTO village_errors (village_id, at, message) VALUES ($1, $2, substr($3, 1, 1000))")
                .bind(village_id)
                .bind(now)
                .bind(error)
                .execute(&mut *tx)
                .await
                .context("logging a village failure")?;
            // Keep the twenty most recent errors per village.
            sqlx::query(
                "DELETE FROM village_errors WHERE village_id = $1 AND id NOT IN ( \
                   SELECT id FROM village_errors WHERE village_id = $1 ORDER BY at DESC, id DESC LIMIT 20)",
            )
            .bind(village_id)
            .execute(&mut *tx)
            .await
            .context("trimming village errors")?;
            tx.commit().await.context("committing a village failure")?;
        });
        Ok(())
    }

    pub async fn recent_village_errors(
        &self,
        village_id: i64,
        limit: i64,
    ) -> anyhow::Result<Vec<(i64, String)>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT at, message FROM village_errors WHERE village_id = $1 ORDER BY at DESC, id DESC LIMIT $2",
            )
            .bind(village_id)
            .bind(limit)
            .fetch_all(pool)
            .await
            .context("reading village errors")?
        }))
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
            let existing: Option<StoredPostState> = sqlx::query_as(
                "SELECT id, updated_at, deleted_at, village_id, published_at FROM village_posts WHERE ap_id = $1",
            )
            .bind(&post.ap_id)
            .fetch_optional(&mut *tx)
            .await
            .context("looking up a village post")?;
            let outcome = match existing {
                Some((_, _, Some(_), _, _)) => Ingested::Unchanged,
                Some((_, _, _, owner, _)) if owner != post.village_id => Ingested::Unchanged,
                Some((id, stored_updated, None, _, stored_published)) => {
                    // Only a later edit replaces the copy; the same post read again does not.
                    let newer = match (post.updated_at, stored_updated) {
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
                        .bind(&post.title)
                        .bind(&post.summary)
                        .bind(&post.content_html)
                        .bind(&post.url)
                        .bind(&post.image_url)
                        .bind(post.updated_at)
                        .execute(&mut *tx)
                        .await
                        .context("updating a village post")?;
                        sqlx::query("DELETE FROM village_post_tags WHERE post_id = $1")
                            .bind(id)
                            .execute(&mut *tx)
                            .await
                            .context("replacing tags")?;
                        for tag in &post.tags {
                            sqlx::query("INSERT INTO village_post_tags (post_id, tag, published_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                                .bind(id)
                                .bind(tag)
                                .bind(stored_published)
                                .execute(&mut *tx)
                                .await
                                .context("storing a tag")?;
                        }
                        Ingested::Updated
                    } else {
                        Ingested::Unchanged
                    }
                }
                None => {
                    // Two processes may ingest the same post at once: the second changes nothing.
                    let inserted: Option<i64> = sqlx::query_scalar(
                        "INSERT INTO village_posts (ap_id, village_id, title, summary, content_html, url, \
                           image_url, from_feed, published_at, updated_at, received_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
                         ON CONFLICT (ap_id) DO NOTHING RETURNING id",
                    )
                    .bind(&post.ap_id)
                    .bind(post.village_id)
                    .bind(&post.title)
                    .bind(&post.summary)
                    .bind(&post.content_html)
                    .bind(&post.url)
                    .bind(&post.image_url)
                    .bind(post.from_feed)
                    .bind(post.published_at)
                    .bind(post.updated_at)
                    .bind(now)
                    .fetch_optional(&mut *tx)
                    .await
                    .context("storing a village post")?;
                    let Some(id) = inserted else {
                        tx.commit().await.context("committing a village post")?;
                        return Ok(Ingested::Unchanged);
                    };
                    for tag in &post.tags {
                        sqlx::query("INSERT INTO village_post_tags (post_id, tag, published_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                            .bind(id)
                            .bind(tag)
                            .bind(post.published_at)
                            .execute(&mut *tx)
                            .await
                            .context("storing a tag")?;
                    }
                    if let Some(announce) = announce {
                        let activity_id = super::insert_activity!(tx, announce, announce.post_id, now)
                .await
                .context("storing the Announce")?;
                        super::fan_out!(tx, activity_id, announce.actor_id, now)
                .await
                .context("queueing the Announce")?;
                    }
                    Ingested::New(id)
                }
            };
            tx.commit().await.context("committing a village post")?;
            outcome
        });
        Ok(outcome)
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
