//! The delivery worker: claims due rows of the outgoing queue, renders each activity
//! once per batch, signs and sends one request per inbox, concurrently up to a bound,
//! and records the outcome. Retries back off for days (the window is configurable) and
//! honour `Retry-After`; a 4xx other than 400/401/408/429 ends a delivery; a server that
//! keeps failing is marked unreachable and tried rarely until it answers again.
//!
//! A 400 is retried on the same schedule, without counting against the server: it is
//! what a reverse proxy answers for a request it would not pass on (nginx's "duplicate
//! host header" was one), so it does not prove that the server behind it refused the
//! activity, and the cause (a proxy setting, a bug of ours fixed by an upgrade) is often
//! mended within the retry window. A few extra requests for an activity a server truly
//! refuses cost less than a post that never reaches a village's followers.
//!
//! Signatures: a server we have not delivered to yet gets RFC 9421 first and, when it
//! answers 400 or 401, the same activity signed draft-cavage at once (the "double
//! knock", as Fedify does); the kind that got a 2xx is kept per server
//! (`Store::remember_signature_scheme`) and sent first from then on. A server that later
//! refuses the kind it is known for gets the other one the same way. Refused both ways,
//! the answer to the kind it is known for (or, unknown, to draft-cavage) is the one
//! recorded.
//!
//! Servers that hang cannot starve the rest. `delivery.concurrency` bounds the requests
//! the worker is working on: signing, sending, and waiting for a server that answers in
//! the usual time. A request whose server has not answered after [`SLOW_AFTER`] steps
//! aside: it gives its permit back and waits among the [`WAITING_PER_PERMIT`] ×
//! concurrency requests allowed to wait for slow servers (when that room is full it
//! keeps its permit, as before). And one server has at most
//! [`PER_SERVER_IN_FLIGHT`] requests in flight, whatever it is owed, so a few servers
//! that never answer cannot fill that room either. A hanging request is still given its
//! whole `request_timeout` and then retried on the usual schedule.
//!
//! Nothing lives only in memory: a claim is a lease in the database, so after a crash
//! (or on another process sharing PostgreSQL) unfinished work is claimed again.

use super::signing::SigningKey;
use super::{render, signing};
use crate::{
    clock::now_ms,
    state::AppState,
    store::{
        ActivityKind, DeliveryClaim, DeliveryState, HostHealth, PER_SERVER_IN_FLIGHT,
        SignatureScheme,
    },
};
use anyhow::Context;
use bytes::Bytes;
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use url::Url;

/// How long a claim holds before another worker may take it: longer than any request.
fn lease_ms(state: &AppState) -> i64 {
    (state.config.delivery.request_timeout.as_millis() as i64) * 3 + 5_000
}

/// How often the queue is looked at when nothing woke the worker: work written by this
/// process wakes it, and work queued by another is heard of (see `run`); this is for
/// retries falling due and for a wake-up that was missed.
const POLL: Duration = Duration::from_millis(500);

/// How long a busy worker waits for a quarter of its permits before it claims more.
const GATHER: Duration = Duration::from_millis(10);

/// A request whose server has not answered after this long gives its permit to the next
/// delivery and waits among the slow ones: a fediverse server answers an inbox POST in
/// tens to hundreds of milliseconds, so this is a server that is overloaded or hangs.
const SLOW_AFTER: Duration = Duration::from_millis(500);

/// How many requests may wait for slow servers, per permit of `delivery.concurrency`:
/// waiting costs a socket and a little memory, no CPU.
const WAITING_PER_PERMIT: usize = 4;

/// A host counts as unreachable after this many failures in a row over at least a day.
const UNREACHABLE_AFTER_FAILURES: i64 = 10;
const UNREACHABLE_AFTER_MS: i64 = 24 * 3600 * 1000;
/// How often an unreachable host is tried.
const UNREACHABLE_RETRY_MS: i64 = 6 * 3600 * 1000;
/// At most this long between two attempts.
const MAX_BACKOFF_MS: i64 = 12 * 3600 * 1000;
/// The longest a failing server's other deliveries are held back by one failure.
const MAX_CIRCUIT_PAUSE_MS: i64 = 3600 * 1000;
/// A `Retry-After` longer than this is taken as this.
const MAX_RETRY_AFTER_MS: i64 = 24 * 3600 * 1000;

/// The wait before attempt `attempts + 1`: 30 s, 1 min, 2 min, ... doubling to 12 h.
pub fn backoff_ms(attempts: i64) -> i64 {
    let exponent = attempts.clamp(0, 20) as u32;
    (30_000i64.saturating_mul(1i64 << exponent)).min(MAX_BACKOFF_MS)
}

/// `Retry-After` as seconds or an HTTP date, in milliseconds from now.
pub fn retry_after_ms(value: &str, now: std::time::SystemTime) -> Option<i64> {
    if let Ok(seconds) = value.trim().parse::<i64>() {
        return Some(seconds.clamp(0, i64::MAX / 1000) * 1000);
    }
    let date = httpdate::parse_http_date(value.trim()).ok()?;
    Some(
        date.duration_since(now)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0),
    )
}

/// What became of one attempt.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Delivered(u16),
    /// Refused for good (a 4xx other than 401, 408, 429).
    Rejected(u16),
    /// We will not send there (an address we do not deliver to).
    Refused(String),
    /// Try again, not before `retry_after_ms` when the server said so.
    Retry {
        status: Option<u16>,
        retry_after_ms: Option<i64>,
        reason: String,
    },
    /// Try again on the usual schedule, but the server answered, so it is not failing:
    /// a 400 that may have come from a proxy in front of it.
    Doubtful {
        status: u16,
        reason: String,
    },
}

pub fn classify(status: u16, retry_after: Option<i64>) -> Outcome {
    match status {
        200..=299 => Outcome::Delivered(status),
        400 => Outcome::Doubtful {
            status,
            reason: format!("HTTP {status}"),
        },
        401 | 408 | 429 => Outcome::Retry {
            status: Some(status),
            retry_after_ms: retry_after,
            reason: format!("HTTP {status}"),
        },
        402..=499 => Outcome::Rejected(status),
        _ => Outcome::Retry {
            status: Some(status),
            retry_after_ms: retry_after,
            reason: format!("HTTP {status}"),
        },
    }
}

/// At most this much of a refusal's body is read, for the operator's log.
const REFUSAL_BODY_BYTES: usize = 2048;

/// What a refusing server said, in one line for the delivery's `last_error`: who
/// answered (the `Server` header tells a proxy from the fediverse server behind it) and
/// the start of a plain-text or JSON body (an HTML error page says nothing more).
async fn refusal_detail(response: reqwest::Response) -> String {
    let server = response
        .headers()
        .get("server")
        .and_then(|v| v.to_str().ok())
        .map(|s| format!(" from {}", s.chars().take(60).collect::<String>()))
        .unwrap_or_default();
    let textual = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/plain") || t.contains("json"));
    let mut body = Vec::new();
    if textual {
        use futures::StreamExt;
        let mut chunks = response.bytes_stream();
        while let Some(Ok(chunk)) = chunks.next().await {
            body.extend_from_slice(&chunk);
            if body.len() >= REFUSAL_BODY_BYTES {
                break;
            }
        }
    }
    let said: String = String::from_utf8_lossy(&body)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .filter(|c| !c.is_control())
        .take(160)
        .collect();
    if said.is_empty() {
        server
    } else {
        format!("{server}: {said}")
    }
}

/// An activity ready to send: its body and who signs it.
struct Prepared {
    body: Bytes,
    actor_id: Url,
    key: SigningKey,
}

pub struct DeliveryWorker {
    state: AppState,
    client: reqwest::Client,
    permits: Arc<Semaphore>,
    /// Places for requests that stepped aside to wait for a slow server.
    waiting_room: Arc<Semaphore>,
    /// One signature at a time per core (see [`Hold::signers`]).
    signers: Arc<Semaphore>,
    in_flight: InFlight,
    keys: HashMap<i64, SigningKey>,
}

impl DeliveryWorker {
    pub fn new(state: AppState) -> anyhow::Result<Self> {
        let client = super::http_client(&state)?;
        let concurrency = state.config.delivery.concurrency;
        Ok(Self {
            state,
            client,
            permits: Arc::new(Semaphore::new(concurrency)),
            waiting_room: Arc::new(Semaphore::new(concurrency * WAITING_PER_PERMIT)),
            signers: Arc::new(Semaphore::new(
                std::thread::available_parallelism().map_or(1, |cores| cores.get()),
            )),
            in_flight: InFlight::default(),
            keys: HashMap::new(),
        })
    }

    /// Runs until the process ends.
    pub async fn run(self) {
        // Work queued by another process is heard of at once: on PostgreSQL through
        // LISTEN (every process sharing the database), on SQLite through the data
        // directory's wake socket (`hosting::wake`, which the command line calls).
        let wake = self.state.wake_delivery.clone();
        let store = self.state.store.clone();
        let hear_other_processes = async move {
            let mut queued = match store.listen_for_deliveries().await {
                Ok(Some(queued)) => queued,
                Ok(None) => return std::future::pending().await,
                Err(err) => {
                    tracing::warn!(error = %format!("{err:#}"), "cannot listen for deliveries; work queued by other processes is found by polling");
                    return std::future::pending().await;
                }
            };
            // The listener reconnects by itself (and says so, which wakes the worker):
            // an error here means it is gone, and polling is all that is left.
            loop {
                match queued.next().await {
                    Ok(()) => wake.notify_one(),
                    Err(err) => {
                        tracing::warn!(error = %format!("{err:#}"), "stopped listening for deliveries; work queued by other processes is found by polling");
                        return std::future::pending().await;
                    }
                }
            }
        };
        tokio::join!(self.work(), hear_other_processes);
    }

    async fn work(mut self) {
        loop {
            match self.dispatch_due().await {
                Ok(0) => {
                    let wake = self.state.wake_delivery.clone();
                    let _ = tokio::time::timeout(POLL, wake.notified()).await;
                }
                Ok(_) => {}
                Err(err) => {
                    tracing::error!(error = %format!("{err:#}"), "delivery worker cannot read the queue");
                    tokio::time::sleep(POLL).await;
                }
            }
        }
    }

    /// Claims as many due deliveries as there are free permits and starts them.
    /// Returns how many were started.
    async fn dispatch_due(&mut self) -> anyhow::Result<usize> {
        let batch = (self.state.config.delivery.concurrency / 4).max(1);
        if self.permits.available_permits() < batch {
            // Let a few more requests finish, so that one claim brings several rows
            // rather than one claim (a write) per finished request.
            let _ = tokio::time::timeout(GATHER, self.permits.acquire_many(batch as u32)).await;
        }
        let free = self.permits.available_permits();
        if free == 0 {
            // Wait for one request to finish rather than spin.
            let permit = self
                .permits
                .clone()
                .acquire_owned()
                .await
                .context("permits closed")?;
            drop(permit);
            return Ok(1);
        }
        let now = now_ms();
        let claims = self
            .state
            .store
            .claim_deliveries(now, now + lease_ms(&self.state), free as i64)
            .await?;
        let started = claims.len();
        let mut prepared: HashMap<i64, Arc<Prepared>> = HashMap::new();
        for claim in claims {
            let item = match prepared.get(&claim.activity_id) {
                Some(item) => Some(item.clone()),
                None => match self.prepare(claim.activity_id).await {
                    Ok(item) => {
                        let item = Arc::new(item);
                        prepared.insert(claim.activity_id, item.clone());
                        Some(item)
                    }
                    Err(Unpreparable::Permanently(reason)) => {
                        tracing::error!(error = %reason, activity = claim.activity_id, "an activity cannot be sent");
                        self.state
                            .store
                            .finish_delivery(
                                claim.id,
                                claim.locked_until,
                                DeliveryState::Failed,
                                None,
                                Some(&reason),
                                now_ms(),
                            )
                            .await?;
                        None
                    }
                    Err(Unpreparable::ForNow(err)) => {
                        // The database hiccupped: try again soon, lose nothing.
                        let reason = format!("{err:#}");
                        tracing::warn!(error = %reason, activity = claim.activity_id, "cannot prepare an activity yet");
                        let retry_at = now_ms() + 30_000;
                        let _ = self
                            .state
                            .store
                            .reschedule_delivery(
                                claim.id,
                                claim.locked_until,
                                retry_at,
                                None,
                                &reason,
                            )
                            .await;
                        None
                    }
                },
            };
            let Some(item) = item else { continue };
            let Some(turn) = self.in_flight.take_turn(&claim.host) else {
                // The claim took more of this server's rows at once than it may have in
                // flight: the spare ones wait for its next free turn.
                self.state
                    .store
                    .hand_back_delivery(claim.id, claim.locked_until)
                    .await?;
                continue;
            };
            let permit = self
                .permits
                .clone()
                .acquire_owned()
                .await
                .context("permits closed")?;
            let mut hold = Hold {
                permit: Some(permit),
                place: None,
                waiting_room: self.waiting_room.clone(),
                signers: self.signers.clone(),
            };
            let state = self.state.clone();
            let client = self.client.clone();
            tokio::spawn(async move {
                deliver(&state, &client, &claim, &item, &mut hold).await;
                drop(hold);
                drop(turn);
            });
        }
        Ok(started)
    }

    async fn prepare(&mut self, activity_id: i64) -> Result<Prepared, Unpreparable> {
        use Unpreparable::{ForNow, Permanently};
        let store = &self.state.store;
        let activity = store
            .activity_by_id(activity_id)
            .await
            .map_err(ForNow)?
            .ok_or_else(|| Permanently("the activity is gone".into()))?;
        let actor = store
            .actor_by_id(activity.actor_id)
            .await
            .map_err(ForNow)?
            .ok_or_else(|| Permanently("the activity's actor is gone".into()))?;
        let post = match activity.post_id {
            Some(id) => store.post_by_id(id).await.map_err(ForNow)?,
            None => None,
        };
        let json = if activity.kind == ActivityKind::Undo {
            // The Undo embeds the activity it takes back (our Follow of a village).
            let undone_id = activity.object_json.as_deref().unwrap_or_default();
            let undone = store
                .activity_by_public_id(undone_id)
                .await
                .map_err(ForNow)?
                .ok_or_else(|| Permanently("the activity to undo is gone".into()))?;
            let undone_json = render::activity(&undone, None, &actor, &self.state.urls)
                .map_err(|err| Permanently(format!("{err:#}")))?;
            render::undo(&activity, undone_json, &actor, &self.state.urls)
        } else if let Some(answer_id) = render::answer_of(&activity) {
            // An answer to a resident, rendered now from the ticket it answers.
            let (reply, ticket) = store
                .answer_with_ticket(answer_id)
                .await
                .map_err(ForNow)?
                .ok_or_else(|| Permanently("the answer is gone".into()))?;
            render::answer_activity(&activity, &reply, &ticket, &actor, &self.state.urls)
                .map_err(|err| Permanently(format!("{err:#}")))?
        } else {
            render::activity(&activity, post.as_ref(), &actor, &self.state.urls)
                .map_err(|err| Permanently(format!("{err:#}")))?
        };
        let key = match self.keys.get(&actor.id) {
            Some(key) => key.clone(),
            None => {
                let pem = actor
                    .private_key_pem
                    .clone()
                    .ok_or_else(|| Permanently("the actor has no private key".into()))?;
                let key = tokio::task::spawn_blocking(move || SigningKey::from_pkcs8_pem(&pem))
                    .await
                    .map_err(|err| ForNow(err.into()))?
                    .map_err(|err| Permanently(format!("{err:#}")))?;
                self.keys.insert(actor.id, key.clone());
                key
            }
        };
        let body = serde_json::to_vec(&json).map_err(|err| Permanently(err.to_string()))?;
        let actor_id = Url::parse(&actor.ap_id).map_err(|err| Permanently(err.to_string()))?;
        Ok(Prepared {
            body: Bytes::from(body),
            actor_id,
            key,
        })
    }
}

/// The requests this worker has in flight, by server.
#[derive(Clone, Default)]
struct InFlight(Arc<Mutex<HashMap<String, usize>>>);

impl InFlight {
    /// A turn to send to `host`, unless it has [`PER_SERVER_IN_FLIGHT`] requests in
    /// flight already.
    fn take_turn(&self, host: &str) -> Option<ServerTurn> {
        let mut counts = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let count = counts.entry(host.to_string()).or_default();
        if *count >= PER_SERVER_IN_FLIGHT {
            return None;
        }
        *count += 1;
        Some(ServerTurn {
            in_flight: self.clone(),
            host: host.to_string(),
        })
    }
}

/// One request's turn at its server, given back when dropped.
struct ServerTurn {
    in_flight: InFlight,
    host: String,
}

impl Drop for ServerTurn {
    fn drop(&mut self) {
        let mut counts = self
            .in_flight
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(count) = counts.get_mut(&self.host) {
            *count -= 1;
            if *count == 0 {
                counts.remove(&self.host);
            }
        }
    }
}

/// What a delivery holds of the worker's capacity: a permit while it works, or, once its
/// server has kept it waiting past [`SLOW_AFTER`], a place in the waiting room.
struct Hold {
    permit: Option<OwnedSemaphorePermit>,
    place: Option<OwnedSemaphorePermit>,
    waiting_room: Arc<Semaphore>,
    /// Signing is CPU work: as many at once as there are cores. Sixty-four signatures
    /// started together would share the cores and all end together, so the first
    /// request of a fan-out would leave only when the sixty-fourth is signed.
    signers: Arc<Semaphore>,
}

impl Hold {
    /// Waits for `answer`; if it is slow, gives the permit back for a place in the
    /// waiting room as soon as one is free, and goes on waiting there.
    async fn wait_for<F: std::future::Future>(&mut self, answer: F) -> F::Output {
        tokio::pin!(answer);
        if self.permit.is_none() {
            return answer.await;
        }
        tokio::select! {
            biased;
            done = &mut answer => return done,
            _ = tokio::time::sleep(SLOW_AFTER) => {}
        }
        tokio::select! {
            biased;
            done = &mut answer => done,
            place = self.waiting_room.clone().acquire_owned() => {
                if let Ok(place) = place {
                    self.place = Some(place);
                    self.permit = None;
                }
                answer.await
            }
        }
    }
}

/// Why an activity could not be made ready to send.
enum Unpreparable {
    /// It never will be (the activity or its actor is gone): end its deliveries.
    Permanently(String),
    /// The database failed: retry soon.
    ForNow(anyhow::Error),
}

async fn attempt(
    state: &AppState,
    client: &reqwest::Client,
    claim: &DeliveryClaim,
    item: &Prepared,
    hold: &mut Hold,
) -> Outcome {
    let inbox = match Url::parse(&claim.inbox_url) {
        Ok(inbox) => inbox,
        Err(err) => return Outcome::Refused(format!("bad inbox URL: {err}")),
    };
    if let Err(reason) = super::check_remote_url(&inbox, &state.config) {
        return Outcome::Refused(reason);
    }
    let known = match state.store.signature_scheme(&claim.host).await {
        Ok(known) => known,
        Err(err) => {
            tracing::warn!(error = %format!("{err:#}"), "cannot read which signature a server accepts; trying RFC 9421 first");
            None
        }
    };
    let first = known.unwrap_or(SignatureScheme::Rfc9421);
    let mut scheme = first;
    let mut response = match knock(client, &inbox, item, scheme, hold).await {
        Ok(response) => response,
        Err(outcome) => return outcome,
    };
    if matches!(response.status().as_u16(), 400 | 401) {
        // The double knock: the server may not read this kind of signature.
        scheme = match first {
            SignatureScheme::Rfc9421 => SignatureScheme::Cavage,
            SignatureScheme::Cavage => SignatureScheme::Rfc9421,
        };
        tracing::debug!(status = response.status().as_u16(), first = %first, then = %scheme, "refused; knocking again with the other signature");
        let second = match knock(client, &inbox, item, scheme, hold).await {
            Ok(response) => response,
            Err(outcome) => return outcome,
        };
        // Refused both ways: what counts is the answer to the kind the server is known
        // to read, or, for a server we do not know, to draft-cavage (which every server
        // read before RFC 9421): a 400 from its proxy stays a 400.
        if !matches!(second.status().as_u16(), 400 | 401) || known.is_none() {
            response = second;
        } else {
            scheme = first;
        }
    }
    if response.status().is_success()
        && known != Some(scheme)
        && let Err(err) = state
            .store
            .remember_signature_scheme(&claim.host, scheme, now_ms())
            .await
    {
        // Only costs a second knock next time.
        tracing::warn!(error = %format!("{err:#}"), "cannot remember which signature a server accepts");
    }
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| retry_after_ms(v, std::time::SystemTime::now()));
    match classify(response.status().as_u16(), retry_after) {
        Outcome::Doubtful { status, reason } => Outcome::Doubtful {
            status,
            reason: format!("{reason}{}", refusal_detail(response).await),
        },
        Outcome::Rejected(status) => {
            let detail = refusal_detail(response).await;
            tracing::info!(status, %detail, "the server refused the activity");
            Outcome::Rejected(status)
        }
        other => other,
    }
}

/// Signs `item` for `inbox` with `scheme` and sends it: the response, or what to record
/// when there is none.
async fn knock(
    client: &reqwest::Client,
    inbox: &Url,
    item: &Prepared,
    scheme: SignatureScheme,
    hold: &mut Hold,
) -> Result<reqwest::Response, Outcome> {
    let (body, actor_id, key) = (item.body.clone(), &item.actor_id, item.key.clone());
    let signer = hold.signers.acquire().await;
    let request = match scheme {
        SignatureScheme::Cavage => signing::signed_post(client, inbox, body, actor_id, key)
            .await
            .map_err(|err| err.to_string()),
        SignatureScheme::Rfc9421 => {
            signing::signed_post_rfc9421(client, inbox, body, actor_id, key)
                .await
                .map_err(|err| format!("{err:#}"))
        }
    };
    drop(signer);
    let request = request.map_err(|err| Outcome::Retry {
        status: None,
        retry_after_ms: None,
        reason: format!("signing failed: {err}"),
    })?;
    hold.wait_for(client.execute(request))
        .await
        .map_err(|err| Outcome::Retry {
            status: None,
            retry_after_ms: None,
            reason: if err.is_timeout() {
                "timed out".into()
            } else {
                format!("request failed: {err}")
            },
        })
}

#[tracing::instrument(skip_all, fields(inbox = %claim.inbox_url, activity = claim.activity_id, attempt = claim.attempts + 1))]
async fn deliver(
    state: &AppState,
    client: &reqwest::Client,
    claim: &DeliveryClaim,
    item: &Prepared,
    hold: &mut Hold,
) {
    let outcome = attempt(state, client, claim, item, hold).await;
    if let Err(err) = record(state, claim, outcome).await {
        tracing::error!(error = %format!("{err:#}"), "cannot record a delivery outcome; its lease will expire and it will be retried");
    }
}

async fn record(state: &AppState, claim: &DeliveryClaim, outcome: Outcome) -> anyhow::Result<()> {
    let store = &state.store;
    let now = now_ms();
    let lease = claim.locked_until;
    match outcome {
        Outcome::Delivered(status) => {
            tracing::debug!(status, "delivered");
            store
                .finish_answered_delivery(claim, DeliveryState::Delivered, status.into(), None, now)
                .await?;
        }
        Outcome::Rejected(status) => {
            tracing::info!(status, "the server refused the activity; not retrying");
            let reason = format!("refused with HTTP {status}");
            // The server answered: it is reachable.
            store
                .finish_answered_delivery(
                    claim,
                    DeliveryState::Failed,
                    status.into(),
                    Some(&reason),
                    now,
                )
                .await?;
        }
        Outcome::Doubtful { status, reason } => {
            // The server (or its proxy) answered: it is up, and other deliveries to it go
            // on. This one waits its turn as any retry does.
            store.record_host_success(&claim.host, now).await?;
            let next = now + backoff_ms(claim.attempts);
            retry_or_give_up(state, claim, next, Some(status.into()), &reason).await?;
        }
        Outcome::Refused(reason) => {
            tracing::warn!(%reason, "not delivering to this address");
            store
                .finish_delivery(
                    claim.id,
                    lease,
                    DeliveryState::Failed,
                    None,
                    Some(&reason),
                    now,
                )
                .await?;
        }
        Outcome::Retry {
            status,
            retry_after_ms,
            reason,
        } => {
            let health: HostHealth = store
                .record_host_failure(
                    &claim.host,
                    now,
                    UNREACHABLE_AFTER_FAILURES,
                    UNREACHABLE_AFTER_MS,
                )
                .await?;
            let mut wait = backoff_ms(claim.attempts);
            // What the server asked for, or what an unreachable server gets, holds every
            // delivery to it, not only this one.
            let mut hold = None;
            if let Some(asked) = retry_after_ms {
                let asked = asked.min(MAX_RETRY_AFTER_MS);
                wait = wait.max(asked);
                hold = Some(asked);
            }
            if health.unreachable {
                wait = wait.max(UNREACHABLE_RETRY_MS);
                hold = Some(hold.unwrap_or(0).max(UNREACHABLE_RETRY_MS));
            }
            // A circuit breaker: after a failure, other deliveries to the same server
            // wait too (30 s, then longer), so that servers that hang cannot take every
            // request slot for every new post.
            let pause = backoff_ms(health.consecutive_failures - 1).min(MAX_CIRCUIT_PAUSE_MS);
            hold = Some(hold.unwrap_or(0).max(pause));
            if let Some(hold) = hold {
                store.hold_host(&claim.host, now + hold).await?;
            }
            retry_or_give_up(state, claim, now + wait, status.map(i64::from), &reason).await?;
        }
    }
    Ok(())
}

/// Schedules the delivery's next attempt at `next`, or ends it when that falls after
/// its retry window.
async fn retry_or_give_up(
    state: &AppState,
    claim: &DeliveryClaim,
    next: i64,
    status: Option<i64>,
    reason: &str,
) -> anyhow::Result<()> {
    let store = &state.store;
    let deadline = claim.created_at + state.config.delivery.retry_window.as_millis() as i64;
    if next > deadline {
        tracing::warn!(%reason, "giving up a delivery after its retry window");
        let reason = format!("gave up: {reason}");
        store
            .finish_delivery(
                claim.id,
                claim.locked_until,
                DeliveryState::Failed,
                status,
                Some(&reason),
                now_ms(),
            )
            .await
    } else {
        tracing::info!(%reason, wait_ms = next - now_ms(), "delivery failed; will retry");
        store
            .reschedule_delivery(claim.id, claim.locked_until, next, status, reason)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff_ms(0), 30_000);
        assert_eq!(backoff_ms(1), 60_000);
        assert!(backoff_ms(5) > backoff_ms(4));
        assert_eq!(backoff_ms(40), MAX_BACKOFF_MS);
    }

    #[test]
    fn client_errors_end_a_delivery_except_400_401_408_429() {
        assert_eq!(classify(202, None), Outcome::Delivered(202));
        assert!(matches!(
            classify(400, None),
            Outcome::Doubtful { status: 400, .. }
        ));
        assert_eq!(classify(404, None), Outcome::Rejected(404));
        assert_eq!(classify(410, None), Outcome::Rejected(410));
        for status in [401, 408, 429, 500, 503] {
            assert!(
                matches!(classify(status, None), Outcome::Retry { .. }),
                "{status}"
            );
        }
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now = std::time::SystemTime::now();
        assert_eq!(retry_after_ms("120", now), Some(120_000));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(3600));
        let parsed = retry_after_ms(&later, now).unwrap_or_default();
        assert!((3_598_000..=3_600_000).contains(&parsed), "{parsed}");
        assert_eq!(retry_after_ms("soon", now), None);
    }

    #[test]
    fn three_days_of_retries_fit_in_the_default_window() {
        // The default window is 96 h; the schedule must keep trying for at least 72 h.
        let mut elapsed = 0;
        let mut attempts = 0;
        while elapsed + backoff_ms(attempts) <= 96 * 3600 * 1000 {
            elapsed += backoff_ms(attempts);
            attempts += 1;
        }
        assert!(elapsed >= 72 * 3600 * 1000, "only {elapsed} ms of retries");
        assert!(attempts >= 10);
    }
}
