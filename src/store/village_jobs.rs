//! The claims the portal's worker takes on villages that are due (a follow to send, an
//! outbox to read, a feed to poll), and what each job's outcome does to the village.

use super::villages::village_columns;
use super::{BeginWrite, NewActivity, Store, VillageRecord, on_pool};
use anyhow::Context;

/// Due: any village but one that refused our Follow (every village stays in the queue,
/// so a release frees them all); the longest waiting first.
pub(super) const QUEUE: super::lease::LeasedQueue = super::lease::leased_queue! {
    table: "villages",
    due: "follow_state <> 'rejected'",
    order: "next_attempt_at, id",
    returning: village_columns!(),
    what: "villages",
};

/// What hearing from villages at `$2` changes of them (a village that was unreachable
/// is due again and back to its follow's state); the statements below say which.
macro_rules! record_contact_set {
    () => {
        "UPDATE villages SET last_contact_at = $2, follow_attempts = 0, \
           next_attempt_at = CASE WHEN follow_state = 'unreachable' THEN $2 ELSE next_attempt_at END, \
           follow_state = CASE WHEN follow_state = 'unreachable' AND accepted_at IS NOT NULL THEN 'accepted' \
                               WHEN follow_state = 'unreachable' THEN 'pending' ELSE follow_state END"
    };
}
pub(super) use record_contact_set;

/// `$1` the village answered or sent something at `$2`: see
/// [`Store::record_village_contact`].
pub(super) const RECORD_CONTACT: &str = concat!(record_contact_set!(), " WHERE id = $1");

impl Store {
    /// Claims villages with work due: a follow to (re)send, an outbox to read, a feed to
    /// poll. The worker reschedules each one it finishes.
    pub async fn claim_due_villages(
        &self,
        now: i64,
        lease_until: i64,
        limit: i64,
    ) -> anyhow::Result<Vec<VillageRecord>> {
        self.claim(&QUEUE, now, lease_until, limit).await
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
            let recorded = sqlx::query(
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
            .context("recording the Follow")?
            .rows_affected();
            // The village was removed while it was looked up: no Follow for it.
            if recorded == 0 {
                return Ok(());
            }
            tx.commit().await.context("committing the Follow")?;
        });
        Ok(())
    }

    /// Moves a village's registry entry to the account it moved to: the entry (its id,
    /// so its posts, errors and figures, stay) takes the new actor and handle and waits
    /// for the new account to accept `follow_activity`, queued to it with `undo` (the
    /// Undo of our Follow of the old account, with that account's inbox and host), all in
    /// one transaction. The new account's outbox is read once it accepts.
    pub async fn move_village(
        &self,
        moved: &super::VillageMove,
        follow_activity: &NewActivity,
        undo: Option<(&NewActivity, &str, &str)>,
        now: i64,
    ) -> anyhow::Result<()> {
        let follow = &moved.follow;
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await.context("starting a transaction")?;
            let recorded = sqlx::query(
                "UPDATE villages SET actor_id = $2, handle = $3, follow_ap_id = $4, \
                   follow_state = 'pending', follow_attempts = 0, accepted_at = NULL, \
                   backfilled_at = NULL, last_contact_at = $5, next_attempt_at = $6, \
                   locked_until = 0 \
                 WHERE id = $1",
            )
            .bind(follow.village_id)
            .bind(follow.actor_id)
            .bind(&moved.handle)
            .bind(&follow.follow_ap_id)
            .bind(now)
            .bind(follow.retry_at)
            .execute(&mut *tx)
            .await
            .context("moving the village's entry")?
            .rows_affected();
            // The village was removed meanwhile: nothing to follow.
            if recorded == 0 {
                return Ok(());
            }
            let follow_id = super::insert_activity!(tx, follow_activity, follow_activity.post_id, now)
                .await
                .context("storing the Follow")?;
            super::queue_delivery!(tx, follow_id, &follow.inbox, &follow.host, now)
                .await
                .context("queueing the Follow")?;
            if let Some((undo, inbox, host)) = undo {
                let undo_id = super::insert_activity!(tx, undo, undo.post_id, now)
                    .await
                    .context("storing the Undo")?;
                super::queue_delivery!(tx, undo_id, inbox, host, now)
                    .await
                    .context("queueing the Undo")?;
            }
            tx.commit().await.context("committing the move")?;
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
            sqlx::query(RECORD_CONTACT)
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
            let recorded = sqlx::query(
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
            .context("recording a village failure")?
            .rows_affected();
            // The village was removed while its job ran: nothing to record.
            if recorded == 0 {
                return Ok(());
            }
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
}
