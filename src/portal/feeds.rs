//! Polling the RSS or Atom feed of a village that is not on the fediverse yet (an OpenSID
//! or WordPress site), so that it appears on the portal's timeline while it migrates. One
//! poll is one polite conditional GET (the validators of the last answer), a body read up
//! to 5 MiB, a parse with feed-rs, and each usable item stored through
//! `Store::ingest_village_post`, marked as from a feed. Scheduling and recording the
//! outcome belong to the portal worker; this module neither sleeps nor retries.

use crate::{
    clock::now_ms,
    federation::check_remote_url,
    publishing::markdown::{sanitize, strip_tags},
    state::AppState,
    store::{Ingested, NewVillagePost, VillageRecord},
};
use anyhow::Context;
use feed_rs::model::{Entry, Feed, Text};
use reqwest::{
    StatusCode,
    header::{
        ACCEPT, CONTENT_LENGTH, ETAG, HeaderMap, HeaderValue, IF_MODIFIED_SINCE, IF_NONE_MATCH,
        LAST_MODIFIED, LOCATION, RETRY_AFTER,
    },
};
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
/// Ids, links and validators longer than this are not something a real site sends.
const MAX_ID_CHARS: usize = 2_000;
const MAX_VALIDATOR_CHARS: usize = 500;
/// A date this far ahead of our clock is a wrong clock or a trick to stay on top of the
/// timeline; such an item is dated when we first saw it.
const FUTURE_SLACK_MS: i64 = 10 * 60 * 1000;

/// Reads a response body of at most `max` bytes, in chunks so that a missing or wrong
/// Content-Length cannot make us read more. `what` names the body in errors.
pub async fn read_bounded(
    response: &mut reqwest::Response,
    max: usize,
    what: &str,
    url: &Url,
) -> anyhow::Result<Vec<u8>> {
    let limit = match max {
        m if m % (1024 * 1024) == 0 => format!("{} MiB", m / (1024 * 1024)),
        m if m % 1024 == 0 => format!("{} KiB", m / 1024),
        m => format!("{m} bytes"),
    };
    let too_large = || anyhow::anyhow!("{what} {url} is larger than {limit}");
    if response
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|length| length > max as u64)
    {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .with_context(|| format!("reading {what} at {url}"))?
    {
        if body.len() + chunk.len() > max {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Fetches the village's feed (conditional GET) and stores its new or changed items.
#[tracing::instrument(skip_all, fields(village = village.id, new_posts))]
pub async fn poll(
    state: &AppState,
    client: &reqwest::Client,
    village: &VillageRecord,
) -> anyhow::Result<FeedPoll> {
    let raw_url = village
        .feed_url
        .as_deref()
        .with_context(|| format!("village {} has no feed URL", village.id))?;
    let url = Url::parse(raw_url.trim())
        .with_context(|| format!("the feed URL {raw_url:?} is not a valid URL"))?;
    if let Err(reason) = check_remote_url(&url, &state.config) {
        anyhow::bail!("the feed URL is refused: {reason}");
    }

    let mut request = client.get(url.clone()).header(
        ACCEPT,
        "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.1",
    );
    // A validator that is not a valid header value (hand-edited, or stored by an older
    // version) is dropped: an unconditional GET is better than no GET.
    if let Some(etag) = village
        .feed_etag
        .as_deref()
        .and_then(|v| HeaderValue::from_str(v).ok())
    {
        request = request.header(IF_NONE_MATCH, etag);
    }
    if let Some(since) = village
        .feed_last_modified
        .as_deref()
        .and_then(|v| HeaderValue::from_str(v).ok())
    {
        request = request.header(IF_MODIFIED_SINCE, since);
    }
    let mut response = request
        .send()
        .await
        .with_context(|| format!("fetching the feed {url}"))?;

    let status = response.status();
    let etag = validator(response.headers(), ETAG);
    let last_modified = validator(response.headers(), LAST_MODIFIED);
    if status == StatusCode::NOT_MODIFIED {
        tracing::Span::current().record("new_posts", 0);
        return Ok(FeedPoll {
            new_posts: 0,
            etag: etag.or_else(|| village.feed_etag.clone()),
            last_modified: last_modified.or_else(|| village.feed_last_modified.clone()),
        });
    }
    refuse_status(status, response.headers(), &url)?;

    let body = read_bounded(&mut response, MAX_FEED_BYTES, "the feed", &url).await?;

    let feed = parse_in_background(body, url.clone()).await?;
    let now = now_ms();
    let mut new_posts = 0;
    let mut skipped = 0;
    for entry in feed.entries.iter().take(MAX_ITEMS) {
        let Some(item) = item_from_entry(entry, &url, village.id, now) else {
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
    Ok(FeedPoll {
        new_posts,
        etag,
        last_modified,
    })
}

/// An `ETag` or `Last-Modified` worth sending back next time.
fn validator(headers: &HeaderMap, name: reqwest::header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty() && v.len() <= MAX_VALIDATOR_CHARS)
        .map(str::to_string)
}

/// Turns an answer that is not a feed into a one-line reason for the village's errors.
fn refuse_status(status: StatusCode, headers: &HeaderMap, url: &Url) -> anyhow::Result<()> {
    if status.is_success() {
        return Ok(());
    }
    let header = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
            .map(|v| v.chars().take(200).collect::<String>())
    };
    if status == StatusCode::TOO_MANY_REQUESTS {
        match header(RETRY_AFTER) {
            Some(after) => {
                anyhow::bail!(
                    "the feed {url} answered 429 Too Many Requests (Retry-After: {after})"
                )
            }
            None => anyhow::bail!("the feed {url} answered 429 Too Many Requests"),
        }
    }
    if status.is_redirection() {
        // Redirects are not followed (each hop would need the address check again); the
        // operator updates the registered URL instead.
        match header(LOCATION) {
            Some(to) => {
                anyhow::bail!("the feed {url} moved ({status}) to {to}; register the new URL")
            }
            None => anyhow::bail!("the feed {url} answered {status} without a Location"),
        }
    }
    anyhow::bail!("the feed {url} answered {status}")
}

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
            title: truncate(&title, MAX_TITLE_CHARS),
            summary: truncate(&summary_text, MAX_SUMMARY_CHARS),
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
        let escaped = body
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        sanitize(&format!("<p>{}</p>", escaped.trim()))
    } else {
        sanitize(&body)
    }
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
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
