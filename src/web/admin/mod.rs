//! The admin at `/admin`: login, the dashboard, the post editor with its images,
//! drafts and review, delivery reports, followers, and (by role) settings, pages,
//! categories and accounts. Server-rendered forms that work without JavaScript.
//!
//! Every page but the login form needs a session (`session::Admin`), every POST a
//! matching CSRF token and, when the browser sends one, our own Origin: POST handlers
//! take `session::AdminPost` (or `AdminMultipart`), which checks both before the handler
//! sees a field, and answer `Result<Response, Response>` so a refusal page returns with
//! `?`. The rules live in
//! the domain rooms (`auth`, `publishing`, `site`, `actors`, `media`); this module only
//! turns forms into their calls and their refusals into pages. It holds no SQL.

mod account;
mod aspirations;
mod categories;
mod dashboard;
mod documents;
mod editor;
mod followers;
mod holidays;
mod login;
mod moderation;
mod pages;
mod session;
mod settings;
mod ticket_desk;
mod users;
mod view;

pub use session::is_signed_in;

/// Forms are read the same way on the public site; the reader lives in `web::forms`.
use super::forms as fields;

use crate::state::AppState;
use axum::{
    Router,
    extract::DefaultBodyLimit,
    http::{HeaderValue, header},
    middleware,
    response::Response,
    routing::{get, post},
};

/// Uploads are at most 10 MB each; a post may carry a cover and a gallery at once.
pub const MAX_FORM_BYTES: usize = 60 * 1024 * 1024;

/// This area's templates (name, source).
pub const TEMPLATES: &[(&str, &str)] = &[
    (
        "admin/base.html",
        include_str!("../templates/admin/base.html"),
    ),
    (
        "admin/message.html",
        include_str!("../templates/admin/message.html"),
    ),
    (
        "admin/login.html",
        include_str!("../templates/admin/login.html"),
    ),
    (
        "admin/dashboard.html",
        include_str!("../templates/admin/dashboard.html"),
    ),
    (
        "admin/post.html",
        include_str!("../templates/admin/post.html"),
    ),
    (
        "admin/confirm.html",
        include_str!("../templates/admin/confirm.html"),
    ),
    (
        "admin/editor.html",
        include_str!("../templates/admin/editor.html"),
    ),
    (
        "admin/followers.html",
        include_str!("../templates/admin/followers.html"),
    ),
    (
        "admin/aspirations.html",
        include_str!("../templates/admin/aspirations.html"),
    ),
    (
        "admin/holidays.html",
        include_str!("../templates/admin/holidays.html"),
    ),
    (
        "admin/aspiration.html",
        include_str!("../templates/admin/aspiration.html"),
    ),
    (
        "admin/ticket_desk.html",
        include_str!("../templates/admin/ticket_desk.html"),
    ),
    (
        "admin/ticket_desk_filter.html",
        include_str!("../templates/admin/ticket_desk_filter.html"),
    ),
    (
        "admin/ticket_moderation.html",
        include_str!("../templates/admin/ticket_moderation.html"),
    ),
    (
        "admin/blocks.html",
        include_str!("../templates/admin/blocks.html"),
    ),
    (
        "admin/settings.html",
        include_str!("../templates/admin/settings.html"),
    ),
    (
        "admin/pages.html",
        include_str!("../templates/admin/pages.html"),
    ),
    (
        "admin/page_edit.html",
        include_str!("../templates/admin/page_edit.html"),
    ),
    (
        "admin/categories.html",
        include_str!("../templates/admin/categories.html"),
    ),
    (
        "admin/users.html",
        include_str!("../templates/admin/users.html"),
    ),
    (
        "admin/user_edit.html",
        include_str!("../templates/admin/user_edit.html"),
    ),
    (
        "admin/password_once.html",
        include_str!("../templates/admin/password_once.html"),
    ),
    (
        "admin/account.html",
        include_str!("../templates/admin/account.html"),
    ),
    (
        "admin/documents.html",
        include_str!("../templates/admin/documents.html"),
    ),
    (
        "admin/document_fields.html",
        include_str!("../templates/admin/document_fields.html"),
    ),
    (
        "admin/document_edit.html",
        include_str!("../templates/admin/document_edit.html"),
    ),
    (
        "admin/documents_checklist.html",
        include_str!("../templates/admin/documents_checklist.html"),
    ),
];

/// What the admin adds to the safety headers every page carries (`web::safety`): its
/// pages are never cached, and their addresses never leave the site in a Referer.
async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CACHE_CONTROL, "no-store"),
        (header::REFERRER_POLICY, "same-origin"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(dashboard::dashboard))
        .route("/admin/", get(dashboard::dashboard))
        .route("/admin/login", get(login::form).post(login::submit))
        .route("/admin/logout", post(login::logout))
        .route(
            "/admin/posts/new",
            get(editor::new_form).post(editor::new_submit),
        )
        .route("/admin/posts/{id}", get(dashboard::post_page))
        .route(
            "/admin/posts/{id}/edit",
            get(editor::post_form).post(editor::post_submit),
        )
        .route(
            "/admin/posts/{id}/delete",
            get(dashboard::delete_confirm).post(dashboard::delete_post),
        )
        .route(
            "/admin/drafts/{id}/edit",
            get(editor::draft_form).post(editor::draft_submit),
        )
        .route(
            "/admin/drafts/{id}/delete",
            get(dashboard::draft_delete_confirm).post(dashboard::delete_draft),
        )
        .route("/admin/followers", get(followers::list))
        .route("/admin/aspirasi", get(aspirations::list))
        .route(
            "/admin/aspirasi/libur",
            get(holidays::list).post(holidays::change),
        )
        .route("/admin/aspirasi/{number}", get(aspirations::page))
        .route("/admin/aspirasi/{number}/jawab", post(aspirations::answer))
        .route("/admin/aspirasi/{number}/status", post(aspirations::decide))
        .route(
            "/admin/aspirasi/{number}/petugas",
            post(ticket_desk::assign),
        )
        .route("/admin/aspirasi/{number}/catatan", post(ticket_desk::note))
        .route(
            "/admin/aspirasi/{number}/foto/{file}",
            get(ticket_desk::photo),
        )
        .route(
            "/admin/aspirasi/blokir",
            get(moderation::blocks).post(moderation::add_block),
        )
        .route(
            "/admin/aspirasi/blokir/{id}/hapus",
            post(moderation::unblock),
        )
        .route(
            "/admin/aspirasi/{number}/tampilkan",
            post(moderation::approve),
        )
        .route(
            "/admin/aspirasi/{number}/sembunyikan",
            post(moderation::unapprove),
        )
        .route(
            "/admin/aspirasi/{number}/blokir",
            post(moderation::block_author),
        )
        .route(
            "/admin/settings",
            get(settings::form).post(settings::submit),
        )
        .route("/admin/pages", get(pages::list))
        .route(
            "/admin/pages/new",
            get(pages::new_form).post(pages::new_submit),
        )
        .route(
            "/admin/pages/{slug}",
            get(pages::edit_form).post(pages::edit_submit),
        )
        .route("/admin/pages/{slug}/delete", post(pages::delete))
        .route(
            "/admin/categories",
            get(categories::list).post(categories::add),
        )
        .route("/admin/categories/{id}", post(categories::update))
        .route("/admin/categories/{id}/delete", post(categories::delete))
        .route("/admin/users", get(users::list).post(users::add))
        .route(
            "/admin/users/{id}",
            get(users::edit_form).post(users::update),
        )
        .route("/admin/users/{id}/reset", post(users::reset_password))
        .route("/admin/account", get(account::form).post(account::submit))
        .route(
            "/admin/dokumen",
            get(documents::list).post(documents::upload),
        )
        .route("/admin/dokumen/kelengkapan", get(documents::checklist_page))
        .route(
            "/admin/dokumen/{id}",
            get(documents::edit_form).post(documents::edit_submit),
        )
        .route("/admin/dokumen/{id}/hapus", post(documents::delete))
        .route("/admin/dokumen/{id}/berkas", get(documents::file))
        .layer(DefaultBodyLimit::max(MAX_FORM_BYTES))
        .layer(middleware::map_response(security_headers))
}

#[cfg(test)]
mod tests {
    use super::TEMPLATES;

    /// A key a template asks for that strings.rs lacks would render as nothing.
    #[test]
    fn every_text_an_admin_template_reads_exists() {
        let known = crate::web::strings::all();
        for (name, source) in TEMPLATES {
            for piece in source.split("t.").skip(1) {
                let key: String = piece
                    .chars()
                    .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
                    .collect();
                if key.len() > 1 {
                    assert!(known.contains_key(key.as_str()), "{name} reads t.{key}");
                }
            }
        }
    }
}
