//! The village answers a resident where they wrote: a `Note` in reply to theirs that
//! mentions them, so it appears in their Mastodon thread and notifications. A public
//! message gets a public answer (also to the village's followers); a direct message
//! gets a direct answer, addressed to the resident alone.

use super::ActionError;
use crate::{
    clock::now_ms,
    publishing::{markdown, new_public_id},
    refusal::InvalidInput,
    store::{ActorRecord, AnswerDelivery, NewActivity, NewTicketReply, Store, TicketRow},
    strings,
};
use serde_json::json;

pub const MAX_ANSWER_CHARS: usize = 5_000;

/// Sends an operator's answer to a ticket's author; `is_final` closes the ticket. A
/// fediverse author gets it in their thread; a website message's answer is kept for the
/// status page its author checks with the ticket number.
pub async fn send(
    store: &Store,
    village: &ActorRecord,
    ticket: &TicketRow,
    user_id: Option<i64>,
    text_markdown: &str,
    is_final: bool,
) -> Result<(), ActionError> {
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
    if fediverse.is_none() && ticket.channel != crate::store::TicketChannel::Web {
        return Err(InvalidInput(strings::ASP_NO_FEDIVERSE_AUTHOR).into());
    }
    // What is kept is the answer's text; federation renders the Note when it is sent or
    // fetched, from this and the ticket, as it renders posts.
    let kept = json!({ "content": body_html }).to_string();
    let create = NewActivity {
        public_id: new_public_id(),
        actor_id: village.id,
        kind: crate::store::ActivityKind::Create,
        post_id: None,
        object_json: Some(public_id.clone()),
    };
    let delivery = fediverse.map(|(inbox, host)| AnswerDelivery {
        create: &create,
        inbox,
        host,
        to_followers_of: (!ticket.is_private).then_some(village.id),
    });
    Ok(store
        .answer_ticket(
            &NewTicketReply {
                ticket_id: ticket.id,
                public_id: &public_id,
                user_id,
                is_final,
                object_json: &kept,
                delivery,
                events: &events,
            },
            now,
        )
        .await?)
}
