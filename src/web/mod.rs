//! HTTP: routing, content negotiation, HTML pages and the admin API. No SQL (it calls
//! the store through domain modules and `AppState`), no hand-built JSON-LD (the
//! federation room renders that).

pub mod access;
pub mod admin;
pub mod api;
pub use crate::render_cache as cache;
pub mod client;
pub mod conditional;
pub mod forms;
pub mod health;
pub mod hosting;
pub mod media;
pub mod metrics;
pub mod monitoring;
pub mod negotiate;
pub mod objects;
pub mod portal;
mod refusals;
pub mod render;
pub mod request_span;
pub mod safety;
pub mod site;
pub mod syndication;

use crate::{federation, state::AppState};
use axum::{
    Router,
    extract::Request,
    http::Method,
    middleware::Next,
    response::Response,
    routing::{get, post},
};

/// Every route of a node.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/u/{name}", get(objects::actor))
        .route("/u/{name}/outbox", get(objects::outbox))
        .route("/u/{name}/followers", get(objects::followers))
        .route("/u/{name}/following", get(objects::following))
        .route("/u/{name}/featured", get(objects::featured))
        .route("/u/{name}/avatar.png", get(media::avatar_file))
        .route("/u/{name}/inbox", post(federation::inbox::actor_inbox))
        .route(
            "/u/{name}/quote_authorizations/{id}",
            get(objects::quote_authorization),
        )
        .route("/inbox", post(federation::inbox::shared_inbox))
        .route("/actor", get(objects::instance_actor))
        .route("/actor/outbox", get(objects::instance_outbox))
        .route("/p/{id}", get(objects::post))
        .route("/p/{id}/replies", get(objects::post_replies))
        .route("/p/{id}/context", get(objects::post_context))
        .route("/p/{id}/likes", get(objects::post_likes))
        .route("/p/{id}/shares", get(objects::post_shares))
        .route("/a/{id}", get(objects::activity))
        .route("/jawaban/{id}", get(objects::answer))
        .route(
            "/.well-known/webfinger",
            get(federation::wellknown::webfinger),
        )
        .route(
            "/.well-known/host-meta",
            get(federation::wellknown::host_meta),
        )
        .route(
            "/.well-known/nodeinfo",
            get(federation::wellknown::nodeinfo_links),
        )
        .route("/nodeinfo/2.1", get(federation::wellknown::nodeinfo))
        .route("/timeline.rss", get(syndication::timeline_rss))
        .route("/timeline.atom", get(syndication::timeline_atom))
        .route("/villages/{id}/feed.rss", get(syndication::village_rss))
        .route("/villages/{id}/feed.atom", get(syndication::village_atom))
        .route("/media/{name}", get(media::media_file))
        .merge(api::routes())
        .merge(site::routes())
        .merge(admin::routes())
        .merge(monitoring::routes())
        .merge(portal::routes())
        .merge(health::routes())
        .merge(metrics::routes())
        // A path no route knows: an old address of an imported WordPress site, or 404.
        .fallback(site::moved::fallback)
}

/// A signed GET may come from a server whose deliveries we hold because they failed: if
/// so, they resume (`federation::signature_policy::signed_fetch_proves_life`). Checked
/// beside the answer, never before it: the GET is answered as it would be anyway. A
/// layer around [`routes`], inside the federation middleware it takes `Data` from.
pub async fn signed_fetch(data: federation::Data, request: Request, next: Next) -> Response {
    if request.method() == Method::GET && request.headers().contains_key("signature") {
        let method = request.method().clone();
        let uri = request.uri().clone();
        let headers = request.headers().clone();
        tokio::spawn(async move {
            let limiter = data.fetch_proof_limiter.clone();
            let proof = federation::signature_policy::signed_fetch_proves_life(
                &data, &limiter, &method, &uri, &headers,
            );
            if let Err(err) = proof.await {
                tracing::debug!(error = %format!("{err:#}"), "a signed GET proved nothing");
            }
        });
    }
    next.run(request).await
}
