//! `AppError`: what an HTTP handler can answer when things go wrong. Each variant is an
//! HTTP meaning with a one-line reason for the client; internal causes are logged once
//! and never sent. A domain room's error enum becomes one at the edge, in `web`
//! (`web::refusals`): its refusal as `Invalid`, its failure as `Unavailable`.

use crate::refusal::InvalidInput;
use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A person's input refused by a domain rule: 400 with its words in both
    /// languages; an admin page shows them in the reader's.
    #[error("{0}")]
    Invalid(InvalidInput),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    /// Known, but not allowed to do this.
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    /// It clashes with what is there (a village registered already).
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Gone(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The database or another dependency failed; the client may retry.
    #[error("{0:#}")]
    Unavailable(anyhow::Error),
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Invalid(_) | Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Gone(_) => StatusCode::GONE,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

/// What failed inside `anyhow` is ours (503, logged): a person's mistake never travels
/// there, since every room refuses through its own enum (`crate::refusal`).
impl From<anyhow::Error> for AppError {
    fn from(err: anyhow::Error) -> Self {
        Self::Unavailable(err)
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let reason = match &self {
            Self::Unavailable(cause) => {
                tracing::error!(error = %format!("{cause:#}"), "request failed");
                "temporarily unavailable, try again later".to_string()
            }
            other => {
                tracing::info!(status = status.as_u16(), reason = %other, "request refused");
                other.to_string()
            }
        };
        (
            status,
            [("content-type", "text/plain; charset=utf-8")],
            format!("{reason}\n"),
        )
            .into_response()
    }
}
