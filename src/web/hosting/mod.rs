//! The regency's hosting pages (issue 13 point 4, docs/adr/0002 decision 7), served on
//! the node's hosting host name only (`node` puts them in front with `hosting::in_front`):
//! sign in and out, every site's health, adding a site, a village admin's new password,
//! and the one-time sign-in to write for a village that allowed it. The rules are
//! `regency_staff`'s, and the sites are reached through its `Desk`, whatever holds them;
//! this module turns forms into the desk's calls and its refusals into pages. It looks
//! like the village admin (its base template and style) and guards its forms the same
//! way: a session cookie of its own (`kentongan_hosting`, host-only, so the hosting host
//! never sees a village's cookie nor a village the hosting one), the session's CSRF token
//! in every POST and, when the browser names one, our own Origin. No API token is
//! accepted here: the hosting pages have no API.
//!
//! Every word is in Bahasa Indonesia first and English second, as on the village admin:
//! the login form in Bahasa Indonesia unless it is asked for in English (`?lang=en`, a
//! link on it), the signed-in pages in the language the administrator chose for their
//! account (`/account`; Bahasa Indonesia until they choose).

use super::{
    admin::{cookie, origin_allowed, origin_of},
    client::client_address,
    forms::{Fields, FormFields},
    render::render,
};
use crate::{
    auth::{self, LoginRefusal},
    clock::now_ms,
    error::AppError,
    regency_staff::{Desk, NewSite, SiteHealth, StaffError},
    site::TimeZone,
    store::SessionRecord,
    strings::{self, Lang, PageTexts, Text},
};
use axum::{
    Router,
    extract::{ConnectInfo, FromRequest, FromRequestParts, Path, Query, Request, State},
    http::{HeaderMap, HeaderValue, StatusCode, header, request::Parts},
    middleware,
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use minijinja::{Value, context};
use std::{net::SocketAddr, sync::Arc};

pub const SESSION_COOKIE: &str = "kentongan_hosting";
/// The login form's double-submit token.
pub const LOGIN_COOKIE: &str = "kentongan_hosting_login";

/// The pages' templates (name, source), in the one environment (`web::render`).
pub const TEMPLATES: &[(&str, &str)] = &[
    (
        "hosting/base.html",
        include_str!("../templates/hosting/base.html"),
    ),
    (
        "hosting/login.html",
        include_str!("../templates/hosting/login.html"),
    ),
    (
        "hosting/message.html",
        include_str!("../templates/hosting/message.html"),
    ),
    (
        "hosting/sites.html",
        include_str!("../templates/hosting/sites.html"),
    ),
    (
        "hosting/new_site.html",
        include_str!("../templates/hosting/new_site.html"),
    ),
    (
        "hosting/password_once.html",
        include_str!("../templates/hosting/password_once.html"),
    ),
    (
        "hosting/reset.html",
        include_str!("../templates/hosting/reset.html"),
    ),
    (
        "hosting/account.html",
        include_str!("../templates/hosting/account.html"),
    ),
];

type Desked = State<Arc<dyn Desk>>;

/// Every hosting page; anything else on the hosting host is 404.
pub fn routes(desk: Arc<dyn Desk>) -> Router {
    Router::new()
        .route("/", get(overview))
        .route("/login", get(login_form).post(login_submit))
        .route("/logout", post(logout))
        .route("/account", get(account_form).post(account_submit))
        .route("/sites/new", get(new_site_form).post(new_site_submit))
        .route("/sites/{host}/password", get(reset_form).post(reset_submit))
        .route("/sites/{host}/write", post(write_for))
        .fallback(|| async { AppError::NotFound(strings::NOT_FOUND.id.to_string()) })
        .with_state(desk)
        .layer(middleware::map_response(security_headers))
        .layer(middleware::map_response(super::safety::headers))
}

/// As the village admin's pages: never cached, their addresses never in a Referer.
async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(super::safety::ADMIN_CSP),
    );
    response
}

fn is_https(desk: &dyn Desk) -> bool {
    desk.base_url().scheme() == "https"
}

fn secure(desk: &dyn Desk) -> &'static str {
    if is_https(desk) { "; Secure" } else { "" }
}

fn lang_of(code: &str) -> Lang {
    Lang::parse(code).unwrap_or_default()
}

/// The other language, which the login form links to.
fn other(lang: Lang) -> Lang {
    match lang {
        Lang::Id => Lang::En,
        Lang::En => Lang::Id,
    }
}

/// `?lang=en` on the login form.
#[derive(Debug, Default, serde::Deserialize)]
pub struct LangQuery {
    #[serde(default)]
    lang: String,
}

fn texts(lang: Lang) -> Arc<PageTexts> {
    strings::for_page(lang, "desa")
}

/// A signed-in hosting administrator.
pub struct Staff {
    session: SessionRecord,
    lang: Lang,
    origin: Option<String>,
}

impl Staff {
    fn base(&self) -> Value {
        context! {
            t => Value::from_dyn_object(texts(self.lang)),
            lang => self.lang.code(),
            site_name => strings::STAFF_TITLE.get(self.lang),
            csrf => self.session.csrf_token.clone(),
            me => context! { username => self.session.user.username.clone() },
        }
    }

    fn page(&self, status: StatusCode, template: &str, ctx: Value) -> Response {
        match render(status, template, context! { ..ctx, ..self.base() }) {
            Ok(response) => response,
            Err(err) => err.into_response(),
        }
    }

    fn message(&self, status: StatusCode, text: Text) -> Response {
        self.page(
            status,
            "hosting/message.html",
            context! {
                message => text.fill(self.lang, "desa"),
                is_error => status.is_client_error(),
            },
        )
    }

    /// A refusal of the desk as a page: the staff's to fix (400), not there (404), or
    /// ours (503, logged).
    fn refused(&self, err: StaffError) -> Response {
        match err {
            StaffError::Refused(invalid) => self.message(StatusCode::BAD_REQUEST, invalid.0),
            StaffError::NotFound => self.message(StatusCode::NOT_FOUND, strings::STAFF_NOT_FOUND),
            StaffError::Failed(err) => AppError::Unavailable(err).into_response(),
        }
    }
}

impl FromRequestParts<Arc<dyn Desk>> for Staff {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, desk: &Arc<dyn Desk>) -> Result<Self, Response> {
        let to_login = || Redirect::to("/login").into_response();
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE).filter(|t| !t.is_empty()) else {
            return Err(to_login());
        };
        let session = auth::session(desk.accounts(), &token)
            .await
            .map_err(|err| AppError::from(err).into_response())?;
        let Some(session) = session else {
            return Err(to_login());
        };
        Ok(Self {
            lang: lang_of(&session.user.language),
            session,
            origin: origin_of(&parts.headers),
        })
    }
}

/// A POST of a signed-in hosting administrator, through the CSRF and Origin gate.
pub struct StaffPost {
    staff: Staff,
    fields: Fields,
}

impl FromRequest<Arc<dyn Desk>> for StaffPost {
    type Rejection = Response;

    async fn from_request(req: Request, desk: &Arc<dyn Desk>) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let staff = Staff::from_request_parts(&mut parts, desk).await?;
        let Ok(FormFields(fields)) =
            FormFields::from_request(Request::from_parts(parts, body), desk).await;
        if !origin_allowed(staff.origin.as_deref(), desk.base_url()) {
            return Err(staff.message(StatusCode::FORBIDDEN, strings::ADMIN_FOREIGN_ORIGIN));
        }
        if !auth::tokens_match(&staff.session.csrf_token, fields.get("csrf")) {
            return Err(staff.message(StatusCode::FORBIDDEN, strings::ADMIN_CSRF_MISMATCH));
        }
        Ok(Self { staff, fields })
    }
}

/// The login form, with a fresh double-submit token.
fn login_page(
    desk: &dyn Desk,
    lang: Lang,
    status: StatusCode,
    username: &str,
    error: Option<Text>,
) -> Result<Response, AppError> {
    let token = auth::new_form_token();
    let mut response = render(
        status,
        "hosting/login.html",
        context! {
            t => Value::from_dyn_object(texts(lang)),
            lang => lang.code(),
            other_lang => other(lang).code(),
            site_name => strings::STAFF_TITLE.get(lang),
            csrf => token.clone(),
            username => username,
            error => error.map(|text| text.get(lang)),
        },
    )?;
    let cookie = format!(
        "{LOGIN_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/login; Max-Age=3600{}",
        secure(desk)
    );
    if let Ok(value) = cookie.parse() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}

async fn login_form(
    State(desk): Desked,
    Query(query): Query<LangQuery>,
    staff: Result<Staff, Response>,
) -> Response {
    if staff.is_ok() {
        return Redirect::to("/").into_response();
    }
    login_page(&*desk, lang_of(&query.lang), StatusCode::OK, "", None).into_response()
}

async fn login_submit(
    State(desk): Desked,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    FormFields(fields): FormFields,
) -> Result<Response, AppError> {
    let username = fields.get("username");
    let lang = lang_of(fields.get("lang"));
    let origin = origin_of(&headers);
    if !origin_allowed(origin.as_deref(), desk.base_url()) {
        return login_page(
            &*desk,
            lang,
            StatusCode::FORBIDDEN,
            username,
            Some(strings::ADMIN_FOREIGN_ORIGIN),
        );
    }
    let expected = cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    if !auth::tokens_match(&expected, fields.get("csrf")) {
        return login_page(
            &*desk,
            lang,
            StatusCode::FORBIDDEN,
            username,
            Some(strings::ADMIN_LOGIN_FORM_EXPIRED),
        );
    }
    let address = client_address(peer, &headers);
    let accounts = desk.accounts();
    match auth::login(accounts, username, fields.get("password"), &address).await? {
        Ok(user) => {
            let token = auth::start_session(accounts, &user).await?;
            tracing::info!(staff = %user.username, "hosting administrator signed in");
            let mut response = Redirect::to("/").into_response();
            let cookie = format!(
                "{SESSION_COOKIE}={token}; HttpOnly; SameSite=Lax; Path=/; Max-Age={}{}",
                auth::SESSION_IDLE_MS / 1000,
                secure(&*desk)
            );
            if let Ok(value) = cookie.parse() {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
            Ok(response)
        }
        Err(LoginRefusal::WrongCredentials) => login_page(
            &*desk,
            lang,
            StatusCode::UNAUTHORIZED,
            username,
            Some(strings::ADMIN_LOGIN_WRONG),
        ),
        Err(LoginRefusal::Slowed(until)) => {
            let wait = (((until - now_ms()).max(0) + 999) / 1000).max(1);
            let mut response = login_page(
                &*desk,
                lang,
                StatusCode::TOO_MANY_REQUESTS,
                username,
                Some(strings::ADMIN_LOGIN_SLOWED_MOMENT),
            )?;
            if let Ok(value) = wait.to_string().parse() {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            Ok(response)
        }
    }
}

async fn logout(State(desk): Desked, StaffPost { staff, .. }: StaffPost) -> Response {
    if let Err(err) = auth::end_session(desk.accounts(), &staff.session).await {
        return AppError::from(err).into_response();
    }
    let mut response = Redirect::to("/login").into_response();
    let cookie = format!(
        "{SESSION_COOKIE}=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0{}",
        secure(&*desk)
    );
    if let Ok(value) = cookie.parse() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// The account page: the language of the hosting pages for this administrator.
fn account_page(staff: &Staff, flash: Option<Text>) -> Response {
    let languages: Vec<Value> = [Lang::Id, Lang::En]
        .into_iter()
        .map(|lang| {
            let label = match lang {
                Lang::Id => strings::ADMIN_LANG_ID,
                Lang::En => strings::ADMIN_LANG_EN,
            };
            context! {
                value => lang.code(),
                label => label.get(staff.lang),
                selected => lang == staff.lang,
            }
        })
        .collect();
    staff.page(
        StatusCode::OK,
        "hosting/account.html",
        context! {
            languages => languages,
            flash => flash.map(|text| text.get(staff.lang)),
        },
    )
}

async fn account_form(staff: Staff) -> Response {
    account_page(&staff, None)
}

async fn account_submit(
    State(desk): Desked,
    StaffPost { mut staff, fields }: StaffPost,
) -> Response {
    let Some(lang) = Lang::parse(fields.get("language")) else {
        return staff.message(StatusCode::BAD_REQUEST, strings::ADMIN_FORM_UNREADABLE);
    };
    let user = &staff.session.user;
    if let Err(err) = desk
        .accounts()
        .update_user(
            user.id,
            &user.display_name,
            user.role,
            lang.code(),
            user.disabled,
        )
        .await
    {
        return AppError::Unavailable(err).into_response();
    }
    staff.lang = lang;
    account_page(&staff, Some(strings::STAFF_ACCOUNT_SAVED))
}

/// Bytes in words a person reads at a glance.
fn size_label(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KB", "MB", "GB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

fn health_row(desk: &dyn Desk, health: &SiteHealth, lang: Lang) -> Value {
    let role = match health.role {
        crate::config::Role::Portal => strings::STAFF_ROLE_PORTAL,
        crate::config::Role::Village => strings::STAFF_ROLE_VILLAGE,
    };
    if let Some(problem) = &health.problem {
        tracing::warn!(domain = %health.domain, %problem, "a site's figures could not be read");
    }
    context! {
        domain => health.domain.clone(),
        url => format!("{}://{}/", desk.base_url().scheme(), health.domain),
        name => health.name.clone(),
        role => role.fill(lang, "desa"),
        state => health.state,
        state_label => health.state.label().get(lang),
        last_post => health
            .last_post_at
            .map(|at| TimeZone::default().date_time_label(at, lang))
            .unwrap_or_else(|| strings::STAFF_NEVER_POSTED.get(lang).to_string()),
        deliveries_pending => health.counts.deliveries_pending,
        deliveries_failed => health.counts.deliveries_failed_recently,
        tickets_open => health.counts.tickets_open,
        tickets_overdue => health.counts.tickets_overdue,
        disk => size_label(health.disk_bytes),
        may_write => health.may_write,
        problem => health.problem.is_some(),
    }
}

async fn overview(State(desk): Desked, staff: Staff) -> Response {
    let sites: Vec<Value> = desk
        .overview()
        .await
        .iter()
        .map(|health| health_row(&*desk, health, staff.lang))
        .collect();
    staff.page(
        StatusCode::OK,
        "hosting/sites.html",
        context! { sites => sites },
    )
}

fn new_site_of(fields: &Fields) -> NewSite {
    NewSite {
        domain: fields.get("domain").trim().to_string(),
        username: fields.get("username").trim().to_string(),
        name: fields.get("name").trim().to_string(),
        role: fields.get("role").trim().to_string(),
        admin_username: fields.get("admin_username").trim().to_string(),
    }
}

fn new_site_page(
    staff: &Staff,
    status: StatusCode,
    form: &NewSite,
    error: Option<Text>,
) -> Response {
    staff.page(
        status,
        "hosting/new_site.html",
        context! {
            form => context! {
                domain => form.domain.clone(),
                username => form.username.clone(),
                name => form.name.clone(),
                role => form.role.clone(),
                admin_username => form.admin_username.clone(),
            },
            error => error.map(|text| text.fill(staff.lang, "desa")),
        },
    )
}

async fn new_site_form(staff: Staff) -> Response {
    new_site_page(&staff, StatusCode::OK, &NewSite::default(), None)
}

async fn new_site_submit(State(desk): Desked, StaffPost { staff, fields }: StaffPost) -> Response {
    let form = new_site_of(&fields);
    match desk.create_site(&form).await {
        Ok(created) => {
            tracing::info!(staff = %staff.session.user.username, domain = %created.domain, "site created from the hosting pages");
            staff.page(
                StatusCode::OK,
                "hosting/password_once.html",
                context! {
                    heading => strings::STAFF_NEW_SITE.get(staff.lang),
                    message => strings::STAFF_SITE_CREATED.fill(staff.lang, "desa"),
                    domain => created.domain,
                    username => created.admin_username,
                    password => created.admin_password,
                    sign_in_url => created.admin_url.to_string(),
                },
            )
        }
        Err(StaffError::Refused(invalid)) => {
            new_site_page(&staff, StatusCode::BAD_REQUEST, &form, Some(invalid.0))
        }
        Err(err) => staff.refused(err),
    }
}

async fn reset_form(State(desk): Desked, staff: Staff, Path(host): Path<String>) -> Response {
    match desk.accounts_of(&host).await {
        Ok(accounts) => {
            let accounts: Vec<Value> = accounts
                .iter()
                .filter(|account| !account.disabled)
                .map(|account| {
                    context! { username => account.username.clone(), role => account.role.as_str() }
                })
                .collect();
            staff.page(
                StatusCode::OK,
                "hosting/reset.html",
                context! { domain => host.to_ascii_lowercase(), accounts => accounts },
            )
        }
        Err(err) => staff.refused(err),
    }
}

async fn reset_submit(
    State(desk): Desked,
    Path(host): Path<String>,
    StaffPost { staff, fields }: StaffPost,
) -> Response {
    let username = fields.get("username").trim().to_lowercase();
    match desk
        .reset_password(&host, &username, &staff.session.user)
        .await
    {
        Ok(password) => staff.page(
            StatusCode::OK,
            "hosting/password_once.html",
            context! {
                heading => strings::STAFF_RESET_PASSWORD.get(staff.lang),
                message => strings::STAFF_PASSWORD_RESET_DONE.get(staff.lang),
                domain => host.to_ascii_lowercase(),
                username => username,
                password => password,
            },
        ),
        Err(err) => staff.refused(err),
    }
}

async fn write_for(
    State(desk): Desked,
    Path(host): Path<String>,
    StaffPost { staff, .. }: StaffPost,
) -> Response {
    match desk.sign_in_for(&host, &staff.session.user).await {
        Ok(url) => Redirect::to(url.as_str()).into_response(),
        Err(err) => staff.refused(err),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes_read_at_a_glance() {
        assert_eq!(super::size_label(0), "0 B");
        assert_eq!(super::size_label(1023), "1023 B");
        assert_eq!(super::size_label(1536), "1.5 KB");
        assert_eq!(super::size_label(5 * 1024 * 1024), "5.0 MB");
    }
}
