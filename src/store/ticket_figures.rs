//! Aspiration figures: on a village, the times of its tickets (to count and take
//! medians of); on a portal, the figures each village published. Times only: no name,
//! contact or message is read here.

use super::{Store, TicketRow, TicketStatus, on_pool};
use anyhow::Context;
use sqlx::FromRow;

/// A ticket's status and clock, nothing else.
#[derive(Clone, Debug, FromRow)]
pub struct TicketTiming {
    #[sqlx(try_from = "String")]
    pub status: TicketStatus,
    pub created_at: i64,
    pub first_response_due: i64,
    pub answer_due: i64,
    pub first_response_at: Option<i64>,
    pub answered_at: Option<i64>,
}

impl TicketRow {
    /// Its status and clock, for the overdue rules in `aspirations::figures`.
    pub fn timing(&self) -> TicketTiming {
        TicketTiming {
            status: self.status,
            created_at: self.created_at,
            first_response_due: self.first_response_due,
            answer_due: self.answer_due,
            first_response_at: self.first_response_at,
            answered_at: self.answered_at,
        }
    }
}

/// A village's published figures as the portal keeps them.
#[derive(Clone, Debug, PartialEq, Eq, FromRow)]
pub struct VillageTicketFigures {
    pub village_id: i64,
    pub open_tickets: i64,
    pub overdue_tickets: i64,
    pub received: i64,
    pub answered: i64,
    pub median_first_response_secs: Option<i64>,
    pub median_answer_secs: Option<i64>,
    pub window_days: i64,
    pub computed_at: i64,
    pub fetched_at: i64,
}

impl Store {
    /// Every open ticket, and every ticket received since `since`.
    pub async fn ticket_timings(&self, since: i64) -> anyhow::Result<Vec<TicketTiming>> {
        let sql = format!(
            "SELECT status, created_at, first_response_due, answer_due, first_response_at, \
                    answered_at \
               FROM tickets \
              WHERE created_at >= $1 OR status IN {open}",
            open = TicketStatus::sql_list(TicketStatus::OPEN),
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(since)
            .fetch_all(pool)
            .await
            .context("reading ticket times")?
        }))
    }

    /// Keeps the figures a village published, replacing the previous ones.
    pub async fn record_village_ticket_figures(
        &self,
        figures: &VillageTicketFigures,
    ) -> anyhow::Result<()> {
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO village_ticket_figures (village_id, open_tickets, overdue_tickets, \
                   received, answered, median_first_response_secs, median_answer_secs, \
                   window_days, computed_at, fetched_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                 ON CONFLICT (village_id) DO UPDATE SET open_tickets = excluded.open_tickets, \
                   overdue_tickets = excluded.overdue_tickets, received = excluded.received, \
                   answered = excluded.answered, \
                   median_first_response_secs = excluded.median_first_response_secs, \
                   median_answer_secs = excluded.median_answer_secs, \
                   window_days = excluded.window_days, computed_at = excluded.computed_at, \
                   fetched_at = excluded.fetched_at",
            )
            .bind(figures.village_id)
            .bind(figures.open_tickets)
            .bind(figures.overdue_tickets)
            .bind(figures.received)
            .bind(figures.answered)
            .bind(figures.median_first_response_secs)
            .bind(figures.median_answer_secs)
            .bind(figures.window_days)
            .bind(figures.computed_at)
            .bind(figures.fetched_at)
            .execute(pool)
            .await
            .context("keeping a village's aspiration figures")?;
        });
        Ok(())
    }

    /// Forgets a village's figures: it no longer publishes any.
    pub async fn forget_village_ticket_figures(&self, village_id: i64) -> anyhow::Result<()> {
        on_pool!(self, pool => {
            sqlx::query("DELETE FROM village_ticket_figures WHERE village_id = $1")
                .bind(village_id)
                .execute(pool)
                .await
                .context("forgetting a village's aspiration figures")?;
        });
        Ok(())
    }

    /// The figures of every village that published some.
    pub async fn village_ticket_figures(&self) -> anyhow::Result<Vec<VillageTicketFigures>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT village_id, open_tickets, overdue_tickets, received, answered, \
                        median_first_response_secs, median_answer_secs, window_days, \
                        computed_at, fetched_at \
                   FROM village_ticket_figures",
            )
            .fetch_all(pool)
            .await
            .context("reading the villages' aspiration figures")?
        }))
    }
}
