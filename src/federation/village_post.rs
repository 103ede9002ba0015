//! A village's post on the wire (`Note`, `Article`, `Page`) as the portal keeps it: title,
//! summary, sanitised content, link, first image, hashtags and dates. Kentongan villages
//! send a `Note` whose content is made for Mastodon (the title in bold, the body, the
//! hashtags and a link back) and whose `preview` carries the title, summary and body
//! apart; other software sends an `Article` with `name`, or a plain `Note`. All are
//! understood; the hashtag line and the link back never reach the portal's text.

use super::inbox::{first_id, object_id};
use crate::{
    clock::now_ms,
    publishing::markdown::{plain_text, sanitize, strip_tags},
    store::NewVillagePost,
    text::cut,
};
use serde_json::{Map, Value};

pub const POST_TYPES: [&str; 4] = ["Note", "Article", "Page", "Question"];
const MAX_TITLE_CHARS: usize = 300;
const MAX_SUMMARY_CHARS: usize = 500;
const MAX_CONTENT_CHARS: usize = 200_000;

fn time_ms(value: Option<&Value>) -> Option<i64> {
    value
        .and_then(Value::as_str)
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .map(|d| d.timestamp_millis())
}

/// `<p><strong>Title</strong></p>rest` → (`Title`, `rest`).
fn leading_bold_title(content: &str) -> Option<(String, String)> {
    let rest = content.trim_start().strip_prefix("<p><strong>")?;
    let (title, rest) = rest.split_once("</strong></p>")?;
    Some((strip_tags(title), rest.to_string()))
}

/// The last paragraph of `html` and what comes before it, when `html` ends with one.
fn last_paragraph(html: &str) -> Option<(&str, &str)> {
    let trimmed = html.trim_end();
    let start = trimmed.rfind("<p>")?;
    let paragraph = &trimmed[start..];
    (paragraph.ends_with("</p>") && paragraph.matches("</p>").count() == 1)
        .then(|| (&trimmed[..start], paragraph))
}

/// The content without what a Kentongan village (or Mastodon-minded software) appends
/// for Mastodon: a last paragraph that is only the post's own address, and a last
/// paragraph that is only hashtags the post is tagged with (shown as its categories).
fn without_trailer(content: &str, own_urls: &[&str], tags: &[String]) -> String {
    let mut rest = content;
    while let Some((before, paragraph)) = last_paragraph(rest) {
        let text = strip_tags(paragraph);
        let is_own_link = own_urls.contains(&text.as_str());
        let words: Vec<&str> = text.split_whitespace().collect();
        let is_tag_line = !words.is_empty()
            && words.iter().all(|word| {
                word.strip_prefix('#')
                    .is_some_and(|tag| tags.iter().any(|known| known.eq_ignore_ascii_case(tag)))
            });
        if !(is_own_link || is_tag_line) {
            break;
        }
        rest = before;
    }
    rest.trim_end().to_string()
}

/// The post's parts from a Kentongan `preview` (an embedded object with `content`):
/// title (when given), summary and content.
fn preview_parts(object: &Map<String, Value>) -> Option<(Option<String>, String, String)> {
    let preview = object.get("preview")?.as_object()?;
    let content = preview.get("content")?.as_str()?;
    let text = |field: &str| {
        preview
            .get(field)
            .and_then(Value::as_str)
            .map(strip_tags)
            .unwrap_or_default()
    };
    let title = Some(text("name")).filter(|t| !t.is_empty());
    let content: String = content.chars().take(MAX_CONTENT_CHARS).collect();
    Some((title, text("summary"), sanitize(&content)))
}

fn link(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(url) => Some(url.clone()),
        Value::Object(map) => map.get("href").and_then(Value::as_str).map(str::to_string),
        Value::Array(items) => items.iter().find_map(|item| link(Some(item))),
        _ => None,
    }
}

fn first_image(object: &Map<String, Value>) -> Option<String> {
    let attachments = match object.get("attachment") {
        Some(Value::Array(items)) => items.clone(),
        Some(single @ Value::Object(_)) => vec![single.clone()],
        _ => Vec::new(),
    };
    let from_attachment = attachments.iter().find_map(|a| {
        let is_image = a.get("type").and_then(Value::as_str) == Some("Image")
            || a.get("mediaType")
                .and_then(Value::as_str)
                .is_some_and(|m| m.starts_with("image/"));
        is_image.then(|| link(a.get("url"))).flatten()
    });
    from_attachment
        .or_else(|| {
            object
                .get("image")
                .and_then(|i| link(i.get("url")).or_else(|| link(Some(i))))
        })
        .filter(|url| url.starts_with("https://") || url.starts_with("http://"))
        .filter(|url| url.len() <= super::MAX_ID_BYTES)
}

fn hashtags(object: &Map<String, Value>) -> Vec<String> {
    let Some(Value::Array(tags)) = object.get("tag") else {
        return Vec::new();
    };
    let mut names: Vec<String> = tags
        .iter()
        .filter(|t| t.get("type").and_then(Value::as_str) == Some("Hashtag"))
        .filter_map(|t| t.get("name").and_then(Value::as_str))
        .map(|n| n.trim_start_matches('#').to_string())
        .filter(|n| {
            !n.is_empty()
                && n.chars().count() <= 50
                && n.chars().all(|c| c.is_alphanumeric() || c == '_')
        })
        .collect();
    let mut seen = std::collections::HashSet::new();
    names.retain(|n| seen.insert(n.to_lowercase()));
    names.truncate(10);
    names
}

/// The post, or `None` when the object is not a post. A reply is never a village post:
/// a village's replies are its answers to residents, which name the resident and belong
/// in the resident's thread, not on the regency's timeline.
pub fn from_object(object: &Map<String, Value>, village_id: i64) -> Option<NewVillagePost> {
    let kind = object.get("type").and_then(Value::as_str)?;
    if !POST_TYPES.contains(&kind) {
        return None;
    }
    if object
        .get("inReplyTo")
        .is_some_and(|target| !target.is_null())
    {
        return None;
    }
    let ap_id = object
        .get("id")
        .and_then(Value::as_str)
        .filter(|id| id.len() <= super::MAX_ID_BYTES)?
        .to_string();
    let url = link(object.get("url"))
        .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
        .filter(|u| u.len() <= super::MAX_ID_BYTES)
        .unwrap_or_else(|| ap_id.clone());
    let tags = hashtags(object);
    let raw_content: String = object
        .get("content")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .chars()
        .take(MAX_CONTENT_CHARS)
        .collect();
    let content = without_trailer(&sanitize(&raw_content), &[&url, &ap_id], &tags);
    let named = object
        .get("name")
        .and_then(Value::as_str)
        .map(strip_tags)
        .filter(|n| !n.is_empty());
    let (title, content_html) = match (named, leading_bold_title(&content)) {
        (Some(name), _) => (name, content),
        (None, Some((title, rest))) => (title, rest),
        (None, None) => (plain_text(&content), content),
    };
    // A Note's summary is a content warning, not a summary: only an Article's counts.
    let summary = if kind == "Note" {
        String::new()
    } else {
        strip_tags(
            object
                .get("summary")
                .and_then(Value::as_str)
                .unwrap_or_default(),
        )
    };
    // A Kentongan village also sends a Note's parts apart: they win over what was read out
    // of the content above, which stays the way for everyone else (and older villages).
    // Only a Note's: an Article's own content is its body, and its preview a teaser.
    let preview = (kind == "Note").then(|| preview_parts(object)).flatten();
    let (title, summary, content_html) = match preview {
        Some((preview_title, preview_summary, body)) => (
            preview_title.unwrap_or(title),
            preview_summary,
            without_trailer(&body, &[&url, &ap_id], &tags),
        ),
        None => (title, summary, content_html),
    };
    Some(NewVillagePost {
        ap_id,
        village_id,
        title: cut(&title, MAX_TITLE_CHARS),
        summary: cut(&summary, MAX_SUMMARY_CHARS),
        content_html,
        url,
        image_url: first_image(object),
        from_feed: false,
        published_at: time_ms(object.get("published")).unwrap_or_else(now_ms),
        updated_at: time_ms(object.get("updated")),
        tags,
    })
}

/// The portal's Announce of a village post, to its own followers.
pub fn announce(post_ap_id: &str, author: &str, portal_actor_id: i64) -> crate::store::NewActivity {
    crate::store::NewActivity {
        public_id: crate::publishing::new_public_id(),
        actor_id: portal_actor_id,
        kind: crate::store::ActivityKind::Announce,
        post_id: None,
        object_json: Some(
            serde_json::json!({ "object": post_ap_id, "attributedTo": author }).to_string(),
        ),
    }
}

/// Whether `object` was written by `actor` (its `attributedTo`).
pub fn attributed_to(object: &Map<String, Value>, actor: &str) -> bool {
    object.get("attributedTo").and_then(first_id) == Some(actor)
}

/// The id of an object given inline or by reference (re-exported for the portal).
pub fn id_of(value: &Value) -> Option<&str> {
    object_id(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn a_reply_is_not_a_village_post() {
        let answer = map(json!({
            "id": "https://desa.example/jawaban/1",
            "type": "Note",
            "content": "<p>@budi Terima kasih, sudah kami perbaiki.</p>",
            "inReplyTo": "https://mastodon.example/users/budi/statuses/1",
            "published": "2026-11-28T01:00:00Z",
        }));
        assert!(from_object(&answer, 1).is_none());
        let mut post = answer.clone();
        post.insert("inReplyTo".into(), Value::Null);
        assert!(from_object(&post, 1).is_some());
    }

    #[test]
    fn a_kentongan_note_gives_its_bold_title_and_body() {
        let note = map(json!({
            "id": "https://desa.example/p/abc", "type": "Note",
            "content": "<p><strong>Kerja &amp; bakti</strong></p><p>Isi <script>x</script>kabar</p>",
            "url": "https://desa.example/p/abc", "published": "2026-11-01T08:00:00Z",
            "tag": [{"type": "Hashtag", "name": "#Pengumuman"}, {"type": "Mention", "name": "@x"}],
            "attachment": [{"type": "Image", "mediaType": "image/jpeg", "url": "https://desa.example/m/a.jpg", "name": "foto"}]
        }));
        let post = from_object(&note, 7).expect("a post");
        assert_eq!(post.title, "Kerja & bakti");
        assert_eq!(post.content_html, "<p>Isi kabar</p>");
        assert_eq!(post.tags, vec!["Pengumuman".to_string()]);
        assert_eq!(
            post.image_url.as_deref(),
            Some("https://desa.example/m/a.jpg")
        );
        let expected = chrono::DateTime::parse_from_rfc3339("2026-11-01T08:00:00Z")
            .map(|d| d.timestamp_millis());
        assert_eq!(Ok(post.published_at), expected);
        assert_eq!(post.village_id, 7);
    }

    #[test]
    fn an_article_gives_its_name_and_summary() {
        let article = map(json!({
            "id": "https://wp.example/?p=1", "type": "Article", "name": "Musyawarah desa",
            "summary": "<p>Ringkasan</p>", "content": "<p>Isi</p>", "url": [{"type": "Link", "href": "https://wp.example/musdes"}]
        }));
        let post = from_object(&article, 1).expect("a post");
        assert_eq!(post.title, "Musyawarah desa");
        assert_eq!(post.summary, "Ringkasan");
        assert_eq!(post.url, "https://wp.example/musdes");
    }

    /// A Kentongan village's Note as docs/federation.md shows it.
    fn our_note(summary: Option<&str>) -> Map<String, Value> {
        let url = "https://desa.example/p/8wl6f2vxzscqng6i";
        let body = "<p>Warga diundang <strong>kerja bakti</strong>.</p>";
        let summary_html = summary
            .map(|s| format!("<p><em>{s}</em></p>"))
            .unwrap_or_default();
        let tag = |name: &str| {
            format!(
                "<a href=\"https://desa.example/tags/{name}\" class=\"mention hashtag\" rel=\"tag\">#<span>{name}</span></a>"
            )
        };
        let content = format!(
            "<p><strong>Kerja bakti</strong></p>{summary_html}{body}<p>{} {}</p><p><a href=\"{url}\">{url}</a></p>",
            tag("Pengumuman"),
            tag("Gotong_Royong")
        );
        let mut preview = json!({"type": "Note", "name": "Kerja bakti", "content": body});
        if let Some(summary) = summary {
            preview["summary"] = json!(summary);
        }
        map(json!({
            "id": url, "type": "Note", "url": url,
            "attributedTo": "https://desa.example/u/desa",
            "content": content, "contentMap": {"id": content},
            "tag": [
                {"type": "Hashtag", "href": "https://desa.example/tags/Pengumuman", "name": "#Pengumuman"},
                {"type": "Hashtag", "href": "https://desa.example/tags/Gotong_Royong", "name": "#Gotong_Royong"}
            ],
            "preview": preview,
            "published": "2026-11-27T23:20:21Z"
        }))
    }

    /// Regression: the portal showed a village post's text with the hashtag line and the
    /// post's address that the Note carries for Mastodon.
    #[test]
    fn a_kentongan_note_reaches_the_portal_without_what_mastodon_needed() {
        let note = our_note(Some("Ringkasan singkat."));
        let post = from_object(&note, 1).expect("a post");
        assert_eq!(post.title, "Kerja bakti");
        assert_eq!(post.summary, "Ringkasan singkat.");
        assert_eq!(
            post.content_html,
            "<p>Warga diundang <strong>kerja bakti</strong>.</p>"
        );
        assert_eq!(post.tags, vec!["Pengumuman", "Gotong_Royong"]);
        assert_eq!(post.url, "https://desa.example/p/8wl6f2vxzscqng6i");
    }

    /// What an older Kentongan village sends (no `preview`) is cleaned the same way.
    #[test]
    fn an_older_kentongan_note_loses_its_hashtag_line_and_link_back() {
        let mut note = our_note(None);
        note.remove("preview");
        let post = from_object(&note, 1).expect("a post");
        assert_eq!(post.title, "Kerja bakti");
        assert_eq!(
            post.content_html,
            "<p>Warga diundang <strong>kerja bakti</strong>.</p>"
        );
        assert!(!post.content_html.contains("#"), "{}", post.content_html);
        assert!(!post.content_html.contains("/p/"), "{}", post.content_html);
    }

    #[test]
    fn a_mastodon_note_keeps_its_words_and_loses_a_closing_hashtag_line() {
        let note = map(json!({
            "id": "https://m.example/users/a/statuses/1", "type": "Note",
            "url": "https://m.example/@a/1",
            "content": "<p>Pasar murah di <a href=\"https://m.example/tags/balai\" class=\"mention hashtag\" rel=\"tag\">#<span>balai</span></a> desa besok.</p><p>Datang ya.</p><p><a href=\"https://m.example/tags/pasar\" class=\"mention hashtag\" rel=\"tag\">#<span>pasar</span></a> <a href=\"https://m.example/tags/Desa\" class=\"mention hashtag\" rel=\"tag\">#<span>Desa</span></a></p>",
            "tag": [{"type": "Hashtag", "name": "#balai"}, {"type": "Hashtag", "name": "#pasar"}, {"type": "Hashtag", "name": "#desa"}]
        }));
        let post = from_object(&note, 1).expect("a post");
        assert!(
            post.content_html.contains("#<span>balai</span>"),
            "{}",
            post.content_html
        );
        assert!(
            post.content_html.ends_with("<p>Datang ya.</p>"),
            "{}",
            post.content_html
        );
        assert_eq!(post.title, "Pasar murah di #balai desa besok. Datang ya.");
        // A last paragraph of words that are not its hashtags stays.
        let mut other = note.clone();
        other.insert("content".into(), json!("<p>Halo</p><p>#bukan_tag</p>"));
        let post = from_object(&other, 1).expect("a post");
        assert!(
            post.content_html.ends_with("<p>#bukan_tag</p>"),
            "{}",
            post.content_html
        );
    }

    /// An Article's own content is its body; its `preview` (a teaser) does not replace it.
    #[test]
    fn an_articles_preview_does_not_replace_its_content() {
        let article = map(json!({
            "id": "https://blog.example/p/1", "type": "Article", "name": "Judul",
            "content": "<p>Isi lengkap</p>",
            "preview": {"type": "Note", "content": "<p>Cuplikan</p>"}
        }));
        let post = from_object(&article, 1).expect("a post");
        assert_eq!(post.content_html, "<p>Isi lengkap</p>");
    }

    /// Ids and links longer than any real one are not kept (an id refuses the post).
    #[test]
    fn overlong_ids_and_links_are_not_kept() {
        let long = format!(
            "https://desa.example/{}",
            "a".repeat(super::super::MAX_ID_BYTES)
        );
        let post = map(json!({
            "id": "https://desa.example/p/abc", "type": "Note", "content": "<p>Isi</p>",
            "url": long, "image": {"type": "Image", "url": long}
        }));
        let kept = from_object(&post, 1).expect("a post");
        assert_eq!(kept.url, "https://desa.example/p/abc");
        assert_eq!(kept.image_url, None);
        let mut with_long_id = post.clone();
        with_long_id.insert("id".into(), Value::String(long));
        assert!(from_object(&with_long_id, 1).is_none());
    }

    #[test]
    fn other_objects_are_not_posts() {
        assert!(from_object(&map(json!({"id": "x", "type": "Person"})), 1).is_none());
        assert!(from_object(&map(json!({"type": "Note"})), 1).is_none());
    }
}
