//! Actors (ours and remote ones we met) and who follows whom.

use super::BeginWrite;
use super::{ActorRecord, FollowerRow, NewActor, Store, on_pool};
use anyhow::Context;

macro_rules! actor_columns {
    () => {
        "id, ap_id, is_local, kind, username, host, name, summary, icon_url, image_url, \
     profile_url, inbox_url, shared_inbox_url, public_key_pem, private_key_pem, fields_json, \
     created_at, refreshed_at, also_known_as, moved_to"
    };
}

const UPSERT_ACTOR: &str = concat!(
    "INSERT INTO actors (ap_id, is_local, kind, username, host, name, summary, icon_url, \
       profile_url, inbox_url, shared_inbox_url, public_key_pem, private_key_pem, \
       fields_json, created_at, refreshed_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) \
     ON CONFLICT (ap_id) DO UPDATE SET kind = excluded.kind, username = excluded.username, \
       name = excluded.name, summary = excluded.summary, icon_url = excluded.icon_url, \
       profile_url = excluded.profile_url, inbox_url = excluded.inbox_url, \
       shared_inbox_url = excluded.shared_inbox_url, \
       public_key_pem = excluded.public_key_pem, fields_json = excluded.fields_json, \
       refreshed_at = excluded.refreshed_at \
     WHERE actors.is_local = FALSE \
     RETURNING ",
    actor_columns!(),
    ""
);

/// The query that inserts `$actor` (a `&NewActor`) or refreshes its stored remote copy,
/// returning the row (none when it would replace a local actor).
macro_rules! upsert_actor {
    ($actor:expr, $now:expr) => {
        sqlx::query_as(UPSERT_ACTOR)
            .bind(&$actor.ap_id)
            .bind($actor.is_local)
            .bind(&$actor.kind)
            .bind(&$actor.username)
            .bind(&$actor.host)
            .bind(&$actor.name)
            .bind(&$actor.summary)
            .bind(&$actor.icon_url)
            .bind(&$actor.profile_url)
            .bind(&$actor.inbox_url)
            .bind(&$actor.shared_inbox_url)
            .bind(&$actor.public_key_pem)
            .bind(&$actor.private_key_pem)
            .bind(&$actor.fields_json)
            .bind($now)
    };
}

impl Store {
    /// Inserts an actor, or refreshes the stored copy of a remote one. A local actor is
    /// never overwritten through this path.
    pub async fn upsert_actor(&self, actor: &NewActor, now: i64) -> anyhow::Result<ActorRecord> {
        let stored: Option<ActorRecord> = on_pool!(self, pool => {
            upsert_actor!(actor, now)
                .fetch_optional(pool)
                .await
                .with_context(|| format!("storing actor {}", actor.ap_id))?
        });
        match stored {
            Some(record) => Ok(record),
            None => anyhow::bail!("{} is a local actor and cannot be replaced", actor.ap_id),
        }
    }

    /// [`Store::upsert_actor`] for a remote actor we fetched, counting its copy against the
    /// quota of `sender` (`(key, quota)`) in the same transaction; never refused by it (the
    /// inbox refuses to fetch new actors of a server over its quota).
    pub async fn upsert_remote_actor(
        &self,
        actor: &NewActor,
        sender: (&str, &super::SenderQuota),
        now: i64,
    ) -> anyhow::Result<ActorRecord> {
        let (key, quota) = sender;
        let bytes = super::quotas::text_bytes(
            [
                Some(actor.ap_id.as_str()),
                Some(actor.kind.as_str()),
                Some(actor.username.as_str()),
                Some(actor.name.as_str()),
                Some(actor.summary.as_str()),
                actor.icon_url.as_deref(),
                actor.profile_url.as_deref(),
                Some(actor.inbox_url.as_str()),
                actor.shared_inbox_url.as_deref(),
                Some(actor.public_key_pem.as_str()),
                Some(actor.fields_json.as_str()),
            ]
            .into_iter()
            .flatten(),
        );
        let stored: Option<ActorRecord> = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await.context("starting a transaction")?;
            let stored: Option<ActorRecord> = upsert_actor!(actor, now)
                .fetch_optional(&mut *tx)
                .await
                .with_context(|| format!("storing actor {}", actor.ap_id))?;
            if stored.as_ref().is_some_and(|record| !record.is_local) {
                super::quotas::charge_sender!(tx, key, bytes, quota.counting_only(), now)
                    .await
                    .context("counting an actor against its server's quota")?;
            }
            tx.commit().await.context("committing an actor")?;
            stored
        });
        match stored {
            Some(record) => Ok(record),
            None => anyhow::bail!("{} is a local actor and cannot be replaced", actor.ap_id),
        }
    }

    pub async fn actor_by_ap_id(&self, ap_id: &str) -> anyhow::Result<Option<ActorRecord>> {
        let sql = concat!("SELECT ", actor_columns!(), " FROM actors WHERE ap_id = $1");
        Ok(on_pool!(self, pool => {
            sqlx::query_as(sql).bind(ap_id).fetch_optional(pool).await.context("reading an actor")?
        }))
    }

    pub async fn actor_by_id(&self, id: i64) -> anyhow::Result<Option<ActorRecord>> {
        let sql = concat!("SELECT ", actor_columns!(), " FROM actors WHERE id = $1");
        Ok(on_pool!(self, pool => {
            sqlx::query_as(sql).bind(id).fetch_optional(pool).await.context("reading an actor")?
        }))
    }

    pub async fn local_actor_by_username(
        &self,
        username: &str,
    ) -> anyhow::Result<Option<ActorRecord>> {
        let sql = concat!(
            "SELECT ",
            actor_columns!(),
            " FROM actors WHERE is_local = TRUE AND lower(username) = lower($1)"
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as(sql)
                .bind(username)
                .fetch_optional(pool)
                .await
                .context("reading a local actor")?
        }))
    }

    /// Local actors in the order they were created; the first is the node's main actor.
    pub async fn local_actors(&self) -> anyhow::Result<Vec<ActorRecord>> {
        let sql = concat!(
            "SELECT ",
            actor_columns!(),
            " FROM actors WHERE is_local = TRUE ORDER BY id"
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as(sql).fetch_all(pool).await.context("listing local actors")?
        }))
    }

    /// Replaces a local actor's profile and queues the Update that tells its followers.
    pub async fn update_actor_profile(
        &self,
        actor_id: i64,
        profile: &super::ActorProfile,
        update: &super::NewActivity,
        now: i64,
    ) -> anyhow::Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await.context("starting a transaction")?;
            sqlx::query(
                "UPDATE actors SET name = $2, summary = $3, icon_url = $4, fields_json = $5, \
                   image_url = $6 WHERE id = $1 AND is_local = TRUE",
            )
            .bind(actor_id)
            .bind(&profile.name)
            .bind(&profile.summary)
            .bind(&profile.icon_url)
            .bind(&profile.fields_json)
            .bind(&profile.image_url)
            .execute(&mut *tx)
            .await
            .context("updating an actor profile")?;
            super::send_to_followers!(tx, update, actor_id, now).await?;
            tx.commit().await.context("committing the profile")?;
        });
        Ok(())
    }

    /// Sets a local actor's other accounts (`alsoKnownAs`, ids as a JSON list) and queues
    /// `update`, the profile's Update, to its followers, in one transaction.
    pub async fn set_actor_aliases(
        &self,
        actor_id: i64,
        aliases_json: &str,
        update: &super::NewActivity,
        now: i64,
    ) -> anyhow::Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await.context("starting a transaction")?;
            sqlx::query("UPDATE actors SET also_known_as = $2 WHERE id = $1 AND is_local = TRUE")
                .bind(actor_id)
                .bind(aliases_json)
                .execute(&mut *tx)
                .await
                .context("keeping the account's aliases")?;
            super::send_to_followers!(tx, update, actor_id, now).await?;
            tx.commit().await.context("committing the aliases")?;
        });
        Ok(())
    }

    /// Marks a local actor as moved to `moved_to` and queues, to every follower, the
    /// profile's `update` (now carrying `movedTo`) and the `moving` activity, in one
    /// transaction; returns how many deliveries of the Move were queued.
    pub async fn move_actor(
        &self,
        actor_id: i64,
        moved_to: &str,
        update: &super::NewActivity,
        moving: &super::NewActivity,
        now: i64,
    ) -> anyhow::Result<u64> {
        Ok(on_pool!(self, pool => {
            let mut tx = pool.begin_write().await.context("starting a transaction")?;
            sqlx::query("UPDATE actors SET moved_to = $2 WHERE id = $1 AND is_local = TRUE")
                .bind(actor_id)
                .bind(moved_to)
                .execute(&mut *tx)
                .await
                .context("marking the account moved")?;
            super::send_to_followers!(tx, update, actor_id, now).await?;
            let queued = super::send_to_followers!(tx, moving, actor_id, now).await?;
            tx.commit().await.context("committing the move")?;
            queued
        }))
    }

    /// Forgets a remote actor and everything it had here: follows, replies, mentions. A
    /// message that opened a ticket is withdrawn instead (its text removed, the ticket and
    /// its author kept for the record).
    pub async fn delete_remote_actor(&self, actor_id: i64, now: i64) -> anyhow::Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await.context("starting a transaction")?;
            sqlx::query("DELETE FROM follows WHERE remote_actor_id = $1")
                .bind(actor_id)
                .execute(&mut *tx)
                .await
                .context("deleting the actor's follows")?;
            // A village that deleted its account stays registered, without an actor.
            sqlx::query("UPDATE villages SET actor_id = NULL, follow_state = 'unreachable' WHERE actor_id = $1")
                .bind(actor_id)
                .execute(&mut *tx)
                .await
                .context("detaching the actor's village")?;
            sqlx::query(
                "UPDATE remote_notes SET content_html = '', deleted_at = COALESCE(deleted_at, $2) \
                 WHERE actor_id = $1 AND id IN (SELECT remote_note_id FROM tickets)",
            )
            .bind(actor_id)
            .bind(now)
            .execute(&mut *tx)
            .await
            .context("withdrawing the actor's tickets")?;
            sqlx::query(
                "DELETE FROM remote_notes WHERE actor_id = $1 AND NOT EXISTS \
                   (SELECT 1 FROM tickets t WHERE t.remote_note_id = remote_notes.id)",
            )
            .bind(actor_id)
            .execute(&mut *tx)
            .await
            .context("deleting the actor's notes")?;
            // Its likes, boosts and replies stop counting, as they would on its server.
            sqlx::query("DELETE FROM post_responses WHERE actor_id = $1")
                .bind(actor_id)
                .execute(&mut *tx)
                .await
                .context("forgetting the actor's likes and boosts")?;
            sqlx::query(
                "DELETE FROM actors WHERE id = $1 AND is_local = FALSE \
                 AND NOT EXISTS (SELECT 1 FROM remote_notes n WHERE n.actor_id = $1)",
            )
                .bind(actor_id)
                .execute(&mut *tx)
                .await
                .context("deleting the actor")?;
            tx.commit().await.context("committing the actor deletion")?;
        });
        Ok(())
    }

    /// Records that `remote_actor_id` follows `local_actor_id` and queues the Accept that
    /// answers the Follow, in one transaction.
    pub async fn add_follower_with_accept(
        &self,
        follow: &super::NewFollow,
        accept: &super::NewActivity,
        now: i64,
    ) -> anyhow::Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await.context("starting a transaction")?;
            sqlx::query(
                "INSERT INTO follows (local_actor_id, remote_actor_id, follow_ap_id, created_at) \
                 VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (local_actor_id, remote_actor_id) DO UPDATE SET follow_ap_id = excluded.follow_ap_id",
            )
            .bind(follow.local_actor_id)
            .bind(follow.remote_actor_id)
            .bind(&follow.follow_ap_id)
            .bind(now)
            .execute(&mut *tx)
            .await
            .context("storing the follower")?;
            let activity_id = super::insert_activity!(tx, accept, accept.post_id, now)
                .await
                .context("storing the Accept")?;
            super::queue_delivery!(tx, activity_id, &follow.accept_inbox, &follow.host, now)
                .await
                .context("queueing the Accept")?;
            tx.commit().await.context("committing the follow")?;
        });
        Ok(())
    }

    /// Records a follow without answering it: for importing followers and for
    /// benchmarks that seed thousands of them.
    pub async fn add_follower(
        &self,
        local_actor_id: i64,
        remote_actor_id: i64,
        follow_ap_id: &str,
        now: i64,
    ) -> anyhow::Result<()> {
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO follows (local_actor_id, remote_actor_id, follow_ap_id, created_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (local_actor_id, remote_actor_id) DO NOTHING",
            )
            .bind(local_actor_id)
            .bind(remote_actor_id)
            .bind(follow_ap_id)
            .bind(now)
            .execute(pool)
            .await
            .context("storing a follower")?;
        });
        Ok(())
    }

    /// Removes a follow. With `follow_ap_id`, only the follow made by that activity.
    pub async fn remove_follower(
        &self,
        local_actor_id: Option<i64>,
        remote_actor_id: i64,
        follow_ap_id: Option<&str>,
    ) -> anyhow::Result<u64> {
        let removed = on_pool!(self, pool => {
            sqlx::query(
                "DELETE FROM follows WHERE remote_actor_id = $1 \
                 AND ($2 IS NULL OR local_actor_id = $2) AND ($3 IS NULL OR follow_ap_id = $3)",
            )
            .bind(remote_actor_id)
            .bind(local_actor_id)
            .bind(follow_ap_id)
            .execute(pool)
            .await
            .context("removing a follower")?
            .rows_affected()
        });
        Ok(removed)
    }

    pub async fn followers_of(&self, local_actor_id: i64) -> anyhow::Result<Vec<FollowerRow>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT a.ap_id, a.username, a.host, a.inbox_url, a.shared_inbox_url, f.created_at AS followed_at \
                 FROM follows f JOIN actors a ON a.id = f.remote_actor_id \
                 WHERE f.local_actor_id = $1 ORDER BY f.created_at, f.id",
            )
            .bind(local_actor_id)
            .fetch_all(pool)
            .await
            .context("listing followers")?
        }))
    }

    pub async fn count_followers(&self, local_actor_id: i64) -> anyhow::Result<i64> {
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM follows WHERE local_actor_id = $1")
                .bind(local_actor_id)
                .fetch_one(pool)
                .await
                .context("counting followers")?
        }))
    }
}
