//! Plain documents the portal reads over HTTP, other than ActivityPub objects: a
//! village's RSS or Atom feed (one polite conditional GET with the validators of the
//! last answer) and its published aspiration figures (JSON). Bounded reads, the address
//! rule of every outgoing request, one-line reasons for answers that are not the
//! document. What the documents mean, and keeping them, is the portal's
//! (`portal::feed_polling`, `portal::figures`); this module neither sleeps nor retries.

use super::check_remote_url;
use crate::{
    portal::{
        feed_polling::{self, FeedPoll},
        figures,
    },
    state::AppState,
    store::VillageRecord,
};
use anyhow::Context;
use reqwest::{
    StatusCode,
    header::{
        ACCEPT, CONTENT_LENGTH, ETAG, HeaderMap, HeaderValue, IF_MODIFIED_SINCE, IF_NONE_MATCH,
        LAST_MODIFIED, LOCATION, RETRY_AFTER,
    },
};
use url::Url;

/// Validators longer than this are not something a real site sends.
const MAX_VALIDATOR_CHARS: usize = 500;
/// The figures are a few hundred bytes; anything much larger is not them.
const MAX_FIGURES_BYTES: usize = 16 * 1024;

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

/// Fetches the village's feed (conditional GET) and has the portal keep its new or
/// changed items.
#[tracing::instrument(skip_all, fields(village = village.id))]
pub async fn poll_feed(
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
        return Ok(FeedPoll {
            new_posts: 0,
            etag: etag.or_else(|| village.feed_etag.clone()),
            last_modified: last_modified.or_else(|| village.feed_last_modified.clone()),
        });
    }
    refuse_status(status, response.headers(), &url)?;

    let body = read_bounded(
        &mut response,
        feed_polling::MAX_FEED_BYTES,
        "the feed",
        &url,
    )
    .await?;

    let new_posts = feed_polling::keep_items(state, village, &url, body).await?;
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

/// Reads and has the portal keep the village's aspiration figures; logs, and keeps the
/// previous ones, when they cannot be read. A 404 or 410 means the village publishes
/// none: they are forgotten.
#[tracing::instrument(skip_all, fields(village = %village.name))]
pub async fn refresh_figures(state: &AppState, client: &reqwest::Client, village: &VillageRecord) {
    if let Err(err) = try_refresh_figures(state, client, village).await {
        tracing::info!(error = %format!("{err:#}"), "aspiration figures not read");
    }
}

async fn try_refresh_figures(
    state: &AppState,
    client: &reqwest::Client,
    village: &VillageRecord,
) -> anyhow::Result<()> {
    let url = figures::url_of(state, village).await?;
    if let Err(reason) = check_remote_url(&url, &state.config) {
        anyhow::bail!("the figures URL is refused: {reason}");
    }
    let mut response = client
        .get(url.clone())
        .header(ACCEPT, "application/json")
        .send()
        .await
        .with_context(|| format!("fetching {url}"))?;
    match response.status() {
        StatusCode::NOT_FOUND | StatusCode::GONE => return figures::forget(state, village).await,
        status if !status.is_success() => anyhow::bail!("{url} answered {status}"),
        _ => {}
    }
    let body = read_bounded(&mut response, MAX_FIGURES_BYTES, "the figures", &url).await?;
    figures::keep(state, village, &url, &body).await
}
