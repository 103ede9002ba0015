//! The admin API, for scripts and the later admin UI: `Authorization: Bearer TOKEN`
//! with the token `init` printed (stored only as a SHA-256 hash).

use crate::{
    actors::find_publishing_actor,
    error::AppError,
    publishing::{self, PostInput},
    state::AppState,
};
use axum::{
    Json, Router,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/posts", post(create_post))
        .route("/api/v1/followers", get(list_followers))
}

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

async fn authorize(state: &AppState, headers: &HeaderMap) -> Result<(), AppError> {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| {
            AppError::Unauthorized("an Authorization: Bearer token is required".into())
        })?;
    if state
        .store
        .api_token_exists(&hash_token(token.trim()))
        .await?
    {
        Ok(())
    } else {
        Err(AppError::Unauthorized("the API token is not valid".into()))
    }
}

#[derive(Deserialize)]
pub struct NewPostRequest {
    actor: Option<String>,
    title: String,
    body: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    categories: Vec<String>,
    #[serde(default)]
    pinned: bool,
}

/// `POST /api/v1/posts`: publishes and answers 201 with the post's URL.
async fn create_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    authorize(&state, &headers).await?;
    let request: NewPostRequest = serde_json::from_slice(&body)
        .map_err(|err| AppError::BadRequest(format!("the request is not a valid post: {err}")))?;
    let actor = find_publishing_actor(&state.store, request.actor.as_deref())
        .await
        .map_err(|err| AppError::BadRequest(err.to_string()))?;
    let input = PostInput {
        title: request.title,
        body_markdown: request.body,
        summary: request.summary,
        categories: request.categories,
        pinned: request.pinned,
    };
    let post = publishing::publish(&state.store, &actor, &input)
        .await
        .map_err(|err| AppError::BadRequest(err.to_string()))?;
    state.wake_delivery.notify_one();
    let url = state.urls.post(&post.public_id);
    Ok((
        StatusCode::CREATED,
        [("location", url.to_string())],
        Json(json!({ "url": url })),
    )
        .into_response())
}

/// `GET /api/v1/followers`: followers of the main actor.
async fn list_followers(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    authorize(&state, &headers).await?;
    let actor = find_publishing_actor(&state.store, None)
        .await
        .map_err(|err| AppError::NotFound(err.to_string()))?;
    let followers = state.store.followers_of(actor.id).await?;
    let list: Vec<_> = followers
        .iter()
        .map(|f| json!({ "id": f.ap_id, "handle": format!("@{}@{}", f.username, f.host), "server": f.host }))
        .collect();
    Ok(Json(json!({ "followers": list })).into_response())
}
