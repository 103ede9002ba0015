//! `GET /media/{name}`: the stored image files. Names are content addressed, so an
//! answer is cacheable forever and its ETag is the key. Only names the media store
//! could have made are looked up; any other is a 404 before the disk is touched.
//! Also `GET /u/{name}/avatar.png`: the avatar drawn for a local account.

use crate::{
    error::AppError,
    media::{MediaStore, avatar},
    state::AppState,
    strings::NOT_FOUND,
};
use axum::{
    body::Bytes,
    extract::{Path, State},
    http::{
        HeaderMap, HeaderValue, StatusCode,
        header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH, X_CONTENT_TYPE_OPTIONS},
    },
    response::{IntoResponse, Response},
};
use sha2::{Digest, Sha256};
use std::{
    collections::HashMap,
    io::ErrorKind,
    sync::{LazyLock, Mutex, PoisonError},
};

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// A drawn avatar depends only on the username, but a new version of Kentongan may
/// draw it differently: a week, then a revalidation by ETag.
const AVATAR_CACHE: &str = "public, max-age=604800";
/// Bumped whenever `media::avatar` draws differently.
const AVATAR_VERSION: &str = "v1";
/// Drawn avatars kept in memory: one per local account, and there are few.
const AVATARS_KEPT: usize = 64;

/// Avatars already drawn, by username (the picture depends on nothing else).
static DRAWN: LazyLock<Mutex<HashMap<String, Bytes>>> = LazyLock::new(Mutex::default);

/// `GET /u/{name}/avatar.png`: the picture of a local account that has no logo, at a
/// URL that never changes, since the picture never does.
pub async fn avatar_file(
    State(state): State<AppState>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let actor = super::objects::local_actor(&state, &name).await?;
    // The version changes when the drawing does, so caches learn of a new picture.
    let etag = format!(
        "\"avatar-{AVATAR_VERSION}-{}\"",
        &hex::encode(Sha256::digest(actor.username.as_bytes()))[..16]
    );
    let headers_out = [
        (CACHE_CONTROL, HeaderValue::from_static(AVATAR_CACHE)),
        (ETAG, header_value(&etag)),
    ];
    if if_none_match(&headers, &etag) {
        return Ok((StatusCode::NOT_MODIFIED, headers_out).into_response());
    }
    let bytes = drawn_avatar(actor.username).await?;
    Ok((
        headers_out,
        [
            (CONTENT_TYPE, HeaderValue::from_static("image/png")),
            (X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        ],
        bytes,
    )
        .into_response())
}

/// The avatar of `username`, drawn once per process (off the async threads).
async fn drawn_avatar(username: String) -> Result<Bytes, AppError> {
    let kept = DRAWN
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&username)
        .cloned();
    if let Some(bytes) = kept {
        return Ok(bytes);
    }
    let name = username.clone();
    let bytes = tokio::task::spawn_blocking(move || avatar::draw(&name))
        .await
        .map_err(|err| anyhow::Error::new(err).context("drawing an avatar"))?
        .map_err(|err| anyhow::Error::new(err).context("encoding an avatar"))?;
    let bytes = Bytes::from(bytes);
    let mut drawn = DRAWN.lock().unwrap_or_else(PoisonError::into_inner);
    if drawn.len() >= AVATARS_KEPT {
        drawn.clear();
    }
    drawn.insert(username, bytes.clone());
    Ok(bytes)
}

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
        (ETAG, header_value(etag)),
    ]
}

/// Our ETags are hex between quotes: always a valid header value.
fn header_value(etag: &str) -> HeaderValue {
    HeaderValue::from_str(etag).unwrap_or(HeaderValue::from_static("\"\""))
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
