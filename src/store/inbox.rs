//! The durable inbox: activities are stored once (by id) when their signature checks
//! out, answered with 202, and processed afterwards by a worker. Also the replies and
//! mentions that processing keeps.

use super::{
    BeginWrite, InboxClaim, NewRemoteNote, RemoteNoteRecord, SenderQuota, SenderUsage, Store,
    on_pool,
    quotas::{charge_sender, charge_tail, text_bytes},
};
use anyhow::Context;

/// Due: pending; in the order received (a retried one keeps its place).
pub(super) const QUEUE: super::lease::LeasedQueue = super::lease::leased_queue! {
    table: "inbox",
    waiting: "state = 'pending'",
    order: "id",
    returning: "id, ap_id, actor_ap_id, kind, body, attempts, locked_until",
    what: "received activities",
};

const INSERT_INBOX: &str = "INSERT INTO inbox (ap_id, actor_ap_id, kind, body, next_attempt_at, received_at) \
     VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (ap_id) DO NOTHING";

/// PostgreSQL's way to keep one received activity: the charge against its server's quota
/// (`$1` host, `$2` now, `$3` bytes, `$4` window, `$5` ceiling, as `quotas::CHARGE_HOST`)
/// and the insert (`$6` id, `$7` actor, `$8` kind, `$9` body) in one statement, which
/// PostgreSQL runs atomically: no BEGIN, second statement and COMMIT, three round trips
/// of the four a transaction took per accepted activity. It answers whether the id was
/// new, whether the quota took its bytes, whether it was stored, and the server's count
/// as it stood before (for the wait when the ceiling refused it).
const STORE_RECEIVED_POSTGRES: &str = concat!(
    "WITH fresh AS (SELECT NOT EXISTS (SELECT 1 FROM inbox WHERE ap_id = $6) AS new), \
     charged AS (INSERT INTO host_quotas (host, window_start, stored_bytes) \
       SELECT $1, $2, $3 FROM fresh WHERE new",
    charge_tail!(),
    "), stored AS (INSERT INTO inbox (ap_id, actor_ap_id, kind, body, next_attempt_at, received_at) \
       SELECT $6, $7, $8, $9, $2, $2 FROM charged ON CONFLICT (ap_id) DO NOTHING RETURNING 1) \
     SELECT (SELECT new FROM fresh), EXISTS (SELECT 1 FROM charged), EXISTS (SELECT 1 FROM stored), \
       (SELECT window_start FROM host_quotas WHERE host = $1), \
       (SELECT stored_bytes FROM host_quotas WHERE host = $1)"
);

/// What became of a claimed activity, to record.
#[derive(Clone, Debug)]
pub enum InboxOutcome {
    /// Acted on, dropped on purpose, or given up (`error` says why for the last two).
    Finished {
        state: super::InboxState,
        error: Option<String>,
    },
    /// Failed for a reason that may pass: due again at `at`.
    Retry { at: i64, error: String },
}

/// A verified activity to keep, from the server `host`.
#[derive(Clone, Copy, Debug)]
pub struct NewInboxActivity<'a> {
    pub ap_id: &'a str,
    pub actor_ap_id: &'a str,
    pub host: &'a str,
    pub kind: &'a str,
    pub body: &'a str,
}

/// What this node holds about an activity's sender, read before its signature is checked
/// ([`Store::sender_standing`]).
#[derive(Clone, Debug, Default)]
pub struct SenderStanding {
    /// The sender's account or its server is blocked (the account's block first).
    pub block: Option<super::BlockKind>,
    /// Today's count of the sender's server (`crate::quota::SERVER`).
    pub server_usage: Option<SenderUsage>,
    /// Today's count of the actors of that server we stored (`crate::quota::ACTOR_COPIES`).
    pub actor_copies_usage: Option<SenderUsage>,
    /// The actor is stored here: checking its key needs no fetch.
    pub actor_stored: bool,
    /// How deliveries to the sender's server fare, if we ever sent or heard from it.
    pub host_health: Option<super::HostHealth>,
}

/// The row [`Store::sender_standing`] reads: each column one lookup by key.
type StandingRow = (
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    bool,
    Option<i64>,
    Option<i64>,
    Option<bool>,
    Option<i64>,
);

/// A received activity waiting for the inbox writer's next transaction.
#[derive(Debug)]
struct QueuedActivity {
    ap_id: String,
    actor_ap_id: String,
    host: String,
    kind: String,
    body: String,
    quota: SenderQuota,
    now: i64,
    reply: tokio::sync::oneshot::Sender<anyhow::Result<Enqueued>>,
}

impl QueuedActivity {
    /// What the activity counts against its server's quota.
    fn bytes(&self) -> i64 {
        text_bytes([
            self.ap_id.as_str(),
            &self.actor_ap_id,
            &self.kind,
            &self.body,
        ])
    }
}

/// The activities received and not yet written, and the turn to write them: one
/// transaction at a time per store, which takes everything queued when it starts.
#[derive(Debug, Default)]
pub(super) struct InboxWriter {
    queue: std::sync::Mutex<Vec<QueuedActivity>>,
    turn: tokio::sync::Mutex<()>,
}

impl InboxWriter {
    fn push(&self, activity: QueuedActivity) {
        // A poisoned queue still holds valid activities: a panic elsewhere cannot have
        // left one half-written.
        let mut queue = self
            .queue
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        queue.push(activity);
    }

    fn take(&self) -> Vec<QueuedActivity> {
        let mut queue = self
            .queue
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        std::mem::take(&mut *queue)
    }
}

/// What became of a received activity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Enqueued {
    Stored,
    /// One with the same id was stored before (a retry, or the same activity at the
    /// shared and the personal inbox): nothing stored, nothing counted.
    Repeat,
    /// Its server's quota is full: nothing stored; it may send again after this long.
    OverQuota {
        retry_after_ms: i64,
    },
}

/// Inside a transaction `$tx`: stores a received activity (a `&QueuedActivity`) once by
/// id and counts it against its server's quota. Evaluates to a future of
/// `anyhow::Result<Enqueued>`; the caller rolls back unless it is `Stored` or `Repeat`
/// (over the quota, nothing of it may stay).
macro_rules! store_received_in {
    ($tx:ident, $activity:expr) => {
        async {
            let activity: &QueuedActivity = $activity;
            let inserted = sqlx::query(INSERT_INBOX)
                .bind(&activity.ap_id)
                .bind(&activity.actor_ap_id)
                .bind(&activity.kind)
                .bind(&activity.body)
                .bind(activity.now)
                .execute(&mut *$tx)
                .await
                .context("storing a received activity")?
                .rows_affected();
            if inserted == 0 {
                return Ok(Enqueued::Repeat);
            }
            let (quota, now) = (activity.quota, activity.now);
            let counted = charge_sender!($tx, &activity.host, activity.bytes(), quota, now)
                .await
                .context("counting a received activity against its server's quota")?;
            if counted.is_some() {
                return Ok(Enqueued::Stored);
            }
            let usage: Option<SenderUsage> = sqlx::query_as(
                "SELECT window_start, stored_bytes FROM host_quotas WHERE host = $1",
            )
            .bind(&activity.host)
            .fetch_optional(&mut *$tx)
            .await
            .context("reading a server's quota")?;
            let retry_after_ms = usage.map_or(quota.window_ms, |u| u.wait(&quota, now));
            Ok::<_, anyhow::Error>(Enqueued::OverQuota { retry_after_ms })
        }
    };
}

/// Commits `$tx` (a transaction or a savepoint) when `$stored` kept its activity (stored,
/// or a repeat of one stored before), rolls it back otherwise: over the quota or on an
/// error, nothing of the activity may stay.
macro_rules! keep_or_forget {
    ($tx:ident, $stored:expr) => {
        if matches!($stored, Ok(Enqueued::Stored | Enqueued::Repeat)) {
            $tx.commit().await.context("keeping a received activity")?;
        } else {
            $tx.rollback()
                .await
                .context("forgetting a received activity")?;
        }
    };
}

/// Keeps one received activity on PostgreSQL ([`STORE_RECEIVED_POSTGRES`]), as
/// `store_received_in!` does inside a transaction on SQLite.
async fn store_received_postgres(
    pool: &sqlx::PgPool,
    activity: &QueuedActivity,
) -> anyhow::Result<Enqueued> {
    let (quota, now) = (activity.quota, activity.now);
    let (new, charged, stored, window_start, stored_bytes): (
        bool,
        bool,
        bool,
        Option<i64>,
        Option<i64>,
    ) = sqlx::query_as(STORE_RECEIVED_POSTGRES)
        .bind(&activity.host)
        .bind(now)
        .bind(activity.bytes())
        .bind(quota.window_ms)
        .bind(quota.bytes_per_window)
        .bind(&activity.ap_id)
        .bind(&activity.actor_ap_id)
        .bind(&activity.kind)
        .bind(&activity.body)
        .fetch_one(pool)
        .await
        .context("storing a received activity")?;
    Ok(match (new, charged, stored) {
        (_, _, true) => Enqueued::Stored,
        // Received before; or stored by another request in the same moment, which this
        // one's charge then counted twice: an error on the quota's side.
        (false, _, _) | (true, true, false) => Enqueued::Repeat,
        (true, false, false) => {
            let usage = window_start
                .zip(stored_bytes)
                .map(|(window_start, stored_bytes)| SenderUsage {
                    window_start,
                    stored_bytes,
                });
            Enqueued::OverQuota {
                retry_after_ms: usage.map_or(quota.window_ms, |u| u.wait(&quota, now)),
            }
        }
    })
}

impl Store {
    /// What the inbox checks before an activity's signature (a block, its server's quotas,
    /// whether the actor is stored, its server's health), in one statement: these were
    /// five reads per received activity, each a round trip to the database's thread, and
    /// their handoffs a large part of the CPU time of accepting one.
    pub async fn sender_standing(
        &self,
        actor_ap_id: &str,
        host: &str,
        actor_copies_key: &str,
    ) -> anyhow::Result<SenderStanding> {
        let row: StandingRow = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT \
                   (SELECT kind FROM blocks WHERE (kind = 'account' AND target = $1) \
                      OR (kind = 'server' AND target = $2) ORDER BY kind LIMIT 1), \
                   (SELECT window_start FROM host_quotas WHERE host = $2), \
                   (SELECT stored_bytes FROM host_quotas WHERE host = $2), \
                   (SELECT window_start FROM host_quotas WHERE host = $3), \
                   (SELECT stored_bytes FROM host_quotas WHERE host = $3), \
                   EXISTS (SELECT 1 FROM actors WHERE ap_id = $1), \
                   (SELECT consecutive_failures FROM hosts WHERE host = $2), \
                   (SELECT first_failure_at FROM hosts WHERE host = $2), \
                   (SELECT unreachable FROM hosts WHERE host = $2), \
                   (SELECT last_success_at FROM hosts WHERE host = $2)",
            )
            .bind(actor_ap_id)
            .bind(host.to_ascii_lowercase())
            .bind(actor_copies_key)
            .fetch_one(pool)
            .await
            .context("reading what we hold about a sender")?
        });
        let (
            block,
            server_start,
            server_bytes,
            copies_start,
            copies_bytes,
            actor_stored,
            failures,
            first_failure_at,
            unreachable,
            last_success_at,
        ) = row;
        let usage = |start: Option<i64>, bytes: Option<i64>| {
            Some(SenderUsage {
                window_start: start?,
                stored_bytes: bytes?,
            })
        };
        Ok(SenderStanding {
            block: block.map(super::BlockKind::try_from).transpose()?,
            server_usage: usage(server_start, server_bytes),
            actor_copies_usage: usage(copies_start, copies_bytes),
            actor_stored,
            host_health: failures.map(|consecutive_failures| super::HostHealth {
                host: host.to_string(),
                consecutive_failures,
                first_failure_at,
                unreachable: unreachable.unwrap_or(false),
                last_success_at,
            }),
        })
    }

    /// Stores a received activity and counts its bytes against its server's quota, in one
    /// transaction: over the quota, nothing is stored. Returns once it is committed.
    ///
    /// On SQLite, activities received at the same time share that transaction (a group
    /// commit): each is added to a queue, and whoever holds the writer's turn writes
    /// everything queued in one transaction, each activity in its own savepoint. SQLite
    /// has one writer at a time, so the inbox's writes wait behind every other write of
    /// the process (`write_turn`); this makes that one wait per burst instead of one per
    /// request. PostgreSQL, which commits concurrently, keeps one per request, as one
    /// statement ([`STORE_RECEIVED_POSTGRES`]).
    pub async fn enqueue_inbox_within(
        &self,
        activity: &NewInboxActivity<'_>,
        quota: &SenderQuota,
        now: i64,
    ) -> anyhow::Result<Enqueued> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let queued = QueuedActivity {
            ap_id: activity.ap_id.to_string(),
            actor_ap_id: activity.actor_ap_id.to_string(),
            host: activity.host.to_string(),
            kind: activity.kind.to_string(),
            body: activity.body.to_string(),
            quota: *quota,
            now,
            reply,
        };
        // The write runs in a task of its own: a request whose client goes away must not
        // roll back the activities of the others that share its transaction.
        if let super::Backend::Postgres(pool) = &self.backend {
            // PostgreSQL commits many statements at once: one writer's turn for the
            // whole inbox took acceptance from 1,068 to 421 activities/s
            // (docs/benchmarks-portal.md), so each activity keeps its own.
            let pool = pool.clone();
            tokio::spawn(async move {
                let outcome = store_received_postgres(&pool, &queued).await;
                let _ = queued.reply.send(outcome);
            });
        } else {
            self.inbox_writer.push(queued);
            let store = self.clone();
            tokio::spawn(async move {
                let _turn = store.inbox_writer.turn.lock().await;
                let queued = store.inbox_writer.take();
                if !queued.is_empty() {
                    store.write_queued_activities(queued).await;
                }
            });
        }
        answer
            .await
            .context("the inbox writer stopped before storing the activity")?
    }

    /// Writes the queued activities in one transaction and tells each what became of
    /// it. An activity whose statements fail is rolled back alone; when the transaction
    /// itself fails, every one of them is told so (none was stored).
    async fn write_queued_activities(&self, queued: Vec<QueuedActivity>) {
        let mut outcomes: Vec<anyhow::Result<Enqueued>> = Vec::with_capacity(queued.len());
        let written: anyhow::Result<()> = on_pool!(self, pool => {
            async {
                let mut tx = pool.begin_write().await.context("starting a transaction")?;
                if let [activity] = queued.as_slice() {
                    // Alone in its transaction: the transaction is its savepoint, two
                    // statements fewer.
                    let stored = store_received_in!(tx, activity).await;
                    keep_or_forget!(tx, stored);
                    outcomes.push(stored);
                    return Ok(());
                }
                for activity in &queued {
                    let mut savepoint = sqlx::Acquire::begin(&mut *tx)
                        .await
                        .context("opening a savepoint for a received activity")?;
                    let stored = store_received_in!(savepoint, activity).await;
                    keep_or_forget!(savepoint, stored);
                    outcomes.push(stored);
                }
                tx.commit().await.context("committing received activities")?;
                Ok(())
            }
            .await
        });
        if let Err(err) = written {
            let reason = format!("{err:#}");
            outcomes = queued
                .iter()
                .map(|_| Err(anyhow::anyhow!("{reason}")))
                .collect();
        }
        for (activity, outcome) in queued.into_iter().zip(outcomes) {
            // A request that went away no longer waits for its answer; its activity is
            // stored all the same, and a repeat of it is recognised by its id.
            let _ = activity.reply.send(outcome);
        }
    }

    /// Stores a received activity without counting it against any quota (tests, and
    /// activities put straight into the queue); `false` when one with the same id was
    /// stored before.
    pub async fn enqueue_inbox(
        &self,
        ap_id: &str,
        actor_ap_id: &str,
        kind: &str,
        body: &str,
        now: i64,
    ) -> anyhow::Result<bool> {
        let inserted = on_pool!(self, pool => {
            sqlx::query(INSERT_INBOX)
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
        self.claim(&QUEUE, now, lease_until, limit).await
    }

    /// Records the outcomes of claimed activities (`(id, lease, outcome)`) in one
    /// statement: the inbox worker ends a whole batch with one round trip and one commit
    /// (one statement per activity was a fifth of PostgreSQL's time per post). An outcome
    /// whose lease ran out (another worker claimed it since) is not recorded.
    pub async fn record_inbox_outcomes(
        &self,
        outcomes: &[(i64, i64, InboxOutcome)],
    ) -> anyhow::Result<()> {
        // Five values each, well under either database's limit of bound values.
        for chunk in outcomes.chunks(1000) {
            // A VALUES list's columns are column1, column2, … in both databases: the
            // activity, its lease, its end state (NULL to stay pending), when to try
            // again (NULL when finished) and why.
            on_pool!(self, pool => {
                let mut query = sqlx::QueryBuilder::new(
                    "UPDATE inbox SET state = COALESCE(o.column3, inbox.state), \
                       next_attempt_at = COALESCE(o.column4, inbox.next_attempt_at), \
                       last_error = substr(o.column5, 1, 1000), \
                       attempts = inbox.attempts + 1, locked_until = 0 FROM (",
                );
                query.push_values(chunk, |mut row, (id, lease, outcome)| {
                    let (state, retry_at, error) = match outcome {
                        InboxOutcome::Finished { state, error } => {
                            (Some(state.as_str()), None, error.clone())
                        }
                        InboxOutcome::Retry { at, error } => (None, Some(*at), Some(error.clone())),
                    };
                    row.push_bind(*id)
                        .push_bind(*lease)
                        .push_bind(state)
                        .push_bind(retry_at)
                        .push_bind(error);
                });
                query.push(") AS o WHERE inbox.id = o.column1 AND inbox.locked_until = o.column2");
                // Each batch size is another statement: not worth keeping prepared.
                query
                    .build()
                    .persistent(false)
                    .execute(pool)
                    .await
                    .context("recording the outcomes of received activities")?;
            });
        }
        Ok(())
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

    /// Stores a reply or mention, counted against its author's server's quota (never
    /// refused by it: the activity that carried it was accepted); a second copy of the
    /// same note changes nothing.
    pub async fn insert_remote_note(
        &self,
        note: &NewRemoteNote,
        quota: &SenderQuota,
        now: i64,
    ) -> anyhow::Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await.context("starting a transaction")?;
            let kept: Option<i64> = super::insert_remote_note!(note, now)
                .fetch_optional(&mut *tx)
                .await
                .context("storing a reply or mention")?;
            if kept.is_some() {
                charge_sender!(tx, by_actor note.actor_id, note.stored_bytes(), quota.counting_only(), now)
                    .await
                    .context("counting a reply or mention against its server's quota")?;
            }
            tx.commit().await.context("committing a reply or mention")?;
        });
        Ok(())
    }

    /// Updates a note, only when `actor_id` wrote it.
    /// Edits a note, only when `actor_id` wrote it. A reply that was approved for the
    /// site loses its approval in the same transaction (with a history line): an
    /// operator approved the text they read, not whatever it is edited into.
    /// The new text is counted against the author's server's quota (never refused by it).
    pub async fn update_remote_note(
        &self,
        ap_id: &str,
        actor_id: i64,
        content_html: &str,
        quota: &SenderQuota,
        now: i64,
    ) -> anyhow::Result<u64> {
        let event = super::NewTicketEvent {
            kind: super::TicketEventKind::Approval,
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
            if edited > 0 {
                charge_sender!(tx, by_actor actor_id, text_bytes([content_html]), quota.counting_only(), now)
                    .await
                    .context("counting an edit against its server's quota")?;
            }
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
