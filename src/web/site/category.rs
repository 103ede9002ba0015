//! `GET /kategori/NAME` and `GET /tags/NAME` (the hashtag URL our posts federate): the
//! village's posts in one category, newest first, paged by keyset.

use super::{
    home::{ListQuery, next_cursor, parse_before},
    view::{PAGE_SIZE, Site, category_path, message, render},
};
use crate::{error::AppError, state::AppState, strings};
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::Response,
};
use minijinja::context;

/// Longer names are no category (they are at most 50 characters).
const MAX_NAME_CHARS: usize = 100;

pub async fn category(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(query): Query<ListQuery>,
) -> Result<Response, AppError> {
    let site = match Site::require(&state).await? {
        Ok(site) => site,
        Err(response) => return Ok(response),
    };
    let Ok(before) = parse_before(query.before.as_deref()) else {
        return message(
            &site,
            &state,
            StatusCode::BAD_REQUEST,
            strings::SITE_BAD_CURSOR,
        );
    };
    let name = name.trim().trim_start_matches('#').to_string();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return message(&site, &state, StatusCode::NOT_FOUND, strings::NOT_FOUND);
    }
    let known = site
        .categories
        .iter()
        .find(|c| c.name.to_lowercase() == name.to_lowercase());
    let (title, description) = match known {
        Some(c) => (c.name.clone(), c.description.clone()),
        None => (name.clone(), String::new()),
    };
    let posts = state
        .store
        .posts_in_category(site.actor.id, &name, before, PAGE_SIZE)
        .await?;
    let current = known.map(|c| c.name.clone()).unwrap_or_default();
    render(
        StatusCode::OK,
        "site/list.html",
        context! {
            heading => title,
            eyebrow => site.text(strings::SITE_CATEGORY),
            intro => description,
            posts => posts.iter().map(|p| site.card(p)).collect::<Vec<_>>(),
            empty => site.text(strings::SITE_CATEGORY_EMPTY),
            next => next_cursor(&posts).map(|c| format!("{}?before={c}", category_path(&title))),
            canonical => state.urls.base().join(&category_path(&title)).map(|u| u.to_string()).ok(),
            ..site.base(&state, &format!("category:{current}"))
        },
    )
}
