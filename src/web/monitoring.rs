//! The monitoring dashboard of a portal: `GET /monitoring` (HTML), `/monitoring.csv`,
//! `/monitoring.json` and `/monitoring/chart.svg`, all from one
//! [`portal::monitoring::report`]. Public: they hold nothing about persons, only how
//! active each village's site is and the counts and times of its aspirations. The texts of
//! fetch and delivery errors are for signed-in staff only (they can name hosting
//! details); the public sees that there were errors and when. No SQL and no status rules
//! here.

use crate::store::FollowState;
use crate::strings::{self, Text};
use crate::{
    actors::publishing_actors,
    clock::{now_ms, to_datetime, to_rfc3339},
    error::AppError,
    portal::monitoring::{self, VillageStatus},
    state::AppState,
};
use axum::{
    Json, Router,
    extract::State,
    http::{HeaderMap, HeaderValue, header},
    response::{IntoResponse, Response},
    routing::get,
};
use minijinja::{Value, context};

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

/// The report as this reader may see it: error texts only for signed-in staff.
async fn report_for(
    state: &AppState,
    headers: &HeaderMap,
    now: i64,
) -> Result<(monitoring::Summary, Vec<VillageStatus>, bool), AppError> {
    let (summary, mut villages) =
        monitoring::report(&state.store, &state.config.portal, now).await?;
    let staff = super::admin::is_signed_in(state, headers).await?;
    if !staff {
        monitoring::withhold_error_texts(&mut villages);
    }
    Ok((summary, villages, staff))
}

/// `GET /monitoring`: the summary line, then one row per village.
async fn page(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    let settings = &state.config.portal;
    let (summary, villages, staff) = report_for(&state, &headers, now_ms()).await?;
    let weekly_max = monitoring::weekly_max(&villages);
    let rows: Vec<Value> = villages
        .iter()
        .map(|v| village_view(v, weekly_max))
        .collect();
    let site_name = publishing_actors(&state.store)
        .await?
        .into_iter()
        .next()
        .map_or_else(|| "Kentongan".to_string(), |actor| actor.name);
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
        villages => rows,
        staff => staff,
    };
    super::render::render(
        axum::http::StatusCode::OK,
        "monitoring.html",
        context! { ..page, ..super::site::view::shared_base(&state, &site_name) },
    )
}

/// `GET /monitoring.csv`: the same rows as a spreadsheet file.
async fn csv(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    let now = now_ms();
    let (_, villages, _) = report_for(&state, &headers, now).await?;
    let filename = format!(
        "attachment; filename=\"pemantauan-desa-{}.csv\"",
        to_datetime(now + WIB_OFFSET_MS).format("%Y-%m-%d")
    );
    let disposition = HeaderValue::from_str(&filename)
        .map_err(|err| AppError::Unavailable(anyhow::Error::new(err)))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        monitoring::to_csv(&villages),
    )
        .into_response())
}

/// `GET /monitoring.json`: the summary and every village, English keys.
async fn json(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    let (summary, villages, _) = report_for(&state, &headers, now_ms()).await?;
    Ok(Json(monitoring::to_json(&summary, &villages)).into_response())
}

/// `GET /monitoring/chart.svg`: posts per week per village.
async fn chart(State(state): State<AppState>) -> Result<Response, AppError> {
    let (_, villages) = monitoring::report(&state.store, &state.config.portal, now_ms()).await?;
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
