//! Bytes each sender made the node store in its current window (`host_quotas`): a remote
//! server by its host, or the website's form under one key. Counted in the transaction
//! that stores them, so two processes on one PostgreSQL database, or a burst of requests,
//! cannot both slip under the limit: the count and the refusal are one `INSERT … ON
//! CONFLICT … WHERE … RETURNING` on a single row per sender.

use super::{BeginWrite, Store, on_pool};
use anyhow::Context;

/// How much one sender may have stored per window (from [`crate::quota`]). A sender's
/// count starts again once `window_ms` has passed since its window began.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SenderQuota {
    pub bytes_per_window: i64,
    pub window_ms: i64,
}

impl SenderQuota {
    /// The same window with no ceiling: for what is stored because of an activity
    /// already accepted (the actor that signed it, the note it carried), which is
    /// counted but never refused half-way through processing.
    pub fn counting_only(self) -> Self {
        Self {
            bytes_per_window: i64::MAX,
            ..self
        }
    }
}

/// A sender's count as it stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct SenderUsage {
    pub window_start: i64,
    pub stored_bytes: i64,
}

impl SenderUsage {
    /// Milliseconds until the sender's window ends and its count starts again (at
    /// least one second, so that a `Retry-After` is never zero).
    pub fn wait(&self, quota: &SenderQuota, now: i64) -> i64 {
        (self.window_start.saturating_add(quota.window_ms) - now).max(1_000)
    }

    /// When the sender may store again, if its window is full: `Some(milliseconds)`.
    pub fn full_for(&self, quota: &SenderQuota, now: i64) -> Option<i64> {
        let window_ends = self.window_start.saturating_add(quota.window_ms);
        (window_ends > now && self.stored_bytes >= quota.bytes_per_window)
            .then(|| self.wait(quota, now))
    }
}

/// `$2` now, `$3` bytes, `$4` window, `$5` ceiling. A window that has ended starts again
/// with these bytes; otherwise they are added, unless that would pass the ceiling, in
/// which case no row comes back and the caller rolls back what it stored.
macro_rules! charge_tail {
    () => {
        " ON CONFLICT (host) DO UPDATE SET \
           stored_bytes = CASE WHEN host_quotas.window_start <= $2 - $4 THEN excluded.stored_bytes \
             ELSE host_quotas.stored_bytes + excluded.stored_bytes END, \
           window_start = CASE WHEN host_quotas.window_start <= $2 - $4 THEN excluded.window_start \
             ELSE host_quotas.window_start END \
         WHERE host_quotas.window_start <= $2 - $4 \
           OR host_quotas.stored_bytes + excluded.stored_bytes <= $5 \
         RETURNING stored_bytes"
    };
}

pub(super) use charge_tail;

pub(super) const CHARGE_HOST: &str = concat!(
    "INSERT INTO host_quotas (host, window_start, stored_bytes) VALUES ($1, $2, $3)",
    charge_tail!()
);

/// The same, for the server of the actor whose id is `$1`.
pub(super) const CHARGE_HOST_OF_ACTOR: &str = concat!(
    "INSERT INTO host_quotas (host, window_start, stored_bytes) \
     SELECT host, $2, $3 FROM actors WHERE id = $1 AND is_local = FALSE",
    charge_tail!()
);

/// Inside a transaction `$tx`: counts `$bytes` for the sender `$host` (a `&str`), or for
/// the server of actor `$actor_id` with `by_actor`. Evaluates to a future of
/// `Option<i64>`: the new count, or `None` when the ceiling refused it (or, by actor, when
/// the actor is local and nothing is counted).
macro_rules! charge_sender {
    ($tx:ident, $host:expr, $bytes:expr, $quota:expr, $now:expr) => {
        sqlx::query_scalar::<_, i64>($crate::store::quotas::CHARGE_HOST)
            .bind($host)
            .bind($now)
            .bind($bytes)
            .bind($quota.window_ms)
            .bind($quota.bytes_per_window)
            .fetch_optional(&mut *$tx)
    };
    ($tx:ident, by_actor $actor_id:expr, $bytes:expr, $quota:expr, $now:expr) => {
        sqlx::query_scalar::<_, i64>($crate::store::quotas::CHARGE_HOST_OF_ACTOR)
            .bind($actor_id)
            .bind($now)
            .bind($bytes)
            .bind($quota.window_ms)
            .bind($quota.bytes_per_window)
            .fetch_optional(&mut *$tx)
    };
}
pub(crate) use charge_sender;

/// Bytes a text takes in the database, as counted against a quota.
pub(super) fn text_bytes<'a>(texts: impl IntoIterator<Item = &'a str>) -> i64 {
    texts
        .into_iter()
        .map(|text| i64::try_from(text.len()).unwrap_or(i64::MAX))
        .fold(0_i64, i64::saturating_add)
}

impl Store {
    /// A sender's count, if it stored anything lately.
    pub async fn sender_usage(&self, host: &str) -> anyhow::Result<Option<SenderUsage>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as("SELECT window_start, stored_bytes FROM host_quotas WHERE host = $1")
                .bind(host)
                .fetch_optional(pool)
                .await
                .context("reading a sender's quota")?
        }))
    }

    /// Counts bytes for a sender outside any other write (the website form's photo
    /// files, written before its ticket); `false` when the ceiling refused them.
    pub async fn charge_sender(
        &self,
        host: &str,
        bytes: i64,
        quota: &SenderQuota,
        now: i64,
    ) -> anyhow::Result<bool> {
        let counted = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await.context("starting a transaction")?;
            let counted = charge_sender!(tx, host, bytes, quota, now)
                .await
                .context("counting a sender's bytes")?;
            tx.commit().await.context("committing a sender's bytes")?;
            counted
        });
        Ok(counted.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUOTA: SenderQuota = SenderQuota {
        bytes_per_window: 100,
        window_ms: 1_000,
    };

    #[test]
    fn a_full_window_says_when_it_ends() {
        let usage = SenderUsage {
            window_start: 10_000,
            stored_bytes: 100,
        };
        assert_eq!(
            usage.full_for(&QUOTA, 10_400),
            Some(1_000),
            "never under a second"
        );
        assert_eq!(usage.full_for(&QUOTA, 8_000), Some(3_000));
        assert_eq!(usage.full_for(&QUOTA, 11_000), None, "the window ended");
        let room = SenderUsage {
            stored_bytes: 99,
            ..usage
        };
        assert_eq!(room.full_for(&QUOTA, 10_400), None);
    }

    #[test]
    fn text_is_counted_in_bytes() {
        assert_eq!(text_bytes(["abc", "é"]), 5);
    }
}
