//! The portal's registry of villages: registering, finding and removing them. The work
//! on them (claims, follows, outcomes) is in `village_jobs`, the posts kept of them in
//! `village_posts`.

use super::{
    Backend, BeginWrite, MonitoringFilter, NewActivity, NewVillage, Store, VillageRecord, on_pool,
};
use anyhow::Context;

macro_rules! village_columns {
    () => {
        "id, name, district, code, source_kind, handle, feed_url, actor_id, follow_state, \
         follow_ap_id, follow_attempts, next_attempt_at, last_contact_at, last_error, \
         last_error_at, accepted_at, backfilled_at, feed_etag, feed_last_modified, created_at"
    };
}
pub(super) use village_columns;

/// The removal of a village holds its row first, on PostgreSQL: `FOR UPDATE` waits for
/// any transaction that updates the village or adds a row referring to it (the worker
/// recording a job: an error, a post, figures), and makes every such insert wait until
/// the removal is over (and then fail, the village being gone). Without it the removal
/// deleted the rows it could see, then met one the worker had committed meanwhile and
/// failed on the foreign key. SQLite's write transactions take turns already.
const HOLD_VILLAGE_POSTGRES: &str = "SELECT id FROM villages WHERE id = $1 FOR UPDATE";

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
        let sql = format!(
            concat!("SELECT ", village_columns!(), " FROM villages{}"),
            self.backend.listing_order(&MonitoringFilter::default())
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
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

    pub async fn village_by_actor(&self, actor_id: i64) -> anyhow::Result<Option<VillageRecord>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as(concat!("SELECT ", village_columns!(), " FROM villages WHERE actor_id = $1"))
                .bind(actor_id)
                .fetch_optional(pool)
                .await
                .context("reading a village")?
        }))
    }

    /// The villages of these actors (by their ids), each with its actor's id; actors that
    /// are no village are left out. One statement for the inbox worker's batch, where a
    /// village and its actor were two reads per activity.
    pub async fn villages_of_actors(
        &self,
        actor_ap_ids: &[&str],
    ) -> anyhow::Result<Vec<(String, VillageRecord)>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            actor_ap_id: String,
            #[sqlx(flatten)]
            village: VillageRecord,
        }
        let mut found = Vec::new();
        for chunk in actor_ap_ids.chunks(500) {
            let rows: Vec<Row> = on_pool!(self, pool => {
                let mut query = sqlx::QueryBuilder::new(concat!(
                    "SELECT (SELECT ap_id FROM actors WHERE actors.id = villages.actor_id) AS actor_ap_id, ",
                    village_columns!(),
                    " FROM villages WHERE actor_id IN (SELECT id FROM actors WHERE ap_id IN ("
                ));
                let mut ids = query.separated(", ");
                for id in chunk {
                    ids.push_bind(*id);
                }
                query.push("))");
                query
                    .build_query_as()
                    .persistent(false)
                    .fetch_all(pool)
                    .await
                    .context("reading the villages of actors")?
            });
            found.extend(rows.into_iter().map(|row| (row.actor_ap_id, row.village)));
        }
        Ok(found)
    }

    /// Removes a village with its posts; `undo` (an Undo of our Follow) is queued to its
    /// inbox when given.
    pub async fn remove_village(
        &self,
        village_id: i64,
        undo: Option<(&NewActivity, &str, &str)>,
        now: i64,
    ) -> anyhow::Result<()> {
        let hold = match self.backend {
            Backend::Sqlite(_) => None,
            Backend::Postgres(_) => Some(HOLD_VILLAGE_POSTGRES),
        };
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await.context("starting a transaction")?;
            if let Some(hold) = hold {
                sqlx::query(hold)
                    .bind(village_id)
                    .execute(&mut *tx)
                    .await
                    .context("holding the village")?;
            }
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
}
