//! An agenda's details: when it starts and ends, where, who organises it, and the
//! village's time zone it was written in; and the checks an agenda must pass.

use crate::{refusal::InvalidInput, strings};
use serde::{Deserialize, Serialize};

pub const MAX_EVENT_FIELD_CHARS: usize = 200;

/// When and where an agenda happens. Times are Unix ms.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventDetails {
    pub starts_at: i64,
    pub ends_at: Option<i64>,
    pub place: String,
    pub organiser: String,
    /// The village's time zone when it was written: the event happens at "08.00 WIB"
    /// wherever it is read. Set by publishing from the site settings.
    #[serde(default)]
    pub time_zone: crate::site::TimeZone,
}

/// How long an event without an end counts as running: the home page shows it until then.
pub const WITHOUT_END_MS: i64 = 3 * 3600 * 1000;

impl EventDetails {
    /// When it starts and when it counts as over (its end, or [`WITHOUT_END_MS`] after
    /// its start).
    pub fn window(&self) -> (i64, i64) {
        (
            self.starts_at,
            self.ends_at.unwrap_or(self.starts_at + WITHOUT_END_MS),
        )
    }
}

/// Reads an agenda's details back.
pub fn event_of(event_json: Option<&str>) -> Option<EventDetails> {
    event_json.and_then(|json| serde_json::from_str(json).ok())
}

/// An agenda's details as kept: a start, an end not before it, place and organiser
/// trimmed and within their limit.
pub(super) fn checked(event: Option<&EventDetails>) -> Result<EventDetails, InvalidInput> {
    let Some(event) = event.filter(|e| e.starts_at > 0) else {
        return Err(InvalidInput(strings::EVENT_MISSING));
    };
    if event.ends_at.is_some_and(|end| end < event.starts_at) {
        return Err(InvalidInput(strings::EVENT_ENDS_BEFORE_START));
    }
    let place = event.place.trim();
    let organiser = event.organiser.trim();
    if place.chars().count() > MAX_EVENT_FIELD_CHARS
        || organiser.chars().count() > MAX_EVENT_FIELD_CHARS
    {
        return Err(InvalidInput(strings::EVENT_FIELD_TOO_LONG));
    }
    Ok(EventDetails {
        place: place.to_string(),
        organiser: organiser.to_string(),
        ..event.clone()
    })
}
