//! Small text helpers every room may use: escaping for HTML and XML, cutting to a length.
//! At the bottom of the house, like `strings`: it imports nothing of ours.

/// Text and attribute values for HTML and XML 1.0 alike: the five special characters
/// escaped (`'` as `&#39;`, which both read), and the control characters XML cannot
/// carry dropped (a feed or an SVG with one is unreadable); tab and line breaks stay.
pub fn escape_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

/// At most `max` characters: a longer text is cut and ends with `…` (counted).
pub fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_control_characters_are_escaped_or_dropped() {
        assert_eq!(
            escape_markup("<p class=\"a\">Kopi & teh's\u{1}\u{ffff}</p>\n"),
            "&lt;p class=&quot;a&quot;&gt;Kopi &amp; teh&#39;s&lt;/p&gt;\n"
        );
    }

    #[test]
    fn a_cut_text_is_no_longer_than_asked_and_says_so() {
        assert_eq!(cut("pendek", 10), "pendek");
        assert_eq!(cut("Pengumuman penting", 10), "Pengumuma…");
        assert_eq!(cut("Pengumuman penting", 10).chars().count(), 10);
    }
}
