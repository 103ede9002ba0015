//! The admin at `/admin`: login, the dashboard, the post editor with its images,
//! drafts and review, delivery reports, followers, and (by role) settings, pages,
//! categories and accounts. Server-rendered forms that work without JavaScript.
//!
//! Every page but the login form needs a session (`session::Admin`) whose role has the
//! permission the route's row names ([`table`], from `auth::permissions`), every POST a
//! matching CSRF token and, when the browser sends one, our own Origin: POST handlers
//! take `session::AdminPost` (or `AdminMultipart`), which checks all of it before the
//! handler sees a field, and answer `Result<Response, Response>` so a refusal page
//! returns with `?`. Handlers only ask for more where it depends on the object (one's
//! own drafts and posts: `auth::Reach::Own`). The rules live in
//! the domain rooms (`auth`, `publishing`, `site`, `actors`, `media`); this module only
//! turns forms into their calls and their refusals into pages. It holds no SQL.

mod account;
mod aspirations;
mod assets;
mod categories;
mod dashboard;
mod documents;
mod editor;
mod editor_api;
mod followers;
mod holidays;
mod login;
mod moderation;
mod on_behalf;
mod pages;
mod post_templates;
mod session;
mod settings;
mod ticket_desk;
mod users;
mod view;

pub use session::is_signed_in;
/// The hosting pages (`web::hosting`) read cookies and check Origins the same way.
pub use session::{cookie, origin_allowed, origin_of};

/// Forms are read the same way on the public site; the reader lives in `web::forms`.
use super::forms as fields;

use super::access::{Access, Routes, Row};
use crate::{auth::Permission, state::AppState};
use axum::{
    Router,
    extract::DefaultBodyLimit,
    http::{HeaderValue, header},
    middleware,
    response::Response,
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
        "admin/post_templates.html",
        include_str!("../templates/admin/post_templates.html"),
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
        "admin/quote_policy.html",
        include_str!("../templates/admin/quote_policy.html"),
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
/// pages are never cached (its own script and style say otherwise: `assets`), their
/// addresses never leave the site in a Referer, and scripts of the node's own may run.
async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    for (name, value) in [
        (header::REFERRER_POLICY, "same-origin"),
        (header::CONTENT_SECURITY_POLICY, super::safety::ADMIN_CSP),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// Every admin route with who may use it (`web::access`): at once the router, the
/// matrix in docs/roles.md and the list the roles test walks through. One line a route:
/// method and path, who may use it, handler; the order is the matrix's.
#[rustfmt::skip] // A table: its columns stay aligned.
fn table() -> Routes {
    use Access::{Public, Signed};
    use Permission::*;
    Routes::default()
        .get("/admin",                                Signed(UseAdmin),         dashboard::dashboard)
        .get("/admin/",                               Signed(UseAdmin),         dashboard::dashboard)
        .get("/admin/static/{file}",                  Public,                   assets::file)
        .get("/admin/login",                          Public,                   login::form)
        .post("/admin/login",                         Public,                   login::submit)
        .post("/admin/logout",                        Signed(UseAdmin),         login::logout)
        .get("/admin/hosting-sign-in",                Public,                   on_behalf::sign_in)
        .get("/admin/account",                        Signed(UseAdmin),         account::form)
        .post("/admin/account",                       Signed(UseAdmin),         account::submit)
        .get("/admin/posts/new",                      Signed(WriteDrafts),      editor::new_form)
        .post("/admin/posts/new",                     Signed(WriteDrafts),      editor::new_submit)
        .post("/admin/editor/upload",                 Signed(WriteDrafts),      editor_api::upload)
        .post("/admin/editor/autosave",               Signed(WriteDrafts),      editor_api::autosave)
        .post("/admin/editor/preview",                Signed(WriteDrafts),      editor_api::preview)
        .get("/admin/drafts/{id}/edit",               Signed(WriteDrafts),      editor::draft_form)
        .post("/admin/drafts/{id}/edit",              Signed(WriteDrafts),      editor::draft_submit)
        .get("/admin/drafts/{id}/delete",             Signed(WriteDrafts),      dashboard::draft_delete_confirm)
        .post("/admin/drafts/{id}/delete",            Signed(WriteDrafts),      dashboard::delete_draft)
        .get("/admin/posts/{id}",                     Signed(ViewPosts),        dashboard::post_page)
        .get("/admin/posts/{id}/edit",                Signed(PublishPosts),     editor::post_form)
        .post("/admin/posts/{id}/edit",               Signed(PublishPosts),     editor::post_submit)
        .get("/admin/posts/{id}/delete",              Signed(PublishPosts),     dashboard::delete_confirm)
        .post("/admin/posts/{id}/delete",             Signed(PublishPosts),     dashboard::delete_post)
        .get("/admin/followers",                      Signed(ViewFollowers),    followers::list)
        .get("/admin/aspirasi",                       Signed(HandleTickets),    aspirations::list)
        .get("/admin/aspirasi/libur",                 Signed(HandleTickets),    holidays::list)
        .post("/admin/aspirasi/libur",                Signed(HandleTickets),    holidays::change)
        .get("/admin/aspirasi/{number}",              Signed(HandleTickets),    aspirations::page)
        .post("/admin/aspirasi/{number}/jawab",       Signed(HandleTickets),    aspirations::answer)
        .post("/admin/aspirasi/{number}/status",      Signed(HandleTickets),    aspirations::decide)
        .post("/admin/aspirasi/{number}/petugas",     Signed(HandleTickets),    ticket_desk::assign)
        .post("/admin/aspirasi/{number}/catatan",     Signed(HandleTickets),    ticket_desk::note)
        .get("/admin/aspirasi/{number}/foto/{file}",  Signed(HandleTickets),    ticket_desk::photo)
        .post("/admin/aspirasi/{number}/tampilkan",   Signed(HandleTickets),    moderation::approve)
        .post("/admin/aspirasi/{number}/sembunyikan", Signed(HandleTickets),    moderation::unapprove)
        .post("/admin/aspirasi/{number}/blokir",      Signed(ManageBlocks),     moderation::block_author)
        .get("/admin/aspirasi/blokir",                Signed(ManageBlocks),     moderation::blocks)
        .post("/admin/aspirasi/blokir",               Signed(ManageBlocks),     moderation::add_block)
        .post("/admin/aspirasi/blokir/{id}/hapus",    Signed(ManageBlocks),     moderation::unblock)
        .get("/admin/pages",                          Signed(ManagePages),      pages::list)
        .get("/admin/pages/new",                      Signed(ManagePages),      pages::new_form)
        .post("/admin/pages/new",                     Signed(ManagePages),      pages::new_submit)
        .get("/admin/pages/{slug}",                   Signed(ManagePages),      pages::edit_form)
        .post("/admin/pages/{slug}",                  Signed(ManagePages),      pages::edit_submit)
        .post("/admin/pages/{slug}/delete",           Signed(ManagePages),      pages::delete)
        .get("/admin/categories",                     Signed(ManageCategories), categories::list)
        .post("/admin/categories",                    Signed(ManageCategories), categories::add)
        .post("/admin/categories/{id}",               Signed(ManageCategories), categories::update)
        .post("/admin/categories/{id}/delete",        Signed(ManageCategories), categories::delete)
        .get("/admin/templates",                      Signed(ManageTemplates),  post_templates::list)
        .post("/admin/templates",                     Signed(ManageTemplates),  post_templates::add)
        .get("/admin/templates/{id}",                 Signed(ManageTemplates),  post_templates::edit_form)
        .post("/admin/templates/{id}",                Signed(ManageTemplates),  post_templates::update)
        .post("/admin/templates/{id}/delete",         Signed(ManageTemplates),  post_templates::delete)
        .get("/admin/dokumen",                        Signed(ManageDocuments),  documents::list)
        .post("/admin/dokumen",                       Signed(ManageDocuments),  documents::upload)
        .get("/admin/dokumen/kelengkapan",            Signed(ManageDocuments),  documents::checklist_page)
        .get("/admin/dokumen/{id}",                   Signed(ManageDocuments),  documents::edit_form)
        .post("/admin/dokumen/{id}",                  Signed(ManageDocuments),  documents::edit_submit)
        .post("/admin/dokumen/{id}/hapus",            Signed(ManageDocuments),  documents::delete)
        .get("/admin/dokumen/{id}/berkas",            Signed(ManageDocuments),  documents::file)
        .get("/admin/settings",                       Signed(ManageSettings),   settings::form)
        .post("/admin/settings",                      Signed(ManageSettings),   settings::submit)
        .get("/admin/users",                          Signed(ManageAccounts),   users::list)
        .post("/admin/users",                         Signed(ManageAccounts),   users::add)
        .get("/admin/users/{id}",                     Signed(ManageAccounts),   users::edit_form)
        .post("/admin/users/{id}",                    Signed(ManageAccounts),   users::update)
        .post("/admin/users/{id}/reset",              Signed(ManageAccounts),   users::reset_password)
}

pub fn routes() -> Router<AppState> {
    table()
        .into_router()
        .layer(DefaultBodyLimit::max(MAX_FORM_BYTES))
        .layer(middleware::map_response(security_headers))
}

/// Every admin route and who may use it.
pub fn matrix() -> Vec<Row> {
    table().rows().to_vec()
}

#[cfg(test)]
mod tests {
    use super::TEMPLATES;

    /// A key a template asks for that strings.rs lacks would render as nothing.
    #[test]
    fn every_text_an_admin_template_reads_exists() {
        let known = crate::strings::all();
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
