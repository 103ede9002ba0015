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
//! Both sign with [`SigningKey`]: AWS-LC's constant-time RSA (through `aws-lc-rs`, which
//! the HTTP client's TLS already links), parsed once per actor. RSASSA-PKCS1-v1_5 is
//! deterministic, so its signatures are byte for byte those the `rsa` crate made before
//! (a test below compares them); it is several times faster (docs/benchmarks.md, "Signing
//! our deliveries") and leaves the `rsa` crate's timing advisory (RUSTSEC-2023-0071) to
//! key generation, done once per actor. Signatures we receive are verified with AWS-LC
//! too ([`super::verifying`]).
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
use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use base64::{Engine, engine::general_purpose::STANDARD as BASE64};
use bytes::Bytes;
use http_signature_normalization_reqwest::prelude::{Config, SignExt};
use rsa::{
    RsaPrivateKey,
    pkcs8::{EncodePrivateKey, PrivateKeyInfo, SecretDocument, der::pem::PemLabel},
};
use sha2::{Digest, Sha256};
use std::{
    fmt,
    sync::{Arc, LazyLock},
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

/// An actor's RSA private key, ready to sign: parsed and checked once, cheap to clone
/// (the delivery worker keeps one per actor and hands a clone to every request).
#[derive(Clone)]
pub struct SigningKey(Result<Arc<RsaKeyPair>, Arc<str>>);

impl SigningKey {
    /// Reads a PKCS#8 PEM key (`-----BEGIN PRIVATE KEY-----`), as `init` stores them.
    pub fn from_pkcs8_pem(pem: &str) -> anyhow::Result<Self> {
        let unreadable = |reason: &dyn fmt::Display| {
            anyhow::anyhow!("the stored private key is unreadable: {reason}")
        };
        let (label, der) = SecretDocument::from_pem(pem).map_err(|err| unreadable(&err))?;
        PrivateKeyInfo::validate_pem_label(label).map_err(|err| unreadable(&err))?;
        let pair = RsaKeyPair::from_pkcs8(der.as_bytes()).map_err(|err| unreadable(&err))?;
        Ok(Self(Ok(Arc::new(pair))))
    }

    /// RSASSA-PKCS1-v1_5 with SHA-256 over `message`.
    pub fn sign_sha256(&self, message: &[u8]) -> Result<Vec<u8>, SigningFailed> {
        let pair = self
            .0
            .as_ref()
            .map_err(|reason| SigningFailed(reason.clone()))?;
        let mut signature = vec![0; pair.public_modulus_len()];
        let no_randomness_needed = aws_lc_rs::rand::SystemRandom::new();
        pair.sign(
            &RSA_PKCS1_SHA256,
            &no_randomness_needed,
            message,
            &mut signature,
        )
        .map_err(|_| SigningFailed("the RSA signature could not be made".into()))?;
        Ok(signature)
    }
}

/// A key made by the `rsa` crate (key generation and older callers still hold those).
/// Converting costs a re-encoding and a check of the key, so a caller that signs often
/// keeps the [`SigningKey`] instead. A key AWS-LC refuses (under 2048 bits, say) fails
/// when it signs, with the reason.
impl From<RsaPrivateKey> for SigningKey {
    fn from(key: RsaPrivateKey) -> Self {
        let pair = key
            .to_pkcs8_der()
            .map_err(|err| err.to_string())
            .and_then(|der| RsaKeyPair::from_pkcs8(der.as_bytes()).map_err(|err| err.to_string()))
            .map(Arc::new)
            .map_err(|reason| format!("the private key cannot sign: {reason}").into());
        Self(pair)
    }
}

/// Never prints the key.
impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningKey(..)")
    }
}

/// Why no signature was made, in one line.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SigningFailed(Arc<str>);

pub fn parse_private_key(pem: &str) -> anyhow::Result<RsaPrivateKey> {
    use rsa::pkcs8::DecodePrivateKey;
    RsaPrivateKey::from_pkcs8_pem(pem)
        .map_err(|err| anyhow::anyhow!("the stored private key is unreadable: {err}"))
}

/// Builds a signed POST of `body` to `inbox` on behalf of `actor_id`, dated now.
pub async fn signed_post(
    client: &reqwest::Client,
    inbox: &Url,
    body: Bytes,
    actor_id: &Url,
    key: impl Into<SigningKey>,
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
    key: impl Into<SigningKey>,
) -> Result<reqwest::Request, LibraryError> {
    let key = key.into();
    builder
        .signature_with_digest(
            CONFIG.clone(),
            format!("{actor_id}#main-key"),
            Sha256::new(),
            body,
            move |signing_string| {
                let signature = key
                    .sign_sha256(signing_string.as_bytes())
                    .map_err(|err| LibraryError::Other(err.to_string()))?;
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
    key: impl Into<SigningKey>,
) -> anyhow::Result<reqwest::Request> {
    let key = key.into();
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

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::{Pkcs1v15Sign, pkcs8::DecodePrivateKey};

    /// PKCS#1 v1.5 is deterministic: AWS-LC must give the very bytes the `rsa` crate gave
    /// before it, so every receiver verifies our signatures exactly as it did.
    #[test]
    fn signatures_are_byte_for_byte_those_of_the_rsa_crate() {
        let pair = activitypub_federation::http_signatures::generate_actor_keypair().expect("keys");
        let key = SigningKey::from_pkcs8_pem(&pair.private_key).expect("parsed");
        let old = RsaPrivateKey::from_pkcs8_pem(&pair.private_key).expect("parsed by rsa");
        for message in [
            "",
            "(request-target): post /inbox\nhost: desa.example",
            "é✓",
        ] {
            let before = old
                .sign(
                    Pkcs1v15Sign::new::<Sha256>(),
                    &Sha256::digest(message.as_bytes()),
                )
                .expect("rsa signs");
            assert_eq!(key.sign_sha256(message.as_bytes()).expect("signs"), before);
            let converted = SigningKey::from(old.clone());
            assert_eq!(
                converted.sign_sha256(message.as_bytes()).expect("signs"),
                before
            );
        }
    }

    #[test]
    fn an_unreadable_or_unusable_key_is_refused_with_a_reason() {
        let err = SigningKey::from_pkcs8_pem(
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        )
        .expect_err("garbage");
        assert!(err.to_string().contains("unreadable"), "{err}");
        let public = activitypub_federation::http_signatures::generate_actor_keypair()
            .expect("keys")
            .public_key;
        assert!(SigningKey::from_pkcs8_pem(&public).is_err());
        let small = RsaPrivateKey::new(&mut rand::thread_rng(), 1024).expect("small key");
        let err = SigningKey::from(small)
            .sign_sha256(b"x")
            .expect_err("too small for AWS-LC");
        assert!(err.to_string().contains("cannot sign"), "{err}");
    }

    #[test]
    fn the_key_is_never_printed() {
        let pair = activitypub_federation::http_signatures::generate_actor_keypair().expect("keys");
        let key = SigningKey::from_pkcs8_pem(&pair.private_key).expect("parsed");
        assert_eq!(format!("{key:?}"), "SigningKey(..)");
    }
}
