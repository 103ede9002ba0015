//! The durable inbox: activities are stored once (by id) when their signature checks
//! out, answered with 202, and processed afterwards by a worker. Also the replies and
//! mentions that processing keeps.

use super::{Backend, BeginWrite, InboxClaim, NewRemoteNote, RemoteNoteRecord, Store, on_pool};
use anyhow::Context;

const CLAIM_SQLITE: &str = "UPDATE inbox SET locked_until = $1 WHERE id IN ( \
       SELECT id FROM inbox WHERE state = 'pending' AND next_attempt_at <= $2 AND locked_until <= $2 \
       ORDER BY id LIMIT $3) \
     RETURNING id, ap_id, actor_ap_id, kind, body, attempts, locked_until";

const CLAIM_POSTGRES: &str = "UPDATE inbox SET locked_until = $1 WHERE id IN ( \
       SELECT id FROM inbox WHERE state = 'pending' AND next_attempt_at <= $2 AND locked_until <= $2 \
       ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED) \
     RETURNING id, ap_id, actor_ap_id, kind, body, attempts, locked_until";

impl Store {
    /// Stores a received activity; `false` when one with the same id was stored before
    /// (a retry, or the same activity at the shared and the personal inbox).
    pub async fn enqueue_inbox(
        &self,
        ap_id: &str,
        actor_ap_id: &str,
        kind: &str,
        body: &str,
        now: i64,
    ) -> anyhow::Result<bool> {
        let inserted = on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO inbox (ap_id, actor_ap_id, kind, body, next_attempt_at, received_at) \
                 VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (ap_id) DO NOTHING",
            )
            .bind(ap_id)
            .bind(actor_ap_id)
            .bind(kind)
            .bind(body)
            .bind(now)
            .execute(pool)
            .await
            .context("storing a received activity")?
            .rows_affected()
        });
        Ok(inserted == 1)
    }

    pub async fn claim_inbox(
        &self,
        now: i64,
        lease_until: i64,
        limit: i64,
    ) -> anyhow::Result<Vec<InboxClaim>> {
        let sql = match self.backend {
            Backend::Sqlite(_) => CLAIM_SQLITE,
            Backend::Postgres(_) => CLAIM_POSTGRES,
        };
        Ok(on_pool!(self, pool => {
            sqlx::query_as(sql)
                .bind(lease_until)
                .bind(now)
                .bind(limit)
                .fetch_all(pool)
                .await
                .context("claiming received activities")?
        }))
    }

    /// Marks a received activity `done` or `failed`.
    pub async fn finish_inbox(
        &self,
        id: i64,
        lease: i64,
        state: &str,
        error: Option<&str>,
    ) -> anyhow::Result<()> {
        on_pool!(self, pool => {
            sqlx::query(
                "UPDATE inbox SET state = $2, last_error = $3, attempts = attempts + 1, locked_until = 0 \
                 WHERE id = $1 AND locked_until = $4",
            )
            .bind(id)
            .bind(state)
            .bind(error)
            .bind(lease)
            .execute(pool)
            .await
            .context("finishing a received activity")?;
        });
        Ok(())
    }

    pub async fn retry_inbox(
        &self,
        id: i64,
        lease: i64,
        next_attempt_at: i64,
        error: &str,
    ) -> anyhow::Result<()> {
        on_pool!(self, pool => {
            sqlx::query(
                "UPDATE inbox SET attempts = attempts + 1, next_attempt_at = $2, last_error = $3, \
                   locked_until = 0 WHERE id = $1 AND locked_until = $4",
            )
            .bind(id)
            .bind(next_attempt_at)
            .bind(error)
            .bind(lease)
            .execute(pool)
            .await
            .context("rescheduling a received activity")?;
        });
        Ok(())
    }

    /// Forgets processed activities received before `before`. Their ids stop guarding
    /// against a replay then, but a replay needs a signature dated within the hour.
    pub async fn purge_inbox(&self, before: i64) -> anyhow::Result<u64> {
        Ok(on_pool!(self, pool => {
            sqlx::query("DELETE FROM inbox WHERE state <> 'pending' AND received_at < $1")
                .bind(before)
                .execute(pool)
                .await
                .context("purging processed activities")?
                .rows_affected()
        }))
    }

    /// All stored activities, processed or not.
    pub async fn count_inbox(&self) -> anyhow::Result<i64> {
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM inbox")
                .fetch_one(pool)
                .await
                .context("counting received activities")?
        }))
    }

    pub async fn count_remote_notes(&self) -> anyhow::Result<i64> {
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM remote_notes")
                .fetch_one(pool)
                .await
                .context("counting replies and mentions")?
        }))
    }

    pub async fn count_pending_inbox(&self) -> anyhow::Result<i64> {
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM inbox WHERE state = 'pending'")
                .fetch_one(pool)
                .await
                .context("counting received activities")?
        }))
    }

    /// Stores a reply or mention; a second copy of the same note changes nothing.
    pub async fn insert_remote_note(&self, note: &NewRemoteNote, now: i64) -> anyhow::Result<()> {
        on_pool!(self, pool => {
            super::insert_remote_note!(note, now)
                .fetch_optional(pool)
                .await
                .context("storing a reply or mention")?;
        });
        Ok(())
    }

    /// Updates a note, only when `actor_id` wrote it.
    /// Edits a note, only when `actor_id` wrote it. A reply that was approved for the
    /// site loses its approval in the same transaction (with a history line): an
    /// operator approved the text they read, not whatever it is edited into.
    pub async fn update_remote_note(
        &self,
        ap_id: &str,
        actor_id: i64,
        content_html: &str,
        now: i64,
    ) -> anyhow::Result<u64> {
        let event = super::NewTicketEvent {
            kind: "approval",
            from: "",
            to: "edited",
        };
        Ok(on_pool!(self, pool => {
            let mut tx = pool.begin_write().await.context("starting a transaction")?;
            let edited = sqlx::query(
                "UPDATE remote_notes SET content_html = $3, updated_at = $4 \
                 WHERE ap_id = $1 AND actor_id = $2 AND deleted_at IS NULL",
            )
            .bind(ap_id)
            .bind(actor_id)
            .bind(content_html)
            .bind(now)
            .execute(&mut *tx)
            .await
            .context("updating a reply or mention")?
            .rows_affected();
            let unapproved: Vec<i64> = sqlx::query_scalar(
                "UPDATE tickets SET approved_at = NULL, approved_by = NULL, updated_at = $3 \
                 WHERE approved_at IS NOT NULL AND remote_note_id IN \
                   (SELECT id FROM remote_notes WHERE ap_id = $1 AND actor_id = $2) \
                 RETURNING id",
            )
            .bind(ap_id)
            .bind(actor_id)
            .bind(now)
            .fetch_all(&mut *tx)
            .await
            .context("withdrawing the approval of an edited reply")?;
            for ticket_id in unapproved {
                super::ticket_desk::insert_ticket_event!(tx, ticket_id, None::<i64>, event, now)
                    .await
                    .context("recording the ticket's history")?;
            }
            tx.commit().await.context("committing the edit")?;
            edited
        }))
    }

    /// Withdraws a note, only when `actor_id` wrote it.
    pub async fn delete_remote_note(
        &self,
        ap_id: &str,
        actor_id: i64,
        now: i64,
    ) -> anyhow::Result<u64> {
        Ok(on_pool!(self, pool => {
            sqlx::query(
                "UPDATE remote_notes SET content_html = '', deleted_at = $3 \
                 WHERE ap_id = $1 AND actor_id = $2 AND deleted_at IS NULL",
            )
            .bind(ap_id)
            .bind(actor_id)
            .bind(now)
            .execute(pool)
            .await
            .context("withdrawing a reply or mention")?
            .rows_affected()
        }))
    }

    pub async fn remote_notes_for(
        &self,
        local_actor_id: i64,
    ) -> anyhow::Result<Vec<RemoteNoteRecord>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, ap_id, actor_id, local_actor_id, in_reply_to, content_html, url, \
                   published_at, updated_at, deleted_at \
                 FROM remote_notes WHERE local_actor_id = $1 ORDER BY published_at, id",
            )
            .bind(local_actor_id)
            .fetch_all(pool)
            .await
            .context("listing replies and mentions")?
        }))
    }
}
