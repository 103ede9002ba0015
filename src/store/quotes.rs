//! Quotes of our posts that we approved (FEP-044f `QuoteAuthorization`,
//! `quote_authorizations`): kept with the Accept that answers the QuoteRequest, or
//! the Reject queued alone, each in one transaction with its delivery; revoked with
//! the post, in the transaction that deletes it, with a Delete of each stamp queued
//! to the quoting actor's inbox. Who may quote, and what the activities look like on
//! the wire, is decided above (`federation::activities::quote`, `federation::render`).

use super::{BeginWrite, NewActivity, Store, on_pool};
use anyhow::Context;
use sqlx::FromRow;

/// A quote to approve: who quotes which post of ours with which note, asked by which
/// QuoteRequest, and where the answer goes.
#[derive(Clone, Debug)]
pub struct NewQuoteAuthorization {
    pub post_id: i64,
    pub quoting_actor: String,
    pub quoting_inbox: String,
    /// The server of the quoting inbox, as deliveries are grouped.
    pub quoting_host: String,
    pub quote_ap_id: String,
    pub request_ap_id: String,
}

/// An approval stamp as it is served: the quote, the post it quotes, and whether it
/// still holds.
#[derive(Clone, Debug, FromRow)]
pub struct QuoteAuthorizationRecord {
    pub public_id: String,
    pub post_id: i64,
    /// The quoted post's public id and its author (the village).
    pub post_public_id: String,
    pub post_actor_id: i64,
    pub quoting_actor: String,
    pub quote_ap_id: String,
    pub created_at: i64,
    /// Revoked (its post deleted): its URL answers 410.
    pub revoked_at: Option<i64>,
}

/// The start of a query for [`QuoteAuthorizationRecord`]s; a stamp of a deleted post
/// reads as revoked then, whatever its row says.
macro_rules! stamp_select {
    () => {
        "SELECT q.public_id, q.post_id, p.public_id AS post_public_id, \
           p.actor_id AS post_actor_id, q.quoting_actor, q.quote_ap_id, q.created_at, \
           COALESCE(q.revoked_at, p.deleted_at) AS revoked_at \
         FROM quote_authorizations q JOIN posts p ON p.id = q.post_id "
    };
}

/// The public id of the Delete that revokes the stamp `public_id`: derived from it, as
/// Mastodon names its Delete after the stamp, so that it is written in SQL alone.
pub fn revocation_public_id(public_id: &str) -> String {
    format!("{public_id}-delete")
}

/// Inside a transaction `$tx`: revokes every live stamp of post `$post_id` (by local
/// actor `$actor_id`) and queues a Delete of each to its quoting actor's inbox. The
/// Delete's object is the stamp's public id (`federation::render` makes it its URL).
macro_rules! revoke_quotes {
    ($tx:ident, $post_id:expr, $actor_id:expr, $now:expr) => {{
        let revoked: Vec<(String, String, String)> = sqlx::query_as(
            "UPDATE quote_authorizations SET revoked_at = $2 \
             WHERE post_id = $1 AND revoked_at IS NULL \
             RETURNING public_id, quoting_inbox, quoting_host",
        )
        .bind($post_id)
        .bind($now)
        .fetch_all(&mut *$tx)
        .await
        .context("revoking the post's quote authorizations")?;
        for (public_id, inbox, host) in revoked {
            let delete = $crate::store::NewActivity {
                public_id: $crate::store::quotes::revocation_public_id(&public_id),
                actor_id: $actor_id,
                kind: $crate::store::ActivityKind::Delete,
                post_id: None,
                object_json: Some(public_id),
            };
            let activity_id = $crate::store::insert_activity!($tx, delete, None::<i64>, $now)
                .await
                .context("storing the Delete of a quote authorization")?;
            $crate::store::queue_delivery!($tx, activity_id, &inbox, &host, $now)
                .await
                .context("queueing the Delete of a quote authorization")?;
        }
    }};
}
pub(crate) use revoke_quotes;

impl Store {
    /// Keeps an approved quote and queues `accept` (whose public id is the stamp's) to
    /// the quoting inbox, in one transaction. `false`, and nothing written, when that
    /// quote of that post was approved before.
    pub async fn approve_quote(
        &self,
        quote: &NewQuoteAuthorization,
        accept: &NewActivity,
        now: i64,
    ) -> anyhow::Result<bool> {
        Ok(on_pool!(self, pool => {
            let mut tx = pool.begin_write().await
                .context("starting a transaction")?;
            let kept: Option<i64> = sqlx::query_scalar(
                "INSERT INTO quote_authorizations (public_id, post_id, quoting_actor, \
                   quoting_inbox, quoting_host, quote_ap_id, request_ap_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT (post_id, quote_ap_id) DO NOTHING RETURNING id",
            )
            .bind(&accept.public_id)
            .bind(quote.post_id)
            .bind(&quote.quoting_actor)
            .bind(&quote.quoting_inbox)
            .bind(&quote.quoting_host)
            .bind(&quote.quote_ap_id)
            .bind(&quote.request_ap_id)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await
            .context("keeping a quote authorization")?;
            if kept.is_none() {
                return Ok(false);
            }
            let activity_id = super::insert_activity!(tx, accept, accept.post_id, now)
                .await
                .context("storing the Accept of a quote")?;
            super::queue_delivery!(tx, activity_id, &quote.quoting_inbox, &quote.quoting_host, now)
                .await
                .context("queueing the Accept of a quote")?;
            tx.commit().await.context("committing the quote authorization")?;
            true
        }))
    }

    /// Queues `reject` (a refused QuoteRequest) to `inbox` on `host`.
    pub async fn queue_answer(
        &self,
        answer: &NewActivity,
        inbox: &str,
        host: &str,
        now: i64,
    ) -> anyhow::Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await
                .context("starting a transaction")?;
            let activity_id = super::insert_activity!(tx, answer, answer.post_id, now)
                .await
                .context("storing the answer to a QuoteRequest")?;
            super::queue_delivery!(tx, activity_id, inbox, host, now)
                .await
                .context("queueing the answer to a QuoteRequest")?;
            tx.commit().await.context("committing the answer")?;
        });
        Ok(())
    }

    /// The stamp `public_id`, live or revoked.
    pub async fn quote_authorization(
        &self,
        public_id: &str,
    ) -> anyhow::Result<Option<QuoteAuthorizationRecord>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as(concat!(stamp_select!(), "WHERE q.public_id = $1"))
            .bind(public_id)
            .fetch_optional(pool)
            .await
            .context("reading a quote authorization")?
        }))
    }

    /// The live stamps of a post, oldest first.
    pub async fn live_quote_authorizations(
        &self,
        post_id: i64,
    ) -> anyhow::Result<Vec<QuoteAuthorizationRecord>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as(concat!(
                stamp_select!(),
                "WHERE q.post_id = $1 AND q.revoked_at IS NULL ORDER BY q.id"
            ))
            .bind(post_id)
            .fetch_all(pool)
            .await
            .context("reading a post's quote authorizations")?
        }))
    }

    /// Whether the remote actor `ap_id` follows the local actor `local_actor_id`.
    pub async fn is_follower(&self, local_actor_id: i64, ap_id: &str) -> anyhow::Result<bool> {
        let found: Option<i64> = on_pool!(self, pool => {
            sqlx::query_scalar(
                "SELECT f.id FROM follows f JOIN actors a ON a.id = f.remote_actor_id \
                 WHERE f.local_actor_id = $1 AND a.ap_id = $2",
            )
            .bind(local_actor_id)
            .bind(ap_id)
            .fetch_optional(pool)
            .await
            .context("looking up a follower")?
        });
        Ok(found.is_some())
    }
}
