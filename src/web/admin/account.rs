//! `/admin/account`: the signed-in account's own display name, language and password.
//! A new password ends every session of the account (`auth::set_password`), so this
//! browser gets a fresh one.

use super::{
    session::{self, Admin, AdminPost},
    view::{self, OkQuery},
};
use crate::{
    auth::{self, AuthError},
    state::AppState,
    strings::{self, Lang, Text},
};
use axum::{
    extract::{Query, State},
    http::{StatusCode, header},
    response::Response,
};
use minijinja::context;

fn show(admin: &Admin, status: StatusCode, error: Option<Text>, ok: Option<&str>) -> Response {
    let lang = admin.lang;
    let current = admin.session.user.language.as_str();
    let languages: Vec<_> = [
        ("", strings::ADMIN_LANG_SITE),
        ("id", strings::ADMIN_LANG_ID),
        ("en", strings::ADMIN_LANG_EN),
    ]
    .into_iter()
    .map(|(value, label)| context! { value => value, label => label.get(lang), selected => value == current })
    .collect();
    view::page(
        admin,
        status,
        "admin/account.html",
        context! {
            languages => languages,
            error => error.map(|t| t.get(lang)),
            flash => view::flash(ok, lang),
            min_chars => auth::password::MIN_CHARS,
        },
    )
}

pub async fn form(
    State(_state): State<AppState>,
    admin: Admin,
    Query(query): Query<OkQuery>,
) -> Response {
    show(&admin, StatusCode::OK, None, query.ok.as_deref())
}

pub async fn submit(
    State(state): State<AppState>,
    AdminPost { admin, fields }: AdminPost,
) -> Result<Response, Response> {
    if admin.on_behalf_of().is_some() {
        // The account is the village admin's; the regency only writes posts for it.
        return Err(view::forbidden(&admin, strings::ON_BEHALF_NOT_THE_ACCOUNT));
    }
    let user = &admin.session.user;
    let refuse = |text: Text| show(&admin, StatusCode::BAD_REQUEST, Some(text), None);
    if fields.get("form") == "password" {
        if !auth::password::verify(&user.password_hash, fields.get("current_password")).await {
            return Err(refuse(strings::ADMIN_PASSWORD_CURRENT_WRONG));
        }
        let new = fields.get("new_password");
        if new != fields.get("repeat_password") {
            return Err(refuse(strings::ADMIN_PASSWORD_MISMATCH));
        }
        match auth::set_password(&state.store, user, new).await {
            Ok(()) => {}
            Err(AuthError::Refused(invalid)) => return Err(refuse(invalid.0)),
            Err(AuthError::Failed(err)) => return Err(view::failure(err)),
        }
        tracing::info!(user = %user.username, "password changed");
        let token = auth::start_session(&state.store, user)
            .await
            .map_err(view::failure)?;
        let mut response = view::done("/admin/account", "password");
        if let Ok(value) = session::session_cookie(&state, &token).parse() {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
        return Ok(response);
    }
    let language = match fields.get("language") {
        "" => "",
        code => Lang::parse(code)
            .map(Lang::code)
            .ok_or_else(|| refuse(strings::ADMIN_FORM_UNREADABLE))?,
    };
    let display_name: String = match fields.get("display_name").trim() {
        "" => user.display_name.clone(),
        name => name.chars().take(100).collect(),
    };
    state
        .store
        .update_user(user.id, &display_name, user.role, language, user.disabled)
        .await
        .map_err(view::failure)?;
    Ok(view::done("/admin/account", "account"))
}
