//! Rendering admin pages: the context every page shares (texts, the account, its CSRF
//! token, the menu), refusals as pages, and the fixed `ok` codes of redirects mapped to
//! their sentences. A room's error arrives here as an [`AppError`] (`web::refusals`):
//! its refusal (`AppError::Invalid`) is the operator's to fix and shown with its words;
//! anything else is answered as it is.

use super::session::Admin;
use crate::{
    auth::Permission,
    error::AppError,
    strings::{self, Lang, Text},
    web::render::render,
};
use axum::{
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use minijinja::{Value, context};
use std::collections::BTreeMap;

/// What every admin page reads.
pub fn base(admin: &Admin) -> Value {
    context! {
        t => Value::from_dyn_object(admin.texts.clone()),
        lang => admin.lang.code(),
        site_name => admin.actor.name.clone(),
        csrf => admin.session.csrf_token.clone(),
        on_behalf => admin.on_behalf_of(),
        editor_js => super::assets::url("editor.js"),
        me => context! {
            username => admin.session.user.username.clone(),
            display_name => admin.session.user.display_name.clone(),
            role => admin.role.as_str(),
            role_label => admin.role.label().get(admin.lang),
        },
        // What the menu and the pages offer: `may.view_followers`, … (auth::permissions).
        may => Permission::ALL
            .iter()
            .map(|p| (p.name(), admin.may(*p)))
            .collect::<BTreeMap<_, _>>(),
    }
}

/// An admin page: `ctx` on top of the shared context.
pub fn page(admin: &Admin, status: StatusCode, template: &str, ctx: Value) -> Response {
    match render(status, template, context! { ..ctx, ..base(admin) }) {
        Ok(response) => response,
        Err(err) => err.into_response(),
    }
}

/// A short page with one message and a way back.
pub fn message(admin: &Admin, status: StatusCode, text: Text) -> Response {
    page(
        admin,
        status,
        "admin/message.html",
        context! {
            message => text.fill(admin.lang, &admin.settings.village_word),
            is_error => status.is_client_error(),
        },
    )
}

pub fn forbidden(admin: &Admin, text: Text) -> Response {
    message(admin, StatusCode::FORBIDDEN, text)
}

pub fn not_found(admin: &Admin) -> Response {
    message(admin, StatusCode::NOT_FOUND, strings::NOT_FOUND)
}

/// An action refused: the operator's mistake as a 400 page with its reason, anything
/// else as a failure.
pub fn refused(admin: &Admin, err: impl Into<AppError>) -> Response {
    match err.into() {
        AppError::Invalid(invalid) => message(admin, StatusCode::BAD_REQUEST, invalid.0),
        other => other.into_response(),
    }
}

/// A failure that is not the operator's to fix (a store's `anyhow`: logged, 503), or
/// anything else answered as its `AppError` says.
pub fn failure(err: impl Into<AppError>) -> Response {
    err.into().into_response()
}

/// After a successful POST: back to a page with a fixed message code.
pub fn done(path: &str, ok: &str) -> Response {
    let separator = if path.contains('?') { '&' } else { '?' };
    Redirect::to(&format!("{path}{separator}ok={ok}")).into_response()
}

/// The sentence of an `ok` code; unknown codes show nothing.
pub fn flash(code: Option<&str>, lang: Lang) -> Option<&'static str> {
    let text = match code? {
        "published" => strings::ADMIN_OK_PUBLISHED,
        "updated" => strings::ADMIN_OK_UPDATED,
        "deleted" => strings::ADMIN_OK_DELETED,
        "saved" => strings::ADMIN_OK_DRAFT_SAVED,
        "submitted" => strings::ADMIN_OK_SUBMITTED,
        "scheduled" => strings::ADMIN_OK_SCHEDULED,
        "draft_deleted" => strings::ADMIN_OK_DRAFT_DELETED,
        "settings" => strings::ADMIN_OK_SETTINGS,
        "page_saved" => strings::ADMIN_OK_PAGE_SAVED,
        "page_deleted" => strings::ADMIN_OK_PAGE_DELETED,
        "category_saved" => strings::ADMIN_OK_CATEGORY_SAVED,
        "category_deleted" => strings::ADMIN_OK_CATEGORY_DELETED,
        "template_saved" => strings::TEMPLATES_OK_SAVED,
        "template_deleted" => strings::TEMPLATES_OK_DELETED,
        "user_saved" => strings::ADMIN_OK_USER_SAVED,
        "account" => strings::ADMIN_OK_ACCOUNT,
        "password" => strings::ADMIN_OK_PASSWORD,
        "answered" => strings::ASP_OK_ANSWERED,
        "decided" => strings::ASP_OK_DECIDED,
        "holidays" => strings::ASP_OK_HOLIDAYS,
        "assigned" => strings::DESK_OK_ASSIGNED,
        "noted" => strings::DESK_OK_NOTED,
        "approved" => strings::MOD_OK_APPROVED,
        "unapproved" => strings::MOD_OK_UNAPPROVED,
        "blocked" => strings::MOD_OK_BLOCKED,
        "unblocked" => strings::MOD_OK_UNBLOCKED,
        "document_uploaded" => strings::DOC_OK_UPLOADED,
        "document_saved" => strings::DOC_OK_SAVED,
        "document_deleted" => strings::DOC_OK_DELETED,
        _ => return None,
    };
    Some(text.get(lang))
}

/// The `?ok=` of a page's query.
#[derive(Debug, Default, serde::Deserialize)]
pub struct OkQuery {
    pub ok: Option<String>,
}
