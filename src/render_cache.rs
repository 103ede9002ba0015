//! The render cache: the public pages people and link-preview bots fetch most (the home
//! page, post pages, the feeds, and the ActivityPub JSON of posts and of the account) are
//! kept as rendered bytes and served again, with an `ETag` that needs no rendering and no
//! hashing, while nothing they show has changed. A link shared in a WhatsApp group, or a
//! post boosted across the fediverse, brings hundreds of fetches of one address within
//! seconds; each then costs one small read instead of a dozen reads and a template.
//!
//! What "nothing has changed" means, and why it is right:
//!
//! - **Every write to what these pages read raises one number in the database**
//!   (`content_version`, migration 0025), by triggers, in the writing transaction. So a
//!   post written by `kentongan post` in another process, by a second `serve` on the same
//!   PostgreSQL, by an import or by the inbox is seen exactly as one written here: no
//!   write path can forget to invalidate. Each request gets the number (one row by
//!   primary key) from a read that started after it arrived, *before* rendering, and a
//!   copy is kept under that number: the render saw everything written before that read,
//!   so while the number stays the same the copy is what a new render would give. A
//!   write that lands during a render only makes the next request render again. Requests
//!   that arrive together share one read ([`VersionReads`]).
//! - **Time**: some pages change with no write at all (a pinned announcement's end, an
//!   event that is over, the date). A page says until when it stays right
//!   ([`FreshUntil`]); the site's pages say at most until the next midnight in the
//!   village's time zone. A page that says nothing is not kept.
//! - **Language** is the site's setting (`site_settings`), not asked by the browser
//!   (nothing reads `Accept-Language`): changing it is a write. So the answers vary only
//!   by `Accept` (HTML or ActivityPub JSON at one address), which is in the key and in
//!   `Vary`.
//! - **Per visitor**: a request carrying a cookie or credentials may be answered for that
//!   visitor alone (the follow page remembers the visitor's server; an admin is signed
//!   in): it neither reads nor fills the cache. An answer that sets a cookie or varies by
//!   anything but `Accept` is never kept. Only `200` answers are kept; a request with a
//!   query string (`?before=`, an old WordPress `?p=`) renders as before.
//!
//! Memory: per site (a hosting node serves many from one process, each with its own
//! database and so its own number) at most [`SITE_ENTRIES`] copies and [`SITE_BYTES`],
//! and for the whole process [`PROCESS_BYTES`]; the least recently served copy goes
//! first, and a copy of an older number is dropped as soon as a newer one is kept. A
//! site's cache dies with its state (an idle hosted site that is closed frees it).

use crate::{clock::now_ms, error::AppError, store::Store};
use axum::{
    body::{Body, Bytes},
    http::{
        HeaderMap, HeaderValue, StatusCode,
        header::{
            AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, COOKIE, ETAG, IF_NONE_MATCH, SET_COOKIE,
            VARY,
        },
    },
    response::{IntoResponse, Response},
};
use std::{
    collections::HashMap,
    hash::{Hash, Hasher},
    sync::{
        Mutex,
        atomic::{AtomicU64, AtomicUsize, Ordering},
    },
};

/// Copies one site keeps at most.
pub const SITE_ENTRIES: usize = 512;
/// Bytes of copies one site keeps at most: a home page is about 17 kB, a post page less,
/// so the pages a village's visitors read in a day fit.
pub const SITE_BYTES: usize = 4 << 20;
/// Bytes of copies every site of the process keeps together: eight full sites; a hosting
/// node's idle sites are closed (and their copies freed) before that matters.
pub const PROCESS_BYTES: usize = 32 << 20;
/// An answer larger than this is not kept (no page of ours is).
const MAX_ENTRY_BYTES: usize = 512 << 10;
/// What one copy costs beyond its body: key, headers, map slot.
const ENTRY_OVERHEAD: usize = 256;

/// Bytes held by every [`RenderCache`] of the process.
static HELD: AtomicUsize = AtomicUsize::new(0);

/// Put by a handler into the extensions of an answer that may be kept: the time (Unix
/// ms) until which it stays right if nothing is written. An answer without one is never
/// kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FreshUntil(pub i64);

impl FreshUntil {
    /// For an answer no clock changes (the JSON of a Note or of an actor).
    pub const ALWAYS: Self = Self(i64::MAX);

    /// Marks `response` as keepable until `self`.
    pub fn mark(self, mut response: Response) -> Response {
        response.extensions_mut().insert(self);
        response
    }
}

/// One site's kept answers.
#[derive(Default)]
pub struct RenderCache {
    entries: Mutex<Entries>,
    versions: VersionReads,
    hits: AtomicU64,
    renders: AtomicU64,
}

/// Reads of the content version, one at a time, each shared by every request that
/// arrived before it started: sixteen requests at once cost one or two reads, not
/// sixteen. A request takes only a value read by a query that started after it arrived,
/// so it sees every write committed before it arrived, as a read of its own would.
#[derive(Default)]
struct VersionReads {
    /// Reads started so far; read number `n` is counted before its query is sent.
    started: AtomicU64,
    /// Held while a read runs.
    reading: tokio::sync::Mutex<()>,
    /// The last read that succeeded: its number and what it read.
    latest: Mutex<Option<(u64, Option<i64>)>>,
}

impl VersionReads {
    async fn read(&self, store: &Store) -> anyhow::Result<Option<i64>> {
        let arrival = self.started.load(Ordering::SeqCst);
        let _turn = self.reading.lock().await;
        let latest = *self
            .latest
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // A read numbered past `arrival` was counted, and so sent, after this request came.
        if let Some((number, version)) = latest
            && number > arrival
        {
            return Ok(version);
        }
        let number = self.started.fetch_add(1, Ordering::SeqCst) + 1;
        let version = store.content_version().await?;
        *self
            .latest
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some((number, version));
        Ok(version)
    }
}

#[derive(Default)]
struct Entries {
    map: HashMap<Key, Entry>,
    bytes: usize,
    /// The newest content version a copy was kept at: older copies are dead.
    newest: i64,
    /// A clock of uses, for least-recently-served eviction.
    tick: u64,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq)]
struct Key {
    path: String,
    /// The ActivityPub JSON of the address rather than its HTML.
    json: bool,
}

struct Entry {
    version: i64,
    fresh_until: i64,
    tag: HeaderValue,
    headers: HeaderMap,
    body: Bytes,
    used: u64,
    size: usize,
}

/// Hits and renders of one site's cache, for tests and for reading a benchmark.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CacheCounts {
    pub hits: u64,
    pub renders: u64,
}

impl RenderCache {
    pub fn counts(&self) -> CacheCounts {
        CacheCounts {
            hits: self.hits.load(Ordering::Relaxed),
            renders: self.renders.load(Ordering::Relaxed),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The copy of `key` made at `version` and still fresh at `now`: its tag, headers and body.
    fn get(&self, key: &Key, version: i64, now: i64) -> Option<(HeaderValue, HeaderMap, Bytes)> {
        let mut entries = self.lock();
        entries.tick += 1;
        let tick = entries.tick;
        let entry = entries.map.get_mut(key)?;
        if entry.version != version || now >= entry.fresh_until {
            return None;
        }
        entry.used = tick;
        Some((entry.tag.clone(), entry.headers.clone(), entry.body.clone()))
    }

    /// Keeps `entry` under `key`, making room by evicting the least recently served
    /// copies; does nothing when it cannot fit.
    fn insert(&self, key: Key, mut entry: Entry) {
        if entry.size > SITE_BYTES {
            // It could never fit: nothing is given up for it.
            return;
        }
        let mut entries = self.lock();
        if entry.version < entries.newest {
            // Rendered at a number already superseded: dead on arrival.
            return;
        }
        if entry.version > entries.newest {
            entries.newest = entry.version;
            let newest = entry.version;
            let before = entries.bytes;
            entries.map.retain(|_, kept| kept.version == newest);
            entries.bytes = entries.map.values().map(|kept| kept.size).sum();
            HELD.fetch_sub(before - entries.bytes, Ordering::Relaxed);
        }
        if let Some(old) = entries.map.remove(&key) {
            entries.bytes -= old.size;
            HELD.fetch_sub(old.size, Ordering::Relaxed);
        }
        let size = entry.size;
        let fits = |entries: &Entries| {
            entries.map.len() < SITE_ENTRIES
                && entries.bytes + size <= SITE_BYTES
                && HELD.load(Ordering::Relaxed) + size <= PROCESS_BYTES
        };
        while !fits(&entries) {
            let Some(oldest) = entries
                .map
                .iter()
                .min_by_key(|(_, kept)| kept.used)
                .map(|(key, _)| key.clone())
            else {
                // Nothing of ours left to give up: the other sites hold the process's share.
                return;
            };
            if let Some(gone) = entries.map.remove(&oldest) {
                entries.bytes -= gone.size;
                HELD.fetch_sub(gone.size, Ordering::Relaxed);
            }
        }
        entries.tick += 1;
        entry.used = entries.tick;
        entries.bytes += size;
        HELD.fetch_add(size, Ordering::Relaxed);
        entries.map.insert(key, entry);
    }
}

impl Drop for RenderCache {
    fn drop(&mut self) {
        HELD.fetch_sub(self.lock().bytes, Ordering::Relaxed);
    }
}

/// Whether a request may be answered from, and fill, the cache: no cookie and no
/// credentials (an answer for one visitor), no query string.
fn shared_request(headers: &HeaderMap, query: Option<&str>) -> bool {
    query.is_none_or(str::is_empty)
        && !headers.contains_key(COOKIE)
        && !headers.contains_key(AUTHORIZATION)
}

/// Whether an answer may be kept and given to anyone: a `200` that says until when it is
/// right, sets no cookie and varies by nothing but `Accept`.
fn shared_answer(response: &Response) -> Option<FreshUntil> {
    if response.status() != StatusCode::OK || response.headers().contains_key(SET_COOKIE) {
        return None;
    }
    let varies_otherwise = response
        .headers()
        .get_all(VARY)
        .iter()
        .flat_map(|value| value.to_str().unwrap_or("*").split(','))
        .any(|name| !name.trim().eq_ignore_ascii_case("accept"));
    if varies_otherwise {
        return None;
    }
    response.extensions().get::<FreshUntil>().copied()
}

/// The weak tag of the copy of `key` made at `version`, right until `fresh_until`: the
/// same in every process that serves the site, since they read the same number, so a
/// previewer behind a load balancer still gets its `304`.
fn tag_of(key: &Key, version: i64, fresh_until: i64) -> HeaderValue {
    let mut hasher = std::hash::DefaultHasher::new();
    (key, version, fresh_until).hash(&mut hasher);
    HeaderValue::from_str(&format!("W/\"v{version:x}-{:016x}\"", hasher.finish()))
        .unwrap_or_else(|_| HeaderValue::from_static("W/\"\""))
}

/// The answer of a kept copy: `304` when the asker holds it already.
fn answer(
    tag: HeaderValue,
    headers: HeaderMap,
    body: Bytes,
    if_none_match: Option<&HeaderValue>,
) -> Response {
    let fresh = matches(if_none_match, tag.to_str().unwrap_or_default());
    let mut response = if fresh {
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        // A 304 carries the headers a 200 would have had for caches, not the body's.
        for (name, value) in &headers {
            if name != CONTENT_TYPE && name != CONTENT_LENGTH {
                response.headers_mut().append(name.clone(), value.clone());
            }
        }
        response
    } else {
        let mut response = Response::new(Body::from(body));
        *response.headers_mut() = headers;
        response
    };
    response.headers_mut().insert(ETAG, tag);
    response
}

/// Answers a GET of `path` from the site's cache, or renders it with `render` and keeps
/// the answer when it may be shared (see the module's notes).
pub async fn serve<F, Fut>(
    cache: &RenderCache,
    // The site's database, where its content version is read.
    store: &Store,
    headers: &HeaderMap,
    path: &str,
    query: Option<&str>,
    // Whether ActivityPub JSON is asked for (`web::negotiate::wants_activity_json`): the
    // web decides, so this room needs nothing of it.
    json: bool,
    render: F,
) -> Result<Response, AppError>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<Response, AppError>>,
{
    if !shared_request(headers, query) {
        return render().await;
    }
    let Some(version) = cache.versions.read(store).await? else {
        return render().await;
    };
    let key = Key {
        path: path.to_string(),
        json,
    };
    let if_none_match = headers.get(IF_NONE_MATCH);
    if let Some((tag, kept_headers, body)) = cache.get(&key, version, now_ms()) {
        cache.hits.fetch_add(1, Ordering::Relaxed);
        return Ok(answer(tag, kept_headers, body, if_none_match));
    }
    cache.renders.fetch_add(1, Ordering::Relaxed);
    let response = render().await?;
    let Some(FreshUntil(fresh_until)) = shared_answer(&response) else {
        return Ok(response);
    };
    let small = axum::body::HttpBody::size_hint(response.body())
        .exact()
        .is_some_and(|length| length <= MAX_ENTRY_BYTES as u64);
    if !small {
        return Ok(response);
    }
    let (parts, body) = response.into_parts();
    // A body of known, small length (a rendered string) is read at once.
    let body = axum::body::to_bytes(body, MAX_ENTRY_BYTES)
        .await
        .map_err(|err| AppError::Unavailable(anyhow::anyhow!("reading a rendered page: {err}")))?;
    let tag = tag_of(&key, version, fresh_until);
    let mut kept_headers = parts.headers;
    kept_headers.remove(ETAG);
    let size = body.len() + key.path.len() + ENTRY_OVERHEAD;
    cache.insert(
        key,
        Entry {
            version,
            fresh_until,
            tag: tag.clone(),
            headers: kept_headers.clone(),
            body: body.clone(),
            used: 0,
            size,
        },
    );
    Ok(answer(tag, kept_headers, body, if_none_match))
}

/// Whether `If-None-Match` names `tag` (or is `*`), compared weakly as RFC 9110 asks.
pub fn matches(if_none_match: Option<&HeaderValue>, tag: &str) -> bool {
    let Some(value) = if_none_match.and_then(|value| value.to_str().ok()) else {
        return false;
    };
    let bare = |tag: &str| tag.trim().trim_start_matches("W/").to_string();
    let ours = bare(tag);
    value
        .split(',')
        .any(|candidate| candidate.trim() == "*" || bare(candidate) == ours)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(status: StatusCode, headers: &[(&'static str, &'static str)], fresh: bool) -> Response {
        let mut response = (status, "<p>Kabar desa</p>").into_response();
        for (name, value) in headers {
            response
                .headers_mut()
                .append(*name, HeaderValue::from_static(value));
        }
        if fresh {
            FreshUntil(1_000).mark(response)
        } else {
            response
        }
    }

    #[test]
    fn only_shared_answers_that_say_until_when_are_kept() {
        let ok = StatusCode::OK;
        assert_eq!(
            shared_answer(&page(ok, &[("vary", "Accept")], true)),
            Some(FreshUntil(1_000))
        );
        assert_eq!(shared_answer(&page(ok, &[], false)), None, "no FreshUntil");
        assert_eq!(shared_answer(&page(StatusCode::GONE, &[], true)), None);
        assert_eq!(
            shared_answer(&page(ok, &[("set-cookie", "a=b")], true)),
            None,
            "sets a cookie"
        );
        assert_eq!(
            shared_answer(&page(ok, &[("vary", "Accept, Cookie")], true)),
            None,
            "varies by the visitor"
        );
        assert_eq!(shared_answer(&page(ok, &[("vary", "*")], true)), None);
    }

    #[test]
    fn requests_with_cookies_credentials_or_queries_are_not_shared() {
        let mut headers = HeaderMap::new();
        assert!(shared_request(&headers, None));
        assert!(shared_request(&headers, Some("")));
        assert!(!shared_request(&headers, Some("before=1.2")));
        headers.insert(COOKIE, HeaderValue::from_static("ikuti_server=x"));
        assert!(!shared_request(&headers, None));
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, HeaderValue::from_static("Bearer t"));
        assert!(!shared_request(&headers, None));
    }

    fn entry(version: i64, size: usize) -> Entry {
        Entry {
            version,
            fresh_until: i64::MAX,
            tag: HeaderValue::from_static("W/\"x\""),
            headers: HeaderMap::new(),
            body: Bytes::from(vec![b'x'; size]),
            used: 0,
            size,
        }
    }

    fn key(path: &str) -> Key {
        Key {
            path: path.into(),
            json: false,
        }
    }

    #[test]
    fn copies_live_while_the_version_and_the_time_allow() {
        let cache = RenderCache::default();
        cache.insert(
            key("/"),
            Entry {
                fresh_until: 500,
                ..entry(3, 100)
            },
        );
        assert!(cache.get(&key("/"), 3, 499).is_some());
        assert!(cache.get(&key("/"), 3, 500).is_none(), "past its time");
        assert!(cache.get(&key("/"), 4, 10).is_none(), "another version");
        assert!(cache.get(&key("/p/1"), 3, 10).is_none());
        // A newer version drops the older copies; an older one is not kept.
        cache.insert(key("/p/1"), entry(4, 100));
        assert_eq!(cache.lock().map.len(), 1);
        cache.insert(key("/"), entry(3, 100));
        assert!(cache.get(&key("/"), 3, 10).is_none());
        assert_eq!(cache.lock().bytes, 100);
    }

    #[test]
    fn a_site_keeps_within_its_bounds_dropping_the_least_recently_served() {
        let cache = RenderCache::default();
        let size = SITE_BYTES / 4;
        for n in 0..4 {
            cache.insert(key(&format!("/p/{n}")), entry(1, size));
        }
        // /p/0 served again: /p/1 is now the least recently served.
        assert!(cache.get(&key("/p/0"), 1, 0).is_some());
        cache.insert(key("/p/4"), entry(1, size));
        assert!(cache.get(&key("/p/1"), 1, 0).is_none());
        assert!(cache.get(&key("/p/0"), 1, 0).is_some());
        assert!(cache.lock().bytes <= SITE_BYTES);
        // Too large for a site at all: not kept, and nothing is lost for it.
        cache.insert(key("/huge"), entry(1, SITE_BYTES + 1));
        assert!(cache.get(&key("/huge"), 1, 0).is_none());
        assert!(cache.get(&key("/p/4"), 1, 0).is_some());
    }
}
