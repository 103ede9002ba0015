//! Who is signed in. The `Admin` extractor reads the session cookie and loads the
//! account, its language and the site; a request without a live session is sent to the
//! login form. `Admin::check_form` is the gate every POST passes: the session's CSRF token
//! in the hidden `csrf` field and, when the browser names one, our own Origin.

use super::view;
use crate::{
    actors,
    auth::{self, Role},
    error::AppError,
    site::{self, SiteSettings},
    state::AppState,
    store::{ActorRecord, SessionRecord},
    web::strings::{self, Lang, PageTexts},
};
use axum::{
    extract::FromRequestParts,
    http::{HeaderMap, Method, header, request::Parts},
    response::{IntoResponse, Redirect, Response},
};
use std::sync::Arc;
use url::Url;

pub const SESSION_COOKIE: &str = "kentongan_session";
/// The login form's double-submit token.
pub const LOGIN_COOKIE: &str = "kentongan_login";

/// A signed-in account with everything an admin page needs.
pub struct Admin {
    pub session: SessionRecord,
    pub role: Role,
    pub lang: Lang,
    pub settings: SiteSettings,
    pub texts: Arc<PageTexts>,
    /// The village's main actor: its name is the site's name.
    pub actor: ActorRecord,
    origin: Option<String>,
}

/// The value of one cookie of the request.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim_matches('"').to_string())
}

fn is_https(state: &AppState) -> bool {
    state.urls.base().scheme() == "https"
}

/// `Set-Cookie` for the session: HttpOnly, Lax (links from WhatsApp still arrive signed
/// in; cross-site posts do not carry it), Secure on https.
pub fn session_cookie(state: &AppState, token: &str) -> String {
    let secure = if is_https(state) { "; Secure" } else { "" };
    let max_age = auth::SESSION_IDLE_MS / 1000;
    format!("{SESSION_COOKIE}={token}; HttpOnly; SameSite=Lax; Path=/; Max-Age={max_age}{secure}")
}

pub fn clear_session_cookie(state: &AppState) -> String {
    let secure = if is_https(state) { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0{secure}")
}

/// `Set-Cookie` for the login form's token: Strict, only sent back to the login form.
pub fn login_cookie(state: &AppState, token: &str) -> String {
    let secure = if is_https(state) { "; Secure" } else { "" };
    format!(
        "{LOGIN_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/admin/login; Max-Age=3600{secure}"
    )
}

/// True when there is no Origin header (old browsers, tests) or it is ours.
pub fn origin_allowed(origin: Option<&str>, base: &Url) -> bool {
    match origin {
        None => true,
        Some(origin) => origin == base.origin().ascii_serialization(),
    }
}

pub fn origin_of(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::ORIGIN)
        .map(|value| value.to_str().unwrap_or("invalid").to_string())
}

/// Where to go after login: only a path inside the admin, never another site.
pub fn safe_next(next: &str) -> Option<&str> {
    let ok = next.starts_with("/admin")
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control);
    ok.then_some(next)
}

fn to_login(parts: &Parts) -> Response {
    let next = if parts.method == Method::GET {
        parts
            .uri
            .path_and_query()
            .map(|pq| pq.as_str().to_string())
            .unwrap_or_else(|| "/admin".into())
    } else {
        "/admin".into()
    };
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("next", &next)
        .finish();
    Redirect::to(&format!("/admin/login?{query}")).into_response()
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE).filter(|t| !t.is_empty()) else {
            return Err(to_login(parts));
        };
        let session = auth::session(&state.store, &token)
            .await
            .map_err(|err| AppError::from(err).into_response())?;
        let Some(session) = session else {
            return Err(to_login(parts));
        };
        let settings = site::load(&state.store)
            .await
            .map_err(|err| AppError::from(err).into_response())?;
        let actor = actors::publishing_actors(&state.store)
            .await
            .map_err(|err| AppError::from(err).into_response())?
            .into_iter()
            .next()
            .ok_or_else(|| AppError::NotFound(strings::NO_ACTOR.id.to_string()).into_response())?;
        let lang = Lang::parse(&session.user.language).unwrap_or(settings.language);
        Ok(Self {
            role: Role::of(&session.user),
            texts: settings.texts(lang),
            lang,
            settings,
            actor,
            origin: origin_of(&parts.headers),
            session,
        })
    }
}

impl Admin {
    pub fn user_id(&self) -> i64 {
        self.session.user.id
    }

    /// The CSRF and Origin gate of every POST; a refusal is a 403 page.
    // The refusal is the page itself, answered at once: no need to box it.
    #[allow(clippy::result_large_err)]
    pub fn check_form(&self, state: &AppState, submitted_csrf: &str) -> Result<(), Response> {
        if !origin_allowed(self.origin.as_deref(), state.urls.base()) {
            return Err(view::forbidden(self, strings::ADMIN_FOREIGN_ORIGIN));
        }
        if !auth::tokens_match(&self.session.csrf_token, submitted_csrf) {
            return Err(view::forbidden(self, strings::ADMIN_CSRF_MISMATCH));
        }
        Ok(())
    }

    /// Refuses unless the account's role allows it.
    #[allow(clippy::result_large_err)]
    pub fn require(&self, allowed: bool) -> Result<(), Response> {
        if allowed {
            Ok(())
        } else {
            Err(view::forbidden(self, strings::ADMIN_FORBIDDEN))
        }
    }

    /// Editors and admins manage posts of anyone, pages and categories.
    pub fn can_manage(&self) -> bool {
        self.role.can_publish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_origin_passes() {
        let base = Url::parse("https://desa.example/").expect("url");
        assert!(origin_allowed(None, &base));
        assert!(origin_allowed(Some("https://desa.example"), &base));
        assert!(!origin_allowed(Some("https://evil.example"), &base));
        assert!(!origin_allowed(Some("null"), &base));
        let local = Url::parse("http://localhost:8080/").expect("url");
        assert!(origin_allowed(Some("http://localhost:8080"), &local));
        assert!(!origin_allowed(Some("http://localhost:8081"), &local));
    }

    #[test]
    fn next_stays_inside_the_admin() {
        assert_eq!(safe_next("/admin/posts/new"), Some("/admin/posts/new"));
        for bad in [
            "//evil.example/admin",
            "https://evil.example",
            "/\\evil",
            "/p/x",
            "",
        ] {
            assert_eq!(safe_next(bad), None, "{bad}");
        }
    }

    #[test]
    fn cookies_are_read_by_name() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            "a=1; kentongan_session=tok; b=2".parse().expect("header"),
        );
        assert_eq!(cookie(&headers, SESSION_COOKIE).as_deref(), Some("tok"));
        assert_eq!(cookie(&headers, "c"), None);
    }
}
