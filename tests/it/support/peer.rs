//! A small fediverse server for tests, on its own loopback port (`localhost:PORT`, or
//! in production shape a name behind the test nginx, over HTTPS and HTTP/2):
//! it serves actors that share one key pair (which a test may rotate), sends signed
//! activities with Kentongan's signer, and records every POST to its inboxes after
//! verifying the HTTP signature independently (fetching the signer's key with a signed
//! GET, checking Digest and signature). It records every fetch of its actors too, with
//! whether the GET was signed and verified; in production shape it answers unsigned
//! fetches 401, as GoToSocial does. It reads draft-cavage signatures only, as Mastodon
//! before 4.5 and GoToSocial do: a POST signed with RFC 9421 is answered 401 and only
//! counted ([`Peer::refused_rfc9421`]), so a Kentongan node must knock again.
//! Its WebFinger publishes where a follow starts, as servers do: see [`webfinger`].

use super::Shape;
use axum::{
    Json, Router,
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use base64::{Engine, engine::general_purpose::STANDARD as BASE64};
use rsa::{Pkcs1v15Sign, RsaPrivateKey, RsaPublicKey, pkcs8::DecodePublicKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::{
    collections::BTreeMap,
    sync::{
        Arc, LazyLock, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};
use url::Url;

/// One RSA key pair for every peer actor: generating keys is slow.
static KEYS: LazyLock<(RsaPrivateKey, String)> = LazyLock::new(|| {
    let pair = activitypub_federation::http_signatures::generate_actor_keypair().expect("keypair");
    let private =
        kentongan::federation::signing::parse_private_key(&pair.private_key).expect("key");
    (private, pair.public_key)
});

/// What the peer does when an activity arrives.
#[derive(Clone, Debug)]
pub enum Behaviour {
    Answer(u16),
    /// Answer after a delay.
    Slow(Duration),
    /// Accept the connection and never answer.
    Hang,
}

#[derive(Clone, Debug)]
pub struct Received {
    pub path: String,
    pub activity: Value,
    pub signature_verified: bool,
}

/// A GET of one of the peer's actors.
#[derive(Clone, Debug)]
pub struct Fetch {
    pub path: String,
    pub signed: bool,
    pub signature_verified: bool,
}

/// The key pair the peer's actors publish and sign with.
#[derive(Clone)]
struct Keys {
    private: RsaPrivateKey,
    public_pem: String,
}

#[derive(Clone)]
struct Shared {
    base: String,
    keys: Arc<Mutex<Keys>>,
    shared_inbox: bool,
    require_signed_fetch: bool,
    received: Arc<Mutex<Vec<Received>>>,
    fetches: Arc<Mutex<Vec<Fetch>>>,
    behaviour: Arc<Mutex<Behaviour>>,
    refused_rfc9421: Arc<AtomicUsize>,
    notes: Arc<Mutex<BTreeMap<String, Value>>>,
}

pub struct Peer {
    pub base: String,
    keys: Arc<Mutex<Keys>>,
    received: Arc<Mutex<Vec<Received>>>,
    fetches: Arc<Mutex<Vec<Fetch>>>,
    behaviour: Arc<Mutex<Behaviour>>,
    refused_rfc9421: Arc<AtomicUsize>,
    notes: Arc<Mutex<BTreeMap<String, Value>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Peer {
    pub async fn start(shared_inbox: bool) -> Self {
        Self::start_in(Shape::Loopback, shared_inbox).await
    }

    /// A peer reached as `shape` says.
    pub async fn start_in(shape: Shape, shared_inbox: bool) -> Self {
        Self::start_inner(shape, shared_inbox, KEYS.1.clone()).await
    }

    /// The peer's actors get a new key pair from now on (published and signed with), as
    /// a server does when it rotates its keys.
    pub fn rotate_key(&self) {
        let pair =
            activitypub_federation::http_signatures::generate_actor_keypair().expect("keypair");
        let private =
            kentongan::federation::signing::parse_private_key(&pair.private_key).expect("key");
        *self.keys.lock().expect("lock") = Keys {
            private,
            public_pem: pair.public_key,
        };
    }

    /// Every GET of the peer's actors so far.
    pub fn fetches(&self) -> Vec<Fetch> {
        self.fetches.lock().expect("lock").clone()
    }

    /// A peer whose actors publish another key pair's public key.
    pub async fn start_with_other_key(
        shared_inbox: bool,
        keys: activitypub_federation::http_signatures::Keypair,
    ) -> Self {
        Self::start_inner(Shape::Loopback, shared_inbox, keys.public_key).await
    }

    async fn start_inner(shape: Shape, shared_inbox: bool, public_pem: String) -> Self {
        let (listener, port) = super::loopback_listener().await;
        let (_, base) = super::address(shape, "peer", port);
        let shared = Shared {
            base: base.clone(),
            keys: Arc::new(Mutex::new(Keys {
                private: KEYS.0.clone(),
                public_pem,
            })),
            shared_inbox,
            require_signed_fetch: shape == Shape::Production,
            received: Arc::default(),
            fetches: Arc::default(),
            behaviour: Arc::new(Mutex::new(Behaviour::Answer(202))),
            refused_rfc9421: Arc::default(),
            notes: Arc::default(),
        };
        let router = Router::new()
            .route("/users/{name}", get(actor))
            .route("/users/{name}/inbox", post(inbox))
            .route("/inbox", post(inbox_shared))
            .route("/.well-known/webfinger", get(webfinger))
            .route("/notes/{id}", get(note))
            .with_state(shared.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Self {
            base,
            keys: shared.keys,
            received: shared.received,
            fetches: shared.fetches,
            behaviour: shared.behaviour,
            refused_rfc9421: shared.refused_rfc9421,
            notes: shared.notes,
            task,
        }
    }

    pub fn actor_id(&self, name: &str) -> String {
        format!("{}/users/{name}", self.base)
    }

    /// How many POSTs signed with RFC 9421 the peer refused.
    pub fn refused_rfc9421(&self) -> usize {
        self.refused_rfc9421.load(Ordering::SeqCst)
    }

    pub fn set_behaviour(&self, behaviour: Behaviour) {
        *self.behaviour.lock().expect("lock") = behaviour;
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().expect("lock").clone()
    }

    /// Activities of `kind` received so far.
    pub fn received_of(&self, kind: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| r.activity["type"] == kind)
            .collect()
    }

    /// Signs and POSTs `activity` as `name` to `inbox`; returns status and body.
    pub async fn send(&self, name: &str, inbox: &str, activity: &Value) -> (u16, String) {
        let client = super::client();
        let key = self.keys.lock().expect("lock").private.clone();
        let request = kentongan::federation::signing::signed_post(
            &client,
            &Url::parse(inbox).expect("inbox URL"),
            Bytes::from(activity.to_string()),
            &Url::parse(&self.actor_id(name)).expect("actor URL"),
            key,
        )
        .await
        .expect("sign");
        let response = client.execute(request).await.expect("send");
        let status = response.status().as_u16();
        (status, response.text().await.unwrap_or_default())
    }

    /// Serves `note` (whose id is `{base}/notes/…`, as `residents::note` makes them) at
    /// its id, so that a server can fetch it.
    pub fn serve(&self, note: &Value) {
        let id = note["id"].as_str().expect("a note id").to_string();
        self.notes.lock().expect("lock").insert(id, note.clone());
    }

    /// A Follow of `target` by `name`, with a fresh id.
    pub fn follow(&self, name: &str, target: &str) -> Value {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}/activities/follow-{}-{}", self.base, name, rand_id()),
            "type": "Follow",
            "actor": self.actor_id(name),
            "object": target,
        })
    }

    pub fn stop(self) {
        self.task.abort();
    }
}

pub fn rand_id() -> String {
    use rand::Rng;
    format!("{:016x}", rand::thread_rng().r#gen::<u64>())
}

pub fn private_key() -> RsaPrivateKey {
    KEYS.0.clone()
}

async fn actor(
    State(shared): State<Shared>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Response {
    let path = format!("/users/{name}");
    let signed = headers.contains_key("signature");
    let signature_verified = signed && verify_get(&shared, &path, &headers).await;
    shared.fetches.lock().expect("lock").push(Fetch {
        path,
        signed,
        signature_verified,
    });
    if shared.require_signed_fetch && !signature_verified {
        return (StatusCode::UNAUTHORIZED, "a signed fetch is required\n").into_response();
    }
    let public_pem = shared.keys.lock().expect("lock").public_pem.clone();
    let id = format!("{}/users/{name}", shared.base);
    let mut doc = json!({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": id,
        "type": "Person",
        "preferredUsername": name,
        "name": format!("Warga {name}"),
        "inbox": format!("{id}/inbox"),
        "outbox": format!("{id}/outbox"),
        "publicKey": { "id": format!("{id}#main-key"), "owner": id, "publicKeyPem": public_pem },
    });
    if shared.shared_inbox {
        doc["endpoints"] = json!({ "sharedInbox": format!("{}/inbox", shared.base) });
    }
    if name == "evil" {
        // An actor that would have us POST to another server.
        doc["inbox"] = json!("http://localhost:1/internal");
    }
    if name == "jsurl" {
        // An actor whose profile "page" is a script, hoping to reach an admin's href.
        doc["url"] = json!("javascript:alert(document.cookie)");
    }
    ([("content-type", "application/activity+json")], Json(doc)).into_response()
}

/// `GET /notes/{id}`: a note the test put up with [`Peer::serve`], else 404.
async fn note(State(shared): State<Shared>, Path(id): Path<String>) -> Response {
    let key = format!("{}/notes/{id}", shared.base);
    let mut note = match shared.notes.lock().expect("lock").get(&key) {
        Some(note) => note.clone(),
        None => return (StatusCode::NOT_FOUND, "no such note\n").into_response(),
    };
    note["@context"] = json!("https://www.w3.org/ns/activitystreams");
    ([("content-type", "application/activity+json")], Json(note)).into_response()
}

#[derive(serde::Deserialize)]
struct WebfingerQuery {
    resource: String,
}

/// `acct:NAME@HOST`'s JRD with the links a visitor's server publishes for starting a
/// follow, by NAME: `ostatus` has only the oStatus template (as Misskey), `nolinks`
/// neither, `hostile` a `javascript:` template, `hang` never answers; every other name (the server's own
/// included) both the FEP-3b86 Follow intent and the oStatus template (as Mastodon 4.5).
async fn webfinger(
    State(shared): State<Shared>,
    axum::extract::Query(query): axum::extract::Query<WebfingerQuery>,
) -> Response {
    let Some((name, _)) = query
        .resource
        .strip_prefix("acct:")
        .and_then(|acct| acct.split_once('@'))
    else {
        return (StatusCode::BAD_REQUEST, "resource must be acct:NAME@HOST\n").into_response();
    };
    let base = &shared.base;
    let mut links = vec![json!({
        "rel": "self", "type": "application/activity+json", "href": format!("{base}/users/{name}"),
    })];
    let ostatus = |template: String| json!({ "rel": "http://ostatus.org/schema/1.0/subscribe", "template": template });
    match name {
        "hang" => std::future::pending::<()>().await,
        "nolinks" => {}
        "ostatus" => links.push(ostatus(format!("{base}/authorize-follow?acct={{uri}}"))),
        "hostile" => links.push(ostatus("javascript:alert({uri})".to_string())),
        _ => {
            links.push(ostatus(format!("{base}/authorize_interaction?uri={{uri}}")));
            links.push(json!({
                "rel": "https://w3id.org/fep/3b86/Follow",
                "href": format!("{base}/intents/follow?object={{object}}&then={{on-success}}"),
            }));
        }
    }
    (
        [("content-type", "application/jrd+json")],
        Json(json!({ "subject": query.resource, "links": links })),
    )
        .into_response()
}

async fn inbox_shared(State(shared): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    record(shared, "/inbox".into(), headers, body).await
}

async fn inbox(
    State(shared): State<Shared>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    record(shared, format!("/users/{name}/inbox"), headers, body).await
}

async fn record(shared: Shared, path: String, headers: HeaderMap, body: Bytes) -> Response {
    if headers.contains_key("signature-input") {
        shared.refused_rfc9421.fetch_add(1, Ordering::SeqCst);
        return (
            StatusCode::UNAUTHORIZED,
            "only draft-cavage HTTP signatures are read here\n",
        )
            .into_response();
    }
    let behaviour = shared.behaviour.lock().expect("lock").clone();
    let signature_verified = verify(&shared, &path, &headers, &body).await;
    let activity: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    shared.received.lock().expect("lock").push(Received {
        path,
        activity,
        signature_verified,
    });
    match behaviour {
        Behaviour::Answer(status) => StatusCode::from_u16(status)
            .unwrap_or(StatusCode::ACCEPTED)
            .into_response(),
        Behaviour::Slow(delay) => {
            tokio::time::sleep(delay).await;
            StatusCode::ACCEPTED.into_response()
        }
        Behaviour::Hang => {
            std::future::pending::<()>().await;
            StatusCode::ACCEPTED.into_response()
        }
    }
}

/// Checks Digest and the draft-cavage signature with the key fetched from `keyId`.
async fn verify(shared: &Shared, path: &str, headers: &HeaderMap, body: &[u8]) -> bool {
    let digest = format!("SHA-256={}", BASE64.encode(Sha256::digest(body)));
    if headers.get("digest").and_then(|v| v.to_str().ok()) != Some(digest.as_str()) {
        return false;
    }
    let config = http_signature_normalization::Config::new().require_digest();
    verify_signature(shared, &config, "POST", path, headers).await
}

/// Checks the signature of a GET (no body, so no Digest required).
async fn verify_get(shared: &Shared, path: &str, headers: &HeaderMap) -> bool {
    let config = http_signature_normalization::Config::new();
    verify_signature(shared, &config, "GET", path, headers).await
}

/// Verifies the draft-cavage signature of a request with the public key of its `keyId`,
/// fetched with a signed GET as a server in authorized-fetch mode does.
async fn verify_signature(
    shared: &Shared,
    config: &http_signature_normalization::Config,
    method: &str,
    path: &str,
    headers: &HeaderMap,
) -> bool {
    let map: BTreeMap<String, String> = headers
        .iter()
        .filter_map(|(k, v)| Some((k.to_string(), v.to_str().ok()?.to_string())))
        .collect();
    let Ok(unverified) = config.begin_verify(method, path, map) else {
        return false;
    };
    let key_url = unverified
        .key_id()
        .split('#')
        .next()
        .unwrap_or_default()
        .to_string();
    let Some(pem) = fetch_public_key(shared, &key_url).await else {
        return false;
    };
    let Ok(key) = RsaPublicKey::from_public_key_pem(&pem) else {
        return false;
    };
    unverified.verify(|signature, signing_string| {
        BASE64
            .decode(signature)
            .map(|sig| {
                key.verify(
                    Pkcs1v15Sign::new::<Sha256>(),
                    &Sha256::digest(signing_string.as_bytes()),
                    &sig,
                )
                .is_ok()
            })
            .unwrap_or(false)
    })
}

/// The `publicKeyPem` of the actor at `url`, fetched with a GET signed as the peer's
/// `fetcher` actor.
async fn fetch_public_key(shared: &Shared, url: &str) -> Option<String> {
    let client = super::client();
    let key = shared.keys.lock().expect("lock").private.clone();
    let fetcher = Url::parse(&format!("{}/users/fetcher", shared.base)).ok()?;
    let builder = client.get(url).header("accept", super::AP).header(
        "date",
        httpdate::fmt_http_date(std::time::SystemTime::now()),
    );
    let request = kentongan::federation::signing::sign(builder, Bytes::new(), &fetcher, key)
        .await
        .ok()?;
    let response = client.execute(request).await.ok()?;
    let actor = response.json::<Value>().await.ok()?;
    actor["publicKey"]["publicKeyPem"]
        .as_str()
        .map(str::to_string)
}
