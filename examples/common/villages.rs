//! Simulated villages for the portal benches: each its own small HTTP server on a
//! loopback port (`localhost:PORT`, so each is its own server to the portal) that answers
//! WebFinger, serves its actor (one RSA key pair shared by all: generating keys is slow)
//! and an outbox of `posts` notes on one page, and answers the portal's Follow with a
//! signed Accept, as a Kentongan village would. A village can be made silent: from then
//! on it takes every connection and never answers, as a village server that hangs.

use anyhow::{Context, Result};
use axum::{
    Router,
    body::Bytes,
    extract::{Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use kentongan::{
    clock::to_rfc3339,
    federation::signing,
    portal::registry::{self, VillageInput},
    state::AppState,
    store::FollowState,
};
use rsa::RsaPrivateKey;
use serde_json::{Value, json};
use std::{
    collections::HashMap,
    sync::{
        Arc, OnceLock,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};
use tokio::net::TcpListener;
use url::Url;

/// The key pair every simulated village uses.
pub struct Keys {
    pub private: RsaPrivateKey,
    pub public_pem: String,
}

static KEYS: OnceLock<Keys> = OnceLock::new();

pub async fn keys() -> Result<&'static Keys> {
    if let Some(keys) = KEYS.get() {
        return Ok(keys);
    }
    let pair = tokio::task::spawn_blocking(
        activitypub_federation::http_signatures::generate_actor_keypair,
    )
    .await
    .context("generating a key")?
    .map_err(|err| anyhow::anyhow!("generating a key: {err}"))?;
    let private = signing::parse_private_key(&pair.private_key)?;
    Ok(KEYS.get_or_init(|| Keys {
        private,
        public_pem: pair.public_key,
    }))
}

pub const AS_CONTEXT: &str = "https://www.w3.org/ns/activitystreams";
pub const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";
const AP_JSON: &str = "application/activity+json";

/// Shared by every simulated village.
#[derive(Default)]
pub struct SimTotals {
    pub follows: AtomicUsize,
    pub accepts_sent: AtomicUsize,
    /// Accepts the portal did not answer with 202, or that could not be sent.
    pub accepts_refused: AtomicUsize,
    /// POSTs to a village inbox that were not a Follow.
    pub other_posts: AtomicUsize,
    /// Reads of an outbox.
    pub outbox_reads: AtomicUsize,
}

/// What every simulated village of a bench shares: the key, where the portal's inbox
/// is (known once it starts), the client that sends Accepts, the totals.
#[derive(Clone)]
pub struct SimShared {
    pub keys: &'static Keys,
    pub portal_inbox: Arc<OnceLock<Url>>,
    pub client: reqwest::Client,
    pub totals: Arc<SimTotals>,
}

#[derive(Clone)]
struct Sim {
    name: String,
    base: String,
    actor: String,
    shared: SimShared,
    /// Notes in the outbox, newest first, dated an hour apart back from this.
    posts: usize,
    newest_ms: i64,
    silent: Arc<AtomicBool>,
}

pub struct SimVillage {
    pub name: String,
    pub host: String,
    pub actor: Url,
    silent: Arc<AtomicBool>,
    pub task: tokio::task::JoinHandle<()>,
}

impl SimVillage {
    /// From now on the village takes every request and never answers it.
    pub fn go_silent(&self) {
        self.silent.store(true, Ordering::SeqCst);
    }
}

/// Waits for ever while the village is silent (the portal's client gives up).
async fn answer_unless_silent(sim: &Sim) {
    if sim.silent.load(Ordering::SeqCst) {
        std::future::pending::<()>().await;
    }
}

fn activity_json(doc: Value) -> Response {
    ([("content-type", AP_JSON)], doc.to_string()).into_response()
}

async fn webfinger(
    State(sim): State<Sim>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    answer_unless_silent(&sim).await;
    let host = sim.base.trim_start_matches("http://");
    let expected = format!("acct:{}@{host}", sim.name);
    match query.get("resource") {
        Some(resource) if resource.eq_ignore_ascii_case(&expected) => (
            [("content-type", "application/jrd+json")],
            json!({
                "subject": expected,
                "links": [{ "rel": "self", "type": AP_JSON, "href": sim.actor }],
            })
            .to_string(),
        )
            .into_response(),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn actor_doc(State(sim): State<Sim>) -> Response {
    answer_unless_silent(&sim).await;
    activity_json(json!({
        "@context": [AS_CONTEXT, "https://w3id.org/security/v1"],
        "id": sim.actor,
        "type": "Organization",
        "preferredUsername": sim.name,
        "name": format!("Desa {}", sim.name),
        "url": format!("{}/", sim.base),
        "inbox": format!("{}/inbox", sim.actor),
        "outbox": format!("{}/outbox", sim.actor),
        "endpoints": { "sharedInbox": format!("{}/inbox", sim.base) },
        "publicKey": {
            "id": format!("{}#main-key", sim.actor),
            "owner": sim.actor,
            "publicKeyPem": sim.shared.keys.public_pem,
        },
    }))
}

/// The outbox: a collection whose first page holds every note, newest first.
async fn outbox(State(sim): State<Sim>) -> Response {
    answer_unless_silent(&sim).await;
    sim.shared
        .totals
        .outbox_reads
        .fetch_add(1, Ordering::SeqCst);
    let outbox = format!("{}/outbox", sim.actor);
    if sim.posts == 0 {
        return activity_json(json!({
            "@context": AS_CONTEXT,
            "id": outbox,
            "type": "OrderedCollection",
            "totalItems": 0,
            "orderedItems": [],
        }));
    }
    activity_json(json!({
        "@context": AS_CONTEXT,
        "id": outbox,
        "type": "OrderedCollection",
        "totalItems": sim.posts,
        "first": format!("{outbox}/page"),
    }))
}

async fn outbox_page(State(sim): State<Sim>) -> Response {
    answer_unless_silent(&sim).await;
    let outbox = format!("{}/outbox", sim.actor);
    let items: Vec<Value> = (0..sim.posts)
        .map(|index| {
            let id = format!("{}/posts/{index}", sim.actor);
            let published = to_rfc3339(sim.newest_ms - index as i64 * 3_600_000);
            json!({
                "id": format!("{id}/activity"),
                "type": "Create",
                "actor": sim.actor,
                "published": published,
                "to": [PUBLIC],
                "object": {
                    "id": id,
                    "type": "Note",
                    "attributedTo": sim.actor,
                    "published": published,
                    "to": [PUBLIC],
                    "name": format!("Kabar {index} dari {}", sim.name),
                    "content": format!("<p>Kabar {index} dari {}.</p>", sim.name),
                    "url": id,
                },
            })
        })
        .collect();
    activity_json(json!({
        "@context": AS_CONTEXT,
        "id": format!("{outbox}/page"),
        "type": "OrderedCollectionPage",
        "partOf": outbox,
        "orderedItems": items,
    }))
}

/// A village inbox: a Follow is answered 202 at once and then accepted with a signed
/// Accept POSTed to the portal's inbox, as a Kentongan village would.
async fn inbox(State(sim): State<Sim>, body: Bytes) -> StatusCode {
    answer_unless_silent(&sim).await;
    let activity: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let totals = sim.shared.totals.clone();
    if activity["type"] != "Follow" {
        totals.other_posts.fetch_add(1, Ordering::SeqCst);
        return StatusCode::ACCEPTED;
    }
    totals.follows.fetch_add(1, Ordering::SeqCst);
    tokio::spawn(async move {
        let accepted = send_accept(&sim, activity).await;
        let counter = if accepted.unwrap_or(false) {
            &totals.accepts_sent
        } else {
            &totals.accepts_refused
        };
        counter.fetch_add(1, Ordering::SeqCst);
    });
    StatusCode::ACCEPTED
}

async fn send_accept(sim: &Sim, follow: Value) -> Result<bool> {
    let inbox = sim
        .shared
        .portal_inbox
        .get()
        .context("the portal's inbox is not known yet")?;
    let accept = json!({
        "@context": AS_CONTEXT,
        "id": format!("{}/activities/accept-{}", sim.actor, rand::random::<u64>()),
        "type": "Accept",
        "actor": sim.actor,
        "object": follow,
    });
    let actor = Url::parse(&sim.actor).context("actor URL")?;
    let request = signing::signed_post(
        &sim.shared.client,
        inbox,
        Bytes::from(accept.to_string()),
        &actor,
        sim.shared.keys.private.clone(),
    )
    .await
    .map_err(|err| anyhow::anyhow!("signing an Accept: {err}"))?;
    let response = sim
        .shared
        .client
        .execute(request)
        .await
        .context("sending an Accept")?;
    Ok(response.status() == StatusCode::ACCEPTED)
}

/// Starts village `index` (`desa000`, …) with `posts` notes in its outbox, the newest
/// dated `newest_ms`.
pub async fn start_village(
    index: usize,
    shared: SimShared,
    posts: usize,
    newest_ms: i64,
) -> Result<SimVillage> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .context("binding a simulated village")?;
    let port = listener.local_addr().context("village address")?.port();
    let host = format!("localhost:{port}");
    let name = format!("desa{index:03}");
    let base = format!("http://{host}");
    let actor = format!("{base}/users/{name}");
    let silent = Arc::new(AtomicBool::new(false));
    let sim = Sim {
        name: name.clone(),
        base,
        actor: actor.clone(),
        shared,
        posts,
        newest_ms,
        silent: silent.clone(),
    };
    let user = format!("/users/{name}");
    let router = Router::new()
        .route("/.well-known/webfinger", get(webfinger))
        .route(&user, get(actor_doc))
        .route(&format!("{user}/outbox"), get(outbox))
        .route(&format!("{user}/outbox/page"), get(outbox_page))
        .route(&format!("{user}/inbox"), post(inbox))
        .route("/inbox", post(inbox))
        .with_state(sim);
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Ok(SimVillage {
        name,
        host,
        actor: Url::parse(&actor).context("actor URL")?,
        silent,
        task,
    })
}

/// The name the portal knows village `index` by.
pub fn portal_name(index: usize) -> String {
    format!("Desa Uji {index:03}")
}

/// Registers every village with the portal by its handle, as an operator would, and waits
/// (until `deadline`) for the portal's own worker to have looked each up by WebFinger,
/// followed it, had its Accept and read its outbox.
pub async fn register_all(
    state: &AppState,
    villages: &[SimVillage],
    deadline: Instant,
) -> Result<()> {
    for (index, village) in villages.iter().enumerate() {
        registry::add(
            &state.store,
            &VillageInput {
                name: portal_name(index),
                source: format!("{}@{}", village.name, village.host),
                district: format!("Kecamatan {:02}", index % 5 + 1),
                code: String::new(),
            },
        )
        .await?;
    }
    state.wake_portal.notify_one();
    let store = &state.store;
    super::wait_until(
        "every village followed, accepted and its outbox read",
        deadline,
        Duration::from_millis(50),
        || async move {
            let done = store
                .villages()
                .await?
                .iter()
                .filter(|v| v.follow_state == FollowState::Accepted && v.backfilled_at.is_some())
                .count();
            Ok(done >= villages.len())
        },
    )
    .await
}
