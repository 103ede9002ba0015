//! What the RSS or Atom feed of a village that is not on the fediverse yet (an OpenSID
//! or WordPress site) puts on the portal's timeline while it migrates: the feed parsed
//! with feed-rs, each usable item made a village post under a key of the feed's own
//! (a feed speaks only for its own site), and stored through `Store::ingest_village_post`,
//! marked as from a feed. Fetching the feed (one polite conditional GET) is
//! `federation::fetch`'s; scheduling and recording the outcome the portal worker's.

use crate::{
    clock::now_ms,
    publishing::markdown::{sanitize, strip_tags},
    state::AppState,
    store::{Ingested, NewVillagePost, VillageRecord},
    text::cut,
};
use anyhow::Context;
use feed_rs::model::{Entry, Feed, Text};
use url::Url;

/// What one poll of a feed found.
#[derive(Clone, Debug, Default)]
pub struct FeedPoll {
    /// Items stored for the first time.
    pub new_posts: usize,
    /// Validators for the next conditional GET.
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// A village site's feed is a few hundred KiB at most; anything far larger is a mistake
/// or an attack, and is refused before it fills memory.
pub const MAX_FEED_BYTES: usize = 5 * 1024 * 1024;
/// Items read from one answer. Feeds list the newest first; a site that dumps its whole
/// archive into the feed is taken in slices, not in one long transaction-per-item burst.
const MAX_ITEMS: usize = 200;
const MAX_TITLE_CHARS: usize = 300;
const MAX_SUMMARY_CHARS: usize = 500;
const MAX_CONTENT_CHARS: usize = 200_000;
const MAX_TAGS: usize = 10;
const MAX_TAG_CHARS: usize = 50;
/// Ids and links longer than this are not something a real site sends.
const MAX_ID_CHARS: usize = 2_000;
/// A date this far ahead of our clock is a wrong clock or a trick to stay on top of the
/// timeline; such an item is dated when we first saw it.
const FUTURE_SLACK_MS: i64 = 10 * 60 * 1000;

/// RSS or Atom, read as we store it.
fn parse_feed(body: &[u8], base: &Url) -> Result<Feed, feed_rs::parser::ParseFeedError> {
    feed_rs::parser::Builder::new()
        .base_uri(Some(base.as_str()))
        // Without a guid, feed-rs invents an id from the link and title (or a random
        // one); we fall back to the link ourselves so the id stays stable when a title
        // is corrected.
        .id_generator(|_, _, _| String::new())
        .build()
        .parse(body)
}

/// Keeps the new or changed items of the feed `body` read from `url`; returns how many
/// were new.
#[tracing::instrument(skip_all, fields(village = village.id, new_posts))]
pub async fn keep_items(
    state: &AppState,
    village: &VillageRecord,
    url: &Url,
    body: Vec<u8>,
) -> anyhow::Result<usize> {
    let feed = parse_in_background(body, url.clone()).await?;
    let now = now_ms();
    let mut new_posts = 0;
    let mut skipped = 0;
    for entry in feed.entries.iter().take(MAX_ITEMS) {
        let Some(item) = item_from_entry(entry, url, village.id, now) else {
            skipped += 1;
            continue;
        };
        let mut post = item.post;
        if let Some(earlier) = item.earlier_key
            && state
                .store
                .village_post_published_at(village.id, &earlier)
                .await?
                .is_some()
        {
            // Stored by an older version under the id the feed gave: keep it there
            // rather than show it twice.
            post.ap_id = earlier;
        }
        if !item.dated {
            // Keep the date of the first poll: an undated item must not climb back to
            // the top of the timeline every hour.
            if let Some(first) = state
                .store
                .village_post_published_at(village.id, &post.ap_id)
                .await?
            {
                post.published_at = first;
                post.updated_at = Some(first);
            }
        }
        if let Ingested::New(_) = state.store.ingest_village_post(&post, now).await? {
            new_posts += 1;
        }
    }
    if skipped > 0 {
        tracing::info!(
            skipped,
            "feed items without an id or an http(s) link were skipped"
        );
    }
    tracing::Span::current().record("new_posts", new_posts);
    Ok(new_posts)
}

/// Parses off the async threads: a large feed is a few milliseconds of CPU.
async fn parse_in_background(body: Vec<u8>, url: Url) -> anyhow::Result<Feed> {
    let span = tracing::Span::current();
    let base = url.clone();
    let parsed = tokio::task::spawn_blocking(move || {
        let _entered = span.enter();
        parse_feed(&body, &base)
    })
    .await
    .context("parsing the feed")?;
    parsed.map_err(|err| {
        anyhow::anyhow!(
            "the feed {url} is not valid RSS or Atom: {}",
            one_line(&err.to_string())
        )
    })
}

/// One item, whether its date came from the feed, and the key an older version stored
/// it under when that differs (see [`entry_key`]).
struct FeedItem {
    post: NewVillagePost,
    dated: bool,
    earlier_key: Option<String>,
}

/// The village post for one feed entry, or `None` when it has no stable id or no
/// http(s) link to send readers to.
fn item_from_entry(entry: &Entry, feed_url: &Url, village_id: i64, now: i64) -> Option<FeedItem> {
    let url = entry_link(entry, feed_url)?;
    let named = entry_id(entry, feed_url).unwrap_or_else(|| url.clone());
    let ap_id = entry_key(&named, feed_url);
    let earlier_key = (ap_id != named).then_some(named);

    let content = entry
        .content
        .as_ref()
        .and_then(|c| {
            c.body
                .as_deref()
                .map(|body| (body, is_plain(c.content_type.essence())))
        })
        .filter(|(body, _)| !body.trim().is_empty());
    let summary = entry
        .summary
        .as_ref()
        .filter(|s| !s.content.trim().is_empty());
    let content_html = match (content, summary) {
        (Some((body, plain)), _) => html_of(body, plain),
        (None, Some(text)) => html_of(&text.content, is_plain(text.content_type.essence())),
        (None, None) => String::new(),
    };
    let summary_text = summary
        .map(plain_text)
        .unwrap_or_else(|| strip_tags(&content_html));
    let title = entry
        .title
        .as_ref()
        .map(plain_text)
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| summary_text.clone());

    let ms = |t: chrono::DateTime<chrono::Utc>| t.timestamp_millis();
    let believable = |t: &i64| *t <= now + FUTURE_SLACK_MS;
    let from_feed = entry.published.or(entry.updated).map(ms).filter(believable);
    let published_at = from_feed.unwrap_or(now);
    // Always set: the store compares `updated` to decide whether a copy is newer, and an
    // item without one would be rewritten on the next poll.
    let updated_at = entry
        .updated
        .map(ms)
        .filter(believable)
        .filter(|t| *t >= published_at)
        .unwrap_or(published_at);

    Some(FeedItem {
        post: NewVillagePost {
            ap_id,
            village_id,
            title: cut(&title, MAX_TITLE_CHARS),
            summary: cut(&summary_text, MAX_SUMMARY_CHARS),
            content_html,
            url,
            image_url: entry_image(entry, feed_url),
            from_feed: true,
            published_at,
            updated_at: Some(updated_at),
            tags: tags(entry),
        },
        dated: from_feed.is_some(),
        earlier_key,
    })
}

/// The key a feed item is stored under. A feed speaks only for its own site: an id (or,
/// without one, a link) on the feed's own host is kept, since it is the page's real
/// address; anything else (an id on another host, a `urn:` or `tag:` id) is qualified
/// with the feed URL. Otherwise a feed could name the id of another village's post (its
/// fediverse id or its feed item's), be stored under it first, and have the real post
/// ignored as already known.
fn entry_key(named: &str, feed_url: &Url) -> String {
    let own = Url::parse(named).is_ok_and(|u| {
        matches!(u.scheme(), "http" | "https")
            && u.host_str() == feed_url.host_str()
            && u.port() == feed_url.port()
    });
    if own
        || named.starts_with(&format!(
            "{}#guid=",
            feed_url.as_str().trim_end_matches('#')
        ))
    {
        return named.to_string();
    }
    let mut qualified = feed_url.clone();
    qualified.set_fragment(Some(&format!("guid={named}")));
    qualified.to_string()
}

/// The guid or Atom id. An id that is not a web address, `urn:` or `tag:` URI (OpenSID's
/// `artikel-12`) is only unique within its site, so it is qualified with the feed URL:
/// two villages' `12` must not be the same post at the portal. An id with whitespace is
/// not an id; the caller falls back to the link.
fn entry_id(entry: &Entry, feed_url: &Url) -> Option<String> {
    let id = entry.id.trim();
    if id.is_empty() || id.chars().count() > MAX_ID_CHARS || id.chars().any(char::is_whitespace) {
        return None;
    }
    let global = Url::parse(id).is_ok_and(|u| match u.scheme() {
        "http" | "https" => u.host().is_some(),
        // Atom's usual ids, unique by construction.
        "urn" | "tag" => true,
        _ => false,
    });
    if global {
        return Some(id.to_string());
    }
    let mut qualified = feed_url.clone();
    qualified.set_fragment(Some(&format!("guid={id}")));
    Some(qualified.to_string())
}

fn http_url(href: &str, base: &Url) -> Option<String> {
    let href = href.trim();
    if href.is_empty() || href.chars().count() > MAX_ID_CHARS {
        return None;
    }
    let url = base.join(href).ok()?;
    matches!(url.scheme(), "http" | "https").then(|| url.to_string())
}

/// The page of the item: the first alternate (or untyped) link, resolved against the
/// feed's URL.
fn entry_link(entry: &Entry, feed_url: &Url) -> Option<String> {
    let alternate = entry
        .links
        .iter()
        .find(|l| matches!(l.rel.as_deref(), None | Some("alternate")))
        .or_else(|| entry.links.first())?;
    http_url(&alternate.href, feed_url)
}

/// The first image: an enclosure or media:content typed `image/*`, a media thumbnail,
/// or an Atom `enclosure` link to an image.
fn entry_image(entry: &Entry, feed_url: &Url) -> Option<String> {
    let from_media = entry.media.iter().find_map(|object| {
        object
            .content
            .iter()
            .filter(|c| c.content_type.as_ref().is_some_and(|t| t.ty() == "image"))
            .find_map(|c| c.url.as_ref().and_then(|u| http_url(u.as_str(), feed_url)))
            .or_else(|| {
                object
                    .thumbnails
                    .iter()
                    .find_map(|t| http_url(&t.image.uri, feed_url))
            })
    });
    from_media.or_else(|| {
        entry
            .links
            .iter()
            .filter(|l| l.rel.as_deref() == Some("enclosure"))
            .filter(|l| {
                l.media_type
                    .as_deref()
                    .is_some_and(|t| t.starts_with("image/"))
            })
            .find_map(|l| http_url(&l.href, feed_url))
    })
}

/// The categories as hashtags: `Gotong Royong` becomes `GotongRoyong`.
fn tags(entry: &Entry) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for category in &entry.categories {
        let name: String = category
            .term
            .trim()
            .trim_start_matches('#')
            .chars()
            .filter(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if name.is_empty()
            || name.chars().count() > MAX_TAG_CHARS
            || names.iter().any(|n| n.eq_ignore_ascii_case(&name))
        {
            continue;
        }
        names.push(name);
        if names.len() == MAX_TAGS {
            break;
        }
    }
    names
}

/// Whether a content type (`text/plain`, parameters ignored) is plain text. Takes the
/// rendered essence because feed-rs does not re-export its media type.
fn is_plain(essence: impl std::fmt::Display) -> bool {
    essence.to_string().eq_ignore_ascii_case("text/plain")
}

/// A text construct as plain text: HTML (Atom `type="html"`, RSS descriptions) loses its
/// tags; plain text keeps its angle brackets.
fn plain_text(text: &Text) -> String {
    if is_plain(text.content_type.essence()) {
        text.content
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    } else {
        strip_tags(&text.content)
    }
}

/// Safe HTML for content: markup is sanitised, plain text is escaped into a paragraph.
fn html_of(body: &str, plain: bool) -> String {
    let body: String = body.chars().take(MAX_CONTENT_CHARS).collect();
    if plain {
        let escaped = crate::text::escape_markup(&body);
        sanitize(&format!("<p>{}</p>", escaped.trim()))
    } else {
        sanitize(&body)
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(xml: &str) -> Feed {
        feed_rs::parser::Builder::new()
            .base_uri(Some("https://desa.example/feed"))
            .id_generator(|_, _, _| String::new())
            .build()
            .parse(xml.as_bytes())
            .expect("a feed")
    }

    fn feed_url() -> Url {
        Url::parse("https://desa.example/feed").expect("url")
    }

    #[test]
    fn an_opensid_guid_is_qualified_by_the_feed_and_a_missing_one_falls_back_to_the_link() {
        let feed = parse(
            r#"<rss version="2.0"><channel><title>x</title>
            <item><title>A</title><link>https://desa.example/a</link><guid>artikel-12</guid></item>
            <item><title>B</title><link>/b</link></item>
            <item><title>C</title><link>javascript:alert(1)</link><guid>c</guid></item>
            </channel></rss>"#,
        );
        let items: Vec<_> = feed
            .entries
            .iter()
            .filter_map(|e| item_from_entry(e, &feed_url(), 1, 1_000))
            .collect();
        assert_eq!(items.len(), 2, "the javascript: link is skipped");
        assert_eq!(
            items[0].post.ap_id,
            "https://desa.example/feed#guid=artikel-12"
        );
        assert_eq!(items[1].post.ap_id, "https://desa.example/b");
        assert_eq!(items[1].post.url, "https://desa.example/b");
        let local = parse(
            r#"<rss version="2.0"><channel><title>x</title>
            <item><title>A</title><link>https://desa.example/a</link><guid>post:12</guid></item>
            </channel></rss>"#,
        );
        assert_eq!(
            entry_id(&local.entries[0], &feed_url()).as_deref(),
            Some("https://desa.example/feed#guid=post:12")
        );
        assert!(!items[1].dated);
        assert_eq!(items[1].post.published_at, 1_000);
    }

    const SAMPLE: &str = r#"<?xml version="1.0"?><rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>Desa</title>
<item><title>Kerja &amp; bakti</title><link>/berita/1</link><guid isPermaLink="false">opensid-1</guid>
<pubDate>Mon, 03 Nov 2025 08:00:00 +0700</pubDate><category>Pengumuman</category>
<description><![CDATA[<p>Isi <b>tebal</b></p><script>x</script>]]></description>
<enclosure url="/foto.jpg" type="image/jpeg"/><media:thumbnail url="https://desa.example/t.jpg"/></item>
</channel></rss>"#;

    proptest::proptest! {
        #![proptest_config(crate::fuzzing::config(256))]

        /// Whatever a village site serves as its feed, reading it and its items does
        /// not panic, and what is kept has a web link.
        #[test]
        fn any_feed_is_read_without_panic(
            body in proptest::prop_oneof![crate::fuzzing::mutated(SAMPLE), ".{0,300}"]
        ) {
            if let Ok(feed) = parse_feed(body.as_bytes(), &feed_url()) {
                for entry in &feed.entries {
                    if let Some(item) = item_from_entry(entry, &feed_url(), 1, 1_000) {
                        proptest::prop_assert!(item.post.url.starts_with("http"));
                        proptest::prop_assert!(!item.post.content_html.contains("<script"));
                    }
                }
            }
        }
    }

    #[test]
    fn a_feed_cannot_claim_an_id_on_another_host() {
        let feed = parse(
            r#"<rss version="2.0"><channel><title>x</title>
            <item><title>A</title><link>https://desa.example/a</link><guid>https://desa-lain.example/p/abc</guid></item>
            <item><title>B</title><link>https://desa-lain.example/p/def</link></item>
            <item><title>C</title><link>https://desa.example/c</link><guid>urn:uuid:1234</guid></item>
            <item><title>D</title><link>https://desa.example/d</link><guid>https://desa.example/?p=4</guid></item>
            </channel></rss>"#,
        );
        let keys: Vec<String> = feed
            .entries
            .iter()
            .filter_map(|e| item_from_entry(e, &feed_url(), 1, 1_000))
            .map(|item| item.post.ap_id)
            .collect();
        assert_eq!(
            keys,
            vec![
                "https://desa.example/feed#guid=https://desa-lain.example/p/abc".to_string(),
                "https://desa.example/feed#guid=https://desa-lain.example/p/def".to_string(),
                "https://desa.example/feed#guid=urn:uuid:1234".to_string(),
                "https://desa.example/?p=4".to_string(),
            ]
        );
        let item = item_from_entry(&feed.entries[1], &feed_url(), 1, 1_000).expect("item");
        assert_eq!(
            item.post.url, "https://desa-lain.example/p/def",
            "the link is kept"
        );
        assert_eq!(
            item.earlier_key.as_deref(),
            Some("https://desa-lain.example/p/def")
        );
    }

    #[test]
    fn categories_become_hashtags() {
        let feed = parse(
            r##"<rss version="2.0"><channel><title>x</title><item><title>A</title>
            <link>https://desa.example/a</link>
            <category>Gotong Royong</category><category>#Desa</category><category>desa</category>
            <category>!!!</category></item></channel></rss>"##,
        );
        assert_eq!(
            tags(&feed.entries[0]),
            vec!["GotongRoyong".to_string(), "Desa".to_string()]
        );
    }

    #[test]
    fn a_date_far_in_the_future_is_not_believed() {
        let feed = parse(
            r#"<rss version="2.0"><channel><title>x</title><item><title>A</title>
            <link>https://desa.example/a</link><pubDate>Fri, 01 Jan 2100 00:00:00 GMT</pubDate>
            </item></channel></rss>"#,
        );
        let item = item_from_entry(&feed.entries[0], &feed_url(), 1, 5_000).expect("item");
        assert!(!item.dated);
        assert_eq!(item.post.published_at, 5_000);
    }

    #[test]
    fn plain_text_content_is_escaped_not_parsed() {
        assert_eq!(
            html_of("Rapat <semua> warga", true),
            "<p>Rapat &lt;semua&gt; warga</p>"
        );
        assert_eq!(html_of("<p>a</p><script>x</script>", false), "<p>a</p>");
    }
}
