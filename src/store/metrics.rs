//! What an operator's monitoring asks of a site's database: is it answering (`ping`,
//! for `/healthz`), and how long are its queues (`operation_counts`, for `/metrics`).
//! Every count is read through an index, so a scrape every few seconds costs little on a
//! database of years: the pending deliveries and received activities through their
//! `… WHERE state = 'pending'` partial indexes, recent failures through
//! `deliveries_finished`, tickets through `tickets_by_status`.

use super::{Store, TicketStatus, on_pool};
use anyhow::Context;
use sqlx::FromRow;

/// The queue and ticket figures of one site at one moment.
#[derive(Clone, Debug, Default, PartialEq, Eq, FromRow)]
pub struct OperationCounts {
    /// Deliveries waiting to be sent (first attempt or a retry).
    pub deliveries_pending: i64,
    /// Of those, the ones that failed at least once and wait for a retry.
    pub deliveries_retrying: i64,
    /// Deliveries given up or refused for good since the `failed_since` asked for.
    pub deliveries_failed_recently: i64,
    /// Received activities waiting to be processed.
    pub inbox_pending: i64,
    /// Tickets waiting for the village (baru, diverifikasi, diproses).
    pub tickets_open: i64,
    /// Of those, the ones whose first response or answer is late.
    pub tickets_overdue: i64,
}

impl Store {
    /// A trivial query: the database answers.
    pub async fn ping(&self) -> anyhow::Result<()> {
        on_pool!(self, pool => {
            sqlx::query("SELECT 1")
                .execute(pool)
                .await
                .context("asking the database")?;
        });
        Ok(())
    }

    /// The site's queues and tickets, in one round trip. `now` decides which tickets are
    /// late; deliveries that failed for good are counted from `failed_since` on (the
    /// table keeps them for 90 days; counting them all would read every one).
    pub async fn operation_counts(
        &self,
        now: i64,
        failed_since: i64,
    ) -> anyhow::Result<OperationCounts> {
        // The same condition as the partial index `deliveries_finished`, written out so
        // that SQLite uses it (it matches a partial index's WHERE by its terms).
        let sql = format!(
            "SELECT \
               (SELECT COUNT(*) FROM deliveries WHERE state = 'pending') AS deliveries_pending, \
               (SELECT COUNT(*) FROM deliveries WHERE state = 'pending' AND attempts > 0) \
                 AS deliveries_retrying, \
               (SELECT COUNT(*) FROM deliveries WHERE state <> 'pending' AND finished_at >= $2 \
                  AND state = 'failed') AS deliveries_failed_recently, \
               (SELECT COUNT(*) FROM inbox WHERE state = 'pending') AS inbox_pending, \
               (SELECT COUNT(*) FROM tickets WHERE status IN {open}) AS tickets_open, \
               (SELECT COUNT(*) FROM tickets WHERE status IN {open} \
                  AND ((first_response_at IS NULL AND first_response_due < $1) \
                    OR (answered_at IS NULL AND answer_due < $1))) AS tickets_overdue",
            open = TicketStatus::sql_list(TicketStatus::OPEN),
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(now)
                .bind(failed_since)
                .fetch_one(pool)
                .await
                .context("counting the queues")?
        }))
    }

    /// Deliveries not yet delivered or given up: a site being removed waits for none.
    pub async fn count_pending_deliveries(&self) -> anyhow::Result<i64> {
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM deliveries WHERE state = 'pending'")
                .fetch_one(pool)
                .await
                .context("counting pending deliveries")?
        }))
    }
}
