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

/// An image a post's body shows, with its alt text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BodyImage {
    pub url: String,
    pub alt: String,
}

/// The http(s) images of a Markdown body, in order. Mastodon strips `<img>` from content,
/// so these are federated as attachments.
pub fn images(markdown: &str) -> Vec<BodyImage> {
    use pulldown_cmark::{Event, Tag, TagEnd};
    let mut found = Vec::new();
    let mut current: Option<BodyImage> = None;
    for event in Parser::new(markdown) {
        match event {
            Event::Start(Tag::Image { dest_url, .. }) => {
                current = Some(BodyImage {
                    url: dest_url.to_string(),
                    alt: String::new(),
                });
            }
            Event::Text(text) | Event::Code(text) => {
                if let Some(image) = current.as_mut() {
                    image.alt.push_str(&text);
                }
            }
            Event::End(TagEnd::Image) => {
                if let Some(image) = current.take()
                    && (image.url.starts_with("https://") || image.url.starts_with("http://"))
                {
                    found.push(image);
                }
            }
            _ => {}
        }
    }
    found
}

/// A URL another server gave that we will show as a link (a profile, a note's page): the
/// URL if it is http(s), else nothing, so `javascript:` or `data:` never reach an
/// `href`, whatever a page's Content-Security-Policy says. The one check for every such
/// link, at intake and again where it is shown.
pub fn web_link(url: &str) -> Option<&str> {
    match url::Url::parse(url.trim()) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && parsed.host().is_some() => {
            Some(url.trim())
        }
        _ => None,
    }
}

/// Cleans HTML from any source (our Markdown, or a remote server's content).
pub fn sanitize(html: &str) -> String {
    ammonia::Builder::default()
        .link_rel(Some("nofollow noopener noreferrer"))
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .clean(html)
        .to_string()
}

/// Text without tags or entities, for titles, summaries and names shown as plain text
/// (templates escape it again on output).
pub fn strip_tags(html: &str) -> String {
    let cleaned = ammonia::Builder::empty().clean(html).to_string();
    let text = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    unescape(&text)
}

/// The text of HTML with its blocks kept apart (so that paragraphs, lines and list items
/// do not run into each other), for titles and excerpts shown as plain text.
pub fn plain_text(html: &str) -> String {
    let spaced = html
        .replace("</p>", "</p> ")
        .replace("<br", " <br")
        .replace("</li>", "</li> ")
        .replace("</h", " </h");
    strip_tags(&spaced)
}

/// Undoes the entity escaping ammonia applies to text.
fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
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
    fn images_are_found_with_their_alt_text() {
        let found = images(
            "Foto:\n\n![Balai *desa* baru](https://desa.example/m/balai.jpg) dan ![](/relatif.png)",
        );
        assert_eq!(
            found,
            vec![BodyImage {
                url: "https://desa.example/m/balai.jpg".into(),
                alt: "Balai desa baru".into()
            }]
        );
    }

    #[test]
    fn plain_text_is_not_escaped_twice() {
        assert_eq!(
            strip_tags("<p>Kopi &amp; teh <b>murah</b></p>"),
            "Kopi & teh murah"
        );
        assert_eq!(strip_tags("<script>x</script>a &lt;b&gt;"), "a <b>");
    }

    #[test]
    fn javascript_links_are_removed() {
        let html = render("[klik](javascript:alert(1))");
        assert!(!html.contains("javascript:"), "{html}");
    }
}
