//! The old website's addresses (a WordPress site brought in by `kentongan site
//! import-wordpress`): a request for one answers 301 to where its post, page, category or
//! tag is now. Asked only where the site would otherwise answer 404 (any path no route
//! knows) and on `/` when it carries WordPress's `?p=`, `?page_id=`, `?cat=` or `?tag=`;
//! an address no import named keeps answering 404.

use crate::state::AppState;
use axum::{
    extract::{Request, State},
    http::{Method, StatusCode, header::LOCATION},
    response::{IntoResponse, Response},
};

/// The query keys of WordPress's plain links, in the order they are looked at.
const QUERY_KEYS: [&str; 4] = ["p", "page_id", "cat", "tag"];

/// An old address as it is kept and looked up: the path percent-decoded and without a
/// trailing slash, and for WordPress's plain links its one query key (`/?p=12`). `None`
/// for the bare home page, which is never an old post.
pub fn old_address_key(path: &str, query: Option<&str>) -> Option<String> {
    let decoded = percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .ok()?;
    // `/index.php?p=12` is WordPress's `/?p=12` written out.
    let decoded = decoded.strip_suffix("/index.php").unwrap_or(&decoded);
    let trimmed = decoded.trim_end_matches('/');
    let path = if trimmed.is_empty() { "/" } else { trimmed };
    if let Some(query) = query {
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        for key in QUERY_KEYS {
            if let Some((_, value)) = pairs.iter().find(|(k, v)| k == key && !v.is_empty()) {
                return Some(format!("{path}?{key}={value}"));
            }
        }
    }
    (path != "/").then(|| path.to_string())
}

/// Whether a query holds one of WordPress's plain-link keys (`/?p=12`).
pub fn has_old_query(query: Option<&str>) -> bool {
    query.is_some_and(|query| {
        url::form_urlencoded::parse(query.as_bytes())
            .any(|(key, value)| QUERY_KEYS.contains(&key.as_ref()) && !value.is_empty())
    })
}

/// The 301 to an old address's new place, if `path` and `query` name one.
pub async fn redirect(state: &AppState, path: &str, query: Option<&str>) -> Option<Response> {
    let key = old_address_key(path, query)?;
    match state.store.old_address(&key).await {
        Ok(Some(target)) => {
            let mut location = state.urls.base().clone();
            location.set_path(&target);
            Some(
                (
                    StatusCode::MOVED_PERMANENTLY,
                    [(LOCATION, location.to_string())],
                )
                    .into_response(),
            )
        }
        Ok(None) => None,
        Err(err) => {
            // A lookup that failed is an address not found: the page answers 404 as
            // it would without the import.
            tracing::warn!(error = %format!("{err:#}"), "looking up an old address failed");
            None
        }
    }
}

/// What every path no route knows answers: its new place, or 404 as before.
pub async fn fallback(State(state): State<AppState>, request: Request) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD)
        && let Some(moved) = redirect(&state, request.uri().path(), request.uri().query()).await
    {
        return moved;
    }
    StatusCode::NOT_FOUND.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_addresses_are_kept_the_way_they_are_asked_for() {
        assert_eq!(
            old_address_key("/2023/05/17/kerja-bakti/", None).as_deref(),
            Some("/2023/05/17/kerja-bakti")
        );
        assert_eq!(
            old_address_key("/berita/%E2%80%9Cbaru%E2%80%9D", None).as_deref(),
            Some("/berita/\u{201c}baru\u{201d}")
        );
        assert_eq!(
            old_address_key("/", Some("utm=x&p=12")).as_deref(),
            Some("/?p=12")
        );
        assert_eq!(
            old_address_key("/blog/", Some("page_id=7")).as_deref(),
            Some("/blog?page_id=7")
        );
        assert_eq!(
            old_address_key("/index.php", Some("p=12")).as_deref(),
            Some("/?p=12")
        );
        assert_eq!(old_address_key("/", None), None);
        assert_eq!(old_address_key("/", Some("before=1.2")), None);
        assert!(has_old_query(Some("p=3")));
        assert!(!has_old_query(Some("before=3")));
    }
}
