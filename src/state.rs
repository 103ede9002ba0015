//! `AppState`: the one cheap-to-clone value every handler and worker shares. It is
//! also the `app_data` of the federation library's `Data`. With it, what an operator's
//! monitoring reads without touching the database: whether each worker still runs
//! ([`Workers`]) and how long requests take ([`RequestTimes`]).

use crate::{config::Config, disk::DiskGuard, rate_limit::RateLimiter, store::Store, urls::Urls};
use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};
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
    /// When (ms) the inbox last stored an activity: the inbox worker leaves the machine
    /// to the senders while they are sending (`federation::process`).
    pub inbox_stored_at: Arc<std::sync::atomic::AtomicI64>,
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
    /// WebFinger look-ups the follow page makes, per visitor's server: anyone can ask
    /// for one, so that no one can make us hammer a server.
    pub follow_lookup_limiter: Arc<RateLimiter>,
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
    /// The site's workers, for `/healthz`.
    pub workers: Arc<Workers>,
    /// How long requests took, for `/metrics`.
    pub request_times: Arc<RequestTimes>,
    /// The site's public pages as last rendered (`render_cache`): per site, since each
    /// site has its own database and so its own content version.
    pub render_cache: Arc<crate::render_cache::RenderCache>,
    /// Outgoing requests' client, shared with the other sites of the process whose
    /// network settings agree (`federation::HttpClients`).
    pub http: reqwest::Client,
}

impl AppState {
    pub fn new(config: Config, store: Store, http: reqwest::Client) -> Self {
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
            inbox_stored_at: Arc::new(std::sync::atomic::AtomicI64::new(0)),
            wake_portal: Arc::new(Notify::new()),
            wake_scheduler: Arc::new(Notify::new()),
            inbox_limiter,
            // A resident writes one message, perhaps two; a script writes hundreds.
            form_limiter: Arc::new(RateLimiter::new(3, 2)),
            // A resident checks a number or two; guessing numbers takes millions of
            // tries, which this makes take years.
            lookup_limiter: Arc::new(RateLimiter::new(20, 10)),
            // A village's visitors arrive in bursts after a post is shared; a server's
            // WebFinger answers hundreds a minute. Beyond this the visitor still gets
            // Mastodon's path, unasked.
            follow_lookup_limiter: Arc::new(RateLimiter::new(30, 60)),
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
            workers: Arc::default(),
            request_times: Arc::default(),
            render_cache: Arc::default(),
            http,
        }
    }
}

/// The tasks that work for a site (deliveries, received activities, …), by name. Each
/// loops until the site closes, so one that has finished has died (a panic): what
/// `/healthz` reports, at the cost of a look at a flag.
#[derive(Default)]
pub struct Workers {
    tasks: Mutex<Vec<(&'static str, tokio::task::AbortHandle)>>,
}

impl Workers {
    /// Watches `task` under `name`.
    pub fn watch(&self, name: &'static str, task: &tokio::task::JoinHandle<()>) {
        self.lock().push((name, task.abort_handle()));
    }

    /// Stops watching the workers not named in `kept` (they were stopped on purpose).
    pub fn keep_only(&self, kept: &[&str]) {
        self.lock().retain(|(name, _)| kept.contains(name));
    }

    /// Each watched worker's name and whether it still runs.
    pub fn alive(&self) -> Vec<(&'static str, bool)> {
        self.lock()
            .iter()
            .map(|(name, task)| (*name, !task.is_finished()))
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(&'static str, tokio::task::AbortHandle)>> {
        self.tasks
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The groups requests are counted in: few, so that a scrape stays small whatever the
/// paths (`web::metrics` decides a request's group).
pub const ROUTE_GROUPS: [&str; 10] = [
    "objects",
    "inbox",
    "wellknown",
    "site",
    "admin",
    "api",
    "feeds",
    "media",
    "operations",
    "other",
];
/// `1xx` to `5xx`.
pub const STATUS_CLASSES: [&str; 5] = ["1xx", "2xx", "3xx", "4xx", "5xx"];
/// The upper bounds of the latency histogram's buckets, in seconds (Prometheus's own
/// defaults).
pub const LATENCY_BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// A latency histogram per (route group, status class), in atomics: recording a request
/// is two additions, no lock.
pub struct RequestTimes {
    series: Vec<TimingCells>,
}

struct TimingCells {
    /// Requests per bucket (not cumulative), the last one for slower than every bound.
    buckets: [AtomicU64; LATENCY_BUCKETS.len() + 1],
    sum_micros: AtomicU64,
}

/// One series of the histogram as read: cumulative bucket counts (`le` each bound of
/// [`LATENCY_BUCKETS`]), the count (`+Inf`) and the sum of seconds.
#[derive(Clone, Debug, PartialEq)]
pub struct TimingSeries {
    pub group: &'static str,
    pub class: &'static str,
    pub cumulative: [u64; LATENCY_BUCKETS.len()],
    pub count: u64,
    pub sum_seconds: f64,
}

impl Default for RequestTimes {
    fn default() -> Self {
        Self {
            series: (0..ROUTE_GROUPS.len() * STATUS_CLASSES.len())
                .map(|_| TimingCells {
                    buckets: Default::default(),
                    sum_micros: AtomicU64::new(0),
                })
                .collect(),
        }
    }
}

impl RequestTimes {
    /// Counts a request of group `group` (an index of [`ROUTE_GROUPS`]; out of range is
    /// `other`) answered with `status` after `elapsed`.
    pub fn record(&self, group: usize, status: u16, elapsed: Duration) {
        let group = group.min(ROUTE_GROUPS.len() - 1);
        let class = usize::from(status / 100)
            .saturating_sub(1)
            .min(STATUS_CLASSES.len() - 1);
        let Some(cells) = self.series.get(group * STATUS_CLASSES.len() + class) else {
            return;
        };
        let seconds = elapsed.as_secs_f64();
        let bucket = LATENCY_BUCKETS
            .iter()
            .position(|bound| seconds <= *bound)
            .unwrap_or(LATENCY_BUCKETS.len());
        cells.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        cells.sum_micros.fetch_add(micros, Ordering::Relaxed);
    }

    /// Every series that has counted a request.
    pub fn series(&self) -> Vec<TimingSeries> {
        let mut out = Vec::new();
        for (index, cells) in self.series.iter().enumerate() {
            let counts: Vec<u64> = cells
                .buckets
                .iter()
                .map(|bucket| bucket.load(Ordering::Relaxed))
                .collect();
            let count: u64 = counts.iter().sum();
            if count == 0 {
                continue;
            }
            let mut cumulative = [0; LATENCY_BUCKETS.len()];
            let mut running = 0;
            for (slot, n) in cumulative.iter_mut().zip(&counts) {
                running += n;
                *slot = running;
            }
            out.push(TimingSeries {
                group: ROUTE_GROUPS[index / STATUS_CLASSES.len()],
                class: STATUS_CLASSES[index % STATUS_CLASSES.len()],
                cumulative,
                count,
                sum_seconds: cells.sum_micros.load(Ordering::Relaxed) as f64 / 1_000_000.0,
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_lands_in_its_series_and_every_bucket_above_its_time() {
        let times = RequestTimes::default();
        times.record(1, 202, Duration::from_millis(30));
        times.record(1, 202, Duration::from_secs(20));
        times.record(99, 404, Duration::from_millis(1));
        let series = times.series();
        assert_eq!(series.len(), 2);
        let inbox = &series[0];
        assert_eq!((inbox.group, inbox.class, inbox.count), ("inbox", "2xx", 2));
        // 30 ms is above 0.025 and within 0.05; 20 s is above every bound.
        assert_eq!(inbox.cumulative[2], 0);
        assert_eq!(inbox.cumulative[3], 1);
        assert_eq!(inbox.cumulative[LATENCY_BUCKETS.len() - 1], 1);
        assert!((inbox.sum_seconds - 20.03).abs() < 1e-6);
        assert_eq!((series[1].group, series[1].class), ("other", "4xx"));
    }
}
