//! Dates as a village reads them: in its own time zone (WIB, WITA or WIT) and in words
//! ("Sabtu, 5 Desember 2026, 08.00 WIB"), not in UTC.

use crate::strings::{self, Lang};
use chrono::{Datelike, FixedOffset, NaiveDateTime, TimeZone as _, Timelike};

/// Indonesia's three time zones.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum TimeZone {
    /// Western Indonesia, UTC+7 (Sumatra, Java, West and Central Kalimantan).
    #[default]
    Wib,
    /// Central Indonesia, UTC+8 (Bali, Nusa Tenggara, Sulawesi, ...).
    Wita,
    /// Eastern Indonesia, UTC+9 (Maluku, Papua).
    Wit,
}

impl TimeZone {
    pub const ALL: [TimeZone; 3] = [TimeZone::Wib, TimeZone::Wita, TimeZone::Wit];

    pub fn code(self) -> &'static str {
        match self {
            Self::Wib => "WIB",
            Self::Wita => "WITA",
            Self::Wit => "WIT",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|tz| tz.code().eq_ignore_ascii_case(code))
    }

    pub fn offset(self) -> FixedOffset {
        let hours = match self {
            Self::Wib => 7,
            Self::Wita => 8,
            Self::Wit => 9,
        };
        FixedOffset::east_opt(hours * 3600).expect("a whole-hour offset under a day is valid")
    }

    /// Reads a `datetime-local` form value (`2026-12-05T08:00`) as local time here.
    pub fn parse_local(self, value: &str) -> Option<i64> {
        let value = value.trim();
        let naive = NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M")
            .or_else(|_| NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S"))
            .ok()?;
        self.offset()
            .from_local_datetime(&naive)
            .single()
            .map(|dt| dt.timestamp_millis())
    }

    /// The `datetime-local` form value of a time.
    pub fn form_value(self, ms: i64) -> String {
        self.local(ms).format("%Y-%m-%dT%H:%M").to_string()
    }

    fn local(self, ms: i64) -> chrono::DateTime<FixedOffset> {
        crate::clock::to_datetime(ms).with_timezone(&self.offset())
    }

    /// "Sabtu, 5 Desember 2026"
    pub fn date_label(self, ms: i64, lang: Lang) -> String {
        let local = self.local(ms);
        format!(
            "{}, {} {} {}",
            weekday(local.weekday().number_from_monday(), lang),
            local.day(),
            month(local.month(), lang),
            local.year()
        )
    }

    /// "08.00 WIB" (Indonesian) or "08:00 WIB" (English).
    pub fn time_label(self, ms: i64, lang: Lang) -> String {
        let local = self.local(ms);
        let separator = if lang == Lang::Id { '.' } else { ':' };
        format!(
            "{:02}{separator}{:02} {}",
            local.hour(),
            local.minute(),
            self.code()
        )
    }

    /// "Sabtu, 5 Desember 2026, 08.00 WIB"
    pub fn date_time_label(self, ms: i64, lang: Lang) -> String {
        format!(
            "{}, {}",
            self.date_label(ms, lang),
            self.time_label(ms, lang)
        )
    }

    /// (year, month) of a time, here.
    pub fn year_month(self, ms: i64) -> (i32, u32) {
        let local = self.local(ms);
        (local.year(), local.month())
    }

    /// The first instant of a month here, and of the month after.
    pub fn month_range(self, year: i32, month: u32) -> Option<(i64, i64)> {
        let start = self
            .offset()
            .with_ymd_and_hms(year, month, 1, 0, 0, 0)
            .single()?;
        let (next_year, next_month) = if month == 12 {
            (year + 1, 1)
        } else {
            (year, month + 1)
        };
        let end = self
            .offset()
            .with_ymd_and_hms(next_year, next_month, 1, 0, 0, 0)
            .single()?;
        Some((start.timestamp_millis(), end.timestamp_millis()))
    }
}

pub fn month(number: u32, lang: Lang) -> &'static str {
    let text = match number {
        1 => strings::MONTH_1,
        2 => strings::MONTH_2,
        3 => strings::MONTH_3,
        4 => strings::MONTH_4,
        5 => strings::MONTH_5,
        6 => strings::MONTH_6,
        7 => strings::MONTH_7,
        8 => strings::MONTH_8,
        9 => strings::MONTH_9,
        10 => strings::MONTH_10,
        11 => strings::MONTH_11,
        _ => strings::MONTH_12,
    };
    text.get(lang)
}

fn weekday(number: u32, lang: Lang) -> &'static str {
    let text = match number {
        1 => strings::WEEKDAY_1,
        2 => strings::WEEKDAY_2,
        3 => strings::WEEKDAY_3,
        4 => strings::WEEKDAY_4,
        5 => strings::WEEKDAY_5,
        6 => strings::WEEKDAY_6,
        _ => strings::WEEKDAY_7,
    };
    text.get(lang)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_in_the_village_time_zone() {
        // 2026-12-05 01:00 UTC is 08.00 WIB on a Saturday.
        let ms = 1_796_432_400_000;
        assert_eq!(
            TimeZone::Wib.date_time_label(ms, Lang::Id),
            "Sabtu, 5 Desember 2026, 08.00 WIB"
        );
        assert_eq!(TimeZone::Wit.time_label(ms, Lang::En), "10:00 WIT");
        assert_eq!(TimeZone::Wib.parse_local("2026-12-05T08:00"), Some(ms));
        assert_eq!(TimeZone::Wib.form_value(ms), "2026-12-05T08:00");
    }

    #[test]
    fn a_month_range_covers_the_local_month() {
        let (start, end) = TimeZone::Wib.month_range(2026, 12).expect("range");
        assert_eq!(TimeZone::Wib.year_month(start), (2026, 12));
        assert_eq!(TimeZone::Wib.year_month(end - 1), (2026, 12));
        assert_eq!(TimeZone::Wib.year_month(end), (2027, 1));
    }
}
