//! Signs outgoing POSTs in one of two ways, and leaves sending to us so the delivery
//! worker sees the status code and `Retry-After`. A request is signed afresh for every
//! attempt.
//!
//! - draft-cavage ([`signed_post`]), the way the federation library does (RSA-SHA256,
//!   `keyId = ACTOR#main-key`, headers `(request-target) content-type date digest host`
//!   as Mastodon and Pleroma expect); byte for byte what it sent before RFC 9421 came.
//! - RFC 9421 ([`signed_post_rfc9421`]), as Mastodon 4.5 and Fedify verify it: `keyid =
//!   ACTOR#main-key`, `rsa-v1_5-sha256`, covering `@method @target-uri @authority
//!   content-digest date`, with `Content-Digest: sha-256=:…:`.
//!
//! The host is signed but never set as a header here: the signer takes it from the URL
//! (`host[:port]`, the port left out when it is the scheme's default), exactly what the
//! HTTP client sends as `Host` over HTTP/1.1 and as `:authority` over HTTP/2. A `host`
//! header of our own would travel next to `:authority` over HTTP/2, and nginx refuses
//! such a request with 400 ("client sent duplicate host header") before the server
//! behind it sees it. RFC 9421 signs it as `@authority`, which the receiver takes from
//! whichever of the two it got.

use super::message_signatures;
use activitypub_federation::error::Error as LibraryError;
use base64::{Engine, engine::general_purpose::STANDARD as BASE64};
use bytes::Bytes;
use http_signature_normalization_reqwest::prelude::{Config, SignExt};
use rsa::{Pkcs1v15Sign, RsaPrivateKey, pkcs8::DecodePrivateKey};
use sha2::{Digest, Sha256};
use std::{
    sync::LazyLock,
    time::{Duration, SystemTime, UNIX_EPOCH},
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

/// Builds a POST of `body` to `inbox` on behalf of `actor_id`, dated and signed now with
/// an RFC 9421 message signature. The RSA work runs off the async threads.
pub async fn signed_post_rfc9421(
    client: &reqwest::Client,
    inbox: &Url,
    body: Bytes,
    actor_id: &Url,
    key: RsaPrivateKey,
) -> anyhow::Result<reqwest::Request> {
    let now = SystemTime::now();
    let created = now
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let mut headers = http::HeaderMap::new();
    headers.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static(super::ACTIVITY_JSON),
    );
    headers.insert(http::header::DATE, httpdate::fmt_http_date(now).parse()?);
    headers.insert(
        "content-digest",
        message_signatures::content_digest(&body).parse()?,
    );
    let key_id = format!("{actor_id}#main-key");
    let target = inbox.clone();
    let signed_headers = headers.clone();
    let (input, signature) = tokio::task::spawn_blocking(move || {
        let request = message_signatures::Request {
            method: "POST",
            target: &target,
            headers: &signed_headers,
        };
        message_signatures::sign(
            &request,
            &message_signatures::POST_COMPONENTS,
            &key_id,
            created,
            &key,
        )
    })
    .await?
    .map_err(|reason| anyhow::anyhow!(reason))?;
    headers.insert("signature-input", input.parse()?);
    headers.insert("signature", signature.parse()?);
    Ok(client
        .post(inbox.as_str())
        .headers(headers)
        .body(body)
        .build()?)
}
