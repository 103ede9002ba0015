//! Following the village from the fediverse: `GET /ikuti` explains it and asks for the
//! visitor's server or account; `GET /ikuti?server=S` sends them to where that server
//! starts a follow (the FEP-3b86 intent or oStatus template its WebFinger publishes,
//! else Mastodon's `/authorize_interaction`) and has their browser remember it in a
//! cookie: the public site runs no script, so no `localStorage`. `GET
//! /authorize_interaction?uri=...` answers our own WebFinger template: our accounts are
//! villages, not residents, so it leads a visitor to the follow page of the account
//! named. `GET /ikuti/cetak` is an A4 notice with a QR code for the village office's
//! board.

use super::view::{Site, encode_component, render};
use crate::{error::AppError, state::AppState, strings};
use axum::{
    extract::{Query, State},
    http::{StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;
use qrcode::{QrCode, render::svg};

/// The longest server name DNS allows.
const MAX_DOMAIN_CHARS: usize = 253;

/// The cookie that remembers the visitor's server (or account) in their browser.
const SERVER_COOKIE: &str = "ikuti_server";
/// A year: people keep their fediverse server for years.
const SERVER_COOKIE_SECONDS: u32 = 365 * 24 * 60 * 60;
/// Longer than any account URL a server sends to `/authorize_interaction`.
const MAX_URI_CHARS: usize = 2_000;

#[derive(Debug, Default, serde::Deserialize)]
pub struct FollowQuery {
    server: Option<String>,
    /// Any value: forget the remembered server.
    lupakan: Option<String>,
}

/// The visitor's account (`name@server`) or server, as they typed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VisitorAccount {
    pub user: Option<String>,
    pub server: String,
}

impl VisitorAccount {
    /// What the cookie keeps and the form shows: `name@server` or `server`.
    pub fn typed(&self) -> String {
        match &self.user {
            Some(user) => format!("{user}@{}", self.server),
            None => self.server.clone(),
        }
    }
}

/// The visitor's account or server from what they typed: `mastodon.social`,
/// `https://mastodon.social/`, `@budi@mastodon.social` or `budi@mastodon.social`.
/// Anything that is not a plain domain name is refused; with `local` (local
/// federation) a host may be `localhost` and carry a port.
pub fn parse_account(input: &str, local: bool) -> Option<VisitorAccount> {
    let mut rest = input.trim();
    for scheme in ["https://", "http://"] {
        if rest.len() >= scheme.len() && rest[..scheme.len()].eq_ignore_ascii_case(scheme) {
            rest = &rest[scheme.len()..];
            break;
        }
    }
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let (user, domain) = match rest.trim_start_matches('@').split_once('@') {
        Some((user, domain)) => {
            let user_ok = !user.is_empty()
                && user
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
            if !user_ok {
                return None;
            }
            (Some(user.to_string()), domain)
        }
        None if rest.starts_with('@') => return None,
        None => (None, rest),
    };
    let domain = domain.to_ascii_lowercase();
    let (domain, port) = match domain.rsplit_once(':') {
        Some((host, port))
            if local && port.bytes().all(|b| b.is_ascii_digit()) && port.parse::<u16>().is_ok() =>
        {
            (host.to_string(), Some(port.to_string()))
        }
        _ => (domain, None),
    };
    let with_port = |server: String| VisitorAccount {
        user: user.clone(),
        server: match &port {
            Some(port) => format!("{server}:{port}"),
            None => server,
        },
    };
    if local && domain == "localhost" {
        return Some(with_port(domain));
    }
    if domain.is_empty() || domain.len() > MAX_DOMAIN_CHARS {
        return None;
    }
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |label: &&str| {
        (1..=63).contains(&label.len())
            && label
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    let top_ok = labels
        .last()
        .is_some_and(|top| top.bytes().any(|b| b.is_ascii_lowercase()));
    (labels.len() >= 2 && labels.iter().all(label_ok) && top_ok).then(|| with_port(domain))
}

/// Mastodon's remote-follow page for our account on `server`: where we send a visitor
/// whose server publishes no template. Plain http only for a local test server.
pub fn follow_url(server: &str, username: &str, host: &str) -> String {
    let local = server.contains(':') || server == "localhost";
    format!(
        "{}://{server}/authorize_interaction?uri={}",
        if local { "http" } else { "https" },
        encode_component(&format!("acct:{username}@{host}"))
    )
}

/// `Set-Cookie` remembering `account` (or forgetting it, `None`) for the follow page
/// alone; Secure on https. A visitor's choice, kept in their browser only.
fn server_cookie(state: &AppState, account: Option<&VisitorAccount>) -> String {
    let secure = if state.urls.base().scheme() == "https" {
        "; Secure"
    } else {
        ""
    };
    let (value, max_age) = match account {
        Some(account) => (account.typed(), SERVER_COOKIE_SECONDS),
        None => (String::new(), 0),
    };
    format!(
        "{SERVER_COOKIE}={value}; HttpOnly; SameSite=Lax; Path=/ikuti; Max-Age={max_age}{secure}"
    )
}

/// `GET /ikuti`
pub async fn follow(
    State(state): State<AppState>,
    jar: CookieJar,
    Query(query): Query<FollowQuery>,
) -> Result<Response, AppError> {
    let site = match Site::require(&state).await? {
        Ok(site) => site,
        Err(response) => return Ok(response),
    };
    let local = state.config.insecure_local;
    if query.lupakan.is_some() {
        return Ok((
            [(header::SET_COOKIE, server_cookie(&state, None))],
            Redirect::to("/ikuti"),
        )
            .into_response());
    }
    let (status, error) = match query.server.as_deref() {
        None => (StatusCode::OK, None),
        Some(typed) => match parse_account(typed, local) {
            Some(account) => {
                let target = follow_start(&state, &site, &account).await;
                return Ok((
                    [(header::SET_COOKIE, server_cookie(&state, Some(&account)))],
                    Redirect::to(&target),
                )
                    .into_response());
            }
            None => (
                StatusCode::BAD_REQUEST,
                Some(site.text(strings::SITE_FOLLOW_BAD_SERVER)),
            ),
        },
    };
    let remembered = jar
        .get(SERVER_COOKIE)
        .and_then(|cookie| parse_account(cookie.value(), local))
        .map(|account| account.typed());
    let mut response = render(
        status,
        "site/follow.html",
        context! {
            error => error,
            server => query
                .server
                .map(|s| s.chars().take(300).collect::<String>())
                .or_else(|| remembered.clone()),
            remembered => remembered,
            ..site.base(&state, "ikuti")
        },
    )?;
    // The page shows what this browser remembers: no shared cache may keep it.
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("private, no-cache"),
    );
    headers.insert(header::VARY, header::HeaderValue::from_static("cookie"));
    Ok(response)
}

/// Where the visitor's server starts a follow of the site's account: what its WebFinger
/// publishes, else Mastodon's path.
async fn follow_start(state: &AppState, site: &Site, account: &VisitorAccount) -> String {
    let username = &site.actor.username;
    let acct = format!("acct:{username}@{}", site.host);
    crate::federation::lookup::follow_start(
        state,
        &account.server,
        account.user.as_deref(),
        &site.actor.ap_id,
        &acct,
    )
    .await
    .map(String::from)
    .unwrap_or_else(|| follow_url(&account.server, username, &site.host))
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct InteractionQuery {
    uri: Option<String>,
}

/// What a `uri` given to `/authorize_interaction` names.
#[derive(Debug, PartialEq, Eq)]
enum Named {
    /// The site's account, or one of its posts: follow the village.
    Ours,
    /// Something on this server that is not the site's account.
    OtherHere,
    /// An account or object elsewhere: the visitor thinks their account is here.
    Elsewhere,
    /// Neither a handle nor a URL.
    Unreadable,
}

/// Reads `uri` as `acct:NAME@HOST`, `@NAME@HOST`, `NAME@HOST` or a URL.
fn named(uri: &str, site: &Site, urls: &crate::urls::Urls) -> Named {
    let uri = uri.trim();
    if uri.contains("://") {
        let Ok(url) = url::Url::parse(uri) else {
            return Named::Unreadable;
        };
        if url.origin() != urls.base().origin() {
            return Named::Elsewhere;
        }
        let ours = urls.actor_username(url.as_str()) == Some(site.actor.username.as_str())
            || site.actor.profile_url.as_deref() == Some(url.as_str())
            || url.as_str() == urls.base().as_str()
            || url.path().starts_with("/p/");
        return if ours { Named::Ours } else { Named::OtherHere };
    }
    let handle = uri.strip_prefix("acct:").unwrap_or(uri);
    let Some((name, host)) = handle.trim_start_matches('@').split_once('@') else {
        return Named::Unreadable;
    };
    if name.is_empty() || host.is_empty() || host.contains(['/', '@', ' ']) {
        return Named::Unreadable;
    }
    if !host.eq_ignore_ascii_case(&site.host) {
        Named::Elsewhere
    } else if name.eq_ignore_ascii_case(&site.actor.username) {
        Named::Ours
    } else {
        Named::OtherHere
    }
}

/// `GET /authorize_interaction?uri=...`: where our WebFinger's remote-follow template
/// and FEP-3b86 Follow intent lead.
pub async fn authorize_interaction(
    State(state): State<AppState>,
    Query(query): Query<InteractionQuery>,
) -> Result<Response, AppError> {
    let site = match Site::require(&state).await? {
        Ok(site) => site,
        Err(response) => return Ok(response),
    };
    let uri = query
        .uri
        .filter(|uri| !uri.trim().is_empty())
        .ok_or_else(|| AppError::BadRequest(site.text(strings::SITE_INTERACTION_NO_URI)))?;
    if uri.len() > MAX_URI_CHARS {
        return Err(AppError::BadRequest(
            site.text(strings::SITE_INTERACTION_UNREADABLE),
        ));
    }
    match named(&uri, &site, &state.urls) {
        Named::Ours => Ok(Redirect::to("/ikuti").into_response()),
        Named::OtherHere => Err(AppError::NotFound(
            site.text(strings::SITE_INTERACTION_NOT_HERE),
        )),
        Named::Elsewhere => Err(AppError::BadRequest(
            site.text(strings::SITE_INTERACTION_ELSEWHERE),
        )),
        Named::Unreadable => Err(AppError::BadRequest(
            site.text(strings::SITE_INTERACTION_UNREADABLE),
        )),
    }
}

/// `GET /ikuti/cetak`
pub async fn print(State(state): State<AppState>) -> Result<Response, AppError> {
    let site = match Site::require(&state).await? {
        Ok(site) => site,
        Err(response) => return Ok(response),
    };
    let profile = state.urls.actor(&site.actor.username).to_string();
    let qr = qr_svg(&profile, &site.text(strings::SITE_QR))?;
    render(
        StatusCode::OK,
        "site/print.html",
        context! { qr_svg => qr, profile_url => profile, ..site.base(&state, "ikuti") },
    )
}

/// An inline SVG QR code of `data`. It is markup we generate from our own URL, never
/// from anyone's input, so the template may print it as it is.
fn qr_svg(data: &str, label: &str) -> Result<String, AppError> {
    let code = QrCode::new(data.as_bytes())
        .map_err(|err| AppError::Unavailable(anyhow::anyhow!("making the QR code: {err}")))?;
    let image = code
        .render::<svg::Color>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .build();
    let start = image.find("<svg").unwrap_or(0);
    let label = crate::text::escape_markup(label);
    Ok(image[start..].replacen(
        "<svg ",
        &format!("<svg class=\"qr\" role=\"img\" aria-label=\"{label}\" "),
        1,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_server(input: &str) -> Option<String> {
        parse_account(input, false).map(|account| account.server)
    }

    #[test]
    fn servers_are_read_from_what_people_type() {
        for typed in [
            "mastodon.social",
            "https://mastodon.social/",
            "@budi@mastodon.social",
            "budi@mastodon.social",
            " Mastodon.Social ",
        ] {
            assert_eq!(
                parse_server(typed).as_deref(),
                Some("mastodon.social"),
                "{typed}"
            );
        }
        for typed in [
            "",
            "javascript:alert(1)",
            "evil.com/path?x",
            "mastodon social",
            "localhost",
            "1.2.3.4",
            "@mastodon.social",
            "budi@",
            "-bad.example",
            "a..b",
            "ex ample.com",
            "evil.com\\@good.com",
        ] {
            assert_eq!(parse_server(typed), None, "{typed}");
        }
    }

    #[test]
    fn local_servers_carry_their_port_only_in_local_federation() {
        assert_eq!(
            parse_account("budi@localhost:8080", true),
            Some(VisitorAccount {
                user: Some("budi".into()),
                server: "localhost:8080".into()
            })
        );
        assert_eq!(parse_account("budi@localhost:8080", false), None);
        assert_eq!(parse_account("localhost", false), None);
        assert_eq!(parse_account("localhost:80:80", true), None);
        assert_eq!(
            parse_account("https://Mastodon.Social/", true).map(|a| a.typed()),
            Some("mastodon.social".to_string())
        );
    }

    #[test]
    fn the_follow_url_is_percent_encoded() {
        assert_eq!(
            follow_url("mastodon.social", "desa-sukamaju", "sukamaju.id"),
            "https://mastodon.social/authorize_interaction?uri=acct%3Adesa-sukamaju%40sukamaju.id"
        );
    }

    #[test]
    fn the_qr_code_is_inline_svg() {
        let svg = qr_svg("https://desa.example/u/desa", "Kode \"QR\"").expect("qr");
        assert!(
            svg.starts_with("<svg class=\"qr\" role=\"img\" aria-label=\"Kode &quot;QR&quot;\"")
        );
    }
}
