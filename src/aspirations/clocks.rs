//! When a ticket must be answered. Indonesian norms give each class of message a clock:
//! SP4N-LAPOR! expects a first response within 3 days and an answer within 5; a formal
//! request for public information (UU 14/2008, Perki 1/2018) must be answered within 10
//! working days, extendable once by 7 working days. Working days are Monday to Friday
//! except the holidays the village lists (national holidays and *cuti bersama* change
//! every year, so they are data, not code).
//!
//! A clock starts the day after a message arrives, in the village's time zone, and a
//! due date ends at midnight local time: a request received on Friday with a clock of
//! 10 working days is due at the end of the second Friday after, later if a holiday
//! falls in between.

use crate::site::TimeZone;
use chrono::{Datelike, Days, NaiveDate, TimeZone as _, Weekday};
use std::collections::BTreeSet;

/// What a resident's message asks for (kept with its ticket; the clocks below and its
/// words in `workflow` are the domain's).
pub use crate::store::TicketClass;

/// A length of time counted in calendar days or in working days.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Clock {
    Days(u32),
    WorkingDays(u32),
}

/// The clocks of a village, configurable; the defaults are the norms above.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClockSettings {
    pub first_response: Clock,
    pub answer: Clock,
    pub information_answer: Clock,
    pub information_extension: Clock,
}

impl Default for ClockSettings {
    fn default() -> Self {
        Self {
            first_response: Clock::Days(3),
            answer: Clock::Days(5),
            information_answer: Clock::WorkingDays(10),
            information_extension: Clock::WorkingDays(7),
        }
    }
}

/// The days on which the village office is closed besides Saturdays and Sundays.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Holidays(BTreeSet<NaiveDate>);

impl Holidays {
    pub fn new(dates: impl IntoIterator<Item = NaiveDate>) -> Self {
        Self(dates.into_iter().collect())
    }

    /// Reads `YYYY-MM-DD` dates; `Err` names the first one that is not a date.
    pub fn parse<'a>(dates: impl IntoIterator<Item = &'a str>) -> Result<Self, String> {
        dates
            .into_iter()
            .map(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").map_err(|_| d.to_string()))
            .collect::<Result<BTreeSet<_>, _>>()
            .map(Self)
    }

    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && !self.0.contains(&date)
    }
}

/// The day a clock of `clock` started on `start` (the day of receipt) runs out.
pub fn due_day(start: NaiveDate, clock: Clock, holidays: &Holidays) -> NaiveDate {
    match clock {
        Clock::Days(days) => start
            .checked_add_days(Days::new(u64::from(days)))
            .unwrap_or(NaiveDate::MAX),
        Clock::WorkingDays(days) => {
            let mut date = start;
            let mut counted = 0;
            while counted < days {
                let Some(next) = date.succ_opt() else {
                    return NaiveDate::MAX;
                };
                date = next;
                if holidays.is_working_day(date) {
                    counted += 1;
                }
            }
            date
        }
    }
}

/// The last instant (Unix ms) of a local day.
fn end_of_day(day: NaiveDate, tz: TimeZone) -> i64 {
    let next = day.succ_opt().unwrap_or(NaiveDate::MAX);
    next.and_hms_opt(0, 0, 0)
        .and_then(|midnight| tz.offset().from_local_datetime(&midnight).single())
        .map_or(i64::MAX, |at| at.timestamp_millis() - 1)
}

/// The local day of an instant.
fn local_day(ms: i64, tz: TimeZone) -> NaiveDate {
    crate::clock::to_datetime(ms)
        .with_timezone(&tz.offset())
        .date_naive()
}

/// When a ticket must have its first response and its answer (Unix ms).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TicketDeadlines {
    pub first_response: i64,
    pub answer: i64,
}

impl ClockSettings {
    /// The deadlines of a ticket of `class` received at `received_at`; an information
    /// request whose answer time was extended gets the extension after its first due day.
    pub fn deadlines(
        &self,
        class: TicketClass,
        received_at: i64,
        extended: bool,
        tz: TimeZone,
        holidays: &Holidays,
    ) -> TicketDeadlines {
        let received = local_day(received_at, tz);
        let first_response = end_of_day(due_day(received, self.first_response, holidays), tz);
        let answer_day = match class {
            TicketClass::PermintaanInformasi => {
                let due = due_day(received, self.information_answer, holidays);
                if extended {
                    due_day(due, self.information_extension, holidays)
                } else {
                    due
                }
            }
            TicketClass::Aspirasi | TicketClass::Pengaduan => {
                due_day(received, self.answer, holidays)
            }
        };
        TicketDeadlines {
            first_response: first_response.min(end_of_day(answer_day, tz)),
            answer: end_of_day(answer_day, tz),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
    }

    /// 08.00 WIB on a local date, in Unix ms.
    fn morning(text: &str) -> i64 {
        TimeZone::Wib
            .parse_local(&format!("{text}T08:00"))
            .expect("time")
    }

    #[test]
    fn working_days_skip_weekends_and_holidays() {
        let none = Holidays::default();
        // Friday 4 December 2026 + 10 working days = Friday 18 December.
        assert_eq!(
            due_day(day("2026-12-04"), Clock::WorkingDays(10), &none),
            day("2026-12-18")
        );
        // Christmas (Friday 25 December) and cuti bersama (Thursday 24) push it on.
        let holidays = Holidays::parse(["2026-12-24", "2026-12-25"]).expect("dates");
        assert_eq!(
            due_day(day("2026-12-14"), Clock::WorkingDays(10), &holidays),
            day("2026-12-30")
        );
        assert_eq!(
            due_day(day("2026-12-04"), Clock::Days(3), &holidays),
            day("2026-12-07")
        );
        // A message on a Saturday starts counting on Monday.
        assert_eq!(
            due_day(day("2026-12-05"), Clock::WorkingDays(1), &none),
            day("2026-12-07")
        );
    }

    #[test]
    fn an_information_request_is_due_in_ten_working_days_plus_seven_when_extended() {
        let clocks = ClockSettings::default();
        let holidays = Holidays::default();
        let received = morning("2026-12-04");
        let plain = clocks.deadlines(
            TicketClass::PermintaanInformasi,
            received,
            false,
            TimeZone::Wib,
            &holidays,
        );
        // The end of Friday 18 December, WIB.
        assert_eq!(plain.answer, morning("2026-12-19") - 8 * 3_600_000 - 1);
        let extended = clocks.deadlines(
            TicketClass::PermintaanInformasi,
            received,
            true,
            TimeZone::Wib,
            &holidays,
        );
        // Seven more working days: Tuesday 29 December.
        assert_eq!(extended.answer, morning("2026-12-30") - 8 * 3_600_000 - 1);
        // The first response comes due first: three days, the end of Monday 7 December.
        assert_eq!(
            plain.first_response,
            morning("2026-12-08") - 8 * 3_600_000 - 1
        );
    }

    #[test]
    fn a_complaint_is_answered_within_five_days_in_the_village_time_zone() {
        let clocks = ClockSettings::default();
        // 06.30 WIT on 5 December is still 4 December in UTC: the village's day counts.
        let received = TimeZone::Wit.parse_local("2026-12-05T06:30").expect("time");
        let deadlines = clocks.deadlines(
            TicketClass::Pengaduan,
            received,
            false,
            TimeZone::Wit,
            &Holidays::default(),
        );
        let end_of_10th = TimeZone::Wit.parse_local("2026-12-11T00:00").expect("time") - 1;
        assert_eq!(deadlines.answer, end_of_10th);
    }

    #[test]
    fn holidays_that_are_not_dates_are_named() {
        assert_eq!(
            Holidays::parse(["2026-12-25", "natal"]),
            Err("natal".to_string())
        );
    }
}
