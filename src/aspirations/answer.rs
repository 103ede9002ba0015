//! The village answers a resident where they wrote: a `Note` in reply to theirs that
//! mentions them, so it appears in their Mastodon thread and notifications. A public
//! message gets a public answer (also to the village's followers); a direct message
//! gets a direct answer, addressed to the resident alone.

use crate::{
    clock::{now_ms, to_rfc3339},
    federation::PUBLIC,
    publishing::{InvalidInput, markdown, new_public_id},
    store::{ActorRecord, AnswerDelivery, NewActivity, NewTicketReply, Store, TicketRow},
    strings,
    urls::Urls,
};
use serde_json::{Value, json};

pub const MAX_ANSWER_CHARS: usize = 5_000;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The answer as a Note; `None` when the ticket has no fediverse author to answer.
pub fn answer_note(
    ticket: &TicketRow,
    village: &ActorRecord,
    urls: &Urls,
    public_id: &str,
    body_html: &str,
    now: i64,
) -> Option<Value> {
    let author = ticket.author_ap_id.as_deref()?;
    let username = ticket.author_username.as_deref().unwrap_or("warga");
    let host = ticket.author_host.as_deref().unwrap_or_default();
    let profile = ticket.author_url.as_deref().unwrap_or(author);
    let id = urls.answer(public_id);
    let mention = format!(
        "<p><span class=\"h-card\"><a href=\"{}\" class=\"u-url mention\">@<span>{}</span></a></span></p>",
        escape(profile),
        escape(username)
    );
    let (to, cc) = if ticket.is_private {
        (json!([author]), json!([]))
    } else {
        (
            json!([PUBLIC]),
            json!([author, urls.followers(&village.username)]),
        )
    };
    Some(json!({
        "id": id,
        "type": "Note",
        "attributedTo": village.ap_id,
        "inReplyTo": ticket.note_ap_id,
        "to": to,
        "cc": cc,
        "published": to_rfc3339(now),
        "url": id,
        "sensitive": false,
        "content": format!("{mention}{body_html}"),
        "contentMap": { "id": format!("{mention}{body_html}") },
        "tag": [{ "type": "Mention", "href": author, "name": format!("@{username}@{host}") }],
    }))
}

/// Sends an operator's answer to a ticket's author; `is_final` closes the ticket. A
/// fediverse author gets it in their thread; a website message's answer is kept for the
/// status page its author checks with the ticket number.
pub async fn send(
    store: &Store,
    urls: &Urls,
    village: &ActorRecord,
    ticket: &TicketRow,
    user_id: Option<i64>,
    text_markdown: &str,
    is_final: bool,
) -> anyhow::Result<()> {
    let text = text_markdown.trim();
    if text.is_empty() {
        return Err(InvalidInput(strings::ASP_ANSWER_EMPTY).into());
    }
    if text.chars().count() > MAX_ANSWER_CHARS {
        return Err(InvalidInput(strings::ASP_ANSWER_TOO_LONG).into());
    }
    let now = now_ms();
    let public_id = new_public_id();
    let changes = super::desk::answer_changes(ticket, is_final);
    let events: Vec<_> = changes.iter().map(super::desk::Change::event).collect();
    let body_html = markdown::render(text);
    let fediverse = match (
        ticket.author_inbox.as_deref(),
        ticket.author_host.as_deref(),
    ) {
        (Some(inbox), Some(host)) => Some((inbox, host)),
        _ => None,
    };
    let Some((inbox, host)) = fediverse else {
        if ticket.channel != "web" {
            return Err(InvalidInput(strings::ASP_NO_FEDIVERSE_AUTHOR).into());
        }
        let object_json = json!({ "content": body_html }).to_string();
        return store
            .answer_ticket(
                &NewTicketReply {
                    ticket_id: ticket.id,
                    public_id: &public_id,
                    user_id,
                    is_final,
                    object_json: &object_json,
                    delivery: None,
                    events: &events,
                },
                now,
            )
            .await;
    };
    let note = answer_note(ticket, village, urls, &public_id, &body_html, now)
        .ok_or(InvalidInput(strings::ASP_NO_FEDIVERSE_AUTHOR))?;
    let object_json = note.to_string();
    let create = NewActivity {
        public_id: new_public_id(),
        actor_id: village.id,
        kind: "Create".to_string(),
        post_id: None,
        object_json: Some(object_json.clone()),
    };
    store
        .answer_ticket(
            &NewTicketReply {
                ticket_id: ticket.id,
                public_id: &public_id,
                user_id,
                is_final,
                object_json: &object_json,
                delivery: Some(AnswerDelivery {
                    create: &create,
                    inbox,
                    host,
                    to_followers_of: (!ticket.is_private).then_some(village.id),
                }),
                events: &events,
            },
            now,
        )
        .await
}
