//! What we require of an incoming draft-cavage `Signature` header beyond what the
//! federation library verifies: the signature must cover the request target, the host,
//! the body digest and a time (`date` or `(created)`), and that time must be within an
//! hour of our clock either way, as Mastodon requires. Otherwise a captured signature
//! that covered no time could be replayed with a fresh `Date`, and one that did not
//! cover the host, made for another server, could be replayed here. Every major server
//! (Mastodon, GoToSocial, Pleroma, Misskey, Fedify, Lemmy) signs `host`.
//!
//! Also what a signed GET proves. We serve GETs signed or not, and the library verifies
//! only inbox POSTs; but a server whose deliveries we hold (they failed) and that signs a
//! fetch from us is back, so [`signed_fetch_proves_life`] verifies that signature itself
//! and lets the deliveries waiting for that server go at once, as a signed POST does.

use super::{
    Data,
    actor::{DbActor, host_of},
};
use activitypub_federation::fetch::object_id::ObjectId;
use anyhow::Context;
use axum::http::{HeaderMap, Method, Uri};
use base64::{Engine, engine::general_purpose::STANDARD as BASE64};
use rsa::{Pkcs1v15Sign, RsaPublicKey, pkcs8::DecodePublicKey};
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

/// Checks the signed header set and the signed time of an inbox POST; the reason is one
/// line.
pub fn check(headers: &HeaderMap) -> Result<(), String> {
    check_covering(headers, &["(request-target)", "host", "digest"])
}

/// Checks a signed GET the same way, without a body digest (Mastodon signs its fetches
/// with `(request-target) host date accept`).
pub fn check_fetch(headers: &HeaderMap) -> Result<(), String> {
    check_covering(headers, &["(request-target)", "host"])
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

/// The actor a `Signature` header names: its `keyId` without the fragment.
fn signer(headers: &HeaderMap) -> Option<url::Url> {
    let signature = headers.get("signature")?.to_str().ok()?;
    let (_, key_id) = parameters(signature)
        .into_iter()
        .find(|(name, _)| name == "keyid")?;
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
    let key = RsaPublicKey::from_public_key_pem(public_key_pem)
        .context("the signer's public key is unreadable")?;
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let verified = http_signature_normalization::Config::new()
        .set_expiration(WINDOW)
        .begin_verify(method.as_str(), path, map)
        .map_err(|err| anyhow::anyhow!("the signature cannot be read: {err}"))?
        .verify(|signature, signing_string| {
            BASE64.decode(signature).is_ok_and(|signature| {
                key.verify(
                    Pkcs1v15Sign::new::<Sha256>(),
                    &Sha256::digest(signing_string.as_bytes()),
                    &signature,
                )
                .is_ok()
            })
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
    check_fetch(headers).map_err(|reason| anyhow::anyhow!(reason))?;
    let actor: DbActor = ObjectId::<DbActor>::from(signer)
        .dereference(data)
        .await
        .map_err(|err| anyhow::anyhow!("fetching the signer of a GET: {err}"))?;
    let our_host = data.config.domain.clone();
    if !signature_verifies(
        method,
        uri,
        headers,
        &actor.record.public_key_pem,
        &our_host,
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
        assert_eq!(check(&with(sig, Some(now))), Ok(()));
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
        assert_eq!(check(&with(&sig, None)), Ok(()));
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
        use rsa::{RsaPrivateKey, pkcs8::DecodePrivateKey};
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
        assert_eq!(check_fetch(&headers), Ok(()));
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

    #[test]
    fn a_stale_or_future_date_is_refused() {
        let sig = r#"keyId="k",headers="(request-target) host date digest",signature="x""#;
        let old = httpdate::fmt_http_date(SystemTime::now() - Duration::from_secs(7200));
        let future = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(7200));
        assert!(check(&with(sig, Some(old))).is_err());
        assert!(check(&with(sig, Some(future))).is_err());
    }
}
