//! The durable outgoing queue: one row per (activity, inbox), claimed by workers with a
//! lease so that a crashed process's work is picked up again, and by several processes
//! on PostgreSQL without any row being sent twice at the same time.

use super::BeginWrite;
use super::{DeliveryClaim, DeliveryCounts, HostHealth, Store, on_pool};
use anyhow::Context;
use std::{
    collections::HashMap,
    sync::{Arc, LazyLock, Mutex, Weak},
};
use tokio::sync::broadcast;

/// Where an outgoing activity goes: one row per distinct inbox of the actor's followers,
/// the shared inbox when the follower's server has one.
pub(super) const FAN_OUT: &str = "INSERT INTO deliveries (activity_id, inbox_url, host, next_attempt_at, created_at) \
     SELECT $1, COALESCE(a.shared_inbox_url, a.inbox_url), MIN(a.host), $2, $2 \
     FROM follows f JOIN actors a ON a.id = f.remote_actor_id \
     WHERE f.local_actor_id = $3 \
     GROUP BY COALESCE(a.shared_inbox_url, a.inbox_url)";

pub(super) const INSERT_ACTIVITY: &str = "INSERT INTO activities (public_id, actor_id, kind, post_id, object_json, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id";

/// At most this many requests in flight to one server (a leased delivery is one, in
/// whichever process holds it), so that a server that takes connections and never
/// answers ties up this many requests at most, however many posts it is owed. The
/// claim ([`QUEUE`]) skips a server that has them all; a claim that still brings more
/// for one server (a batch took several of its rows at once) is handed back by the
/// worker ([`Store::hand_back_delivery`]).
pub const PER_SERVER_IN_FLIGHT: usize = 4;

/// Due: pending, its server not held by the circuit breaker or a `Retry-After`, and not
/// already sent [`PER_SERVER_IN_FLIGHT`] requests that are still in flight; the longest
/// waiting first.
pub(super) const QUEUE: super::lease::LeasedQueue = super::lease::leased_queue! {
    table: "deliveries",
    waiting: "state = 'pending'",
    due: "NOT EXISTS (SELECT 1 FROM hosts h WHERE h.host = deliveries.host \
            AND h.retry_not_before > $2) \
          AND host NOT IN (SELECT busy.host FROM deliveries busy \
            WHERE busy.state = 'pending' AND busy.locked_until > $2 \
            GROUP BY busy.host HAVING COUNT(*) >= 4)",
    order: "next_attempt_at, id",
    returning: "id, activity_id, inbox_url, host, attempts, created_at, locked_until",
    what: "deliveries",
};

/// The channel migration 0020's trigger notifies, with the schema as its payload.
const DELIVERIES_QUEUED: &str = "kentongan_deliveries";

/// What a process's listener heard on [`DELIVERIES_QUEUED`].
#[derive(Clone, Debug)]
enum Heard {
    /// Deliveries were queued in this schema.
    Queued(String),
    /// The connection dropped (and was made again, or is being): whatever was queued
    /// meanwhile was not heard of.
    Missed,
}

/// One `LISTEN` connection per PostgreSQL database per process, shared by the delivery
/// workers of every store on it. A hosting node opens one store per site, each on its own
/// schema; a connection each would undo its small, lazy pools (docs/adr/0002: 500 sites
/// must not hold 500 connections), so the trigger names the schema and each worker keeps
/// its own. It lives while a worker listens.
struct SharedListener {
    heard: broadcast::Sender<Heard>,
    task: tokio::task::JoinHandle<()>,
}

impl SharedListener {
    fn start(mut listener: sqlx::postgres::PgListener) -> Self {
        // Enough for a burst of statements from many sites; a worker that falls behind
        // anyway just looks at its queue (`RecvError::Lagged`).
        let (heard, _) = broadcast::channel(1024);
        let sender = heard.clone();
        let task = tokio::spawn(async move {
            loop {
                match listener.try_recv().await {
                    Ok(Some(note)) => {
                        let _ = sender.send(Heard::Queued(note.payload().to_string()));
                    }
                    Ok(None) => {
                        let _ = sender.send(Heard::Missed);
                    }
                    Err(err) => {
                        tracing::warn!(error = %format!("{err:#}"), "listening for deliveries failed; trying again");
                        let _ = sender.send(Heard::Missed);
                        tokio::time::sleep(LISTEN_RETRY).await;
                    }
                }
            }
        });
        Self { heard, task }
    }
}

impl Drop for SharedListener {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// How long the shared listener waits before it connects again after a failure.
const LISTEN_RETRY: std::time::Duration = std::time::Duration::from_millis(500);

/// The process's listeners, by database (server, port, database, user; not schema).
/// Only weak references: the last worker to stop listening closes the connection.
static LISTENERS: LazyLock<Mutex<HashMap<String, Weak<SharedListener>>>> =
    LazyLock::new(Mutex::default);

/// Notifications of deliveries queued in one schema ([`Store::listen_for_deliveries`]).
pub struct DeliveriesQueued {
    heard: broadcast::Receiver<Heard>,
    schema: String,
    _listener: Arc<SharedListener>,
}

impl DeliveriesQueued {
    /// Waits until deliveries were queued in this store's schema, or until something
    /// may have been missed (the connection dropped, or this worker fell behind).
    pub async fn next(&mut self) -> anyhow::Result<()> {
        loop {
            match self.heard.recv().await {
                Ok(Heard::Queued(schema)) if schema != self.schema => continue,
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => return Ok(()),
                Err(broadcast::error::RecvError::Closed) => {
                    anyhow::bail!("the deliveries listener stopped")
                }
            }
        }
    }
}

/// Ends a delivery: `$1` its id, `$2` the state, `$3` the status, `$4` the error, `$5`
/// now, `$6` the lease it was claimed with.
const FINISH: &str = "UPDATE deliveries SET state = $2, last_status = $3, \
       last_error = substr($4, 1, 1000), attempts = attempts + 1, finished_at = $5, \
       locked_until = 0 \
     WHERE id = $1 AND locked_until = $6";

/// Inside a transaction `$tx`: `$host` answered at `$now`, so it is reachable again, and
/// whatever waited for it because it was failing is due now.
macro_rules! host_answered {
    ($tx:ident, $host:expr, $now:expr) => {
        sqlx::query(
            "UPDATE deliveries SET next_attempt_at = $2 \
             WHERE host = $1 AND state = 'pending' AND next_attempt_at > $2 \
               AND EXISTS (SELECT 1 FROM hosts h WHERE h.host = $1 \
                 AND (h.consecutive_failures > 0 OR h.unreachable))",
        )
        .bind($host)
        .bind($now)
        .execute(&mut *$tx)
        .await
        .context("bringing a host's deliveries forward")?;
        sqlx::query(
            "INSERT INTO hosts (host, consecutive_failures, unreachable, last_success_at) \
             VALUES ($1, 0, FALSE, $2) \
             ON CONFLICT (host) DO UPDATE SET consecutive_failures = 0, first_failure_at = NULL, \
               unreachable = FALSE, retry_not_before = NULL, last_success_at = $2",
        )
        .bind($host)
        .bind($now)
        .execute(&mut *$tx)
        .await
        .context("recording a host success")?;
    };
}

impl Store {
    /// Claims up to `limit` due deliveries until `lease_until`. A claim that is neither
    /// finished nor rescheduled before its lease ends (the process died) is claimed again.
    pub async fn claim_deliveries(
        &self,
        now: i64,
        lease_until: i64,
        limit: i64,
    ) -> anyhow::Result<Vec<DeliveryClaim>> {
        self.claim(&QUEUE, now, lease_until, limit).await
    }

    /// Ends a delivery: `state` is `delivered` or `failed`. Only the holder of the claim
    /// (`lease`, as claimed) may: a worker whose lease ran out and was claimed again by
    /// another changes nothing.
    pub async fn finish_delivery(
        &self,
        id: i64,
        lease: i64,
        state: super::DeliveryState,
        status: Option<i64>,
        error: Option<&str>,
        now: i64,
    ) -> anyhow::Result<()> {
        on_pool!(self, pool => {
            sqlx::query(FINISH)
            .bind(id)
            .bind(state.as_str())
            .bind(status)
            .bind(error)
            .bind(now)
            .bind(lease)
            .execute(pool)
            .await
            .context("finishing a delivery")?;
        });
        Ok(())
    }

    /// Gives a claim back untouched (no attempt counted): due again at once, for the
    /// next claim that finds its server with a request to spare.
    pub async fn hand_back_delivery(&self, id: i64, lease: i64) -> anyhow::Result<()> {
        on_pool!(self, pool => {
            sqlx::query("UPDATE deliveries SET locked_until = 0 WHERE id = $1 AND locked_until = $2")
                .bind(id)
                .bind(lease)
                .execute(pool)
                .await
                .context("handing back a delivery")?;
        });
        Ok(())
    }

    pub async fn reschedule_delivery(
        &self,
        id: i64,
        lease: i64,
        next_attempt_at: i64,
        status: Option<i64>,
        error: &str,
    ) -> anyhow::Result<()> {
        on_pool!(self, pool => {
            sqlx::query(
                "UPDATE deliveries SET attempts = attempts + 1, next_attempt_at = $2, \
                   last_status = $3, last_error = substr($4, 1, 1000), locked_until = 0 \
                 WHERE id = $1 AND locked_until = $5",
            )
            .bind(id)
            .bind(next_attempt_at)
            .bind(status)
            .bind(error)
            .bind(lease)
            .execute(pool)
            .await
            .context("rescheduling a delivery")?;
        });
        Ok(())
    }

    /// Deliveries of one activity (or of all) by state, those the retention worker
    /// folded into `delivery_totals` included.
    pub async fn delivery_counts(
        &self,
        activity_id: Option<i64>,
    ) -> anyhow::Result<DeliveryCounts> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT CAST(COALESCE(SUM(pending), 0) AS BIGINT) AS pending, \
                   CAST(COALESCE(SUM(delivered), 0) AS BIGINT) AS delivered, \
                   CAST(COALESCE(SUM(failed), 0) AS BIGINT) AS failed \
                 FROM ( \
                   SELECT CASE WHEN state = 'pending' THEN 1 ELSE 0 END AS pending, \
                     CASE WHEN state = 'delivered' THEN 1 ELSE 0 END AS delivered, \
                     CASE WHEN state = 'failed' THEN 1 ELSE 0 END AS failed \
                   FROM deliveries WHERE ($1 IS NULL OR activity_id = $1) \
                   UNION ALL \
                   SELECT 0, delivered, failed FROM delivery_totals \
                   WHERE ($1 IS NULL OR activity_id = $1)) AS counted",
            )
            .bind(activity_id)
            .fetch_one(pool)
            .await
            .context("counting deliveries")?
        }))
    }

    pub async fn host_health(&self, host: &str) -> anyhow::Result<Option<HostHealth>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT host, consecutive_failures, first_failure_at, unreachable, last_success_at \
                 FROM hosts WHERE host = $1",
            )
            .bind(host)
            .fetch_optional(pool)
            .await
            .context("reading host health")?
        }))
    }

    /// A request to `host` succeeded, or the host reached us: it is reachable again, and
    /// whatever waited for it because it was failing is due now.
    pub async fn record_host_success(&self, host: &str, now: i64) -> anyhow::Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await.context("starting a transaction")?;
            host_answered!(tx, host, now);
            tx.commit().await.context("committing a host success")?;
        });
        Ok(())
    }

    /// Ends a delivery its server answered (`state` delivered, or failed for a refusal)
    /// and records the server's success, in one transaction: a fan-out writes this once
    /// per server, so it is one commit rather than two.
    pub async fn finish_answered_delivery(
        &self,
        claim: &super::DeliveryClaim,
        state: super::DeliveryState,
        status: i64,
        error: Option<&str>,
        now: i64,
    ) -> anyhow::Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await.context("starting a transaction")?;
            sqlx::query(FINISH)
                .bind(claim.id)
                .bind(state.as_str())
                .bind(Some(status))
                .bind(error)
                .bind(now)
                .bind(claim.locked_until)
                .execute(&mut *tx)
                .await
                .context("finishing a delivery")?;
            host_answered!(tx, &claim.host, now);
            tx.commit().await.context("committing a delivery")?;
        });
        Ok(())
    }

    /// No request to `host` before `until` (a `Retry-After`, or an unreachable host).
    pub async fn hold_host(&self, host: &str, until: i64) -> anyhow::Result<()> {
        on_pool!(self, pool => {
            sqlx::query(
                "UPDATE hosts SET retry_not_before = \
                   CASE WHEN retry_not_before IS NULL OR retry_not_before < $2 THEN $2 ELSE retry_not_before END \
                 WHERE host = $1",
            )
            .bind(host)
            .bind(until)
            .execute(pool)
            .await
            .context("holding a host")?;
        });
        Ok(())
    }

    /// Every delivery of an activity: inbox, state, attempts, last status.
    pub async fn deliveries_of(
        &self,
        activity_id: i64,
    ) -> anyhow::Result<Vec<super::DeliveryStatus>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT inbox_url, host, state, attempts, last_status, last_error FROM deliveries \
                 WHERE activity_id = $1 ORDER BY id",
            )
            .bind(activity_id)
            .fetch_all(pool)
            .await
            .context("listing deliveries")?
        }))
    }

    /// Counts a failed request to `host` and marks it unreachable once it has failed
    /// `threshold` times in a row over at least `min_span` milliseconds.
    pub async fn record_host_failure(
        &self,
        host: &str,
        now: i64,
        threshold: i64,
        min_span: i64,
    ) -> anyhow::Result<HostHealth> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as(
                "INSERT INTO hosts (host, consecutive_failures, first_failure_at, unreachable) \
                 VALUES ($1, 1, $2, FALSE) \
                 ON CONFLICT (host) DO UPDATE SET \
                   consecutive_failures = hosts.consecutive_failures + 1, \
                   first_failure_at = COALESCE(hosts.first_failure_at, $2), \
                   unreachable = hosts.unreachable OR (hosts.consecutive_failures + 1 >= $3 \
                     AND $2 - COALESCE(hosts.first_failure_at, $2) >= $4) \
                 RETURNING host, consecutive_failures, first_failure_at, unreachable, last_success_at",
            )
            .bind(host)
            .bind(now)
            .bind(threshold)
            .bind(min_span)
            .fetch_one(pool)
            .await
            .context("recording a host failure")?
        }))
    }

    /// On PostgreSQL, a listener told of every statement that queues deliveries in this
    /// store's schema, in any process (migration 0020's trigger), through the process's
    /// one connection to the database that listens ([`SharedListener`]); `None` on
    /// SQLite, whose file has one serving process that the command line wakes through
    /// its socket.
    pub async fn listen_for_deliveries(&self) -> anyhow::Result<Option<DeliveriesQueued>> {
        let super::Backend::Postgres(pool) = &self.backend else {
            return Ok(None);
        };
        let schema: String = sqlx::query_scalar("SELECT current_schema()")
            .fetch_one(pool)
            .await
            .context("reading the schema to listen for")?;
        let options = pool.connect_options();
        let database = format!(
            "{}:{}/{}@{}",
            options.get_host(),
            options.get_port(),
            options.get_database().unwrap_or_default(),
            options.get_username()
        );
        let running = LISTENERS
            .lock()
            .expect("listeners lock")
            .get(&database)
            .and_then(Weak::upgrade);
        let listener = match running {
            Some(listener) => listener,
            None => {
                let started = Arc::new(SharedListener::start(listen(pool).await?));
                let mut listeners = LISTENERS.lock().expect("listeners lock");
                listeners.retain(|_, listener| listener.strong_count() > 0);
                // Another store may have started one meanwhile: keep the first.
                match listeners.get(&database).and_then(Weak::upgrade) {
                    Some(first) => first,
                    None => {
                        listeners.insert(database, Arc::downgrade(&started));
                        started
                    }
                }
            }
        };
        Ok(Some(DeliveriesQueued {
            heard: listener.heard.subscribe(),
            schema,
            _listener: listener,
        }))
    }

    /// The earliest moment a pending delivery is due, to know how long a worker may sleep.
    pub async fn next_delivery_due(&self) -> anyhow::Result<Option<i64>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar(
                "SELECT MIN(CASE WHEN locked_until > next_attempt_at THEN locked_until ELSE next_attempt_at END) \
                 FROM deliveries WHERE state = 'pending'",
            )
            .fetch_one(pool)
            .await
            .context("reading the next due delivery")?
        }))
    }
}

/// A connection of its own, outside the pool, that listens on [`DELIVERIES_QUEUED`]:
/// `LISTEN` holds it for good, and the listener reconnects it if it drops.
async fn listen(pool: &sqlx::PgPool) -> anyhow::Result<sqlx::postgres::PgListener> {
    let own = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .max_lifetime(None)
        .idle_timeout(None)
        .connect_with((*pool.connect_options()).clone())
        .await
        .context("connecting to listen for deliveries")?;
    let mut listener = sqlx::postgres::PgListener::connect_with(&own)
        .await
        .context("listening for deliveries")?;
    listener.ignore_pool_close_event(true);
    listener
        .listen(DELIVERIES_QUEUED)
        .await
        .context("listening for deliveries")?;
    Ok(listener)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The SQL says the limit the worker counts with.
    #[test]
    fn the_claim_keeps_the_per_server_limit() {
        let limit = format!("HAVING COUNT(*) >= {PER_SERVER_IN_FLIGHT})");
        assert!(QUEUE.sqlite.contains(&limit), "{}", QUEUE.sqlite);
    }
}
