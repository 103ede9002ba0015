//! Conditional requests for what is read most and changes least: pages, feeds and
//! ActivityPub documents carry an `ETag`, and a request whose `If-None-Match` names it is
//! answered `304 Not Modified` with no body. A link shared in a WhatsApp group or boosted
//! across the fediverse is fetched again and again by previewers, crawlers and servers;
//! those that kept a copy then cost a few hundred bytes instead of the page, which is what
//! a village's slow uplink feels.
//!
//! The pages fetched most (home, post pages, feeds, the JSON of posts and of the account)
//! come from the render cache (`render_cache`), which tags them by the site's content
//! version and answers their `304` itself, before any rendering: this layer leaves an
//! answer that has a tag alone. For the rest (other pages, and every answer to a request
//! that carries a cookie) the tag is a hash of the answer's bytes, taken after it is
//! rendered: right by construction whatever changed the page, at the cost of a pass over
//! the body, and sparing only the bytes sent. Tags are weak (`W/`), since the compression
//! layer outside may send the same content encoded differently.

use axum::{
    body::Body,
    extract::Request,
    http::{
        HeaderMap, HeaderValue, Method, StatusCode,
        header::{CONTENT_TYPE, ETAG, IF_NONE_MATCH, SET_COOKIE},
    },
    middleware::Next,
    response::{IntoResponse, Response},
};
use std::hash::{Hash, Hasher};

/// Answers larger than this are sent as they are (no page or document of ours is).
const MAX_TAGGED_BYTES: u64 = 1024 * 1024;

/// The kinds of answer that are tagged: pages, feeds, calendars, JSON documents.
const TAGGED_TYPES: [&str; 8] = [
    "text/html",
    "application/activity+json",
    "application/ld+json",
    "application/json",
    "application/jrd+json",
    "application/rss+xml",
    "application/atom+xml",
    "text/calendar",
];

/// The admin's pages depend on who is signed in: never tagged, so that nothing personal
/// is ever compared or kept.
fn is_personal(path: &str) -> bool {
    path == "/admin" || path.starts_with("/admin/")
}

fn is_tagged_type(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| {
            let media_type = value.split(';').next().unwrap_or_default().trim();
            TAGGED_TYPES
                .iter()
                .any(|tagged| media_type.eq_ignore_ascii_case(tagged))
        })
}

/// The weak tag of `bytes`.
fn tag_of(bytes: &[u8]) -> String {
    let mut hasher = std::hash::DefaultHasher::new();
    bytes.hash(&mut hasher);
    format!("W/\"{:016x}\"", hasher.finish())
}

use crate::render_cache::matches;

/// The layer: tags what it may, and answers 304 when the asker has it already.
pub async fn answer(request: Request, next: Next) -> Response {
    let wanted = matches!(*request.method(), Method::GET | Method::HEAD)
        && !is_personal(request.uri().path());
    if !wanted {
        return next.run(request).await;
    }
    let if_none_match = request.headers().get(IF_NONE_MATCH).cloned();
    let response = next.run(request).await;
    let taggable = response.status() == StatusCode::OK
        && !response.headers().contains_key(ETAG)
        && !response.headers().contains_key(SET_COOKIE)
        && is_tagged_type(response.headers())
        && axum::body::HttpBody::size_hint(response.body())
            .exact()
            .is_some_and(|length| length <= MAX_TAGGED_BYTES);
    if !taggable {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_TAGGED_BYTES as usize).await {
        Ok(bytes) => bytes,
        // A body of known length that fails to read is not ours to mend here.
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    let tag = tag_of(&bytes);
    let fresh = matches(if_none_match.as_ref(), &tag);
    if let Ok(value) = HeaderValue::from_str(&tag) {
        parts.headers.insert(ETAG, value);
    }
    if fresh {
        parts.status = StatusCode::NOT_MODIFIED;
        parts.headers.remove(CONTENT_TYPE);
        parts.headers.remove(axum::http::header::CONTENT_LENGTH);
        return Response::from_parts(parts, Body::empty());
    }
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_compare_weakly_and_in_lists() {
        let tag = tag_of(b"<p>Kabar desa</p>");
        assert!(tag.starts_with("W/\"") && tag.ends_with('"'));
        assert_ne!(tag, tag_of(b"<p>Kabar desa.</p>"));
        let header = |value: &str| HeaderValue::from_str(value).expect("header");
        assert!(matches(Some(&header(&tag)), &tag));
        assert!(matches(Some(&header(tag.trim_start_matches("W/"))), &tag));
        assert!(matches(Some(&header(&format!("\"x\", {tag}"))), &tag));
        assert!(matches(Some(&header("*")), &tag));
        assert!(!matches(Some(&header("\"x\"")), &tag));
        assert!(!matches(None, &tag));
    }

    #[test]
    fn only_public_answers_of_known_kinds_are_tagged() {
        assert!(is_personal("/admin"));
        assert!(is_personal("/admin/posts"));
        assert!(!is_personal("/administrasi"));
        let mut headers = HeaderMap::new();
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        assert!(is_tagged_type(&headers));
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("image/webp"));
        assert!(!is_tagged_type(&headers));
    }
}
