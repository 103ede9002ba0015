//! Our records as ActivityPub JSON: the exact shapes documented in docs/federation.md.
//!
//! Posts go out as `Note`, not `Article`: Mastodon shows only the title, summary and
//! link of an `Article` (mastodon/mastodon#24079), while a `Note` is shown in full. The
//! content starts with the title in bold, then the summary and body, the hashtags and a
//! link to the web page, as the WordPress ActivityPub plugin and WriteFreely do.

use super::PUBLIC;
use crate::{
    clock::to_rfc3339,
    publishing,
    store::{ActivityRecord, ActorRecord, PostRecord, ReplyPage},
    urls::Urls,
    web::strings::{self, Lang},
};
use anyhow::Context;
use serde_json::{Value, json};

pub const AS_CONTEXT: &str = "https://www.w3.org/ns/activitystreams";

/// The JSON-LD context of actors: Mastodon's extension terms, with `schema` mapped to
/// `http://schema.org#` as Mastodon expects for profile fields.
pub fn actor_context() -> Value {
    json!([
        AS_CONTEXT,
        "https://w3id.org/security/v1",
        {
            "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
            "toot": "http://joinmastodon.org/ns#",
            "featured": { "@id": "toot:featured", "@type": "@id" },
            "discoverable": "toot:discoverable",
            "indexable": "toot:indexable",
            "schema": "http://schema.org#",
            "PropertyValue": "schema:PropertyValue",
            "value": "schema:value"
        }
    ])
}

pub fn object_context() -> Value {
    json!([AS_CONTEXT, { "Hashtag": "as:Hashtag", "sensitive": "as:sensitive" }])
}

/// Adds `@context` to a top-level document.
pub fn with_context(mut value: Value, context: Value) -> Value {
    if let Value::Object(map) = &mut value {
        let mut out = serde_json::Map::with_capacity(map.len() + 1);
        out.insert("@context".into(), context);
        out.append(map);
        return Value::Object(out);
    }
    value
}

pub fn actor(actor: &ActorRecord, urls: &Urls) -> Value {
    let name = &actor.username;
    let fields: Vec<crate::actors::ProfileField> =
        serde_json::from_str(&actor.fields_json).unwrap_or_default();
    let attachment: Vec<Value> = fields
        .iter()
        .map(|f| json!({ "type": "PropertyValue", "name": f.name, "value": f.value }))
        .collect();
    let mut doc = json!({
        "id": actor.ap_id,
        "type": actor.kind,
        "preferredUsername": actor.username,
        "name": actor.name,
        "summary": actor.summary,
        "url": actor.profile_url.clone().unwrap_or_else(|| actor.ap_id.clone()),
        "inbox": actor.inbox_url,
        "outbox": urls.outbox(name),
        "followers": urls.followers(name),
        "following": urls.following(name),
        "featured": urls.featured(name),
        "endpoints": { "sharedInbox": urls.shared_inbox() },
        "manuallyApprovesFollowers": false,
        "discoverable": true,
        "indexable": true,
        "published": to_rfc3339(actor.created_at),
        "attachment": attachment,
        "publicKey": {
            "id": format!("{}#main-key", actor.ap_id),
            "owner": actor.ap_id,
            "publicKeyPem": actor.public_key_pem,
        },
    });
    // Every local account has a picture: Mastodon shows an empty grey square without
    // one, and Bridgy Fed will not bridge such an account to Bluesky at all.
    let icon = match &actor.icon_url {
        Some(url) => Some(url.clone()),
        None if actor.is_local => Some(urls.avatar(name).to_string()),
        None => None,
    };
    if let Some(url) = icon {
        doc["icon"] = picture(&url);
    }
    if let Some(url) = &actor.image_url {
        doc["image"] = picture(url);
    }
    with_context(doc, actor_context())
}

/// An avatar or header as Mastodon reads it, with the media type when the URL names it.
fn picture(url: &str) -> Value {
    let mut doc = json!({ "type": "Image", "url": url });
    if let Some(media_type) = known_media_type(url) {
        doc["mediaType"] = json!(media_type);
    }
    doc
}

/// The instance actor: signs our fetches; no posts, no followers.
pub fn instance_actor(actor: &ActorRecord, urls: &Urls) -> Value {
    let doc = json!({
        "id": actor.ap_id,
        "type": actor.kind,
        "preferredUsername": actor.username,
        "name": actor.name,
        "url": urls.base(),
        "inbox": actor.inbox_url,
        "outbox": format!("{}/outbox", actor.ap_id),
        "endpoints": { "sharedInbox": urls.shared_inbox() },
        "manuallyApprovesFollowers": true,
        "publicKey": {
            "id": format!("{}#main-key", actor.ap_id),
            "owner": actor.ap_id,
            "publicKeyPem": actor.public_key_pem,
        },
    });
    with_context(doc, actor_context())
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The body as written: the agenda's details (when there are some), then the text.
/// Without the title, summary, hashtags and link that `note_content` wraps it in.
fn note_body(post: &PostRecord) -> String {
    let mut html = String::new();
    if let Some(event) = publishing::event_of(post.event_json.as_deref()) {
        html.push_str(&event_paragraph(&event));
    }
    html.push_str(&post.body_html);
    html
}

/// The HTML Mastodon shows in a home timeline.
pub fn note_content(post: &PostRecord, urls: &Urls) -> String {
    let url = urls.post(&post.public_id);
    let mut html = format!("<p><strong>{}</strong></p>", escape(&post.title));
    if !post.summary.is_empty() {
        html.push_str(&format!("<p><em>{}</em></p>", escape(&post.summary)));
    }
    html.push_str(&note_body(post));
    let categories = post.category_list();
    if !categories.is_empty() {
        let tags: Vec<String> = categories
            .iter()
            .map(|c| {
                format!(
                    "<a href=\"{}\" class=\"mention hashtag\" rel=\"tag\">#<span>{}</span></a>",
                    urls.tag(c),
                    escape(c)
                )
            })
            .collect();
        html.push_str(&format!("<p>{}</p>", tags.join(" ")));
    }
    html.push_str(&format!("<p><a href=\"{url}\">{url}</a></p>"));
    html
}

/// An agenda's when, where and who, in Bahasa Indonesia (the language of the post),
/// in the text itself: Mastodon shows no event fields.
fn event_paragraph(event: &publishing::EventDetails) -> String {
    let lang = Lang::Id;
    let tz = event.time_zone;
    let mut when = tz.date_time_label(event.starts_at, lang);
    if let Some(end) = event.ends_at {
        let same_day = tz.date_label(end, lang) == tz.date_label(event.starts_at, lang);
        let end_label = if same_day {
            tz.time_label(end, lang)
        } else {
            tz.date_time_label(end, lang)
        };
        when = format!("{when} – {end_label}");
    }
    let mut lines = vec![format!("🗓 {}: {}", strings::EVENT_WHEN.id, escape(&when))];
    if !event.place.is_empty() {
        lines.push(format!(
            "📍 {}: {}",
            strings::EVENT_WHERE.id,
            escape(&event.place)
        ));
    }
    if !event.organiser.is_empty() {
        lines.push(format!(
            "👥 {}: {}",
            strings::EVENT_ORGANISER.id,
            escape(&event.organiser)
        ));
    }
    format!("<p>{}</p>", lines.join("<br>"))
}

/// Mastodon shows at most four attachments.
pub const MAX_ATTACHMENTS: usize = 4;

/// The media type a URL's file extension names, if it names an image type.
fn known_media_type(url: &str) -> Option<&'static str> {
    let path = url
        .split(['?', '#'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    [
        (".png", "image/png"),
        (".webp", "image/webp"),
        (".gif", "image/gif"),
        (".jpg", "image/jpeg"),
        (".jpeg", "image/jpeg"),
    ]
    .into_iter()
    .find(|(extension, _)| path.ends_with(extension))
    .map(|(_, media_type)| media_type)
}

/// An image in a post's body: named by its extension, JPEG when it names none.
fn media_type(url: &str) -> &'static str {
    known_media_type(url).unwrap_or("image/jpeg")
}

/// The post's document (if it announces one), its uploaded images (cover first), then
/// the body's, as attachments with a name: Mastodon drops `<img>` from content but shows
/// attachments (and a `Document` of a type it does not play as a link).
fn attachments(post: &PostRecord, urls: &Urls) -> Vec<Value> {
    // A public-information document first: `Document` (a PDF) or `Image` (a scan).
    let document =
        crate::documents::post_document_of(post.document_json.as_deref()).map(|document| {
            json!({
                "type": document.attachment_type(),
                "mediaType": document.media_type,
                "url": urls.document_file(&document.public_id),
                "name": document.name,
            })
        });
    let uploaded = publishing::images_of(&post.images_json)
        .into_iter()
        .map(|image| {
            json!({
                "type": "Image",
                "mediaType": image.mime,
                "url": urls.media(&image.file_name("large")),
                "name": image.alt,
                "width": image.width,
                "height": image.height,
            })
        });
    let linked = crate::publishing::markdown::images(&post.body_markdown)
        .into_iter()
        .map(|image| json!({ "type": "Image", "mediaType": media_type(&image.url), "url": image.url, "name": image.alt }));
    document
        .into_iter()
        .chain(uploaded)
        .chain(linked)
        .take(MAX_ATTACHMENTS)
        .collect()
}

/// The post's parts apart, for software that shows a title and an excerpt (a regency
/// portal): `name`, `summary` and `content` of a `preview` object. On the Note itself
/// `name` and `summary` would be taken for a content warning (by GoToSocial and by
/// Mastodon respectively), and `content` carries the title, hashtags and link for
/// Mastodon's sake; Mastodon and GoToSocial ignore `preview`.
fn preview(post: &PostRecord) -> Value {
    let mut doc = json!({ "type": "Note", "name": post.title, "content": note_body(post) });
    if !post.summary.is_empty() {
        doc["summary"] = json!(post.summary);
    }
    doc
}

/// A post's `replies`: a `Collection` with its first page embedded, the shape Mastodon
/// and GoToSocial send. GoToSocial does not follow a `replies` given by URL alone.
pub fn replies(post: &PostRecord, urls: &Urls) -> Value {
    json!({
        "id": urls.post_replies(&post.public_id),
        "type": "Collection",
        "first": replies_page(&post.public_id, &post.replies, urls),
    })
}

/// One page of a post's `replies` collection (`/p/ID/replies?page=N`): the ids of the
/// residents' replies approved for display, oldest first.
pub fn replies_page(public_id: &str, page: &ReplyPage, urls: &Urls) -> Value {
    let collection = urls.post_replies(public_id);
    let number = page.page.max(1);
    let mut doc = json!({
        "id": format!("{collection}?page={number}"),
        "type": "CollectionPage",
        "partOf": collection,
        "items": page.ids,
    });
    if page.more {
        doc["next"] = json!(format!("{collection}?page={}", number + 1));
    }
    doc
}

pub fn note(post: &PostRecord, actor: &ActorRecord, urls: &Urls) -> Value {
    let url = urls.post(&post.public_id);
    let content = note_content(post, urls);
    let tags: Vec<Value> = post
        .category_list()
        .iter()
        .map(|c| json!({ "type": "Hashtag", "href": urls.tag(c), "name": format!("#{c}") }))
        .collect();
    let mut doc = json!({
        "id": url,
        "type": "Note",
        "attributedTo": actor.ap_id,
        "to": [PUBLIC],
        "cc": [urls.followers(&actor.username)],
        "published": to_rfc3339(post.published_at),
        "url": url,
        "sensitive": false,
        "content": content,
        "contentMap": { post.language.clone(): content },
        "tag": tags,
        "attachment": attachments(post, urls),
        "preview": preview(post),
        "replies": replies(post, urls),
    });
    if let Some(updated) = post.updated_at {
        doc["updated"] = json!(crate::clock::to_rfc3339_ms(updated));
    }
    if let Some(event) = publishing::event_of(post.event_json.as_deref()) {
        // ActivityStreams' own terms; Mastodon ignores them, calendars may not.
        doc["startTime"] = json!(to_rfc3339(event.starts_at));
        if let Some(end) = event.ends_at {
            doc["endTime"] = json!(to_rfc3339(end));
        }
        if !event.place.is_empty() {
            doc["location"] = json!({ "type": "Place", "name": event.place });
        }
    }
    doc
}

pub fn tombstone(post: &PostRecord, urls: &Urls) -> Value {
    let mut doc =
        json!({ "id": urls.post(&post.public_id), "type": "Tombstone", "formerType": "Note" });
    if let Some(deleted) = post.deleted_at {
        doc["deleted"] = json!(to_rfc3339(deleted));
    }
    doc
}

/// One of our activities, rendered from the current state of what it is about.
/// Addressed to everyone: what may be served to anyone who asks.
pub fn is_public(doc: &Value) -> bool {
    ["to", "cc"].iter().any(|field| match doc.get(*field) {
        Some(Value::Array(items)) => items.iter().any(|i| i.as_str() == Some(PUBLIC)),
        Some(Value::String(one)) => one == PUBLIC,
        _ => false,
    })
}

pub fn activity(
    activity: &ActivityRecord,
    post: Option<&PostRecord>,
    actor: &ActorRecord,
    urls: &Urls,
) -> anyhow::Result<Value> {
    let id = urls.activity(&activity.public_id);
    let followers = urls.followers(&actor.username);
    let doc = match activity.kind.as_str() {
        "Update" if post.is_none() => {
            // A profile update: the actor as it is now.
            let mut object = self::actor(actor, urls);
            if let Some(map) = object.as_object_mut() {
                map.remove("@context");
            }
            let doc = json!({
                "id": id,
                "type": "Update",
                "actor": actor.ap_id,
                "published": to_rfc3339(activity.created_at),
                "to": [PUBLIC],
                "cc": [followers],
                "object": object,
            });
            return Ok(with_context(doc, actor_context()));
        }
        "Create" if post.is_none() => {
            // An answer to a resident: the Note as it was sent, addressed as it is.
            let object: Value =
                serde_json::from_str(activity.object_json.as_deref().unwrap_or("null"))
                    .context("reading the object of a Create")?;
            json!({
                "id": id,
                "type": "Create",
                "actor": actor.ap_id,
                "published": to_rfc3339(activity.created_at),
                "to": object.get("to").cloned().unwrap_or(json!([])),
                "cc": object.get("cc").cloned().unwrap_or(json!([])),
                "object": object,
            })
        }
        "Create" | "Update" => {
            let post = post.context("a Create or Update without its post")?;
            let object = if post.deleted_at.is_some() {
                tombstone(post, urls)
            } else {
                note(post, actor, urls)
            };
            let mut doc = json!({
                "id": id,
                "type": activity.kind,
                "actor": actor.ap_id,
                "published": to_rfc3339(activity.created_at),
                "to": [PUBLIC],
                "cc": [followers],
                "object": object,
            });
            if activity.kind == "Update" {
                doc["updated"] = json!(crate::clock::to_rfc3339_ms(activity.created_at));
            }
            doc
        }
        "Delete" => {
            let post = post.context("a Delete without its post")?;
            json!({
                "id": id,
                "type": "Delete",
                "actor": actor.ap_id,
                "published": to_rfc3339(activity.created_at),
                "to": [PUBLIC],
                "cc": [followers],
                "object": { "id": urls.post(&post.public_id), "type": "Tombstone" },
            })
        }
        "Follow" => {
            let target = activity
                .object_json
                .as_deref()
                .context("a Follow without its target")?;
            json!({ "id": id, "type": "Follow", "actor": actor.ap_id, "object": target })
        }
        "Announce" => {
            let shared: Value =
                serde_json::from_str(activity.object_json.as_deref().unwrap_or("null"))
                    .context("reading what an Announce shares")?;
            let object = shared
                .get("object")
                .cloned()
                .context("an Announce without its object")?;
            let mut cc = vec![json!(followers)];
            if let Some(author) = shared.get("attributedTo") {
                cc.push(author.clone());
            }
            json!({
                "id": id,
                "type": "Announce",
                "actor": actor.ap_id,
                "published": to_rfc3339(activity.created_at),
                "to": [PUBLIC],
                "cc": cc,
                "object": object,
            })
        }
        "Accept" => {
            let follow: Value =
                serde_json::from_str(activity.object_json.as_deref().unwrap_or("null"))
                    .context("reading the Follow an Accept answers")?;
            json!({ "id": id, "type": "Accept", "actor": actor.ap_id, "object": follow })
        }
        other => anyhow::bail!("cannot render an activity of type {other}"),
    };
    Ok(with_context(doc, object_context()))
}

/// An `Undo` of one of our activities (`undone`, as rendered).
pub fn undo(activity: &ActivityRecord, undone: Value, actor: &ActorRecord, urls: &Urls) -> Value {
    let mut undone = undone;
    if let Some(map) = undone.as_object_mut() {
        map.remove("@context");
    }
    let doc = json!({
        "id": urls.activity(&activity.public_id),
        "type": "Undo",
        "actor": actor.ap_id,
        "object": undone,
    });
    with_context(doc, object_context())
}

pub fn ordered_collection(id: &str, total: i64, first: Option<String>) -> Value {
    let mut doc = json!({ "id": id, "type": "OrderedCollection", "totalItems": total });
    if let Some(first) = first {
        doc["first"] = json!(first);
    }
    with_context(doc, json!(AS_CONTEXT))
}

pub fn ordered_collection_page(
    id: &str,
    part_of: &str,
    items: Vec<Value>,
    next: Option<String>,
) -> Value {
    let mut doc = json!({
        "id": id,
        "type": "OrderedCollectionPage",
        "partOf": part_of,
        "orderedItems": items,
    });
    if let Some(next) = next {
        doc["next"] = json!(next);
    }
    with_context(doc, object_context())
}
