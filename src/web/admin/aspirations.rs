//! `/admin/aspirasi` (`handle_tickets`: editors and admins): residents' replies, mentions and direct
//! messages as tickets, with their registration number, channel, class, status and
//! clocks; overdue tickets first and marked. Private messages never leave the admin.

use super::{
    session::{Admin, AdminPost},
    ticket_desk, view,
};
use crate::store::TicketChannel;
use crate::{
    aspirations::{
        ActionError, TicketClass, figures,
        workflow::{self, Decision, Status},
    },
    clock::now_ms,
    publishing::markdown::{strip_tags, web_link},
    state::AppState,
    store::TicketRow,
    strings,
};
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::Response,
};
use minijinja::{Value, context};

/// Tickets listed on the page.
const LIST_LIMIT: i64 = 200;
/// Characters of a message shown in the list.
const EXCERPT_CHARS: usize = 280;

fn channel_label(channel: TicketChannel) -> strings::Text {
    match channel {
        TicketChannel::Reply => strings::ASP_CHANNEL_REPLY,
        TicketChannel::Mention => strings::ASP_CHANNEL_MENTION,
        TicketChannel::Direct => strings::ASP_CHANNEL_DIRECT,
        TicketChannel::Web => strings::ASP_CHANNEL_WEB,
    }
}

fn ticket_view(admin: &Admin, ticket: &TicketRow, now: i64) -> Value {
    let tz = admin.settings.time_zone;
    let lang = admin.lang;
    let (status, class) = (ticket.status, ticket.class);
    let timing = ticket.timing();
    let excerpt: String = match (&ticket.withdrawn_at, &ticket.content_html) {
        (Some(_), _) => strings::ASP_WITHDRAWN.get(lang).to_string(),
        (None, Some(html)) => strip_tags(html).chars().take(EXCERPT_CHARS).collect(),
        (None, None) => String::new(),
    };
    context! {
        number => ticket.number,
        url => format!("/admin/aspirasi/{}", ticket.number),
        status => status.label(lang, &admin.settings.village_word),
        channel => channel_label(ticket.channel).get(lang),
        class => class.label().get(lang),
        private => ticket.is_private,
        author => match (&ticket.author_username, &ticket.author_host) {
            (Some(user), Some(host)) => format!("@{user}@{host}"),
            _ => ticket.author_name.clone(),
        },
        contact => ticket.contact,
        // Checked again here: rows stored before links were checked at intake.
        author_url => ticket.author_url.as_deref().and_then(web_link),
        note_url => ticket.note_url.as_deref().and_then(web_link),
        excerpt => excerpt,
        post_url => ticket.post_public_id.as_ref().map(|id| format!("/p/{id}")),
        post_title => ticket.post_title,
        received => tz.date_time_label(ticket.created_at, lang),
        first_response_due => tz.date_time_label(ticket.first_response_due, lang),
        answer_due => tz.date_time_label(ticket.answer_due, lang),
        overdue => figures::answer_overdue(&timing, now),
        resolution => ticket.resolution,
        extended => ticket.extended,
        response_overdue => figures::response_overdue(&timing, now),
    }
}

pub async fn list(
    State(state): State<AppState>,
    Query(query): Query<ticket_desk::ListQuery>,
    admin: Admin,
) -> Result<Response, Response> {
    let now = now_ms();
    let desk = ticket_desk::list(&state, &admin, &query, LIST_LIMIT, now).await?;
    let rows: Vec<Value> = desk
        .tickets
        .iter()
        .map(|t| context! { assignee => t.assignee_name, ..ticket_view(&admin, &t.ticket, now) })
        .collect();
    let overdue = rows
        .iter()
        .filter(|r| r.get_attr("overdue").is_ok_and(|v| v.is_true()))
        .count();
    Ok(view::page(
        &admin,
        StatusCode::OK,
        "admin/aspirations.html",
        context! { tickets => rows, overdue => overdue, desk => desk.context },
    ))
}

pub(super) async fn ticket_of(
    state: &AppState,
    admin: &Admin,
    number: &str,
) -> Result<TicketRow, Response> {
    state
        .store
        .ticket_by_number(number)
        .await
        .map_err(view::failure)?
        .ok_or_else(|| view::not_found(admin))
}

async fn show(
    state: &AppState,
    admin: &Admin,
    ticket: &TicketRow,
    status: StatusCode,
    error: Option<String>,
    draft: &str,
    ok: Option<&str>,
) -> Result<Response, Response> {
    let tz = admin.settings.time_zone;
    let replies: Vec<Value> = state
        .store
        .ticket_replies(ticket.id)
        .await
        .map_err(view::failure)?
        .iter()
        .map(|reply| {
            let note: serde_json::Value =
                serde_json::from_str(&reply.object_json).unwrap_or_default();
            context! {
                sent => tz.date_time_label(reply.created_at, admin.lang),
                is_final => reply.is_final,
                content_html => Value::from_safe_string(
                    note.get("content").and_then(|c| c.as_str()).unwrap_or_default().to_string(),
                ),
            }
        })
        .collect();
    Ok(view::page(
        admin,
        status,
        "admin/aspiration.html",
        context! {
            ticket => ticket_view(admin, ticket, now_ms()),
            message_html => match &ticket.withdrawn_at {
                Some(_) => None,
                None => ticket.content_html.clone().map(Value::from_safe_string),
            },
            replies => replies,
            moderation => super::moderation::panel(state, admin, ticket).await?,
            can_answer => (ticket.author_inbox.is_some() || ticket.channel == TicketChannel::Web)
                && ticket.withdrawn_at.is_none(),
            statuses => Status::ALL
                .iter()
                .map(|s| context! { value => s.as_str(), label => s.label(admin.lang, &admin.settings.village_word), selected => *s == ticket.status })
                .collect::<Vec<_>>(),
            classes => TicketClass::ALL
                .iter()
                .map(|c| context! { value => c.as_str(), label => c.label().get(admin.lang), selected => *c == ticket.class })
                .collect::<Vec<_>>(),
            error => error,
            draft => draft,
            flash => view::flash(ok, admin.lang),
            desk => ticket_desk::context(state, admin, ticket).await?,
        },
    ))
}

/// `GET /admin/aspirasi/{number}`: one message, its clocks, the answers sent, and the
/// form to answer.
pub async fn page(
    State(state): State<AppState>,
    Path(number): Path<String>,
    Query(query): Query<view::OkQuery>,
    admin: Admin,
) -> Result<Response, Response> {
    let ticket = ticket_of(&state, &admin, &number).await?;
    show(
        &state,
        &admin,
        &ticket,
        StatusCode::OK,
        None,
        "",
        query.ok.as_deref(),
    )
    .await
}

/// The page after an operator's action on ticket `number`: back to it with `flash` when
/// it was done; the ticket again with the refusal (400) and what the operator `typed` in
/// the answer box when it was refused.
async fn after_action(
    state: &AppState,
    admin: &Admin,
    ticket: &TicketRow,
    number: &str,
    result: Result<(), ActionError>,
    flash: &str,
    typed: &str,
) -> Result<Response, Response> {
    match result {
        Ok(()) => Ok(view::done(&format!("/admin/aspirasi/{number}"), flash)),
        Err(ActionError::Refused(invalid)) => {
            let message = invalid.0.get(admin.lang).to_string();
            let status = StatusCode::BAD_REQUEST;
            show(state, admin, ticket, status, Some(message), typed, None).await
        }
        Err(ActionError::Failed(err)) => Err(view::failure(err)),
    }
}

/// `POST /admin/aspirasi/{number}/jawab`: sends an answer to the resident.
pub async fn answer(
    State(state): State<AppState>,
    Path(number): Path<String>,
    AdminPost { admin, fields }: AdminPost,
) -> Result<Response, Response> {
    let ticket = ticket_of(&state, &admin, &number).await?;
    let text = fields.get("answer");
    let sent = crate::aspirations::answer::send(
        &state.store,
        &admin.actor,
        &ticket,
        Some(admin.user_id()),
        text,
        fields.checked("final"),
    )
    .await;
    if sent.is_ok() {
        state.wake_delivery.notify_one();
    }
    after_action(&state, &admin, &ticket, &number, sent, "answered", text).await
}

/// `POST /admin/aspirasi/{number}/status`: verifies, classes, refuses or forwards it.
pub async fn decide(
    State(state): State<AppState>,
    Path(number): Path<String>,
    AdminPost { admin, fields }: AdminPost,
) -> Result<Response, Response> {
    let ticket = ticket_of(&state, &admin, &number).await?;
    let (Some(status), Some(class)) = (
        Status::parse(fields.get("status")),
        TicketClass::parse(fields.get("class")),
    ) else {
        return Err(view::message(
            &admin,
            StatusCode::BAD_REQUEST,
            strings::ASP_UNKNOWN_CHOICE,
        ));
    };
    let decision = Decision {
        status,
        class,
        resolution: fields.get("resolution").to_string(),
        extended: fields.checked("extended"),
    };
    let decided = workflow::decide(
        &state.store,
        &state.config.aspirations,
        &ticket,
        &decision,
        admin.settings.time_zone,
        Some(admin.user_id()),
    )
    .await;
    after_action(&state, &admin, &ticket, &number, decided, "decided", "").await
}
