//! Which kind of HTTP signature each server accepted from us (`host_signatures`). The
//! store only keeps the word; the delivery worker (`federation::delivery`) decides what
//! to send first and when to learn.

use super::{SignatureScheme, Store, on_pool};
use anyhow::Context;

impl Store {
    /// The kind of signature `host` last accepted from us, if it ever did.
    pub async fn signature_scheme(&self, host: &str) -> anyhow::Result<Option<SignatureScheme>> {
        let word: Option<String> = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT scheme FROM host_signatures WHERE host = $1")
                .bind(host)
                .fetch_optional(pool)
                .await
                .context("reading a server's signature kind")?
        });
        word.map(SignatureScheme::try_from)
            .transpose()
            .context("reading a server's signature kind")
    }

    /// `host` accepted a request signed with `scheme` (at `now`, Unix ms).
    pub async fn remember_signature_scheme(
        &self,
        host: &str,
        scheme: SignatureScheme,
        now: i64,
    ) -> anyhow::Result<()> {
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO host_signatures (host, scheme, learned_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (host) DO UPDATE SET scheme = $2, learned_at = $3",
            )
            .bind(host)
            .bind(scheme.as_str())
            .bind(now)
            .execute(pool)
            .await
            .context("remembering a server's signature kind")?;
        });
        Ok(())
    }
}
