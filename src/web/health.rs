//! `GET /healthz`: whether this site can do its work, for a load balancer, systemd's
//! watchdog script or a monitoring check. 200 when its database answers a trivial query
//! within [`DATABASE_TIMEOUT`] and every worker still runs; 503 naming what fails
//! otherwise. Open to everyone and never limited (it says nothing private); it touches
//! nothing but that one query, so it can be asked every second.

use crate::state::AppState;
use axum::{
    Json, Router,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::get,
};
use serde_json::{Map, Value, json};
use std::time::Duration;

/// Longer than any healthy database takes for `SELECT 1`, shorter than a checker's
/// patience.
pub const DATABASE_TIMEOUT: Duration = Duration::from_secs(2);

pub fn routes() -> Router<AppState> {
    Router::new().route("/healthz", get(health))
}

async fn health(State(state): State<AppState>) -> Response {
    let mut failing = Vec::new();
    let database = match tokio::time::timeout(DATABASE_TIMEOUT, state.store.ping()).await {
        Ok(Ok(())) => "ok",
        Ok(Err(err)) => {
            tracing::warn!(error = %format!("{err:#}"), "health check: the database fails");
            failing.push("database".to_string());
            "failing"
        }
        Err(_) => {
            tracing::warn!("health check: the database did not answer in time");
            failing.push("database".to_string());
            "timeout"
        }
    };
    let mut workers = Map::new();
    for (name, alive) in state.workers.alive() {
        if !alive {
            failing.push(format!("workers.{name}"));
        }
        workers.insert(
            name.to_string(),
            Value::from(if alive { "ok" } else { "stopped" }),
        );
    }
    let status = if failing.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let mut body = json!({
        "status": if failing.is_empty() { "ok" } else { "failing" },
        "database": database,
        "workers": workers,
    });
    if !failing.is_empty() {
        body["failing"] = json!(failing);
    }
    (status, [("cache-control", "no-store")], Json(body)).into_response()
}
