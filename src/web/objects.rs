//! URLs that are both ActivityPub objects and web pages: actors, posts, activities and
//! the actor collections. JSON comes from `federation::render`, HTML from [`site`].

use super::{
    cache::{self, FreshUntil},
    negotiate::{activity_json, wants_activity_json},
    site,
};
use crate::{error::AppError, federation::render, state::AppState, store::ActorRecord};
use axum::{
    extract::{Path, Query, RawQuery, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;

pub const OUTBOX_PAGE_SIZE: i64 = 20;

/// A local actor that publishes (not the instance actor), or 404.
pub(crate) async fn local_actor(state: &AppState, name: &str) -> Result<ActorRecord, AppError> {
    state
        .store
        .local_actor_by_username(name)
        .await?
        .filter(|actor| actor.kind != crate::actors::INSTANCE_ACTOR_KIND)
        .ok_or_else(|| AppError::NotFound(format!("there is no actor named {name} here")))
}

/// `GET /u/{name}`: the actor, or its profile page. The actor's JSON, which every server
/// fetches to check our signatures, comes from the render cache when nothing changed;
/// the profile page counts followers and is rendered each time.
pub async fn actor(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(query): Query<PageQuery>,
    RawQuery(raw_query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    if !wants_activity_json(&headers) {
        let actor = local_actor(&state, &name).await?;
        let before = query.before.as_deref().map(parse_cursor).transpose()?;
        return site::profile(&state, &actor, before).await;
    }
    let path = format!("/u/{name}");
    cache::serve(
        &state.render_cache,
        &state.store,
        &headers,
        &path,
        raw_query.as_deref(),
        crate::web::negotiate::wants_activity_json(&headers),
        || async {
            let actor = local_actor(&state, &name).await?;
            Ok(FreshUntil::ALWAYS.mark(activity_json(
                StatusCode::OK,
                &render::actor(&actor, &state.urls),
            )))
        },
    )
    .await
}

/// `GET /actor`: the instance actor that signs our fetches.
pub async fn instance_actor(State(state): State<AppState>) -> Result<Response, AppError> {
    let actor = state
        .store
        .actor_by_ap_id(state.urls.instance_actor().as_str())
        .await?
        .ok_or_else(|| AppError::NotFound("no instance actor yet".into()))?;
    Ok(activity_json(
        StatusCode::OK,
        &render::instance_actor(&actor, &state.urls),
    ))
}

/// A redirect that caches per `Accept`, since the same URL answers JSON to others.
fn see_other(target: &str) -> Response {
    let mut response = Redirect::to(target).into_response();
    response
        .headers_mut()
        .insert("vary", axum::http::HeaderValue::from_static("Accept"));
    response
}

/// `GET /actor/outbox`: the instance actor publishes nothing.
pub async fn instance_outbox(State(state): State<AppState>) -> Response {
    let id = format!("{}/outbox", state.urls.instance_actor());
    activity_json(StatusCode::OK, &render::ordered_collection(&id, 0, None))
}

#[derive(Deserialize)]
pub struct PageQuery {
    /// Keyset cursor `PUBLISHED_MS.ID`: the page holds posts strictly older.
    before: Option<String>,
    page: Option<bool>,
}

pub fn parse_cursor(cursor: &str) -> Result<(i64, i64), AppError> {
    let bad = || AppError::BadRequest("the before cursor must look like 1700000000000.42".into());
    let (at, id) = cursor.split_once('.').ok_or_else(bad)?;
    Ok((
        at.parse().map_err(|_| bad())?,
        id.parse().map_err(|_| bad())?,
    ))
}

/// `GET /u/{name}/outbox`: an OrderedCollection of Create activities, paged newest
/// first with a keyset cursor so pages stay stable while posts are added.
pub async fn outbox(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let actor = local_actor(&state, &name).await?;
    let id = state.urls.outbox(&actor.username);
    if !wants_activity_json(&headers) {
        return Ok(see_other(state.urls.actor(&actor.username).as_str()));
    }
    if query.page != Some(true) && query.before.is_none() {
        let total = state.store.count_live_posts(actor.id).await?;
        let doc = render::ordered_collection(id.as_str(), total, Some(format!("{id}?page=true")));
        return Ok(activity_json(StatusCode::OK, &doc));
    }
    let before = query.before.as_deref().map(parse_cursor).transpose()?;
    let mut posts = state
        .store
        .posts_page(actor.id, before, OUTBOX_PAGE_SIZE)
        .await?;
    state.store.with_replies(&mut posts).await?;
    let mut items = Vec::with_capacity(posts.len());
    for post in &posts {
        if let Some(create) = state.store.create_activity_of_post(post.id).await? {
            let mut doc = render::activity(&create, Some(post), &actor, &state.urls)?;
            if let Some(map) = doc.as_object_mut() {
                map.remove("@context");
            }
            items.push(doc);
        }
    }
    let next = (posts.len() as i64 == OUTBOX_PAGE_SIZE)
        .then(|| {
            posts
                .last()
                .map(|p| format!("{id}?before={}.{}", p.published_at, p.id))
        })
        .flatten();
    let page_id = match &query.before {
        Some(cursor) => format!("{id}?before={cursor}"),
        None => format!("{id}?page=true"),
    };
    Ok(activity_json(
        StatusCode::OK,
        &render::ordered_collection_page(&page_id, id.as_str(), items, next),
    ))
}

/// `GET /u/{name}/followers`: the count is public, the list is not.
pub async fn followers(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Response, AppError> {
    let actor = local_actor(&state, &name).await?;
    let total = state.store.count_followers(actor.id).await?;
    let doc =
        render::ordered_collection(state.urls.followers(&actor.username).as_str(), total, None);
    Ok(activity_json(StatusCode::OK, &doc))
}

/// `GET /u/{name}/following`: villages follow nobody.
pub async fn following(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Response, AppError> {
    let actor = local_actor(&state, &name).await?;
    let doc = render::ordered_collection(state.urls.following(&actor.username).as_str(), 0, None);
    Ok(activity_json(StatusCode::OK, &doc))
}

/// `GET /u/{name}/featured`: pinned posts, which Mastodon shows at the top of the profile.
pub async fn featured(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Response, AppError> {
    let actor = local_actor(&state, &name).await?;
    let mut pinned = state
        .store
        .pinned_posts(actor.id, crate::clock::now_ms())
        .await?;
    state.store.with_replies(&mut pinned).await?;
    let items: Vec<_> = pinned
        .iter()
        .map(|post| render::note(post, &actor, &state.urls))
        .collect();
    let mut doc = render::ordered_collection(
        state.urls.featured(&actor.username).as_str(),
        items.len() as i64,
        None,
    );
    doc["orderedItems"] = serde_json::Value::Array(items);
    Ok(activity_json(StatusCode::OK, &doc))
}

/// `GET /p/{id}`: a post as a Note or a web page; 410 with a Tombstone once deleted. Both
/// come from the render cache when nothing changed: this is the address a shared link
/// brings previewers and servers to by the hundred.
pub async fn post(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let path = format!("/p/{id}");
    cache::serve(
        &state.render_cache,
        &state.store,
        &headers,
        &path,
        query.as_deref(),
        crate::web::negotiate::wants_activity_json(&headers),
        || post_answer(&state, &id, &headers),
    )
    .await
}

async fn post_answer(
    state: &AppState,
    id: &str,
    headers: &HeaderMap,
) -> Result<Response, AppError> {
    let post = state
        .store
        .post_by_public_id(id)
        .await?
        .ok_or_else(|| AppError::NotFound("there is no such post".into()))?;
    let actor = state
        .store
        .actor_by_id(post.actor_id)
        .await?
        .ok_or_else(|| AppError::NotFound("the post's author is gone".into()))?;
    let json = wants_activity_json(headers);
    if post.deleted_at.is_some() {
        if json {
            let doc = render::with_context(
                render::tombstone(&post, &state.urls),
                serde_json::json!(render::AS_CONTEXT),
            );
            return Ok(activity_json(StatusCode::GONE, &doc));
        }
        return site::gone(state).await;
    }
    if json {
        let doc = render::with_context(
            render::note(&post, &actor, &state.urls),
            render::object_context(),
        );
        return Ok(FreshUntil::ALWAYS.mark(activity_json(StatusCode::OK, &doc)));
    }
    site::post(state, &actor, &post).await
}

/// `GET /a/{id}`: one of our activities; a browser is sent to the post it is about.
pub async fn activity(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let activity = state
        .store
        .activity_by_public_id(&id)
        .await?
        .ok_or_else(|| AppError::NotFound("there is no such activity".into()))?;
    let post = match activity.post_id {
        Some(post_id) => state.store.post_by_id(post_id).await?,
        None => None,
    };
    if !wants_activity_json(&headers) {
        let target = match &post {
            Some(post) => state.urls.post(&post.public_id),
            None => state.urls.base().clone(),
        };
        return Ok(see_other(target.as_str()));
    }
    let actor = state
        .store
        .actor_by_id(activity.actor_id)
        .await?
        .ok_or_else(|| AppError::NotFound("the activity's actor is gone".into()))?;
    let doc = match render::answer_of(&activity) {
        Some(answer_id) => {
            let (reply, ticket) = state
                .store
                .answer_with_ticket(answer_id)
                .await?
                .ok_or_else(|| AppError::NotFound("there is no such activity".into()))?;
            render::answer_activity(&activity, &reply, &ticket, &actor, &state.urls)?
        }
        None => render::activity(&activity, post.as_ref(), &actor, &state.urls)?,
    };
    if activity.kind == crate::store::ActivityKind::Create
        && post.is_none()
        && !render::is_public(&doc)
    {
        // A direct answer to a resident is theirs alone.
        return Err(AppError::NotFound("there is no such activity".into()));
    }
    Ok(activity_json(StatusCode::OK, &doc))
}

/// `GET /u/{name}/quote_authorizations/{id}`: an approval stamp of a quote of one of
/// `name`'s posts (FEP-044f), served to anyone as the post is; 410 once revoked (the
/// post deleted), so that a server checking it again sees the quote is no longer
/// approved.
pub async fn quote_authorization(
    State(state): State<AppState>,
    Path((name, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let not_found = || AppError::NotFound("there is no such quote authorization".into());
    let actor = local_actor(&state, &name).await?;
    let stamp = state
        .store
        .quote_authorization(&id)
        .await?
        .filter(|stamp| stamp.post_actor_id == actor.id)
        .ok_or_else(not_found)?;
    if stamp.revoked_at.is_some() {
        return Ok(activity_json(
            StatusCode::GONE,
            &render::revoked_quote_authorization(&stamp, &actor, &state.urls),
        ));
    }
    Ok(activity_json(
        StatusCode::OK,
        &render::quote_authorization(&stamp, &actor, &state.urls),
    ))
}

/// `GET /p/{id}/context`: the post's thread, the FEP-7888 `context` its Note names, so
/// that servers which group a conversation by it (Mastodon 4.5) can fetch it.
pub async fn post_context(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let not_found = || AppError::NotFound("there is no such post".into());
    let post = state
        .store
        .post_by_public_id(&id)
        .await?
        .filter(|post| post.deleted_at.is_none())
        .ok_or_else(not_found)?;
    let actor = state
        .store
        .actor_by_id(post.actor_id)
        .await?
        .ok_or_else(not_found)?;
    let doc = render::with_context(
        render::thread(&post, &actor, &state.urls),
        serde_json::json!(render::AS_CONTEXT),
    );
    Ok(activity_json(StatusCode::OK, &doc))
}

/// `GET /jawaban/{id}`: the village's answer to a resident, when it was public.
pub async fn answer(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let not_found = || AppError::NotFound("there is no such answer".into());
    let (reply, ticket) = state
        .store
        .answer_with_ticket(&id)
        .await?
        .ok_or_else(not_found)?;
    let village = state
        .store
        .actor_by_id(ticket.local_actor_id)
        .await?
        .ok_or_else(not_found)?;
    let doc = render::answer_note(&reply, &ticket, &village, &state.urls).ok_or_else(not_found)?;
    if !render::is_public(&doc) {
        return Err(not_found());
    }
    Ok(activity_json(
        StatusCode::OK,
        &render::with_context(doc, render::object_context()),
    ))
}

/// The live post `id`, or 404.
async fn live_post(state: &AppState, id: &str) -> Result<crate::store::PostRecord, AppError> {
    state
        .store
        .post_by_public_id(id)
        .await?
        .filter(|post| post.deleted_at.is_none())
        .ok_or_else(|| AppError::NotFound("there is no such post".into()))
}

/// `GET /p/{id}/likes`: how many people liked the post, as the `Collection` the post
/// embeds (who they are is not published, as on Mastodon).
pub async fn post_likes(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    counted(&state, &id, render::Counted::Likes).await
}

/// `GET /p/{id}/shares`: how many people boosted the post.
pub async fn post_shares(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    counted(&state, &id, render::Counted::Shares).await
}

async fn counted(state: &AppState, id: &str, which: render::Counted) -> Result<Response, AppError> {
    let post = live_post(state, id).await?;
    let doc = render::with_context(
        render::counted(&post, &state.urls, which),
        serde_json::json!(render::AS_CONTEXT),
    );
    Ok(activity_json(StatusCode::OK, &doc))
}

/// Pages of a `replies` collection beyond this are refused: 20 000 approved replies to
/// one village post is more than any village will have.
const MAX_REPLIES_PAGE: i64 = 1000;

#[derive(Deserialize)]
pub struct RepliesQuery {
    page: Option<String>,
}

/// `GET /p/{id}/replies`: the ids of the residents' replies an operator approved for
/// display under the post (software that reads a post's `replies` fetches them from
/// their own servers), as the `Collection` the post embeds; `?page=N` is one of its
/// pages. Never a reply that was not approved, was withdrawn or whose author is blocked.
pub async fn post_replies(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<RepliesQuery>,
) -> Result<Response, AppError> {
    let page = query
        .page
        .map(|page| match page.parse::<i64>() {
            Ok(n) if (1..=MAX_REPLIES_PAGE).contains(&n) => Ok(n),
            _ => Err(AppError::BadRequest(format!(
                "page must be a number from 1 to {MAX_REPLIES_PAGE}"
            ))),
        })
        .transpose()?;
    let post = live_post(&state, &id).await?;
    let doc = match page {
        None => render::replies(&post, &state.urls),
        Some(1) => render::replies_page(&post.public_id, &post.replies, &state.urls),
        Some(n) => {
            let replies = state.store.approved_reply_page(post.id, n).await?;
            render::replies_page(&post.public_id, &replies, &state.urls)
        }
    };
    let doc = render::with_context(doc, serde_json::json!(render::AS_CONTEXT));
    Ok(activity_json(StatusCode::OK, &doc))
}
