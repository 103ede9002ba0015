//! `/admin/login` and `/admin/logout`. The login form has no session yet, so its CSRF
//! token is double-submitted: a random token in a Strict cookie and the same in the
//! form. A wrong password says only that the pair was wrong, whether the name exists or
//! not; too many failures of a name or from an address (`auth::throttle`) get a 429 with
//! `Retry-After`, the same again for every name.

use super::{
    fields::FormFields,
    session::{self, Admin, AdminPost, LOGIN_COOKIE},
    view,
};
use crate::{
    actors,
    auth::{self, LoginRefusal},
    clock::now_ms,
    error::AppError,
    site::{self, SiteSettings},
    state::AppState,
    strings::{self, Lang, Text},
    web::{client::client_address, render::render},
};
use axum::{
    extract::{ConnectInfo, Query, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use minijinja::{Value, context};
use std::net::SocketAddr;

#[derive(Debug, Default, serde::Deserialize)]
pub struct LoginQuery {
    #[serde(default)]
    next: String,
}

fn next_or_home(next: &str) -> &str {
    session::safe_next(next).unwrap_or("/admin")
}

/// The login form with a fresh double-submit token.
async fn login_page(
    state: &AppState,
    settings: &SiteSettings,
    status: StatusCode,
    username: &str,
    next: &str,
    error: Option<String>,
) -> Result<Response, AppError> {
    let lang = settings.language;
    let site_name = actors::publishing_actors(&state.store)
        .await?
        .into_iter()
        .next()
        .map(|actor| actor.name)
        .unwrap_or_else(|| "Kentongan".into());
    let token = auth::new_form_token();
    let mut response = render(
        status,
        "admin/login.html",
        context! {
            t => Value::from_dyn_object(settings.texts(lang)),
            lang => lang.code(),
            site_name => site_name,
            csrf => token.clone(),
            username => username,
            next => next_or_home(next),
            error => error,
        },
    )?;
    if let Ok(value) = session::login_cookie(state, &token).parse() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}

pub async fn form(
    State(state): State<AppState>,
    admin: Result<Admin, Response>,
    Query(query): Query<LoginQuery>,
) -> Result<Response, AppError> {
    if admin.is_ok() {
        return Ok(Redirect::to(next_or_home(&query.next)).into_response());
    }
    let settings = site::load(&state.store).await?;
    login_page(&state, &settings, StatusCode::OK, "", &query.next, None).await
}

/// How long to wait, in words coarse enough to read the same for every name: the exact
/// number of seconds is in `Retry-After`.
fn wait_message(wait_seconds: i64, lang: Lang) -> String {
    if wait_seconds < 60 {
        return strings::ADMIN_LOGIN_SLOWED_MOMENT.get(lang).to_string();
    }
    let minutes = (wait_seconds + 59) / 60;
    strings::ADMIN_LOGIN_SLOWED_MINUTES
        .get(lang)
        .replace("{minutes}", &minutes.to_string())
}

pub async fn submit(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    FormFields(fields): FormFields,
) -> Result<Response, AppError> {
    let settings = site::load(&state.store).await?;
    let lang = settings.language;
    let username = fields.get("username");
    let next = fields.get("next");
    let refuse = |status: StatusCode, text: Text| {
        login_page(
            &state,
            &settings,
            status,
            username,
            next,
            Some(text.get(lang).to_string()),
        )
    };

    let origin = session::origin_of(&headers);
    if !session::origin_allowed(origin.as_deref(), state.urls.base()) {
        return refuse(StatusCode::FORBIDDEN, strings::ADMIN_FOREIGN_ORIGIN).await;
    }
    let expected = session::cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    if !auth::tokens_match(&expected, fields.get("csrf")) {
        return refuse(StatusCode::FORBIDDEN, strings::ADMIN_LOGIN_FORM_EXPIRED).await;
    }

    let address = client_address(peer, &headers);
    let password = fields.get("password");
    match auth::login(&state.store, username, password, &address).await? {
        Ok(user) => {
            let token = auth::start_session(&state.store, &user).await?;
            tracing::info!(user = %user.username, "signed in");
            let mut response = Redirect::to(next_or_home(next)).into_response();
            let headers = response.headers_mut();
            if let Ok(value) = session::session_cookie(&state, &token).parse() {
                headers.append(header::SET_COOKIE, value);
            }
            Ok(response)
        }
        Err(LoginRefusal::WrongCredentials) => {
            refuse(StatusCode::UNAUTHORIZED, strings::ADMIN_LOGIN_WRONG).await
        }
        Err(LoginRefusal::Slowed(until)) => {
            let wait = ((until - now_ms()).max(0) + 999) / 1000;
            let wait = wait.max(1);
            let message = wait_message(wait, lang);
            let mut response = login_page(
                &state,
                &settings,
                StatusCode::TOO_MANY_REQUESTS,
                username,
                next,
                Some(message),
            )
            .await?;
            if let Ok(value) = wait.to_string().parse() {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            Ok(response)
        }
    }
}

pub async fn logout(
    State(state): State<AppState>,
    AdminPost { admin, .. }: AdminPost,
) -> Result<Response, Response> {
    auth::end_session(&state.store, &admin.session)
        .await
        .map_err(view::failure)?;
    let mut response = Redirect::to("/admin/login").into_response();
    if let Ok(value) = session::clear_session_cookie(&state).parse() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}
