//! `/.well-known/webfinger`, `/.well-known/host-meta`, `/.well-known/nodeinfo` and the
//! NodeInfo 2.1 document. WebFinger answers exactly the actor id as `self`, so that
//! Mastodon's loop-back check (preferredUsername + host of the actor id) succeeds.

use super::Data;
use crate::{actors::urls_host, error::AppError, urls::INSTANCE_ACTOR_USERNAME};
use axum::{
    Json,
    extract::Query,
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
pub struct WebfingerQuery {
    resource: Option<String>,
}

/// `GET /.well-known/webfinger?resource=acct:NAME@HOST` (or the actor's URL).
pub async fn webfinger(
    data: Data,
    Query(query): Query<WebfingerQuery>,
) -> Result<Response, AppError> {
    let resource = query
        .resource
        .ok_or_else(|| AppError::BadRequest("the resource parameter is missing".into()))?;
    let host = urls_host(&data.urls);
    let username = if let Some(acct) = resource.strip_prefix("acct:") {
        let (name, domain) = acct
            .rsplit_once('@')
            .ok_or_else(|| AppError::BadRequest("resource must be acct:NAME@HOST".into()))?;
        if !domain.eq_ignore_ascii_case(&host) {
            return Err(AppError::NotFound(format!("{domain} is not served here")));
        }
        name.trim_start_matches('@').to_string()
    } else if let Some(name) = data.urls.actor_username(&resource) {
        name.to_string()
    } else {
        return Err(AppError::NotFound("unknown resource".into()));
    };
    let actor = data
        .store
        .local_actor_by_username(&username)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("there is no actor named {username} here")))?;
    let profile = actor
        .profile_url
        .clone()
        .unwrap_or_else(|| actor.ap_id.clone());
    let mut links =
        vec![json!({ "rel": "self", "type": super::ACTIVITY_JSON, "href": actor.ap_id })];
    if actor.username != INSTANCE_ACTOR_USERNAME {
        links.insert(0, json!({ "rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": profile }));
        links.extend(interaction_links(&data.urls));
    }
    let mut aliases = vec![actor.ap_id.clone()];
    if profile != actor.ap_id {
        aliases.insert(0, profile);
    }
    let body = json!({
        "subject": format!("acct:{}@{host}", actor.username),
        "aliases": aliases,
        "links": links,
    });
    Ok((
        [
            ("content-type", "application/jrd+json; charset=utf-8"),
            ("access-control-allow-origin", "*"),
        ],
        Json(body),
    )
        .into_response())
}

/// Where a follow of someone else starts for an account of ours: the oStatus
/// remote-follow template Mastodon publishes and FEP-3b86's Follow intent. Our accounts
/// are villages, never residents, so both lead to `/authorize_interaction`, which sends
/// the visitor to the follow page of the account named (see `web::site::follow`).
pub fn interaction_links(urls: &crate::urls::Urls) -> [serde_json::Value; 2] {
    let start = urls.authorize_interaction();
    [
        json!({ "rel": OSTATUS_SUBSCRIBE, "template": format!("{start}?uri={{uri}}") }),
        json!({ "rel": FEP_3B86_FOLLOW, "href": format!("{start}?uri={{object}}") }),
    ]
}

/// The oStatus remote-follow relation (`template` with `{uri}`).
pub const OSTATUS_SUBSCRIBE: &str = "http://ostatus.org/schema/1.0/subscribe";
/// FEP-3b86's Follow intent (`href` with `{object}`).
pub const FEP_3B86_FOLLOW: &str = "https://w3id.org/fep/3b86/Follow";

/// `GET /.well-known/host-meta`: points older clients at WebFinger.
pub async fn host_meta(data: Data) -> Response {
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <XRD xmlns=\"http://docs.oasis-open.org/ns/xri/xrd-1.0\">\n  \
         <Link rel=\"lrdd\" template=\"{}.well-known/webfinger?resource={{uri}}\"/>\n</XRD>\n",
        data.urls.base()
    );
    (
        [("content-type", "application/xrd+xml; charset=utf-8")],
        xml,
    )
        .into_response()
}

/// `GET /.well-known/nodeinfo`
pub async fn nodeinfo_links(data: Data) -> Response {
    let href = format!("{}nodeinfo/2.1", data.urls.base());
    Json(json!({
        "links": [{ "rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": href }]
    }))
    .into_response()
}

/// `GET /nodeinfo/2.1`
pub async fn nodeinfo(data: Data) -> Result<Response, AppError> {
    let actors = crate::actors::publishing_actors(&data.store).await?;
    let posts = data.store.count_all_live_posts().await?;
    let role = match data.config.role {
        crate::config::Role::Village => "village",
        crate::config::Role::Portal => "portal",
    };
    let body = json!({
        "version": "2.1",
        "software": {
            "name": "kentongan",
            "version": env!("CARGO_PKG_VERSION"),
        },
        "protocols": ["activitypub"],
        "services": { "inbound": [], "outbound": [] },
        "openRegistrations": false,
        "usage": { "users": { "total": actors.len() }, "localPosts": posts },
        "metadata": { "nodeName": actors.first().map(|a| a.name.clone()).unwrap_or_default(), "role": role },
    });
    Ok((
        [(
            "content-type",
            "application/json; profile=\"http://nodeinfo.diaspora.software/ns/schema/2.1#\"",
        )],
        Json(body),
    )
        .into_response())
}
