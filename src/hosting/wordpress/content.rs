//! A WordPress post's HTML made into a Kentongan body: shortcodes handled (`[caption]`
//! becomes a figure with its caption, `[gallery ids]` the gallery's images, any other
//! shortcode's brackets are dropped and its inner text kept), then cleaned by the same
//! sanitiser as every remote HTML (`publishing::markdown::sanitize`: block comments such
//! as `<!-- wp:paragraph -->`, scripts, styles and event handlers go), then its images
//! pointed at their new files. The result is kept as the post's "Markdown" (HTML is
//! valid Markdown) and rendered and cleaned again like anything written in the editor.

use crate::{publishing::markdown, text::escape_markup};

/// An image a WordPress gallery or caption may name by attachment id.
pub trait Attachments {
    /// The attachment's file address and alt text.
    fn by_id(&self, id: i64) -> Option<(&str, &str)>;
}

/// The post's HTML with its shortcodes handled and everything unsafe removed.
pub fn clean(raw: &str, attachments: &dyn Attachments) -> String {
    markdown::sanitize(&shortcodes(raw, attachments))
}

/// A shortcode tag found in the text: `[name attrs]`, `[name attrs /]` or `[/name]`.
struct Tag<'a> {
    start: usize,
    end: usize,
    name: &'a str,
    attributes: &'a str,
    closing: bool,
}

/// The next shortcode tag at or after `from`. A tag's name is lower-case ASCII letters,
/// digits, `_` and `-`; a tag with words after its name needs an `=` among them, so
/// that text in brackets ("[lihat foto]") is not taken for one.
fn next_tag(text: &str, from: usize) -> Option<Tag<'_>> {
    let mut at = from;
    while let Some(found) = text[at..].find('[') {
        let start = at + found;
        at = start + 1;
        let rest = &text[start + 1..];
        let (closing, rest) = match rest.strip_prefix('/') {
            Some(rest) => (true, rest),
            None => (false, rest),
        };
        let name_len = rest
            .bytes()
            .take_while(|b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_' || *b == b'-'
            })
            .count();
        if name_len == 0 || !rest.as_bytes()[0].is_ascii_lowercase() {
            continue;
        }
        let name = &rest[..name_len];
        let after = &rest[name_len..];
        let Some(close) = after.find(']') else {
            continue;
        };
        let attributes = &after[..close];
        if attributes.contains('[') || attributes.contains('\n') && !attributes.contains('=') {
            continue;
        }
        let bare = attributes.trim().trim_end_matches('/').trim();
        if !(attributes.is_empty()
            || attributes.starts_with(' ') && (bare.is_empty() || bare.contains('='))
            || attributes == "/")
        {
            continue;
        }
        if closing && !bare.is_empty() {
            continue;
        }
        let end = start + 1 + usize::from(closing) + name_len + close + 1;
        return Some(Tag {
            start,
            end,
            name,
            attributes,
            closing,
        });
    }
    None
}

/// The value of `key="…"` (or `key='…'`, or unquoted) in a shortcode's attributes.
fn attribute<'a>(attributes: &'a str, key: &str) -> Option<&'a str> {
    let mut rest = attributes;
    while let Some(at) = rest.find(key) {
        let before_ok = at == 0 || rest.as_bytes()[at - 1].is_ascii_whitespace();
        let after = &rest[at + key.len()..];
        if before_ok && let Some(value) = after.strip_prefix('=') {
            return Some(match value.chars().next() {
                Some(quote @ ('"' | '\'')) => {
                    let value = &value[1..];
                    &value[..value.find(quote).unwrap_or(value.len())]
                }
                _ => &value[..value.find(char::is_whitespace).unwrap_or(value.len())],
            });
        }
        rest = after;
    }
    None
}

/// The HTML with every shortcode handled (see the module comment).
fn shortcodes(raw: &str, attachments: &dyn Attachments) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut at = 0;
    while let Some(tag) = next_tag(raw, at) {
        out.push_str(&raw[at..tag.start]);
        at = tag.end;
        if tag.closing {
            continue;
        }
        match tag.name {
            "caption" | "wp_caption" => {
                let closing = format!("[/{}]", tag.name);
                let (inner, next) = match raw[tag.end..].find(&closing) {
                    Some(len) => (&raw[tag.end..tag.end + len], tag.end + len + closing.len()),
                    None => ("", tag.end),
                };
                at = next;
                out.push_str(&figure(inner, attribute(tag.attributes, "caption")));
            }
            "gallery" => {
                let ids = attribute(tag.attributes, "ids").unwrap_or_default();
                let images: Vec<String> = ids
                    .split(',')
                    .filter_map(|id| id.trim().parse().ok())
                    .filter_map(|id| attachments.by_id(id))
                    .map(|(url, alt)| {
                        format!(
                            "<img src=\"{}\" alt=\"{}\">",
                            escape_markup(url),
                            escape_markup(alt)
                        )
                    })
                    .collect();
                if !images.is_empty() {
                    out.push_str(&format!("\n\n<figure>{}</figure>\n\n", images.join("")));
                }
            }
            // Any other shortcode: its brackets go, what it encloses stays as text.
            _ => {}
        }
    }
    out.push_str(&raw[at..]);
    out
}

/// A `[caption]`'s inside (an image, maybe in a link, then the caption) as a figure.
fn figure(inner: &str, caption_attribute: Option<&str>) -> String {
    let trimmed = inner.trim();
    let image_end = if trimmed.starts_with("<a") {
        trimmed.find("</a>").map(|end| end + "</a>".len())
    } else if trimmed.starts_with("<img") {
        trimmed.find('>').map(|end| end + 1)
    } else {
        None
    };
    let (image, caption) = match image_end {
        Some(end) => (&trimmed[..end], trimmed[end..].trim()),
        None => ("", trimmed),
    };
    let caption = if caption.is_empty() {
        caption_attribute.unwrap_or_default()
    } else {
        caption
    };
    format!("\n\n<figure>{image}<figcaption>{caption}</figcaption></figure>\n\n")
}

/// A tag of sanitised HTML: where it is, its name, and its attributes as written
/// (values still escaped). The sanitiser writes every attribute as `name="value"`.
struct HtmlTag {
    start: usize,
    end: usize,
    name: String,
    attributes: Vec<(String, String)>,
}

/// The start tags of sanitised HTML, in order.
fn tags(html: &str) -> Vec<HtmlTag> {
    let bytes = html.as_bytes();
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(offset) = html[at..].find('<') {
        let start = at + offset;
        let mut i = start + 1;
        let name_start = i;
        while i < bytes.len() && bytes[i].is_ascii_alphanumeric() {
            i += 1;
        }
        if i == name_start {
            at = start + 1;
            continue;
        }
        let name = html[name_start..i].to_ascii_lowercase();
        let mut attributes = Vec::new();
        loop {
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            if i >= bytes.len() || bytes[i] == b'>' || bytes[i] == b'/' {
                break;
            }
            let key_start = i;
            while i < bytes.len() && !matches!(bytes[i], b'=' | b'>' | b' ' | b'/') {
                i += 1;
            }
            let key = html[key_start..i].to_ascii_lowercase();
            let mut value = String::new();
            if i < bytes.len() && bytes[i] == b'=' && bytes.get(i + 1) == Some(&b'"') {
                let value_start = i + 2;
                let value_end = html[value_start..]
                    .find('"')
                    .map(|e| value_start + e)
                    .unwrap_or(bytes.len());
                value = html[value_start..value_end].to_string();
                i = (value_end + 1).min(bytes.len());
            }
            attributes.push((key, value));
        }
        let end = html[i..]
            .find('>')
            .map(|e| i + e + 1)
            .unwrap_or(bytes.len());
        found.push(HtmlTag {
            start,
            end,
            name,
            attributes,
        });
        at = end;
    }
    found
}

/// Undoes the escaping the sanitiser applies to attribute values.
fn unescape(value: &str) -> String {
    value
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

/// The addresses of the images sanitised HTML shows, in order.
pub fn image_sources(html: &str) -> Vec<String> {
    tags(html)
        .into_iter()
        .filter(|tag| tag.name == "img")
        .filter_map(|tag| {
            tag.attributes
                .into_iter()
                .find(|(key, _)| key == "src")
                .map(|(_, value)| unescape(&value))
        })
        .collect()
}

/// An image's new address and the alt text to give it when it has none.
pub struct NewImage {
    pub url: String,
    pub alt: String,
}

/// Sanitised HTML with every image `new_image` knows shown from its new address (its
/// alt text kept, or given when it had none; the old site's sizes dropped), and links
/// to such an image's file pointed at the new one.
pub fn rewrite_images(html: &str, new_image: &dyn Fn(&str) -> Option<NewImage>) -> String {
    let mut out = String::with_capacity(html.len());
    let mut at = 0;
    for tag in tags(html) {
        let replacement = match tag.name.as_str() {
            "img" => {
                let value = |key: &str| {
                    tag.attributes
                        .iter()
                        .find(|(k, _)| k == key)
                        .map(|(_, v)| unescape(v))
                        .unwrap_or_default()
                };
                new_image(&value("src")).map(|image| {
                    let alt = value("alt");
                    let alt = if alt.trim().is_empty() {
                        image.alt
                    } else {
                        alt
                    };
                    format!(
                        "<img src=\"{}\" alt=\"{}\">",
                        escape_markup(&image.url),
                        escape_markup(&alt)
                    )
                })
            }
            "a" => {
                let href = tag
                    .attributes
                    .iter()
                    .find(|(k, _)| k == "href")
                    .map(|(_, v)| unescape(v));
                href.and_then(|href| new_image(&href)).map(|image| {
                    format!(
                        "<a href=\"{}\" rel=\"nofollow noopener noreferrer\">",
                        escape_markup(&image.url)
                    )
                })
            }
            _ => None,
        };
        if let Some(replacement) = replacement {
            out.push_str(&html[at..tag.start]);
            out.push_str(&replacement);
            at = tag.end;
        }
    }
    out.push_str(&html[at..]);
    out
}

/// Tags that make a block of their own: a line break next to one is no break in the
/// text (what WordPress's `wpautop` also leaves alone).
const BLOCK_TAGS: [&str; 22] = [
    "p",
    "div",
    "ul",
    "ol",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "figure",
    "figcaption",
    "table",
    "thead",
    "tbody",
    "tr",
    "td",
    "th",
    "blockquote",
    "pre",
    "hr",
];

/// Whether `text` (a line's start or, reversed, its end) is at a block tag.
fn is_block_tag(tag: &str) -> bool {
    let name: String = tag
        .trim_start_matches(['<', '/'])
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    BLOCK_TAGS.contains(&name.as_str())
}

/// Clean HTML as a body the editor keeps: no line starts with spaces (Markdown would
/// make it a code block), and no more than one blank line in a row. With `line_breaks`
/// (a post of WordPress's classic editor, whose text is stored without `<p>` and `<br>`),
/// a single line break inside a paragraph stays a line break, as WordPress showed it,
/// rather than the space Markdown would make of it.
pub fn as_body(html: &str, line_breaks: bool) -> String {
    let lines: Vec<&str> = html.lines().map(str::trim).collect();
    let mut body = String::with_capacity(html.len());
    let mut blank = 0;
    for (at, line) in lines.iter().enumerate() {
        if line.is_empty() {
            blank += 1;
            continue;
        }
        if !body.is_empty() {
            body.push_str(if blank > 0 { "\n\n" } else { "\n" });
        }
        blank = 0;
        body.push_str(line);
        let next = lines.get(at + 1).copied().unwrap_or_default();
        let ends_in_block = line.ends_with('>')
            && line
                .rfind('<')
                .is_some_and(|start| is_block_tag(&line[start..]));
        let next_is_block = next.starts_with('<') && is_block_tag(next);
        if line_breaks && !next.is_empty() && !ends_in_block && !next_is_block {
            body.push_str("<br>");
        }
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    struct None_;
    impl Attachments for None_ {
        fn by_id(&self, id: i64) -> Option<(&str, &str)> {
            (id == 15).then_some(("https://old.example/wp-content/uploads/a.jpg", "Balai"))
        }
    }

    #[test]
    fn a_caption_becomes_a_figure_and_unknown_shortcodes_leave_their_text() {
        let html = clean(
            "<!-- wp:paragraph --><p>Halo [lihat foto] [embed]https://video.example/x[/embed] [contact-form-7 id=\"9\"]</p><!-- /wp:paragraph -->\n\
             [caption id=\"attachment_15\" align=\"aligncenter\" width=\"800\"]<img src=\"https://old.example/a.jpg\" alt=\"\" width=\"800\"> Warga bergotong royong[/caption]\n\
             [gallery ids=\"15,99\"]",
            &None_,
        );
        assert!(!html.contains("wp:paragraph"), "{html}");
        assert!(html.contains("[lihat foto]"), "{html}");
        assert!(html.contains("https://video.example/x"), "{html}");
        assert!(
            !html.contains("[embed]") && !html.contains("contact-form"),
            "{html}"
        );
        assert!(
            html.contains("<figcaption>Warga bergotong royong</figcaption>"),
            "{html}"
        );
        assert!(
            html.contains("src=\"https://old.example/wp-content/uploads/a.jpg\" alt=\"Balai\""),
            "{html}"
        );
    }

    #[test]
    fn images_are_pointed_at_their_new_files_with_alt_text() {
        let html = markdown::sanitize(
            "<p><a href=\"https://old.example/a.jpg\"><img src=\"https://old.example/a-300x200.jpg\" alt=\"\" width=\"300\"></a> <img src=\"https://else.example/b.png\" alt=\"b\"></p>",
        );
        assert_eq!(
            image_sources(&html),
            vec![
                "https://old.example/a-300x200.jpg",
                "https://else.example/b.png"
            ]
        );
        let rewritten = rewrite_images(&html, &|src: &str| {
            src.starts_with("https://old.example/").then(|| NewImage {
                url: "https://new.example/media/k-large.jpg".into(),
                alt: "Foto \"balai\"".into(),
            })
        });
        assert!(
            rewritten.contains(
                "<img src=\"https://new.example/media/k-large.jpg\" alt=\"Foto &quot;balai&quot;\">"
            ),
            "{rewritten}"
        );
        assert!(
            rewritten.contains("<a href=\"https://new.example/media/k-large.jpg\""),
            "{rewritten}"
        );
        assert!(
            rewritten.contains("https://else.example/b.png"),
            "{rewritten}"
        );
    }

    #[test]
    fn a_body_has_no_indented_lines() {
        assert_eq!(
            as_body("  <p>a</p>\n\n\n    b\n c", false),
            "<p>a</p>\n\nb\nc"
        );
        assert_eq!(
            as_body(
                "<strong>Hari:</strong> Sabtu\n<strong>Tempat:</strong> Balai\n\n<ul>\n<li>a</li>\n</ul>\nakhir",
                true
            ),
            "<strong>Hari:</strong> Sabtu<br>\n<strong>Tempat:</strong> Balai\n\n<ul>\n<li>a</li>\n</ul>\nakhir"
        );
    }
}
