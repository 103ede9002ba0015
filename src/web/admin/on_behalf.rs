//! The regency writing for a village that allowed it (issue 13 point 4, docs/adr/0002
//! decision 7). The hosting pages (`web::hosting`, on the node's hosting host) hand a
//! hosting administrator a one-time link here; following it opens a session of the
//! village's admin marked as on behalf of the regency (`auth::sign_in_on_behalf`), with an
//! editor's reach, landing in the village's normal editor. Each post published, edited or
//! deleted in such a session is written into the village's history in the post's own
//! transaction (`publishing`'s `on_behalf_of`), which the dashboard lists ([`history`]).

use super::session::{self, Admin};
use crate::{
    auth,
    error::AppError,
    publishing::PublishError,
    refusal::InvalidInput,
    site,
    state::AppState,
    store::{OnBehalfWrite, Store},
    strings,
};
use axum::{
    extract::{Query, State},
    http::header,
    response::{IntoResponse, Redirect, Response},
};
use minijinja::{Value, context};

#[derive(Debug, Default, serde::Deserialize)]
pub struct SignInQuery {
    #[serde(default)]
    token: String,
}

/// `GET /admin/hosting-sign-in?token=…`: a one-time sign-in from the hosting pages, only
/// while the village allows the regency to write for it.
pub async fn sign_in(
    State(state): State<AppState>,
    Query(query): Query<SignInQuery>,
) -> Result<Response, AppError> {
    let invalid = || AppError::Invalid(InvalidInput(strings::ON_BEHALF_SIGN_IN_INVALID));
    if query.token.is_empty() {
        return Err(invalid());
    }
    if !site::load(&state.store).await?.hosting_may_write {
        let words = strings::STAFF_WRITE_NOT_ALLOWED;
        return Err(AppError::Forbidden(format!("{} / {}", words.id, words.en)));
    }
    let Some(token) = auth::sign_in_on_behalf(&state.store, &query.token).await? else {
        return Err(invalid());
    };
    tracing::info!("signed in on the village's behalf from the hosting pages");
    let mut response = Redirect::to("/admin/posts/new").into_response();
    if let Ok(value) = session::session_cookie(&state, &token).parse() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}

/// A post scheduled on the village's behalf would publish later, unattended, where no
/// session says on whose behalf: such sessions publish at once, and are recorded.
pub fn may_schedule(admin: &Admin) -> Result<(), PublishError> {
    match admin.on_behalf_of() {
        Some(_) => Err(InvalidInput(strings::ON_BEHALF_NO_SCHEDULE).into()),
        None => Ok(()),
    }
}

/// The village's history of what the regency wrote on its behalf, newest first.
pub async fn history(admin: &Admin, store: &Store) -> anyhow::Result<Vec<Value>> {
    Ok(lines(admin, store.recent_on_behalf_writes(50).await?))
}

/// What the regency wrote of one post on the village's behalf, oldest first.
pub async fn post_history(
    admin: &Admin,
    store: &Store,
    post_id: i64,
) -> anyhow::Result<Vec<Value>> {
    Ok(lines(admin, store.on_behalf_writes_of(post_id).await?))
}

fn lines(admin: &Admin, writes: Vec<OnBehalfWrite>) -> Vec<Value> {
    let tz = admin.settings.time_zone;
    writes
        .into_iter()
        .map(|write| {
            let label = match write.action.as_str() {
                "published" => strings::HISTORY_ACTION_PUBLISHED,
                "deleted" => strings::HISTORY_ACTION_DELETED,
                _ => strings::HISTORY_ACTION_UPDATED,
            };
            context! {
                public_id => write.public_id,
                title => write.title,
                action => write.action,
                action_label => label.get(admin.lang),
                written_by => write.written_by,
                date => tz.date_time_label(write.written_at, admin.lang),
                post_deleted => write.post_deleted,
            }
        })
        .collect()
}
