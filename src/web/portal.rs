//! The portal's timeline of village posts: the data of its front page (rendered by
//! `site::home_route` with `timeline.html`), `GET /api/timeline` in JSON, and the operator's
//! curation (`POST /api/v1/timeline/{id}/feature|unfeature|hide|unhide`). Both views
//! take the same filters, parsed once here into a `TimelineFilter`; a bad value is a 400
//! with one line, never a 500. Hidden posts are left out by the store. Only a node with
//! role `portal` answers; a village node has no timeline. No SQL here.

use crate::strings;
use crate::{
    actors::publishing_actors,
    clock::{to_datetime, to_rfc3339},
    config::Role,
    error::AppError,
    portal::curation::{self, CurationError},
    publishing::markdown::{plain_text, web_link},
    state::AppState,
    store::{MonitoringFilter, TimelineFilter, VillagePostRecord, VillageRecord},
};
use axum::{
    Json, Router,
    extract::{Path, RawQuery, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use chrono::NaiveDate;
use minijinja::{Value, context};
use serde_json::json;
use std::collections::{BTreeSet, HashMap};

/// Posts per page of the front page; the API's default.
const PAGE_SIZE: i64 = 20;
const MAX_LIMIT: i64 = 100;
/// How many featured posts the front page's "Sorotan" block shows at most.
const FEATURED_BLOCK: i64 = 6;
const EXCERPT_CHARS: usize = 200;
const MAX_DISTRICT_CHARS: usize = 200;
const MAX_TAG_CHARS: usize = 100;
const MAX_VILLAGE_SEARCH_CHARS: usize = 100;
/// Villages offered at most for one district (Indonesia's largest have a few hundred),
/// and matches listed at most for a village search.
const DISTRICT_VILLAGES: i64 = 500;
const SEARCH_MATCHES: i64 = 20;
/// Dates in filters are whole days in Asia/Jakarta (WIB, UTC+7, no daylight saving),
/// the time of the villages the first portals serve.
const WIB_OFFSET_MS: i64 = 7 * 3600 * 1000;
const DAY_MS: i64 = 24 * 3600 * 1000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/timeline", get(api_timeline))
        .route("/api/v1/timeline/{id}/feature", post(feature))
        .route("/api/v1/timeline/{id}/unfeature", post(unfeature))
        .route("/api/v1/timeline/{id}/hide", post(hide))
        .route("/api/v1/timeline/{id}/unhide", post(unhide))
}

/// The parameters of a query string, trimmed. Empty values count as absent, since a
/// plain HTML form sends every field; the last of a repeated one wins.
pub(super) fn query_values(raw: Option<&str>) -> HashMap<String, String> {
    let mut values: HashMap<String, String> = HashMap::new();
    for (key, value) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        let value = value.trim();
        if value.is_empty() {
            values.remove(key.as_ref());
        } else {
            values.insert(key.into_owned(), value.to_string());
        }
    }
    values
}

/// The filters and position of one timeline request, as given (for the form and the
/// next link) and as the store wants them.
#[derive(Debug)]
struct TimelineQuery {
    village: Option<i64>,
    /// The front page's village search (name or code), resolved to `village` when it
    /// names one village.
    village_search: Option<String>,
    district: Option<String>,
    tag: Option<String>,
    since: Option<NaiveDate>,
    until: Option<NaiveDate>,
    featured_only: bool,
    cursor: Option<(i64, i64)>,
    limit: i64,
}

impl TimelineQuery {
    /// Reads the query string. Empty values count as absent, since a plain HTML form
    /// sends every field; unknown parameters are ignored; the last of a repeated one wins.
    fn parse(raw: Option<&str>) -> Result<Self, AppError> {
        let values = query_values(raw);
        let village = values
            .get("village")
            .map(|v| match v.parse::<i64>() {
                Ok(id) if id > 0 => Ok(id),
                _ => Err(bad("village must be a village number, such as 3")),
            })
            .transpose()?;
        let district = values
            .get("district")
            .map(|d| {
                if d.chars().count() > MAX_DISTRICT_CHARS || d.chars().any(char::is_control) {
                    Err(bad(&format!(
                        "district must be a name of at most {MAX_DISTRICT_CHARS} characters"
                    )))
                } else {
                    Ok(d.clone())
                }
            })
            .transpose()?;
        let village_search = values
            .get("village_q")
            .map(|q| {
                if q.chars().count() > MAX_VILLAGE_SEARCH_CHARS || q.chars().any(char::is_control) {
                    Err(bad(&format!(
                        "village_q must be a name or code of at most {MAX_VILLAGE_SEARCH_CHARS} characters"
                    )))
                } else {
                    Ok(q.clone())
                }
            })
            .transpose()?;
        let tag = values
            .get("tag")
            .map(|t| {
                // People type the hashtag as they see it; the store keeps it without `#`.
                let t = t.trim_start_matches('#').trim();
                if t.is_empty()
                    || t.chars().count() > MAX_TAG_CHARS
                    || t.chars().any(char::is_control)
                {
                    Err(bad(&format!(
                        "tag must be a category or hashtag of 1 to {MAX_TAG_CHARS} characters"
                    )))
                } else {
                    Ok(t.to_string())
                }
            })
            .transpose()?;
        let since = values
            .get("since")
            .map(|d| parse_date("since", d))
            .transpose()?;
        let until = values
            .get("until")
            .map(|d| parse_date("until", d))
            .transpose()?;
        if let (Some(since), Some(until)) = (since, until)
            && since > until
        {
            return Err(bad("since (date from) is after until (date to)"));
        }
        let featured_only = match values.get("featured").map(String::as_str) {
            None | Some("false") | Some("0") => false,
            Some("true") | Some("1") => true,
            Some(_) => return Err(bad("featured must be true or false")),
        };
        // `before` is the front page's name for the cursor, `cursor` the API's.
        let cursor = values
            .get("cursor")
            .or_else(|| values.get("before"))
            .map(|c| parse_cursor(c))
            .transpose()?;
        let limit = match values.get("limit") {
            None => PAGE_SIZE,
            Some(l) => match l.parse::<i64>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
                _ => {
                    return Err(bad(&format!(
                        "limit must be a whole number from 1 to {MAX_LIMIT}"
                    )));
                }
            },
        };
        Ok(Self {
            village,
            village_search,
            district,
            tag,
            since,
            until,
            featured_only,
            cursor,
            limit,
        })
    }

    fn filter(&self) -> TimelineFilter {
        TimelineFilter {
            village_id: self.village,
            district: self.district.clone(),
            tag: self.tag.clone(),
            since: self.since.map(day_start_ms),
            // `until` names the last day shown, so the bound is the next day's start.
            until: self.until.map(|d| day_start_ms(d) + DAY_MS),
            include_hidden: false,
            featured_only: self.featured_only,
        }
    }

    fn is_filtered(&self) -> bool {
        self.village.is_some()
            || self.village_search.is_some()
            || self.district.is_some()
            || self.tag.is_some()
            || self.since.is_some()
            || self.until.is_some()
            || self.featured_only
    }

    /// The query string of the same filters, for links; `before` positions a page.
    fn query_string(&self, before: Option<&str>) -> String {
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        if let Some(v) = self.village {
            out.append_pair("village", &v.to_string());
        }
        if let Some(q) = &self.village_search {
            out.append_pair("village_q", q);
        }
        if let Some(d) = &self.district {
            out.append_pair("district", d);
        }
        if let Some(t) = &self.tag {
            out.append_pair("tag", t);
        }
        if let Some(d) = self.since {
            out.append_pair("since", &d.to_string());
        }
        if let Some(d) = self.until {
            out.append_pair("until", &d.to_string());
        }
        if self.featured_only {
            out.append_pair("featured", "true");
        }
        if let Some(b) = before {
            out.append_pair("before", b);
        }
        out.finish()
    }
}

fn bad(reason: &str) -> AppError {
    AppError::BadRequest(reason.to_string())
}

fn parse_date(name: &str, value: &str) -> Result<NaiveDate, AppError> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .ok()
        // Years outside this range are typing mistakes, and keep the milliseconds far
        // from overflow.
        .filter(|d| (1970..=9999).contains(&chrono::Datelike::year(d)))
        .ok_or_else(|| {
            bad(&format!(
                "{name} must be a date as YYYY-MM-DD, such as 2025-08-17"
            ))
        })
}

/// Midnight at the start of `date` in WIB, in Unix milliseconds.
fn day_start_ms(date: NaiveDate) -> i64 {
    date.and_time(chrono::NaiveTime::MIN)
        .and_utc()
        .timestamp_millis()
        - WIB_OFFSET_MS
}

fn parse_cursor(value: &str) -> Result<(i64, i64), AppError> {
    let wrong = || bad("cursor must look like 1700000000000.42 (the next_cursor of a page)");
    let (at, id) = value.split_once('.').ok_or_else(wrong)?;
    Ok((
        at.parse().map_err(|_| wrong())?,
        id.parse().map_err(|_| wrong())?,
    ))
}

fn cursor_of(post: &VillagePostRecord) -> String {
    format!("{}.{}", post.published_at, post.id)
}

fn portal_only(state: &AppState) -> Result<(), AppError> {
    if state.config.role == Role::Portal {
        Ok(())
    } else {
        Err(AppError::NotFound(
            "this node is a village, not a portal: it has no timeline".into(),
        ))
    }
}

/// A page of posts; `next` is the cursor of the following page, if there is one.
struct Page {
    posts: Vec<VillagePostRecord>,
    next: Option<String>,
}

async fn read_page(
    state: &AppState,
    filter: &TimelineFilter,
    cursor: Option<(i64, i64)>,
    limit: i64,
) -> Result<Page, AppError> {
    // One row more than shown tells whether an older page exists, so the last page has
    // no "older" link leading to an empty page.
    let mut posts = state.store.timeline_page(filter, cursor, limit + 1).await?;
    let more = posts.len() as i64 > limit;
    posts.truncate(usize::try_from(limit).unwrap_or(0));
    let next = if more {
        posts.last().map(cursor_of)
    } else {
        None
    };
    Ok(Page { posts, next })
}

/// The hashtags of `posts`, by post id, read in one query.
async fn tags_of(
    state: &AppState,
    posts: &[&VillagePostRecord],
) -> Result<HashMap<i64, Vec<String>>, AppError> {
    let ids: Vec<i64> = posts
        .iter()
        .map(|p| p.id)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut tags: HashMap<i64, Vec<String>> = HashMap::new();
    for (id, tag) in state.store.village_post_tags(&ids).await? {
        tags.entry(id).or_default().push(tag);
    }
    Ok(tags)
}

/// Refuses a village number that names no village, rather than showing an empty
/// timeline that looks like a quiet village.
async fn check_village(state: &AppState, query: &TimelineQuery) -> Result<(), AppError> {
    if let Some(id) = query.village
        && state.store.village_by_id(id).await?.is_none()
    {
        return Err(bad(&format!("there is no village number {id}")));
    }
    Ok(())
}

fn date_label(ms: i64) -> String {
    to_datetime(ms.saturating_add(WIB_OFFSET_MS))
        .format("%d-%m-%Y %H:%M WIB")
        .to_string()
}

/// The summary, or the start of the text cut at a word, unless it only repeats the
/// title (a post without a title of its own takes its text as title).
fn excerpt(post: &VillagePostRecord) -> Option<String> {
    if !post.summary.trim().is_empty() {
        return Some(post.summary.trim().to_string());
    }
    let text = plain_text(&post.content_html);
    let title = post.title.trim();
    let repeats_title = text == title
        || title
            .strip_suffix('…')
            .is_some_and(|start| text.starts_with(start));
    if text.is_empty() || repeats_title {
        return None;
    }
    if text.chars().count() <= EXCERPT_CHARS {
        return Some(text);
    }
    let cut: String = text.chars().take(EXCERPT_CHARS).collect();
    let cut = match cut.rfind(char::is_whitespace) {
        Some(at) if at > EXCERPT_CHARS / 2 => &cut[..at],
        _ => cut.as_str(),
    };
    Some(format!("{}…", cut.trim_end()))
}

fn link_to(filter: &str, value: &str) -> String {
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    out.append_pair(filter, value);
    format!("/?{}", out.finish())
}

fn item_view(post: &VillagePostRecord, tags: &[String]) -> Value {
    let title = if post.title.trim().is_empty() {
        strings::UNTITLED.id.to_string()
    } else {
        post.title.clone()
    };
    let categories: Vec<Value> = tags
        .iter()
        .map(|name| context! { name => name, href => link_to("tag", name) })
        .collect();
    context! {
        id => post.id,
        url => web_link(&post.url).or_else(|| web_link(&post.ap_id)),
        image_url => post.image_url.as_deref().and_then(web_link),
        // The portal keeps no description of the image; the title says what it shows.
        image_alt => title,
        title => title,
        excerpt => excerpt(post),
        village_name => post.village_name,
        village_href => link_to("village", &post.village_id.to_string()),
        district => post.district,
        district_href => link_to("district", &post.district),
        published => to_rfc3339(post.published_at),
        published_label => date_label(post.published_at),
        from_feed => post.from_feed,
        featured => post.featured,
        categories => categories,
    }
}

fn village_options(villages: &[VillageRecord], selected: Option<i64>) -> Vec<Value> {
    villages
        .iter()
        .map(|village| {
            context! {
                id => village.id,
                name => village.name,
                code => village.code,
                district => village.district,
                selected => Some(village.id) == selected,
            }
        })
        .collect()
}

/// The form's village choice, bounded whatever the number of villages: with a district,
/// a list of that district's villages; with a search, the villages it matches (the
/// only one becomes the filter); otherwise just a search field.
struct VillageChoice {
    district_villages: Vec<Value>,
    matches: Vec<Value>,
    /// More villages match than are listed.
    more_matches: bool,
    searched: bool,
}

async fn village_choice(
    state: &AppState,
    query: &mut TimelineQuery,
) -> Result<VillageChoice, AppError> {
    let mut choice = VillageChoice {
        district_villages: Vec::new(),
        matches: Vec::new(),
        more_matches: false,
        searched: false,
    };
    if let Some(district) = &query.district {
        let filter = MonitoringFilter {
            district: Some(district.clone()),
            ..MonitoringFilter::default()
        };
        let villages = state
            .store
            .villages_matching(&filter, DISTRICT_VILLAGES)
            .await?;
        choice.district_villages = village_options(&villages, query.village);
    }
    if query.village.is_none()
        && let Some(search) = query.village_search.clone()
    {
        let filter = MonitoringFilter {
            search: Some(search),
            district: query.district.clone(),
            ..MonitoringFilter::default()
        };
        let found = state
            .store
            .villages_matching(&filter, SEARCH_MATCHES + 1)
            .await?;
        choice.searched = true;
        if let [only] = found.as_slice() {
            query.village = Some(only.id);
        } else {
            choice.more_matches = found.len() as i64 > SEARCH_MATCHES;
            let shown = found.len().min(SEARCH_MATCHES as usize);
            choice.matches = village_options(&found[..shown], None);
        }
    }
    Ok(choice)
}

/// The front page of a portal: the site name and the context of `timeline.html`.
pub async fn home_view(
    state: &AppState,
    raw_query: Option<&str>,
) -> Result<(String, Value), AppError> {
    let mut query = TimelineQuery::parse(raw_query)?;
    check_village(state, &query).await?;
    let choice = village_choice(state, &mut query).await?;
    let village_name = match query.village {
        Some(id) => state.store.village_by_id(id).await?.map(|v| v.name),
        None => None,
    };
    let filter = query.filter();
    let page = read_page(state, &filter, query.cursor, PAGE_SIZE).await?;
    let featured = if query.cursor.is_none() {
        let only_featured = TimelineFilter {
            featured_only: true,
            ..filter.clone()
        };
        state
            .store
            .timeline_page(&only_featured, None, FEATURED_BLOCK)
            .await?
    } else {
        Vec::new()
    };
    let all: Vec<&VillagePostRecord> = page.posts.iter().chain(featured.iter()).collect();
    let tags = tags_of(state, &all).await?;
    let view = |p: &VillagePostRecord| item_view(p, tags.get(&p.id).map_or(&[], Vec::as_slice));
    let site_name = publishing_actors(&state.store)
        .await?
        .into_iter()
        .next()
        .map_or_else(|| "Kentongan".to_string(), |actor| actor.name);
    let next = page
        .next
        .as_deref()
        .map(|cursor| format!("/?{}", query.query_string(Some(cursor))));
    let context = context! {
        posts => page.posts.iter().map(view).collect::<Vec<_>>(),
        featured => featured.iter().map(view).collect::<Vec<_>>(),
        next => next,
        is_later_page => query.cursor.is_some(),
        filtered => query.is_filtered(),
        form => context! {
            village => query.village,
            village_name => village_name,
            village_q => query.village_search,
            district => query.district,
            district_villages => choice.district_villages,
            matches => choice.matches,
            searched => choice.searched,
            more_matches => choice.more_matches,
            tag => query.tag,
            since => query.since.map(|d| d.to_string()),
            until => query.until.map(|d| d.to_string()),
        },
    };
    Ok((site_name, context))
}

fn item_json(post: &VillagePostRecord, tags: &[String]) -> serde_json::Value {
    json!({
        "id": post.id,
        "url": post.url,
        "ap_id": post.ap_id,
        "title": post.title,
        "summary": post.summary,
        "content_html": post.content_html,
        "image_url": post.image_url,
        "village": { "id": post.village_id, "name": post.village_name, "district": post.district },
        "categories": tags,
        "published": to_rfc3339(post.published_at),
        "updated": post.updated_at.map(to_rfc3339),
        "from_feed": post.from_feed,
        "featured": post.featured,
    })
}

/// `GET /api/timeline`: the same timeline as JSON, for the regency's own website.
async fn api_timeline(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    portal_only(&state)?;
    let query = TimelineQuery::parse(raw.as_deref())?;
    check_village(&state, &query).await?;
    let page = read_page(&state, &query.filter(), query.cursor, query.limit).await?;
    let all: Vec<&VillagePostRecord> = page.posts.iter().collect();
    let tags = tags_of(&state, &all).await?;
    let items: Vec<serde_json::Value> = page
        .posts
        .iter()
        .map(|p| item_json(p, tags.get(&p.id).map_or(&[], Vec::as_slice)))
        .collect();
    Ok(Json(json!({ "items": items, "next_cursor": page.next })).into_response())
}

enum Curation {
    Feature(bool),
    Hide(bool),
}

/// Authorised first, so that no one without a token learns which posts exist.
async fn curate(
    state: &AppState,
    headers: &HeaderMap,
    key: &str,
    change: Curation,
) -> Result<Response, AppError> {
    portal_only(state)?;
    super::api::authorize(state, headers).await?;
    let done = match change {
        Curation::Feature(on) => curation::feature(&state.store, key, on).await,
        Curation::Hide(on) => curation::hide(&state.store, key, on).await,
    };
    match done {
        Ok(_) => Ok(StatusCode::NO_CONTENT.into_response()),
        Err(CurationError::UnknownPost(key)) => Err(AppError::NotFound(format!(
            "the portal has no village post {key}"
        ))),
        Err(CurationError::Store(err)) => Err(AppError::Unavailable(err)),
    }
}

/// `POST /api/v1/timeline/{id}/feature`
async fn feature(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    curate(&state, &headers, &id, Curation::Feature(true)).await
}

/// `POST /api/v1/timeline/{id}/unfeature`
async fn unfeature(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    curate(&state, &headers, &id, Curation::Feature(false)).await
}

/// `POST /api/v1/timeline/{id}/hide`
async fn hide(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    curate(&state, &headers, &id, Curation::Hide(true)).await
}

/// `POST /api/v1/timeline/{id}/unhide`
async fn unhide(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    curate(&state, &headers, &id, Curation::Hide(false)).await
}
