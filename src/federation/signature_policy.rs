//! What we require of an incoming HTTP signature beyond a valid RSA signature by the key
//! of the actor the activity names. Two kinds are read: draft-cavage (`Signature`, as
//! Mastodon has always sent it) and RFC 9421 (`Signature-Input` and `Signature`, as
//! Mastodon 4.5 and Fedify send it; [`super::message_signatures`]). A request with a
//! `Signature-Input` header is read as RFC 9421 only, never as both.
//!
//! A draft-cavage signature must cover the request target, the host, the body digest and
//! a time (`date` or `(created)`); an RFC 9421 one must cover `@method`, the target
//! (`@target-uri`, or `@authority` with `@path` or `@request-target`), `content-digest`
//! when there is a body, and carry `created`. Either time must be within an hour of our
//! clock either way, as Mastodon requires. Otherwise a captured signature that covered
//! no time could be replayed with a fresh `Date`, and one that did not cover the host,
//! made for another server, could be replayed here. Every major server (Mastodon,
//! GoToSocial, Pleroma, Misskey, Fedify, Lemmy) signs the host.
//!
//! The body digest: `Digest` (draft-cavage) may list several algorithms
//! (`SHA-256=…,SHA-512=…`); the SHA-256 one must be there and match, the others are not
//! checked, as Mastodon does. `Content-Digest` (RFC 9421) likewise needs its `sha-256`.
//!
//! Also what a signed GET proves. We serve GETs signed or not, and the inbox verifies
//! only POSTs; but a server whose deliveries we hold (they failed) and that signs a
//! fetch from us is back, so [`signed_fetch_proves_life`] verifies that signature itself
//! and lets the deliveries waiting for that server go at once, as a signed POST does.

use super::verifying::VerifyingKey;
use super::{
    Data,
    actor::{DbActor, host_of},
    message_signatures::{self, MessageSignature},
};
use activitypub_federation::fetch::object_id::ObjectId;
use anyhow::Context;
use axum::http::{HeaderMap, Method, Uri};
use base64::{Engine, engine::general_purpose::STANDARD as BASE64};
use sha2::{Digest, Sha256};
use std::{
    collections::BTreeMap,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

/// How far the signed time may be from our clock, either way.
pub const WINDOW: Duration = Duration::from_secs(3600);

/// The parameters of a `Signature` header (`keyId="…",headers="…",created=…`).
pub fn parameters(header: &str) -> Vec<(String, String)> {
    let mut params = Vec::new();
    let mut rest = header.trim();
    while !rest.is_empty() {
        let Some((name, after)) = rest.split_once('=') else {
            break;
        };
        let name = name
            .trim()
            .trim_start_matches(',')
            .trim()
            .to_ascii_lowercase();
        let after = after.trim_start();
        let (value, remaining) = if let Some(quoted) = after.strip_prefix('"') {
            match quoted.split_once('"') {
                Some((value, remaining)) => (value.to_string(), remaining),
                None => (quoted.to_string(), ""),
            }
        } else {
            match after.split_once(',') {
                Some((value, remaining)) => (value.trim().to_string(), remaining),
                None => (after.trim().to_string(), ""),
            }
        };
        params.push((name, value));
        rest = remaining.trim_start().trim_start_matches(',');
    }
    params
}

fn skew(at: SystemTime) -> Duration {
    match at.duration_since(SystemTime::now()) {
        Ok(ahead) => ahead,
        Err(behind) => behind.duration(),
    }
}

/// The HTTP signature a request carries, read and found to cover what we require.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Signed {
    /// draft-cavage: `Signature` alone.
    Cavage,
    /// RFC 9421: `Signature-Input` and `Signature`.
    Rfc9421(MessageSignature),
}

/// Checks the signed components and the signed time of an inbox POST; the reason is one
/// line.
pub fn check(headers: &HeaderMap) -> Result<Signed, String> {
    if message_signatures::is_present(headers) {
        return check_message_signature(headers, true);
    }
    check_covering(headers, &["(request-target)", "host", "digest"]).map(|()| Signed::Cavage)
}

/// Checks a signed GET the same way, without a body digest (Mastodon signs its fetches
/// with `(request-target) host date accept`).
pub fn check_fetch(headers: &HeaderMap) -> Result<Signed, String> {
    if message_signatures::is_present(headers) {
        return check_message_signature(headers, false);
    }
    check_covering(headers, &["(request-target)", "host"]).map(|()| Signed::Cavage)
}

fn check_message_signature(headers: &HeaderMap, with_body: bool) -> Result<Signed, String> {
    let signature = message_signatures::read(headers)?;
    if !signature.covers("@method") {
        return Err("the HTTP signature must cover @method".into());
    }
    let target = signature.covers("@target-uri")
        || (signature.covers("@authority")
            && (signature.covers("@path") || signature.covers("@request-target")));
    if !target {
        return Err("the HTTP signature must cover @target-uri (or @authority and @path)".into());
    }
    if with_body && !signature.covers("content-digest") {
        return Err("the HTTP signature must cover content-digest".into());
    }
    let created = u64::try_from(signature.created)
        .ok()
        .and_then(|secs| UNIX_EPOCH.checked_add(Duration::from_secs(secs)))
        .ok_or_else(|| "the signature's created parameter is not a time".to_string())?;
    if skew(created) > WINDOW {
        return Err("the signature was created more than an hour away from our clock".into());
    }
    if let Some(expires) = signature.expires {
        // As Mastodon: expired, with an hour's allowance for clocks that differ.
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let limit = expires.saturating_add(WINDOW.as_secs() as i64);
        if i64::try_from(now).unwrap_or(i64::MAX) > limit {
            return Err("the signature has expired".into());
        }
    }
    Ok(Signed::Rfc9421(signature))
}

/// Checks the body against the digest the signature covers: `Digest` for draft-cavage
/// (its SHA-256 value; others listed beside it are not checked), `Content-Digest` for
/// RFC 9421.
pub fn body_matches(signed: &Signed, headers: &HeaderMap, body: &[u8]) -> Result<(), String> {
    match signed {
        Signed::Rfc9421(_) => message_signatures::content_digest_matches(headers, body),
        Signed::Cavage => {
            let value = headers
                .get("digest")
                .and_then(|v| v.to_str().ok())
                .ok_or_else(|| "the Digest header is missing".to_string())?;
            let sha256 = value
                .split(',')
                .filter_map(|part| part.trim().split_once('='))
                .find(|(algorithm, _)| algorithm.trim().eq_ignore_ascii_case("sha-256"))
                .map(|(_, digest)| digest.trim())
                .ok_or_else(|| "the Digest header has no SHA-256 value".to_string())?;
            if sha256 == BASE64.encode(Sha256::digest(body)) {
                Ok(())
            } else {
                Err("the Digest header's SHA-256 value does not match the body".into())
            }
        }
    }
}

/// Whether `signed` (read from `headers`) is a valid signature of `method uri` by the key
/// in `public_key_pem`. `base` is this site's public base URL: the scheme and authority
/// the sender addressed, and the host when an HTTP/2 proxy left it out.
pub fn verifies(
    signed: &Signed,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    public_key_pem: &str,
    base: &url::Url,
) -> anyhow::Result<bool> {
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    match signed {
        Signed::Cavage => {
            let authority = base[url::Position::BeforeHost..url::Position::AfterPort].to_string();
            signature_verifies(method, uri, headers, public_key_pem, &authority)
        }
        Signed::Rfc9421(signature) => {
            let target = base
                .join(path)
                .context("the request's path does not make a URL")?;
            let request = message_signatures::Request {
                method: method.as_str(),
                target: &target,
                headers,
            };
            message_signatures::verifies(signature, &request, public_key_pem)
                .map_err(|reason| anyhow::anyhow!(reason))
        }
    }
}

fn check_covering(headers: &HeaderMap, required: &[&str]) -> Result<(), String> {
    let signature = headers
        .get("signature")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| "the request has no HTTP signature".to_string())?;
    let params = parameters(signature);
    let param = |name: &str| {
        params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    // Without a headers parameter only `date` is signed (draft-cavage).
    let signed: Vec<String> = param("headers")
        .unwrap_or("date")
        .split_whitespace()
        .map(str::to_ascii_lowercase)
        .collect();
    for required in required {
        if !signed.iter().any(|h| h == required) {
            return Err(format!("the HTTP signature must cover {required}"));
        }
    }
    if signed.iter().any(|h| h == "date") {
        let value = headers
            .get("date")
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| "the signed Date header is missing".to_string())?;
        let date = httpdate::parse_http_date(value)
            .map_err(|_| format!("the Date header {value:?} is not an HTTP date"))?;
        if skew(date) > WINDOW {
            return Err(format!(
                "the Date header {value:?} is more than an hour away from our clock"
            ));
        }
        return Ok(());
    }
    if signed.iter().any(|h| h == "(created)") {
        let created: u64 = param("created")
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| {
                "the signature's created parameter is missing or not a number".to_string()
            })?;
        // A `created` beyond what a clock can hold is no time at all (found by the
        // property test below: adding it to the epoch overflowed and panicked).
        let at = UNIX_EPOCH
            .checked_add(Duration::from_secs(created))
            .ok_or_else(|| "the signature's created parameter is not a time".to_string())?;
        if skew(at) > WINDOW {
            return Err("the signature was created more than an hour away from our clock".into());
        }
        return Ok(());
    }
    Err("the HTTP signature must cover date or (created)".into())
}

/// The actor a signature names: its `keyId` (draft-cavage) or `keyid` (RFC 9421)
/// without the fragment.
fn signer(headers: &HeaderMap) -> Option<url::Url> {
    let key_id = if message_signatures::is_present(headers) {
        message_signatures::read(headers).ok()?.key_id
    } else {
        let signature = headers.get("signature")?.to_str().ok()?;
        parameters(signature)
            .into_iter()
            .find(|(name, _)| name == "keyid")?
            .1
    };
    let mut actor = url::Url::parse(&key_id).ok()?;
    actor.set_fragment(None);
    Some(actor)
}

/// Whether `headers` carry a valid signature of `method uri` by the key in `public_key_pem`.
fn signature_verifies(
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    public_key_pem: &str,
    our_host: &str,
) -> anyhow::Result<bool> {
    let mut map: BTreeMap<String, String> = headers
        .iter()
        .filter_map(|(name, value)| Some((name.to_string(), value.to_str().ok()?.to_string())))
        .collect();
    // A proxy that speaks HTTP/2 to us may leave the Host out; it is ours.
    map.entry("host".into())
        .or_insert_with(|| our_host.to_string());
    let key = VerifyingKey::from_pem(public_key_pem)?;
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let verified = http_signature_normalization::Config::new()
        .set_expiration(WINDOW)
        .begin_verify(method.as_str(), path, map)
        .map_err(|err| anyhow::anyhow!("the signature cannot be read: {err}"))?
        .verify(|signature, signing_string| {
            BASE64
                .decode(signature)
                .is_ok_and(|signature| key.verifies_sha256(signing_string.as_bytes(), &signature))
        });
    Ok(verified)
}

/// A signed GET (`method`, `uri`, `headers`) from a server we hold deliveries for: when its
/// signature verifies with the key of the actor it names, that server is reachable again
/// and every delivery waiting for it is due now (`Store::record_host_success`, as for a
/// signed POST to the inbox). Returns whether it released a hold.
///
/// Costs one lookup for a server we do not hold. For one we hold, the signer is fetched
/// (signed GET) and the signature checked; `limiter` allows that a few times a minute per
/// server, so that requests naming a server that is down cannot make us fetch from it
/// without end.
pub async fn signed_fetch_proves_life(
    data: &Data,
    limiter: &crate::rate_limit::RateLimiter,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
) -> anyhow::Result<bool> {
    let Some(signer) = signer(headers) else {
        return Ok(false);
    };
    let host = host_of(&signer);
    let held = data
        .store
        .host_health(&host)
        .await?
        .is_some_and(|health| health.consecutive_failures > 0 || health.unreachable);
    if !held || limiter.check(&host).is_err() {
        return Ok(false);
    }
    let signed = check_fetch(headers).map_err(|reason| anyhow::anyhow!(reason))?;
    let actor: DbActor = ObjectId::<DbActor>::from(signer)
        .dereference(data)
        .await
        .map_err(|err| anyhow::anyhow!("fetching the signer of a GET: {err}"))?;
    if !verifies(
        &signed,
        method,
        uri,
        headers,
        &actor.record.public_key_pem,
        data.urls.base(),
    )? {
        anyhow::bail!("the signature of a GET from {host} does not verify");
    }
    data.store
        .record_host_success(&host, crate::clock::now_ms())
        .await?;
    tracing::info!(%host, "a server we held deliveries for signed a fetch: they resume now");
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(crate::fuzzing::config(512))]

        /// Whatever a stranger puts in `Signature` and `Date`, the checks answer a
        /// reason or pass; they never panic.
        #[test]
        fn any_signature_and_date_headers_are_checked_without_panic(
            signature in prop_oneof![
                "[ -~]{0,200}",
                crate::fuzzing::mutated(r#"keyId="https://m.example/users/a#main-key",algorithm="rsa-sha256",headers="(request-target) host date digest",signature="abc==""#),
            ],
            date in prop_oneof!["[ -~]{0,40}", Just("Mon, 01 Jan 2024 00:00:00 GMT".to_string())],
            created in prop_oneof![Just(None), any::<u64>().prop_map(Some)],
        ) {
            let _ = parameters(&signature);
            let mut headers = HeaderMap::new();
            if let Ok(value) = signature.parse() {
                headers.insert("signature", value);
            }
            if let Ok(value) = date.parse() {
                headers.insert("date", value);
            }
            if let Some(created) = created
                && let Ok(value) = format!("keyId=\"k\",created={created},headers=\"(request-target) host (created) digest\",signature=\"x\"").parse()
            {
                headers.insert("signature", value);
            }
            let _ = check(&headers);
            let _ = check_fetch(&headers);
            let _ = signer(&headers);
        }
    }

    fn with(signature: &str, date: Option<String>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("signature", signature.parse().expect("header"));
        if let Some(date) = date {
            headers.insert("date", date.parse().expect("header"));
        }
        headers
    }

    #[test]
    fn mastodon_signatures_pass() {
        let now = httpdate::fmt_http_date(SystemTime::now());
        let sig = r#"keyId="https://m.example/users/a#main-key",algorithm="rsa-sha256",headers="(request-target) host date digest content-type",signature="abc==""#;
        assert_eq!(check(&with(sig, Some(now))), Ok(Signed::Cavage));
    }

    #[test]
    fn created_without_date_passes_within_the_window() {
        let created = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        let sig = format!(
            r#"keyId="k",algorithm="hs2019",created={created},expires={},headers="(request-target) host (created) (expires) digest",signature="x""#,
            created + 300
        );
        assert_eq!(check(&with(&sig, None)), Ok(Signed::Cavage));
        let old = created - 7200;
        let sig = format!(
            r#"keyId="k",created={old},headers="(request-target) host (created) digest",signature="x""#
        );
        assert!(check(&with(&sig, None)).is_err());
    }

    #[test]
    fn a_signature_that_covers_no_time_or_no_digest_is_refused() {
        let now = httpdate::fmt_http_date(SystemTime::now());
        assert!(
            check(&with(
                r#"keyId="k",headers="(request-target) host digest",signature="x""#,
                Some(now.clone())
            ))
            .is_err()
        );
        assert!(
            check(&with(
                r#"keyId="k",headers="(request-target) host date",signature="x""#,
                Some(now.clone())
            ))
            .is_err()
        );
        let err = check(&with(
            r#"keyId="k",headers="(request-target) date digest",signature="x""#,
            Some(now),
        ))
        .expect_err("no host");
        assert!(err.contains("host"), "{err}");
        assert!(check(&HeaderMap::new()).is_err());
    }

    /// A GET signed as Mastodon and the federation library sign their fetches.
    fn signed_get(path: &str, private_pem: &str) -> HeaderMap {
        use rsa::{Pkcs1v15Sign, RsaPrivateKey, pkcs8::DecodePrivateKey};
        let key = RsaPrivateKey::from_pkcs8_pem(private_pem).expect("private key");
        let date = httpdate::fmt_http_date(SystemTime::now());
        let headers: BTreeMap<String, String> = [
            ("host".to_string(), "desa.example".to_string()),
            ("date".to_string(), date.clone()),
            (
                "accept".to_string(),
                "application/activity+json".to_string(),
            ),
        ]
        .into();
        let signed = http_signature_normalization::Config::new()
            .mastodon_compat()
            .begin_sign("GET", path, headers)
            .expect("begin")
            .sign(
                "https://portal.example/actor#main-key".into(),
                |text| -> Result<String, rsa::Error> {
                    let digest = Sha256::digest(text.as_bytes());
                    Ok(BASE64.encode(key.sign(Pkcs1v15Sign::new::<Sha256>(), &digest)?))
                },
            )
            .expect("sign");
        let mut out = HeaderMap::new();
        out.insert("host", "desa.example".parse().expect("header"));
        out.insert("date", date.parse().expect("header"));
        out.insert(
            "accept",
            "application/activity+json".parse().expect("header"),
        );
        out.insert(
            "signature",
            signed.signature_header().parse().expect("header"),
        );
        out
    }

    #[test]
    fn a_signed_get_verifies_with_its_signers_key_only() {
        let signer_keys =
            activitypub_federation::http_signatures::generate_actor_keypair().expect("keys");
        let other_keys =
            activitypub_federation::http_signatures::generate_actor_keypair().expect("keys");
        let path = "/u/desa/outbox?page=true";
        let headers = signed_get(path, &signer_keys.private_key);
        let uri: Uri = path.parse().expect("uri");
        assert_eq!(check_fetch(&headers), Ok(Signed::Cavage));
        assert_eq!(
            signer(&headers).map(|u| u.to_string()).as_deref(),
            Some("https://portal.example/actor")
        );
        let verifies = |method: &Method, uri: &Uri, key: &str| {
            signature_verifies(method, uri, &headers, key, "desa.example").unwrap_or(false)
        };
        assert!(verifies(&Method::GET, &uri, &signer_keys.public_key));
        assert!(!verifies(&Method::GET, &uri, &other_keys.public_key));
        let elsewhere: Uri = "/u/desa/outbox".parse().expect("uri");
        assert!(!verifies(&Method::GET, &elsewhere, &signer_keys.public_key));
        assert!(!verifies(&Method::POST, &uri, &signer_keys.public_key));
    }

    /// An inbox POST to `https://desa.example/inbox` signed with RFC 9421 the way Fedify
    /// and Mastodon 4.5 sign (`components`, `created`), with a matching Content-Digest.
    fn rfc9421_post(
        body: &[u8],
        components: &[&str],
        created: i64,
        private_pem: &str,
    ) -> HeaderMap {
        let key = super::super::signing::SigningKey::from_pkcs8_pem(private_pem).expect("key");
        let mut headers = HeaderMap::new();
        headers.insert("host", "desa.example".parse().expect("header"));
        headers.insert(
            "date",
            httpdate::fmt_http_date(SystemTime::now())
                .parse()
                .expect("header"),
        );
        headers.insert(
            "content-digest",
            message_signatures::content_digest(body)
                .parse()
                .expect("header"),
        );
        let target = url::Url::parse("https://desa.example/inbox").expect("url");
        let request = message_signatures::Request {
            method: "POST",
            target: &target,
            headers: &headers,
        };
        let (input, signature) = message_signatures::sign(
            &request,
            components,
            "https://m.example/users/a#main-key",
            created,
            &key,
        )
        .expect("sign");
        headers.insert("signature-input", input.parse().expect("header"));
        headers.insert("signature", signature.parse().expect("header"));
        headers
    }

    fn now_secs() -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or_default()
    }

    /// Checks an RFC 9421 inbox POST as the inbox does: policy, digest, signature.
    fn inbox_verdict(headers: &HeaderMap, body: &[u8], public_pem: &str) -> Result<(), String> {
        let signed = check(headers)?;
        body_matches(&signed, headers, body)?;
        let base = url::Url::parse("https://desa.example/").expect("url");
        let uri: Uri = "/inbox".parse().expect("uri");
        match verifies(&signed, &Method::POST, &uri, headers, public_pem, &base) {
            Ok(true) => Ok(()),
            Ok(false) => Err("does not verify".into()),
            Err(err) => Err(err.to_string()),
        }
    }

    #[test]
    fn an_rfc9421_post_verifies_with_its_signers_key_only() {
        let keys = activitypub_federation::http_signatures::generate_actor_keypair().expect("keys");
        let other =
            activitypub_federation::http_signatures::generate_actor_keypair().expect("keys");
        let body = br#"{"type":"Follow"}"#;
        let headers = rfc9421_post(
            body,
            &message_signatures::POST_COMPONENTS,
            now_secs(),
            &keys.private_key,
        );
        assert!(matches!(check(&headers), Ok(Signed::Rfc9421(_))));
        assert_eq!(inbox_verdict(&headers, body, &keys.public_key), Ok(()));
        assert_eq!(
            inbox_verdict(&headers, body, &other.public_key),
            Err("does not verify".into())
        );
        // Fedify's own set (it also signs `host`) verifies too, the host taken from the
        // header or, when an HTTP/2 proxy left it out, from our own address.
        let fedify = [
            "@method",
            "@target-uri",
            "@authority",
            "host",
            "date",
            "content-digest",
        ];
        let mut headers = rfc9421_post(body, &fedify, now_secs(), &keys.private_key);
        assert_eq!(inbox_verdict(&headers, body, &keys.public_key), Ok(()));
        headers.remove("host");
        assert_eq!(inbox_verdict(&headers, body, &keys.public_key), Ok(()));
        // Made for another server: its authority is not ours.
        let base = url::Url::parse("https://other.example/").expect("url");
        let signed = check(&headers).expect("policy");
        let uri: Uri = "/inbox".parse().expect("uri");
        assert!(
            !verifies(
                &signed,
                &Method::POST,
                &uri,
                &headers,
                &keys.public_key,
                &base
            )
            .unwrap_or(true)
        );
    }

    #[test]
    fn an_rfc9421_post_missing_a_component_is_refused() {
        let keys = activitypub_federation::http_signatures::generate_actor_keypair().expect("keys");
        let body = br#"{"type":"Follow"}"#;
        for (components, missing) in [
            (&["@target-uri", "content-digest"][..], "@method"),
            (&["@method", "content-digest"][..], "@target-uri"),
            (
                &["@method", "@authority", "content-digest"][..],
                "@target-uri",
            ),
            (&["@method", "@target-uri", "date"][..], "content-digest"),
        ] {
            let headers = rfc9421_post(body, components, now_secs(), &keys.private_key);
            let err = check(&headers).expect_err("refused");
            assert!(err.contains(missing), "{components:?}: {err}");
        }
        // @authority with @path stands for the target.
        let headers = rfc9421_post(
            body,
            &["@method", "@authority", "@path", "content-digest"],
            now_secs(),
            &keys.private_key,
        );
        assert_eq!(inbox_verdict(&headers, body, &keys.public_key), Ok(()));
    }

    #[test]
    fn an_rfc9421_post_created_out_of_the_window_is_refused() {
        let keys = activitypub_federation::http_signatures::generate_actor_keypair().expect("keys");
        let body = b"{}";
        for created in [now_secs() - 7200, now_secs() + 7200] {
            let headers = rfc9421_post(
                body,
                &message_signatures::POST_COMPONENTS,
                created,
                &keys.private_key,
            );
            let err = check(&headers).expect_err("stale");
            assert!(err.contains("more than an hour"), "{err}");
        }
    }

    #[test]
    fn an_rfc9421_post_whose_body_does_not_match_its_digest_is_refused() {
        let keys = activitypub_federation::http_signatures::generate_actor_keypair().expect("keys");
        let headers = rfc9421_post(
            br#"{"type":"Follow"}"#,
            &message_signatures::POST_COMPONENTS,
            now_secs(),
            &keys.private_key,
        );
        let err = inbox_verdict(&headers, br#"{"type":"Block"}"#, &keys.public_key)
            .expect_err("mismatch");
        assert!(err.contains("Content-Digest"), "{err}");
    }

    #[test]
    fn an_rfc9421_signature_with_another_algorithm_is_refused_with_its_name() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "signature-input",
            format!(
                r#"sig1=("@method" "@target-uri" "content-digest");created={};keyid="https://m.example/users/a#main-key";alg="ed25519""#,
                now_secs()
            )
            .parse()
            .expect("header"),
        );
        headers.insert("signature", "sig1=:AAEC:".parse().expect("header"));
        let err = check(&headers).expect_err("algorithm");
        assert!(
            err.contains("ed25519") && err.contains("rsa-v1_5-sha256"),
            "{err}"
        );
    }

    #[test]
    fn a_digest_listing_several_algorithms_passes_on_its_sha256() {
        let body = br#"{"type":"Create"}"#;
        let sha256 = BASE64.encode(Sha256::digest(body));
        let check_digest = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert("digest", value.parse().expect("header"));
            body_matches(&Signed::Cavage, &headers, body)
        };
        assert_eq!(check_digest(&format!("SHA-256={sha256}")), Ok(()));
        assert_eq!(
            check_digest(&format!("SHA-512=bm90IGNoZWNrZWQ=,SHA-256={sha256}")),
            Ok(())
        );
        assert_eq!(
            check_digest(&format!("sha-256={sha256}, SHA-512=bm90IGNoZWNrZWQ=")),
            Ok(())
        );
        let wrong = BASE64.encode(Sha256::digest(b"other"));
        assert!(check_digest(&format!("SHA-256={wrong},SHA-512=bm90IGNoZWNrZWQ=")).is_err());
        let err = check_digest("SHA-512=bm90IGNoZWNrZWQ=").expect_err("no sha-256");
        assert!(err.contains("SHA-256"), "{err}");
        assert!(body_matches(&Signed::Cavage, &HeaderMap::new(), body).is_err());
    }

    #[test]
    fn a_stale_or_future_date_is_refused() {
        let sig = r#"keyId="k",headers="(request-target) host date digest",signature="x""#;
        let old = httpdate::fmt_http_date(SystemTime::now() - Duration::from_secs(7200));
        let future = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(7200));
        assert!(check(&with(sig, Some(old))).is_err());
        assert!(check(&with(sig, Some(future))).is_err());
    }
}
