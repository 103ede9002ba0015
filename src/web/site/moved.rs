//! The old website's addresses (a WordPress site brought in by `kentongan site
//! import-wordpress`): a request for one answers 301 to where its post, page, category or
//! tag is now. Asked only where the site would otherwise answer 404 (any path no route
//! knows) and on `/` when it carries WordPress's `?p=`, `?page_id=`, `?cat=` or `?tag=`;
//! a later page of an old archive (`/category/x/page/2/`) leads where the archive does;
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

/// An archive's later page as the archive itself: `/category/berita/page/2` is
/// `/category/berita`. `None` for any other address, and for the home page's later
/// pages (`/page/2`), which no import names.
fn first_page(key: &str) -> Option<&str> {
    let (archive, number) = key.rsplit_once("/page/")?;
    let paged = !archive.is_empty()
        && !key.contains('?')
        && !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit());
    paged.then_some(archive)
}

/// Where an old address leads, if an import named it.
async fn target_of(state: &AppState, key: &str) -> Option<String> {
    match state.store.old_address(key).await {
        Ok(target) => target,
        Err(err) => {
            // A lookup that failed is an address not found: the page answers 404 as
            // it would without the import.
            tracing::warn!(error = %format!("{err:#}"), "looking up an old address failed");
            None
        }
    }
}

/// The 301 to an old address's new place, if `path` and `query` name one. A later page
/// of an old archive leads to the start of the archive's new page: this site pages by
/// date, not by number, so WordPress's page 2 has no one place here.
pub async fn redirect(state: &AppState, path: &str, query: Option<&str>) -> Option<Response> {
    let key = old_address_key(path, query)?;
    let target = match target_of(state, &key).await {
        Some(target) => target,
        None => target_of(state, first_page(&key)?).await?,
    };
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

    #[test]
    fn a_later_page_of_an_archive_is_the_archive() {
        assert_eq!(
            first_page("/category/kegiatan-warga/dusun-sukamaju/page/2"),
            Some("/category/kegiatan-warga/dusun-sukamaju")
        );
        assert_eq!(first_page("/tag/posyandu/page/12"), Some("/tag/posyandu"));
        assert_eq!(first_page("/2023/05/page/3"), Some("/2023/05"));
        assert_eq!(first_page("/page/2"), None);
        assert_eq!(first_page("/category/berita/page/dua"), None);
        assert_eq!(first_page("/category/berita/page/"), None);
        assert_eq!(first_page("/category/berita"), None);
        assert_eq!(first_page("/?cat=3/page/2"), None);
    }
}
