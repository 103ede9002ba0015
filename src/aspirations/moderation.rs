//! Moderation: what residents write is never public until an operator approves it, and
//! only a public reply to a village post can be approved; approved replies are shown
//! under their post as comments with the village's public answers. An operator can
//! block an account or a whole server: their new messages open no ticket and their
//! comments disappear from public pages, while their tickets stay for the record. One
//! server and one account open at most a configured number of tickets an hour. A message
//! refused for either reason is a [`MessageError::NotAccepted`]; an operator's approval
//! or block that breaks a rule is an [`ActionError`].

use super::{ActionError, privacy};
use crate::publishing::markdown::web_link;
use crate::{
    clock::now_ms,
    config::ModerationSettings,
    publishing::markdown::strip_tags,
    refusal::InvalidInput,
    store::{ActorRecord, IntakeLimits, LimitScope, OverLimit, Store, TicketRow},
    strings, text,
};
use std::collections::HashMap;

/// Comments shown under one post.
pub const MAX_COMMENTS: i64 = 200;
/// Characters of text a comment shows; a longer one is shown as plain text, cut.
pub const MAX_COMMENT_CHARS: usize = 5_000;
pub const MAX_REASON_CHARS: usize = 500;

/// A message the village does not act on, and why. The inbox worker records the reason
/// with the received activity (state `dropped`) instead of retrying it.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{0}")]
pub struct NotAccepted(pub String);

/// Why a resident's message from the fediverse opened no ticket.
#[derive(Debug, thiserror::Error)]
pub enum MessageError {
    /// On purpose (a blocked author, a limit): recorded with the activity, never retried.
    #[error(transparent)]
    NotAccepted(#[from] NotAccepted),
    /// For a reason that may pass (the database): retried.
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

/// The tickets per hour the settings allow.
pub fn limits(settings: &ModerationSettings) -> IntakeLimits {
    IntakeLimits {
        per_server: i64::from(settings.tickets_per_server_per_hour),
        per_account: i64::from(settings.tickets_per_account_per_hour),
        window_ms: 3600 * 1000,
    }
}

/// The reason kept with an activity whose author or server reached its tickets' limit.
pub fn over_limit(over: OverLimit) -> NotAccepted {
    let scope = match over.scope {
        LimitScope::Server => "server",
        LimitScope::Account => "account",
    };
    NotAccepted(format!(
        "no ticket: this {scope} opened {} tickets in the last hour, the limit",
        over.limit
    ))
}

/// What is blocked (kept with the block).
pub use crate::store::BlockKind;

impl BlockKind {
    pub fn label(self) -> strings::Text {
        match self {
            Self::Account => strings::MOD_KIND_ACCOUNT,
            Self::Server => strings::MOD_KIND_SERVER,
        }
    }
}

/// The block that applies to an actor (`actor_ap_id` on `host`), if any.
pub async fn block_of(
    store: &Store,
    actor_ap_id: &str,
    host: &str,
) -> anyhow::Result<Option<BlockKind>> {
    store
        .block_of(actor_ap_id, &host.to_ascii_lowercase())
        .await
}

/// `Err(MessageError::NotAccepted)` when the author of a message is blocked.
pub async fn check_author(store: &Store, author: &ActorRecord) -> Result<(), MessageError> {
    match block_of(store, &author.ap_id, &author.host).await? {
        Some(BlockKind::Account) => {
            Err(NotAccepted("no ticket: this account is blocked".into()).into())
        }
        Some(BlockKind::Server) => {
            Err(NotAccepted("no ticket: this server is blocked".into()).into())
        }
        None => Ok(()),
    }
}

fn refuse<T>(text: strings::Text) -> Result<T, ActionError> {
    Err(InvalidInput(text).into())
}

/// Shows a resident's reply under its post. Only a public reply to a village post can
/// be shown: a private message, a mention or a web-form message never is.
pub async fn approve(store: &Store, ticket: &TicketRow, user_id: i64) -> Result<(), ActionError> {
    if ticket.is_private {
        return refuse(strings::MOD_CANNOT_APPROVE_PRIVATE);
    }
    if ticket.channel != crate::store::TicketChannel::Reply || ticket.post_public_id.is_none() {
        return refuse(strings::MOD_CANNOT_APPROVE_NOT_REPLY);
    }
    if ticket.withdrawn_at.is_some() {
        return refuse(strings::MOD_CANNOT_APPROVE_WITHDRAWN);
    }
    if !store
        .set_ticket_approval(ticket.id, user_id, true, now_ms())
        .await?
    {
        return refuse(strings::MOD_CANNOT_APPROVE_NOT_REPLY);
    }
    Ok(())
}

/// Takes an approved reply off its post's page again.
pub async fn withdraw_approval(
    store: &Store,
    ticket: &TicketRow,
    user_id: i64,
) -> Result<(), ActionError> {
    store
        .set_ticket_approval(ticket.id, user_id, false, now_ms())
        .await?;
    Ok(())
}

/// A server's host as the village stores it: `server.example` or `host:port`.
fn parse_host(input: &str) -> Option<String> {
    let input = input.trim().trim_end_matches('/');
    let without_scheme = input
        .strip_prefix("https://")
        .or_else(|| input.strip_prefix("http://"))
        .unwrap_or(input);
    let without_user = without_scheme.rsplit('@').next().unwrap_or_default();
    if without_user.is_empty() || without_user.contains(['/', ' ', '?', '#']) {
        return None;
    }
    let url = url::Url::parse(&format!("http://{without_user}/")).ok()?;
    let host = url.host_str()?.to_ascii_lowercase();
    if !host.contains('.') && host != "localhost" {
        return None;
    }
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host,
    })
}

/// An account by its actor id (`https://server/users/name`).
fn parse_account(input: &str) -> Option<String> {
    let url = url::Url::parse(input.trim()).ok()?;
    (matches!(url.scheme(), "https" | "http") && url.host_str().is_some()).then(|| url.to_string())
}

/// Blocks an account (its actor id) or a server (its host, or any address on it).
/// Blocking twice is no error. The village's own server cannot be blocked.
pub async fn block(
    store: &Store,
    own_host: &str,
    kind: BlockKind,
    target: &str,
    reason: &str,
    user_id: Option<i64>,
) -> Result<(), ActionError> {
    let reason = reason.trim();
    if reason.chars().count() > MAX_REASON_CHARS {
        return refuse(strings::MOD_REASON_TOO_LONG);
    }
    let target = match kind {
        BlockKind::Server => parse_host(target),
        BlockKind::Account => parse_account(target),
    };
    let Some(target) = target else {
        return refuse(match kind {
            BlockKind::Server => strings::MOD_BAD_SERVER,
            BlockKind::Account => strings::MOD_BAD_ACCOUNT,
        });
    };
    let host = match kind {
        BlockKind::Server => Some(target.clone()),
        BlockKind::Account => url::Url::parse(&target)
            .ok()
            .and_then(|url| parse_host(url.authority())),
    };
    if host.as_deref() == Some(own_host) {
        return refuse(strings::MOD_CANNOT_BLOCK_OURSELVES);
    }
    store
        .add_block(kind, &target, reason, user_id, now_ms())
        .await?;
    Ok(())
}

/// Blocks the author of a ticket, or their whole server.
pub async fn block_author(
    store: &Store,
    own_host: &str,
    ticket: &TicketRow,
    kind: BlockKind,
    user_id: Option<i64>,
) -> Result<(), ActionError> {
    let (Some(actor), Some(host)) = (&ticket.author_ap_id, &ticket.author_host) else {
        return refuse(strings::MOD_NO_ACCOUNT_TO_BLOCK);
    };
    let target = match kind {
        BlockKind::Account => actor,
        BlockKind::Server => host,
    };
    let reason = format!("{} {}", strings::MOD_REASON_FROM_TICKET.id, ticket.number);
    block(store, own_host, kind, target, &reason, user_id).await
}

pub async fn unblock(store: &Store, id: i64) -> anyhow::Result<bool> {
    store.remove_block(id).await
}

/// An approved reply as the public sees it.
#[derive(Clone, Debug)]
pub struct Comment {
    /// The resident's display name (their username when they have none).
    pub author_name: String,
    /// `@name@server`.
    pub handle: String,
    pub author_url: String,
    /// Public-safe HTML: cleaned, NIK-like numbers masked, bounded.
    pub content_html: String,
    pub published_at: i64,
    pub edited_at: Option<i64>,
    pub note_url: String,
    /// The resident's note id (for the post's `replies` collection).
    pub note_id: String,
    /// The village's public answers to it, in the order sent.
    pub answers: Vec<CommentAnswer>,
}

#[derive(Clone, Debug)]
pub struct CommentAnswer {
    pub content_html: String,
    pub sent_at: i64,
}

/// A resident's HTML for a public page, bounded: a very long message is shown as its
/// first characters in plain text.
fn bounded_public_html(html: &str) -> String {
    let text = strip_tags(html);
    if text.chars().count() <= MAX_COMMENT_CHARS {
        return privacy::public_html(html);
    }
    let shown = text::cut(&text, MAX_COMMENT_CHARS + 1);
    privacy::mask_nik(&format!("<p>{}</p>", text::escape_markup(&shown)))
}

/// The approved replies to a post, oldest first, each with the village's public answers
/// (a direct answer is never shown). Authors blocked since are left out.
pub async fn comments(store: &Store, post_id: i64) -> anyhow::Result<Vec<Comment>> {
    let rows = store.approved_comments(post_id, MAX_COMMENTS).await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut answers: HashMap<i64, Vec<CommentAnswer>> = HashMap::new();
    for reply in store.approved_comment_answers(post_id).await? {
        let Ok(note) = serde_json::from_str::<serde_json::Value>(&reply.object_json) else {
            continue;
        };
        let content = note["content"].as_str().unwrap_or_default();
        answers
            .entry(reply.ticket_id)
            .or_default()
            .push(CommentAnswer {
                content_html: bounded_public_html(content),
                sent_at: reply.created_at,
            });
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let name = strip_tags(&row.author_name);
            Comment {
                author_name: privacy::mask_nik(if name.trim().is_empty() {
                    &row.author_username
                } else {
                    &name
                }),
                handle: privacy::mask_nik(&format!("@{}@{}", row.author_username, row.author_host)),
                author_url: privacy::mask_nik(web_link(&row.author_url).unwrap_or_default()),
                content_html: bounded_public_html(&row.content_html),
                published_at: row.published_at,
                edited_at: row.updated_at,
                note_url: privacy::mask_nik(web_link(&row.note_url).unwrap_or_default()),
                note_id: row.note_id,
                answers: answers.remove(&row.ticket_id).unwrap_or_default(),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_web_links_reach_a_page() {
        assert_eq!(
            web_link("https://mastodon.example/@budi"),
            Some("https://mastodon.example/@budi")
        );
        assert_eq!(web_link("javascript:alert(1)"), None);
        assert_eq!(web_link("data:text/html,<script>"), None);
        assert_eq!(web_link(" JavaScript:alert(1)"), None);
        assert_eq!(web_link("not a url"), None);
    }

    #[test]
    fn hosts_are_read_from_what_operators_paste() {
        assert_eq!(parse_host("Spam.Example"), Some("spam.example".into()));
        assert_eq!(
            parse_host("https://spam.example/users/x"),
            None,
            "a path is an account, not a server"
        );
        assert_eq!(
            parse_host("https://spam.example/"),
            Some("spam.example".into())
        );
        assert_eq!(
            parse_host("@budi@spam.example"),
            Some("spam.example".into())
        );
        assert_eq!(parse_host("localhost:8080"), Some("localhost:8080".into()));
        assert_eq!(parse_host("not a host"), None);
        assert_eq!(parse_host(""), None);
    }

    #[test]
    fn a_huge_comment_is_cut_and_still_masked() {
        let html = format!("<p>3201012345670001 {}</p>", "panjang ".repeat(2_000));
        let shown = bounded_public_html(&html);
        assert!(
            shown.chars().count() < MAX_COMMENT_CHARS + 20,
            "{}",
            shown.len()
        );
        assert!(shown.starts_with("<p>**************** panjang"));
    }
}
