//! The shared inbox (`/inbox`) and each actor's inbox (`/u/NAME/inbox`).
//!
//! An inbox POST is answered quickly, because Mastodon gives up after 10 s: check the
//! content type and size, check the body digest and the HTTP signature (draft-cavage or
//! RFC 9421, [`super::signature_policy`]) with the key of the actor the activity names
//! (fetched through the library), check that the activity only speaks for that actor,
//! store it once by id, answer 202. The [`process`](super::process) worker acts on it
//! afterwards. Anything refused gets a 4xx with a one-line reason and stores nothing;
//! an account or server the village blocked gets 403 (Deletes and Undos still pass). A
//! server over its daily storage quota (`crate::quota`) gets 429, and every sender 503
//! while the disk holding the database is nearly full (`crate::disk`), both with
//! `Retry-After`.

use super::{
    Data,
    actor::{ActorError, DbActor, host_of},
    signature_policy::{self, Signed},
};
use crate::{
    clock::now_ms,
    state::AppState,
    store::{Enqueued, HostHealth, NewInboxActivity, SenderStanding, SenderUsage},
};
use activitypub_federation::{
    error::Error as LibraryError, fetch::object_id::ObjectId, traits::Activity,
};
use axum::{
    body::Bytes,
    extract::{Path, Request},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::Url;

pub const MAX_ACTIVITY_BYTES: usize = 1024 * 1024;

/// Activity types the node acts on; others are answered 202 and dropped. A `Like` or an
/// `Announce` is kept only as a count on the post it names (`activities::reaction`); a
/// `Move` matters only to a portal following the account that moves (`activities::moving`).
pub const HANDLED_TYPES: [&str; 12] = [
    "Follow",
    "Undo",
    "Block",
    "Delete",
    "Create",
    "Update",
    "Accept",
    "Reject",
    "Like",
    "Announce",
    "Move",
    "QuoteRequest",
];

/// Any activity, kept whole so it can be stored and processed later. The actor is kept
/// as its id: Ghost embeds the whole actor document in a Follow.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct IncomingActivity {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(deserialize_with = "super::protocol::incoming::id_url")]
    pub actor: Url,
    #[serde(flatten)]
    pub rest: serde_json::Map<String, Value>,
}

impl IncomingActivity {
    pub fn object(&self) -> Option<&Value> {
        self.rest.get("object")
    }
}

pub use super::protocol::incoming::{first_id, object_id};

#[derive(Debug, thiserror::Error)]
pub enum InboxError {
    #[error(transparent)]
    Library(#[from] LibraryError),
    #[error("{0}")]
    Rejected(String),
    /// The actor's server sends more than its share; try again after this many seconds.
    #[error("too many activities from this server; try again in {0} s")]
    RateLimited(u64),
    /// The actor's server stored its share of the disk for today (`crate::quota`).
    #[error("{}", over_quota_reason(*.0))]
    OverQuota(u64),
    /// The actor the activity names cannot be used to check it.
    #[error("{0}")]
    BadActor(String),
    /// The body or the signature is not what the signature policy requires (401).
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0:#}")]
    Store(#[from] anyhow::Error),
}

impl From<ActorError> for InboxError {
    fn from(err: ActorError) -> Self {
        match err {
            ActorError::Library(err) => Self::Library(err),
            ActorError::Invalid(reason) => Self::BadActor(reason),
            ActorError::Store(err) => Self::Store(err),
        }
    }
}

impl InboxError {
    fn into_status_and_reason(self) -> (StatusCode, String) {
        use LibraryError as E;
        match self {
            Self::Rejected(reason) => (StatusCode::BAD_REQUEST, reason),
            Self::Unauthorized(reason) => (StatusCode::UNAUTHORIZED, reason),
            Self::RateLimited(seconds) => (
                StatusCode::TOO_MANY_REQUESTS,
                format!("too many activities from this server; try again in {seconds} s"),
            ),
            Self::OverQuota(seconds) => (StatusCode::TOO_MANY_REQUESTS, over_quota_reason(seconds)),
            Self::BadActor(reason) => {
                // The reason quotes the fetched document (its inbox, its type): that stays
                // in our log, never in an answer to whoever made us fetch it.
                tracing::info!(%reason, "the activity's actor failed our checks");
                (
                    StatusCode::UNAUTHORIZED,
                    "the activity's actor is not usable (its document failed our checks)".into(),
                )
            }
            Self::Store(err) => {
                tracing::error!(error = %format!("{err:#}"), "inbox could not store an activity");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "temporarily unavailable, try again later".into(),
                )
            }
            Self::Library(err) => match err {
                E::ActivityBodyDigestInvalid => (
                    StatusCode::UNAUTHORIZED,
                    "the Digest header is missing or does not match the body".into(),
                ),
                E::ActivitySignatureInvalid => (
                    StatusCode::UNAUTHORIZED,
                    "the HTTP signature does not verify with the key of the activity's actor"
                        .into(),
                ),
                E::Other(reason) => (
                    StatusCode::UNAUTHORIZED,
                    format!("the HTTP signature is not acceptable: {reason}"),
                ),
                E::ParseReceivedActivity { err, .. } => (
                    StatusCode::BAD_REQUEST,
                    format!("the activity cannot be read: {err}"),
                ),
                E::UrlVerificationError(reason) => (
                    StatusCode::BAD_REQUEST,
                    format!("the activity is not acceptable: {reason}"),
                ),
                other => {
                    // The library's message may carry what the fetched URL served (up to
                    // 1 MiB): the inbox must not be a way to read other servers through us.
                    let detail: String = other.to_string().chars().take(300).collect();
                    tracing::info!(%detail, "the key of an activity's actor could not be fetched");
                    (StatusCode::UNAUTHORIZED, fetch_failure(&other).into())
                }
            },
        }
    }
}

/// Why the actor's key could not be had, in words that quote nothing fetched.
fn fetch_failure(err: &LibraryError) -> &'static str {
    use LibraryError as E;
    match err {
        E::ObjectDeleted(_) => "the activity's actor is gone",
        E::NotFound => "the activity's actor was not found",
        E::FetchInvalidContentType(_) => "the actor's document is not ActivityPub JSON",
        E::FetchWrongId(_) => "the actor's document has another id than its URL",
        E::ParseFetchedObject(..) => "the actor's document cannot be read as an actor",
        E::RequestLimit | E::ResponseBodyLimit => "the actor's document is too large",
        E::DomainResolveError(_) | E::ResolveInternalIpError(..) => {
            "the actor's server is at an address this node does not connect to"
        }
        E::Reqwest(_) | E::ReqwestMiddleware(_) => "the actor's server could not be reached",
        _ => "the key of the activity's actor could not be fetched",
    }
}

fn refuse(status: StatusCode, reason: String) -> Response {
    tracing::info!(status = status.as_u16(), %reason, "inbox refused an activity");
    (
        status,
        [("content-type", "text/plain; charset=utf-8")],
        format!("{reason}\n"),
    )
        .into_response()
}

/// 429 with `Retry-After`: senders that honour it (Mastodon, GoToSocial) come back
/// later, so nothing is lost.
fn rate_limited(seconds: u64) -> Response {
    refuse_for(
        StatusCode::TOO_MANY_REQUESTS,
        format!("too many activities from this server; try again in {seconds} s"),
        seconds,
    )
}

/// A refusal the sender should try again after `seconds` (`Retry-After`); servers
/// retry a 429 or a 5xx, so what they send later still arrives.
fn refuse_for(status: StatusCode, reason: String, seconds: u64) -> Response {
    let mut response = refuse(status, reason);
    if let Ok(value) = axum::http::HeaderValue::from_str(&seconds.to_string()) {
        response.headers_mut().insert("retry-after", value);
    }
    response
}

fn over_quota_reason(seconds: u64) -> String {
    format!("this server's storage quota for today is used up; try again in {seconds} s")
}

/// The sender's server has no room left today (`Some((seconds, reason))`): checked
/// before its signature, so a server over its quota costs no key fetch. An actor not
/// stored yet is not fetched once its server's actor copies used up theirs; its known
/// actors are still heard, so naming many accounts of another server cannot lock that
/// server out.
fn over_quota(standing: &SenderStanding) -> Option<(u64, String)> {
    let now = now_ms();
    let full_for = |usage: Option<SenderUsage>, quota| {
        usage
            .and_then(|usage| usage.full_for(quota, now))
            .map(crate::quota::retry_after_secs)
    };
    if let Some(seconds) = full_for(standing.server_usage, &crate::quota::SERVER) {
        return Some((seconds, over_quota_reason(seconds)));
    }
    let seconds = full_for(standing.actor_copies_usage, &crate::quota::ACTOR_COPIES)?;
    (!standing.actor_stored).then(|| {
        (
            seconds,
            format!(
                "this server's quota of new actors for today is used up; try again in {seconds} s"
            ),
        )
    })
}

fn acceptable_content_type(value: Option<&str>) -> bool {
    let Some(value) = value else { return false };
    let media = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    matches!(
        media.as_str(),
        "application/activity+json" | "application/ld+json" | "application/json"
    )
}

/// A `Delete` of an actor by itself, for an actor we never stored.
fn is_unknown_account_deletion(
    activity: &serde_json::Map<String, Value>,
    standing: &SenderStanding,
) -> bool {
    let actor = activity.get("actor").and_then(first_id);
    let object = activity.get("object").and_then(object_id);
    matches!(
        (activity.get("type").and_then(Value::as_str), actor, object),
        (Some("Delete"), Some(actor), Some(object)) if actor == object
    ) && !standing.actor_stored
}

/// Why the village refuses an activity from a blocked account or server, checked before
/// its signature (a blocked server costs no key fetch). Deletes and Undos still pass: a
/// resident may always withdraw what they wrote or stop following.
fn blocked_sender(
    activity: &serde_json::Map<String, Value>,
    standing: &SenderStanding,
) -> Option<String> {
    if matches!(
        activity.get("type").and_then(Value::as_str),
        Some("Delete" | "Undo")
    ) {
        return None;
    }
    standing.block.map(|kind| {
        format!(
            "this {} is blocked by this node; its activities are not accepted",
            kind.as_str()
        )
    })
}

/// `POST /inbox`
pub async fn shared_inbox(data: Data, request: Request) -> Response {
    receive(data, request).await
}

/// `POST /u/{name}/inbox`
pub async fn actor_inbox(data: Data, Path(name): Path<String>, request: Request) -> Response {
    match data.store.local_actor_by_username(&name).await {
        Ok(Some(_)) => receive(data, request).await,
        Ok(None) => refuse(
            StatusCode::NOT_FOUND,
            format!("there is no actor named {name} here"),
        ),
        Err(err) => {
            let (status, reason) = InboxError::Store(err).into_status_and_reason();
            refuse(status, reason)
        }
    }
}

async fn receive(data: Data, request: Request) -> Response {
    // Before anything is read: a full disk must not lose what is already committed.
    if let Err(low) = data.disk.database_may_grow() {
        return refuse_for(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("{low}; try again later"),
            crate::disk::RETRY_AFTER_SECS,
        );
    }
    let (parts, body) = request.into_parts();
    let content_type = parts
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok());
    if !acceptable_content_type(content_type) {
        return refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "the body must be application/activity+json or application/ld+json".into(),
        );
    }
    let declared = parts
        .headers
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|len| len > MAX_ACTIVITY_BYTES) {
        return refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            "the activity is larger than 1 MiB".into(),
        );
    }
    let bytes: Bytes = match axum::body::to_bytes(body, MAX_ACTIVITY_BYTES).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                "the activity is larger than 1 MiB".into(),
            );
        }
    };
    // Give a plain reason for broken JSON before the library says something vaguer.
    let map = match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => map,
        Ok(_) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                "the activity must be a JSON object".into(),
            );
        }
        Err(err) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                format!("the body is not valid JSON: {err}"),
            );
        }
    };
    for field in ["id", "type", "actor"] {
        if !map.contains_key(field) {
            return refuse(
                StatusCode::BAD_REQUEST,
                format!("the activity has no {field:?}"),
            );
        }
    }
    // An actor that is no URL is refused with its reason when the activity is read.
    let actor = map
        .get("actor")
        .and_then(first_id)
        .and_then(|id| Url::parse(id).ok());
    let standing = match &actor {
        Some(actor) => {
            let host = host_of(actor);
            let copies = crate::quota::actor_copies_of(&host);
            match data
                .store
                .sender_standing(actor.as_str(), &host, &copies)
                .await
            {
                Ok(standing) => standing,
                Err(err) => {
                    let (status, reason) = InboxError::Store(err).into_status_and_reason();
                    return refuse(status, reason);
                }
            }
        }
        None => SenderStanding::default(),
    };
    if let Some(reason) = blocked_sender(&map, &standing) {
        return refuse(StatusCode::FORBIDDEN, reason);
    }
    if is_unknown_account_deletion(&map, &standing) {
        // A deleted account's key can no longer be fetched, and we hold nothing
        // of it: there is nothing to verify and nothing to do.
        return StatusCode::ACCEPTED.into_response();
    }
    let signed = match signature_policy::check(&parts.headers) {
        Ok(signed) => signed,
        Err(reason) => return refuse(StatusCode::UNAUTHORIZED, reason),
    };
    if let Some((seconds, reason)) = over_quota(&standing) {
        return refuse_for(StatusCode::TOO_MANY_REQUESTS, reason, seconds);
    }
    if let Some(actor) = &actor
        && !standing.actor_stored
        && let Err(seconds) = data.unverified_fetch_limiter.check(&host_of(actor))
    {
        // Checked before the fetch: an unverified request must not make us fetch at will.
        return rate_limited(seconds);
    }
    let mut outcome = verify_and_store(&data, &parts, &signed, &bytes, &standing).await;
    if matches!(
        outcome,
        Err(InboxError::Library(LibraryError::ActivitySignatureInvalid))
    ) && let Some(actor) = actor
        && refetched_key(&data, &actor).await
    {
        // The actor may have changed its key since we stored it: one more try.
        outcome = verify_and_store(&data, &parts, &signed, &bytes, &standing).await;
    }
    match outcome {
        Ok(()) => StatusCode::ACCEPTED.into_response(),
        Err(InboxError::RateLimited(seconds)) => rate_limited(seconds),
        Err(InboxError::OverQuota(seconds)) => refuse_for(
            StatusCode::TOO_MANY_REQUESTS,
            over_quota_reason(seconds),
            seconds,
        ),
        Err(err) => {
            let (status, reason) = err.into_status_and_reason();
            refuse(status, reason)
        }
    }
}

/// Checks the body digest, reads the activity, fetches (or finds) its actor, checks the
/// HTTP signature with that actor's key, then runs our `verify` and `receive`. The
/// library's `receive_activity` did this for draft-cavage alone; the order and the
/// checks of the activity's id are the same as there.
async fn verify_and_store(
    data: &Data,
    parts: &axum::http::request::Parts,
    signed: &Signed,
    bytes: &[u8],
    standing: &SenderStanding,
) -> Result<(), InboxError> {
    signature_policy::body_matches(signed, &parts.headers, bytes)
        .map_err(InboxError::Unauthorized)?;
    let activity: IncomingActivity =
        serde_json::from_slice(bytes).map_err(|err| LibraryError::ParseReceivedActivity {
            err,
            id: serde_json::from_slice::<Value>(bytes).ok().and_then(|v| {
                v.get("id")
                    .and_then(Value::as_str)
                    .and_then(|id| Url::parse(id).ok())
            }),
        })?;
    super::check_activity_id(&activity.id, &activity.actor, &data.config)?;
    let actor = ObjectId::<DbActor>::from(activity.actor.clone())
        .dereference(data)
        .await?;
    if let Signed::Rfc9421(signature) = signed {
        // The key must be one the actor's own server names: the signature is checked
        // with the actor's key below, and a keyid elsewhere is someone else's claim.
        let key_host = Url::parse(&signature.key_id).ok().map(|u| host_of(&u));
        if key_host.as_deref() != Some(host_of(&activity.actor).as_str()) {
            return Err(InboxError::Unauthorized(
                "the signature's keyid is not on the server of the activity's actor".into(),
            ));
        }
    }
    let verified = signature_policy::verifies(
        signed,
        &parts.method,
        &parts.uri,
        &parts.headers,
        &actor.record.public_key_pem,
        data.urls.base(),
    )
    .map_err(|err| {
        InboxError::Unauthorized(format!("the HTTP signature is not acceptable: {err}"))
    })?;
    if !verified {
        return Err(LibraryError::ActivitySignatureInvalid.into());
    }
    activity.verify(data).await?;
    activity.store_verified(data, standing).await
}

/// Refetches a stored remote actor whose signature did not verify with the key we hold
/// (it may have rotated its key), at most once per actor every few minutes; `true` when
/// a fresh copy was stored.
async fn refetched_key(data: &Data, actor: &Url) -> bool {
    let remote = matches!(
        data.store.actor_by_ap_id(actor.as_str()).await,
        Ok(Some(record)) if !record.is_local
    );
    if !remote || data.key_refetch_limiter.check(actor.as_str()).is_err() {
        return false;
    }
    match activitypub_federation::fetch::object_id::ObjectId::<DbActor>::from(actor.clone())
        .dereference_forced(data)
        .await
    {
        Ok(_) => {
            tracing::info!(%actor, "refetched an actor whose signature did not verify with its stored key");
            true
        }
        Err(err) => {
            tracing::info!(%actor, error = %err, "cannot refetch an actor's key");
            false
        }
    }
}

/// How stale a healthy server's last success may be before a request from it writes it
/// again.
const HOST_SUCCESS_REFRESH_MS: i64 = 60_000;

/// A signed request is proof of life: deliveries to that server may resume. Written only
/// when that changes something (the server was failing, or its last success is a minute
/// old): a busy server's requests then cost no write transaction each. `health` is the
/// server's as read with the rest of its standing, before the signature was checked.
async fn note_host_alive(
    data: &Data,
    host: &str,
    health: Option<&HostHealth>,
    now: i64,
) -> anyhow::Result<()> {
    let healthy = health.is_some_and(|health| {
        health.consecutive_failures == 0
            && !health.unreachable
            && health
                .last_success_at
                .is_some_and(|at| now.saturating_sub(at) < HOST_SUCCESS_REFRESH_MS)
    });
    if healthy {
        return Ok(());
    }
    data.store.record_host_success(host, now).await
}

impl IncomingActivity {
    /// Keeps a verified activity for the worker (counted against its server's quota), and
    /// notes its server alive. `standing` is its sender's, read before the signature.
    async fn store_verified(
        self,
        data: &Data,
        standing: &SenderStanding,
    ) -> Result<(), InboxError> {
        let now = now_ms();
        let host = host_of(&self.actor);
        if let Err(seconds) = data.inbox_limiter.check(&host) {
            return Err(InboxError::RateLimited(seconds));
        }
        note_host_alive(data, &host, standing.host_health.as_ref(), now).await?;
        if !HANDLED_TYPES.contains(&self.kind.as_str()) {
            tracing::debug!(kind = %self.kind, id = %self.id, "ignored an activity type we do not handle");
            return Ok(());
        }
        let body = serde_json::to_string(&self).map_err(|err| InboxError::Store(err.into()))?;
        let activity = NewInboxActivity {
            ap_id: self.id.as_str(),
            actor_ap_id: self.actor.as_str(),
            host: &host,
            kind: &self.kind,
            body: &body,
        };
        // Counted against the server's quota in the transaction that stores it.
        match data
            .store
            .enqueue_inbox_within(&activity, &crate::quota::SERVER, now)
            .await?
        {
            Enqueued::Stored => {
                data.inbox_stored_at
                    .fetch_max(now, std::sync::atomic::Ordering::Relaxed);
                data.wake_inbox.notify_one();
            }
            Enqueued::Repeat => {
                tracing::debug!(id = %self.id, "activity received before; not processed twice")
            }
            Enqueued::OverQuota { retry_after_ms } => {
                return Err(InboxError::OverQuota(crate::quota::retry_after_secs(
                    retry_after_ms,
                )));
            }
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl Activity for IncomingActivity {
    type DataType = AppState;
    type Error = InboxError;

    fn id(&self) -> &Url {
        &self.id
    }

    fn actor(&self) -> &Url {
        &self.actor
    }

    /// Runs after the signature checked out: the activity may only speak for its actor.
    async fn verify(&self, data: &Data) -> Result<(), Self::Error> {
        let object = self.object();
        let ids = [
            Some(self.id.as_str()),
            Some(self.actor.as_str()),
            object.and_then(object_id),
        ];
        if ids
            .into_iter()
            .flatten()
            .any(|id| id.len() > super::MAX_ID_BYTES)
        {
            return Err(InboxError::Rejected(format!(
                "an id is longer than {} bytes",
                super::MAX_ID_BYTES
            )));
        }
        let actor_host = host_of(&self.actor);
        if host_of(&self.id) != actor_host {
            return Err(InboxError::Rejected(
                "the activity id is on another server than its actor".into(),
            ));
        }
        match self.kind.as_str() {
            "Create" | "Update" => {
                let Some(Value::Object(object)) = object else {
                    return Err(InboxError::Rejected(format!(
                        "a {} must embed its object",
                        self.kind
                    )));
                };
                let object_id = object.get("id").and_then(Value::as_str).unwrap_or_default();
                let is_actor_update = object_id == self.actor.as_str();
                if !is_actor_update {
                    let author = object.get("attributedTo").and_then(first_id);
                    if author != Some(self.actor.as_str()) {
                        return Err(InboxError::Rejected(format!(
                            "the object is attributed to {}, not to the signing actor {}",
                            author.unwrap_or("nobody"),
                            self.actor
                        )));
                    }
                }
                let object_host = Url::parse(object_id).ok().map(|u| host_of(&u));
                if object_host.as_deref() != Some(actor_host.as_str()) {
                    return Err(InboxError::Rejected(
                        "the object id is missing or on another server than its actor".into(),
                    ));
                }
            }
            "Delete" => {
                let target = object
                    .and_then(object_id)
                    .and_then(|id| Url::parse(id).ok());
                if target.map(|u| host_of(&u)).as_deref() != Some(actor_host.as_str()) {
                    return Err(InboxError::Rejected(
                        "a Delete may only remove objects of its actor's server".into(),
                    ));
                }
            }
            "Follow" | "Block" => {
                let target = object.and_then(object_id).unwrap_or_default();
                let exists = match data.urls.actor_username(target) {
                    Some(name) => data.store.local_actor_by_username(name).await?.is_some(),
                    None => false,
                };
                if !exists {
                    return Err(InboxError::Rejected(format!(
                        "{target:?} is not an actor of this node"
                    )));
                }
            }
            "Move" if object.and_then(object_id) != Some(self.actor.as_str()) => {
                return Err(InboxError::Rejected(
                    "a Move may only move its own actor".into(),
                ));
            }
            "Undo" => {
                if let Some(Value::Object(inner)) = object {
                    let inner_actor = inner.get("actor").and_then(first_id);
                    if inner_actor.is_some_and(|a| a != self.actor.as_str()) {
                        return Err(InboxError::Rejected(
                            "an Undo may only undo its own actor's activities".into(),
                        ));
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// The inbox calls [`IncomingActivity::store_verified`] with the standing it read
    /// already; this is the library's way in, which reads it.
    async fn receive(self, data: &Data) -> Result<(), Self::Error> {
        let host = host_of(&self.actor);
        let standing = data
            .store
            .sender_standing(
                self.actor.as_str(),
                &host,
                &crate::quota::actor_copies_of(&host),
            )
            .await?;
        self.store_verified(data, &standing).await
    }
}
