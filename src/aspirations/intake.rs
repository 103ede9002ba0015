//! Intake from the fediverse: a reply to a village post, a mention of a village actor,
//! or a direct message becomes a ticket, numbered and with its clocks running, in the
//! same transaction that keeps the message. Every ticket starts as `baru` and class
//! `aspirasi`; the operator verifies it and sets its class. A message from the website's
//! form is refused with an [`IntakeError`], one from the fediverse is not accepted with
//! a [`MessageError`].

use super::{
    ClockSettings, Holidays, TicketClass,
    desk::PhotoRefused,
    moderation::{self, MessageError},
};
use crate::{
    clock::now_ms,
    refusal::InvalidInput,
    store::{IntakeLimits, NewRemoteNote, NewTicket, NewWebMessage, PostRecord, Store},
    strings,
};
use chrono::Datelike;
use rand::Rng;

/// How a message reached the village (kept with its ticket).
pub use crate::store::TicketChannel as Channel;

/// What a fediverse message is, from whether it is public and what it replies to.
pub fn channel_of(is_public: bool, replies_to_our_post: bool) -> Channel {
    match (is_public, replies_to_our_post) {
        (false, _) => Channel::Direct,
        (true, true) => Channel::Reply,
        (true, false) => Channel::Mention,
    }
}

/// Four letters that make a ticket number hard to guess from another one.
fn number_suffix() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::thread_rng();
    (0..4)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

/// A new ticket's number parts and deadlines, from the node's clocks and the site's
/// time zone and holidays.
#[allow(clippy::too_many_arguments)]
async fn new_ticket(
    store: &Store,
    clocks: &ClockSettings,
    local_actor_id: i64,
    channel: Channel,
    class: TicketClass,
    is_private: bool,
    source_post_id: Option<i64>,
    now: i64,
) -> anyhow::Result<NewTicket> {
    let settings = crate::site::load(store).await?;
    let holidays = Holidays::parse(store.holidays().await?.iter().map(String::as_str))
        .map_err(|day| anyhow::anyhow!("a stored holiday is not a date: {day}"))?;
    let deadlines = clocks.deadlines(class, now, false, settings.time_zone, &holidays);
    let year = crate::clock::to_datetime(now)
        .with_timezone(&settings.time_zone.offset())
        .year();
    Ok(NewTicket {
        local_actor_id,
        channel,
        class,
        is_private,
        source_post_id,
        first_response_due: deadlines.first_response,
        answer_due: deadlines.answer,
        year,
        suffix: number_suffix(),
    })
}

/// Keeps a resident's message and opens its ticket; returns the ticket's number, or
/// `None` when this message was already received. Beyond `limits` it opens nothing:
/// `Err(MessageError::NotAccepted)` with the reason.
pub async fn receive(
    store: &Store,
    clocks: &ClockSettings,
    note: &NewRemoteNote,
    channel: Channel,
    source_post: Option<&PostRecord>,
    limits: &IntakeLimits,
) -> Result<Option<String>, MessageError> {
    let now = now_ms();
    let ticket = new_ticket(
        store,
        clocks,
        note.local_actor_id,
        channel,
        TicketClass::Aspirasi,
        channel == Channel::Direct,
        source_post.map(|p| p.id),
        now,
    )
    .await?;
    store
        .keep_note_with_ticket(note, &ticket, limits, &crate::quota::SERVER, now)
        .await?
        .map_err(|over| MessageError::NotAccepted(moderation::over_limit(over)))
}

pub const MAX_NAME_CHARS: usize = 100;
pub const MAX_CONTACT_CHARS: usize = 200;
pub const MIN_MESSAGE_CHARS: usize = 10;
pub const MAX_MESSAGE_CHARS: usize = 5_000;

/// What a resident writes in the website's form.
#[derive(Clone, Debug, Default)]
pub struct WebMessage {
    pub name: String,
    /// Telephone, WhatsApp or e-mail: private, for the village only.
    pub contact: String,
    pub class: Option<TicketClass>,
    pub message: String,
    /// An optional photo, as uploaded (JPEG, PNG or WebP); private like the contact.
    pub photo: Option<PhotoUpload>,
}

/// A file from the form's photo input.
#[derive(Clone, Debug, Default)]
pub struct PhotoUpload {
    pub bytes: Vec<u8>,
    /// The upload went past the size limit and was cut.
    pub too_large: bool,
}

/// Why a message from the website's form opened no ticket.
#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    /// What the resident typed breaks a rule; the sentence says which.
    #[error("{0}")]
    Refused(InvalidInput),
    /// The form stored its share of the disk for today.
    #[error(transparent)]
    FormFull(#[from] FormFull),
    /// The photo must be fixed (not an image, too large, damaged).
    #[error(transparent)]
    Photo(#[from] PhotoRefused),
    /// The database or the disk failed; trying again may work.
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

fn refuse<T>(text: strings::Text) -> Result<T, IntakeError> {
    Err(IntakeError::Refused(InvalidInput(text)))
}

/// Plain text as HTML paragraphs: a resident's message is never markup.
fn paragraphs(text: &str) -> String {
    text.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            let escaped = crate::text::escape_markup(p).replace('\n', "<br>");
            format!("<p>{escaped}</p>")
        })
        .collect()
}

/// Checks a message from the website's form and opens its ticket; returns its number.
/// The text is checked before the photo (decoding an image costs more), and the photo
/// before the ticket is opened: a refused photo ([`IntakeError::Photo`]) opens
/// nothing. The photo is kept in the private folder under `data_dir`.
pub async fn receive_web(
    store: &Store,
    clocks: &ClockSettings,
    data_dir: &std::path::Path,
    local_actor_id: i64,
    message: WebMessage,
) -> Result<String, IntakeError> {
    receive_web_at(store, clocks, data_dir, local_actor_id, message, now_ms()).await
}

/// [`receive_web`] for a message received at `received_at` rather than now: the demo's
/// sample messages, and imports of messages a village received before Kentongan.
pub async fn receive_web_at(
    store: &Store,
    clocks: &ClockSettings,
    data_dir: &std::path::Path,
    local_actor_id: i64,
    message: WebMessage,
    received_at: i64,
) -> Result<String, IntakeError> {
    let WebMessage {
        name,
        contact,
        class,
        message: text,
        photo,
    } = message;
    let (name, contact, text) = (name.trim(), contact.trim(), text.trim());
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return refuse(strings::ASP_FORM_NAME_INVALID);
    }
    if contact.chars().count() > MAX_CONTACT_CHARS {
        return refuse(strings::ASP_FORM_CONTACT_TOO_LONG);
    }
    if text.chars().count() < MIN_MESSAGE_CHARS {
        return refuse(strings::ASP_FORM_MESSAGE_TOO_SHORT);
    }
    if text.chars().count() > MAX_MESSAGE_CHARS {
        return refuse(strings::ASP_FORM_MESSAGE_TOO_LONG);
    }
    let Some(class) = class else {
        return refuse(strings::ASP_UNKNOWN_CHOICE);
    };
    let now = received_at;
    // Before the photo is decoded and written: the form's share of the disk for today.
    if let Some(retry_after_ms) = store
        .sender_usage(crate::quota::WEBSITE_FORM)
        .await?
        .and_then(|usage| usage.full_for(&crate::quota::WEBSITE_FORM_QUOTA, now))
    {
        return Err(FormFull { retry_after_ms }.into());
    }
    let photo = match photo {
        None => None,
        Some(upload) if upload.too_large => {
            return Err(PhotoRefused(crate::media::MediaError::TooLarge).into());
        }
        // The outer `?` is a disk failure, the inner one a photo the resident must fix.
        Some(upload) => Some(super::desk::keep_photo(data_dir, upload.bytes).await??),
    };
    // Private: a web message is for the village; the resident reads answers on the
    // status page.
    let ticket = new_ticket(
        store,
        clocks,
        local_actor_id,
        Channel::Web,
        class,
        true,
        None,
        now,
    )
    .await?;
    let web = NewWebMessage {
        author_name: name.to_string(),
        contact: contact.to_string(),
        message_html: paragraphs(text),
        photo,
    };
    Ok(store
        .open_web_ticket_counted(
            &ticket,
            &web,
            Some((
                crate::quota::WEBSITE_FORM,
                &crate::quota::WEBSITE_FORM_QUOTA,
            )),
            now,
        )
        .await?)
}

/// The website's form stored its share of the disk for today; it takes messages again
/// after this long.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the website form's daily storage quota is full")]
pub struct FormFull {
    pub retry_after_ms: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_that_is_not_public_is_direct() {
        assert_eq!(channel_of(false, true), Channel::Direct);
        assert_eq!(channel_of(true, true), Channel::Reply);
        assert_eq!(channel_of(true, false), Channel::Mention);
    }

    #[test]
    fn a_web_message_is_never_markup() {
        assert_eq!(
            paragraphs("Jalan <b>rusak</b>\nRT 03\n\n\"Tolong\""),
            "<p>Jalan &lt;b&gt;rusak&lt;/b&gt;<br>RT 03</p><p>&quot;Tolong&quot;</p>"
        );
    }

    #[test]
    fn suffixes_differ_and_avoid_ambiguous_letters() {
        let suffix = number_suffix();
        assert_eq!(suffix.len(), 4);
        assert!(!suffix.contains(['O', '0', 'I', '1']));
    }
}
