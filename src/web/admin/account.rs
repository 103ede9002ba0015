//! `/admin/account`: the signed-in account's own display name, language and password.
//! A new password ends every session of the account (`auth::set_password`), so this
//! browser gets a fresh one.

use super::{
    fields::FormFields,
    session::{self, Admin},
    view::{self, OkQuery},
};
use crate::{
    auth,
    state::AppState,
    web::strings::{self, Lang, Text},
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
    admin: Admin,
    FormFields(fields): FormFields,
) -> Response {
    if let Err(refused) = admin.check_form(&state, fields.get("csrf")) {
        return refused;
    }
    let user = &admin.session.user;
    if fields.get("form") == "password" {
        if !auth::password::verify(&user.password_hash, fields.get("current_password")).await {
            return show(
                &admin,
                StatusCode::BAD_REQUEST,
                Some(strings::ADMIN_PASSWORD_CURRENT_WRONG),
                None,
            );
        }
        let new = fields.get("new_password");
        if new != fields.get("repeat_password") {
            return show(
                &admin,
                StatusCode::BAD_REQUEST,
                Some(strings::ADMIN_PASSWORD_MISMATCH),
                None,
            );
        }
        if let Err(err) = auth::set_password(&state.store, user, new).await {
            return match err.downcast_ref::<crate::publishing::InvalidInput>() {
                Some(invalid) => show(&admin, StatusCode::BAD_REQUEST, Some(invalid.0), None),
                None => view::failure(err),
            };
        }
        tracing::info!(user = %user.username, "password changed");
        let token = match auth::start_session(&state.store, user).await {
            Ok(token) => token,
            Err(err) => return view::failure(err),
        };
        let mut response = view::done("/admin/account", "password");
        if let Ok(value) = session::session_cookie(&state, &token).parse() {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
        return response;
    }
    let language = match fields.get("language") {
        "" => "",
        code => match Lang::parse(code) {
            Some(lang) => lang.code(),
            None => {
                return show(
                    &admin,
                    StatusCode::BAD_REQUEST,
                    Some(strings::ADMIN_FORM_UNREADABLE),
                    None,
                );
            }
        },
    };
    let display_name: String = match fields.get("display_name").trim() {
        "" => user.display_name.clone(),
        name => name.chars().take(100).collect(),
    };
    match state
        .store
        .update_user(user.id, &display_name, &user.role, language, user.disabled)
        .await
    {
        Ok(()) => view::done("/admin/account", "account"),
        Err(err) => view::failure(err),
    }
}
