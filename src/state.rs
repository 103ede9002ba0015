//! `AppState`: the one cheap-to-clone value every handler and worker shares. It is
//! also the `app_data` of the federation library's `Data`.

use crate::{config::Config, disk::DiskGuard, rate_limit::RateLimiter, store::Store, urls::Urls};
use std::{sync::Arc, time::Duration};
use tokio::sync::Notify;

/// New actors whose documents an inbox request makes us fetch, per host of the actor,
/// before the request's signature can be checked: at once, then per minute. A server
/// whose users follow a village all at once gets 429 with `Retry-After` beyond this and
/// delivers the rest later; someone naming made-up actors on one host gets nothing more.
pub const UNVERIFIED_FETCH_BURST: u32 = 30;
pub const UNVERIFIED_FETCHES_PER_MINUTE: u32 = 30;

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub store: Store,
    pub urls: Urls,
    /// Wakes the delivery worker when this process queued something; deliveries queued
    /// by another process (the command line) are found by polling.
    pub wake_delivery: Arc<Notify>,
    /// Wakes the inbox worker when an activity was stored.
    pub wake_inbox: Arc<Notify>,
    /// Wakes the portal worker when a village was added or answered.
    pub wake_portal: Arc<Notify>,
    /// Wakes the scheduler when a post was scheduled.
    pub wake_scheduler: Arc<Notify>,
    /// Activities accepted per remote server (after their signature checked out).
    pub inbox_limiter: Arc<RateLimiter>,
    /// Messages accepted from the website's forms per client address.
    pub form_limiter: Arc<RateLimiter>,
    /// Ticket numbers looked up on the status page per client address.
    pub lookup_limiter: Arc<RateLimiter>,
    /// Refetches of a remote actor whose signature did not verify with its stored key
    /// (it may have rotated it), per actor.
    pub key_refetch_limiter: Arc<RateLimiter>,
    /// Fetches of actors we do not know yet, made for inbox requests not yet verified,
    /// per host of the actor.
    pub unverified_fetch_limiter: Arc<RateLimiter>,
    /// Signed GETs from a server we hold deliveries for, verified per server (each may
    /// fetch the signer from that server).
    pub fetch_proof_limiter: Arc<RateLimiter>,
    /// Free space of the data directory and the SQLite database's folder.
    pub disk: Arc<DiskGuard>,
}

impl AppState {
    pub fn new(config: Config, store: Store) -> Self {
        let urls = Urls::new(config.base_url.clone());
        let inbox_limiter = Arc::new(RateLimiter::new(
            config.inbox.burst,
            config.inbox.per_minute,
        ));
        let disk = Arc::new(DiskGuard::new(
            &config.dir,
            store.database_file().as_deref(),
        ));
        Self {
            config: Arc::new(config),
            store,
            urls,
            wake_delivery: Arc::new(Notify::new()),
            wake_inbox: Arc::new(Notify::new()),
            wake_portal: Arc::new(Notify::new()),
            wake_scheduler: Arc::new(Notify::new()),
            inbox_limiter,
            // A resident writes one message, perhaps two; a script writes hundreds.
            form_limiter: Arc::new(RateLimiter::new(3, 2)),
            // A resident checks a number or two; guessing numbers takes millions of
            // tries, which this makes take years.
            lookup_limiter: Arc::new(RateLimiter::new(20, 10)),
            // Mastodon refetches a key once when a signature fails; once every few
            // minutes keeps forged signatures from making us fetch an actor at will.
            key_refetch_limiter: Arc::new(RateLimiter::one_per(Duration::from_secs(300))),
            unverified_fetch_limiter: Arc::new(RateLimiter::new(
                UNVERIFIED_FETCH_BURST,
                UNVERIFIED_FETCHES_PER_MINUTE,
            )),
            // One proof is enough; a few tries a minute cover a signer fetch that failed.
            fetch_proof_limiter: Arc::new(RateLimiter::new(3, 6)),
            disk,
        }
    }
}
