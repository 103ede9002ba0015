//! The monitoring dashboard of a portal: `GET /monitoring` (HTML, 50 villages a page,
//! filtered by area code, district, status and a search), `/monitoring.csv` and
//! `/monitoring.json` (every village the filters keep, streamed in batches) and
//! `/monitoring/chart.svg` (the villages of one page). A national portal follows
//! tens of thousands of villages, so no answer holds them all at once. Public: they hold nothing about persons, only how
//! active each village's site is and the counts and times of its aspirations. The texts of
//! fetch and delivery errors are for signed-in staff only (they can name hosting
//! details); the public sees that there were errors and when. No SQL and no status rules
//! here.

use crate::store::{FollowState, ListingPlace, MonitoringFilter};
use crate::strings::{self, Text};
use crate::{
    actors::publishing_actors,
    clock::{now_ms, to_datetime, to_rfc3339},
    error::AppError,
    portal::monitoring::{self, ActivityStatus, VillageStatus},
    state::AppState,
};
use axum::{
    Router,
    body::Body,
    extract::{RawQuery, State},
    http::{HeaderMap, HeaderValue, header},
    response::{IntoResponse, Response},
    routing::get,
};
use bytes::Bytes;
use futures::{StreamExt, stream};
use minijinja::{Value, context};
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/monitoring", get(page))
        .route("/monitoring.csv", get(csv))
        .route("/monitoring.json", get(json))
        .route("/monitoring/chart.svg", get(chart))
        .layer(axum::middleware::map_response(not_shared))
}

/// Villages are in Indonesia; dates on the page are WIB (UTC+7, no daylight saving).
const WIB_OFFSET_MS: i64 = 7 * 3600 * 1000;
/// An error message longer than this is cut on the page (the JSON has it whole).
const ERROR_CHARS: usize = 300;

fn day_label(ms: i64) -> String {
    to_datetime(ms + WIB_OFFSET_MS)
        .format("%d-%m-%Y")
        .to_string()
}

fn time_label(ms: i64) -> String {
    to_datetime(ms + WIB_OFFSET_MS)
        .format("%d-%m-%Y %H:%M WIB")
        .to_string()
}

fn follow_state_text(state: FollowState) -> Text {
    match state {
        FollowState::Pending => strings::MON_FOLLOW_PENDING,
        FollowState::Accepted => strings::MON_FOLLOW_ACCEPTED,
        FollowState::Rejected => strings::MON_FOLLOW_REJECTED,
        FollowState::Unreachable => strings::MON_FOLLOW_UNREACHABLE,
        FollowState::Feed => strings::MON_FOLLOW_FEED,
    }
}

fn village_view(v: &VillageStatus, weekly_max: i64) -> Value {
    let follow = follow_state_text(v.follow_state);
    let errors: Vec<Value> = v
        .recent_errors
        .iter()
        .map(|(at, message)| {
            context! {
                at => to_rfc3339(*at),
                at_label => time_label(*at),
                message => crate::text::cut(message, ERROR_CHARS),
            }
        })
        .collect();
    context! {
        name => v.village.name,
        district => v.village.district,
        code => v.village.code,
        source => v.source(),
        status_key => v.status.key(),
        status_id => v.status.label_id(),
        status_en => v.status.label_en(),
        last_post => v.last_post_at.map(to_rfc3339),
        last_post_label => v.last_post_at.map(day_label),
        posts_30d => v.posts_30d,
        posts_90d => v.posts_90d,
        follow_state_id => follow.id,
        follow_state_en => follow.en,
        last_contact => v.last_contact_at.map(to_rfc3339),
        last_contact_label => v.last_contact_at.map(time_label),
        errors => errors,
        // Built by the domain with every text escaped.
        sparkline => Value::from_safe_string(monitoring::sparkline_svg(&v.weekly, weekly_max)),
        tickets => v.tickets.as_ref().map(|t| context! {
            open => t.open_tickets,
            overdue => t.overdue_tickets,
            first_response_hours => t.median_first_response_secs.map(monitoring::hours),
            answer_hours => t.median_answer_secs.map(monitoring::hours),
            computed_at => to_rfc3339(t.computed_at),
            computed_at_label => time_label(t.computed_at),
        }),
    }
}

/// Staff and the public get different bodies at the same URLs (error texts): no shared
/// cache may keep one for the other.
async fn not_shared(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::VARY, HeaderValue::from_static("Cookie"));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    response
}

/// Villages on one page of `/monitoring` (and of its chart).
const PAGE_SIZE: i64 = 50;
/// Villages read and written per step of a streamed export.
const EXPORT_BATCH: i64 = 500;
const MAX_SEARCH_CHARS: usize = 100;
const MAX_DISTRICT_CHARS: usize = 200;
/// `PP.RR.DD.VVVV`, the longest code prefix worth filtering by.
const MAX_REGION_CHARS: usize = 13;

/// The filters and page of a monitoring request, as given (for the form and the links)
/// and as the domain wants them.
#[derive(Debug, Default)]
struct MonitoringQuery {
    region: Option<String>,
    district: Option<String>,
    status: Option<ActivityStatus>,
    search: Option<String>,
    page: i64,
}

fn bad(reason: &str) -> AppError {
    AppError::BadRequest(reason.to_string())
}

fn text_param(
    values: &HashMap<String, String>,
    name: &str,
    max: usize,
) -> Result<Option<String>, AppError> {
    values
        .get(name)
        .map(|value| {
            if value.chars().count() > max || value.chars().any(char::is_control) {
                Err(bad(&format!("{name} must be at most {max} characters")))
            } else {
                Ok(value.clone())
            }
        })
        .transpose()
}

impl MonitoringQuery {
    /// Reads the query string. Empty values count as absent (a plain HTML form sends
    /// every field); unknown parameters are ignored; the last of a repeated one wins.
    fn parse(raw: Option<&str>) -> Result<Self, AppError> {
        let values = super::portal::query_values(raw);
        let region = values
            .get("region")
            .map(|r| {
                if r.len() <= MAX_REGION_CHARS && r.chars().all(|c| c.is_ascii_digit() || c == '.')
                {
                    Ok(r.clone())
                } else {
                    Err(bad(
                        "region must be the start of a Kemendagri code, such as 33 or 33.01",
                    ))
                }
            })
            .transpose()?;
        let status = values
            .get("status")
            .map(|s| {
                ActivityStatus::from_key(s)
                    .ok_or_else(|| bad("status must be active, less_active or inactive"))
            })
            .transpose()?;
        let page = match values.get("page") {
            None => 1,
            Some(p) => match p.parse::<i64>() {
                Ok(n) if (1..=1_000_000).contains(&n) => n,
                _ => return Err(bad("page must be a whole number from 1")),
            },
        };
        Ok(Self {
            region,
            district: text_param(&values, "district", MAX_DISTRICT_CHARS)?,
            status,
            search: text_param(&values, "q", MAX_SEARCH_CHARS)?,
            page,
        })
    }

    fn filter(&self) -> MonitoringFilter {
        MonitoringFilter {
            code_prefix: self.region.clone(),
            district: self.district.clone(),
            status: self.status.map(ActivityStatus::key),
            search: self.search.clone(),
        }
    }

    fn is_filtered(&self) -> bool {
        self.filter() != MonitoringFilter::default()
    }

    /// The query string of the same filters, on page `page` (none: no page number).
    fn query_string(&self, page: Option<i64>) -> String {
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        let pairs = [
            ("region", self.region.as_deref()),
            ("district", self.district.as_deref()),
            ("status", self.status.map(ActivityStatus::key)),
            ("q", self.search.as_deref()),
        ];
        for (name, value) in pairs {
            if let Some(value) = value {
                out.append_pair(name, value);
            }
        }
        if let Some(page) = page {
            out.append_pair("page", &page.to_string());
        }
        out.finish()
    }
}

/// `path?query`, or `path` alone when the query is empty.
fn link(path: &str, query: &str) -> String {
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{query}")
    }
}

/// The page of villages this request asks for, as this reader may see it: error texts
/// only for signed-in staff.
async fn page_for(
    state: &AppState,
    headers: &HeaderMap,
    query: &MonitoringQuery,
    summary: &monitoring::Summary,
    now: i64,
) -> Result<(monitoring::VillagePage, bool), AppError> {
    let mut page = monitoring::page(
        &state.store,
        &state.config.portal,
        now,
        &query.filter(),
        Some(summary),
        query.page,
        PAGE_SIZE,
    )
    .await?;
    let staff = super::admin::is_signed_in(state, headers).await?;
    if !staff {
        monitoring::withhold_error_texts(&mut page.villages);
    }
    Ok((page, staff))
}

/// `GET /monitoring`: the summary line over every village, the filter form, then one
/// page of the villages the filters keep.
async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    let settings = &state.config.portal;
    let query = MonitoringQuery::parse(raw.as_deref())?;
    let now = now_ms();
    let summary = monitoring::summary(&state.store, settings, now).await?;
    let (page, staff) = page_for(&state, &headers, &query, &summary, now).await?;
    let weekly_max = monitoring::weekly_max(&page.villages);
    let rows: Vec<Value> = page
        .villages
        .iter()
        .map(|v| village_view(v, weekly_max))
        .collect();
    let pages = (page.matching + PAGE_SIZE - 1) / PAGE_SIZE;
    let first = (query.page - 1) * PAGE_SIZE;
    let to_page = |n: i64| link("/monitoring", &query.query_string(Some(n)));
    let site_name = publishing_actors(&state.store)
        .await?
        .into_iter()
        .next()
        .map_or_else(|| "Kentongan".to_string(), |actor| actor.name);
    let status_options: Vec<Value> = [
        ActivityStatus::Aktif,
        ActivityStatus::KurangAktif,
        ActivityStatus::TidakAktif,
    ]
    .into_iter()
    .map(|status| {
        context! {
            key => status.key(),
            label => status.label_id(),
            selected => query.status == Some(status),
        }
    })
    .collect();
    let exports_query = query.query_string(None);
    let page = context! {
        summary => context! {
            aktif => summary.aktif,
            kurang_aktif => summary.kurang_aktif,
            tidak_aktif => summary.tidak_aktif,
            total => summary.total,
            line_id => summary.line_id(),
            line_en => summary.line_en(),
        },
        rules => context! {
            active_min_posts => settings.active_min_posts,
            active_days => settings.active_days,
            less_active_days => settings.less_active_days,
        },
        form => context! {
            region => query.region,
            district => query.district,
            q => query.search,
            statuses => status_options,
        },
        filtered => query.is_filtered(),
        paging => context! {
            from => if rows.is_empty() { 0 } else { first + 1 },
            to => first + rows.len() as i64,
            matching => page.matching,
            page => query.page,
            pages => pages.max(1),
            previous => (query.page > 1).then(|| to_page((query.page - 1).min(pages.max(1)))),
            next => (query.page < pages).then(|| to_page(query.page + 1)),
        },
        exports => context! {
            csv => link("/monitoring.csv", &exports_query),
            json => link("/monitoring.json", &exports_query),
            chart => link("/monitoring/chart.svg", &query.query_string(Some(query.page))),
        },
        villages => rows,
        staff => staff,
    };
    super::render::render(
        axum::http::StatusCode::OK,
        "monitoring.html",
        context! { ..page, ..super::site::view::shared_base(&state, &site_name) },
    )
}

/// An export's body, written as it is read: `head`, then `write` over each batch of
/// [`EXPORT_BATCH`] villages, each read after the last one's place in the listing (so the
/// first bytes leave after one batch, not after every match is listed), then `tail`.
/// Memory stays at one batch however many villages match. A failure after the first bytes
/// cuts the body short (the status is sent already), and is logged.
fn export_body(
    state: AppState,
    filter: MonitoringFilter,
    staff: bool,
    now: i64,
    head: String,
    write: fn(&mut String, &[VillageStatus], bool),
    tail: &'static str,
) -> Body {
    // The state of the walk: where the next batch starts (`None` once the last batch was
    // read; `Some(None)` at the start) and how many batches were written.
    let start: (Option<Option<ListingPlace>>, usize) = (Some(None), 0);
    let rows = stream::try_unfold(start, move |(after, written)| {
        let state = state.clone();
        let filter = filter.clone();
        async move {
            let Some(after) = after else {
                return Ok(None);
            };
            let (mut villages, last) = monitoring::export_batch(
                &state.store,
                &state.config.portal,
                now,
                &filter,
                after.as_ref(),
                EXPORT_BATCH,
            )
            .await
            .map_err(|err| {
                tracing::error!(error = %format!("{err:#}"), "monitoring export");
                std::io::Error::other("monitoring export failed")
            })?;
            if villages.is_empty() {
                return Ok(None);
            }
            let next = (villages.len() as i64 == EXPORT_BATCH).then_some(last);
            if !staff {
                monitoring::withhold_error_texts(&mut villages);
            }
            let mut out = String::new();
            write(&mut out, &villages, written == 0);
            Ok::<_, std::io::Error>(Some((Bytes::from(out), (next, written + 1))))
        }
    });
    let body = stream::once(async move { Ok(Bytes::from(head)) })
        .chain(rows)
        .chain(stream::once(async move {
            Ok(Bytes::from_static(tail.as_bytes()))
        }));
    Body::from_stream(body)
}

/// The filters of an export of this request (every page of them) and whether the reader
/// is staff. A bad query is refused here, before the first byte.
async fn export_of(
    state: &AppState,
    headers: &HeaderMap,
    raw: Option<&str>,
) -> Result<(MonitoringFilter, bool), AppError> {
    let query = MonitoringQuery::parse(raw)?;
    let staff = super::admin::is_signed_in(state, headers).await?;
    Ok((query.filter(), staff))
}

/// `GET /monitoring.csv`: the villages the filters keep (all of them without filters),
/// as a spreadsheet file, streamed.
async fn csv(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    let now = now_ms();
    let (filter, staff) = export_of(&state, &headers, raw.as_deref()).await?;
    let filename = format!(
        "attachment; filename=\"pemantauan-desa-{}.csv\"",
        to_datetime(now + WIB_OFFSET_MS).format("%Y-%m-%d")
    );
    let disposition = HeaderValue::from_str(&filename)
        .map_err(|err| AppError::Unavailable(anyhow::Error::new(err)))?;
    let body = export_body(
        state,
        filter,
        staff,
        now,
        monitoring::csv_header(),
        |out, villages, _| monitoring::push_csv_rows(out, villages),
        "",
    );
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}

/// `GET /monitoring.json`: the summary over every village and the villages the filters
/// keep, English keys, streamed.
async fn json(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    let now = now_ms();
    let (filter, staff) = export_of(&state, &headers, raw.as_deref()).await?;
    let summary = monitoring::summary(&state.store, &state.config.portal, now).await?;
    // `{"summary":…,"villages":[…]}`, the keys in the order serde_json writes a whole
    // document (sorted), so that the bytes are those of the document built at once.
    let head = format!(
        "{{\"summary\":{},\"villages\":[",
        monitoring::summary_json(&summary)
    );
    let body = export_body(
        state,
        filter,
        staff,
        now,
        head,
        |out, villages, first_batch| {
            for (i, village) in villages.iter().enumerate() {
                if i > 0 || !first_batch {
                    out.push(',');
                }
                out.push_str(&monitoring::village_json(village).to_string());
            }
        },
        "]}",
    );
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response())
}

/// `GET /monitoring/chart.svg`: posts per week of the villages of one page of
/// `/monitoring` (the same filters and page number).
async fn chart(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    let query = MonitoringQuery::parse(raw.as_deref())?;
    let villages = monitoring::villages_of_page(
        &state.store,
        &state.config.portal,
        now_ms(),
        &query.filter(),
        query.page,
        PAGE_SIZE,
    )
    .await?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("image/svg+xml; charset=utf-8"),
            ),
            // Nothing in the chart should run; a browser opening it directly must not
            // treat it as anything but an image.
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"),
            ),
        ],
        monitoring::weekly_chart_svg(&villages),
    )
        .into_response())
}
