//! Tickets: residents' messages tracked to an answer. A ticket from the fediverse is
//! written in the same transaction as the note it comes from, so a message is never
//! kept without its ticket nor counted twice.

use super::{BeginWrite, NewRemoteNote, Store, TicketClass, TicketStatus, on_pool};
use anyhow::Context;
use sqlx::FromRow;

/// A ticket about to be opened; its number is made from its row id.
#[derive(Clone, Debug)]
pub struct NewTicket {
    pub local_actor_id: i64,
    pub channel: super::TicketChannel,
    pub class: TicketClass,
    pub is_private: bool,
    pub source_post_id: Option<i64>,
    pub first_response_due: i64,
    pub answer_due: i64,
    /// `{year}`: the number is `ASP-{year}-{id:06}-{suffix}`.
    pub year: i32,
    /// Random letters so that numbers cannot be guessed from one another.
    pub suffix: String,
}

/// A ticket with what a list or a page shows of it.
#[derive(Clone, Debug, FromRow)]
pub struct TicketRow {
    pub id: i64,
    pub number: String,
    #[sqlx(try_from = "String")]
    pub channel: super::TicketChannel,
    #[sqlx(try_from = "String")]
    pub class: TicketClass,
    #[sqlx(try_from = "String")]
    pub status: TicketStatus,
    pub is_private: bool,
    pub first_response_due: i64,
    pub answer_due: i64,
    pub first_response_at: Option<i64>,
    pub answered_at: Option<i64>,
    pub created_at: i64,
    /// `username@host` of a fediverse author.
    pub author_username: Option<String>,
    pub author_host: Option<String>,
    pub author_url: Option<String>,
    /// Sanitised HTML of the message ('' once the resident withdrew it).
    pub content_html: Option<String>,
    pub note_url: Option<String>,
    pub withdrawn_at: Option<i64>,
    pub post_public_id: Option<String>,
    pub post_title: Option<String>,
    pub local_actor_id: i64,
    /// The resident: their actor id and the inbox an answer goes to.
    pub author_ap_id: Option<String>,
    pub author_inbox: Option<String>,
    /// The id of the resident's note, which an answer replies to.
    pub note_ap_id: Option<String>,
    /// The thread the resident's note named (FEP-7888), for an answer to a message that
    /// is not under one of our posts.
    pub note_context: Option<String>,
    pub resolution: String,
    pub extended: bool,
    /// From the website's form: the name given and the private contact.
    pub author_name: String,
    pub contact: String,
}

/// An operator's decision about a ticket, with the deadlines it implies.
#[derive(Clone, Copy, Debug)]
pub struct TicketDecision<'a> {
    pub ticket_id: i64,
    pub status: TicketStatus,
    pub class: TicketClass,
    pub resolution: &'a str,
    pub extended: bool,
    pub first_response_due: i64,
    pub answer_due: i64,
    /// Who decided, and the history lines the decision writes.
    pub user_id: Option<i64>,
    pub events: &'a [super::NewTicketEvent<'a>],
}

/// An answer to a ticket, as sent.
#[derive(Clone, Debug, FromRow)]
pub struct TicketReplyRecord {
    pub id: i64,
    pub public_id: String,
    pub ticket_id: i64,
    pub user_id: Option<i64>,
    pub is_final: bool,
    /// `{"content": HTML}`: the answer's text. Answers kept before answers were rendered
    /// when sent hold the whole Note as it was sent (with `"type"`).
    pub object_json: String,
    pub created_at: i64,
}

/// An answer about to be sent: the Note and the activity that carries it.
#[derive(Clone, Debug)]
pub struct NewTicketReply<'a> {
    pub ticket_id: i64,
    pub public_id: &'a str,
    pub user_id: Option<i64>,
    pub is_final: bool,
    pub object_json: &'a str,
    /// How it reaches a fediverse resident; `None` for a website message, whose answer
    /// is read on the status page.
    pub delivery: Option<AnswerDelivery<'a>>,
    /// The history lines the answer writes (a status it moves the ticket to).
    pub events: &'a [super::NewTicketEvent<'a>],
}

/// The Create that carries an answer and where it goes.
#[derive(Clone, Copy, Debug)]
pub struct AnswerDelivery<'a> {
    pub create: &'a super::NewActivity,
    /// The resident's inbox and its host.
    pub inbox: &'a str,
    pub host: &'a str,
    /// Public answers also go to the village's followers.
    pub to_followers_of: Option<i64>,
}

/// A message from the website's form.
#[derive(Clone, Debug)]
pub struct NewWebMessage {
    pub author_name: String,
    pub contact: String,
    pub message_html: String,
    /// The photo attached to it, already processed and kept in the private folder.
    pub photo: Option<super::NewTicketPhoto>,
}

/// Inside a transaction `$tx`: gives the ticket row `$id` its number. A ticket is
/// inserted under a provisional unique number first because its number is made from
/// its row id.
macro_rules! set_ticket_number {
    ($tx:ident, $id:expr, $number:expr) => {
        sqlx::query("UPDATE tickets SET number = $2 WHERE id = $1")
            .bind($id)
            .bind($number)
            .execute(&mut *$tx)
    };
}

impl NewTicket {
    /// `ASP-{year}-{id:06}-{suffix}`.
    fn number(&self, id: i64) -> String {
        format!("ASP-{}-{id:06}-{}", self.year, self.suffix)
    }
}

pub(super) const TICKET_ROW: &str = "SELECT t.id, t.number, t.channel, t.class, t.status, t.is_private, \
       t.first_response_due, t.answer_due, t.first_response_at, t.answered_at, t.created_at, \
       a.username AS author_username, a.host AS author_host, \
       COALESCE(a.profile_url, a.ap_id) AS author_url, \
       COALESCE(n.content_html, t.message_html) AS content_html, \
       COALESCE(n.url, n.ap_id) AS note_url, n.deleted_at AS withdrawn_at, \
       p.public_id AS post_public_id, p.title AS post_title, t.local_actor_id, \
       a.ap_id AS author_ap_id, COALESCE(a.shared_inbox_url, a.inbox_url) AS author_inbox, \
       n.ap_id AS note_ap_id, n.context AS note_context, t.resolution, t.extended, t.author_name, t.contact \
     FROM tickets t \
     LEFT JOIN remote_notes n ON n.id = t.remote_note_id \
     LEFT JOIN actors a ON a.id = n.actor_id \
     LEFT JOIN posts p ON p.id = t.source_post_id";

impl Store {
    /// Keeps a reply, mention or direct message and opens its ticket, in one
    /// transaction. `None` when the note was already kept (a second delivery);
    /// `Ok(Err(OverLimit))` when its author or server opened too many tickets lately
    /// (a refusal; the outer `Err` is a failure).
    pub async fn keep_note_with_ticket(
        &self,
        note: &NewRemoteNote,
        ticket: &NewTicket,
        limits: &super::IntakeLimits,
        quota: &super::SenderQuota,
        now: i64,
    ) -> anyhow::Result<Result<Option<String>, super::OverLimit>> {
        Ok(Ok(on_pool!(self, pool => {
            let mut tx = pool.begin_write().await.context("starting a transaction")?;
            // A message kept before (a redelivery) is neither new nor over any limit.
            let note_id: Option<i64> = super::insert_remote_note!(note, now)
                .fetch_optional(&mut *tx)
                .await
                .context("storing a resident's message")?;
            let Some(note_id) = note_id else {
                return Ok(Ok(None));
            };
            super::moderation::check_intake_limits!(self, tx, note.actor_id, limits, now);
            // Counted, never refused here: the activity that carried it was accepted.
            super::quotas::charge_sender!(tx, by_actor note.actor_id, note.stored_bytes(), quota.counting_only(), now)
                .await
                .context("counting a resident's message against its server's quota")?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO tickets (number, local_actor_id, channel, class, status, is_private, \
                   remote_note_id, source_post_id, first_response_due, answer_due, created_at, \
                   updated_at) \
                 VALUES ($1, $2, $3, $4, $11, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
            )
            .bind(format!("pending-{}", note.ap_id))
            .bind(ticket.local_actor_id)
            .bind(ticket.channel.as_str())
            .bind(ticket.class.as_str())
            .bind(ticket.is_private)
            .bind(note_id)
            .bind(ticket.source_post_id)
            .bind(ticket.first_response_due)
            .bind(ticket.answer_due)
            .bind(now)
            .bind(TicketStatus::Baru.as_str())
            .fetch_one(&mut *tx)
            .await
            .context("opening a ticket")?;
            let number = ticket.number(id);
            set_ticket_number!(tx, id, &number)
                .await
                .context("numbering a ticket")?;
            tx.commit().await.context("committing the ticket")?;
            Some(number)
        })))
    }

    /// Opens a ticket for a message from the website's form; returns its number.
    pub async fn open_web_ticket(
        &self,
        ticket: &NewTicket,
        message: &NewWebMessage,
        now: i64,
    ) -> anyhow::Result<String> {
        self.open_web_ticket_counted(ticket, message, None, now)
            .await
    }

    /// [`Store::open_web_ticket`], counting the message and its photo against the quota
    /// of `sender` (`(key, quota)`) in the same transaction; counted, never refused here
    /// (the caller checked the quota before it kept the photo).
    pub async fn open_web_ticket_counted(
        &self,
        ticket: &NewTicket,
        message: &NewWebMessage,
        sender: Option<(&str, &super::SenderQuota)>,
        now: i64,
    ) -> anyhow::Result<String> {
        Ok(on_pool!(self, pool => {
            let mut tx = pool.begin_write().await.context("starting a transaction")?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO tickets (number, local_actor_id, channel, class, status, is_private, \
                   author_name, contact, message_html, first_response_due, answer_due, created_at, \
                   updated_at) \
                 VALUES ($1, $2, $11, $3, $12, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
            )
            .bind(format!("pending-web-{}-{}", ticket.suffix, now))
            .bind(ticket.local_actor_id)
            .bind(ticket.class.as_str())
            .bind(ticket.is_private)
            .bind(&message.author_name)
            .bind(&message.contact)
            .bind(&message.message_html)
            .bind(ticket.first_response_due)
            .bind(ticket.answer_due)
            .bind(now)
            .bind(super::TicketChannel::Web.as_str())
            .bind(TicketStatus::Baru.as_str())
            .fetch_one(&mut *tx)
            .await
            .context("opening a ticket")?;
            let number = ticket.number(id);
            set_ticket_number!(tx, id, &number)
                .await
                .context("numbering a ticket")?;
            if let Some(photo) = &message.photo {
                super::ticket_desk::insert_ticket_photo!(tx, id, photo, now)
                    .await
                    .context("keeping the ticket's photo")?;
            }
            if let Some((key, quota)) = sender {
                let bytes = super::quotas::text_bytes([
                    message.author_name.as_str(),
                    message.contact.as_str(),
                    message.message_html.as_str(),
                ])
                .saturating_add(message.photo.as_ref().map_or(0, |photo| photo.size_bytes));
                super::quotas::charge_sender!(tx, key, bytes, quota.counting_only(), now)
                    .await
                    .context("counting a website message against the form's quota")?;
            }
            tx.commit().await.context("committing the ticket")?;
            number
        }))
    }

    /// Tickets, oldest open first (by answer due date), then closed ones newest first.
    pub async fn tickets(&self, limit: i64) -> anyhow::Result<Vec<TicketRow>> {
        let closed = TicketStatus::sql_list(TicketStatus::CLOSED);
        let sql = format!(
            "{TICKET_ROW} ORDER BY CASE WHEN t.status IN {closed} THEN 1 ELSE 0 END, \
             CASE WHEN t.status IN {closed} THEN -t.created_at ELSE t.answer_due END, t.id \
             LIMIT $1"
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(limit)
                .fetch_all(pool)
                .await
                .context("listing tickets")?
        }))
    }

    pub async fn ticket_by_number(&self, number: &str) -> anyhow::Result<Option<TicketRow>> {
        let sql = format!("{TICKET_ROW} WHERE t.number = $1");
        Ok(on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(number)
                .fetch_optional(pool)
                .await
                .context("reading a ticket")?
        }))
    }

    /// Sends an answer: keeps it, writes its Create and queues it to the resident (and
    /// the followers when public), and moves the ticket on, in one transaction. The
    /// first answer is the first response; a final one closes the ticket as `selesai`.
    pub async fn answer_ticket(&self, reply: &NewTicketReply<'_>, now: i64) -> anyhow::Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await.context("starting a transaction")?;
            sqlx::query(
                "INSERT INTO ticket_replies (public_id, ticket_id, user_id, is_final, object_json, \
                   created_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(reply.public_id)
            .bind(reply.ticket_id)
            .bind(reply.user_id)
            .bind(reply.is_final)
            .bind(reply.object_json)
            .bind(now)
            .execute(&mut *tx)
            .await
            .context("keeping the answer")?;
            if let Some(delivery) = reply.delivery {
                let activity_id = super::insert_activity!(tx, delivery.create, None::<i64>, now)
                    .await
                    .context("storing the answer's Create")?;
                super::queue_delivery!(tx, activity_id, delivery.inbox, delivery.host, now)
                    .await
                    .context("queueing the answer to the resident")?;
                if let Some(actor_id) = delivery.to_followers_of {
                    // The resident's server may also host followers: one request for both.
                    sqlx::query(
                        "INSERT INTO deliveries (activity_id, inbox_url, host, next_attempt_at, created_at) \
                         SELECT $1, COALESCE(a.shared_inbox_url, a.inbox_url), MIN(a.host), $2, $2 \
                         FROM follows f JOIN actors a ON a.id = f.remote_actor_id \
                         WHERE f.local_actor_id = $3 AND COALESCE(a.shared_inbox_url, a.inbox_url) <> $4 \
                         GROUP BY COALESCE(a.shared_inbox_url, a.inbox_url)",
                    )
                    .bind(activity_id)
                    .bind(now)
                    .bind(actor_id)
                    .bind(delivery.inbox)
                    .execute(&mut *tx)
                    .await
                    .context("queueing the answer to followers")?;
                }
            }
            sqlx::query(
                "UPDATE tickets SET first_response_at = COALESCE(first_response_at, $2), \
                   answered_at = CASE WHEN $3 THEN $2 ELSE answered_at END, \
                   status = CASE WHEN $3 THEN $4 WHEN status = $5 THEN $6 ELSE status END, \
                   updated_at = $2 WHERE id = $1",
            )
            .bind(reply.ticket_id)
            .bind(now)
            .bind(reply.is_final)
            .bind(TicketStatus::Selesai.as_str())
            .bind(TicketStatus::Baru.as_str())
            .bind(TicketStatus::Diproses.as_str())
            .execute(&mut *tx)
            .await
            .context("moving the ticket on")?;
            for event in reply.events {
                super::ticket_desk::insert_ticket_event!(tx, reply.ticket_id, reply.user_id, event, now)
                    .await
                    .context("recording the ticket's history")?;
            }
            tx.commit().await.context("committing the answer")?;
        });
        Ok(())
    }

    /// Stores an operator's decision. Leaving `baru` is the ticket's first response.
    pub async fn decide_ticket(
        &self,
        decision: &TicketDecision<'_>,
        now: i64,
    ) -> anyhow::Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await.context("starting a transaction")?;
            sqlx::query(
                "UPDATE tickets SET status = $2, class = $3, resolution = $4, extended = $5, \
                   first_response_due = $6, answer_due = $7, updated_at = $8, \
                   first_response_at = CASE WHEN $9 THEN COALESCE(first_response_at, $8) \
                                            ELSE first_response_at END \
                 WHERE id = $1",
            )
            .bind(decision.ticket_id)
            .bind(decision.status.as_str())
            .bind(decision.class.as_str())
            .bind(decision.resolution)
            .bind(decision.extended)
            .bind(decision.first_response_due)
            .bind(decision.answer_due)
            .bind(now)
            .bind(decision.status != TicketStatus::Baru)
            .execute(&mut *tx)
            .await
            .context("saving the ticket's status")?;
            for event in decision.events {
                super::ticket_desk::insert_ticket_event!(tx, decision.ticket_id, decision.user_id, event, now)
                    .await
                    .context("recording the ticket's history")?;
            }
            tx.commit().await.context("committing the decision")?;
        });
        Ok(())
    }

    pub async fn ticket_replies(&self, ticket_id: i64) -> anyhow::Result<Vec<TicketReplyRecord>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, public_id, ticket_id, user_id, is_final, object_json, created_at \
                 FROM ticket_replies WHERE ticket_id = $1 ORDER BY id",
            )
            .bind(ticket_id)
            .fetch_all(pool)
            .await
            .context("listing answers")?
        }))
    }

    pub async fn ticket_by_id(&self, id: i64) -> anyhow::Result<Option<TicketRow>> {
        let sql = format!("{TICKET_ROW} WHERE t.id = $1");
        Ok(on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(id)
                .fetch_optional(pool)
                .await
                .context("reading a ticket")?
        }))
    }

    /// An answer as kept, with the ticket it answers (what it is rendered from).
    pub async fn answer_with_ticket(
        &self,
        public_id: &str,
    ) -> anyhow::Result<Option<(TicketReplyRecord, TicketRow)>> {
        let Some(reply) = self.ticket_reply_by_public_id(public_id).await? else {
            return Ok(None);
        };
        Ok(self
            .ticket_by_id(reply.ticket_id)
            .await?
            .map(|ticket| (reply, ticket)))
    }

    pub async fn ticket_reply_by_public_id(
        &self,
        public_id: &str,
    ) -> anyhow::Result<Option<TicketReplyRecord>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, public_id, ticket_id, user_id, is_final, object_json, created_at \
                 FROM ticket_replies WHERE public_id = $1",
            )
            .bind(public_id)
            .fetch_optional(pool)
            .await
            .context("reading an answer")?
        }))
    }

    /// The days (YYYY-MM-DD) the village office is closed besides weekends.
    pub async fn holidays(&self) -> anyhow::Result<Vec<String>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar("SELECT day FROM holidays ORDER BY day")
                .fetch_all(pool)
                .await
                .context("reading the holidays")?
        }))
    }

    /// The holidays with their names, in date order.
    pub async fn holidays_named(&self) -> anyhow::Result<Vec<(String, String)>> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as("SELECT day, name FROM holidays ORDER BY day")
                .fetch_all(pool)
                .await
                .context("reading the holidays")?
        }))
    }

    pub async fn delete_holiday(&self, day: &str) -> anyhow::Result<bool> {
        Ok(on_pool!(self, pool => {
            sqlx::query("DELETE FROM holidays WHERE day = $1")
                .bind(day)
                .execute(pool)
                .await
                .context("deleting a holiday")?
                .rows_affected() == 1
        }))
    }

    pub async fn add_holiday(&self, day: &str, name: &str) -> anyhow::Result<()> {
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO holidays (day, name) VALUES ($1, $2) \
                 ON CONFLICT (day) DO UPDATE SET name = excluded.name",
            )
            .bind(day)
            .bind(name)
            .execute(pool)
            .await
            .context("saving a holiday")?;
        });
        Ok(())
    }
}
