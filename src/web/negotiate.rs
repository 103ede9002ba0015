//! One URL, two answers: ActivityPub JSON for `application/activity+json` or
//! `application/ld+json; profile="https://www.w3.org/ns/activitystreams"`, HTML for a
//! browser.

use axum::{
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use serde_json::Value;

pub fn wants_activity_json(headers: &HeaderMap) -> bool {
    headers
        .get_all("accept")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let item = item.trim().to_ascii_lowercase();
            item.starts_with("application/activity+json") || item.starts_with("application/ld+json")
        })
}

/// A JSON-LD document with the ActivityPub content type.
pub fn activity_json(status: StatusCode, doc: &Value) -> Response {
    (
        status,
        [
            ("content-type", "application/activity+json; charset=utf-8"),
            ("vary", "Accept"),
            ("access-control-allow-origin", "*"),
        ],
        doc.to_string(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("accept", value.parse().expect("header"));
        headers
    }

    #[test]
    fn both_activitypub_media_types_get_json() {
        assert!(wants_activity_json(&accept("application/activity+json")));
        assert!(wants_activity_json(&accept(
            "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\""
        )));
        assert!(!wants_activity_json(&accept(
            "text/html,application/xhtml+xml,*/*;q=0.8"
        )));
    }
}
