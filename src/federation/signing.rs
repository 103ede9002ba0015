//! Signs outgoing POSTs the way the federation library does (draft-cavage, RSA-SHA256,
//! `keyId = ACTOR#main-key`, headers `(request-target) content-type date digest host`
//! as Mastodon and Pleroma expect), but leaves sending to us so the delivery worker sees
//! the status code and `Retry-After`. A request is signed afresh for every attempt.
//!
//! The host is signed but never set as a header here: the signer takes it from the URL
//! (`host[:port]`, the port left out when it is the scheme's default), exactly what the
//! HTTP client sends as `Host` over HTTP/1.1 and as `:authority` over HTTP/2. A `host`
//! header of our own would travel next to `:authority` over HTTP/2, and nginx refuses
//! such a request with 400 ("client sent duplicate host header") before the server
//! behind it sees it.

use activitypub_federation::error::Error as LibraryError;
use base64::{Engine, engine::general_purpose::STANDARD as BASE64};
use bytes::Bytes;
use http_signature_normalization_reqwest::prelude::{Config, SignExt};
use rsa::{Pkcs1v15Sign, RsaPrivateKey, pkcs8::DecodePrivateKey};
use sha2::{Digest, Sha256};
use std::{
    sync::LazyLock,
    time::{Duration, SystemTime},
};
use url::Url;

/// How long a signature stays valid.
const EXPIRES_AFTER: Duration = Duration::from_secs(3600);

static CONFIG: LazyLock<Config> = LazyLock::new(|| {
    Config::new()
        .mastodon_compat()
        .set_expiration(EXPIRES_AFTER)
});

pub fn parse_private_key(pem: &str) -> anyhow::Result<RsaPrivateKey> {
    RsaPrivateKey::from_pkcs8_pem(pem)
        .map_err(|err| anyhow::anyhow!("the stored private key is unreadable: {err}"))
}

/// Builds a signed POST of `body` to `inbox` on behalf of `actor_id`, dated now.
pub async fn signed_post(
    client: &reqwest::Client,
    inbox: &Url,
    body: Bytes,
    actor_id: &Url,
    key: RsaPrivateKey,
) -> Result<reqwest::Request, LibraryError> {
    let builder = client
        .post(inbox.as_str())
        .header("content-type", super::ACTIVITY_JSON)
        .header("date", httpdate::fmt_http_date(SystemTime::now()));
    sign(builder, body, actor_id, key).await
}

/// Adds `Digest` and `Signature` to a request whose other headers are set.
pub async fn sign(
    builder: reqwest::RequestBuilder,
    body: Bytes,
    actor_id: &Url,
    key: RsaPrivateKey,
) -> Result<reqwest::Request, LibraryError> {
    builder
        .signature_with_digest(
            CONFIG.clone(),
            format!("{actor_id}#main-key"),
            Sha256::new(),
            body,
            move |signing_string| {
                let signature = key.sign(
                    Pkcs1v15Sign::new::<Sha256>(),
                    &Sha256::digest(signing_string.as_bytes()),
                )?;
                Ok(BASE64.encode(signature)) as Result<_, LibraryError>
            },
        )
        .await
}
