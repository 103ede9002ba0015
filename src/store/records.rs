//! Rows as the store hands them out. Plain data; the rules live in the domain modules.

use sqlx::FromRow;

#[derive(Clone, Debug, FromRow)]
pub struct ActorRecord {
    pub id: i64,
    pub ap_id: String,
    pub is_local: bool,
    pub kind: String,
    pub username: String,
    pub host: String,
    pub name: String,
    pub summary: String,
    pub icon_url: Option<String>,
    /// The header picture of a local actor (the website's banner); remote: `None`.
    pub image_url: Option<String>,
    pub profile_url: Option<String>,
    pub inbox_url: String,
    pub shared_inbox_url: Option<String>,
    pub public_key_pem: String,
    pub private_key_pem: Option<String>,
    pub fields_json: String,
    pub created_at: i64,
    pub refreshed_at: i64,
    /// A local actor's other accounts (`alsoKnownAs`), ids as a JSON list; remote: `[]`.
    pub also_known_as: String,
    /// The account a local actor moved to (`movedTo`); remote: `None`.
    pub moved_to: Option<String>,
}

impl ActorRecord {
    /// The ids of [`ActorRecord::also_known_as`] (none when the column does not read).
    pub fn aliases(&self) -> Vec<String> {
        serde_json::from_str(&self.also_known_as).unwrap_or_default()
    }
}

/// What is needed to store an actor, local or remote.
#[derive(Clone, Debug)]
pub struct NewActor {
    pub ap_id: String,
    pub is_local: bool,
    pub kind: String,
    pub username: String,
    pub host: String,
    pub name: String,
    pub summary: String,
    pub icon_url: Option<String>,
    pub profile_url: Option<String>,
    pub inbox_url: String,
    pub shared_inbox_url: Option<String>,
    pub public_key_pem: String,
    pub private_key_pem: Option<String>,
    pub fields_json: String,
}

#[derive(Clone, Debug, FromRow)]
pub struct PostRecord {
    pub id: i64,
    pub public_id: String,
    pub actor_id: i64,
    pub title: String,
    pub summary: String,
    pub body_markdown: String,
    pub body_html: String,
    pub categories: String,
    pub language: String,
    pub pinned: bool,
    pub published_at: i64,
    pub updated_at: Option<i64>,
    pub deleted_at: Option<i64>,
    #[sqlx(try_from = "String")]
    pub kind: super::PostKind,
    /// A pinned announcement stops being pinned at this time.
    pub pinned_until: Option<i64>,
    /// An agenda's date, place and organiser (`publishing::EventDetails` as JSON).
    pub event_json: Option<String>,
    /// Cover first, then the gallery (`publishing::PostImage` as a JSON list).
    pub images_json: String,
    /// The admin account that wrote it; none for posts from the command line or API.
    pub author_user_id: Option<i64>,
    /// The public document it announces (`documents::PostDocument` as JSON), if any.
    pub document_json: Option<String>,
    /// Who may quote it (FEP-044f), as its Note's `interactionPolicy.canQuote` says.
    #[sqlx(try_from = "String")]
    pub quote_policy: super::QuotePolicy,
    /// The first page of its `replies` collection: filled by the reads of one post
    /// (`post_by_id`, `post_by_public_id`) and by `Store::with_replies`; empty otherwise.
    #[sqlx(skip)]
    pub replies: ReplyPage,
    /// How many people liked it, boosted it and replied to it publicly: filled where
    /// `replies` is.
    #[sqlx(skip)]
    pub counts: PostCounts,
}

/// The responses a post received from the fediverse (`post_responses`), counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PostCounts {
    pub likes: i64,
    pub shares: i64,
    pub replies: i64,
}

/// A page of the ids of the residents' replies approved for display under a post,
/// oldest first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReplyPage {
    /// Counted from 1.
    pub page: i64,
    pub ids: Vec<String>,
    /// Whether another page follows.
    pub more: bool,
}

impl PostRecord {
    pub fn category_list(&self) -> Vec<String> {
        serde_json::from_str(&self.categories).unwrap_or_default()
    }

    /// Pinned now: pinned, and its end date (if any) not yet reached.
    pub fn is_pinned_at(&self, now: i64) -> bool {
        self.pinned && self.pinned_until.is_none_or(|until| until > now)
    }
}

/// The content of a post as written by the operator.
#[derive(Clone, Debug)]
pub struct PostContent {
    pub title: String,
    pub summary: String,
    pub body_markdown: String,
    pub body_html: String,
    pub categories: Vec<String>,
    pub language: String,
    pub pinned: bool,
    /// When it was first published, if not now (a post imported from an old site).
    pub published_at: Option<i64>,
    pub kind: super::PostKind,
    pub pinned_until: Option<i64>,
    pub event_json: Option<String>,
    /// When an agenda's event starts and counts as over (the home page's coming events).
    pub event_window: Option<(i64, i64)>,
    pub images_json: String,
    pub author_user_id: Option<i64>,
    /// The regency's hosting administrator, when they write it on the village's behalf:
    /// the village's history of it is written in the same transaction as the post.
    pub on_behalf_of: Option<String>,
    /// The public document a post announces (`documents::PostDocument` as JSON); an
    /// edit with `None` keeps the one it has.
    pub document_json: Option<String>,
    /// Who may quote it (FEP-044f).
    pub quote_policy: super::QuotePolicy,
}

#[derive(Clone, Debug, FromRow)]
pub struct ActivityRecord {
    pub id: i64,
    pub public_id: String,
    pub actor_id: i64,
    #[sqlx(try_from = "String")]
    pub kind: super::ActivityKind,
    pub post_id: Option<i64>,
    pub object_json: Option<String>,
    pub created_at: i64,
}

/// A delivery claimed by a worker: send `activity_id` to `inbox_url`.
#[derive(Clone, Debug, FromRow)]
pub struct DeliveryClaim {
    pub id: i64,
    pub activity_id: i64,
    pub inbox_url: String,
    pub host: String,
    pub attempts: i64,
    pub created_at: i64,
    /// The lease this claim holds; finishing requires it.
    pub locked_until: i64,
}

#[derive(Clone, Debug, FromRow, serde::Serialize)]
pub struct DeliveryStatus {
    pub inbox_url: String,
    pub host: String,
    #[sqlx(try_from = "String")]
    pub state: super::DeliveryState,
    pub attempts: i64,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, FromRow)]
pub struct DeliveryCounts {
    pub pending: i64,
    pub delivered: i64,
    pub failed: i64,
}

#[derive(Clone, Debug, FromRow)]
pub struct HostHealth {
    pub host: String,
    pub consecutive_failures: i64,
    pub first_failure_at: Option<i64>,
    pub unreachable: bool,
    pub last_success_at: Option<i64>,
}

/// A received activity waiting to be processed.
#[derive(Clone, Debug, FromRow)]
pub struct InboxClaim {
    pub id: i64,
    pub ap_id: String,
    pub actor_ap_id: String,
    pub kind: String,
    pub body: String,
    pub attempts: i64,
    /// The lease this claim holds; finishing requires it.
    pub locked_until: i64,
}

#[derive(Clone, Debug, FromRow)]
pub struct FollowerRow {
    pub ap_id: String,
    pub username: String,
    pub host: String,
    pub inbox_url: String,
    pub shared_inbox_url: Option<String>,
    pub followed_at: i64,
}

/// A reply to or mention of a local actor, kept for the aspirations feature.
#[derive(Clone, Debug)]
pub struct NewRemoteNote {
    pub ap_id: String,
    pub actor_id: i64,
    pub local_actor_id: i64,
    pub in_reply_to: Option<String>,
    /// The thread it names (FEP-7888 `context`), an http(s) URL.
    pub context: Option<String>,
    pub content_html: String,
    pub url: Option<String>,
    pub published_at: i64,
}

impl NewRemoteNote {
    /// What keeping it costs its server's quota.
    pub fn stored_bytes(&self) -> i64 {
        super::quotas::text_bytes(
            [
                Some(self.ap_id.as_str()),
                self.in_reply_to.as_deref(),
                self.context.as_deref(),
                Some(self.content_html.as_str()),
                self.url.as_deref(),
            ]
            .into_iter()
            .flatten(),
        )
    }
}

#[derive(Clone, Debug, FromRow)]
pub struct RemoteNoteRecord {
    pub id: i64,
    pub ap_id: String,
    pub actor_id: i64,
    pub local_actor_id: i64,
    pub in_reply_to: Option<String>,
    pub content_html: String,
    pub url: Option<String>,
    pub published_at: i64,
    pub updated_at: Option<i64>,
    pub deleted_at: Option<i64>,
}

/// An outgoing activity about to be written (its JSON is rendered when it is sent).
#[derive(Clone, Debug)]
pub struct NewActivity {
    pub public_id: String,
    pub actor_id: i64,
    pub kind: super::ActivityKind,
    pub post_id: Option<i64>,
    /// A snapshot of the object when it is not one of our posts (the Follow an Accept
    /// answers).
    pub object_json: Option<String>,
}

/// A remote actor's Follow of a local actor, and where the Accept goes.
#[derive(Clone, Debug)]
pub struct NewFollow {
    pub local_actor_id: i64,
    pub remote_actor_id: i64,
    pub follow_ap_id: String,
    pub accept_inbox: String,
    pub host: String,
}

/// The editable part of a local actor.
#[derive(Clone, Debug)]
pub struct ActorProfile {
    pub name: String,
    pub summary: String,
    pub icon_url: Option<String>,
    /// The header picture (`image`).
    pub image_url: Option<String>,
    /// `[{"name": …, "value": …}]`, shown as profile fields.
    pub fields_json: String,
}

/// A village the portal follows (a fediverse actor) or polls (an RSS/Atom feed).
#[derive(Clone, Debug, FromRow, serde::Serialize)]
pub struct VillageRecord {
    pub id: i64,
    pub name: String,
    pub district: String,
    pub code: String,
    #[sqlx(try_from = "String")]
    pub source_kind: super::SourceKind,
    pub handle: Option<String>,
    pub feed_url: Option<String>,
    pub actor_id: Option<i64>,
    #[sqlx(try_from = "String")]
    pub follow_state: super::FollowState,
    pub follow_ap_id: Option<String>,
    pub follow_attempts: i64,
    pub next_attempt_at: i64,
    pub last_contact_at: Option<i64>,
    pub last_error: Option<String>,
    pub last_error_at: Option<i64>,
    pub accepted_at: Option<i64>,
    pub backfilled_at: Option<i64>,
    pub feed_etag: Option<String>,
    pub feed_last_modified: Option<String>,
    pub created_at: i64,
}

#[derive(Clone, Debug)]
pub struct NewVillage {
    pub name: String,
    pub district: String,
    pub code: String,
    pub source_kind: super::SourceKind,
    pub handle: Option<String>,
    pub feed_url: Option<String>,
}

/// A village post as the portal keeps it.
#[derive(Clone, Debug)]
pub struct NewVillagePost {
    pub ap_id: String,
    pub village_id: i64,
    pub title: String,
    pub summary: String,
    pub content_html: String,
    pub url: String,
    pub image_url: Option<String>,
    pub from_feed: bool,
    pub published_at: i64,
    pub updated_at: Option<i64>,
    pub tags: Vec<String>,
}

#[derive(Clone, Debug, FromRow, serde::Serialize)]
pub struct VillagePostRecord {
    pub id: i64,
    pub ap_id: String,
    pub village_id: i64,
    pub title: String,
    pub summary: String,
    pub content_html: String,
    pub url: String,
    pub image_url: Option<String>,
    pub from_feed: bool,
    pub published_at: i64,
    pub updated_at: Option<i64>,
    pub deleted_at: Option<i64>,
    pub received_at: i64,
    pub hidden: bool,
    pub featured: bool,
    pub village_name: String,
    pub district: String,
}

/// Which village posts a timeline shows.
#[derive(Clone, Debug, Default)]
pub struct TimelineFilter {
    pub village_id: Option<i64>,
    pub district: Option<String>,
    pub tag: Option<String>,
    /// Published at or after (ms).
    pub since: Option<i64>,
    /// Published before (ms).
    pub until: Option<i64>,
    pub include_hidden: bool,
    pub featured_only: bool,
}

/// How ingesting a post went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ingested {
    New(i64),
    Updated,
    Unchanged,
}

/// Our Follow of a village's actor, and when to send it again if unanswered.
#[derive(Clone, Debug)]
pub struct VillageFollow {
    pub village_id: i64,
    pub actor_id: i64,
    pub follow_ap_id: String,
    pub inbox: String,
    pub host: String,
    pub retry_at: i64,
}

/// A followed village that moved to another account (its Move checked): the registry
/// entry takes the new account and handle, and is followed there.
#[derive(Clone, Debug)]
pub struct VillageMove {
    /// The Follow of the new account, with the entry's new actor.
    pub follow: VillageFollow,
    /// The new account's handle (`name@host`).
    pub handle: String,
}
