//! Forgetting what has served its time, in small batches so that no purge holds SQLite's
//! write lock for long. Each function forgets at most `limit` rows older than `before`
//! and returns how many; the retention worker (`crate::retention`) calls them until a
//! batch comes back short. Nothing a delivery report counts is lost: finished delivery
//! rows are folded into `delivery_totals` in the transaction that deletes them.

use super::{Backend, BeginWrite, Store, on_pool};
use anyhow::Context;

/// The finished deliveries a batch forgets. Only `delivered` and `failed`: those are the
/// states `delivery_totals` can count; a pending delivery is never forgotten.
macro_rules! old_finished_deliveries {
    () => {
        "SELECT id FROM deliveries WHERE state IN ('delivered', 'failed') AND finished_at < $1 \
         ORDER BY id LIMIT $2"
    };
}

macro_rules! fold_counts {
    () => {
        "SUM(CASE WHEN state = 'delivered' THEN 1 ELSE 0 END), \
         SUM(CASE WHEN state = 'failed' THEN 1 ELSE 0 END)"
    };
}

macro_rules! add_to_totals {
    () => {
        " ON CONFLICT (activity_id) DO UPDATE SET \
           delivered = delivery_totals.delivered + excluded.delivered, \
           failed = delivery_totals.failed + excluded.failed"
    };
}

/// SQLite serialises writers (`BEGIN IMMEDIATE`), so the two statements see the same rows.
const FOLD_DELIVERIES_SQLITE: &str = concat!(
    "INSERT INTO delivery_totals (activity_id, delivered, failed) SELECT activity_id, ",
    fold_counts!(),
    " FROM deliveries WHERE id IN (",
    old_finished_deliveries!(),
    ") GROUP BY activity_id",
    add_to_totals!()
);
const DELETE_FOLDED_SQLITE: &str = concat!(
    "DELETE FROM deliveries WHERE id IN (",
    old_finished_deliveries!(),
    ")"
);

/// One statement on PostgreSQL: the rows a process deletes are exactly the rows it
/// counts, and a second process purging at the same time skips them.
const FOLD_DELIVERIES_POSTGRES: &str = concat!(
    "WITH gone AS (DELETE FROM deliveries WHERE id IN (",
    old_finished_deliveries!(),
    " FOR UPDATE SKIP LOCKED) RETURNING activity_id, state), \
     folded AS (INSERT INTO delivery_totals (activity_id, delivered, failed) SELECT activity_id, ",
    fold_counts!(),
    " FROM gone GROUP BY activity_id",
    add_to_totals!(),
    " RETURNING 1) \
     SELECT COUNT(*) FROM gone"
);

impl Store {
    /// Runs a `DELETE` whose `$1` is `before` and, when given, `$2` the batch's `limit`;
    /// how many rows it forgot.
    async fn forget(
        &self,
        sql: &'static str,
        before: i64,
        limit: Option<i64>,
        what: &'static str,
    ) -> anyhow::Result<u64> {
        Ok(on_pool!(self, pool => {
            let mut query = sqlx::query(sql).bind(before);
            if let Some(limit) = limit {
                query = query.bind(limit);
            }
            query.execute(pool).await.context(what)?.rows_affected()
        }))
    }

    /// Forgets processed activities (done, dropped or failed) received before `before`.
    /// Their ids stop guarding against a replay then, but a replay needs a signature
    /// dated within the hour. Pending ones are never forgotten.
    pub async fn purge_processed_inbox(&self, before: i64, limit: i64) -> anyhow::Result<u64> {
        self.forget(
            "DELETE FROM inbox WHERE id IN (SELECT id FROM inbox \
               WHERE state <> 'pending' AND received_at < $1 ORDER BY id LIMIT $2)",
            before,
            Some(limit),
            "purging processed activities",
        )
        .await
    }

    /// Forgets deliveries that finished before `before`, adding them to their
    /// activity's `delivery_totals` in the same transaction.
    pub async fn fold_finished_deliveries(&self, before: i64, limit: i64) -> anyhow::Result<u64> {
        match &self.backend {
            Backend::Sqlite(pool) => {
                let mut tx = pool.begin_write().await.context("starting a transaction")?;
                sqlx::query(FOLD_DELIVERIES_SQLITE)
                    .bind(before)
                    .bind(limit)
                    .execute(&mut *tx)
                    .await
                    .context("counting old deliveries")?;
                let deleted = sqlx::query(DELETE_FOLDED_SQLITE)
                    .bind(before)
                    .bind(limit)
                    .execute(&mut *tx)
                    .await
                    .context("forgetting old deliveries")?
                    .rows_affected();
                tx.commit().await.context("committing old deliveries")?;
                Ok(deleted)
            }
            Backend::Postgres(pool) => {
                let deleted: i64 = sqlx::query_scalar(FOLD_DELIVERIES_POSTGRES)
                    .bind(before)
                    .bind(limit)
                    .fetch_one(pool)
                    .await
                    .context("folding old deliveries")?;
                Ok(u64::try_from(deleted).unwrap_or(0))
            }
        }
    }

    /// Forgets replies and mentions received before `before` that opened no ticket (a
    /// portal's); those with a ticket stay with it.
    pub async fn purge_notes_without_ticket(&self, before: i64, limit: i64) -> anyhow::Result<u64> {
        self.forget(
            "DELETE FROM remote_notes WHERE id IN (SELECT n.id FROM remote_notes n \
               WHERE n.received_at < $1 \
                 AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.remote_note_id = n.id) \
               ORDER BY n.id LIMIT $2)",
            before,
            Some(limit),
            "purging replies and mentions without a ticket",
        )
        .await
    }

    /// Forgets copies of remote actors last fetched before `before` that nothing here
    /// refers to: no follow, no kept note, no village, no like or boost. The next activity of such an actor
    /// fetches it again.
    pub async fn purge_unused_remote_actors(&self, before: i64, limit: i64) -> anyhow::Result<u64> {
        self.forget(
            "DELETE FROM actors WHERE id IN (SELECT a.id FROM actors a \
               WHERE a.is_local = FALSE AND a.refreshed_at < $1 \
                 AND NOT EXISTS (SELECT 1 FROM follows f \
                   WHERE f.remote_actor_id = a.id OR f.local_actor_id = a.id) \
                 AND NOT EXISTS (SELECT 1 FROM remote_notes n WHERE n.actor_id = a.id) \
                 AND NOT EXISTS (SELECT 1 FROM villages v WHERE v.actor_id = a.id) \
                 AND NOT EXISTS (SELECT 1 FROM activities x WHERE x.actor_id = a.id) \
                 AND NOT EXISTS (SELECT 1 FROM post_responses r WHERE r.actor_id = a.id) \
               ORDER BY a.id LIMIT $2)",
            before,
            Some(limit),
            "purging unused remote actors",
        )
        .await
    }

    /// Forgets the health of servers not heard from (no success, no failure) since
    /// `before` and with nothing waiting to go to them.
    pub async fn purge_quiet_hosts(&self, before: i64) -> anyhow::Result<u64> {
        self.forget(
            "DELETE FROM hosts WHERE COALESCE(last_success_at, 0) < $1 \
               AND COALESCE(first_failure_at, 0) < $1 \
               AND COALESCE(retry_not_before, 0) < $1 \
               AND NOT EXISTS (SELECT 1 FROM deliveries d \
                 WHERE d.host = hosts.host AND d.state = 'pending')",
            before,
            None,
            "purging quiet hosts",
        )
        .await
    }

    /// Forgets quota counts whose window began before `before` (ended ones: the next
    /// bytes of that sender start a new window anyway).
    pub async fn purge_ended_quotas(&self, before: i64) -> anyhow::Result<u64> {
        self.forget(
            "DELETE FROM host_quotas WHERE window_start < $1",
            before,
            None,
            "purging ended quota windows",
        )
        .await
    }
}
