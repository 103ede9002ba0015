//! Intake from the fediverse: a reply to a village post, a mention of a village actor,
//! or a direct message becomes a ticket, numbered and with its clocks running, in the
//! same transaction that keeps the message. Every ticket starts as `baru` and class
//! `aspirasi`; the operator verifies it and sets its class.

use super::{ClockSettings, Holidays, TicketClass};
use crate::{
    clock::now_ms,
    store::{NewRemoteNote, NewTicket, PostRecord, Store},
};
use chrono::Datelike;
use rand::Rng;

/// How a message reached the village.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    /// A public reply to one of the village's posts.
    Reply,
    /// A public post that mentions the village.
    Mention,
    /// A message addressed only to the village (and perhaps other people), not public.
    Direct,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reply => "reply",
            Self::Mention => "mention",
            Self::Direct => "direct",
        }
    }

    /// What the message is, from whether it is public and what it replies to.
    pub fn of(is_public: bool, replies_to_our_post: bool) -> Self {
        match (is_public, replies_to_our_post) {
            (false, _) => Self::Direct,
            (true, true) => Self::Reply,
            (true, false) => Self::Mention,
        }
    }
}

impl TicketClass {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Aspirasi => "aspirasi",
            Self::Pengaduan => "pengaduan",
            Self::PermintaanInformasi => "permintaan_informasi",
        }
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

/// Keeps a resident's message and opens its ticket; returns the ticket's number, or
/// `None` when this message was already received.
pub async fn receive(
    store: &Store,
    note: &NewRemoteNote,
    channel: Channel,
    source_post: Option<&PostRecord>,
) -> anyhow::Result<Option<String>> {
    let now = now_ms();
    let settings = crate::site::load(store).await?;
    let holidays = Holidays::parse(store.holidays().await?.iter().map(String::as_str))
        .map_err(|day| anyhow::anyhow!("a stored holiday is not a date: {day}"))?;
    let class = TicketClass::Aspirasi;
    let deadlines =
        ClockSettings::default().deadlines(class, now, false, settings.time_zone, &holidays);
    let year = crate::clock::to_datetime(now)
        .with_timezone(&settings.time_zone.offset())
        .year();
    let ticket = NewTicket {
        local_actor_id: note.local_actor_id,
        channel: channel.as_str().to_string(),
        class: class.as_str().to_string(),
        is_private: channel == Channel::Direct,
        source_post_id: source_post.map(|p| p.id),
        first_response_due: deadlines.first_response,
        answer_due: deadlines.answer,
        year,
        suffix: number_suffix(),
    };
    store.keep_note_with_ticket(note, &ticket, now).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_that_is_not_public_is_direct() {
        assert_eq!(Channel::of(false, true), Channel::Direct);
        assert_eq!(Channel::of(true, true), Channel::Reply);
        assert_eq!(Channel::of(true, false), Channel::Mention);
    }

    #[test]
    fn suffixes_differ_and_avoid_ambiguous_letters() {
        let suffix = number_suffix();
        assert_eq!(suffix.len(), 4);
        assert!(!suffix.contains(['O', '0', 'I', '1']));
    }
}
