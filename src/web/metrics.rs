//! `GET /metrics`: the site's figures in Prometheus's text format, and the middleware
//! that times every request for it. Counted: deliveries pending, being retried and
//! failed lately, received activities waiting, tickets open and overdue (one query,
//! `Store::operation_counts`), whether each worker runs, and request latencies as a
//! histogram by route group and status class (atomics in `state::RequestTimes`).
//!
//! Only for this machine's scrapers, or for one sending the site's `[metrics] token`:
//! anyone else gets the same bare 404 as a path that does not exist. "This machine" is
//! the client address the website's per-address limits use (`web::client`): behind a
//! reverse proxy on this machine, the address it names in `X-Forwarded-For`, so that a
//! request from outside, passed on by the proxy, is not taken for a local one.

use crate::{
    clock::now_ms,
    state::{AppState, LATENCY_BUCKETS, ROUTE_GROUPS, RequestTimes},
    web::client::client_address,
};
use axum::{
    Router,
    extract::{ConnectInfo, MatchedPath, Request, State},
    http::{HeaderMap, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
    routing::get,
};
use sha2::{Digest, Sha256};
use std::{fmt::Write, net::SocketAddr, sync::Arc, time::Duration};

/// The longest the counts may take before the scrape answers without them.
const COUNTS_TIMEOUT: Duration = Duration::from_secs(2);
/// Failed deliveries are counted over this window.
const FAILED_WINDOW_MS: i64 = 24 * 3600 * 1000;

pub fn routes() -> Router<AppState> {
    Router::new().route("/metrics", get(metrics))
}

/// Times each request (until its answer's headers are ready) into the site's
/// [`RequestTimes`], grouped by the route it matched.
pub async fn time_requests(
    State(times): State<Arc<RequestTimes>>,
    request: Request,
    next: Next,
) -> Response {
    let group = group_of(
        request
            .extensions()
            .get::<MatchedPath>()
            .map(|p| p.as_str()),
    );
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    times.record(group, response.status().as_u16(), started.elapsed());
    response
}

/// The index in [`ROUTE_GROUPS`] of a request that matched `route` (none: `other`).
fn group_of(route: Option<&str>) -> usize {
    let name = match route {
        None => "other",
        Some(route) if route == "/inbox" || route.ends_with("/inbox") => "inbox",
        Some(route) if route.starts_with("/.well-known/") || route.starts_with("/nodeinfo") => {
            "wellknown"
        }
        Some("/healthz" | "/metrics") => "operations",
        Some(route) if route.starts_with("/admin") => "admin",
        Some(route) if route.starts_with("/api/") => "api",
        Some(route) if route.starts_with("/media/") || route.ends_with("/avatar.png") => "media",
        Some(route) if route.ends_with(".rss") || route.ends_with(".atom") => "feeds",
        Some(route)
            if route.starts_with("/u/")
                || route.starts_with("/actor")
                || route.starts_with("/p/{id}/replies")
                || route.starts_with("/a/")
                || route.starts_with("/jawaban/")
                || route == "/p/{id}" =>
        {
            "objects"
        }
        Some(_) => "site",
    };
    ROUTE_GROUPS
        .iter()
        .position(|group| *group == name)
        .unwrap_or(ROUTE_GROUPS.len() - 1)
}

/// A scraper on this machine (the client address loopback), or one with the token.
fn allowed(state: &AppState, request: &Request) -> bool {
    if let Some(token) = &state.config.metrics_token
        && let Some(sent) = bearer(request.headers())
        // Compared as digests: the time taken says nothing of the token.
        && Sha256::digest(sent.as_bytes()) == Sha256::digest(token.as_str().as_bytes())
    {
        return true;
    }
    let Some(ConnectInfo(peer)) = request.extensions().get::<ConnectInfo<SocketAddr>>() else {
        return false;
    };
    client_address(*peer, request.headers())
        .parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.to_canonical().is_loopback())
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

async fn metrics(State(state): State<AppState>, request: Request) -> Response {
    if !allowed(&state, &request) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let now = now_ms();
    let counts = tokio::time::timeout(
        COUNTS_TIMEOUT,
        state.store.operation_counts(now, now - FAILED_WINDOW_MS),
    )
    .await;
    let counts = match counts {
        Ok(Ok(counts)) => Some(counts),
        Ok(Err(err)) => {
            tracing::warn!(error = %format!("{err:#}"), "metrics: cannot count the queues");
            None
        }
        Err(_) => {
            tracing::warn!("metrics: counting the queues took too long");
            None
        }
    };
    let text = exposition(&state, counts.as_ref());
    (
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        text,
    )
        .into_response()
}

/// A label value as the text format wants it.
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

fn exposition(state: &AppState, counts: Option<&crate::store::OperationCounts>) -> String {
    let site = label(&state.config.domain);
    let mut out = String::new();
    family(
        &mut out,
        "kentongan_database_up",
        "gauge",
        "Whether the site's database answered the counts below (1) or not (0).",
    );
    let _ = writeln!(
        out,
        "kentongan_database_up{{site=\"{site}\"}} {}",
        u8::from(counts.is_some())
    );
    if let Some(counts) = counts {
        let gauges = [
            (
                "kentongan_deliveries_pending",
                "Deliveries waiting to be sent: a first attempt or a retry.",
                counts.deliveries_pending,
            ),
            (
                "kentongan_deliveries_retrying",
                "Pending deliveries that failed at least once and wait for a retry.",
                counts.deliveries_retrying,
            ),
            (
                "kentongan_deliveries_failed_last_day",
                "Deliveries given up or refused for good in the last 24 hours.",
                counts.deliveries_failed_recently,
            ),
            (
                "kentongan_inbox_pending",
                "Received activities waiting to be processed.",
                counts.inbox_pending,
            ),
            (
                "kentongan_tickets_open",
                "Residents' tickets waiting for the village (baru, diverifikasi, diproses).",
                counts.tickets_open,
            ),
            (
                "kentongan_tickets_overdue",
                "Open tickets whose first response or answer is late.",
                counts.tickets_overdue,
            ),
        ];
        for (name, help, value) in gauges {
            family(&mut out, name, "gauge", help);
            let _ = writeln!(out, "{name}{{site=\"{site}\"}} {value}");
        }
    }
    family(
        &mut out,
        "kentongan_worker_up",
        "gauge",
        "Whether each of the site's workers runs (1) or has stopped (0).",
    );
    for (worker, alive) in state.workers.alive() {
        let _ = writeln!(
            out,
            "kentongan_worker_up{{site=\"{site}\",worker=\"{}\"}} {}",
            label(worker),
            u8::from(alive)
        );
    }
    let name = "kentongan_http_request_duration_seconds";
    family(
        &mut out,
        name,
        "histogram",
        "Time to answer a request (until its headers), by route group and status class.",
    );
    for series in state.request_times.series() {
        let labels = format!(
            "site=\"{site}\",route=\"{}\",status=\"{}\"",
            series.group, series.class
        );
        for (bound, count) in LATENCY_BUCKETS.iter().zip(series.cumulative) {
            let _ = writeln!(out, "{name}_bucket{{{labels},le=\"{bound}\"}} {count}");
        }
        let _ = writeln!(
            out,
            "{name}_bucket{{{labels},le=\"+Inf\"}} {}",
            series.count
        );
        let _ = writeln!(out, "{name}_sum{{{labels}}} {}", series.sum_seconds);
        let _ = writeln!(out, "{name}_count{{{labels}}} {}", series.count);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_fall_in_few_groups() {
        let group = |route: Option<&str>| ROUTE_GROUPS[group_of(route)];
        assert_eq!(group(Some("/u/{name}/inbox")), "inbox");
        assert_eq!(group(Some("/inbox")), "inbox");
        assert_eq!(group(Some("/u/{name}")), "objects");
        assert_eq!(group(Some("/p/{id}")), "objects");
        assert_eq!(group(Some("/p/{id}/agenda.ics")), "site");
        assert_eq!(group(Some("/.well-known/webfinger")), "wellknown");
        assert_eq!(group(Some("/healthz")), "operations");
        assert_eq!(group(Some("/admin/posts")), "admin");
        assert_eq!(group(Some("/api/v1/posts")), "api");
        assert_eq!(group(Some("/villages/{id}/feed.rss")), "feeds");
        assert_eq!(group(Some("/u/{name}/avatar.png")), "media");
        assert_eq!(group(Some("/")), "site");
        assert_eq!(group(None), "other");
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
