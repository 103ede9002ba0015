//! Aspirations (issue 5): residents' replies, mentions, direct messages and web-form
//! messages as tracked tickets with public-service clocks. This first part holds the
//! ticket classes and the clocks (due dates in days or working days, with a holiday
//! calendar); intake, workflow, answers and the portal's figures build on it.
//!
//! What the room refuses is typed: an operator's action ([`ActionError`]), a message
//! from the website's form (`intake::IntakeError`), a message from the fediverse
//! (`moderation::MessageError`). The web turns them into words and statuses, the inbox
//! worker into a recorded reason.

pub mod answer;
pub mod clocks;
pub mod desk;
pub mod figures;
pub mod intake;
pub mod moderation;
pub mod privacy;
pub mod workflow;

pub use clocks::{Clock, ClockSettings, Holidays, TicketClass, TicketDeadlines};

use crate::refusal::InvalidInput;

/// Why an operator's action on tickets (a decision, an answer, an assignee, a note, an
/// approval) or on blocks was not done.
#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    /// The action breaks a rule; the sentence says which.
    #[error("{0}")]
    Refused(InvalidInput),
    /// The database failed; trying again may work.
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

impl From<InvalidInput> for ActionError {
    fn from(refusal: InvalidInput) -> Self {
        Self::Refused(refusal)
    }
}
