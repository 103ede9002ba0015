//! Where a ticket stands and how an operator moves it: baru → diverifikasi → diproses →
//! selesai, or ditolak (with the reason) or bukan wewenang (with where it was sent).
//! Verifying a ticket is its first response; changing its class (an information request
//! runs on working days) or extending an information request moves its deadlines.

use super::{ActionError, ClockSettings, Holidays, TicketClass};
use crate::{
    clock::now_ms,
    refusal::InvalidInput,
    site::TimeZone,
    store::{Store, TicketDecision, TicketRow},
    strings::{self, Text},
};

pub const MAX_RESOLUTION_CHARS: usize = 500;

/// Where a ticket stands (kept with it; `is_closed` says whether an answer is still owed).
pub use crate::store::TicketStatus as Status;

impl Status {
    /// The status as a person reads it: "Bukan wewenang desa" names the village by the
    /// site's own word for it (desa, kelurahan, nagari, ...), so the word is required.
    pub fn label(self, lang: strings::Lang, village_word: &str) -> String {
        self.text().fill(lang, village_word)
    }

    fn text(self) -> Text {
        match self {
            Self::Baru => strings::ASP_STATUS_NEW,
            Self::Diverifikasi => strings::ASP_STATUS_VERIFIED,
            Self::Diproses => strings::ASP_STATUS_IN_PROGRESS,
            Self::Selesai => strings::ASP_STATUS_DONE,
            Self::Ditolak => strings::ASP_STATUS_REJECTED,
            Self::BukanWewenang => strings::ASP_STATUS_NOT_OURS,
        }
    }
}

impl TicketClass {
    pub fn label(self) -> Text {
        match self {
            Self::Aspirasi => strings::ASP_CLASS_ASPIRATION,
            Self::Pengaduan => strings::ASP_CLASS_COMPLAINT,
            Self::PermintaanInformasi => strings::ASP_CLASS_INFORMATION,
        }
    }
}

/// What an operator decided about a ticket.
#[derive(Clone, Debug)]
pub struct Decision {
    pub status: Status,
    pub class: TicketClass,
    /// The reason for ditolak, or where a bukan wewenang ticket went.
    pub resolution: String,
    /// Extend an information request's answer time (7 working days by default).
    pub extended: bool,
}

/// Applies a decision by `user_id`: checks it, recomputes the deadlines from the day of
/// receipt with the node's `clocks`, and stores it with a history line per change.
pub async fn decide(
    store: &Store,
    clocks: &ClockSettings,
    ticket: &TicketRow,
    decision: &Decision,
    time_zone: TimeZone,
    user_id: Option<i64>,
) -> Result<(), ActionError> {
    let resolution = decision.resolution.trim();
    match decision.status {
        Status::Ditolak if resolution.is_empty() => {
            return Err(InvalidInput(strings::ASP_REASON_REQUIRED).into());
        }
        Status::BukanWewenang if resolution.is_empty() => {
            return Err(InvalidInput(strings::ASP_FORWARD_REQUIRED).into());
        }
        _ => {}
    }
    if resolution.chars().count() > MAX_RESOLUTION_CHARS {
        return Err(InvalidInput(strings::ASP_RESOLUTION_TOO_LONG).into());
    }
    let extended = decision.extended && decision.class == TicketClass::PermintaanInformasi;
    let holidays = Holidays::parse(store.holidays().await?.iter().map(String::as_str))
        .map_err(|day| anyhow::anyhow!("a stored holiday is not a date: {day}"))?;
    let deadlines = clocks.deadlines(
        decision.class,
        ticket.created_at,
        extended,
        time_zone,
        &holidays,
    );
    let resolution = match decision.status {
        Status::Ditolak | Status::BukanWewenang => resolution.to_string(),
        _ => String::new(),
    };
    let changes = super::desk::decision_changes(ticket, decision, extended);
    let events: Vec<_> = changes.iter().map(super::desk::Change::event).collect();
    Ok(store
        .decide_ticket(
            &TicketDecision {
                ticket_id: ticket.id,
                status: decision.status,
                class: decision.class,
                resolution: &resolution,
                extended,
                first_response_due: deadlines.first_response,
                answer_due: deadlines.answer,
                user_id,
                events: &events,
            },
            now_ms(),
        )
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression: a closed ticket read "Bukan wewenang {desa}" on the desk, the public
    /// status page and the history, the placeholder never filled.
    #[test]
    fn every_status_label_names_the_village_by_its_word() {
        for lang in [strings::Lang::Id, strings::Lang::En] {
            for word in crate::site::VILLAGE_WORDS {
                for status in Status::ALL {
                    let label = status.label(lang, word);
                    assert!(
                        !label.contains('{') && !label.contains('}'),
                        "{status:?} in {lang:?} with {word}: {label}"
                    );
                }
            }
        }
        assert_eq!(
            Status::BukanWewenang.label(strings::Lang::Id, "kelurahan"),
            "Bukan wewenang kelurahan"
        );
        assert_eq!(
            Status::BukanWewenang.label(strings::Lang::En, "desa"),
            "Not the village's responsibility"
        );
    }
}
