//! `/admin/categories` (editors and admins): the site's category menu. A category is a
//! hashtag too, so its name follows `publishing::parse_category`; removing one from the
//! menu leaves the posts that carry it untouched.

use super::{
    fields::Fields,
    session::{Admin, AdminPost},
    view::{self, OkQuery},
};
use crate::{
    publishing::parse_category,
    state::AppState,
    store::CategoryRecord,
    strings::{self, Text},
};
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::Response,
};
use minijinja::context;

async fn show(
    state: &AppState,
    admin: &Admin,
    status: StatusCode,
    error: Option<Text>,
    ok: Option<&str>,
) -> Result<Response, Response> {
    let categories = state.store.categories().await.map_err(view::failure)?;
    Ok(view::page(
        admin,
        status,
        "admin/categories.html",
        context! {
            categories => categories,
            next_position => categories.iter().map(|c| c.position + 1).max().unwrap_or(0),
            error => error.map(|t| t.get(admin.lang)),
            flash => view::flash(ok, admin.lang),
        },
    ))
}

pub async fn list(
    State(state): State<AppState>,
    admin: Admin,
    Query(query): Query<OkQuery>,
) -> Result<Response, Response> {
    show(&state, &admin, StatusCode::OK, None, query.ok.as_deref()).await
}

fn position_of(fields: &Fields) -> Result<i64, Text> {
    match fields.get("position").trim() {
        "" => Ok(0),
        value => value
            .parse::<i64>()
            .ok()
            .filter(|p| (0..=10_000).contains(p))
            .ok_or(strings::ADMIN_POSITION_INVALID),
    }
}

fn name_of(fields: &Fields) -> Result<String, Text> {
    parse_category(fields.get("name")).map_err(|_| strings::CATEGORY_INVALID)
}

fn taken(categories: &[CategoryRecord], name: &str, except: Option<i64>) -> bool {
    categories
        .iter()
        .any(|c| c.name.eq_ignore_ascii_case(name) && Some(c.id) != except)
}

/// The current list, which every change is checked against.
async fn current(state: &AppState) -> Result<Vec<CategoryRecord>, Response> {
    state.store.categories().await.map_err(view::failure)
}

/// Back to the list: with the `ok` message, or the refusal shown next to the forms.
async fn finish(
    state: &AppState,
    admin: &Admin,
    outcome: anyhow::Result<Result<&'static str, Text>>,
) -> Result<Response, Response> {
    match outcome.map_err(view::failure)? {
        Ok(ok) => Ok(view::done("/admin/categories", ok)),
        Err(text) => show(state, admin, StatusCode::BAD_REQUEST, Some(text), None).await,
    }
}

pub async fn add(
    State(state): State<AppState>,
    AdminPost { admin, fields }: AdminPost,
) -> Result<Response, Response> {
    let categories = current(&state).await?;
    let outcome = async {
        let (name, position) = match (name_of(&fields), position_of(&fields)) {
            (Ok(name), Ok(position)) => (name, position),
            (Err(text), _) | (_, Err(text)) => return Ok(Err(text)),
        };
        if taken(&categories, &name, None) {
            return Ok(Err(strings::ADMIN_CATEGORY_TAKEN));
        }
        state.store.upsert_category(&name, "", position).await?;
        Ok(Ok("category_saved"))
    }
    .await;
    finish(&state, &admin, outcome).await
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    AdminPost { admin, fields }: AdminPost,
) -> Result<Response, Response> {
    let categories = current(&state).await?;
    let outcome = async {
        let Some(current) = categories.iter().find(|c| c.id == id) else {
            return Ok(Err(strings::NOT_FOUND));
        };
        let (name, position) = match (name_of(&fields), position_of(&fields)) {
            (Ok(name), Ok(position)) => (name, position),
            (Err(text), _) | (_, Err(text)) => return Ok(Err(text)),
        };
        if taken(&categories, &name, Some(id)) {
            return Ok(Err(strings::ADMIN_CATEGORY_TAKEN));
        }
        if name != current.name {
            state.store.rename_category(id, &name).await?;
        }
        state
            .store
            .upsert_category(&name, &current.description, position)
            .await?;
        Ok(Ok("category_saved"))
    }
    .await;
    finish(&state, &admin, outcome).await
}

pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    AdminPost { admin, fields }: AdminPost,
) -> Result<Response, Response> {
    current(&state).await?;
    let outcome = async {
        if !fields.checked("confirm") {
            return Ok(Err(strings::ADMIN_CONFIRM_MISSING));
        }
        state.store.delete_category(id).await?;
        Ok(Ok("category_deleted"))
    }
    .await;
    finish(&state, &admin, outcome).await
}
