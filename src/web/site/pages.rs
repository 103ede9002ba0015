//! The village's static pages ("Profil Desa": history, vision and mission, officials,
//! contact), written in the admin: `GET /profil` lists them, `GET /halaman/SLUG` shows one.

use super::view::{Site, message, page_path, render, text_excerpt};
use crate::{error::AppError, publishing::markdown::strip_tags, state::AppState, strings};
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use minijinja::{Value, context};

/// `GET /profil`
pub async fn profile_pages(State(state): State<AppState>) -> Result<Response, AppError> {
    let site = match Site::require(&state).await? {
        Ok(site) => site,
        Err(response) => return Ok(response),
    };
    let pages: Vec<Value> = site
        .profile_pages()
        .map(|page| {
            context! {
                url => format!("/halaman/{}", page.slug),
                title => page.title,
                excerpt => text_excerpt(&strip_tags(&page.body_html), 160),
            }
        })
        .collect();
    render(
        StatusCode::OK,
        "site/pages.html",
        context! { pages => pages, ..site.base(&state, "profil") },
    )
}

/// `GET /halaman/SLUG`
pub async fn page(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let site = match Site::require(&state).await? {
        Ok(site) => site,
        Err(response) => return Ok(response),
    };
    if slug == crate::site::profile::PRIVACY_SLUG {
        return Ok(Redirect::permanent(&page_path(&slug)).into_response());
    }
    let Some(page) = site.pages.iter().find(|p| p.slug == slug) else {
        return message(
            &site,
            &state,
            StatusCode::NOT_FOUND,
            strings::SITE_PAGE_MISSING,
        );
    };
    let tz = site.settings.time_zone;
    let others: Vec<Value> = site
        .profile_pages()
        .map(|p| context! { url => format!("/halaman/{}", p.slug), title => p.title, current => p.slug == slug })
        .collect();
    render(
        StatusCode::OK,
        "site/page.html",
        context! {
            page => context! {
                title => page.title,
                // Rendered from Markdown and sanitised when the page was saved.
                body_html => page.body_html,
                empty => page.body_html.trim().is_empty(),
                updated => crate::clock::to_rfc3339(page.updated_at),
                updated_label => tz.date_label(page.updated_at, site.lang),
            },
            others => others,
            ..site.base(&state, "profil")
        },
    )
}
