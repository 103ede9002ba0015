//! Objects we send: actors, notes and what they carry. Field order is the order on the
//! wire (pinned by `tests/fixtures/ours`).

use super::collections::{Collection, CountedCollection};
use serde::Serialize;

/// A local account: `Organization` (a village, a portal) or `Person`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Actor {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub preferred_username: String,
    pub name: String,
    pub summary: String,
    pub url: String,
    pub inbox: String,
    pub outbox: String,
    pub followers: String,
    pub following: String,
    pub featured: String,
    pub endpoints: Endpoints,
    pub manually_approves_followers: bool,
    pub discoverable: bool,
    pub indexable: bool,
    pub published: String,
    pub attachment: Vec<PropertyValue>,
    pub public_key: PublicKey,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icon: Option<Picture>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<Picture>,
    /// The account's other accounts (`kentongan actor alias`): a server checks that the
    /// account an old one moves to names it here.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub also_known_as: Vec<String>,
    /// Where the account moved (`kentongan actor move`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moved_to: Option<String>,
}

/// The instance actor, which signs our fetches: no posts, no followers.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InstanceActor {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub preferred_username: String,
    pub name: String,
    pub url: String,
    pub inbox: String,
    pub outbox: String,
    pub endpoints: Endpoints,
    pub manually_approves_followers: bool,
    pub public_key: PublicKey,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Endpoints {
    pub shared_inbox: String,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicKey {
    pub id: String,
    pub owner: String,
    pub public_key_pem: String,
}

/// A profile field (Mastodon's profile metadata).
#[derive(Clone, Debug, Serialize)]
pub struct PropertyValue {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub name: String,
    pub value: String,
}

/// An avatar or header, with the media type when its URL names one.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Picture {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_type: Option<&'static str>,
}

/// A post (or an agenda) as a Note, shown in full by Mastodon.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Note {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub attributed_to: String,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub published: String,
    pub url: String,
    pub sensitive: bool,
    pub content: String,
    /// The content again, under the post's language.
    pub content_map: std::collections::BTreeMap<String, String>,
    pub tag: Vec<Hashtag>,
    pub attachment: Vec<Attachment>,
    pub preview: Preview,
    pub replies: Collection,
    /// The thread (FEP-7888): a collection of the post and its shown replies, so that
    /// servers group the replies under it.
    pub context: String,
    pub likes: CountedCollection,
    pub shares: CountedCollection,
    /// Who may quote it (FEP-044f).
    pub interaction_policy: InteractionPolicy,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Place>,
}

/// What a post allows (GoToSocial's `interactionPolicy`, FEP-044f): only `canQuote`,
/// as Mastodon 4.5 sends it.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InteractionPolicy {
    pub can_quote: SubPolicy,
}

/// Who is approved without asking the author. Never empty: a post nobody may quote
/// names its author alone, since an empty list is no list in JSON-LD.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SubPolicy {
    pub automatic_approval: Vec<String>,
}

/// An approval stamp (FEP-044f): the author of `interactionTarget` approved
/// `interactingObject` as a quote of it. It names the quote and never embeds it.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QuoteAuthorization {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub attributed_to: String,
    pub interacting_object: String,
    pub interaction_target: String,
}

/// The village's answer to a resident: a reply in their thread that mentions them.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AnswerNote {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub attributed_to: String,
    /// The resident's note; `null` only for a note we no longer know.
    pub in_reply_to: Option<String>,
    /// The thread of the post the resident replied to (FEP-7888), when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub published: String,
    pub url: String,
    pub sensitive: bool,
    pub content: String,
    pub content_map: std::collections::BTreeMap<String, String>,
    pub tag: Vec<Mention>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Mention {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub href: String,
    pub name: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Hashtag {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub href: String,
    pub name: String,
}

/// A document, an uploaded image (with its size) or an image of the body.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Attachment {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub media_type: String,
    pub url: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
}

/// The post's parts apart, for software that shows a title and an excerpt.
#[derive(Clone, Debug, Serialize)]
pub struct Preview {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub name: String,
    pub content: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Place {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub name: String,
}

/// What a removed site's account leaves while its Deletes are sent: its key stays
/// readable, so that the Deletes can be checked.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActorTombstone {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub former_type: String,
    pub deleted: String,
    pub public_key: PublicKey,
}

/// What a deleted post leaves.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Tombstone {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub former_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted: Option<String>,
}
