//! A village's post on the wire (`Note`, `Article`, `Page`) as the portal keeps it: title,
//! summary, sanitised content, link, first image, hashtags and dates. Kentongan villages
//! send a `Note` whose content starts with the title in bold; other software sends an
//! `Article` with `name`; both are understood.

use super::inbox::{first_id, object_id};
use crate::{
    clock::now_ms,
    publishing::markdown::{sanitize, strip_tags},
    store::NewVillagePost,
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

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// `<p><strong>Title</strong></p>rest` → (`Title`, `rest`).
fn leading_bold_title(content: &str) -> Option<(String, String)> {
    let rest = content.trim_start().strip_prefix("<p><strong>")?;
    let (title, rest) = rest.split_once("</strong></p>")?;
    Some((strip_tags(title), rest.to_string()))
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
    let raw_content: String = object
        .get("content")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .chars()
        .take(MAX_CONTENT_CHARS)
        .collect();
    let content = sanitize(&raw_content);
    let named = object
        .get("name")
        .and_then(Value::as_str)
        .map(strip_tags)
        .filter(|n| !n.is_empty());
    let (title, content_html) = match (named, leading_bold_title(&content)) {
        (Some(name), _) => (name, content),
        (None, Some((title, rest))) => (title, rest),
        (None, None) => (strip_tags(&content), content),
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
    let url = link(object.get("url"))
        .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
        .filter(|u| u.len() <= super::MAX_ID_BYTES)
        .unwrap_or_else(|| ap_id.clone());
    Some(NewVillagePost {
        ap_id,
        village_id,
        title: truncate(&title, MAX_TITLE_CHARS),
        summary: truncate(&summary, MAX_SUMMARY_CHARS),
        content_html,
        url,
        image_url: first_image(object),
        from_feed: false,
        published_at: time_ms(object.get("published")).unwrap_or_else(now_ms),
        updated_at: time_ms(object.get("updated")),
        tags: hashtags(object),
    })
}

/// The portal's Announce of a village post, to its own followers.
pub fn announce(post_ap_id: &str, author: &str, portal_actor_id: i64) -> crate::store::NewActivity {
    crate::store::NewActivity {
        public_id: crate::publishing::new_public_id(),
        actor_id: portal_actor_id,
        kind: "Announce".into(),
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
