//! `/admin/aspirasi/libur` (editors and admins): the days the village office is closed
//! besides weekends, which working-day clocks skip. Changing them affects tickets opened
//! or decided afterwards.

use super::{
    session::{Admin, AdminPost},
    view,
};
use crate::{state::AppState, strings};
use axum::{
    extract::{Query, State},
    http::StatusCode,
    response::Response,
};
use chrono::NaiveDate;
use minijinja::context;

const MAX_NAME_CHARS: usize = 100;

async fn show(
    state: &AppState,
    admin: &Admin,
    status: StatusCode,
    error: Option<&str>,
    ok: Option<&str>,
) -> Result<Response, Response> {
    let tz = admin.settings.time_zone;
    let holidays: Vec<_> = state
        .store
        .holidays_named()
        .await
        .map_err(view::failure)?
        .into_iter()
        .map(|(day, name)| {
            let label = NaiveDate::parse_from_str(&day, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(12, 0, 0))
                .map(|noon| tz.date_label(noon.and_utc().timestamp_millis(), admin.lang))
                .unwrap_or_else(|| day.clone());
            context! { day => day, label => label, name => name }
        })
        .collect();
    Ok(view::page(
        admin,
        status,
        "admin/holidays.html",
        context! { holidays => holidays, error => error, flash => view::flash(ok, admin.lang) },
    ))
}

pub async fn list(
    State(state): State<AppState>,
    Query(query): Query<view::OkQuery>,
    admin: Admin,
) -> Result<Response, Response> {
    show(&state, &admin, StatusCode::OK, None, query.ok.as_deref()).await
}

/// Adds a holiday (`day`, `name`) or, with `delete`, removes the day.
pub async fn change(
    State(state): State<AppState>,
    AdminPost { admin, fields }: AdminPost,
) -> Result<Response, Response> {
    let Ok(day) = NaiveDate::parse_from_str(fields.get("day").trim(), "%Y-%m-%d") else {
        let text = strings::ASP_HOLIDAY_INVALID.get(admin.lang);
        return show(&state, &admin, StatusCode::BAD_REQUEST, Some(text), None).await;
    };
    let day = day.format("%Y-%m-%d").to_string();
    if fields.checked("delete") {
        state
            .store
            .delete_holiday(&day)
            .await
            .map_err(view::failure)?;
        return Ok(view::done("/admin/aspirasi/libur", "holidays"));
    }
    let name = fields.get("name").trim();
    if name.chars().count() > MAX_NAME_CHARS {
        let text = strings::ASP_HOLIDAY_NAME_TOO_LONG.get(admin.lang);
        return show(&state, &admin, StatusCode::BAD_REQUEST, Some(text), None).await;
    }
    state
        .store
        .add_holiday(&day, name)
        .await
        .map_err(view::failure)?;
    Ok(view::done("/admin/aspirasi/libur", "holidays"))
}
