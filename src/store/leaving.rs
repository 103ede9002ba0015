//! A site leaving the fediverse (`kentongan site remove`): the `Delete` of each of its
//! accounts, queued to their followers like any activity, and, once those are sent, its
//! PostgreSQL schema put aside under another name rather than dropped.

use super::BeginWrite;
use super::{NewActivity, Store, on_pool};
use anyhow::Context;

impl Store {
    /// Queues the `Delete` of the actor `delete.actor_id` (no post: the account itself)
    /// to every follower inbox, in one transaction. Returns how many deliveries were
    /// queued, or `None` when that actor's Delete was queued before (a second
    /// `site remove` queues nothing twice).
    pub async fn queue_actor_delete(
        &self,
        delete: &NewActivity,
        now: i64,
    ) -> anyhow::Result<Option<u64>> {
        let queued = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await.context("starting a transaction")?;
            let earlier: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM activities WHERE actor_id = $1 AND kind = 'Delete' \
                 AND post_id IS NULL LIMIT 1",
            )
            .bind(delete.actor_id)
            .fetch_optional(&mut *tx)
            .await
            .context("looking for an earlier Delete of the account")?;
            if earlier.is_some() {
                return Ok(None);
            }
            let activity_id = super::insert_activity!(tx, delete, None::<i64>, now)
                .await
                .context("storing the Delete of the account")?;
            let queued = super::fan_out!(tx, activity_id, delete.actor_id, now)
                .await
                .context("queueing deliveries")?
                .rows_affected();
            tx.commit().await.context("committing the Delete of the account")?;
            queued
        });
        Ok(Some(queued))
    }

    /// When each local account's Delete was queued, as `(actor_id, created_at)`: what the
    /// tombstones of a site being removed say.
    pub async fn actor_deletes(&self) -> anyhow::Result<Vec<(i64, i64)>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT actor_id, MIN(created_at) FROM activities \
                 WHERE kind = 'Delete' AND post_id IS NULL GROUP BY actor_id",
            )
            .fetch_all(pool)
            .await
            .context("reading the Deletes of accounts")?
        }))
    }

    /// Renames this PostgreSQL site's schema `schema` to `new_name`, keeping every row.
    /// The pool is unusable afterwards (its connections look for the old name): the
    /// caller closes it. Nothing to do on SQLite, whose site is a file.
    pub async fn set_schema_aside(&self, schema: &str, new_name: &str) -> anyhow::Result<()> {
        let plain = |name: &str| {
            !name.is_empty()
                && name.len() <= 63
                && name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
                && name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        };
        if !plain(schema) || !plain(new_name) {
            anyhow::bail!("{schema:?} or {new_name:?} is not a plain schema name");
        }
        if let super::Backend::Postgres(pool) = &self.backend {
            // Both names checked above to be letters, digits and _.
            let rename = format!("ALTER SCHEMA {schema} RENAME TO {new_name}");
            sqlx::query(sqlx::AssertSqlSafe(rename))
                .execute(pool)
                .await
                .with_context(|| format!("renaming the schema {schema} to {new_name}"))?;
        }
        Ok(())
    }
}
