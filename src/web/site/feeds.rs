//! The village's own feeds, `/feed.rss` and `/feed.atom`: the latest 20 posts with
//! their full (sanitised) HTML, the cover as an enclosure, and the categories. The XML
//! helpers are the portal feeds' (`web::feeds`), so escaping is written once.

use super::view::{Site, author_names, media_path};
use crate::{
    clock::{now_ms, to_rfc3339},
    error::AppError,
    media::MediaStore,
    publishing::{PostImage, images_of},
    state::AppState,
    store::PostRecord,
    strings,
    web::feeds::{ATOM_TYPE, RSS_TYPE, element, escape, rfc2822},
};
use axum::{
    extract::State,
    http::header::{CACHE_CONTROL, CONTENT_TYPE},
    response::{IntoResponse, Response},
};
use std::{collections::HashMap, fmt::Write};

const FEED_ITEMS: i64 = 20;

/// One post as both formats need it.
struct Item<'a> {
    post: &'a PostRecord,
    url: String,
    author: String,
    /// Absolute URL, MIME type and size in bytes of the cover's large file.
    cover: Option<(String, String, u64)>,
}

struct Feed<'a> {
    title: String,
    description: String,
    home: String,
    this: String,
    lang: &'static str,
    items: Vec<Item<'a>>,
}

async fn cover_of(state: &AppState, image: &PostImage) -> (String, String, u64) {
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
    (url, image.mime.clone(), length)
}

async fn answer(state: &AppState, atom: bool) -> Result<Response, AppError> {
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
        let cover = match images_of(&post.images_json).first() {
            Some(image) => Some(cover_of(state, image).await),
            None => None,
        };
        items.push(Item {
            post,
            url: state.urls.post(&post.public_id).to_string(),
            author: post
                .author_user_id
                .and_then(|id| authors.get(&id).cloned())
                .unwrap_or_else(|| site.actor.name.clone()),
            cover,
        });
    }
    let home = state.urls.base().to_string();
    let description = if site.settings.tagline.trim().is_empty() {
        site.text(strings::SITE_FEED_DESCRIPTION)
    } else {
        site.settings.tagline.clone()
    };
    let feed = Feed {
        title: site.actor.name.clone(),
        description,
        this: format!("{home}{}", if atom { "feed.atom" } else { "feed.rss" }),
        home,
        lang: site.lang.code(),
        items,
    };
    let (body, content_type) = if atom {
        (atom_xml(&feed), ATOM_TYPE)
    } else {
        (rss_xml(&feed), RSS_TYPE)
    };
    Ok((
        [
            (CONTENT_TYPE, content_type),
            (CACHE_CONTROL, "public, max-age=60"),
        ],
        body,
    )
        .into_response())
}

/// `GET /feed.rss`
pub async fn rss(State(state): State<AppState>) -> Result<Response, AppError> {
    answer(&state, false).await
}

/// `GET /feed.atom`
pub async fn atom(State(state): State<AppState>) -> Result<Response, AppError> {
    answer(&state, true).await
}

fn rss_xml(feed: &Feed<'_>) -> String {
    let mut xml = String::with_capacity(4096 + feed.items.len() * 4096);
    xml.push_str(concat!(
        r#"<?xml version="1.0" encoding="UTF-8"?>"#,
        "\n",
        r#"<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">"#,
        "\n<channel>\n"
    ));
    element(&mut xml, "title", &feed.title);
    element(&mut xml, "link", &feed.home);
    element(&mut xml, "description", &feed.description);
    element(&mut xml, "language", feed.lang);
    element(&mut xml, "generator", "Kentongan");
    let _ = writeln!(
        xml,
        r#"<atom:link href="{}" rel="self" type="application/rss+xml"/>"#,
        escape(&feed.this)
    );
    if let Some(newest) = feed.items.first() {
        element(
            &mut xml,
            "lastBuildDate",
            &rfc2822(newest.post.updated_at.unwrap_or(newest.post.published_at)),
        );
    }
    for item in &feed.items {
        let post = item.post;
        xml.push_str("<item>\n");
        element(&mut xml, "title", &post.title);
        element(&mut xml, "link", &item.url);
        let _ = writeln!(
            xml,
            r#"<guid isPermaLink="true">{}</guid>"#,
            escape(&item.url)
        );
        element(&mut xml, "pubDate", &rfc2822(post.published_at));
        element(&mut xml, "dc:creator", &item.author);
        for category in post.category_list() {
            element(&mut xml, "category", &category);
        }
        if let Some((url, mime, length)) = &item.cover {
            let _ = writeln!(
                xml,
                r#"<enclosure url="{}" type="{}" length="{length}"/>"#,
                escape(url),
                escape(mime)
            );
        }
        element(&mut xml, "description", &post.body_html);
        xml.push_str("</item>\n");
    }
    xml.push_str("</channel>\n</rss>\n");
    xml
}

fn atom_xml(feed: &Feed<'_>) -> String {
    let mut xml = String::with_capacity(4096 + feed.items.len() * 4096);
    let _ = writeln!(
        xml,
        r#"<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{}">"#,
        feed.lang
    );
    element(&mut xml, "title", &feed.title);
    element(&mut xml, "subtitle", &feed.description);
    element(&mut xml, "id", &feed.this);
    let _ = writeln!(xml, r#"<link rel="self" href="{}"/>"#, escape(&feed.this));
    let _ = writeln!(
        xml,
        r#"<link rel="alternate" type="text/html" href="{}"/>"#,
        escape(&feed.home)
    );
    element(&mut xml, "generator", "Kentongan");
    let changed = |p: &PostRecord| p.updated_at.unwrap_or(p.published_at).max(p.published_at);
    let updated = feed
        .items
        .iter()
        .map(|i| changed(i.post))
        .max()
        .unwrap_or_else(now_ms);
    element(&mut xml, "updated", &to_rfc3339(updated));
    for item in &feed.items {
        let post = item.post;
        xml.push_str("<entry>\n");
        element(&mut xml, "id", &item.url);
        let _ = writeln!(xml, r#"<title type="text">{}</title>"#, escape(&post.title));
        let _ = writeln!(
            xml,
            r#"<link rel="alternate" type="text/html" href="{}"/>"#,
            escape(&item.url)
        );
        if let Some((url, mime, length)) = &item.cover {
            let _ = writeln!(
                xml,
                r#"<link rel="enclosure" href="{}" type="{}" length="{length}"/>"#,
                escape(url),
                escape(mime)
            );
        }
        element(&mut xml, "published", &to_rfc3339(post.published_at));
        element(&mut xml, "updated", &to_rfc3339(changed(post)));
        let _ = writeln!(
            xml,
            "<author><name>{}</name></author>",
            escape(&item.author)
        );
        for category in post.category_list() {
            let _ = writeln!(xml, r#"<category term="{}"/>"#, escape(&category));
        }
        if !post.summary.is_empty() {
            let _ = writeln!(
                xml,
                r#"<summary type="text">{}</summary>"#,
                escape(&post.summary)
            );
        }
        // Images in the body may be site-relative (`/media/…`): xml:base resolves them.
        let _ = writeln!(
            xml,
            r#"<content type="html" xml:base="{}">{}</content>"#,
            escape(&feed.home),
            escape(&post.body_html)
        );
        xml.push_str("</entry>\n");
    }
    xml.push_str("</feed>\n");
    xml
}
