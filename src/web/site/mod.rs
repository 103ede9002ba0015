//! The village's public website: the home page, post pages, categories, the profile
//! pages, the privacy policy, the archive, search, the village's own RSS/Atom feeds,
//! the sitemap, and the "follow from the fediverse" pages. Server-rendered, no JavaScript, every word from
//! `strings` in the site's language, every date in the village's time zone.
//!
//! It reads through the store and the domain rooms and never writes; the HTML side of
//! the ActivityPub URLs (`/u/NAME`, `/p/ID`) comes here from `web::objects`. On a portal
//! node the home page is the portal's timeline (`web::portal`).

mod archive;
mod aspiration_figures;
mod aspirations;
mod category;
mod comments;
mod documents;
mod feeds;
mod follow;
mod home;
mod ics;
pub mod moved;
mod pages;
mod post;
mod privacy;
mod search;
mod sitemap;
pub mod view;

pub use documents::document_file_response;
pub use home::{home, profile};
pub use post::{gone, post};

use crate::state::AppState;
use axum::{Router, routing::get};

/// This area's templates (name, source).
pub const TEMPLATES: &[(&str, &str)] = &[
    (
        "site/layout.html",
        include_str!("../templates/site/layout.html"),
    ),
    (
        "site/card.html",
        include_str!("../templates/site/card.html"),
    ),
    (
        "site/home.html",
        include_str!("../templates/site/home.html"),
    ),
    (
        "site/post.html",
        include_str!("../templates/site/post.html"),
    ),
    (
        "site/comments.html",
        include_str!("../templates/site/comments.html"),
    ),
    (
        "site/list.html",
        include_str!("../templates/site/list.html"),
    ),
    (
        "site/actor.html",
        include_str!("../templates/site/actor.html"),
    ),
    (
        "site/pages.html",
        include_str!("../templates/site/pages.html"),
    ),
    (
        "site/page.html",
        include_str!("../templates/site/page.html"),
    ),
    (
        "site/archive.html",
        include_str!("../templates/site/archive.html"),
    ),
    (
        "site/search.html",
        include_str!("../templates/site/search.html"),
    ),
    (
        "site/follow.html",
        include_str!("../templates/site/follow.html"),
    ),
    (
        "site/print.html",
        include_str!("../templates/site/print.html"),
    ),
    (
        "site/aspirations.html",
        include_str!("../templates/site/aspirations.html"),
    ),
    (
        "site/aspiration_received.html",
        include_str!("../templates/site/aspiration_received.html"),
    ),
    (
        "site/aspiration_status.html",
        include_str!("../templates/site/aspiration_status.html"),
    ),
    (
        "site/message.html",
        include_str!("../templates/site/message.html"),
    ),
    (
        "site/documents.html",
        include_str!("../templates/site/documents.html"),
    ),
];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home::home_route))
        .route("/p/{id}/agenda.ics", get(post::agenda_ics))
        .route("/kategori/{name}", get(category::category))
        .route("/tags/{name}", get(category::category))
        .route("/profil", get(pages::profile_pages))
        .route("/halaman/{slug}", get(pages::page))
        .route("/kebijakan-privasi", get(privacy::privacy))
        .route("/privacy", get(privacy::privacy_elsewhere))
        .route("/arsip", get(archive::archive))
        .route("/arsip/{year}/{month}", get(archive::month))
        .route("/cari", get(search::search))
        .route("/feed.rss", get(feeds::rss))
        .route("/feed.atom", get(feeds::atom))
        .route("/sitemap.xml", get(sitemap::sitemap))
        .route("/robots.txt", get(sitemap::robots))
        .route("/ikuti", get(follow::follow))
        .route("/ikuti/cetak", get(follow::print))
        .route("/authorize_interaction", get(follow::authorize_interaction))
        .route(
            "/aspirasi",
            get(aspirations::form).post(aspirations::submit).layer(
                axum::extract::DefaultBodyLimit::max(aspirations::MAX_FORM_BYTES),
            ),
        )
        .route("/aspirasi/status", get(aspirations::status))
        .route("/aspirasi/angka.json", get(aspiration_figures::figures))
        .route("/informasi-publik", get(documents::page))
        .route("/informasi-publik/berkas/{id}", get(documents::file))
}
