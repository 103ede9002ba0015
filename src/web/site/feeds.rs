//! The village's own feeds, `/feed.rss` and `/feed.atom`: the latest 20 posts with
//! their full (sanitised) HTML, the cover as an enclosure, and the categories. What goes
//! in them is chosen here; the XML is written by the one feed writer (`web::syndication`).

use super::view::{Site, author_names, media_path};
use crate::{
    clock::now_ms,
    error::AppError,
    media::MediaStore,
    publishing::{PostImage, images_of},
    state::AppState,
    store::PostRecord,
    strings,
    web::{
        cache,
        syndication::{Channel, Enclosure, Format, Item, ItemId},
    },
};
use axum::{
    extract::{RawQuery, State},
    http::HeaderMap,
    response::Response,
};
use std::{borrow::Cow, collections::HashMap};

const FEED_ITEMS: i64 = 20;

/// The cover's large file: its absolute address, type and size.
async fn cover_of(state: &AppState, image: &PostImage) -> Enclosure {
    let name = image.file_name("large");
    let length = match MediaStore::new(&state.config.dir).path_of(&name) {
        Some(path) => tokio::fs::metadata(path)
            .await
            .map(|m| m.len())
            .unwrap_or(0),
        None => 0,
    };
    let url = state
        .urls
        .base()
        .join(&media_path(image, "large"))
        .map(|u| u.to_string())
        .unwrap_or_default();
    Enclosure {
        url,
        mime: image.mime.clone(),
        length,
    }
}

async fn answer(state: &AppState, format: Format) -> Result<Response, AppError> {
    let site = match Site::require(state).await? {
        Ok(site) => site,
        Err(response) => return Ok(response),
    };
    let posts = state
        .store
        .posts_page(site.actor.id, None, FEED_ITEMS)
        .await?;
    let refs: Vec<&PostRecord> = posts.iter().collect();
    let authors: HashMap<i64, String> = author_names(state, &refs).await?;
    let mut items = Vec::with_capacity(posts.len());
    for post in &posts {
        let enclosure = match images_of(&post.images_json).first() {
            Some(image) => Some(cover_of(state, image).await),
            None => None,
        };
        let author = post
            .author_user_id
            .and_then(|id| authors.get(&id).cloned())
            .unwrap_or_else(|| site.actor.name.clone());
        items.push(Item {
            title: &post.title,
            link: Cow::Owned(state.urls.post(&post.public_id).to_string()),
            // The post's page is its lasting address.
            id: ItemId::Link,
            published: post.published_at,
            updated: post.updated_at,
            author: Cow::Owned(author),
            categories: post.category_list(),
            enclosure,
            summary: &post.summary,
            html: Cow::Borrowed(&post.body_html),
        });
    }
    let home = state.urls.base().to_string();
    let description = if site.settings.tagline.trim().is_empty() {
        site.text(strings::SITE_FEED_DESCRIPTION)
    } else {
        site.settings.tagline.clone()
    };
    let this = format!(
        "{home}{}",
        match format {
            Format::Rss => "feed.rss",
            Format::Atom => "feed.atom",
        }
    );
    let channel = Channel {
        title: &site.actor.name,
        description: &description,
        home: &home,
        this: &this,
        lang: site.lang.code(),
        // Images in the body may be site-relative (`/media/…`): xml:base resolves them.
        content_base: Some(&home),
    };
    Ok(site
        .fresh_until(now_ms())
        .mark(format.answer(&channel, &items)))
}

/// `GET /feed.rss`, from the render cache when nothing changed.
pub async fn rss(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    cache::serve(
        &state.render_cache,
        &state.store,
        &headers,
        "/feed.rss",
        query.as_deref(),
        crate::web::negotiate::wants_activity_json(&headers),
        || answer(&state, Format::Rss),
    )
    .await
}

/// `GET /feed.atom`, from the render cache when nothing changed.
pub async fn atom(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    cache::serve(
        &state.render_cache,
        &state.store,
        &headers,
        "/feed.atom",
        query.as_deref(),
        crate::web::negotiate::wants_activity_json(&headers),
        || answer(&state, Format::Atom),
    )
    .await
}
