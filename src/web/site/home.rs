//! `GET /`: the village's front page (banner, pinned announcements, upcoming agenda,
//! latest posts, categories), or the portal's timeline on a portal node; and `GET
//! /u/NAME` in a browser: an actor's profile with its posts.

use super::view::{PAGE_SIZE, Site, media_path, message, render, srcset, variant_size};
use crate::{
    clock::now_ms,
    config::Role,
    error::AppError,
    publishing::event_of,
    state::AppState,
    store::{ActorRecord, PostRecord},
    strings,
    web::cache::{self, FreshUntil},
};
use axum::{
    extract::{Query, RawQuery, State},
    http::{HeaderMap, StatusCode},
    response::Response,
};
use minijinja::{Value, context};

/// Upcoming events on the front page.
const UPCOMING: i64 = 5;

#[derive(Debug, Default, serde::Deserialize)]
pub struct ListQuery {
    pub before: Option<String>,
}

/// Reads a keyset cursor `PUBLISHED_MS.ID`; `Err` when it is not one.
pub fn parse_before(before: Option<&str>) -> Result<Option<(i64, i64)>, ()> {
    let Some(cursor) = before.map(str::trim).filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    let (at, id) = cursor.split_once('.').ok_or(())?;
    Ok(Some((
        at.parse().map_err(|_| ())?,
        id.parse().map_err(|_| ())?,
    )))
}

/// `?before=` of the page after a full page of posts.
pub fn next_cursor(posts: &[PostRecord]) -> Option<String> {
    (posts.len() as i64 == PAGE_SIZE)
        .then(|| posts.last().map(|p| format!("{}.{}", p.published_at, p.id)))
        .flatten()
}

/// `GET /`: the village's front page comes from the render cache when nothing changed.
pub async fn home_route(
    State(state): State<AppState>,
    Query(query): Query<ListQuery>,
    RawQuery(raw_query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    // `/?p=12`: an old WordPress address, if the site was brought in from one.
    if super::moved::has_old_query(raw_query.as_deref())
        && let Some(moved) = super::moved::redirect(&state, "/", raw_query.as_deref()).await
    {
        return Ok(moved);
    }
    if state.config.role == Role::Portal {
        let (site_name, page) = crate::web::portal::home_view(&state, raw_query.as_deref()).await?;
        return crate::web::render::render(
            StatusCode::OK,
            "timeline.html",
            context! { ..page, ..super::view::shared_base(&state, &site_name) },
        );
    }
    cache::serve(
        &state.render_cache,
        &state.store,
        &headers,
        "/",
        raw_query.as_deref(),
        crate::web::negotiate::wants_activity_json(&headers),
        || home(&state, query.before.as_deref()),
    )
    .await
}

/// The village's front page.
pub async fn home(state: &AppState, before: Option<&str>) -> Result<Response, AppError> {
    let site = match Site::require(state).await? {
        Ok(site) => site,
        Err(response) => return Ok(response),
    };
    let Ok(before) = parse_before(before) else {
        return message(
            &site,
            state,
            StatusCode::BAD_REQUEST,
            strings::SITE_BAD_CURSOR,
        );
    };
    let actor_id = site.actor.id;
    let now = now_ms();
    let posts = state.store.posts_page(actor_id, before, PAGE_SIZE).await?;
    let first_page = before.is_none();
    let (pinned, upcoming) = if first_page {
        let pinned = state.store.pinned_posts(actor_id, now).await?;
        let upcoming = state.store.coming_events(actor_id, now, UPCOMING).await?;
        (pinned, upcoming)
    } else {
        (Vec::new(), Vec::new())
    };
    // A pinned announcement is shown once, at the top.
    let latest: Vec<Value> = posts
        .iter()
        .filter(|p| !pinned.iter().any(|q| q.id == p.id))
        .map(|p| site.card(p))
        .collect();
    // Until when the page stays right with no write: midnight, a pin's end, the end of a
    // coming event shown (the next one then takes its place).
    let fresh_until = pinned
        .iter()
        .filter_map(|p| p.pinned_until)
        .chain(
            upcoming
                .iter()
                .filter_map(|p| event_of(p.event_json.as_deref()))
                .map(|event| event.window().1),
        )
        .filter(|at| *at > now)
        .fold(site.fresh_until(now), |until, at| {
            FreshUntil(until.0.min(at))
        });
    let banner = site
        .settings
        .banner
        .as_ref()
        .filter(|_| first_page)
        .map(|banner| {
            let (width, height) = variant_size(banner, "large");
            context! {
                src => media_path(banner, "large"),
                srcset => srcset(banner),
                width => width,
                height => height,
                alt => banner.alt,
            }
        });
    let page = render(
        StatusCode::OK,
        "site/home.html",
        context! {
            banner => banner,
            pinned => pinned.iter().map(|p| site.card(p)).collect::<Vec<_>>(),
            upcoming => upcoming.iter().map(|p| site.card(p)).collect::<Vec<_>>(),
            posts => latest,
            next => next_cursor(&posts).map(|c| format!("/?before={c}")),
            first_page => first_page,
            summary => site.actor.summary,
            ..site.base(state, "home")
        },
    )?;
    Ok(fresh_until.mark(page))
}

/// `GET /u/NAME` in a browser: the actor, its handle and its posts; for an actor that
/// moved, a redirect to its new account.
pub async fn profile(
    state: &AppState,
    actor: &ActorRecord,
    before: Option<(i64, i64)>,
) -> Result<Response, AppError> {
    let site = match Site::of_actor_page(state, actor).await? {
        Ok(site) => site,
        Err(moved) => return Ok(moved),
    };
    let posts = state.store.posts_page(actor.id, before, PAGE_SIZE).await?;
    let followers = state.store.count_followers(actor.id).await?;
    let url = state.urls.actor(&actor.username).to_string();
    render(
        StatusCode::OK,
        "site/actor.html",
        context! {
            summary => actor.summary,
            followers => followers,
            posts => posts.iter().map(|p| site.card(p)).collect::<Vec<_>>(),
            next => super::home::next_cursor(&posts).map(|c| format!("{url}?before={c}")),
            canonical => url,
            ..site.base(state, "")
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_parse_or_refuse() {
        assert_eq!(parse_before(None), Ok(None));
        assert_eq!(parse_before(Some("")), Ok(None));
        assert_eq!(parse_before(Some("1700.42")), Ok(Some((1700, 42))));
        assert_eq!(parse_before(Some("x.1")), Err(()));
        assert_eq!(parse_before(Some("17")), Err(()));
    }
}
