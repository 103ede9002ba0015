//! Our feeds out, RSS 2.0 and Atom. One writer turns a post into an RSS item and an Atom
//! entry ([`Channel`], [`Item`], [`Format::answer`]); the village's own feeds
//! (`web::site::feeds`) and the portal's timeline feeds here both use it:
//! `/timeline.rss|atom` (every village) and `/villages/{id}/feed.rss|atom` (one village),
//! each the newest 50 posts by `published`, with the timeline's `district` and `tag`
//! filters. Every text and attribute is escaped here; the posts' HTML was sanitised when
//! it was stored and is sent escaped, as both formats require. No SQL here. (Reading the
//! villages' feeds in is `portal::feed_polling`.)

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
use std::{borrow::Cow, collections::HashMap, fmt::Write};

/// Items in one feed: what a reader shows, and a bounded query for every request.
const FEED_ITEMS: i64 = 50;
const MAX_FILTER_CHARS: usize = 100;

/// The person-facing words of the feeds: Bahasa Indonesia first, English second.
/// (`strings` is shared with the pages; these few are feed-only.)
const NEWS: (&str, &str) = ("Kabar desa", "Village news");
const DESCRIPTION: (&str, &str) = (
    "Kabar terbaru dari desa-desa yang diikuti portal ini",
    "Latest news from the villages this portal follows",
);
const VILLAGE_NOT_FOUND: (&str, &str) = ("Desa tidak ditemukan", "Village not found");

/// The portal's feeds speak Bahasa Indonesia first (`NEWS`, `DESCRIPTION`).
const PORTAL_LANG: &str = "id";

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
        description: &format!("{} / {}", DESCRIPTION.0, DESCRIPTION.1),
        home: &home,
        this: &this,
        lang: PORTAL_LANG,
        // The villages' HTML is theirs: an address in it that is not absolute is
        // relative to the village's site, never to the portal's.
        content_base: None,
    };
    let items: Vec<Item<'_>> = posts
        .iter()
        .map(|post| Item {
            title: &post.title,
            link: Cow::Borrowed(&post.url),
            // A village post's page may move; its ActivityPub id does not.
            id: ItemId::Uri(&post.ap_id),
            published: post.published_at,
            updated: post.updated_at,
            author: Cow::Borrowed(&post.village_name),
            categories: tags.remove(&post.id).unwrap_or_default(),
            enclosure: None,
            summary: &post.summary,
            html: body_of(post),
        })
        .collect();
    Ok(format.answer(&channel, &items))
}

/// The stored, sanitised HTML; a post without a body shows its summary.
fn body_of(post: &VillagePostRecord) -> Cow<'_, str> {
    if post.content_html.trim().is_empty() {
        Cow::Owned(escape(&post.summary))
    } else {
        Cow::Borrowed(&post.content_html)
    }
}

/// Which of the two formats a feed is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Format {
    Rss,
    Atom,
}

impl Format {
    fn content_type(self) -> &'static str {
        match self {
            Format::Rss => "application/rss+xml; charset=utf-8",
            Format::Atom => "application/atom+xml; charset=utf-8",
        }
    }

    /// The feed written in this format, with its content type.
    pub(super) fn answer(self, channel: &Channel<'_>, items: &[Item<'_>]) -> Response {
        let body = match self {
            Format::Rss => rss(channel, items),
            Format::Atom => atom(channel, items),
        };
        (
            [
                (CONTENT_TYPE, self.content_type()),
                // Readers poll often; a minute of caching costs no one news.
                (CACHE_CONTROL, "public, max-age=60"),
            ],
            body,
        )
            .into_response()
    }
}

/// What a feed says of itself.
pub(super) struct Channel<'a> {
    pub title: &'a str,
    pub description: &'a str,
    /// The site the feed is of: RSS's `link`, Atom's alternate link.
    pub home: &'a str,
    /// The feed's own address: `atom:link rel="self"` and the Atom feed's id.
    pub this: &'a str,
    /// The language code: RSS's `language`, Atom's `xml:lang`.
    pub lang: &'a str,
    /// Atom's `xml:base` for the items' HTML, when it may hold site-relative addresses.
    pub content_base: Option<&'a str>,
}

/// What names an item for good: RSS's `guid` and Atom's entry id.
pub(super) enum ItemId<'a> {
    /// The item's own link (`isPermaLink="true"`).
    Link,
    /// Another lasting id, not an address to show (`isPermaLink="false"`).
    Uri(&'a str),
}

/// A file that goes with an item (the cover): its absolute address, MIME type and size.
pub(super) struct Enclosure {
    pub url: String,
    pub mime: String,
    pub length: u64,
}

/// One post as both formats need it.
pub(super) struct Item<'a> {
    pub title: &'a str,
    /// The post's page.
    pub link: Cow<'a, str>,
    pub id: ItemId<'a>,
    pub published: i64,
    pub updated: Option<i64>,
    pub author: Cow<'a, str>,
    pub categories: Vec<String>,
    pub enclosure: Option<Enclosure>,
    /// Plain text; Atom shows it when it is not empty.
    pub summary: &'a str,
    /// The sanitised HTML of the body.
    pub html: Cow<'a, str>,
}

impl Item<'_> {
    fn id(&self) -> &str {
        match self.id {
            ItemId::Link => &self.link,
            ItemId::Uri(id) => id,
        }
    }

    /// Its last change, never before it was published.
    fn changed(&self) -> i64 {
        self.updated.unwrap_or(self.published).max(self.published)
    }
}

fn rss(channel: &Channel<'_>, items: &[Item<'_>]) -> String {
    let mut xml = String::with_capacity(4096 + items.len() * 4096);
    xml.push_str(concat!(
        r#"<?xml version="1.0" encoding="UTF-8"?>"#,
        "\n",
        r#"<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">"#,
        "\n<channel>\n"
    ));
    element(&mut xml, "title", channel.title);
    element(&mut xml, "link", channel.home);
    element(&mut xml, "description", channel.description);
    element(&mut xml, "language", channel.lang);
    element(&mut xml, "generator", "Kentongan");
    let _ = writeln!(
        xml,
        r#"<atom:link href="{}" rel="self" type="application/rss+xml"/>"#,
        escape(channel.this)
    );
    if let Some(newest) = items.first() {
        element(
            &mut xml,
            "lastBuildDate",
            &rfc2822(newest.updated.unwrap_or(newest.published)),
        );
    }
    for item in items {
        xml.push_str("<item>\n");
        element(&mut xml, "title", item.title);
        element(&mut xml, "link", &item.link);
        let permalink = matches!(item.id, ItemId::Link);
        let _ = writeln!(
            xml,
            r#"<guid isPermaLink="{permalink}">{}</guid>"#,
            escape(item.id())
        );
        element(&mut xml, "pubDate", &rfc2822(item.published));
        // RSS's own <author> must be an e-mail address; the author's name goes in
        // Dublin Core's creator, which readers show as the author.
        element(&mut xml, "dc:creator", &item.author);
        for category in &item.categories {
            element(&mut xml, "category", category);
        }
        if let Some(Enclosure { url, mime, length }) = &item.enclosure {
            let _ = writeln!(
                xml,
                r#"<enclosure url="{}" type="{}" length="{length}"/>"#,
                escape(url),
                escape(mime)
            );
        }
        element(&mut xml, "description", &item.html);
        xml.push_str("</item>\n");
    }
    xml.push_str("</channel>\n</rss>\n");
    xml
}

fn atom(channel: &Channel<'_>, items: &[Item<'_>]) -> String {
    let mut xml = String::with_capacity(4096 + items.len() * 4096);
    let _ = writeln!(
        xml,
        r#"<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{}">"#,
        escape(channel.lang)
    );
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
    let updated = items.iter().map(Item::changed).max().unwrap_or_else(now_ms);
    element(&mut xml, "updated", &to_rfc3339(updated));
    let content_base = channel
        .content_base
        .map(|base| format!(r#" xml:base="{}""#, escape(base)))
        .unwrap_or_default();
    for item in items {
        xml.push_str("<entry>\n");
        element(&mut xml, "id", item.id());
        let _ = writeln!(xml, r#"<title type="text">{}</title>"#, escape(item.title));
        let _ = writeln!(
            xml,
            r#"<link rel="alternate" type="text/html" href="{}"/>"#,
            escape(&item.link)
        );
        if let Some(Enclosure { url, mime, length }) = &item.enclosure {
            let _ = writeln!(
                xml,
                r#"<link rel="enclosure" href="{}" type="{}" length="{length}"/>"#,
                escape(url),
                escape(mime)
            );
        }
        element(&mut xml, "published", &to_rfc3339(item.published));
        element(&mut xml, "updated", &to_rfc3339(item.changed()));
        let _ = writeln!(
            xml,
            "<author><name>{}</name></author>",
            escape(&item.author)
        );
        for category in &item.categories {
            let _ = writeln!(xml, r#"<category term="{}"/>"#, escape(category));
        }
        if !item.summary.is_empty() {
            let _ = writeln!(
                xml,
                r#"<summary type="text">{}</summary>"#,
                escape(item.summary)
            );
        }
        let _ = writeln!(
            xml,
            r#"<content type="html"{content_base}>{}</content>"#,
            escape(&item.html)
        );
        xml.push_str("</entry>\n");
    }
    xml.push_str("</feed>\n");
    xml
}

fn element(xml: &mut String, name: &str, text: &str) {
    let _ = writeln!(xml, "<{name}>{}</{name}>", escape(text));
}

fn rfc2822(ms: i64) -> String {
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
