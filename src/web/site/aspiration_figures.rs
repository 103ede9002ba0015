//! The village's public aspiration figures (open, overdue, median times): as JSON at
//! `GET /aspirasi/angka.json`, which the regency portal reads, and in words on the
//! `/aspirasi` page. Counts and times only; see `aspirations::figures`.

use super::view::Site;
use crate::{
    aspirations::figures::{self, TicketFigures},
    clock::now_ms,
    config::Role,
    error::AppError,
    state::AppState,
    strings::{self, Lang},
};
use axum::{
    Json,
    extract::State,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use minijinja::{Value, context};

pub async fn figures(State(state): State<AppState>) -> Result<Response, AppError> {
    if state.config.role != Role::Village {
        return Err(AppError::NotFound(
            "aspiration figures are published by village nodes only".into(),
        ));
    }
    let figures = figures::current(&state.store, now_ms()).await?;
    Ok((
        [
            // Public figures meant for dashboards anywhere; a few minutes old is fine.
            (
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("*"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=300"),
            ),
        ],
        Json(figures),
    )
        .into_response())
}

/// A duration in words: under an hour, whole hours up to two days, then days.
fn duration_words(seconds: u64, lang: Lang) -> String {
    const HOUR: u64 = 3600;
    const DAY: u64 = 24 * HOUR;
    match seconds {
        s if s < HOUR => strings::ASP_UNDER_AN_HOUR.get(lang).to_string(),
        s if s < 2 * DAY => strings::ASP_HOURS
            .get(lang)
            .replace("{n}", &((s + HOUR / 2) / HOUR).to_string()),
        s => strings::ASP_DAYS
            .get(lang)
            .replace("{n}", &((s + DAY / 2) / DAY).to_string()),
    }
}

/// What the `/aspirasi` page says of the figures, in the site's language.
pub fn service_view(site: &Site, figures: &TicketFigures) -> Value {
    let lang = site.lang;
    let median = |value: Option<u64>| {
        value.map_or_else(
            || strings::ASP_SERVICE_NONE.get(lang).to_string(),
            |seconds| duration_words(seconds, lang),
        )
    };
    context! {
        window => strings::ASP_SERVICE_WINDOW
            .get(lang)
            .replace("{days}", &figures.window_days.to_string())
            .replace("{received}", &figures.received.to_string())
            .replace("{answered}", &figures.answered.to_string()),
        open => strings::ASP_SERVICE_OPEN
            .get(lang)
            .replace("{open}", &figures.open.to_string())
            .replace("{overdue}", &figures.overdue.to_string()),
        first_response => median(figures.median_first_response_seconds),
        answer => median(figures.median_answer_seconds),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(duration_words(59 * 60, Lang::Id), "kurang dari 1 jam");
        assert_eq!(duration_words(5 * 3600 + 1800, Lang::Id), "6 jam");
        assert_eq!(duration_words(47 * 3600, Lang::En), "47 hours");
        assert_eq!(duration_words(3 * 86_400 + 3600, Lang::Id), "3 hari");
        assert_eq!(duration_words(4 * 86_400 - 3600, Lang::En), "4 days");
    }
}
