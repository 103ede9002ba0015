//! The portal's timeline as RSS 2.0 and Atom, for feed readers and for regency sites
//! that embed village news: `/timeline.rss|atom` (every village) and
//! `/villages/{id}/feed.rss|atom` (one village), each the newest 50 posts by `published`,
//! with the timeline's `district` and `tag` filters. The XML is written here with every
//! text and attribute escaped; the posts' HTML was sanitised when it was stored and is
//! sent escaped, as both formats require. No SQL here.

use crate::{
    actors::publishing_actors,
    clock::{now_ms, to_datetime, to_rfc3339},
    error::AppError,
    state::AppState,
    store::{TimelineFilter, VillagePostRecord},
};
use axum::{
    extract::{OriginalUri, Path, Query, State},
    http::header::{CACHE_CONTROL, CONTENT_TYPE},
    response::{IntoResponse, Response},
};
use std::{collections::HashMap, fmt::Write};

/// Items in one feed: what a reader shows, and a bounded query for every request.
const FEED_ITEMS: i64 = 50;
const MAX_FILTER_CHARS: usize = 100;

pub(super) const RSS_TYPE: &str = "application/rss+xml; charset=utf-8";
pub(super) const ATOM_TYPE: &str = "application/atom+xml; charset=utf-8";

/// The person-facing words of the feeds: Bahasa Indonesia first, English second.
/// (`strings` is shared with the pages; these few are feed-only.)
const NEWS: (&str, &str) = ("Kabar desa", "Village news");
const DESCRIPTION: (&str, &str) = (
    "Kabar terbaru dari desa-desa yang diikuti portal ini",
    "Latest news from the villages this portal follows",
);
const VILLAGE_NOT_FOUND: (&str, &str) = ("Desa tidak ditemukan", "Village not found");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Rss,
    Atom,
}

/// The timeline's filters that make sense for a feed.
#[derive(Debug, Default, serde::Deserialize)]
pub struct FeedQuery {
    district: Option<String>,
    tag: Option<String>,
}

fn filter_value(value: Option<&str>) -> Option<String> {
    value
        .map(|v| v.trim().trim_start_matches('#').trim())
        .filter(|v| !v.is_empty())
        .map(|v| v.chars().take(MAX_FILTER_CHARS).collect())
}

/// `GET /timeline.rss`
pub async fn timeline_rss(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    Query(query): Query<FeedQuery>,
) -> Result<Response, AppError> {
    timeline(&state, &uri, &query, Format::Rss).await
}

/// `GET /timeline.atom`
pub async fn timeline_atom(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    Query(query): Query<FeedQuery>,
) -> Result<Response, AppError> {
    timeline(&state, &uri, &query, Format::Atom).await
}

/// `GET /villages/{id}/feed.rss`
pub async fn village_rss(
    State(state): State<AppState>,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
    Query(query): Query<FeedQuery>,
) -> Result<Response, AppError> {
    village(&state, &id, &uri, &query, Format::Rss).await
}

/// `GET /villages/{id}/feed.atom`
pub async fn village_atom(
    State(state): State<AppState>,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
    Query(query): Query<FeedQuery>,
) -> Result<Response, AppError> {
    village(&state, &id, &uri, &query, Format::Atom).await
}

async fn timeline(
    state: &AppState,
    uri: &axum::http::Uri,
    query: &FeedQuery,
    format: Format,
) -> Result<Response, AppError> {
    let filter = TimelineFilter {
        district: filter_value(query.district.as_deref()),
        tag: filter_value(query.tag.as_deref()),
        ..TimelineFilter::default()
    };
    let portal = portal_name(state).await?;
    let title = format!("{} — {portal}", NEWS.0);
    feed(state, uri, &filter, &title, format).await
}

async fn village(
    state: &AppState,
    id: &str,
    uri: &axum::http::Uri,
    query: &FeedQuery,
    format: Format,
) -> Result<Response, AppError> {
    let not_found =
        || AppError::NotFound(format!("{} / {}", VILLAGE_NOT_FOUND.0, VILLAGE_NOT_FOUND.1));
    // A path that is not a number names no village: the same 404, not a 400.
    let id: i64 = id.parse().map_err(|_| not_found())?;
    let village = state.store.village_by_id(id).await?.ok_or_else(not_found)?;
    let filter = TimelineFilter {
        village_id: Some(village.id),
        district: filter_value(query.district.as_deref()),
        tag: filter_value(query.tag.as_deref()),
        ..TimelineFilter::default()
    };
    let portal = portal_name(state).await?;
    let title = format!("{} — {} · {portal}", NEWS.0, village.name);
    feed(state, uri, &filter, &title, format).await
}

/// The main actor's name, as the home page shows it.
async fn portal_name(state: &AppState) -> Result<String, AppError> {
    Ok(publishing_actors(&state.store)
        .await?
        .into_iter()
        .next()
        .map(|actor| actor.name)
        .unwrap_or_else(|| "Kentongan".to_string()))
}

async fn feed(
    state: &AppState,
    uri: &axum::http::Uri,
    filter: &TimelineFilter,
    title: &str,
    format: Format,
) -> Result<Response, AppError> {
    let posts = state.store.timeline_page(filter, None, FEED_ITEMS).await?;
    let ids: Vec<i64> = posts.iter().map(|p| p.id).collect();
    let mut tags: HashMap<i64, Vec<String>> = HashMap::new();
    for (id, tag) in state.store.village_post_tags(&ids).await? {
        tags.entry(id).or_default().push(tag);
    }
    let home = state.urls.base().to_string();
    // The feed's own address, filters included, for `atom:link rel="self"` and the Atom id.
    let this = uri
        .path_and_query()
        .and_then(|pq| state.urls.base().join(pq.as_str()).ok())
        .map(|u| u.to_string())
        .unwrap_or_else(|| home.clone());
    let channel = Channel {
        title,
        home: &home,
        this: &this,
        description: &format!("{} / {}", DESCRIPTION.0, DESCRIPTION.1),
    };
    let (body, content_type) = match format {
        Format::Rss => (rss(&channel, &posts, &tags), RSS_TYPE),
        Format::Atom => (atom(&channel, &posts, &tags), ATOM_TYPE),
    };
    Ok((
        [
            (CONTENT_TYPE, content_type),
            // Readers poll often; a minute of caching costs no one news.
            (CACHE_CONTROL, "public, max-age=60"),
        ],
        body,
    )
        .into_response())
}

struct Channel<'a> {
    title: &'a str,
    home: &'a str,
    this: &'a str,
    description: &'a str,
}

fn rss(
    channel: &Channel<'_>,
    posts: &[VillagePostRecord],
    tags: &HashMap<i64, Vec<String>>,
) -> String {
    let mut xml = String::with_capacity(4096 + posts.len() * 2048);
    xml.push_str(concat!(
        r#"<?xml version="1.0" encoding="UTF-8"?>"#,
        "\n",
        r#"<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">"#,
        "\n<channel>\n"
    ));
    element(&mut xml, "title", channel.title);
    element(&mut xml, "link", channel.home);
    element(&mut xml, "description", channel.description);
    element(&mut xml, "language", "id");
    element(&mut xml, "generator", "Kentongan");
    let _ = writeln!(
        xml,
        r#"<atom:link href="{}" rel="self" type="application/rss+xml"/>"#,
        escape(channel.this)
    );
    if let Some(newest) = posts.first() {
        element(
            &mut xml,
            "lastBuildDate",
            &rfc2822(newest.updated_at.unwrap_or(newest.published_at)),
        );
    }
    for post in posts {
        xml.push_str("<item>\n");
        element(&mut xml, "title", &post.title);
        element(&mut xml, "link", &post.url);
        let _ = writeln!(
            xml,
            r#"<guid isPermaLink="false">{}</guid>"#,
            escape(&post.ap_id)
        );
        element(&mut xml, "pubDate", &rfc2822(post.published_at));
        // RSS's own <author> must be an e-mail address; the village's name goes in
        // Dublin Core's creator, which readers show as the author.
        element(&mut xml, "dc:creator", &post.village_name);
        for tag in tags.get(&post.id).into_iter().flatten() {
            element(&mut xml, "category", tag);
        }
        element(&mut xml, "description", &body_of(post));
        xml.push_str("</item>\n");
    }
    xml.push_str("</channel>\n</rss>\n");
    xml
}

fn atom(
    channel: &Channel<'_>,
    posts: &[VillagePostRecord],
    tags: &HashMap<i64, Vec<String>>,
) -> String {
    let mut xml = String::with_capacity(4096 + posts.len() * 2048);
    xml.push_str(concat!(
        r#"<?xml version="1.0" encoding="UTF-8"?>"#,
        "\n",
        r#"<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="id">"#,
        "\n"
    ));
    element(&mut xml, "title", channel.title);
    element(&mut xml, "subtitle", channel.description);
    element(&mut xml, "id", channel.this);
    let _ = writeln!(xml, r#"<link rel="self" href="{}"/>"#, escape(channel.this));
    let _ = writeln!(
        xml,
        r#"<link rel="alternate" type="text/html" href="{}"/>"#,
        escape(channel.home)
    );
    element(&mut xml, "generator", "Kentongan");
    // Atom requires <updated>: the newest change among the items, or now for an empty
    // feed.
    let updated = posts
        .iter()
        .map(|p| p.updated_at.unwrap_or(p.published_at).max(p.published_at))
        .max()
        .unwrap_or_else(now_ms);
    element(&mut xml, "updated", &to_rfc3339(updated));
    for post in posts {
        xml.push_str("<entry>\n");
        element(&mut xml, "id", &post.ap_id);
        let _ = writeln!(xml, r#"<title type="text">{}</title>"#, escape(&post.title));
        let _ = writeln!(
            xml,
            r#"<link rel="alternate" type="text/html" href="{}"/>"#,
            escape(&post.url)
        );
        element(&mut xml, "published", &to_rfc3339(post.published_at));
        element(
            &mut xml,
            "updated",
            &to_rfc3339(
                post.updated_at
                    .unwrap_or(post.published_at)
                    .max(post.published_at),
            ),
        );
        let _ = writeln!(
            xml,
            "<author><name>{}</name></author>",
            escape(&post.village_name)
        );
        for tag in tags.get(&post.id).into_iter().flatten() {
            let _ = writeln!(xml, r#"<category term="{}"/>"#, escape(tag));
        }
        if !post.summary.is_empty() {
            let _ = writeln!(
                xml,
                r#"<summary type="text">{}</summary>"#,
                escape(&post.summary)
            );
        }
        let _ = writeln!(
            xml,
            r#"<content type="html">{}</content>"#,
            escape(&body_of(post))
        );
        xml.push_str("</entry>\n");
    }
    xml.push_str("</feed>\n");
    xml
}

/// The stored, sanitised HTML; a post without a body shows its summary.
fn body_of(post: &VillagePostRecord) -> String {
    if post.content_html.trim().is_empty() {
        escape(&post.summary)
    } else {
        post.content_html.clone()
    }
}

pub(super) fn element(xml: &mut String, name: &str, text: &str) {
    let _ = writeln!(xml, "<{name}>{}</{name}>", escape(text));
}

pub(super) fn rfc2822(ms: i64) -> String {
    to_datetime(ms).to_rfc2822()
}

pub(super) use crate::text::escape_markup as escape;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_handles_markup_quotes_and_control_characters() {
        assert_eq!(
            escape("<p class=\"a\">Kopi & teh's</p>\u{0}\u{1b}"),
            "&lt;p class=&quot;a&quot;&gt;Kopi &amp; teh&#39;s&lt;/p&gt;"
        );
    }

    #[test]
    fn filters_drop_the_hash_and_blank_values() {
        assert_eq!(
            filter_value(Some(" #Pengumuman ")),
            Some("Pengumuman".into())
        );
        assert_eq!(filter_value(Some("  ")), None);
        assert_eq!(filter_value(None), None);
    }
}
