//! The website's side of aspirations: a form for residents without a fediverse account
//! (`/aspirasi`) and a status page by registration number (`/aspirasi/status`). Nothing
//! a resident writes here is shown on the site; the contact and the optional photo are
//! for the village only (the photo is kept outside the public media folder).

use super::view::{Site, render};
use crate::{
    aspirations::{
        TicketClass,
        desk::PhotoRefused,
        figures,
        intake::{self, IntakeError},
    },
    clock::now_ms,
    error::AppError,
    media::{MAX_UPLOAD_BYTES, MediaError},
    state::AppState,
    strings,
    web::{
        client::client_address,
        forms::{Fields, Unreadable},
    },
};
use axum::{
    Form,
    extract::{ConnectInfo, FromRequest, Multipart, Query, Request, State},
    http::{HeaderMap, StatusCode, header::CONTENT_TYPE},
    response::Response,
};
use minijinja::{Value, context};
use std::{collections::HashMap, net::SocketAddr};

fn classes(site: &Site, selected: Option<TicketClass>) -> Vec<Value> {
    TicketClass::ALL
        .iter()
        .map(|c| {
            context! {
                value => c.as_str(),
                label => c.label().get(site.lang),
                selected => Some(*c) == selected,
            }
        })
        .collect()
}

/// The form, with what the resident typed when it was refused; `service` is how the
/// village answers (shown on the first visit, not over a refusal).
fn form_page(
    site: &Site,
    state: &AppState,
    status: StatusCode,
    error: Option<&str>,
    fields: &HashMap<String, String>,
    service: Option<Value>,
) -> Result<Response, AppError> {
    let field = |name: &str| fields.get(name).cloned().unwrap_or_default();
    render(
        status,
        "site/aspirations.html",
        context! {
            error => error,
            name => field("name"),
            contact => field("contact"),
            message => field("message"),
            classes => classes(site, fields.get("class").and_then(|c| TicketClass::parse(c))),
            service => service,
            ..site.base(state, "aspirasi")
        },
    )
}

/// `GET /aspirasi`
pub async fn form(State(state): State<AppState>) -> Result<Response, AppError> {
    let site = match Site::require(&state).await? {
        Ok(site) => site,
        Err(response) => return Ok(response),
    };
    let figures = figures::current(&state.store, now_ms()).await?;
    let service = super::aspiration_figures::service_view(&site, &figures);
    form_page(
        &site,
        &state,
        StatusCode::OK,
        None,
        &HashMap::new(),
        Some(service),
    )
}

/// The largest body `POST /aspirasi` reads: a photo at the upload limit and the text.
pub const MAX_FORM_BYTES: usize = MAX_UPLOAD_BYTES + 512 * 1024;

/// The text fields the form has.
const FORM_FIELDS: [&str; 5] = ["name", "contact", "class", "message", "website"];

/// The form's text fields and photo, from the multipart body the page sends, or from an
/// url-encoded one (a page cached before the photo existed, a script).
async fn read_form(
    request: Request,
    state: &AppState,
) -> Result<(HashMap<String, String>, Option<intake::PhotoUpload>), Unreadable> {
    let multipart = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !multipart {
        let Form(pairs) = Form::<Vec<(String, String)>>::from_request(request, state)
            .await
            .map_err(|err| {
                if err.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    Unreadable::TooLarge
                } else {
                    Unreadable::Malformed
                }
            })?;
        return Ok((pairs.into_iter().collect(), None));
    }
    let multipart = Multipart::from_request(request, state)
        .await
        .map_err(|_| Unreadable::Malformed)?;
    let fields = Fields::from_multipart(multipart).await?;
    let text = FORM_FIELDS
        .iter()
        .map(|name| (name.to_string(), fields.get(name).to_string()))
        .collect();
    let photo = fields
        .files
        .into_iter()
        .find(|upload| upload.field == "photo")
        .map(|upload| intake::PhotoUpload {
            bytes: upload.bytes,
            too_large: upload.too_large,
        });
    Ok((text, photo))
}

/// `POST /aspirasi`
pub async fn submit(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    request: Request,
) -> Result<Response, AppError> {
    let site = match Site::require(&state).await? {
        Ok(site) => site,
        Err(response) => return Ok(response),
    };
    let lang = site.lang;
    let (fields, photo) = match read_form(request, &state).await {
        Ok(read) => read,
        Err(unreadable) => {
            let (status, text) = match unreadable {
                Unreadable::TooLarge => {
                    (StatusCode::PAYLOAD_TOO_LARGE, strings::DESK_FORM_TOO_LARGE)
                }
                Unreadable::Malformed => (StatusCode::BAD_REQUEST, strings::DESK_FORM_UNREADABLE),
            };
            return form_page(
                &site,
                &state,
                status,
                Some(text.get(lang)),
                &HashMap::new(),
                None,
            );
        }
    };
    // A field people never see: whatever fills it is a script.
    if fields.get("website").is_some_and(|v| !v.is_empty()) {
        return form_page(
            &site,
            &state,
            StatusCode::BAD_REQUEST,
            Some(strings::ASP_UNKNOWN_CHOICE.get(lang)),
            &fields,
            None,
        );
    }
    if state
        .form_limiter
        .check(&client_address(peer, &headers))
        .is_err()
    {
        return form_page(
            &site,
            &state,
            StatusCode::TOO_MANY_REQUESTS,
            Some(strings::ASP_FORM_TOO_MANY.get(lang)),
            &fields,
            None,
        );
    }
    // A nearly full disk takes nothing more from visitors; what is committed stays whole.
    if state.disk.database_may_grow().is_err()
        || (photo.is_some() && state.disk.files_may_grow().is_err())
    {
        return try_later(
            &site,
            &state,
            StatusCode::SERVICE_UNAVAILABLE,
            strings::ASP_FORM_NO_SPACE,
            &fields,
            crate::disk::RETRY_AFTER_SECS,
        );
    }
    let field = |name: &str| fields.get(name).cloned().unwrap_or_default();
    let message = intake::WebMessage {
        name: field("name"),
        contact: field("contact"),
        class: TicketClass::parse(&field("class")),
        message: field("message"),
        photo,
    };
    let received = intake::receive_web(
        &state.store,
        &state.config.aspirations,
        &state.config.dir,
        site.actor.id,
        message,
    )
    .await;
    match received {
        Ok(number) => render(
            StatusCode::OK,
            "site/aspiration_received.html",
            context! { number => number, ..site.base(&state, "aspirasi") },
        ),
        Err(IntakeError::FormFull(full)) => try_later(
            &site,
            &state,
            StatusCode::TOO_MANY_REQUESTS,
            strings::ASP_FORM_FULL,
            &fields,
            crate::quota::retry_after_secs(full.retry_after_ms),
        ),
        Err(IntakeError::Photo(PhotoRefused(why))) => {
            let status = if why == MediaError::TooLarge {
                StatusCode::PAYLOAD_TOO_LARGE
            } else {
                StatusCode::BAD_REQUEST
            };
            let text = format!(
                "{}: {} {}",
                strings::DESK_PHOTO_REFUSED.get(lang),
                why.text().get(lang),
                strings::DESK_PHOTO_AGAIN.get(lang)
            );
            form_page(&site, &state, status, Some(&text), &fields, None)
        }
        Err(IntakeError::Refused(invalid)) => form_page(
            &site,
            &state,
            StatusCode::BAD_REQUEST,
            Some(invalid.0.get(lang)),
            &fields,
            None,
        ),
        Err(IntakeError::Failed(err)) => Err(err.into()),
    }
}

/// The form again with what was typed and `text`: a refusal the visitor may try again
/// after `seconds` (`Retry-After`).
fn try_later(
    site: &Site,
    state: &AppState,
    status: StatusCode,
    text: strings::Text,
    fields: &HashMap<String, String>,
    seconds: u64,
) -> Result<Response, AppError> {
    let mut page = form_page(site, state, status, Some(text.get(site.lang)), fields, None)?;
    if let Ok(value) = axum::http::HeaderValue::from_str(&seconds.to_string()) {
        page.headers_mut().insert("retry-after", value);
    }
    Ok(page)
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct StatusQuery {
    nomor: Option<String>,
}

/// `GET /aspirasi/status?nomor=`: status, class, deadlines and, for a message from
/// this form, the village's answers. Never the message itself nor anyone's contact.
pub async fn status(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(query): Query<StatusQuery>,
) -> Result<Response, AppError> {
    let site = match Site::require(&state).await? {
        Ok(site) => site,
        Err(response) => return Ok(response),
    };
    let lang = site.lang;
    let tz = site.settings.time_zone;
    let number = query.nomor.as_deref().map(str::trim).unwrap_or_default();
    if number.is_empty() {
        return render(
            StatusCode::OK,
            "site/aspiration_status.html",
            context! { number => "", ..site.base(&state, "aspirasi") },
        );
    }
    if state
        .lookup_limiter
        .check(&client_address(peer, &headers))
        .is_err()
    {
        return render(
            StatusCode::TOO_MANY_REQUESTS,
            "site/aspiration_status.html",
            context! {
                number => number,
                too_many => true,
                ..site.base(&state, "aspirasi")
            },
        );
    }
    let Some(ticket) = state
        .store
        .ticket_by_number(&number.to_uppercase())
        .await?
        .filter(|t| t.local_actor_id == site.actor.id)
    else {
        return render(
            StatusCode::NOT_FOUND,
            "site/aspiration_status.html",
            context! { number => number, unknown => true, ..site.base(&state, "aspirasi") },
        );
    };
    let answers: Vec<Value> = if ticket.channel == crate::store::TicketChannel::Web {
        state
            .store
            .ticket_replies(ticket.id)
            .await?
            .iter()
            .map(|reply| {
                let object: serde_json::Value =
                    serde_json::from_str(&reply.object_json).unwrap_or_default();
                context! {
                    sent => tz.date_time_label(reply.created_at, lang),
                    content_html => Value::from_safe_string(
                        object.get("content").and_then(|c| c.as_str()).unwrap_or_default().to_string(),
                    ),
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    let (status, class) = (ticket.status, ticket.class);
    render(
        StatusCode::OK,
        "site/aspiration_status.html",
        context! {
            number => ticket.number,
            found => true,
            status => status.label(lang, &site.settings.village_word),
            class => class.label().get(lang),
            resolution => ticket.resolution,
            received => tz.date_time_label(ticket.created_at, lang),
            answer_due => tz.date_time_label(ticket.answer_due, lang),
            closed => status.is_closed(),
            answers => answers,
            ..site.base(&state, "aspirasi")
        },
    )
}
