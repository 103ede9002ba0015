//! The ticket desk: who handles a ticket (its assignee, an editor or admin), what the
//! staff tell each other about it (internal notes), what happened to it (a history line
//! per change of status, class, extension or assignee, and per answer sent), and the
//! photo a resident attached on the website form.
//!
//! All of it is for the staff only. Notes and history are never shown on the site, never
//! federated and never in the portal's figures. A photo is processed like any upload
//! (decoded and encoded anew, so EXIF with GPS never survives) but kept in its own folder
//! under `private/`, outside `media/`, which the public `/media/` route cannot reach.

use super::{
    ActionError, TicketClass,
    workflow::{Decision, Status},
};
use crate::{
    auth::{self, Permission},
    clock::now_ms,
    media::{MediaError, MediaStore, process_upload},
    refusal::InvalidInput,
    store::{NewTicketEvent, NewTicketPhoto, Store, TicketEventKind, TicketRow, UserRecord},
    strings,
};
use std::path::Path;

pub const MAX_NOTE_CHARS: usize = 2_000;
/// The folder of ticket photos, inside the data directory.
pub const PHOTO_DIR: &str = "private/ticket-photos";

/// A photo the resident must fix (not a JPEG/PNG/WebP, too large, corrupt, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the photo was refused: {0}")]
pub struct PhotoRefused(pub MediaError);

/// The private folder of ticket photos of the node in `data_dir`.
pub fn photo_store(data_dir: &Path) -> MediaStore {
    MediaStore::in_dir(data_dir.join(PHOTO_DIR))
}

/// Processes an uploaded photo (off the async threads) and keeps it in the private
/// folder. `Ok(Err(PhotoRefused))` is the resident's to fix; `Err` is a disk failure.
pub async fn keep_photo(
    data_dir: &Path,
    bytes: Vec<u8>,
) -> anyhow::Result<Result<NewTicketPhoto, PhotoRefused>> {
    let store = photo_store(data_dir);
    let kept = tokio::task::spawn_blocking(move || {
        let processed = match process_upload(&bytes) {
            Ok(processed) => processed,
            Err(err) => return Ok(Err(PhotoRefused(err))),
        };
        let size_bytes = processed
            .variants
            .iter()
            .map(|variant| i64::try_from(variant.bytes.len()).unwrap_or(i64::MAX))
            .fold(0_i64, i64::saturating_add);
        store
            .save(&processed)
            .map(|kept| Ok((kept, size_bytes)))
            .map_err(|err| anyhow::Error::new(err).context("keeping a ticket photo"))
    })
    .await??;
    Ok(kept.map(|(kept, size_bytes)| NewTicketPhoto {
        size_bytes,
        file_key: kept.key,
        extension: kept.extension.to_string(),
        mime: kept.mime.to_string(),
        width: i64::from(kept.width),
        height: i64::from(kept.height),
    }))
}

/// Whether an account may handle tickets (and so be assigned one): enabled, and its
/// role has `handle_tickets`.
pub fn is_staff(user: &UserRecord) -> bool {
    !user.disabled && auth::allows(user.role, Permission::HandleTickets)
}

/// The name the desk shows for an account.
pub fn staff_name(user: &UserRecord) -> String {
    if user.display_name.trim().is_empty() {
        user.username.clone()
    } else {
        user.display_name.clone()
    }
}

/// The accounts a ticket can be assigned to.
pub async fn staff(store: &Store) -> anyhow::Result<Vec<UserRecord>> {
    Ok(store.users().await?.into_iter().filter(is_staff).collect())
}

/// Assigns `ticket` to the account `assignee` (or to nobody), by `by_user_id`. Writes a
/// history line when the assignee changes; assigning to the same account again is a
/// no-op.
pub async fn assign(
    store: &Store,
    ticket: &TicketRow,
    assignee: Option<i64>,
    by_user_id: i64,
) -> Result<(), ActionError> {
    let next = match assignee {
        None => None,
        Some(id) => {
            let user = store
                .user_by_id(id)
                .await?
                .filter(is_staff)
                .ok_or(InvalidInput(strings::DESK_ASSIGNEE_INVALID))?;
            Some((user.id, staff_name(&user)))
        }
    };
    let current = store.ticket_assignee(ticket.id).await?;
    if current.as_ref().map(|(id, _)| *id) == next.as_ref().map(|(id, _)| *id) {
        return Ok(());
    }
    let name =
        |who: &Option<(i64, String)>| who.as_ref().map(|(_, n)| n.clone()).unwrap_or_default();
    let (from, to) = (name(&current), name(&next));
    let event = NewTicketEvent {
        kind: TicketEventKind::Assignee,
        from: &from,
        to: &to,
    };
    Ok(store
        .assign_ticket(
            ticket.id,
            next.map(|(id, _)| id),
            by_user_id,
            &event,
            now_ms(),
        )
        .await?)
}

/// Keeps a staff note on a ticket.
pub async fn add_note(
    store: &Store,
    ticket: &TicketRow,
    user_id: i64,
    text: &str,
) -> Result<(), ActionError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(InvalidInput(strings::DESK_NOTE_EMPTY).into());
    }
    if text.chars().count() > MAX_NOTE_CHARS {
        return Err(InvalidInput(strings::DESK_NOTE_TOO_LONG).into());
    }
    // Line ends as the browser sent them vary; keep one kind.
    let text = text.replace("\r\n", "\n");
    Ok(store
        .add_ticket_note(ticket.id, user_id, &text, now_ms())
        .await?)
}

/// A history line before it is borrowed into a [`NewTicketEvent`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub kind: TicketEventKind,
    pub from: String,
    pub to: String,
}

impl Change {
    fn new(kind: TicketEventKind, from: &str, to: &str) -> Self {
        Self {
            kind,
            from: from.to_string(),
            to: to.to_string(),
        }
    }

    pub fn event(&self) -> NewTicketEvent<'_> {
        NewTicketEvent {
            kind: self.kind,
            from: &self.from,
            to: &self.to,
        }
    }
}

fn flag(on: bool) -> &'static str {
    if on { "1" } else { "0" }
}

/// What a decision changes about a ticket, one line per field.
pub fn decision_changes(ticket: &TicketRow, decision: &Decision, extended: bool) -> Vec<Change> {
    let mut changes = Vec::new();
    if ticket.status != decision.status {
        changes.push(Change::new(
            TicketEventKind::Status,
            ticket.status.as_str(),
            decision.status.as_str(),
        ));
    }
    if ticket.class != decision.class {
        changes.push(Change::new(
            TicketEventKind::Class,
            ticket.class.as_str(),
            decision.class.as_str(),
        ));
    }
    if ticket.extended != extended {
        changes.push(Change::new(
            TicketEventKind::Extended,
            flag(ticket.extended),
            flag(extended),
        ));
    }
    changes
}

/// What sending an answer changes: the answer itself, and the status it moves the ticket
/// to (the same rule the store applies: a final answer closes it as selesai, a first one
/// moves a new ticket to diproses).
pub fn answer_changes(ticket: &TicketRow, is_final: bool) -> Vec<Change> {
    let kind = if is_final { "final" } else { "reply" };
    let mut changes = vec![Change::new(TicketEventKind::Answer, "", kind)];
    let next = if is_final {
        Status::Selesai
    } else if ticket.status == Status::Baru {
        Status::Diproses
    } else {
        ticket.status
    };
    if next != ticket.status {
        changes.push(Change::new(
            TicketEventKind::Status,
            ticket.status.as_str(),
            next.as_str(),
        ));
    }
    changes
}

/// The sentence of a history line, in `lang`, e.g. "Status: Baru → Diverifikasi";
/// `village_word` is the site's word for the village, which some statuses name.
pub fn describe(
    kind: TicketEventKind,
    from: &str,
    to: &str,
    lang: strings::Lang,
    village_word: &str,
) -> String {
    let status = |code: &str| {
        Status::parse(code).map_or_else(|| code.to_string(), |s| s.label(lang, village_word))
    };
    let class = |code: &str| {
        TicketClass::parse(code)
            .map_or_else(|| code.to_string(), |c| c.label().get(lang).to_string())
    };
    let nobody = |name: &str| {
        if name.is_empty() {
            strings::DESK_NOBODY.get(lang).to_string()
        } else {
            name.to_string()
        }
    };
    match kind {
        TicketEventKind::Status => format!(
            "{}: {} → {}",
            strings::DESK_EVENT_STATUS.get(lang),
            status(from),
            status(to)
        ),
        TicketEventKind::Class => format!(
            "{}: {} → {}",
            strings::DESK_EVENT_CLASS.get(lang),
            class(from),
            class(to)
        ),
        TicketEventKind::Extended if to == "1" => {
            strings::DESK_EVENT_EXTENDED.get(lang).to_string()
        }
        TicketEventKind::Extended => strings::DESK_EVENT_NOT_EXTENDED.get(lang).to_string(),
        TicketEventKind::Assignee => format!(
            "{}: {} → {}",
            strings::DESK_EVENT_ASSIGNEE.get(lang),
            nobody(from),
            nobody(to)
        ),
        TicketEventKind::Answer if to == "final" => {
            strings::DESK_EVENT_FINAL_ANSWER.get(lang).to_string()
        }
        TicketEventKind::Answer => strings::DESK_EVENT_ANSWER.get(lang).to_string(),
        TicketEventKind::Approval if to == "approved" => {
            strings::DESK_EVENT_APPROVED.get(lang).to_string()
        }
        TicketEventKind::Approval if to == "edited" => {
            strings::DESK_EVENT_EDITED.get(lang).to_string()
        }
        TicketEventKind::Approval => strings::DESK_EVENT_UNAPPROVED.get(lang).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket(status: Status, class: TicketClass, extended: bool) -> TicketRow {
        TicketRow {
            id: 1,
            number: "ASP-2026-000001-ABCD".into(),
            channel: crate::store::TicketChannel::Web,
            class,
            status,
            is_private: true,
            first_response_due: 0,
            answer_due: 0,
            first_response_at: None,
            answered_at: None,
            created_at: 0,
            author_username: None,
            author_host: None,
            author_url: None,
            content_html: None,
            note_url: None,
            withdrawn_at: None,
            post_public_id: None,
            post_title: None,
            local_actor_id: 1,
            author_ap_id: None,
            author_inbox: None,
            note_ap_id: None,
            note_context: None,
            resolution: String::new(),
            extended,
            author_name: "Siti".into(),
            contact: String::new(),
        }
    }

    #[test]
    fn a_decision_writes_one_line_per_changed_field() {
        let decision = Decision {
            status: Status::Diverifikasi,
            class: TicketClass::PermintaanInformasi,
            resolution: String::new(),
            extended: true,
        };
        let changes = decision_changes(
            &ticket(Status::Baru, TicketClass::Aspirasi, false),
            &decision,
            true,
        );
        assert_eq!(
            changes,
            vec![
                Change::new(TicketEventKind::Status, "baru", "diverifikasi"),
                Change::new(TicketEventKind::Class, "aspirasi", "permintaan_informasi"),
                Change::new(TicketEventKind::Extended, "0", "1"),
            ]
        );
        let same = ticket(Status::Diverifikasi, TicketClass::PermintaanInformasi, true);
        assert!(decision_changes(&same, &decision, true).is_empty());
    }

    #[test]
    fn an_answer_moves_the_status_as_the_store_does() {
        assert_eq!(
            answer_changes(&ticket(Status::Baru, TicketClass::Aspirasi, false), false),
            vec![
                Change::new(TicketEventKind::Answer, "", "reply"),
                Change::new(TicketEventKind::Status, "baru", "diproses"),
            ]
        );
        assert_eq!(
            answer_changes(
                &ticket(Status::Diverifikasi, TicketClass::Aspirasi, false),
                false
            ),
            vec![Change::new(TicketEventKind::Answer, "", "reply")]
        );
        assert_eq!(
            answer_changes(
                &ticket(Status::Diproses, TicketClass::Aspirasi, false),
                true
            ),
            vec![
                Change::new(TicketEventKind::Answer, "", "final"),
                Change::new(TicketEventKind::Status, "diproses", "selesai"),
            ]
        );
    }

    #[test]
    fn history_lines_read_as_sentences() {
        let lang = strings::Lang::Id;
        assert_eq!(
            describe(
                TicketEventKind::Status,
                "baru",
                "diverifikasi",
                lang,
                "desa"
            ),
            format!(
                "{}: {} → {}",
                strings::DESK_EVENT_STATUS.id,
                strings::ASP_STATUS_NEW.id,
                strings::ASP_STATUS_VERIFIED.id
            )
        );
        assert_eq!(
            describe(
                TicketEventKind::Assignee,
                "",
                "Budi",
                strings::Lang::En,
                "desa"
            ),
            format!(
                "{}: {} → Budi",
                strings::DESK_EVENT_ASSIGNEE.en,
                strings::DESK_NOBODY.en
            )
        );
    }
}
