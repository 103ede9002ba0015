//! The ticket desk in the admin (editors and admins): the list's filters (mine,
//! unassigned, by assignee, by status, overdue), and on a ticket's page its assignee,
//! the staff's internal notes, its history as a timeline, and the resident's private
//! photo, served only here, to a signed-in editor or admin, never cached.

use super::{
    aspirations::ticket_of,
    session::{Admin, AdminPost},
    view,
};
use crate::{
    aspirations::{ClockSettings, desk, workflow::Status},
    state::AppState,
    store::{DeskTicketRow, TicketFilter, TicketRow},
    strings,
};
use axum::{
    extract::{Path, State},
    http::{HeaderValue, StatusCode, header::CONTENT_TYPE},
    response::{IntoResponse, Response},
};
use minijinja::{Value, context};
use std::io::ErrorKind;

/// `?petugas=&status=&tenggat=` of the list: `petugas` is `saya` (mine), `belum`
/// (unassigned) or an account id; `status` is `terbuka` (open) or a status code;
/// `tenggat=lewat` keeps overdue tickets only.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    petugas: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    tenggat: String,
}

/// The store's filter for a query; `None` when a value is not one the form offers.
fn filter_of(query: &ListQuery, me: i64, now: i64) -> Option<TicketFilter> {
    let mut filter = TicketFilter::default();
    match query.petugas.as_str() {
        "" => {}
        "saya" => filter.assignee = Some(me),
        "belum" => filter.unassigned = true,
        id => filter.assignee = Some(id.parse().ok().filter(|id: &i64| *id > 0)?),
    }
    match query.status.as_str() {
        "" => {}
        "terbuka" => filter.open_only = true,
        code => filter.status = Some(Status::parse(code)?),
    }
    match query.tenggat.as_str() {
        "" => {}
        "lewat" => filter.overdue_at = Some(now),
        _ => return None,
    }
    Some(filter)
}

fn clock_days(clock: crate::aspirations::Clock) -> u32 {
    match clock {
        crate::aspirations::Clock::Days(n) | crate::aspirations::Clock::WorkingDays(n) => n,
    }
}

/// The node's clocks in a sentence.
fn clocks_sentence(admin: &Admin, clocks: &ClockSettings) -> String {
    let lang = admin.lang;
    let text = strings::with_village_word(
        strings::DESK_CLOCKS.get(lang),
        lang,
        &admin.settings.village_word,
    );
    text.replace("{first}", &clock_days(clocks.first_response).to_string())
        .replace("{answer}", &clock_days(clocks.answer).to_string())
        .replace("{info}", &clock_days(clocks.information_answer).to_string())
        .replace(
            "{ext}",
            &clock_days(clocks.information_extension).to_string(),
        )
}

/// The tickets of the list and what its filter form shows.
pub struct DeskList {
    pub tickets: Vec<DeskTicketRow>,
    pub context: Value,
}

/// Reads the filtered list; an unknown filter value is a 400 page.
pub async fn list(
    state: &AppState,
    admin: &Admin,
    query: &ListQuery,
    limit: i64,
    now: i64,
) -> Result<DeskList, Response> {
    let Some(filter) = filter_of(query, admin.user_id(), now) else {
        return Err(view::message(
            admin,
            StatusCode::BAD_REQUEST,
            strings::DESK_FILTER_INVALID,
        ));
    };
    let tickets = state
        .store
        .desk_tickets(&filter, limit)
        .await
        .map_err(view::failure)?;
    let staff = desk::staff(&state.store).await.map_err(view::failure)?;
    let lang = admin.lang;
    let context = context! {
        filtered => filter != TicketFilter::default(),
        clocks => clocks_sentence(admin, &state.config.aspirations),
        petugas => query.petugas,
        tenggat_lewat => query.tenggat == "lewat",
        staff => staff
            .iter()
            .map(|u| context! { value => u.id.to_string(), label => desk::staff_name(u) })
            .collect::<Vec<_>>(),
        statuses => Status::ALL
            .iter()
            .map(|s| context! { value => s.as_str(), label => s.label(lang, &admin.settings.village_word) })
            .collect::<Vec<_>>(),
        status => query.status,
    };
    Ok(DeskList { tickets, context })
}

/// What the ticket's page shows of the desk: assignee and the form to change it, the
/// photos, the notes and the history as one timeline, oldest first.
pub async fn context(
    state: &AppState,
    admin: &Admin,
    ticket: &TicketRow,
) -> Result<Value, Response> {
    let store = &state.store;
    let tz = admin.settings.time_zone;
    let lang = admin.lang;
    let assignee = store
        .ticket_assignee(ticket.id)
        .await
        .map_err(view::failure)?;
    let staff = desk::staff(store).await.map_err(view::failure)?;
    let notes = store.ticket_notes(ticket.id).await.map_err(view::failure)?;
    let events = store
        .ticket_events(ticket.id)
        .await
        .map_err(view::failure)?;
    let photos = store
        .ticket_photos(ticket.id)
        .await
        .map_err(view::failure)?;
    let system = strings::DESK_SYSTEM.get(lang);

    // (time, order within the same instant, line)
    let mut timeline: Vec<(i64, i64, Value)> = vec![(
        ticket.created_at,
        0,
        context! {
            at => tz.date_time_label(ticket.created_at, lang),
            text => strings::DESK_EVENT_RECEIVED.get(lang),
            kind => "received",
        },
    )];
    timeline.extend(events.iter().map(|e| {
        (
            e.created_at,
            1,
            context! {
                at => tz.date_time_label(e.created_at, lang),
                by => e.author.clone().unwrap_or_else(|| system.to_string()),
                text => desk::describe(e.kind, &e.from_value, &e.to_value, lang, &admin.settings.village_word),
                kind => e.kind,
            },
        )
    }));
    timeline.extend(notes.iter().map(|n| {
        (
            n.created_at,
            2,
            context! {
                at => tz.date_time_label(n.created_at, lang),
                by => n.author.clone().unwrap_or_else(|| system.to_string()),
                note => n.body,
                kind => "note",
            },
        )
    }));
    timeline.sort_by_key(|(at, order, _)| (*at, *order));
    let base = format!("/admin/aspirasi/{}/foto", ticket.number);
    Ok(context! {
        assignee => assignee.as_ref().map(|(_, name)| name.clone()),
        staff => staff
            .iter()
            .map(|u| context! {
                value => u.id.to_string(),
                label => desk::staff_name(u),
                selected => assignee.as_ref().is_some_and(|(id, _)| *id == u.id),
            })
            .collect::<Vec<_>>(),
        photos => photos
            .iter()
            .map(|p| context! {
                medium => format!("{base}/{}", p.file_name("medium")),
                large => format!("{base}/{}", p.file_name("large")),
                width => p.width,
                height => p.height,
            })
            .collect::<Vec<_>>(),
        notes_count => notes.len(),
        timeline => timeline.into_iter().map(|(_, _, line)| line).collect::<Vec<_>>(),
        max_note => desk::MAX_NOTE_CHARS,
    })
}

/// `POST /admin/aspirasi/{number}/petugas`: assigns the ticket (an empty `assignee`
/// takes it back).
pub async fn assign(
    State(state): State<AppState>,
    Path(number): Path<String>,
    AdminPost { admin, fields }: AdminPost,
) -> Result<Response, Response> {
    let ticket = ticket_of(&state, &admin, &number).await?;
    let assignee = match fields.get("assignee").trim() {
        "" => None,
        "saya" => Some(admin.user_id()),
        id => match id.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => {
                return Err(view::message(
                    &admin,
                    StatusCode::BAD_REQUEST,
                    strings::DESK_ASSIGNEE_INVALID,
                ));
            }
        },
    };
    desk::assign(&state.store, &ticket, assignee, admin.user_id())
        .await
        .map_err(|err| view::refused(&admin, err))?;
    Ok(view::done(&format!("/admin/aspirasi/{number}"), "assigned"))
}

/// `POST /admin/aspirasi/{number}/catatan`: keeps an internal note.
pub async fn note(
    State(state): State<AppState>,
    Path(number): Path<String>,
    AdminPost { admin, fields }: AdminPost,
) -> Result<Response, Response> {
    let ticket = ticket_of(&state, &admin, &number).await?;
    desk::add_note(&state.store, &ticket, admin.user_id(), fields.get("note"))
        .await
        .map_err(|err| view::refused(&admin, err))?;
    Ok(view::done(&format!("/admin/aspirasi/{number}"), "noted"))
}

/// `GET /admin/aspirasi/{number}/foto/{file}`: a variant of a photo of this ticket.
/// Only files that belong to the ticket are read; the admin's headers forbid caching.
pub async fn photo(
    State(state): State<AppState>,
    Path((number, file)): Path<(String, String)>,
    admin: Admin,
) -> Result<Response, Response> {
    let ticket = ticket_of(&state, &admin, &number).await?;
    let photos = state
        .store
        .ticket_photos(ticket.id)
        .await
        .map_err(view::failure)?;
    let Some(photo) = photos.iter().find(|p| {
        ["large", "medium", "thumb"]
            .iter()
            .any(|variant| p.file_name(variant) == file)
    }) else {
        return Err(view::not_found(&admin));
    };
    let Some(path) = desk::photo_store(&state.config.dir).path_of(&file) else {
        return Err(view::not_found(&admin));
    };
    match tokio::fs::read(&path).await {
        Ok(bytes) => {
            let mime = HeaderValue::from_str(&photo.mime)
                .unwrap_or(HeaderValue::from_static("image/jpeg"));
            Ok(([(CONTENT_TYPE, mime)], bytes).into_response())
        }
        Err(err) if err.kind() == ErrorKind::NotFound => {
            tracing::warn!(ticket = %ticket.number, "a ticket photo is missing on disk");
            Err(view::not_found(&admin))
        }
        Err(err) => Err(view::failure(
            anyhow::Error::new(err).context("reading a ticket photo"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(petugas: &str, status: &str, tenggat: &str) -> ListQuery {
        ListQuery {
            petugas: petugas.into(),
            status: status.into(),
            tenggat: tenggat.into(),
        }
    }

    #[test]
    fn filters_are_read_from_the_query() {
        assert_eq!(
            filter_of(&query("", "", ""), 7, 100),
            Some(TicketFilter::default())
        );
        let mine = filter_of(&query("saya", "terbuka", "lewat"), 7, 100).expect("valid");
        assert_eq!(
            mine,
            TicketFilter {
                assignee: Some(7),
                open_only: true,
                overdue_at: Some(100),
                ..Default::default()
            }
        );
        let other = filter_of(&query("12", "diproses", ""), 7, 100).expect("valid");
        assert_eq!(other.assignee, Some(12));
        assert_eq!(other.status, Some(Status::Diproses));
        assert!(
            filter_of(&query("belum", "", ""), 7, 100)
                .expect("valid")
                .unassigned
        );
        for bad in [
            query("x", "", ""),
            query("-3", "", ""),
            query("", "hilang", ""),
            query("", "", "besok"),
        ] {
            assert_eq!(filter_of(&bad, 7, 100), None, "{bad:?}");
        }
    }
}
