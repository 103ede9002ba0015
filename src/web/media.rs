//! `GET /media/{name}`: the stored image files. Names are content addressed, so an
//! answer is cacheable forever and its ETag is the key. Only names the media store
//! could have made are looked up; any other is a 404 before the disk is touched.

use crate::{error::AppError, media::MediaStore, state::AppState, web::strings::NOT_FOUND};
use axum::{
    extract::{Path, State},
    http::{
        HeaderMap, HeaderValue, StatusCode,
        header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH, X_CONTENT_TYPE_OPTIONS},
    },
    response::{IntoResponse, Response},
};
use std::io::ErrorKind;

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// One stored image file, with long caching and `If-None-Match` answered by 304.
pub async fn media_file(
    State(state): State<AppState>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Response {
    let store = MediaStore::new(&state.config.dir);
    let Some(path) = store.path_of(&name) else {
        return not_found();
    };
    // A valid name is `{key}-{variant}.{ext}`.
    let (key, _) = name.split_once('-').unwrap_or((&name, ""));
    let etag = format!("\"{key}\"");
    let content_type = if name.ends_with(".png") {
        "image/png"
    } else {
        "image/jpeg"
    };

    if if_none_match(&headers, &etag) {
        return match tokio::fs::try_exists(&path).await {
            Ok(true) => (StatusCode::NOT_MODIFIED, cache_headers(&etag)).into_response(),
            Ok(false) => not_found(),
            Err(err) => unavailable(err, &path),
        };
    }
    match tokio::fs::read(&path).await {
        Ok(bytes) => (
            cache_headers(&etag),
            [
                (CONTENT_TYPE, HeaderValue::from_static(content_type)),
                (X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
            ],
            bytes,
        )
            .into_response(),
        Err(err) if err.kind() == ErrorKind::NotFound => not_found(),
        Err(err) => unavailable(err, &path),
    }
}

fn cache_headers(etag: &str) -> [(axum::http::HeaderName, HeaderValue); 2] {
    [
        (CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE)),
        // Hex between quotes is always a valid header value.
        (
            ETAG,
            HeaderValue::from_str(etag).unwrap_or(HeaderValue::from_static("\"\"")),
        ),
    ]
}

/// Whether the client already holds this version: `*`, or one of its (weak or strong)
/// tags equals ours, compared weakly as RFC 9110 asks for `If-None-Match`.
fn if_none_match(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag)
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{} / {}\n", NOT_FOUND.id, NOT_FOUND.en),
    )
        .into_response()
}

fn unavailable(err: std::io::Error, path: &std::path::Path) -> Response {
    AppError::from(
        anyhow::Error::new(err).context(format!("reading media file {}", path.display())),
    )
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_if_none_match(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(IF_NONE_MATCH, HeaderValue::from_str(value).expect("header"));
        }
        headers
    }

    #[test]
    fn if_none_match_recognises_our_tag_in_any_form() {
        let ours = "\"0123456789abcdef0123456789abcdef\"";
        for values in [
            vec![ours],
            vec!["*"],
            vec!["W/\"0123456789abcdef0123456789abcdef\""],
            vec!["\"other\", \"0123456789abcdef0123456789abcdef\""],
            vec!["\"other\"", ours],
        ] {
            assert!(
                if_none_match(&with_if_none_match(&values), ours),
                "{values:?}"
            );
        }
        for values in [
            vec![],
            vec!["\"other\""],
            vec!["0123456789abcdef0123456789abcdef"],
        ] {
            assert!(
                !if_none_match(&with_if_none_match(&values), ours),
                "{values:?}"
            );
        }
    }
}
