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
    use proptest::prelude::*;

    /// The tags of some HTML (`<a …>`, `</p>`), as written.
    fn tags(html: &str) -> Vec<&str> {
        let mut found = Vec::new();
        let mut rest = html;
        while let Some(start) = rest.find('<') {
            let after = &rest[start..];
            let end = after.find('>').map(|e| e + 1).unwrap_or(after.len());
            found.push(&after[..end]);
            rest = &after[end..];
        }
        found
    }

    /// The names of a tag's attributes, quoted values skipped.
    fn attribute_names(tag: &str) -> Vec<String> {
        let mut names = Vec::new();
        let mut name = String::new();
        let mut quote: Option<char> = None;
        let mut in_name = false;
        for c in tag
            .trim_start_matches('<')
            .chars()
            .skip_while(|c| !c.is_whitespace())
        {
            match quote {
                Some(q) if c == q => quote = None,
                Some(_) => {}
                None if c == '"' || c == '\'' => quote = Some(c),
                None if c.is_whitespace() || c == '/' || c == '>' => {
                    if in_name && !name.is_empty() {
                        names.push(std::mem::take(&mut name));
                    }
                    in_name = true;
                    name.clear();
                }
                None if c == '=' => {
                    if in_name && !name.is_empty() {
                        names.push(std::mem::take(&mut name));
                    }
                    in_name = false;
                }
                None if in_name => name.push(c),
                None => {}
            }
        }
        if in_name && !name.is_empty() {
            names.push(name);
        }
        names
    }

    /// The values of the attributes `names` (each written as `name="`) in a tag.
    fn attribute_values<'a>(tag: &'a str, names: &[&str]) -> Vec<&'a str> {
        let mut values = Vec::new();
        for name in names {
            for (at, _) in tag.match_indices(name) {
                let rest = &tag[at + name.len()..];
                values.push(&rest[..rest.find('"').unwrap_or(rest.len())]);
            }
        }
        values
    }

    proptest! {
        #![proptest_config(crate::fuzzing::config(256))]

        /// Whatever an operator or a remote server writes, the HTML that comes out runs
        /// no script and links nowhere but http(s) and mail.
        #[test]
        fn any_text_renders_to_safe_html(text in prop_oneof![
            ".{0,300}",
            crate::fuzzing::mutated("**Kerja bakti** <a href=\"javascript:x\">a</a> ![peta](https://x/p.png) <img src=x onerror=alert(1)> [t](javascript:alert(1))"),
        ]) {
            for html in [render(&text), sanitize(&text)] {
                for tag in tags(&html.to_ascii_lowercase()) {
                    prop_assert!(!tag.starts_with("<script"), "{html}");
                    for name in attribute_names(tag) {
                        prop_assert!(!name.starts_with("on"), "an event handler: {html}");
                        prop_assert!(name != "style", "{html}");
                    }
                    for value in attribute_values(tag, &["href=\"", "src=\""]) {
                        let value = value.trim_start();
                        prop_assert!(
                            !["javascript:", "data:", "vbscript:"].iter().any(|s| value.starts_with(s)),
                            "{html}"
                        );
                    }
                }
            }
            for image in images(&text) {
                prop_assert!(image.url.starts_with("http"));
            }
            let _ = web_link(&text);
            let _ = strip_tags(&text);
        }
    }

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
