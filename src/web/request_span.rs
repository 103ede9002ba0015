//! Every request runs inside a tracing span with its method, path and an id, so that a
//! line in the log (a refusal, a failed query, a warning from deep in the store) says
//! which request caused it. The id is answered in `x-request-id` for an operator to
//! quote; one sent by a proxy in front (nginx's `$request_id`) is kept when it is short
//! and plain, so the proxy's log and ours name the same request.

use axum::{
    extract::Request,
    http::{HeaderValue, header::HeaderName},
    middleware::Next,
    response::Response,
};
use tracing::Instrument;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The proxy's id when it is 1–64 letters, digits, `-` or `_`; else a new random one.
fn id_of(request: &Request) -> String {
    request
        .headers()
        .get(&REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .filter(|id| {
            (1..=64).contains(&id.len())
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string())
}

pub async fn span(request: Request, next: Next) -> Response {
    let id = id_of(&request);
    // The path only: a query may carry what the log should not keep.
    let span = tracing::info_span!(
        "request",
        id = %id,
        method = %request.method(),
        path = %request.uri().path(),
    );
    let mut response = next.run(request).instrument(span).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_id(id: &str) -> Request {
        Request::builder()
            .header("x-request-id", id)
            .body(axum::body::Body::empty())
            .expect("request")
    }

    #[test]
    fn a_proxys_plain_id_is_kept_and_anything_else_replaced() {
        assert_eq!(id_of(&with_id("4f1c2a9e-77_b")), "4f1c2a9e-77_b");
        for odd in ["a b", "<script>", &"x".repeat(65), ""] {
            let id = id_of(&with_id(odd));
            assert_ne!(id, odd);
            assert_eq!(id.len(), 32, "a fresh id: {id}");
        }
    }
}
