//! Our records as ActivityPub JSON: the exact shapes documented in docs/federation.md.
//!
//! Posts go out as `Note`, not `Article`: Mastodon shows only the title, summary and
//! link of an `Article` (mastodon/mastodon#24079), while a `Note` is shown in full. The
//! content starts with the title in bold, then the summary and body, the hashtags and a
//! link to the web page, as the WordPress ActivityPub plugin and WriteFreely do.

pub use super::protocol::{AS_CONTEXT, actor_context, object_context, quote_context, with_context};
use super::protocol::{
    PUBLIC,
    activities::{Activity, Kind},
    collections::{
        Collection, CollectionPage, CountedCollection, OrderedCollection, OrderedCollectionPage,
    },
    objects::{
        Actor, ActorTombstone, AnswerNote, Attachment, Endpoints, Hashtag, InstanceActor,
        InteractionPolicy, Mention, Note, Picture, Place, Preview, PropertyValue, PublicKey,
        QuoteAuthorization, SubPolicy, Tombstone,
    },
};
use crate::{
    clock::to_rfc3339,
    publishing,
    store::{
        ActivityKind, ActivityRecord, ActorRecord, PostRecord, QuoteAuthorizationRecord,
        QuotePolicy, ReplyPage, TicketReplyRecord, TicketRow,
    },
    strings::{self, Lang},
    text::escape_markup,
    urls::Urls,
};
use anyhow::Context;
use serde_json::{Value, json};

pub fn actor(actor: &ActorRecord, urls: &Urls) -> Value {
    with_context(actor_object(actor, urls), actor_context())
}

/// A local account as its wire shape.
fn actor_object(actor: &ActorRecord, urls: &Urls) -> Actor {
    let name = &actor.username;
    let fields: Vec<crate::actors::ProfileField> =
        serde_json::from_str(&actor.fields_json).unwrap_or_default();
    // Every local account has a picture: Mastodon shows an empty grey square without
    // one, and Bridgy Fed will not bridge such an account to Bluesky at all.
    let icon = match &actor.icon_url {
        Some(url) => Some(url.clone()),
        None if actor.is_local => Some(urls.avatar(name).to_string()),
        None => None,
    };
    Actor {
        id: actor.ap_id.clone(),
        kind: actor.kind.clone(),
        preferred_username: actor.username.clone(),
        name: actor.name.clone(),
        summary: actor.summary.clone(),
        url: actor
            .profile_url
            .clone()
            .unwrap_or_else(|| actor.ap_id.clone()),
        inbox: actor.inbox_url.clone(),
        outbox: urls.outbox(name).to_string(),
        followers: urls.followers(name).to_string(),
        following: urls.following(name).to_string(),
        featured: urls.featured(name).to_string(),
        endpoints: Endpoints {
            shared_inbox: urls.shared_inbox().to_string(),
        },
        manually_approves_followers: false,
        discoverable: true,
        indexable: true,
        published: to_rfc3339(actor.created_at),
        attachment: fields
            .into_iter()
            .map(|f| PropertyValue {
                kind: "PropertyValue",
                name: f.name,
                value: f.value,
            })
            .collect(),
        public_key: public_key(actor),
        icon: icon.map(|url| picture(&url)),
        image: actor.image_url.as_deref().map(picture),
        also_known_as: actor.aliases(),
        moved_to: actor.moved_to.clone(),
    }
}

fn public_key(actor: &ActorRecord) -> PublicKey {
    PublicKey {
        id: format!("{}#main-key", actor.ap_id),
        owner: actor.ap_id.clone(),
        public_key_pem: actor.public_key_pem.clone(),
    }
}

/// An avatar or header as Mastodon reads it, with the media type when the URL names it.
fn picture(url: &str) -> Picture {
    Picture {
        kind: "Image",
        url: url.to_string(),
        media_type: known_media_type(url),
    }
}

/// The instance actor: signs our fetches; no posts, no followers.
pub fn instance_actor(actor: &ActorRecord, urls: &Urls) -> Value {
    let document = InstanceActor {
        id: actor.ap_id.clone(),
        kind: actor.kind.clone(),
        preferred_username: actor.username.clone(),
        name: actor.name.clone(),
        url: urls.base().to_string(),
        inbox: actor.inbox_url.clone(),
        outbox: format!("{}/outbox", actor.ap_id),
        endpoints: Endpoints {
            shared_inbox: urls.shared_inbox().to_string(),
        },
        manually_approves_followers: true,
        public_key: public_key(actor),
    };
    with_context(document, actor_context())
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
    let mut html = format!("<p><strong>{}</strong></p>", escape_markup(&post.title));
    if !post.summary.is_empty() {
        html.push_str(&format!("<p><em>{}</em></p>", escape_markup(&post.summary)));
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
                    escape_markup(c)
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
    let mut lines = vec![format!(
        "🗓 {}: {}",
        strings::EVENT_WHEN.id,
        escape_markup(&when)
    )];
    if !event.place.is_empty() {
        lines.push(format!(
            "📍 {}: {}",
            strings::EVENT_WHERE.id,
            escape_markup(&event.place)
        ));
    }
    if !event.organiser.is_empty() {
        lines.push(format!(
            "👥 {}: {}",
            strings::EVENT_ORGANISER.id,
            escape_markup(&event.organiser)
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
fn attachments(post: &PostRecord, urls: &Urls) -> Vec<Attachment> {
    // A public-information document first: `Document` (a PDF) or `Image` (a scan).
    let document =
        crate::documents::post_document_of(post.document_json.as_deref()).map(|document| {
            Attachment {
                kind: document.attachment_type(),
                media_type: document.media_type.clone(),
                url: urls.document_file(&document.public_id).to_string(),
                name: document.name.clone(),
                width: None,
                height: None,
            }
        });
    let uploaded = publishing::images_of(&post.images_json)
        .into_iter()
        .map(|image| Attachment {
            kind: "Image",
            media_type: image.mime.clone(),
            url: urls.media(&image.file_name("large")).to_string(),
            name: image.alt.clone(),
            width: Some(image.width),
            height: Some(image.height),
        });
    let linked = crate::publishing::markdown::images(&post.body_markdown)
        .into_iter()
        .map(|image| Attachment {
            kind: "Image",
            media_type: media_type(&image.url).to_string(),
            url: image.url,
            name: image.alt,
            width: None,
            height: None,
        });
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
fn preview(post: &PostRecord) -> Preview {
    Preview {
        kind: "Note",
        name: post.title.clone(),
        content: note_body(post),
        summary: (!post.summary.is_empty()).then(|| post.summary.clone()),
    }
}

/// A post's `replies`: a `Collection` with its first page embedded, the shape Mastodon
/// and GoToSocial send. GoToSocial does not follow a `replies` given by URL alone.
pub fn replies(post: &PostRecord, urls: &Urls) -> Value {
    serde_json::to_value(replies_collection(post, urls)).unwrap_or(Value::Null)
}

fn replies_collection(post: &PostRecord, urls: &Urls) -> Collection {
    Collection {
        id: urls.post_replies(&post.public_id).to_string(),
        kind: "Collection",
        total_items: post.counts.replies,
        first: reply_page(&post.public_id, &post.replies, urls),
    }
}

/// A post's `likes` (`/p/ID/likes`) or `shares` (`/p/ID/shares`): how many, as the
/// post embeds it and as its URL serves it.
pub fn counted(post: &PostRecord, urls: &Urls, which: Counted) -> Value {
    serde_json::to_value(counted_collection(post, urls, which)).unwrap_or(Value::Null)
}

/// Which count of a post: its likes or its boosts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Counted {
    Likes,
    Shares,
}

fn counted_collection(post: &PostRecord, urls: &Urls, which: Counted) -> CountedCollection {
    let (id, total_items) = match which {
        Counted::Likes => (urls.post_likes(&post.public_id), post.counts.likes),
        Counted::Shares => (urls.post_shares(&post.public_id), post.counts.shares),
    };
    CountedCollection {
        id: id.to_string(),
        kind: "Collection",
        total_items,
    }
}

/// One page of a post's `replies` collection (`/p/ID/replies?page=N`): the ids of the
/// residents' replies approved for display, oldest first.
pub fn replies_page(public_id: &str, page: &ReplyPage, urls: &Urls) -> Value {
    serde_json::to_value(reply_page(public_id, page, urls)).unwrap_or(Value::Null)
}

fn reply_page(public_id: &str, page: &ReplyPage, urls: &Urls) -> CollectionPage {
    let collection = urls.post_replies(public_id);
    let number = page.page.max(1);
    CollectionPage {
        id: format!("{collection}?page={number}"),
        kind: "CollectionPage",
        part_of: collection.to_string(),
        items: page.ids.clone(),
        next: page
            .more
            .then(|| format!("{collection}?page={}", number + 1)),
    }
}

/// A post's thread, the FEP-7888 `context` its Note names: an `OrderedCollection` of
/// the post and the first page of the replies shown under it (the rest are in its
/// `replies` pages), owned by the village.
pub fn thread(post: &PostRecord, actor: &ActorRecord, urls: &Urls) -> Value {
    let mut items = vec![urls.post(&post.public_id).to_string()];
    items.extend(post.replies.ids.iter().cloned());
    json!({
        "id": urls.post_context(&post.public_id).to_string(),
        "type": "OrderedCollection",
        "attributedTo": actor.ap_id,
        "orderedItems": items,
    })
}

pub fn note(post: &PostRecord, actor: &ActorRecord, urls: &Urls) -> Value {
    serde_json::to_value(note_object(post, actor, urls)).unwrap_or(Value::Null)
}

fn note_object(post: &PostRecord, actor: &ActorRecord, urls: &Urls) -> Note {
    let url = urls.post(&post.public_id).to_string();
    let content = note_content(post, urls);
    let event = publishing::event_of(post.event_json.as_deref());
    Note {
        id: url.clone(),
        kind: "Note",
        attributed_to: actor.ap_id.clone(),
        to: vec![PUBLIC.to_string()],
        cc: vec![urls.followers(&actor.username).to_string()],
        published: to_rfc3339(post.published_at),
        url,
        sensitive: false,
        content_map: [(post.language.clone(), content.clone())].into(),
        content,
        tag: post
            .category_list()
            .iter()
            .map(|c| Hashtag {
                kind: "Hashtag",
                href: urls.tag(c).to_string(),
                name: format!("#{c}"),
            })
            .collect(),
        attachment: attachments(post, urls),
        preview: preview(post),
        replies: replies_collection(post, urls),
        context: urls.post_context(&post.public_id).to_string(),
        likes: counted_collection(post, urls, Counted::Likes),
        shares: counted_collection(post, urls, Counted::Shares),
        interaction_policy: interaction_policy(post.quote_policy, actor, urls),
        updated: post.updated_at.map(crate::clock::to_rfc3339_ms),
        // ActivityStreams' own terms; Mastodon ignores them, calendars may not.
        start_time: event.as_ref().map(|e| to_rfc3339(e.starts_at)),
        end_time: event.as_ref().and_then(|e| e.ends_at).map(to_rfc3339),
        location: event
            .as_ref()
            .filter(|e| !e.place.is_empty())
            .map(|e| Place {
                kind: "Place",
                name: e.place.clone(),
            }),
    }
}

/// Who may quote a post, as Mastodon 4.5 says it: everyone, the author's followers,
/// or (nobody else) the author alone.
fn interaction_policy(policy: QuotePolicy, actor: &ActorRecord, urls: &Urls) -> InteractionPolicy {
    let approved = match policy {
        QuotePolicy::Public => PUBLIC.to_string(),
        QuotePolicy::Followers => urls.followers(&actor.username).to_string(),
        QuotePolicy::Nobody => actor.ap_id.clone(),
    };
    InteractionPolicy {
        can_quote: SubPolicy {
            automatic_approval: vec![approved],
        },
    }
}

/// An approval stamp (FEP-044f `QuoteAuthorization`) of a quote of `actor`'s post.
pub fn quote_authorization(
    stamp: &QuoteAuthorizationRecord,
    actor: &ActorRecord,
    urls: &Urls,
) -> Value {
    let document = QuoteAuthorization {
        id: stamp_url(stamp, actor, urls),
        kind: "QuoteAuthorization",
        attributed_to: actor.ap_id.clone(),
        interacting_object: stamp.quote_ap_id.clone(),
        interaction_target: urls.post(&stamp.post_public_id).to_string(),
    };
    with_context(document, quote_context())
}

fn stamp_url(stamp: &QuoteAuthorizationRecord, actor: &ActorRecord, urls: &Urls) -> String {
    urls.quote_authorization(&actor.username, &stamp.public_id)
        .to_string()
}

/// What a revoked stamp's URL answers (with 410): a `Tombstone` of it.
pub fn revoked_quote_authorization(
    stamp: &QuoteAuthorizationRecord,
    actor: &ActorRecord,
    urls: &Urls,
) -> Value {
    let document = Tombstone {
        id: stamp_url(stamp, actor, urls),
        kind: "Tombstone",
        former_type: Some("QuoteAuthorization"),
        deleted: stamp.revoked_at.map(to_rfc3339),
    };
    with_context(document, json!(AS_CONTEXT))
}

/// The QuoteRequest an Accept or a Reject answers, as kept (`Some` only for those).
fn quote_request_of(activity: &ActivityRecord) -> Option<Value> {
    if !matches!(activity.kind, ActivityKind::Accept | ActivityKind::Reject) {
        return None;
    }
    let object: Value = serde_json::from_str(activity.object_json.as_deref()?).ok()?;
    (object.get("type").and_then(Value::as_str) == Some("QuoteRequest")).then_some(object)
}

/// The answer to a QuoteRequest (FEP-044f): an Accept whose `result` is the stamp (its
/// public id is the Accept's), or a Reject; addressed to the one who asked.
fn quote_answer(
    activity: &ActivityRecord,
    request: Value,
    actor: &ActorRecord,
    urls: &Urls,
) -> anyhow::Result<Value> {
    let asker = request
        .get("actor")
        .and_then(Value::as_str)
        .context("a QuoteRequest without its actor")?
        .to_string();
    let (kind, result) = match activity.kind {
        ActivityKind::Accept => (
            Kind::Accept,
            Some(
                urls.quote_authorization(&actor.username, &activity.public_id)
                    .to_string(),
            ),
        ),
        _ => (Kind::Reject, None),
    };
    let mut answer = Activity::new(
        urls.activity(&activity.public_id).to_string(),
        kind,
        &actor.ap_id,
        request,
    );
    answer.to = Some(vec![asker]);
    answer.result = result;
    Ok(with_context(answer, quote_context()))
}

/// The Delete that revokes a stamp (its public id kept as the activity's object), to
/// everyone as Mastodon sends it, naming the stamp and embedding nothing of it.
fn quote_revocation(activity: &ActivityRecord, actor: &ActorRecord, urls: &Urls) -> Option<Value> {
    if activity.kind != ActivityKind::Delete || activity.post_id.is_some() {
        return None;
    }
    let stamp = activity.object_json.as_deref()?;
    let mut delete = Activity::new(
        urls.activity(&activity.public_id).to_string(),
        Kind::Delete,
        &actor.ap_id,
        urls.quote_authorization(&actor.username, stamp).to_string(),
    );
    delete.to = Some(vec![PUBLIC.to_string()]);
    Some(with_context(delete, quote_context()))
}

pub fn tombstone(post: &PostRecord, urls: &Urls) -> Value {
    serde_json::to_value(tombstone_object(post, urls)).unwrap_or(Value::Null)
}

fn tombstone_object(post: &PostRecord, urls: &Urls) -> Tombstone {
    Tombstone {
        id: urls.post(&post.public_id).to_string(),
        kind: "Tombstone",
        former_type: Some("Note"),
        deleted: post.deleted_at.map(to_rfc3339),
    }
}

/// A removed site's account, as its URL answers (410) while the Deletes are sent: a
/// `Tombstone` that still names the account's public key, so that a server which did not
/// keep the key can check the signature of the Delete it is being sent rather than drop
/// it as unverifiable.
pub fn actor_tombstone(actor: &ActorRecord, deleted_at: i64) -> Value {
    let document = ActorTombstone {
        id: actor.ap_id.clone(),
        kind: "Tombstone",
        former_type: actor.kind.clone(),
        deleted: to_rfc3339(deleted_at),
        public_key: public_key(actor),
    };
    with_context(
        document,
        json!([AS_CONTEXT, "https://w3id.org/security/v1"]),
    )
}

/// The village's answer to a resident's ticket as a Note in their thread, mentioning
/// them: public (and to the village's followers) when their message was, to them alone
/// when it was a direct message. `None` when the ticket has no fediverse author.
pub fn answer_note(
    reply: &TicketReplyRecord,
    ticket: &TicketRow,
    village: &ActorRecord,
    urls: &Urls,
) -> Option<Value> {
    let kept: Value = serde_json::from_str(&reply.object_json).unwrap_or_default();
    if kept.get("type").is_some() {
        // Kept whole when it was sent, before answers were rendered at send time.
        return Some(kept);
    }
    let author = ticket.author_ap_id.as_deref()?;
    let username = ticket.author_username.as_deref().unwrap_or("warga");
    let host = ticket.author_host.as_deref().unwrap_or_default();
    let profile = ticket.author_url.as_deref().unwrap_or(author);
    let body_html = kept
        .get("content")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let mention = format!(
        "<p><span class=\"h-card\"><a href=\"{}\" class=\"u-url mention\">@<span>{}</span></a></span></p>",
        escape_markup(profile),
        escape_markup(username)
    );
    let (to, cc) = if ticket.is_private {
        (vec![author.to_string()], Vec::new())
    } else {
        (
            vec![PUBLIC.to_string()],
            vec![
                author.to_string(),
                urls.followers(&village.username).to_string(),
            ],
        )
    };
    let id = urls.answer(&reply.public_id).to_string();
    let content = format!("{mention}{body_html}");
    let note = AnswerNote {
        id: id.clone(),
        kind: "Note",
        attributed_to: village.ap_id.clone(),
        in_reply_to: ticket.note_ap_id.clone(),
        // The thread of the post it was written under, else the one the resident's own
        // note named (a mention elsewhere), so that the answer groups with it.
        context: ticket
            .post_public_id
            .as_deref()
            .map(|id| urls.post_context(id).to_string())
            .or_else(|| ticket.note_context.clone()),
        to,
        cc,
        published: to_rfc3339(reply.created_at),
        url: id,
        sensitive: false,
        content_map: [("id".to_string(), content.clone())].into(),
        content,
        tag: vec![Mention {
            kind: "Mention",
            href: author.to_string(),
            name: format!("@{username}@{host}"),
        }],
    };
    serde_json::to_value(note).ok()
}

/// The `Create` that carries an answer to a resident, addressed as the answer is.
pub fn answer_activity(
    activity: &ActivityRecord,
    reply: &TicketReplyRecord,
    ticket: &TicketRow,
    village: &ActorRecord,
    urls: &Urls,
) -> anyhow::Result<Value> {
    let note = answer_note(reply, ticket, village, urls)
        .context("an answer to a ticket without a fediverse author")?;
    Ok(with_context(
        create_addressed_as(activity, village, urls, note)?,
        object_context(),
    ))
}

/// The answer an activity carries: its public id, for a `Create` of an answer kept
/// since answers are rendered at send time (earlier ones hold the Note itself).
pub fn answer_of(activity: &ActivityRecord) -> Option<&str> {
    let object = activity.object_json.as_deref()?;
    (activity.kind == ActivityKind::Create
        && activity.post_id.is_none()
        && !object.starts_with('{'))
    .then_some(object)
}

/// A `Create` of `object`, addressed as the object is.
fn create_addressed_as(
    activity: &ActivityRecord,
    actor: &ActorRecord,
    urls: &Urls,
    object: Value,
) -> anyhow::Result<Value> {
    let audience = |field: &str| -> Vec<String> {
        object
            .get(field)
            .cloned()
            .and_then(|value| serde_json::from_value(value).ok())
            .unwrap_or_default()
    };
    let (to, cc) = (audience("to"), audience("cc"));
    let id = urls.activity(&activity.public_id).to_string();
    let published = to_rfc3339(activity.created_at);
    Ok(serde_json::to_value(
        Activity::new(id, Kind::Create, &actor.ap_id, object).addressed(published, to, cc),
    )?)
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
    if let Some(request) = quote_request_of(activity) {
        return quote_answer(activity, request, actor, urls);
    }
    if let Some(revocation) = quote_revocation(activity, actor, urls) {
        return Ok(revocation);
    }
    let id = urls.activity(&activity.public_id).to_string();
    let by = actor.ap_id.as_str();
    let published = to_rfc3339(activity.created_at);
    let to_everyone = vec![PUBLIC.to_string()];
    let followers = vec![urls.followers(&actor.username).to_string()];
    let object_json = || -> anyhow::Result<Value> {
        serde_json::from_str(activity.object_json.as_deref().unwrap_or("null"))
            .with_context(|| format!("reading the object of a {}", activity.kind))
    };
    let document = match activity.kind {
        ActivityKind::Update if post.is_none() => {
            // A profile update: the actor as it is now.
            let update = Activity::new(id, Kind::Update, by, actor_object(actor, urls)).addressed(
                published,
                to_everyone,
                followers,
            );
            return Ok(with_context(update, actor_context()));
        }
        ActivityKind::Create if post.is_none() => {
            // An answer to a resident kept before answers were rendered at send time:
            // the Note as it was sent (newer ones go through `answer_activity`).
            create_addressed_as(activity, actor, urls, object_json()?)?
        }
        ActivityKind::Create | ActivityKind::Update => {
            let post = post.context("a Create or Update without its post")?;
            let kind = if activity.kind == ActivityKind::Create {
                Kind::Create
            } else {
                Kind::Update
            };
            let object = if post.deleted_at.is_some() {
                serde_json::to_value(tombstone_object(post, urls))?
            } else {
                serde_json::to_value(note_object(post, actor, urls))?
            };
            let mut document =
                Activity::new(id, kind, by, object).addressed(published, to_everyone, followers);
            if kind == Kind::Update {
                document.updated = Some(crate::clock::to_rfc3339_ms(activity.created_at));
            }
            serde_json::to_value(document)?
        }
        ActivityKind::Delete if activity.post_id.is_none() => {
            // The account itself (its site removed), as Mastodon deletes an account: the
            // actor as its own object, to everyone, nothing else. Decided by the row, not
            // by a post that could not be read: that must never delete the account.
            let mut delete = Activity::new(id, Kind::Delete, by, by.to_string());
            delete.to = Some(to_everyone);
            serde_json::to_value(delete)?
        }
        ActivityKind::Delete => {
            let post = post.context("a Delete without its post")?;
            let gone = Tombstone {
                id: urls.post(&post.public_id).to_string(),
                kind: "Tombstone",
                former_type: None,
                deleted: None,
            };
            serde_json::to_value(Activity::new(id, Kind::Delete, by, gone).addressed(
                published,
                to_everyone,
                followers,
            ))?
        }
        ActivityKind::Follow => {
            let target = activity
                .object_json
                .as_deref()
                .context("a Follow without its target")?;
            serde_json::to_value(Activity::new(id, Kind::Follow, by, target))?
        }
        ActivityKind::Announce => {
            let shared = object_json()?;
            let object = shared
                .get("object")
                .cloned()
                .context("an Announce without its object")?;
            let mut cc = followers;
            if let Some(author) = shared.get("attributedTo").and_then(Value::as_str) {
                cc.push(author.to_string());
            }
            serde_json::to_value(Activity::new(id, Kind::Announce, by, object).addressed(
                published,
                to_everyone,
                cc,
            ))?
        }
        ActivityKind::Accept => {
            let follow = object_json()?;
            serde_json::to_value(Activity::new(id, Kind::Accept, by, follow))?
        }
        ActivityKind::Move => {
            // The account moving itself to the account its object names, to its
            // followers (Mastodon's shape: the actor as object, the new one as target).
            let target = activity
                .object_json
                .as_deref()
                .context("a Move without its target")?;
            let mut moving = Activity::new(id, Kind::Move, by, by.to_string()).addressed(
                published,
                followers,
                Vec::new(),
            );
            moving.target = Some(target.to_string());
            serde_json::to_value(moving)?
        }
        // An Undo embeds what it takes back: `undo` renders it, given that.
        ActivityKind::Undo => anyhow::bail!("an Undo is rendered with what it undoes"),
        ActivityKind::Reject => anyhow::bail!("a Reject answers nothing but a QuoteRequest"),
    };
    Ok(with_context(document, object_context()))
}

/// An `Undo` of one of our activities (`undone`, as rendered).
pub fn undo(activity: &ActivityRecord, undone: Value, actor: &ActorRecord, urls: &Urls) -> Value {
    let mut undone = undone;
    if let Some(map) = undone.as_object_mut() {
        map.shift_remove("@context");
    }
    let document = Activity::new(
        urls.activity(&activity.public_id).to_string(),
        Kind::Undo,
        &actor.ap_id,
        undone,
    );
    with_context(document, object_context())
}

pub fn ordered_collection(id: &str, total: i64, first: Option<String>) -> Value {
    let document = OrderedCollection {
        id: id.to_string(),
        kind: "OrderedCollection",
        total_items: total,
        first,
    };
    with_context(document, json!(AS_CONTEXT))
}

pub fn ordered_collection_page(
    id: &str,
    part_of: &str,
    items: Vec<Value>,
    next: Option<String>,
) -> Value {
    let document = OrderedCollectionPage {
        id: id.to_string(),
        kind: "OrderedCollectionPage",
        part_of: part_of.to_string(),
        ordered_items: items,
        next,
    };
    with_context(document, object_context())
}
