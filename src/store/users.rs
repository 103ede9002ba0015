//! Admin accounts and their login sessions. Passwords arrive here already hashed and
//! session tokens as their SHA-256; the rules (expiry) live in `auth`. Failed sign-ins
//! are counted in `login_failures.rs`.

use super::{Store, on_pool};
use anyhow::Context;
use sqlx::FromRow;

#[derive(Clone, Debug, FromRow)]
pub struct UserRecord {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    #[sqlx(try_from = "String")]
    pub role: super::AccountRole,
    pub language: String,
    pub disabled: bool,
    pub created_at: i64,
}

/// A live session with its account.
#[derive(Clone, Debug, FromRow)]
pub struct SessionRecord {
    pub session_id: i64,
    pub csrf_token: String,
    pub expires_at: i64,
    /// A session opened from the hosting node's pages for a village that allowed it:
    /// who it writes on behalf of (the regency's hosting admin), shown on every page and
    /// written into the village's history of each post it touches.
    pub on_behalf_of: Option<String>,
    #[sqlx(flatten)]
    pub user: UserRecord,
}

macro_rules! user_columns {
    () => {
        "id, username, display_name, password_hash, role, language, disabled, created_at"
    };
}

impl Store {
    pub async fn create_user(
        &self,
        username: &str,
        display_name: &str,
        password_hash: &str,
        role: super::AccountRole,
        now: i64,
    ) -> anyhow::Result<UserRecord> {
        let sql = concat!(
            "INSERT INTO users (username, display_name, password_hash, role, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING ",
            user_columns!(),
            ""
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as(sql)
                .bind(username)
                .bind(display_name)
                .bind(password_hash)
                .bind(role.as_str())
                .bind(now)
                .fetch_one(pool)
                .await
                .context("creating the account")?
        }))
    }

    pub async fn user_by_username(&self, username: &str) -> anyhow::Result<Option<UserRecord>> {
        let sql = concat!(
            "SELECT ",
            user_columns!(),
            " FROM users WHERE username = $1"
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as(sql).bind(username).fetch_optional(pool).await.context("reading an account")?
        }))
    }

    pub async fn user_by_id(&self, id: i64) -> anyhow::Result<Option<UserRecord>> {
        let sql = concat!("SELECT ", user_columns!(), " FROM users WHERE id = $1");
        Ok(on_pool!(self, pool => {
            sqlx::query_as(sql).bind(id).fetch_optional(pool).await.context("reading an account")?
        }))
    }

    pub async fn users(&self) -> anyhow::Result<Vec<UserRecord>> {
        let sql = concat!("SELECT ", user_columns!(), " FROM users ORDER BY username");
        Ok(on_pool!(self, pool => {
            sqlx::query_as(sql).fetch_all(pool).await.context("listing accounts")?
        }))
    }

    pub async fn count_users(&self) -> anyhow::Result<i64> {
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(pool).await.context("counting accounts")?
        }))
    }

    /// Sets a new password hash and ends every session of the account (a reset must log
    /// out whoever knew the old password).
    pub async fn set_password(&self, user_id: i64, password_hash: &str) -> anyhow::Result<()> {
        on_pool!(self, pool => {
            let mut tx = super::BeginWrite::begin_write(pool).await.context("starting a transaction")?;
            sqlx::query(
                "UPDATE users SET password_hash = $2 WHERE id = $1",
            )
            .bind(user_id)
            .bind(password_hash)
            .execute(&mut *tx)
            .await
            .context("setting the password")?;
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await
                .context("ending the sessions")?;
            tx.commit().await.context("committing the password")?;
        });
        Ok(())
    }

    pub async fn update_user(
        &self,
        user_id: i64,
        display_name: &str,
        role: super::AccountRole,
        language: &str,
        disabled: bool,
    ) -> anyhow::Result<()> {
        on_pool!(self, pool => {
            sqlx::query(
                "UPDATE users SET display_name = $2, role = $3, language = $4, disabled = $5 \
                 WHERE id = $1",
            )
            .bind(user_id)
            .bind(display_name)
            .bind(role.as_str())
            .bind(language)
            .bind(disabled)
            .execute(pool)
            .await
            .context("updating the account")?;
            if disabled {
                sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                    .bind(user_id)
                    .execute(pool)
                    .await
                    .context("ending the sessions")?;
            }
        });
        Ok(())
    }

    pub async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        csrf_token: &str,
        now: i64,
        expires_at: i64,
        on_behalf_of: Option<&str>,
    ) -> anyhow::Result<()> {
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at, \
                   on_behalf_of) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(token_hash)
            .bind(user_id)
            .bind(csrf_token)
            .bind(now)
            .bind(expires_at)
            .bind(on_behalf_of)
            .execute(pool)
            .await
            .context("starting a session")?;
        });
        Ok(())
    }

    /// The unexpired session with this token hash, with its (enabled) account.
    pub async fn session_by_token_hash(
        &self,
        token_hash: &str,
        now: i64,
    ) -> anyhow::Result<Option<SessionRecord>> {
        let sql = "SELECT s.id AS session_id, s.csrf_token, s.expires_at, s.on_behalf_of, \
               u.id, u.username, u.display_name, u.password_hash, u.role, u.language, \
               u.disabled, u.created_at \
             FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled = FALSE";
        Ok(on_pool!(self, pool => {
            sqlx::query_as(sql)
                .bind(token_hash)
                .bind(now)
                .fetch_optional(pool)
                .await
                .context("reading a session")?
        }))
    }

    pub async fn extend_session(&self, session_id: i64, expires_at: i64) -> anyhow::Result<()> {
        on_pool!(self, pool => {
            sqlx::query("UPDATE sessions SET expires_at = $2 WHERE id = $1")
                .bind(session_id)
                .bind(expires_at)
                .execute(pool)
                .await
                .context("extending a session")?;
        });
        Ok(())
    }

    pub async fn delete_session(&self, session_id: i64) -> anyhow::Result<()> {
        on_pool!(self, pool => {
            sqlx::query("DELETE FROM sessions WHERE id = $1")
                .bind(session_id)
                .execute(pool)
                .await
                .context("ending a session")?;
        });
        Ok(())
    }

    pub async fn delete_expired_sessions(&self, now: i64) -> anyhow::Result<u64> {
        Ok(on_pool!(self, pool => {
            sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
                .bind(now)
                .execute(pool)
                .await
                .context("purging expired sessions")?
                .rows_affected()
        }))
    }
}
