//! The admin's own script and style sheet (`/admin/static/editor.js`, `editor.css`),
//! compiled into the binary and served by the node itself: no CDN, nothing from
//! elsewhere. Pages link them with `?v=` and the content's hash, so a browser keeps them
//! for a year and a new release is fetched at once; the hash is also the `ETag`.
//!
//! The script only adds to forms that work without it (docs/security.md: the admin's
//! CSP allows `script-src 'self'` and nothing inline).

use axum::{
    extract::Path,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static str,
    hash: String,
}

fn asset(name: &'static str, content_type: &'static str, body: &'static str) -> Asset {
    let hash = hex::encode(&Sha256::digest(body.as_bytes())[..8]);
    Asset {
        name,
        content_type,
        body,
        hash,
    }
}

static ASSETS: LazyLock<[Asset; 2]> = LazyLock::new(|| {
    [
        asset(
            "editor.js",
            "text/javascript; charset=utf-8",
            include_str!("static/editor.js"),
        ),
        asset(
            "editor.css",
            "text/css; charset=utf-8",
            include_str!("static/editor.css"),
        ),
    ]
});

fn find(name: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|asset| asset.name == name)
}

/// The address a page links: `/admin/static/NAME?v=HASH`.
pub fn url(name: &str) -> String {
    match find(name) {
        Some(asset) => format!("/admin/static/{}?v={}", asset.name, asset.hash),
        None => format!("/admin/static/{name}"),
    }
}

/// `GET /admin/static/{file}`: the file with a year's cache and its ETag, 304 when the
/// browser already has it, 404 for any other name.
pub async fn file(Path(name): Path<String>, headers: HeaderMap) -> Response {
    let Some(asset) = find(&name) else {
        return (StatusCode::NOT_FOUND, "no such file").into_response();
    };
    let etag = format!("\"{}\"", asset.hash);
    let cache = "public, max-age=31536000, immutable";
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.split(',').any(|tag| tag.trim() == etag));
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ([(header::CONTENT_TYPE, asset.content_type)], asset.body).into_response()
    };
    let out = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&etag) {
        out.insert(header::ETAG, value);
    }
    out.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_carry_the_hash_of_the_content() {
        let js = url("editor.js");
        assert!(js.starts_with("/admin/static/editor.js?v="), "{js}");
        assert_eq!(js.len(), "/admin/static/editor.js?v=".len() + 16);
        assert_ne!(url("editor.js"), url("editor.css"));
    }
}
