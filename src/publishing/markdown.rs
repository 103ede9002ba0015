//! Markdown to HTML that is safe to show and to federate: rendered with pulldown-cmark,
//! then cleaned by ammonia (no script, no event handlers, no style, safe link targets).

use pulldown_cmark::{Options, Parser, html};

pub fn render(markdown: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options.insert(Options::ENABLE_TABLES);
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut unsafe_html, Parser::new_ext(markdown, options));
    sanitize(&unsafe_html)
}

/// Cleans HTML from any source (our Markdown, or a remote server's content).
pub fn sanitize(html: &str) -> String {
    ammonia::Builder::default()
        .link_rel(Some("nofollow noopener noreferrer"))
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .clean(html)
        .to_string()
}

/// Text without tags, for summaries and plain-text places.
pub fn strip_tags(html: &str) -> String {
    let cleaned = ammonia::Builder::empty().clean(html).to_string();
    cleaned.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_and_event_handlers_are_removed() {
        let html = render("Halo <script>alert(1)</script> <img src=x onerror=alert(1)> **warga**");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(html.contains("<strong>warga</strong>"), "{html}");
    }

    #[test]
    fn javascript_links_are_removed() {
        let html = render("[klik](javascript:alert(1))");
        assert!(!html.contains("javascript:"), "{html}");
    }
}
