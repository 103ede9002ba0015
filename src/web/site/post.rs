//! A post in a browser (`/p/ID`, reached through content negotiation in
//! `web::objects`): title, kind, date, author, cover, body, gallery, categories, the
//! agenda box, and the OpenGraph/Twitter tags that make a link shared in WhatsApp show
//! its title, summary and picture. Also `/p/ID/agenda.ics`.

use super::{
    ics::{CalendarEvent, calendar},
    view::{Site, author_names, excerpt, media_path, message, render, srcset, variant_size},
};
use crate::{
    clock::to_rfc3339,
    error::AppError,
    publishing::{PostImage, PostKind, event_of, images_of},
    state::AppState,
    store::{ActorRecord, PostRecord},
    strings::{self, Lang},
};
use axum::{
    extract::{Path, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use minijinja::{Value, context};

/// The post page.
pub async fn post(
    state: &AppState,
    actor: &ActorRecord,
    post: &PostRecord,
) -> Result<Response, AppError> {
    let site = match Site::of_actor_page(state, actor).await? {
        Ok(site) => site,
        Err(moved) => return Ok(moved),
    };
    let lang = site.lang;
    let tz = site.settings.time_zone;
    let kind = post.kind;
    let images = images_of(&post.images_json);
    let cover = images.first().map(|cover| {
        let (width, height) = variant_size(cover, "large");
        context! {
            src => media_path(cover, "large"),
            srcset => srcset(cover),
            width => width,
            height => height,
            alt => cover.alt,
        }
    });
    let gallery: Vec<Value> = images
        .iter()
        .skip(1)
        .map(|image| {
            let (width, height) = variant_size(image, "medium");
            context! {
                src => media_path(image, "medium"),
                href => media_path(image, "large"),
                width => width,
                height => height,
                alt => image.alt,
            }
        })
        .collect();
    let event = event_of(post.event_json.as_deref())
        .filter(|_| kind == PostKind::Agenda)
        .map(|event| site.event_view(&event));
    let author = match post.author_user_id {
        Some(id) => author_names(state, &[post]).await?.remove(&id),
        None => None,
    }
    .unwrap_or_else(|| actor.name.clone());
    let url = state.urls.post(&post.public_id).to_string();
    let share_image = images
        .first()
        .or(site.settings.banner.as_ref())
        .or(site.settings.logo.as_ref())
        .map(|image| og_image(state, image));
    let comments = super::comments::for_post(state, &site, post.id).await?;
    let fresh_until = site.fresh_until(crate::clock::now_ms());
    let page = render(
        StatusCode::OK,
        "site/post.html",
        context! {
            comments => comments,
            counts => super::view::counts_view(post),
            post => context! {
                url => url,
                ics => format!("/p/{}/agenda.ics", post.public_id),
                title => post.title,
                summary => post.summary,
                description => excerpt(post),
                body_html => post.body_html,
                kind => kind.as_str(),
                kind_label => kind.label().get(lang),
                author => author,
                published => to_rfc3339(post.published_at),
                published_label => tz.date_time_label(post.published_at, lang),
                updated => post.updated_at.map(to_rfc3339),
                updated_label => post.updated_at.map(|at| tz.date_time_label(at, lang)),
                cover => cover,
                gallery => gallery,
                event => event,
                categories => super::view::category_links(post),
            },
            og => context! {
                locale => if lang == Lang::En { "en_US" } else { "id_ID" },
                image => share_image,
            },
            ..site.base(state, "")
        },
    )?;
    Ok(fresh_until.mark(page))
}

/// The absolute address, size and description of the picture a shared link shows.
fn og_image(state: &AppState, image: &PostImage) -> Value {
    let url = state
        .urls
        .base()
        .join(&media_path(image, "large"))
        .map(|u| u.to_string())
        .unwrap_or_default();
    let (width, height) = variant_size(image, "large");
    context! { url => url, width => width, height => height, alt => image.alt, mime => image.mime }
}

/// A deleted post's page: 410, as its JSON is.
pub async fn gone(state: &AppState) -> Result<Response, AppError> {
    match Site::load(state).await? {
        Some(site) => message(&site, state, StatusCode::GONE, strings::POST_DELETED),
        None => super::view::bare_message(state, StatusCode::GONE, strings::POST_DELETED),
    }
}

/// `GET /p/ID/agenda.ics`
pub async fn agenda_ics(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let site = match Site::require(&state).await? {
        Ok(site) => site,
        Err(response) => return Ok(response),
    };
    let Some(post) = state.store.post_by_public_id(&id).await? else {
        return message(&site, &state, StatusCode::NOT_FOUND, strings::NOT_FOUND);
    };
    if post.deleted_at.is_some() {
        return message(&site, &state, StatusCode::GONE, strings::POST_DELETED);
    }
    let event = event_of(post.event_json.as_deref()).filter(|_| post.kind == PostKind::Agenda);
    let Some(event) = event else {
        return message(
            &site,
            &state,
            StatusCode::NOT_FOUND,
            strings::SITE_NOT_AN_EVENT,
        );
    };
    let url = state.urls.post(&post.public_id).to_string();
    let uid = format!("{}@{}", post.public_id, site.host);
    let mut description = excerpt(&post);
    if !event.organiser.is_empty() {
        description = format!(
            "{description}\n{}: {}",
            site.text(strings::EVENT_ORGANISER),
            event.organiser
        );
    }
    let description = format!("{description}\n{url}");
    let body = calendar(&CalendarEvent {
        uid: &uid,
        stamp: post.updated_at.unwrap_or(post.published_at),
        starts_at: event.starts_at,
        ends_at: event.ends_at,
        summary: &post.title,
        location: &event.place,
        description: &description,
        url: &url,
    });
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "text/calendar; charset=utf-8".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"agenda-{}.ics\"", post.public_id),
            ),
        ],
        body,
    )
        .into_response())
}
