//! The admin API, for scripts and the later admin UI: `Authorization: Bearer TOKEN`
//! with the token `init` printed (stored only as a SHA-256 hash).

use super::access::{Access, Routes, Row};
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
};
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};

/// Every API endpoint, all for the token's holder only (`web::access`); each handler
/// checks the token first with [`authorize`], and the roles test proves it answers 401
/// without it, session or not.
fn table() -> Routes {
    use Access::ApiToken;
    Routes::default()
        .post("/api/v1/posts", ApiToken, create_post)
        .get("/api/v1/followers", ApiToken, list_followers)
        .get("/api/v1/villages", ApiToken, list_villages)
        .post("/api/v1/villages", ApiToken, add_village)
        .delete("/api/v1/villages/{id}", ApiToken, remove_village)
}

pub fn routes() -> Router<AppState> {
    table().into_router()
}

/// Every API endpoint and who may use it.
pub fn matrix() -> Vec<Row> {
    table().rows().to_vec()
}

fn require_portal(state: &AppState) -> Result<(), AppError> {
    if state.config.role != crate::config::Role::Portal {
        return Err(AppError::NotFound(
            "villages are registered on a portal node".into(),
        ));
    }
    Ok(())
}

/// `GET /api/v1/villages`: the registry with follow state.
async fn list_villages(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    authorize(&state, &headers).await?;
    require_portal(&state)?;
    let villages = state.store.villages().await?;
    Ok(Json(json!({ "villages": villages })).into_response())
}

#[derive(Deserialize)]
struct NewVillageRequest {
    /// `desa@desa.example` or a feed URL.
    source: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    district: String,
    #[serde(default)]
    code: String,
}

/// `POST /api/v1/villages`: registers a village; 201 with its record.
async fn add_village(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    authorize(&state, &headers).await?;
    require_portal(&state)?;
    let request: NewVillageRequest = serde_json::from_slice(&body).map_err(|err| {
        AppError::BadRequest(format!("the request is not a valid village: {err}"))
    })?;
    let input = crate::portal::registry::VillageInput {
        name: request.name,
        source: request.source,
        district: request.district,
        code: request.code,
    };
    let village = crate::portal::registry::add(&state.store, &input)
        .await
        .map_err(|err| {
            use crate::portal::registry::NotRegistered;
            match err {
                NotRegistered::Invalid(_) => AppError::BadRequest(err.to_string()),
                NotRegistered::AlreadyRegistered(_) => AppError::Conflict(err.to_string()),
                NotRegistered::Store(cause) => AppError::Unavailable(cause),
            }
        })?;
    state.wake_portal.notify_one();
    Ok((StatusCode::CREATED, Json(json!({ "village": village }))).into_response())
}

/// `DELETE /api/v1/villages/{id}`: removes a village and its posts, unfollowing it.
async fn remove_village(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<Response, AppError> {
    authorize(&state, &headers).await?;
    require_portal(&state)?;
    let village = crate::portal::registry::find(&state.store, &id)
        .await
        .map_err(|err| AppError::NotFound(format!("{err:#}")))?;
    let portal = find_publishing_actor(&state.store, None).await?;
    crate::portal::registry::remove(&state.store, portal.id, &village).await?;
    state.wake_delivery.notify_one();
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub(crate) async fn authorize(state: &AppState, headers: &HeaderMap) -> Result<(), AppError> {
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
        ..Default::default()
    };
    let post = publishing::publish(&state.store, &actor, &input).await?;
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
