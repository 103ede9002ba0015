//! Aspirations (issue 5): residents' replies, mentions, direct messages and web-form
//! messages as tracked tickets with public-service clocks. This first part holds the
//! ticket classes and the clocks (due dates in days or working days, with a holiday
//! calendar); intake, workflow, answers and the portal's figures build on it.

pub mod answer;
pub mod clocks;
pub mod desk;
pub mod figures;
pub mod intake;
pub mod moderation;
pub mod privacy;
pub mod workflow;

pub use clocks::{Clock, ClockSettings, Holidays, TicketClass, TicketDeadlines};
