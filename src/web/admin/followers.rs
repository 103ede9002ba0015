//! `/admin/followers`: who follows the village's main actor, and how many per server.

use super::{session::Admin, view};
use crate::state::AppState;
use axum::{extract::State, http::StatusCode, response::Response};
use minijinja::context;
use std::collections::BTreeMap;

pub async fn list(State(state): State<AppState>, admin: Admin) -> Response {
    let followers = match state.store.followers_of(admin.actor.id).await {
        Ok(followers) => followers,
        Err(err) => return view::failure(err),
    };
    let mut per_server: BTreeMap<&str, usize> = BTreeMap::new();
    for follower in &followers {
        *per_server.entry(follower.host.as_str()).or_default() += 1;
    }
    let mut servers: Vec<(&str, usize)> = per_server.into_iter().collect();
    servers.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let tz = admin.settings.time_zone;
    let rows: Vec<_> = followers
        .iter()
        .map(|f| {
            context! {
                handle => format!("@{}@{}", f.username, f.host),
                url => f.ap_id.clone(),
                host => f.host.clone(),
                since => tz.date_label(f.followed_at, admin.lang),
            }
        })
        .collect();
    view::page(
        &admin,
        StatusCode::OK,
        "admin/followers.html",
        context! {
            followers => rows,
            total => followers.len(),
            servers => servers
                .into_iter()
                .map(|(host, count)| context! { host => host, count => count })
                .collect::<Vec<_>>(),
        },
    )
}
