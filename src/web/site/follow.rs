//! Following the village from the fediverse: `GET /ikuti` explains it and asks for the
//! visitor's server; `GET /ikuti?server=S` sends them to that server's remote-follow
//! page (Mastodon's `/authorize_interaction`); `GET /ikuti/cetak` is an A4 notice with
//! a QR code for the village office's board.

use super::view::{Site, encode_component, render};
use crate::{error::AppError, state::AppState, strings};
use axum::{
    extract::{Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use minijinja::context;
use qrcode::{QrCode, render::svg};

/// The longest server name DNS allows.
const MAX_DOMAIN_CHARS: usize = 253;

#[derive(Debug, Default, serde::Deserialize)]
pub struct FollowQuery {
    server: Option<String>,
}

/// The visitor's server from what they typed: `mastodon.social`,
/// `https://mastodon.social/`, `@budi@mastodon.social` or `budi@mastodon.social`.
/// Anything that is not a plain domain name is refused.
pub fn parse_server(input: &str) -> Option<String> {
    let mut rest = input.trim();
    for scheme in ["https://", "http://"] {
        if rest.len() >= scheme.len() && rest[..scheme.len()].eq_ignore_ascii_case(scheme) {
            rest = &rest[scheme.len()..];
            break;
        }
    }
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let domain = match rest.trim_start_matches('@').split_once('@') {
        Some((user, domain)) => {
            let user_ok = !user.is_empty()
                && user
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
            if !user_ok {
                return None;
            }
            domain
        }
        None if rest.starts_with('@') => return None,
        None => rest,
    };
    let domain = domain.to_ascii_lowercase();
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
    (labels.len() >= 2 && labels.iter().all(label_ok) && top_ok).then_some(domain)
}

/// Mastodon's remote-follow page for our account on `server`.
pub fn follow_url(server: &str, username: &str, host: &str) -> String {
    format!(
        "https://{server}/authorize_interaction?uri={}",
        encode_component(&format!("acct:{username}@{host}"))
    )
}

/// `GET /ikuti`
pub async fn follow(
    State(state): State<AppState>,
    Query(query): Query<FollowQuery>,
) -> Result<Response, AppError> {
    let site = match Site::require(&state).await? {
        Ok(site) => site,
        Err(response) => return Ok(response),
    };
    let (status, error) = match query.server.as_deref() {
        None => (StatusCode::OK, None),
        Some(typed) => match parse_server(typed) {
            Some(server) => {
                let target = follow_url(&server, &site.actor.username, &site.host);
                return Ok(Redirect::to(&target).into_response());
            }
            None => (
                StatusCode::BAD_REQUEST,
                Some(site.text(strings::SITE_FOLLOW_BAD_SERVER)),
            ),
        },
    };
    render(
        status,
        "site/follow.html",
        context! {
            error => error,
            server => query.server.map(|s| s.chars().take(300).collect::<String>()),
            ..site.base(&state, "ikuti")
        },
    )
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
