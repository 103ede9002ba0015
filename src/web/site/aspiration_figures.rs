//! `GET /aspirasi/angka.json`: the village's public aspiration figures (open, overdue,
//! median times), which the regency portal reads. Counts and times only; see
//! `aspirations::figures`.

use crate::{aspirations::figures, clock::now_ms, config::Role, error::AppError, state::AppState};
use axum::{
    Json,
    extract::State,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};

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
