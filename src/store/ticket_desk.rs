//! The ticket desk's tables: the private photo of a website message, the staff's
//! internal notes, the history of each ticket (status, class, extension, assignee), and
//! the ticket list filtered by assignee, status and deadline. Nothing here is read by a
//! public page, a feed, the outbox or the portal's figures.

use super::{
    BeginWrite, Store, TicketEventKind, TicketRow, TicketStatus, on_pool, tickets::TICKET_ROW,
};
use anyhow::Context;
use sqlx::FromRow;

/// A processed photo kept in the private photo folder, about to be tied to its ticket.
#[derive(Clone, Debug)]
pub struct NewTicketPhoto {
    pub file_key: String,
    pub extension: String,
    pub mime: String,
    pub width: i64,
    pub height: i64,
    /// Bytes of its files on disk (every size), as counted against the form's quota.
    pub size_bytes: i64,
}

#[derive(Clone, Debug, FromRow)]
pub struct TicketPhotoRecord {
    pub id: i64,
    pub ticket_id: i64,
    pub file_key: String,
    pub extension: String,
    pub mime: String,
    pub width: i64,
    pub height: i64,
    pub created_at: i64,
}

impl TicketPhotoRecord {
    /// The file name of a variant (`large`, `medium`, `thumb`) in the photo folder.
    pub fn file_name(&self, variant: &str) -> String {
        format!("{}-{variant}.{}", self.file_key, self.extension)
    }
}

/// A staff note with its author (`None` once the account was deleted).
#[derive(Clone, Debug, FromRow)]
pub struct TicketNoteRecord {
    pub id: i64,
    pub ticket_id: i64,
    pub user_id: Option<i64>,
    pub author: Option<String>,
    pub body: String,
    pub created_at: i64,
}

/// One line of a ticket's history.
#[derive(Clone, Debug, FromRow)]
pub struct TicketEventRecord {
    pub id: i64,
    pub ticket_id: i64,
    pub user_id: Option<i64>,
    /// Who made the change; `None` for the system or a deleted account.
    pub author: Option<String>,
    #[sqlx(try_from = "String")]
    pub kind: TicketEventKind,
    pub from_value: String,
    pub to_value: String,
    pub created_at: i64,
}

/// A change about to be written in a ticket's history.
#[derive(Clone, Copy, Debug)]
pub struct NewTicketEvent<'a> {
    pub kind: TicketEventKind,
    pub from: &'a str,
    pub to: &'a str,
}

/// A ticket with its assignee, as the desk lists it.
#[derive(Clone, Debug, FromRow)]
pub struct DeskTicketRow {
    #[sqlx(flatten)]
    pub ticket: TicketRow,
    pub assignee_user_id: Option<i64>,
    pub assignee_name: Option<String>,
}

/// Which tickets the list shows; every condition set must hold.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TicketFilter {
    /// Only tickets assigned to this account.
    pub assignee: Option<i64>,
    /// Only tickets assigned to nobody.
    pub unassigned: bool,
    /// Only tickets in this status.
    pub status: Option<TicketStatus>,
    /// Only tickets still owed an answer (not [`TicketStatus::CLOSED`]).
    pub open_only: bool,
    /// Only open tickets whose first response or answer was due before this instant.
    pub overdue_at: Option<i64>,
}

/// Inside a transaction `$tx`: writes one history line of ticket `$ticket_id`.
macro_rules! insert_ticket_event {
    ($tx:ident, $ticket_id:expr, $user_id:expr, $event:expr, $now:expr) => {
        sqlx::query(
            "INSERT INTO ticket_events (ticket_id, user_id, kind, from_value, to_value, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind($ticket_id)
        .bind($user_id)
        .bind($event.kind.as_str())
        .bind($event.from)
        .bind($event.to)
        .bind($now)
        .execute(&mut *$tx)
    };
}
pub(super) use insert_ticket_event;

/// Inside a transaction `$tx`: ties a stored photo to ticket `$ticket_id`.
macro_rules! insert_ticket_photo {
    ($tx:ident, $ticket_id:expr, $photo:expr, $now:expr) => {
        sqlx::query(
            "INSERT INTO ticket_photos (ticket_id, file_key, extension, mime, width, height, \
               created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind($ticket_id)
        .bind(&$photo.file_key)
        .bind(&$photo.extension)
        .bind(&$photo.mime)
        .bind($photo.width)
        .bind($photo.height)
        .bind($now)
        .execute(&mut *$tx)
    };
}
pub(super) use insert_ticket_photo;

/// A staff member's name as the desk shows it.
macro_rules! staff_name {
    ($alias:literal) => {
        concat!(
            "COALESCE(NULLIF(",
            $alias,
            ".display_name, ''), ",
            $alias,
            ".username)"
        )
    };
}

impl Store {
    /// Tickets matching `filter` with their assignees, ordered as the plain list: open
    /// ones by answer due date first, then closed ones newest first.
    pub async fn desk_tickets(
        &self,
        filter: &TicketFilter,
        limit: i64,
    ) -> anyhow::Result<Vec<DeskTicketRow>> {
        let closed = TicketStatus::sql_list(TicketStatus::CLOSED);
        let sql = format!(
            "SELECT r.*, d.assignee_user_id, {assignee} AS assignee_name \
             FROM ({TICKET_ROW}) r \
             JOIN tickets d ON d.id = r.id \
             LEFT JOIN users u ON u.id = d.assignee_user_id \
             WHERE ($1 IS NULL OR d.assignee_user_id = $1) \
               AND (NOT $2 OR d.assignee_user_id IS NULL) \
               AND ($3 IS NULL OR r.status = $3) \
               AND (NOT $4 OR r.status NOT IN {closed}) \
               AND ($5 IS NULL OR (r.status NOT IN {closed} AND \
                    ((r.answered_at IS NULL AND r.answer_due < $5) OR \
                     (r.first_response_at IS NULL AND r.first_response_due < $5)))) \
             ORDER BY CASE WHEN r.status IN {closed} THEN 1 ELSE 0 END, \
               CASE WHEN r.status IN {closed} THEN -r.created_at ELSE r.answer_due END, r.id \
             LIMIT $6",
            assignee = staff_name!("u"),
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(filter.assignee)
                .bind(filter.unassigned)
                .bind(filter.status.map(TicketStatus::as_str))
                .bind(filter.open_only)
                .bind(filter.overdue_at)
                .bind(limit)
                .fetch_all(pool)
                .await
                .context("listing tickets for the desk")?
        }))
    }

    /// The account a ticket is assigned to: its id and name.
    pub async fn ticket_assignee(&self, ticket_id: i64) -> anyhow::Result<Option<(i64, String)>> {
        let sql = concat!(
            "SELECT u.id, ",
            staff_name!("u"),
            " FROM tickets t JOIN users u ON u.id = t.assignee_user_id WHERE t.id = $1"
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as(sql)
                .bind(ticket_id)
                .fetch_optional(pool)
                .await
                .context("reading a ticket's assignee")?
        }))
    }

    /// Assigns a ticket (or takes it back with `None`) and writes the history line, in
    /// one transaction.
    pub async fn assign_ticket(
        &self,
        ticket_id: i64,
        assignee: Option<i64>,
        by_user_id: i64,
        event: &NewTicketEvent<'_>,
        now: i64,
    ) -> anyhow::Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await.context("starting a transaction")?;
            sqlx::query("UPDATE tickets SET assignee_user_id = $2, updated_at = $3 WHERE id = $1")
                .bind(ticket_id)
                .bind(assignee)
                .bind(now)
                .execute(&mut *tx)
                .await
                .context("assigning a ticket")?;
            insert_ticket_event!(tx, ticket_id, Some(by_user_id), event, now)
                .await
                .context("recording the assignment")?;
            tx.commit().await.context("committing the assignment")?;
        });
        Ok(())
    }

    pub async fn add_ticket_note(
        &self,
        ticket_id: i64,
        user_id: i64,
        body: &str,
        now: i64,
    ) -> anyhow::Result<()> {
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO ticket_notes (ticket_id, user_id, body, created_at) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(ticket_id)
            .bind(user_id)
            .bind(body)
            .bind(now)
            .execute(pool)
            .await
            .context("keeping a note")?;
        });
        Ok(())
    }

    /// A ticket's notes, oldest first.
    pub async fn ticket_notes(&self, ticket_id: i64) -> anyhow::Result<Vec<TicketNoteRecord>> {
        let sql = concat!(
            "SELECT n.id, n.ticket_id, n.user_id, ",
            staff_name!("u"),
            " AS author, n.body, n.created_at \
             FROM ticket_notes n LEFT JOIN users u ON u.id = n.user_id \
             WHERE n.ticket_id = $1 ORDER BY n.created_at, n.id"
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as(sql)
                .bind(ticket_id)
                .fetch_all(pool)
                .await
                .context("listing a ticket's notes")?
        }))
    }

    /// A ticket's history, oldest first.
    pub async fn ticket_events(&self, ticket_id: i64) -> anyhow::Result<Vec<TicketEventRecord>> {
        let sql = concat!(
            "SELECT e.id, e.ticket_id, e.user_id, ",
            staff_name!("u"),
            " AS author, e.kind, e.from_value, e.to_value, e.created_at \
             FROM ticket_events e LEFT JOIN users u ON u.id = e.user_id \
             WHERE e.ticket_id = $1 ORDER BY e.created_at, e.id"
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as(sql)
                .bind(ticket_id)
                .fetch_all(pool)
                .await
                .context("reading a ticket's history")?
        }))
    }

    /// The photos a resident attached to a ticket.
    pub async fn ticket_photos(&self, ticket_id: i64) -> anyhow::Result<Vec<TicketPhotoRecord>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, ticket_id, file_key, extension, mime, width, height, created_at \
                 FROM ticket_photos WHERE ticket_id = $1 ORDER BY id",
            )
            .bind(ticket_id)
            .fetch_all(pool)
            .await
            .context("listing a ticket's photos")?
        }))
    }
}
