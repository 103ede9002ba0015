//! The minimal public site: the home page, an actor's profile page, one page per post,
//! and a page per hashtag, so that every `url` we federate opens in a browser. The full
//! website comes later; these pages already work without JavaScript.

use super::strings;
use crate::{
    actors::{publishing_actors, urls_host},
    clock::{to_datetime, to_rfc3339},
    error::AppError,
    publishing::markdown::strip_tags,
    state::AppState,
    store::{ActorRecord, PostRecord},
};
use axum::{
    extract::{Path, Query, RawQuery, State},
    http::StatusCode,
    response::{Html, IntoResponse, Response},
};
use minijinja::{Environment, Value, context};
use std::sync::LazyLock;

static TEMPLATES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    for (name, source) in [
        ("base.html", include_str!("templates/base.html")),
        ("profile.html", include_str!("templates/profile.html")),
        ("post.html", include_str!("templates/post.html")),
        ("message.html", include_str!("templates/message.html")),
        ("tag.html", include_str!("templates/tag.html")),
        ("timeline.html", include_str!("templates/timeline.html")),
        ("monitoring.html", include_str!("templates/monitoring.html")),
    ] {
        if let Err(err) = env.add_template(name, source) {
            tracing::error!(%err, template = name, "a built-in template does not parse");
        }
    }
    env
});

/// Renders one of the site's templates (all share `base.html` and the strings).
pub(super) fn render(status: StatusCode, name: &str, ctx: Value) -> Result<Response, AppError> {
    let template = TEMPLATES
        .get_template(name)
        .map_err(|err| AppError::Unavailable(err.into()))?;
    let html = template
        .render(ctx)
        .map_err(|err| AppError::Unavailable(err.into()))?;
    Ok((status, [("vary", "Accept")], Html(html)).into_response())
}

fn date_label(ms: i64) -> String {
    to_datetime(ms).format("%d-%m-%Y %H:%M UTC").to_string()
}

fn post_view(state: &AppState, post: &PostRecord) -> Value {
    let description = if post.summary.is_empty() {
        strip_tags(&post.body_html).chars().take(200).collect()
    } else {
        post.summary.clone()
    };
    let categories: Vec<Value> = post
        .category_list()
        .into_iter()
        .map(|name| context! { url => state.urls.tag(&name).to_string(), name => name })
        .collect();
    context! {
        url => state.urls.post(&post.public_id).to_string(),
        title => post.title,
        summary => post.summary,
        description => description,
        body_html => post.body_html,
        published => to_rfc3339(post.published_at),
        published_label => date_label(post.published_at),
        updated => post.updated_at.map(to_rfc3339),
        updated_label => post.updated_at.map(date_label),
        categories => categories,
    }
}

fn actor_view(actor: &ActorRecord) -> Value {
    context! { name => actor.name, username => actor.username, summary => actor.summary, ap_id => actor.ap_id }
}

/// What every page needs: the site name, the strings, the node's host.
pub(super) fn base(state: &AppState, site_name: &str) -> Value {
    context! { site_name => site_name, t => strings::all(), host => urls_host(&state.urls) }
}

#[derive(serde::Deserialize)]
pub struct HomeQuery {
    before: Option<String>,
}

/// `GET /`: the main actor's profile page; on a portal, the villages' timeline.
pub async fn home(
    State(state): State<AppState>,
    Query(query): Query<HomeQuery>,
    RawQuery(raw_query): RawQuery,
) -> Result<Response, AppError> {
    if state.config.role == crate::config::Role::Portal {
        let (site_name, page) = super::portal::home_view(&state, raw_query.as_deref()).await?;
        return render(
            StatusCode::OK,
            "timeline.html",
            context! { ..page, ..base(&state, &site_name) },
        );
    }
    let before = query
        .before
        .as_deref()
        .map(super::objects::parse_cursor)
        .transpose()?;
    match publishing_actors(&state.store).await?.into_iter().next() {
        Some(actor) => profile(&state, &actor, before).await,
        None => render(
            StatusCode::OK,
            "message.html",
            context! { message => strings::NO_ACTOR, ..base(&state, "Kentongan") },
        ),
    }
}

pub async fn profile(
    state: &AppState,
    actor: &ActorRecord,
    before: Option<(i64, i64)>,
) -> Result<Response, AppError> {
    const PAGE: i64 = 20;
    let posts = state.store.posts_page(actor.id, before, PAGE).await?;
    let followers = state.store.count_followers(actor.id).await?;
    let next = (posts.len() as i64 == PAGE)
        .then(|| {
            posts
                .last()
                .map(|p| format!("?before={}.{}", p.published_at, p.id))
        })
        .flatten();
    let views: Vec<Value> = posts.iter().map(|p| post_view(state, p)).collect();
    render(
        StatusCode::OK,
        "profile.html",
        context! { actor => actor_view(actor), posts => views, followers => followers, next => next, ..base(state, &actor.name) },
    )
}

pub async fn post(
    state: &AppState,
    actor: &ActorRecord,
    post: &PostRecord,
) -> Result<Response, AppError> {
    render(
        StatusCode::OK,
        "post.html",
        context! { actor => actor_view(actor), post => post_view(state, post), ..base(state, &actor.name) },
    )
}

pub fn gone(state: &AppState) -> Result<Response, AppError> {
    render(
        StatusCode::GONE,
        "message.html",
        context! { message => strings::POST_DELETED, ..base(state, "Kentongan") },
    )
}

/// `GET /tags/{name}`: posts of this node in one category.
pub async fn tag(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Response, AppError> {
    let mut views = Vec::new();
    for actor in publishing_actors(&state.store).await? {
        for post in state.store.posts_page(actor.id, None, 50).await? {
            if post
                .category_list()
                .iter()
                .any(|c| c.eq_ignore_ascii_case(&name))
            {
                views.push(
                    context! { actor_name => actor.name.clone(), ..post_view(&state, &post) },
                );
            }
        }
    }
    render(
        StatusCode::OK,
        "tag.html",
        context! { tag => name, posts => views, ..base(&state, "Kentongan") },
    )
}
