//! Moderation in the admin (editors and admins): on a ticket's page, showing a public
//! reply under its post or hiding it again, and blocking its author or their server;
//! at `/admin/aspirasi/blokir`, the blocked accounts and servers, blocking by hand and
//! unblocking. The rules are in `aspirations::moderation`.

use super::{
    aspirations::ticket_of,
    session::{Admin, AdminPost},
    view,
};
use crate::{
    aspirations::{
        ActionError,
        moderation::{self, BlockKind},
    },
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

/// What `admin/ticket_moderation.html` shows for a ticket.
pub async fn panel(state: &AppState, admin: &Admin, ticket: &TicketRow) -> Result<Value, Response> {
    let moderation = state
        .store
        .ticket_moderation(ticket.id)
        .await
        .map_err(view::failure)?;
    let approvable = !ticket.is_private
        && ticket.channel == crate::store::TicketChannel::Reply
        && ticket.post_public_id.is_some();
    Ok(context! {
        approvable => approvable,
        withdrawn => ticket.withdrawn_at.is_some(),
        approved => moderation.approved_at.is_some(),
        approved_label => moderation
            .approved_at
            .map(|at| admin.settings.time_zone.date_time_label(at, admin.lang)),
        approved_by => moderation.approved_by,
        can_block => ticket.author_ap_id.is_some(),
        host => ticket.author_host,
        account_blocked => moderation.account_blocked,
        server_blocked => moderation.server_blocked,
    })
}

/// `POST /admin/aspirasi/{number}/tampilkan`: shows the reply under its post.
pub async fn approve(
    State(state): State<AppState>,
    Path(number): Path<String>,
    AdminPost { admin, .. }: AdminPost,
) -> Result<Response, Response> {
    let ticket = ticket_of(&state, &admin, &number).await?;
    moderation::approve(&state.store, &ticket, admin.user_id())
        .await
        .map_err(|err| view::refused(&admin, err))?;
    Ok(view::done(&format!("/admin/aspirasi/{number}"), "approved"))
}

/// `POST /admin/aspirasi/{number}/sembunyikan`: takes it off the post's page.
pub async fn unapprove(
    State(state): State<AppState>,
    Path(number): Path<String>,
    AdminPost { admin, .. }: AdminPost,
) -> Result<Response, Response> {
    let ticket = ticket_of(&state, &admin, &number).await?;
    moderation::withdraw_approval(&state.store, &ticket, admin.user_id())
        .await
        .map_err(|err| view::refused(&admin, err))?;
    Ok(view::done(
        &format!("/admin/aspirasi/{number}"),
        "unapproved",
    ))
}

/// `POST /admin/aspirasi/{number}/blokir` with `kind` = `account` or `server`.
pub async fn block_author(
    State(state): State<AppState>,
    Path(number): Path<String>,
    AdminPost { admin, fields }: AdminPost,
) -> Result<Response, Response> {
    let ticket = ticket_of(&state, &admin, &number).await?;
    let Some(kind) = BlockKind::parse(fields.get("kind")) else {
        return Err(view::message(
            &admin,
            StatusCode::BAD_REQUEST,
            strings::MOD_UNKNOWN_KIND,
        ));
    };
    moderation::block_author(
        &state.store,
        &state.config.domain,
        &ticket,
        kind,
        Some(admin.user_id()),
    )
    .await
    .map_err(|err| view::refused(&admin, err))?;
    Ok(view::done(&format!("/admin/aspirasi/{number}"), "blocked"))
}

async fn show_blocks(
    state: &AppState,
    admin: &Admin,
    status: StatusCode,
    error: Option<String>,
    ok: Option<&str>,
) -> Result<Response, Response> {
    let tz = admin.settings.time_zone;
    let blocks: Vec<Value> = state
        .store
        .blocks()
        .await
        .map_err(view::failure)?
        .into_iter()
        .map(|block| {
            context! {
                id => block.id,
                kind => block.kind.label().get(admin.lang),
                target => block.target,
                reason => block.reason,
                blocked_by => block.blocked_by,
                since => tz.date_time_label(block.created_at, admin.lang),
            }
        })
        .collect();
    Ok(view::page(
        admin,
        status,
        "admin/blocks.html",
        context! { blocks => blocks, error => error, flash => view::flash(ok, admin.lang) },
    ))
}

/// `GET /admin/aspirasi/blokir`
pub async fn blocks(
    State(state): State<AppState>,
    Query(query): Query<view::OkQuery>,
    admin: Admin,
) -> Result<Response, Response> {
    show_blocks(&state, &admin, StatusCode::OK, None, query.ok.as_deref()).await
}

/// `POST /admin/aspirasi/blokir`: blocks a server (a host name) or an account (an
/// address with a path) typed by the operator.
pub async fn add_block(
    State(state): State<AppState>,
    AdminPost { admin, fields }: AdminPost,
) -> Result<Response, Response> {
    let target = fields.get("target").trim();
    let kind = if target.contains("://") && url::Url::parse(target).is_ok_and(|u| u.path() != "/") {
        BlockKind::Account
    } else {
        BlockKind::Server
    };
    let blocked = moderation::block(
        &state.store,
        &state.config.domain,
        kind,
        target,
        fields.get("reason"),
        Some(admin.user_id()),
    )
    .await;
    match blocked {
        Ok(()) => Ok(view::done("/admin/aspirasi/blokir", "blocked")),
        Err(ActionError::Refused(invalid)) => {
            let message = invalid.0.get(admin.lang).to_string();
            show_blocks(&state, &admin, StatusCode::BAD_REQUEST, Some(message), None).await
        }
        Err(ActionError::Failed(err)) => Err(view::failure(err)),
    }
}

/// `POST /admin/aspirasi/blokir/{id}/hapus`
pub async fn unblock(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    AdminPost { admin, .. }: AdminPost,
) -> Result<Response, Response> {
    if !moderation::unblock(&state.store, id)
        .await
        .map_err(view::failure)?
    {
        return Err(view::not_found(&admin));
    }
    Ok(view::done("/admin/aspirasi/blokir", "unblocked"))
}
