//! Moderation of residents' messages: approving a public reply to be shown under its
//! post, the approved replies (comments) and the village's answers to them, the accounts
//! and servers the village blocked, and the hourly limits on tickets per server and per
//! account, checked inside the transaction that opens a ticket.

use super::{BeginWrite, NewTicketEvent, Store, TicketReplyRecord, on_pool};
use anyhow::Context;
use sqlx::FromRow;

/// Tickets one server and one of its accounts may open within `window_ms`.
#[derive(Clone, Copy, Debug)]
pub struct IntakeLimits {
    pub per_server: i64,
    pub per_account: i64,
    pub window_ms: i64,
}

/// Which limit a message ran into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LimitScope {
    Server,
    Account,
}

/// A ticket was not opened because its server or account opened `limit` tickets within
/// the window already.
#[derive(Clone, Copy, Debug, thiserror::Error)]
#[error("{} tickets in the last hour from this {} (the limit)", .limit, match .scope { LimitScope::Server => "server", LimitScope::Account => "account" })]
pub struct OverLimit {
    pub scope: LimitScope,
    pub limit: i64,
}

/// Serialises ticket intake per server on PostgreSQL (SQLite's write transaction already
/// does), so that concurrent messages cannot both pass the count.
pub(crate) const LOCK_AUTHOR_HOST_POSTGRES: &str =
    "SELECT pg_advisory_xact_lock(hashtext((SELECT host FROM actors WHERE id = $1)))";

/// Tickets opened since `$2` by the server of actor `$1`, and by that actor.
pub(crate) const COUNT_RECENT_TICKETS: &str = "SELECT COUNT(*), \
       COALESCE(SUM(CASE WHEN n.actor_id = $1 THEN 1 ELSE 0 END), 0) \
     FROM tickets t JOIN remote_notes n ON n.id = t.remote_note_id \
     JOIN actors a ON a.id = n.actor_id \
     WHERE t.created_at > $2 AND a.host = (SELECT host FROM actors WHERE id = $1)";

/// Inside a write transaction `$tx` on the pool of `$store`: returns `Ok(Err(OverLimit))`
/// from the enclosing function when the author `$actor_id` or its server reached
/// `$limits` (an `&IntakeLimits`): a refusal, not a failure, so it is typed rather than
/// sent through `anyhow`.
macro_rules! check_intake_limits {
    ($store:expr, $tx:ident, $actor_id:expr, $limits:expr, $now:expr) => {{
        let limits: &$crate::store::IntakeLimits = $limits;
        if matches!($store.backend, $crate::store::Backend::Postgres(_)) {
            sqlx::query($crate::store::moderation::LOCK_AUTHOR_HOST_POSTGRES)
                .bind($actor_id)
                .execute(&mut *$tx)
                .await
                .context("waiting for this server's other messages")?;
        }
        let (server, account): (i64, i64) =
            sqlx::query_as($crate::store::moderation::COUNT_RECENT_TICKETS)
                .bind($actor_id)
                .bind($now - limits.window_ms)
                .fetch_one(&mut *$tx)
                .await
                .context("counting this server's recent tickets")?;
        if account >= limits.per_account {
            return Ok(Err($crate::store::OverLimit {
                scope: $crate::store::LimitScope::Account,
                limit: limits.per_account,
            }));
        }
        if server >= limits.per_server {
            return Ok(Err($crate::store::OverLimit {
                scope: $crate::store::LimitScope::Server,
                limit: limits.per_server,
            }));
        }
    }};
}
pub(crate) use check_intake_limits;

/// What the admin shows about a ticket's moderation.
#[derive(Clone, Debug, Default, FromRow)]
pub struct TicketModeration {
    pub approved_at: Option<i64>,
    /// Who approved it (display name, or username).
    pub approved_by: Option<String>,
    pub account_blocked: bool,
    pub server_blocked: bool,
}

/// An approved reply as a comment under its post.
#[derive(Clone, Debug, FromRow)]
pub struct CommentRow {
    pub ticket_id: i64,
    pub author_name: String,
    pub author_username: String,
    pub author_host: String,
    pub author_url: String,
    pub content_html: String,
    pub published_at: i64,
    pub updated_at: Option<i64>,
    pub note_url: String,
    pub note_id: String,
}

/// A blocked account or server.
#[derive(Clone, Debug, FromRow)]
pub struct BlockRecord {
    pub id: i64,
    #[sqlx(try_from = "String")]
    pub kind: super::BlockKind,
    pub target: String,
    pub reason: String,
    pub blocked_by: Option<String>,
    pub created_at: i64,
}

/// The condition "the author (actor `a`) is not blocked", for public queries.
macro_rules! not_blocked {
    () => {
        "NOT EXISTS (SELECT 1 FROM blocks b WHERE (b.kind = 'account' AND b.target = a.ap_id) \
           OR (b.kind = 'server' AND b.target = a.host))"
    };
}

/// Where the replies an operator approved for display under post `$1` are found: a
/// public reply (not a direct message), not withdrawn, whose author is not blocked.
/// Shared by the comments under a post and its `replies` collection, so that the two
/// never disagree.
macro_rules! approved_replies {
    () => {
        concat!(
            " FROM tickets t JOIN remote_notes n ON n.id = t.remote_note_id \
              JOIN actors a ON a.id = n.actor_id \
              WHERE t.source_post_id = $1 AND t.approved_at IS NOT NULL AND NOT t.is_private \
                AND t.channel = 'reply' AND n.deleted_at IS NULL AND ",
            not_blocked!(),
            " ORDER BY n.published_at, t.id"
        )
    };
}

/// Ids per page of a post's `replies` collection (the first is embedded in the post).
pub const REPLIES_PAGE_SIZE: i64 = 20;

impl Store {
    pub async fn ticket_moderation(&self, ticket_id: i64) -> anyhow::Result<TicketModeration> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT t.approved_at, COALESCE(NULLIF(u.display_name, ''), u.username) AS approved_by, \
                   EXISTS (SELECT 1 FROM blocks b WHERE b.kind = 'account' AND b.target = a.ap_id) \
                     AS account_blocked, \
                   EXISTS (SELECT 1 FROM blocks b WHERE b.kind = 'server' AND b.target = a.host) \
                     AS server_blocked \
                 FROM tickets t LEFT JOIN users u ON u.id = t.approved_by \
                 LEFT JOIN remote_notes n ON n.id = t.remote_note_id \
                 LEFT JOIN actors a ON a.id = n.actor_id WHERE t.id = $1",
            )
            .bind(ticket_id)
            .fetch_optional(pool)
            .await
            .context("reading a ticket's moderation")?
            .unwrap_or_default()
        }))
    }

    /// Approves a public reply for display (`approve`) or withdraws the approval, with
    /// a line in the ticket's history, in one transaction. Private messages and other
    /// channels are never approved: `false`.
    pub async fn set_ticket_approval(
        &self,
        ticket_id: i64,
        user_id: i64,
        approve: bool,
        now: i64,
    ) -> anyhow::Result<bool> {
        let event = NewTicketEvent {
            kind: super::TicketEventKind::Approval,
            from: "",
            to: if approve { "approved" } else { "withdrawn" },
        };
        Ok(on_pool!(self, pool => {
            let mut tx = pool.begin_write().await.context("starting a transaction")?;
            let changed = sqlx::query(
                "UPDATE tickets SET approved_at = $2, approved_by = $3, updated_at = $4 \
                 WHERE id = $1 AND NOT is_private AND channel = 'reply'",
            )
            .bind(ticket_id)
            .bind(approve.then_some(now))
            .bind(approve.then_some(user_id))
            .bind(now)
            .execute(&mut *tx)
            .await
            .context("saving a ticket's approval")?
            .rows_affected()
                == 1;
            if changed {
                super::ticket_desk::insert_ticket_event!(tx, ticket_id, Some(user_id), event, now)
                    .await
                    .context("recording the ticket's history")?;
            }
            tx.commit().await.context("committing the approval")?;
            changed
        }))
    }

    /// The approved, public, not withdrawn replies to a post whose authors are not
    /// blocked, oldest first.
    pub async fn approved_comments(
        &self,
        post_id: i64,
        limit: i64,
    ) -> anyhow::Result<Vec<CommentRow>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as(concat!(
                "SELECT t.id AS ticket_id, a.name AS author_name, a.username AS author_username, \
                   a.host AS author_host, COALESCE(a.profile_url, a.ap_id) AS author_url, \
                   n.content_html, n.published_at, n.updated_at, COALESCE(n.url, n.ap_id) AS note_url, \
                   n.ap_id AS note_id",
                approved_replies!(),
                " LIMIT $2"
            ))
            .bind(post_id)
            .bind(limit)
            .fetch_all(pool)
            .await
            .context("listing a post's comments")?
        }))
    }

    /// Page `page` (from 1) of the ids of the replies approved for display under a post,
    /// oldest first: what its `replies` collection lists.
    pub async fn approved_reply_page(
        &self,
        post_id: i64,
        page: i64,
    ) -> anyhow::Result<super::ReplyPage> {
        let offset = (page.max(1) - 1).saturating_mul(REPLIES_PAGE_SIZE);
        let mut ids: Vec<String> = on_pool!(self, pool => {
            sqlx::query_scalar(concat!(
                "SELECT n.ap_id",
                approved_replies!(),
                " LIMIT $2 OFFSET $3"
            ))
            .bind(post_id)
            .bind(REPLIES_PAGE_SIZE + 1)
            .bind(offset)
            .fetch_all(pool)
            .await
            .context("listing a post's approved replies")?
        });
        // One more than a page was asked for: whether a next page exists.
        let more = ids.len() as i64 > REPLIES_PAGE_SIZE;
        ids.truncate(REPLIES_PAGE_SIZE as usize);
        Ok(super::ReplyPage { page, ids, more })
    }

    /// Fills each post's first page of approved replies and its counts, for posts read
    /// as a list.
    pub async fn with_replies(&self, posts: &mut [super::PostRecord]) -> anyhow::Result<()> {
        for post in posts {
            post.replies = self.approved_reply_page(post.id, 1).await?;
            post.counts = self.post_counts(post.id).await?;
        }
        Ok(())
    }

    /// The village's answers to the approved replies of a post, in the order sent.
    pub async fn approved_comment_answers(
        &self,
        post_id: i64,
    ) -> anyhow::Result<Vec<TicketReplyRecord>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT r.id, r.public_id, r.ticket_id, r.user_id, r.is_final, r.object_json, \
                   r.created_at \
                 FROM ticket_replies r JOIN tickets t ON t.id = r.ticket_id \
                 WHERE t.source_post_id = $1 AND t.approved_at IS NOT NULL AND NOT t.is_private \
                 ORDER BY r.id",
            )
            .bind(post_id)
            .fetch_all(pool)
            .await
            .context("listing the answers to a post's comments")?
        }))
    }

    pub async fn blocks(&self) -> anyhow::Result<Vec<BlockRecord>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT b.id, b.kind, b.target, b.reason, \
                   COALESCE(NULLIF(u.display_name, ''), u.username) AS blocked_by, b.created_at \
                 FROM blocks b LEFT JOIN users u ON u.id = b.user_id \
                 ORDER BY b.created_at DESC, b.id DESC",
            )
            .fetch_all(pool)
            .await
            .context("listing blocks")?
        }))
    }

    /// Blocks an account or a server; `false` when it was blocked already.
    pub async fn add_block(
        &self,
        kind: super::BlockKind,
        target: &str,
        reason: &str,
        user_id: Option<i64>,
        now: i64,
    ) -> anyhow::Result<bool> {
        Ok(on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO blocks (kind, target, reason, user_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (kind, target) DO NOTHING",
            )
            .bind(kind.as_str())
            .bind(target)
            .bind(reason)
            .bind(user_id)
            .bind(now)
            .execute(pool)
            .await
            .context("saving a block")?
            .rows_affected()
                == 1
        }))
    }

    pub async fn remove_block(&self, id: i64) -> anyhow::Result<bool> {
        Ok(on_pool!(self, pool => {
            sqlx::query("DELETE FROM blocks WHERE id = $1")
                .bind(id)
                .execute(pool)
                .await
                .context("removing a block")?
                .rows_affected()
                == 1
        }))
    }

    /// What is blocked when the actor `actor_ap_id` on `host` is: the account, or else
    /// its server.
    pub async fn block_of(
        &self,
        actor_ap_id: &str,
        host: &str,
    ) -> anyhow::Result<Option<super::BlockKind>> {
        let kind: Option<String> = on_pool!(self, pool => {
            sqlx::query_scalar(
                "SELECT kind FROM blocks WHERE (kind = 'account' AND target = $1) \
                   OR (kind = 'server' AND target = $2) ORDER BY kind LIMIT 1",
            )
            .bind(actor_ap_id)
            .bind(host)
            .fetch_optional(pool)
            .await
            .context("looking up blocks")?
        });
        Ok(kind.map(super::BlockKind::try_from).transpose()?)
    }

    /// What became of a received activity: its state and the recorded reason.
    pub async fn inbox_outcome(
        &self,
        ap_id: &str,
    ) -> anyhow::Result<Option<(super::InboxState, Option<String>)>> {
        let row: Option<(String, Option<String>)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT state, last_error FROM inbox WHERE ap_id = $1")
                .bind(ap_id)
                .fetch_optional(pool)
                .await
                .context("reading a received activity")?
        });
        row.map(|(state, reason)| Ok((super::InboxState::try_from(state)?, reason)))
            .transpose()
    }
}
