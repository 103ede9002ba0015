//! Who is signed in, and whether they may be here. The `Admin` extractor reads the
//! session cookie and loads the account, its language and the site; a request without a
//! live session is sent to the login form, and one whose role lacks the permission of the
//! route's row (`web::access`, put on the request by the router) gets a 403 page before
//! any handler runs. A route with no row is refused to everyone. Every POST handler takes
//! an [`AdminPost`] (or an [`AdminMultipart`]) instead: the account together with its
//! form, already through the gate of the session's CSRF token in the hidden `csrf` field
//! and, when the browser names one, our own Origin. The gate is private to this file, so
//! a handler cannot reach a form's fields without it.

use super::{
    MAX_FORM_BYTES,
    fields::{Fields, FormFields, Unreadable},
    view,
};
use crate::{
    actors,
    auth::{self, Permission, Reach, Role},
    error::AppError,
    site::{self, SiteSettings},
    state::AppState,
    store::{ActorRecord, SessionRecord},
    strings::{self, Lang, PageTexts},
    web::access::Access,
};
use axum::{
    body::Body,
    extract::{FromRequest, FromRequestParts, Multipart, Request},
    http::{HeaderMap, Method, StatusCode, header, request::Parts},
    response::{IntoResponse, Redirect, Response},
};
use futures::StreamExt;
use std::{sync::Arc, time::Duration};
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

/// The admin page a POST was sent from, by its Referer (sent within the site:
/// `Referrer-Policy: same-origin`): where a form whose session ended returns after login.
fn sending_page(headers: &HeaderMap, base: &Url) -> Option<String> {
    let referer = headers.get(header::REFERER)?.to_str().ok()?;
    let url = Url::parse(referer).ok()?;
    if url.origin() != base.origin() {
        return None;
    }
    let path = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_string(),
    };
    safe_next(&path).map(String::from)
}

/// To the login form, remembering where to come back: the page asked for, or for a
/// POST the page whose form was sent (the editor, whose script has kept what was typed).
fn to_login(parts: &Parts, state: &AppState) -> Response {
    let next = if parts.method == Method::GET {
        parts
            .uri
            .path_and_query()
            .map(|pq| pq.as_str().to_string())
            .unwrap_or_else(|| "/admin".into())
    } else {
        sending_page(&parts.headers, state.urls.base()).unwrap_or_else(|| "/admin".into())
    };
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("next", &next)
        .finish();
    Redirect::to(&format!("/admin/login?{query}")).into_response()
}

/// Whether the request comes from a signed-in account, for public pages that show staff
/// a little more. Never refuses: no session, or an expired one, is `false`.
pub async fn is_signed_in(state: &AppState, headers: &HeaderMap) -> anyhow::Result<bool> {
    match cookie(headers, SESSION_COOKIE).filter(|t| !t.is_empty()) {
        Some(token) => Ok(auth::session(&state.store, &token).await?.is_some()),
        None => Ok(false),
    }
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE).filter(|t| !t.is_empty()) else {
            return Err(to_login(parts, state));
        };
        let session = auth::session(&state.store, &token)
            .await
            .map_err(|err| AppError::from(err).into_response())?;
        let Some(session) = session else {
            return Err(to_login(parts, state));
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
        // The regency writing for the village (`regency_staff`) writes and publishes;
        // the village's settings and accounts stay its own admins'.
        let role = match (&session.on_behalf_of, session.user.role) {
            (Some(_), Role::Admin) => Role::Editor,
            (_, role) => role,
        };
        let admin = Self {
            role,
            texts: settings.texts(lang),
            lang,
            settings,
            actor,
            origin: origin_of(&parts.headers),
            session,
        };
        match parts.extensions.get::<Access>() {
            Some(Access::Public) => Ok(admin),
            Some(Access::Signed(permission)) if admin.may(*permission) => Ok(admin),
            Some(Access::Signed(_)) => Err(view::forbidden(&admin, strings::ADMIN_FORBIDDEN)),
            // Fail closed: a route registered around the matrix works for no one.
            Some(Access::ApiToken) | None => {
                let path = parts.uri.path();
                tracing::error!(%path, "an admin route without its row in the matrix");
                Err(view::forbidden(&admin, strings::ADMIN_FORBIDDEN))
            }
        }
    }
}

impl Admin {
    pub fn user_id(&self) -> i64 {
        self.session.user.id
    }

    /// Who this session writes on behalf of: the regency's hosting admin, when it was
    /// opened from the hosting pages.
    pub fn on_behalf_of(&self) -> Option<&str> {
        self.session.on_behalf_of.as_deref()
    }

    /// Whether the account's role allows this, at least for its own things.
    pub fn may(&self, permission: Permission) -> bool {
        auth::allows(self.role, permission)
    }

    /// How far this permission reaches for the account's role.
    pub fn reach(&self, permission: Permission) -> Reach {
        auth::reach(self.role, permission)
    }

    /// Whether a thing written by `author` is within reach of this permission.
    pub fn reaches(&self, permission: Permission, author: Option<i64>) -> bool {
        match self.reach(permission) {
            Reach::All => true,
            Reach::Own => author == Some(self.user_id()),
            Reach::None => false,
        }
    }
}

/// A POST from a signed-in account with its url-encoded form, which passed the CSRF and
/// Origin gate. Refused before the handler runs: no session (to the login form), a
/// foreign Origin or a wrong token (a 403 page).
pub struct AdminPost {
    pub admin: Admin,
    pub fields: Fields,
}

/// The same for a `multipart/form-data` form (the editor, the settings with their images).
/// A body that cannot be read is refused first (413 or 400), and nothing it carried is
/// stored before the gate.
pub struct AdminMultipart(pub AdminPost);

/// The session of a request, and the request back to read its body. A refused request's
/// body is read to its end and thrown away before the answer, as nginx's lingering close
/// does: a server that answers and closes while the browser is still sending resets the
/// connection, the browser never sees the login form, takes it for a lost connection and
/// sends the photo again, over a phone's data plan each time.
async fn signed_in(req: Request, state: &AppState) -> Result<(Admin, Request), Response> {
    let (mut parts, body) = req.into_parts();
    match Admin::from_request_parts(&mut parts, state).await {
        Ok(admin) => Ok((admin, Request::from_parts(parts, body))),
        Err(refusal) => {
            discard(&parts.headers, body).await;
            Err(refusal)
        }
    }
}

/// How long a refused request's body is read at most: a photo from a phone on a slow
/// connection, not a sender that trickles bytes to hold the connection.
const DISCARD_FOR: Duration = Duration::from_secs(20);

/// Reads a body to its end without keeping it, within the admin's form limit and
/// [`DISCARD_FOR`]; a body declared larger than the limit is not read at all.
async fn discard(headers: &HeaderMap, body: Body) {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok()?.parse::<usize>().ok());
    if declared.is_some_and(|length| length > MAX_FORM_BYTES) {
        return;
    }
    let mut chunks = body.into_data_stream();
    let mut read = 0;
    let drain = async {
        while let Some(Ok(chunk)) = chunks.next().await {
            read += chunk.len();
            if read > MAX_FORM_BYTES {
                break;
            }
        }
    };
    // Past the deadline the refusal is answered anyway, as before.
    let _ = tokio::time::timeout(DISCARD_FOR, drain).await;
}

/// The CSRF and Origin gate of every POST; a refusal is a 403 page.
// The refusal is the page itself, answered at once: no need to box it.
#[allow(clippy::result_large_err)]
fn check_form(state: &AppState, admin: Admin, fields: Fields) -> Result<AdminPost, Response> {
    if !origin_allowed(admin.origin.as_deref(), state.urls.base()) {
        return Err(view::forbidden(&admin, strings::ADMIN_FOREIGN_ORIGIN));
    }
    if !auth::tokens_match(&admin.session.csrf_token, fields.get("csrf")) {
        return Err(view::forbidden(&admin, strings::ADMIN_CSRF_MISMATCH));
    }
    Ok(AdminPost { admin, fields })
}

impl FromRequest<AppState> for AdminPost {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (admin, req) = signed_in(req, state).await?;
        let Ok(FormFields(fields)) = FormFields::from_request(req, state).await;
        check_form(state, admin, fields)
    }
}

impl FromRequest<AppState> for AdminMultipart {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (admin, req) = signed_in(req, state).await?;
        let read = match Multipart::from_request(req, state).await {
            Ok(multipart) => Fields::from_multipart(multipart).await,
            Err(_) => Err(Unreadable::Malformed),
        };
        let fields = match read {
            Ok(fields) => fields,
            Err(Unreadable::TooLarge) => {
                let text = strings::ADMIN_FORM_TOO_LARGE;
                return Err(view::message(&admin, StatusCode::PAYLOAD_TOO_LARGE, text));
            }
            Err(Unreadable::Malformed) => {
                let text = strings::ADMIN_FORM_UNREADABLE;
                return Err(view::message(&admin, StatusCode::BAD_REQUEST, text));
            }
        };
        check_form(state, admin, fields).map(Self)
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
