//! `GET /kebijakan-privasi` (and `/privacy`, which sends there): the node's privacy
//! policy, linked from the foot of every public page. It is the page staff edit at
//! `/admin/pages/kebijakan-privasi`, or the default text (`site::profile`) should the
//! page ever be missing; a portal shows it in the portal's own frame.

use super::view::{Site, render};
use crate::{config::Role, error::AppError, publishing::markdown, site::profile, state::AppState};
use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use minijinja::context;

/// `GET /kebijakan-privasi`
pub async fn privacy(State(state): State<AppState>) -> Result<Response, AppError> {
    let site = match Site::require(&state).await? {
        Ok(site) => site,
        Err(response) => return Ok(response),
    };
    let role = state.config.role;
    let page = match site.pages.iter().find(|p| p.slug == profile::PRIVACY_SLUG) {
        Some(page) => context! {
            title => page.title,
            // Rendered from Markdown and sanitised when the page was saved.
            body_html => page.body_html,
            updated => crate::clock::to_rfc3339(page.updated_at),
            updated_label => site.settings.time_zone.date_label(page.updated_at, site.lang),
            standalone => true,
        },
        None => {
            let (title, body) =
                profile::privacy_page(&site.actor.name, &site.settings.village_word, role);
            context! { title => title, body_html => markdown::render(&body), standalone => true }
        }
    };
    if role == Role::Portal {
        return crate::web::render::render(
            StatusCode::OK,
            "page.html",
            context! { page => page, ..super::view::shared_base(&state, &site.actor.name) },
        );
    }
    render(
        StatusCode::OK,
        "site/page.html",
        context! { page => page, others => Vec::<minijinja::Value>::new(), ..site.base(&state, "privasi") },
    )
}

/// `GET /privacy`: the English name people and servers try first.
pub async fn privacy_elsewhere() -> Response {
    Redirect::permanent(&format!("/{}", profile::PRIVACY_SLUG)).into_response()
}
