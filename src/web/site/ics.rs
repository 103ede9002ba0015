//! One agenda as an iCalendar file (RFC 5545): a VEVENT with times in UTC, text escaped
//! and lines folded at 75 octets, so that a phone's calendar app takes it as it is.

use crate::clock::to_datetime;

/// What the calendar entry says.
pub struct CalendarEvent<'a> {
    /// Globally unique and stable: `ID@HOST`.
    pub uid: &'a str,
    /// When this file says the entry was last changed.
    pub stamp: i64,
    pub starts_at: i64,
    pub ends_at: Option<i64>,
    pub summary: &'a str,
    pub location: &'a str,
    pub description: &'a str,
    pub url: &'a str,
}

/// The whole `text/calendar` body, CRLF line ends.
pub fn calendar(event: &CalendarEvent<'_>) -> String {
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".to_string(),
        "PRODID:-//Kentongan//Agenda//ID".to_string(),
        "CALSCALE:GREGORIAN".to_string(),
        "METHOD:PUBLISH".to_string(),
        "BEGIN:VEVENT".to_string(),
        format!("UID:{}", escape(event.uid)),
        format!("DTSTAMP:{}", utc(event.stamp)),
        format!("DTSTART:{}", utc(event.starts_at)),
    ];
    if let Some(end) = event.ends_at {
        lines.push(format!("DTEND:{}", utc(end)));
    }
    lines.push(format!("SUMMARY:{}", escape(event.summary)));
    if !event.location.is_empty() {
        lines.push(format!("LOCATION:{}", escape(event.location)));
    }
    lines.push(format!("DESCRIPTION:{}", escape(event.description)));
    lines.push(format!("URL:{}", event.url));
    lines.push("END:VEVENT".to_string());
    lines.push("END:VCALENDAR".to_string());
    let mut out = String::new();
    for line in lines {
        out.push_str(&fold(&line));
        out.push_str("\r\n");
    }
    out
}

/// `20261205T010000Z`
fn utc(ms: i64) -> String {
    to_datetime(ms).format("%Y%m%dT%H%M%SZ").to_string()
}

/// TEXT values: backslash, semicolon and comma escaped, line breaks as `\n`, other
/// control characters dropped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.replace("\r\n", "\n").chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Splits a content line into lines of at most 75 octets, each continuation starting
/// with a space, never inside a UTF-8 character.
fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + line.len() / 70 * 3);
    let mut used = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if used + len > 75 {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used += len;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_fold_at_75_octets_between_characters() {
        let line = format!("DESCRIPTION:{}", "é".repeat(100));
        let folded = fold(&line);
        for part in folded.split("\r\n") {
            assert!(part.len() <= 75, "{} octets: {part}", part.len());
        }
        let unfolded = folded.replace("\r\n ", "");
        assert_eq!(unfolded, line);
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape("a;b,c\\d\ne"), "a\\;b\\,c\\\\d\\ne");
    }

    #[test]
    fn an_event_has_its_fields_in_utc() {
        let body = calendar(&CalendarEvent {
            uid: "abc@desa.example",
            stamp: 0,
            starts_at: 1_796_432_400_000,
            ends_at: Some(1_796_439_600_000),
            summary: "Kerja bakti, bersama",
            location: "Balai desa",
            description: "Bawa cangkul",
            url: "https://desa.example/p/abc",
        });
        assert!(body.contains("DTSTART:20261205T010000Z\r\n"), "{body}");
        assert!(body.contains("DTEND:20261205T030000Z\r\n"), "{body}");
        assert!(
            body.contains("SUMMARY:Kerja bakti\\, bersama\r\n"),
            "{body}"
        );
        assert!(body.ends_with("END:VCALENDAR\r\n"));
    }
}
