//! What we require of an incoming draft-cavage `Signature` header beyond what the
//! federation library verifies: the signature must cover the request target, the host,
//! the body digest and a time (`date` or `(created)`), and that time must be within an
//! hour of our clock either way, as Mastodon requires. Otherwise a captured signature
//! that covered no time could be replayed with a fresh `Date`, and one that did not
//! cover the host, made for another server, could be replayed here. Every major server
//! (Mastodon, GoToSocial, Pleroma, Misskey, Fedify, Lemmy) signs `host`.

use axum::http::HeaderMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

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

/// Checks the signed header set and the signed time; the reason is one line.
pub fn check(headers: &HeaderMap) -> Result<(), String> {
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
    for required in ["(request-target)", "host", "digest"] {
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
        if skew(UNIX_EPOCH + Duration::from_secs(created)) > WINDOW {
            return Err("the signature was created more than an hour away from our clock".into());
        }
        return Ok(());
    }
    Err("the HTTP signature must cover date or (created)".into())
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn a_stale_or_future_date_is_refused() {
        let sig = r#"keyId="k",headers="(request-target) host date digest",signature="x""#;
        let old = httpdate::fmt_http_date(SystemTime::now() - Duration::from_secs(7200));
        let future = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(7200));
        assert!(check(&with(sig, Some(old))).is_err());
        assert!(check(&with(sig, Some(future))).is_err());
    }
}
