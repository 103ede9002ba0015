//! The claim of a leased queue, written once for the three the node has: outgoing
//! deliveries (`deliveries`), received activities (`inbox`) and the portal's work on
//! villages (`villages`). Each is a table whose rows a worker claims by setting
//! `locked_until`, the lease: the value it set is the claim's token (finishing a delivery
//! or a received activity requires it), and a claim whose process died is due again when
//! its lease ends.
//!
//! The claim is one statement, `UPDATE … SET locked_until = lease WHERE id IN (SELECT id
//! … due … ORDER BY … LIMIT n) RETURNING …`. On PostgreSQL the inner select takes
//! `FOR UPDATE SKIP LOCKED`, so processes sharing a database never claim one row at the
//! same time; SQLite serialises writers, so the statement alone is enough there. What
//! differs between the queues (what makes a row due, the order, what a claim returns) is
//! said by each queue where its table's other SQL lives; what a claim does is here.

use super::{Store, on_pool};
use anyhow::Context;

/// One leased queue's claim, as SQL text for each backend. Made by [`leased_queue!`].
#[derive(Clone, Copy, Debug)]
pub(super) struct LeasedQueue {
    /// `$1` the lease (claimed until), `$2` now, `$3` how many at most.
    pub sqlite: &'static str,
    pub postgres: &'static str,
    /// Frees every lease of rows still in the queue.
    pub release: &'static str,
    /// What the queue holds, for errors: "claiming {what}".
    pub what: &'static str,
}

/// A [`LeasedQueue`] of `table`, every text made at compile time. A row is due when it
/// is `waiting` (still in the queue; every row when not given), its `next_attempt_at` has
/// come, no lease holds it and `due` holds (a condition of the queue's own, which may use
/// `$2`, now); claims take due rows in `order` and return `returning`.
macro_rules! leased_queue {
    (
        table: $table:literal,
        $(waiting: $waiting:literal,)?
        $(due: $due:literal,)?
        order: $order:literal,
        returning: $returning:expr,
        what: $what:literal $(,)?
    ) => {
        $crate::store::lease::LeasedQueue {
            sqlite: concat!(
                "UPDATE ", $table, " SET locked_until = $1 WHERE id IN (SELECT id FROM ", $table,
                " WHERE ", $($waiting, " AND ",)? "next_attempt_at <= $2 AND locked_until <= $2",
                $(" AND ", $due,)? " ORDER BY ", $order, " LIMIT $3) RETURNING ", $returning
            ),
            postgres: concat!(
                "UPDATE ", $table, " SET locked_until = $1 WHERE id IN (SELECT id FROM ", $table,
                " WHERE ", $($waiting, " AND ",)? "next_attempt_at <= $2 AND locked_until <= $2",
                $(" AND ", $due,)? " ORDER BY ", $order, " LIMIT $3 FOR UPDATE SKIP LOCKED) \
                 RETURNING ", $returning
            ),
            release: concat!(
                "UPDATE ", $table, " SET locked_until = 0 WHERE ", $($waiting, " AND ",)?
                "locked_until > 0"
            ),
            what: $what,
        }
    };
}
pub(super) use leased_queue;

/// The queues whose leases a node that is its database's only process frees at start.
const QUEUES: [&LeasedQueue; 3] = [
    &super::deliveries::QUEUE,
    &super::inbox::QUEUE,
    &super::village_jobs::QUEUE,
];

impl Store {
    /// Claims up to `limit` rows of `queue` due at `now`, leased until `lease_until`.
    pub(super) async fn claim<Row>(
        &self,
        queue: &LeasedQueue,
        now: i64,
        lease_until: i64,
        limit: i64,
    ) -> anyhow::Result<Vec<Row>>
    where
        Row: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
            + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
            + Send
            + Unpin,
    {
        Ok(on_pool!(self, pool => {
            let sql = match self.backend {
                super::Backend::Sqlite(_) => queue.sqlite,
                super::Backend::Postgres(_) => queue.postgres,
            };
            sqlx::query_as(sql)
                .bind(lease_until)
                .bind(now)
                .bind(limit)
                .fetch_all(pool)
                .await
                .with_context(|| format!("claiming {}", queue.what))?
        }))
    }

    /// Releases every lease. Only for a node that knows it is the database's sole
    /// process (SQLite), at start, so work cut off by a crash resumes at once (a
    /// portal's read of a village, say, rather than after its ten-minute lease).
    pub async fn release_all_leases(&self) -> anyhow::Result<()> {
        for queue in QUEUES {
            on_pool!(self, pool => {
                sqlx::query(queue.release)
                    .execute(pool)
                    .await
                    .with_context(|| format!("releasing the leases of {}", queue.what))?;
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The two backends claim the same rows: their texts differ only by the row locks
    /// PostgreSQL takes, and a release never touches a row that left the queue.
    #[test]
    fn the_backends_claim_alike() {
        for queue in QUEUES {
            assert_eq!(
                queue.postgres.replace(" FOR UPDATE SKIP LOCKED", ""),
                queue.sqlite,
                "{}",
                queue.what
            );
            assert!(queue.postgres.contains("LIMIT $3 FOR UPDATE SKIP LOCKED)"));
            assert!(queue.release.ends_with("locked_until > 0"));
        }
        assert!(
            super::super::deliveries::QUEUE
                .release
                .contains("WHERE state = 'pending' AND")
        );
    }
}
