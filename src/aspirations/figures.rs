//! The village's public aspiration figures: how many tickets are open and overdue, and
//! how fast the village responds and answers (medians). A village publishes them at
//! `/aspirasi/angka.json`; the regency portal reads them on each sweep and shows them
//! in its monitoring. Aggregates only: nothing here may name a resident or carry
//! anything they wrote.

use super::workflow::Status;
use crate::{
    clock::to_rfc3339,
    store::{Store, TicketTiming, VillageTicketFigures},
};
use anyhow::Context;
use serde::{Deserialize, Serialize};

/// Medians are taken over the tickets received in this many days: long enough that a
/// village with a few messages a month has a figure, short enough to follow change.
pub const WINDOW_DAYS: i64 = 365;
const DAY_MS: i64 = 24 * 3600 * 1000;
/// The version of the JSON shape; a portal ignores figures of a version it does not know.
pub const FORMAT_VERSION: u32 = 1;

/// Whether a ticket in this status still waits for the village (baru, diverifikasi,
/// diproses). A status this version does not know fails the read of the tickets, so none
/// is left out of the figures unseen.
pub fn is_open(status: Status) -> bool {
    !status.is_closed()
}

/// Open, and its first response is late.
pub fn response_overdue(ticket: &TicketTiming, now: i64) -> bool {
    is_open(ticket.status) && ticket.first_response_at.is_none() && ticket.first_response_due < now
}

/// Open, and its answer is late.
pub fn answer_overdue(ticket: &TicketTiming, now: i64) -> bool {
    is_open(ticket.status) && ticket.answered_at.is_none() && ticket.answer_due < now
}

/// What a village publishes; also what a portal accepts (unknown fields are ignored,
/// missing ones refused).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketFigures {
    pub version: u32,
    /// Tickets waiting for the village now (baru, diverifikasi, diproses).
    pub open: u64,
    /// Open tickets past their first-response or answer deadline (each counted once).
    pub overdue: u64,
    /// Tickets received in the window.
    pub received: u64,
    /// Of those, tickets the village has answered (a final answer sent).
    pub answered: u64,
    /// Median seconds from receipt to the first response, over the window's tickets
    /// that had one; `null` when none had.
    pub median_first_response_seconds: Option<u64>,
    /// Median seconds from receipt to the answer, over the window's answered tickets.
    pub median_answer_seconds: Option<u64>,
    pub window_days: u32,
    /// RFC 3339.
    pub computed_at: String,
}

/// The median of durations in milliseconds, as whole seconds; the lower middle of an
/// even count, so the figure is always a time some ticket really took.
fn median_seconds(mut durations_ms: Vec<i64>) -> Option<u64> {
    if durations_ms.is_empty() {
        return None;
    }
    durations_ms.sort_unstable();
    let middle = durations_ms[(durations_ms.len() - 1) / 2];
    Some(u64::try_from(middle.max(0) / 1000).unwrap_or(0))
}

/// The figures of these tickets at `now`. `tickets` holds every open ticket and every
/// ticket received since `now - WINDOW_DAYS`.
pub fn compute(tickets: &[TicketTiming], now: i64) -> TicketFigures {
    let since = now - WINDOW_DAYS * DAY_MS;
    let mut figures = TicketFigures {
        version: FORMAT_VERSION,
        open: 0,
        overdue: 0,
        received: 0,
        answered: 0,
        median_first_response_seconds: None,
        median_answer_seconds: None,
        window_days: WINDOW_DAYS as u32,
        computed_at: to_rfc3339(now),
    };
    let mut first_responses = Vec::new();
    let mut answers = Vec::new();
    for ticket in tickets {
        if is_open(ticket.status) {
            figures.open += 1;
            if response_overdue(ticket, now) || answer_overdue(ticket, now) {
                figures.overdue += 1;
            }
        }
        if ticket.created_at < since {
            continue;
        }
        figures.received += 1;
        if let Some(at) = ticket.first_response_at {
            first_responses.push(at - ticket.created_at);
        }
        if let Some(at) = ticket.answered_at {
            figures.answered += 1;
            answers.push(at - ticket.created_at);
        }
    }
    figures.median_first_response_seconds = median_seconds(first_responses);
    figures.median_answer_seconds = median_seconds(answers);
    figures
}

/// This village's figures now.
pub async fn current(store: &Store, now: i64) -> anyhow::Result<TicketFigures> {
    let tickets = store
        .ticket_timings(now - WINDOW_DAYS * DAY_MS)
        .await
        .context("reading ticket times")?;
    Ok(compute(&tickets, now))
}

/// Why a portal refused a village's figures.
#[derive(Debug, thiserror::Error)]
pub enum FiguresError {
    #[error("the figures are not JSON of the expected shape: {0}")]
    Shape(#[from] serde_json::Error),
    #[error("the figures are of format version {0}, not {FORMAT_VERSION}")]
    Version(u32),
    #[error("the figures do not add up (more overdue than open, or more answered than received)")]
    Inconsistent,
    #[error("computed_at is not an RFC 3339 time")]
    Time,
}

/// Reads figures a village published, checking that they are coherent, into the row
/// the portal keeps.
pub fn parse_published(
    body: &[u8],
    village_id: i64,
    fetched_at: i64,
) -> Result<VillageTicketFigures, FiguresError> {
    let figures: TicketFigures = serde_json::from_slice(body)?;
    if figures.version != FORMAT_VERSION {
        return Err(FiguresError::Version(figures.version));
    }
    if figures.overdue > figures.open || figures.answered > figures.received {
        return Err(FiguresError::Inconsistent);
    }
    let computed_at = chrono::DateTime::parse_from_rfc3339(&figures.computed_at)
        .map_err(|_| FiguresError::Time)?
        .timestamp_millis();
    let signed = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    Ok(VillageTicketFigures {
        village_id,
        open_tickets: signed(figures.open),
        overdue_tickets: signed(figures.overdue),
        received: signed(figures.received),
        answered: signed(figures.answered),
        median_first_response_secs: figures.median_first_response_seconds.map(signed),
        median_answer_secs: figures.median_answer_seconds.map(signed),
        window_days: i64::from(figures.window_days),
        computed_at,
        fetched_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR_MS: i64 = 3600 * 1000;
    const NOW: i64 = 1_790_000_000_000;

    fn ticket(
        status: Status,
        age_hours: i64,
        first_response_after_h: Option<i64>,
        answer_after_h: Option<i64>,
    ) -> TicketTiming {
        let created_at = NOW - age_hours * HOUR_MS;
        TicketTiming {
            status,
            created_at,
            first_response_due: created_at + 72 * HOUR_MS,
            answer_due: created_at + 120 * HOUR_MS,
            first_response_at: first_response_after_h.map(|h| created_at + h * HOUR_MS),
            answered_at: answer_after_h.map(|h| created_at + h * HOUR_MS),
        }
    }

    #[test]
    fn counts_open_and_overdue_once_each() {
        let tickets = [
            // Open, on time.
            ticket(Status::Baru, 1, None, None),
            // Open, first response late (4 days, no response).
            ticket(Status::Baru, 96, None, None),
            // Open, responded, answer late (6 days): late on both counts, counted once.
            ticket(Status::Diproses, 144, Some(2), None),
            // Done.
            ticket(Status::Selesai, 200, Some(3), Some(50)),
            ticket(Status::Ditolak, 10, Some(5), None),
        ];
        let figures = compute(&tickets, NOW);
        assert_eq!(figures.open, 3);
        assert_eq!(figures.overdue, 2);
        assert_eq!(figures.received, 5);
        assert_eq!(figures.answered, 1);
    }

    #[test]
    fn medians_are_times_tickets_really_took() {
        let tickets = [
            ticket(Status::Selesai, 500, Some(1), Some(10)),
            ticket(Status::Selesai, 400, Some(2), Some(20)),
            ticket(Status::Selesai, 300, Some(30), Some(40)),
            ticket(Status::Selesai, 200, Some(4), Some(80)),
            ticket(Status::Baru, 1, None, None),
        ];
        let figures = compute(&tickets, NOW);
        // First responses 1, 2, 4, 30 h: the lower middle is 2 h.
        assert_eq!(figures.median_first_response_seconds, Some(2 * 3600));
        // Answers 10, 20, 40, 80 h: 20 h.
        assert_eq!(figures.median_answer_seconds, Some(20 * 3600));
    }

    #[test]
    fn old_tickets_leave_the_medians_but_stay_open() {
        let old = WINDOW_DAYS * 24 + 24;
        let tickets = [
            ticket(Status::Selesai, old, Some(1), Some(1)),
            ticket(Status::Diproses, old, Some(1), None),
        ];
        let figures = compute(&tickets, NOW);
        assert_eq!(figures.received, 0);
        assert_eq!(figures.median_first_response_seconds, None);
        assert_eq!(figures.median_answer_seconds, None);
        assert_eq!(figures.open, 1);
        assert_eq!(figures.overdue, 1);
    }

    #[test]
    fn a_portal_reads_what_a_village_publishes() {
        let figures = compute(&[ticket(Status::Selesai, 10, Some(1), Some(5))], NOW);
        let body = serde_json::to_vec(&figures).expect("json");
        let row = parse_published(&body, 7, NOW + 1).expect("parsed");
        assert_eq!(row.village_id, 7);
        assert_eq!(row.answered, 1);
        assert_eq!(row.median_answer_secs, Some(5 * 3600));
        assert_eq!(row.computed_at, NOW / 1000 * 1000);
        assert_eq!(row.fetched_at, NOW + 1);
    }

    #[test]
    fn a_portal_refuses_figures_that_do_not_add_up() {
        let mut figures = compute(&[ticket(Status::Baru, 1, None, None)], NOW);
        figures.overdue = 5;
        let body = serde_json::to_vec(&figures).expect("json");
        assert!(matches!(
            parse_published(&body, 1, NOW),
            Err(FiguresError::Inconsistent)
        ));
        figures.overdue = 0;
        figures.version = 2;
        let body = serde_json::to_vec(&figures).expect("json");
        assert!(matches!(
            parse_published(&body, 1, NOW),
            Err(FiguresError::Version(2))
        ));
        assert!(matches!(
            parse_published(b"{\"open\": -1}", 1, NOW),
            Err(FiguresError::Shape(_))
        ));
    }
}
