//! Portal ingest benchmark: how fast a portal's shared inbox takes signed `Create`
//! activities from M villages (HTTP POST → Digest and signature verification → stored
//! in `inbox` → 202), and how fast its inbox worker turns them into `village_posts`.
//! Next to it, the ceiling of HTTP-signature verification on one core of this machine.
//!
//! ```text
//! cargo run --release --example bench_ingest -- [--villages 50] [--activities 5000] \
//!     [--concurrency 32] [--backend sqlite|postgres]
//! ```
//!
//! Everything runs in this process on loopback. Each simulated village is its own small
//! HTTP server (`localhost:PORT`, so each is its own host to the portal) that answers
//! WebFinger, serves its actor (one RSA key pair shared by all villages: generating keys
//! is slow) and an empty outbox, and answers the portal's Follow with a signed Accept
//! (`common::villages`).
//! The villages are registered through the real flow, not written into the database:
//! `portal::registry::add` with the handle `desaN@localhost:PORT`, then the portal's own
//! worker looks each up by WebFinger, sends its Follow, receives the Accept and reads the
//! outbox. Only then does the measured phase start.
//!
//! The N activities are signed with `federation::signing::signed_post` BEFORE the measured
//! phase (about 1 ms of RSA per request would otherwise limit the client, not the portal;
//! the signatures stay valid for an hour), then POSTed by C concurrent clients. The
//! HTTP client shares this process and its 2 cores with the portal.
//!
//! `--backend postgres` takes its server from `TEST_POSTGRES_URL` and creates (then
//! drops) a fresh database. This is a command that prints Markdown tables, not a test:
//! nothing here fails on a slow figure, only on a broken scenario.

mod common;

use anyhow::{Context, Result, bail};
use axum::{body::Bytes, http::StatusCode};
use base64::{Engine, engine::general_purpose::STANDARD as BASE64};
use clap::Parser;
use futures::{StreamExt, stream};
use kentongan::{
    clock::{now_ms, to_rfc3339},
    config::Role,
    federation::signing,
};
use rsa::{Pkcs1v15Sign, RsaPublicKey, pkcs8::DecodePublicKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::{
    collections::BTreeMap,
    fmt::Write as _,
    sync::{Arc, LazyLock, OnceLock, atomic::Ordering},
    time::{Duration, Instant},
};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::{
    Layer, layer::Context as LayerContext, layer::SubscriberExt, util::SubscriberInitExt,
};
use url::Url;

use common::{
    BackendArg, BenchNode, LogCounts, NodeDir, Raw, load_average, process_cpu, quantile,
    stderr_log,
    villages::{AS_CONTEXT, PUBLIC, SimShared, SimTotals, SimVillage, start_village},
};

#[derive(Parser, Debug)]
#[command(about = "Portal inbox ingest benchmark for Kentongan (signed Creates from M villages)")]
struct Args {
    /// Simulated villages, each its own server, registered through the real follow flow.
    #[arg(long, default_value_t = 50)]
    villages: usize,
    /// Create activities POSTed to the portal's shared inbox (round-robin over villages).
    #[arg(long, default_value_t = 5_000)]
    activities: usize,
    /// Concurrent HTTP clients.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    #[arg(long, value_enum, default_value = "sqlite")]
    backend: BackendArg,
    /// Signatures verified for the single-core ceiling (default: all N pre-signed ones).
    #[arg(long)]
    verify_samples: Option<usize>,
    /// Give up after this many seconds in any phase.
    #[arg(long, default_value_t = 600)]
    deadline_secs: u64,
}

// ---------------------------------------------------------------------------------------
// Counting warnings and errors the node logs.

/// Why the inbox worker put activities back for a retry (its INFO line "will retry
/// processing an activity"), by reason.
#[derive(Default)]
struct RetryReasons(std::sync::Mutex<BTreeMap<String, usize>>);

struct RetryLayer(Arc<RetryReasons>);

#[derive(Default)]
struct RetryVisitor {
    message: String,
    error: String,
}

impl tracing::field::Visit for RetryVisitor {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        match field.name() {
            "message" => self.message = value.to_string(),
            "error" => self.error = value.to_string(),
            _ => {}
        }
    }

    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        match field.name() {
            "message" => self.message = format!("{value:?}"),
            "error" => self.error = format!("{value:?}"),
            _ => {}
        }
    }
}

impl<S: Subscriber> Layer<S> for RetryLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: LayerContext<'_, S>) {
        if event.metadata().target() != "kentongan::federation::process" {
            return;
        }
        let mut visitor = RetryVisitor::default();
        event.record(&mut visitor);
        if visitor.message.contains("will retry") || visitor.message.contains("gave up") {
            let reason: String = visitor.error.chars().take(120).collect();
            if let Ok(mut reasons) = self.0.0.lock() {
                *reasons.entry(reason).or_insert(0) += 1;
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Databases and the in-process portal.

/// Counting rows of the portal's database while it works.
impl Raw {
    async fn village_posts(&self) -> Result<i64> {
        const SQL: &str = "SELECT COUNT(*) FROM village_posts";
        match self {
            Self::Sqlite(pool) => sqlx::query_scalar(SQL).fetch_one(pool).await,
            Self::Postgres(pool) => sqlx::query_scalar(SQL).fetch_one(pool).await,
        }
        .context("counting village posts")
    }

    /// `(state, rows, attempts)` of the stored Create activities.
    async fn inbox_states(&self) -> Result<Vec<(String, i64, i64)>> {
        const SQL: &str = "SELECT state, COUNT(*), CAST(SUM(attempts) AS BIGINT) FROM inbox \
                           WHERE kind = 'Create' GROUP BY state ORDER BY state";
        match self {
            Self::Sqlite(pool) => sqlx::query_as(SQL).fetch_all(pool).await,
            Self::Postgres(pool) => sqlx::query_as(SQL).fetch_all(pool).await,
        }
        .context("counting inbox states")
    }

    /// Stored Creates still waiting to be processed (a first try or a retry).
    async fn pending_creates(&self) -> Result<i64> {
        const SQL: &str = "SELECT COUNT(*) FROM inbox WHERE kind = 'Create' AND state = 'pending'";
        match self {
            Self::Sqlite(pool) => sqlx::query_scalar(SQL).fetch_one(pool).await,
            Self::Postgres(pool) => sqlx::query_scalar(SQL).fetch_one(pool).await,
        }
        .context("counting pending activities")
    }
}

/// The portal serving, and its database's URL for a second view of it.
async fn start_portal(args: &Args) -> Result<(BenchNode, String)> {
    let dir = NodeDir::init(args.backend, "portal", "Portal Kabupaten Uji", Role::Portal).await?;
    // All simulated villages share one loopback host, which the inbox's per-server rate
    // limit would hold to 300 at once: lift it, since ingest throughput is what is measured.
    dir.configure("[inbox]", "burst = 1000000\nper_minute = 100000000")?;
    let config = dir.config()?;
    let database_url = config.database_url().to_string();
    Ok((dir.start(config).await?, database_url))
}

// ---------------------------------------------------------------------------------------
// Helpers.

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

// ---------------------------------------------------------------------------------------
// The activities.

const TOPICS: [(&str, &str); 6] = [
    ("Pengumuman", "Kerja bakti membersihkan saluran air"),
    ("Agenda", "Musyawarah desa tentang rencana pembangunan"),
    ("UMKM", "Pasar murah produk olahan warga"),
    ("Kesehatan", "Posyandu balita dan lansia"),
    ("Pertanian", "Penyuluhan pupuk organik untuk kelompok tani"),
    ("Wisata", "Festival budaya dan kuliner desa"),
];

const BODY: &str = "<p>Diberitahukan kepada seluruh warga bahwa kegiatan ini akan dilaksanakan \
    di balai desa mulai pukul 07.30 WIB. Warga diharapkan hadir tepat waktu dan membawa \
    peralatan masing-masing. Kegiatan ini terbuka untuk semua warga, termasuk pemuda dan \
    karang taruna.</p><p>Informasi lebih lanjut dapat ditanyakan kepada kepala dusun atau \
    perangkat desa pada jam kerja. Terima kasih atas perhatian dan partisipasinya.</p>";

/// A Kentongan-shaped `Create` of a `Note` (title in bold, one hashtag) by `village`.
fn create_activity(village: &SimVillage, index: usize, published_ms: i64) -> Value {
    let (category, title) = TOPICS[index % TOPICS.len()];
    let base = format!("http://{}", village.host);
    let actor = village.actor.as_str();
    let note_id = format!("{base}/p/bench{index:07}");
    let published = to_rfc3339(published_ms);
    let followers = format!("{actor}/followers");
    json!({
        "@context": AS_CONTEXT,
        "id": format!("{base}/a/create{index:07}"),
        "type": "Create",
        "actor": actor,
        "published": published,
        "to": [PUBLIC],
        "cc": [followers],
        "object": {
            "id": note_id,
            "type": "Note",
            "attributedTo": actor,
            "content": format!("<p><strong>{title} #{index}</strong></p>{BODY}<p><a href=\"{base}/tags/{tag}\" class=\"mention hashtag\" rel=\"tag\">#<span>{category}</span></a></p>", tag = category.to_lowercase()),
            "url": note_id,
            "published": published,
            "to": [PUBLIC],
            "cc": [followers],
            "tag": [{ "type": "Hashtag", "name": format!("#{category}"), "href": format!("{base}/tags/{}", category.to_lowercase()) }],
        },
    })
}

/// What the signature check of one request needs: the request target and its headers.
struct SignedHeaders {
    path: String,
    headers: BTreeMap<String, String>,
}

// ---------------------------------------------------------------------------------------
// The signature-verification ceiling.

/// Same as the federation library's `verify_signature` (http_signatures.rs).
static VERIFY_CONFIG: LazyLock<http_signature_normalization::Config> = LazyLock::new(|| {
    http_signature_normalization::Config::new()
        .set_expiration(Duration::from_secs(3600))
        .require_digest()
});

const VERIFY_ROUNDS: usize = 3;
/// Commits of the bare commit-rate floor with one row each (a tenth as many with a batch).
const COMMIT_FLOOR_COMMITS: usize = 2_000;
/// Rows per commit in the batched floor: as many as the inbox worker claims and stores
/// at once (`federation::process`).
const INGEST_BATCH: usize = 64;

/// The best and worst mean of the rounds.
#[derive(Clone, Copy)]
struct Spread {
    best: Duration,
    worst: Duration,
}

impl Spread {
    fn of(rounds: &[Duration]) -> Self {
        Self {
            best: rounds.iter().copied().min().unwrap_or_default(),
            worst: rounds.iter().copied().max().unwrap_or_default(),
        }
    }
}

struct VerifyCost {
    samples: usize,
    /// `RsaPublicKey::verify` of SHA-256(signing string), key and signature decoded once.
    rsa_only: Spread,
    /// The library's verify closure: PEM parse + base64 decode + SHA-256 + RSA verify.
    with_pem: Spread,
    /// The library's whole `verify_signature_inner`: header parsing, signing string,
    /// expiry, and the closure above.
    whole: Spread,
}

/// Verifies `samples` signatures three ways, each on one thread with nothing else
/// running in the process (the portal is stopped by then).
fn measure_verification(samples: &[SignedHeaders], public_pem: &str) -> Result<VerifyCost> {
    let key = RsaPublicKey::from_public_key_pem(public_pem).context("public key")?;
    // The signing string and signature of each request, as the verifier sees them.
    let mut parts: Vec<(Vec<u8>, String)> = Vec::with_capacity(samples.len());
    for sample in samples {
        let mut captured = None;
        let ok = VERIFY_CONFIG
            .begin_verify("POST", &sample.path, sample.headers.clone())
            .map_err(|err| anyhow::anyhow!("reading a signature: {err}"))?
            .verify(|signature, signing_string| {
                captured = Some((signature.to_string(), signing_string.to_string()));
                true
            });
        let (signature, signing_string) = captured.context("no signature was read")?;
        if !ok {
            bail!("a signature did not parse");
        }
        let signature = BASE64.decode(signature).context("signature base64")?;
        parts.push((signature, signing_string));
    }
    let library_closure = |signature: &str, signing_string: &str| -> bool {
        let Ok(key) = RsaPublicKey::from_public_key_pem(public_pem) else {
            return false;
        };
        let Ok(decoded) = BASE64.decode(signature) else {
            return false;
        };
        key.verify(
            Pkcs1v15Sign::new::<Sha256>(),
            &Sha256::digest(signing_string.as_bytes()),
            &decoded,
        )
        .is_ok()
    };
    let encoded: Vec<(String, &str)> = parts
        .iter()
        .map(|(sig, s)| (BASE64.encode(sig), s.as_str()))
        .collect();
    let per = |elapsed: Duration, n: usize| elapsed / n.max(1) as u32;
    // Best of VERIFY_ROUNDS rounds: the machine is shared, and a round that another
    // process interrupted says nothing about the code.
    let mut rsa_only = Vec::new();
    let mut with_pem = Vec::new();
    let mut whole = Vec::new();
    for _ in 0..VERIFY_ROUNDS {
        let started = Instant::now();
        for (signature, signing_string) in &parts {
            key.verify(
                Pkcs1v15Sign::new::<Sha256>(),
                &Sha256::digest(signing_string.as_bytes()),
                signature,
            )
            .context("an RSA signature did not verify")?;
        }
        rsa_only.push(per(started.elapsed(), parts.len()));

        let started = Instant::now();
        for (signature, signing_string) in &encoded {
            if !library_closure(signature, signing_string) {
                bail!("a signature did not verify (PEM path)");
            }
        }
        with_pem.push(per(started.elapsed(), encoded.len()));

        let started = Instant::now();
        for sample in samples {
            let ok = VERIFY_CONFIG
                .begin_verify("POST", &sample.path, sample.headers.clone())
                .map_err(|err| anyhow::anyhow!("reading a signature: {err}"))?
                .verify(library_closure);
            if !ok {
                bail!("a signature did not verify (whole path)");
            }
        }
        whole.push(per(started.elapsed(), samples.len()));
    }
    Ok(VerifyCost {
        samples: samples.len(),
        rsa_only: Spread::of(&rsa_only),
        with_pem: Spread::of(&with_pem),
        whole: Spread::of(&whole),
    })
}

// ---------------------------------------------------------------------------------------
// The run.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ProcessEnd {
    All,
    NothingPending,
    Deadline,
}

struct Figures {
    backend: &'static str,
    load_before: String,
    villages: usize,
    registration: Duration,
    accepted_villages: usize,
    presign: Duration,
    posted: usize,
    statuses: BTreeMap<u16, usize>,
    /// From the first POST to the last 202.
    accept_all: Duration,
    latencies: Vec<Duration>,
    /// Posts stored when the last answer came.
    processed_at_last_answer: i64,
    /// (time since the first POST, posts stored) at every change seen by polling.
    progress: Vec<(Duration, i64)>,
    end: ProcessEnd,
    /// From the first POST until the end of waiting.
    waited: Duration,
    processed: i64,
    /// `(state, rows, attempts)` of the stored Creates at the end.
    inbox_states: Vec<(String, i64, i64)>,
    retry_reasons: BTreeMap<String, usize>,
    /// CPU time of the process from the first POST to the last answer.
    cpu_accept: Duration,
    /// CPU time of the process from the first POST to the end of waiting.
    cpu: Duration,
    warnings: usize,
    errors: usize,
    /// The floor: `GET /robots.txt` through the same server, as many requests with as
    /// many clients, after the inbox is drained. `(answers that were 200, time, latencies)`.
    floor: (usize, Duration, Vec<Duration>),
    /// The bare commit rate of the same database: `((commits/s, rows/s) with one row per
    /// commit, the same with `INGEST_BATCH` rows per commit)`.
    commit_floor: ((f64, f64), (f64, f64)),
    load_after: String,
    follows: usize,
    accepts_sent: usize,
    accepts_refused: usize,
    other_posts: usize,
}

async fn run(
    args: &Args,
    logs: &Arc<LogCounts>,
    retries: &Arc<RetryReasons>,
) -> Result<(Figures, Vec<SignedHeaders>)> {
    let backend = match args.backend {
        BackendArg::Sqlite => "sqlite",
        BackendArg::Postgres => "postgres",
    };
    let deadline_span = Duration::from_secs(args.deadline_secs);
    let load_before = load_average();
    let keys = common::villages::keys().await?;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .pool_max_idle_per_host(args.concurrency.max(1))
        .build()
        .context("building the HTTP client")?;
    let totals = Arc::new(SimTotals::default());
    let portal_inbox = Arc::new(OnceLock::new());
    let mut villages = Vec::with_capacity(args.villages);
    for index in 0..args.villages {
        let shared = SimShared {
            keys,
            portal_inbox: portal_inbox.clone(),
            client: client.clone(),
            totals: totals.clone(),
        };
        villages.push(start_village(index, shared, 0, 0).await?);
    }
    let (portal, database_url) = start_portal(args).await?;
    let state = portal.node.state.clone();
    let store = state.store.clone();
    let inbox_url = Url::parse(&format!("{}/inbox", portal.base)).context("portal inbox URL")?;
    let _ = portal_inbox.set(inbox_url.clone());

    // Registration through the real flow: WebFinger, Follow, signed Accept, outbox read.
    eprintln!(
        "registering {} villages through WebFinger + Follow + Accept ({backend})...",
        villages.len()
    );
    let started = Instant::now();
    common::villages::register_all(&state, &villages, Instant::now() + deadline_span).await?;
    let registration = started.elapsed();
    let accepted_villages = store
        .villages()
        .await?
        .iter()
        .filter(|v| v.follow_state == kentongan::store::FollowState::Accepted)
        .count();
    eprintln!(
        "{accepted_villages} villages accepted in {:.1} s",
        registration.as_secs_f64()
    );

    // Pre-signing, not measured.
    eprintln!("signing {} activities...", args.activities);
    let started = Instant::now();
    let base_ms = now_ms();
    let villages_ref = &villages;
    let client_ref = &client;
    let inbox_ref = &inbox_url;
    let signed: Vec<Result<(reqwest::Request, SignedHeaders)>> = stream::iter(0..args.activities)
        .map(|index| async move {
            let village = &villages_ref[index % villages_ref.len()];
            let body = create_activity(village, index, base_ms + index as i64).to_string();
            let request = signing::signed_post(
                client_ref,
                inbox_ref,
                Bytes::from(body),
                &village.actor,
                keys.private.clone(),
            )
            .await
            .map_err(|err| anyhow::anyhow!("signing an activity: {err}"))?;
            let mut headers: BTreeMap<String, String> = request
                .headers()
                .iter()
                .filter_map(|(k, v)| Some((k.to_string(), v.to_str().ok()?.to_string())))
                .collect();
            // The signature covers `host`, which the client adds from the URL when it
            // sends (signing no longer sets it: HTTP/2 proxies refused it twice).
            if let Some(host) = inbox_ref.host_str() {
                let host = match inbox_ref.port() {
                    Some(port) => format!("{host}:{port}"),
                    None => host.to_string(),
                };
                headers.entry("host".into()).or_insert(host);
            }
            Ok((
                request,
                SignedHeaders {
                    path: inbox_ref.path().to_string(),
                    headers,
                },
            ))
        })
        .buffered(4)
        .collect()
        .await;
    let mut requests = Vec::with_capacity(signed.len());
    let mut samples = Vec::with_capacity(signed.len());
    for item in signed {
        let (request, headers) = item?;
        requests.push(request);
        samples.push(headers);
    }
    let presign = started.elapsed();
    eprintln!("signed in {:.1} s", presign.as_secs_f64());

    // The measured phase.
    let counter = Raw::open(&database_url).await?;
    let before = counter.village_posts().await?;
    let warnings_before = logs.warnings.load(Ordering::SeqCst);
    let errors_before = logs.errors.load(Ordering::SeqCst);
    let cpu_before = process_cpu()?;
    let start = Instant::now();
    let posted = requests.len();
    eprintln!(
        "POSTing {posted} activities with {} clients...",
        args.concurrency
    );
    let answers: Vec<(u16, Duration, Duration)> = stream::iter(requests)
        .map(|request| {
            let client = client.clone();
            async move {
                let sent = Instant::now();
                let status = match client.execute(request).await {
                    Ok(response) => {
                        let status = response.status().as_u16();
                        let _ = response.bytes().await;
                        status
                    }
                    Err(_) => 0,
                };
                (status, sent.elapsed(), start.elapsed())
            }
        })
        .buffer_unordered(args.concurrency.max(1))
        .collect()
        .await;
    let accept_all = answers
        .iter()
        .map(|(_, _, at)| *at)
        .max()
        .unwrap_or_default();
    let cpu_accept = process_cpu()?.saturating_sub(cpu_before);
    let processed_at_last_answer = counter.village_posts().await? - before;
    let mut statuses = BTreeMap::new();
    for (status, _, _) in &answers {
        *statuses.entry(*status).or_insert(0) += 1;
    }
    let accepted = statuses.get(&202).copied().unwrap_or(0) as i64;
    eprintln!(
        "{accepted} accepted in {:.2} s; {processed_at_last_answer} processed so far",
        accept_all.as_secs_f64()
    );
    // Until every accepted activity is a post, or nothing is pending any more (the rest
    // failed for good), or the deadline.
    let deadline = Instant::now() + deadline_span;
    let mut progress: Vec<(Duration, i64)> = vec![(start.elapsed(), processed_at_last_answer)];
    let mut processed = processed_at_last_answer;
    let mut last_pending_check = Instant::now();
    let mut last_report = Instant::now();
    let end = loop {
        if processed >= accepted {
            break ProcessEnd::All;
        }
        if Instant::now() > deadline {
            break ProcessEnd::Deadline;
        }
        if last_pending_check.elapsed() >= Duration::from_secs(1) {
            last_pending_check = Instant::now();
            if counter.pending_creates().await? == 0 {
                break ProcessEnd::NothingPending;
            }
        }
        if last_report.elapsed() >= Duration::from_secs(15) {
            last_report = Instant::now();
            eprintln!(
                "  {processed} of {accepted} processed after {:.0} s",
                start.elapsed().as_secs_f64()
            );
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
        let now = counter.village_posts().await? - before;
        if now != processed {
            processed = now;
            progress.push((start.elapsed(), processed));
        }
    };
    let waited = start.elapsed();
    let cpu = process_cpu()?.saturating_sub(cpu_before);
    if end == ProcessEnd::All {
        // Let the worker record the last outcomes before counting states.
        let settle = Instant::now() + Duration::from_secs(10);
        while counter.pending_creates().await? > 0 && Instant::now() < settle {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let inbox_states = counter.inbox_states().await?;
    // The floor, measured in the same run: the cheapest route through the same server
    // and the same clients, with nothing else left to do.
    let robots = format!("{}/robots.txt", portal.base);
    let floor_start = Instant::now();
    let floor_answers: Vec<(bool, Duration)> = stream::iter(0..posted)
        .map(|_| {
            let client = client.clone();
            let robots = robots.clone();
            async move {
                let sent = Instant::now();
                let ok = match client.get(&robots).send().await {
                    Ok(response) => {
                        let ok = response.status() == StatusCode::OK;
                        let _ = response.bytes().await;
                        ok
                    }
                    Err(_) => false,
                };
                (ok, sent.elapsed())
            }
        })
        .buffer_unordered(args.concurrency.max(1))
        .collect()
        .await;
    let floor_time = floor_start.elapsed();
    let mut floor_latencies: Vec<Duration> = floor_answers.iter().map(|(_, d)| *d).collect();
    floor_latencies.sort();
    let floor = (
        floor_answers.iter().filter(|(ok, _)| *ok).count(),
        floor_time,
        floor_latencies,
    );
    // The database's own floor, with the portal idle: one row per commit (what accepting
    // one activity costs at least) and 64 per commit (the worker's batch).
    eprintln!("measuring the bare commit rate...");
    let commit_floor = (
        counter.commit_floor(COMMIT_FLOOR_COMMITS, 1).await?,
        counter
            .commit_floor(COMMIT_FLOOR_COMMITS / 10, INGEST_BATCH)
            .await?,
    );
    let load_after = load_average();
    let mut latencies: Vec<Duration> = answers.iter().map(|(_, d, _)| *d).collect();
    latencies.sort();
    counter.close().await;
    let figures = Figures {
        backend,
        load_before,
        villages: villages.len(),
        registration,
        accepted_villages,
        presign,
        posted,
        statuses,
        accept_all,
        latencies,
        processed_at_last_answer,
        progress,
        end,
        waited,
        processed,
        inbox_states,
        retry_reasons: retries
            .0
            .lock()
            .map(|reasons| reasons.clone())
            .unwrap_or_default(),
        cpu_accept,
        cpu,
        warnings: logs.warnings.load(Ordering::SeqCst) - warnings_before,
        errors: logs.errors.load(Ordering::SeqCst) - errors_before,
        floor,
        commit_floor,
        load_after,
        follows: totals.follows.load(Ordering::SeqCst),
        accepts_sent: totals.accepts_sent.load(Ordering::SeqCst),
        accepts_refused: totals.accepts_refused.load(Ordering::SeqCst),
        other_posts: totals.other_posts.load(Ordering::SeqCst),
    };
    portal.stop().await;
    for village in villages {
        village.task.abort();
    }
    Ok((figures, samples))
}

fn render(args: &Args, f: &Figures, verify: &VerifyCost) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### Inbox ingest: backend {}, {} villages, {} activities, {} concurrent clients\n",
        f.backend, f.villages, f.posted, args.concurrency
    );
    let _ = writeln!(out, "| figure | value |\n|---|---:|");
    let row = |out: &mut String, label: &str, value: String| {
        let _ = writeln!(out, "| {label} | {value} |");
    };
    row(
        &mut out,
        "load average before the run (other work on this machine)",
        f.load_before.clone(),
    );
    row(
        &mut out,
        "villages accepted through WebFinger + Follow + Accept + outbox read (not measured)",
        format!(
            "{} of {} in {:.1} s",
            f.accepted_villages,
            f.villages,
            f.registration.as_secs_f64()
        ),
    );
    row(
        &mut out,
        "pre-signing the activities on the client (not measured)",
        format!(
            "{:.1} s ({:.2} ms each)",
            f.presign.as_secs_f64(),
            f.presign.as_secs_f64() * 1000.0 / f.posted.max(1) as f64
        ),
    );
    let statuses = f
        .statuses
        .iter()
        .map(|(status, count)| {
            if *status == 0 {
                format!("{count} × no answer")
            } else {
                format!("{count} × {status}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    row(&mut out, "answers", statuses);
    let accepted = f.statuses.get(&202).copied().unwrap_or(0);
    row(
        &mut out,
        "**accepted at the inbox, activities/s** (202s / first POST to last answer)",
        format!(
            "**{:.0}** ({accepted} in {:.2} s)",
            accepted as f64 / f.accept_all.as_secs_f64().max(1e-9),
            f.accept_all.as_secs_f64()
        ),
    );
    row(
        &mut out,
        "POST latency p50 / p90 / p99 / max, ms",
        format!(
            "{} / {} / **{}** / {}",
            ms(quantile(&f.latencies, 0.50)),
            ms(quantile(&f.latencies, 0.90)),
            ms(quantile(&f.latencies, 0.99)),
            ms(quantile(&f.latencies, 1.0)),
        ),
    );
    row(
        &mut out,
        "CPU time of the whole process (HTTP clients + portal) per activity, first POST to last answer, ms",
        format!(
            "{:.2} ({:.1} s of CPU in {:.1} s on {} cores)",
            f.cpu_accept.as_secs_f64() * 1000.0 / f.posted.max(1) as f64,
            f.cpu_accept.as_secs_f64(),
            f.accept_all.as_secs_f64(),
            std::thread::available_parallelism().map_or(0, |n| n.get())
        ),
    );
    row(
        &mut out,
        "posts in `village_posts` when the last answer came",
        format!("{} of {accepted}", f.processed_at_last_answer),
    );
    let reached = |share: f64| -> String {
        let target = (share * accepted as f64).ceil() as i64;
        f.progress
            .iter()
            .find(|(_, n)| *n >= target.max(1))
            .map_or_else(
                || "not reached".to_string(),
                |(at, _)| format!("{:.2}", at.as_secs_f64()),
            )
    };
    row(
        &mut out,
        "posts stored: 50 % / 90 % / 99 % / 100 % after, s (from the first POST)",
        format!(
            "{} / {} / {} / {}",
            reached(0.5),
            reached(0.9),
            reached(0.99),
            reached(1.0)
        ),
    );
    let (label, value) = match f.end {
        ProcessEnd::All => (
            "**processed into `village_posts`, posts/s** (first POST to last post stored)",
            format!(
                "**{:.0}** ({} in {:.2} s)",
                f.processed as f64 / f.waited.as_secs_f64().max(1e-9),
                f.processed,
                f.waited.as_secs_f64()
            ),
        ),
        ProcessEnd::NothingPending => (
            "**processed into `village_posts`**",
            format!(
                "**NOT all: {} of {accepted}**; nothing pending after {:.0} s (the rest failed for good)",
                f.processed,
                f.waited.as_secs_f64()
            ),
        ),
        ProcessEnd::Deadline => (
            "**processed into `village_posts`**",
            format!(
                "**NOT all: {} of {accepted}** when the {} s deadline passed",
                f.processed, args.deadline_secs
            ),
        ),
    };
    row(&mut out, label, value);
    let states = f
        .inbox_states
        .iter()
        .map(|(state, rows, attempts)| format!("{rows} {state} ({attempts} attempts)"))
        .collect::<Vec<_>>()
        .join(", ");
    row(&mut out, "stored Creates at the end, by state", states);
    let retried: usize = f.retry_reasons.values().sum();
    let reasons = if f.retry_reasons.is_empty() {
        "none".to_string()
    } else {
        let mut by_count: Vec<(&String, &usize)> = f.retry_reasons.iter().collect();
        by_count.sort_by(|a, b| b.1.cmp(a.1));
        by_count
            .iter()
            .take(3)
            .map(|(reason, count)| format!("{count} × `{}`", reason.replace('|', "/")))
            .collect::<Vec<_>>()
            .join("; ")
    };
    row(
        &mut out,
        "processing attempts put back for a retry (30 s, 60 s, … later) or given up, and why",
        format!("{retried}: {reasons}"),
    );
    let tail_cpu = f.cpu.saturating_sub(f.cpu_accept);
    let tail_wall = f.waited.saturating_sub(f.accept_all);
    row(
        &mut out,
        "CPU time of the process from the last answer to the end of waiting (only the inbox worker left)",
        format!(
            "{:.1} s in {:.1} s ({:.2} cores busy)",
            tail_cpu.as_secs_f64(),
            tail_wall.as_secs_f64(),
            tail_cpu.as_secs_f64() / tail_wall.as_secs_f64().max(1e-9)
        ),
    );
    let (floor_ok, floor_time, floor_latencies) = &f.floor;
    let floor_rate = *floor_ok as f64 / floor_time.as_secs_f64().max(1e-9);
    row(
        &mut out,
        "floor: `GET /robots.txt` through the same server, same clients and count, after the inbox drained, req/s",
        format!(
            "{floor_rate:.0} ({floor_ok} × 200 in {:.2} s; p50 / p99 {} / {} ms)",
            floor_time.as_secs_f64(),
            ms(quantile(floor_latencies, 0.50)),
            ms(quantile(floor_latencies, 0.99)),
        ),
    );
    row(
        &mut out,
        "accepted rate ÷ floor rate",
        format!(
            "{:.2}",
            accepted as f64 / f.accept_all.as_secs_f64().max(1e-9) / floor_rate.max(1e-9)
        ),
    );
    let ((single_commits, _), (batch_commits, batch_rows)) = f.commit_floor;
    row(
        &mut out,
        "floor: the bare commit rate of the same database, one 1 KB row per commit, commits/s",
        format!("{single_commits:.0}"),
    );
    row(
        &mut out,
        "accepted rate ÷ bare commit rate",
        format!(
            "{:.2}",
            accepted as f64 / f.accept_all.as_secs_f64().max(1e-9) / single_commits.max(1e-9)
        ),
    );
    row(
        &mut out,
        &format!("floor: the same, {INGEST_BATCH} rows per commit, rows/s (commits/s)"),
        format!("{batch_rows:.0} ({batch_commits:.0})"),
    );
    row(&mut out, "load average after the run", f.load_after.clone());
    row(
        &mut out,
        "node warnings / errors logged during the measured phase",
        format!("{} / {}", f.warnings, f.errors),
    );
    row(
        &mut out,
        "simulated villages: Follows received / Accepts answered 202 / refused / other POSTs",
        format!(
            "{} / {} / {} / {}",
            f.follows, f.accepts_sent, f.accepts_refused, f.other_posts
        ),
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "| signature verification, one thread, {} signatures of the run, best of {VERIFY_ROUNDS} rounds | µs each (worst round) | verifications/s |\n|---|---:|---:|",
        verify.samples
    );
    let line = |out: &mut String, label: &str, d: Spread| {
        let _ = writeln!(
            out,
            "| {label} | {:.1} ({:.1}) | {:.0} |",
            d.best.as_secs_f64() * 1e6,
            d.worst.as_secs_f64() * 1e6,
            1.0 / d.best.as_secs_f64().max(1e-12)
        );
    };
    line(
        &mut out,
        "RSA-2048 PKCS#1 v1.5 SHA-256 verify (`rsa` crate), key parsed once",
        verify.rsa_only,
    );
    line(
        &mut out,
        "+ PEM parse of the key and base64 of the signature (the library's closure, per request)",
        verify.with_pem,
    );
    line(
        &mut out,
        "+ header parsing and signing string (the library's whole `verify_signature`)",
        verify.whole,
    );
    if accepted > 0 {
        let rate = accepted as f64 / f.accept_all.as_secs_f64().max(1e-9);
        let ceiling = 1.0 / verify.whole.best.as_secs_f64().max(1e-12);
        let _ = writeln!(
            out,
            "\nAccepted rate ÷ one-core verification ceiling: {:.2} ({:.1} % of one core's verification capacity; \
             verification is {:.1} % of the process's CPU time per activity).",
            rate / ceiling,
            100.0 * rate / ceiling,
            100.0 * verify.whole.best.as_secs_f64()
                / (f.cpu_accept.as_secs_f64() / f.posted.max(1) as f64).max(1e-12),
        );
    }
    out
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    if args.villages == 0 || args.activities == 0 || args.concurrency == 0 {
        bail!("--villages, --activities and --concurrency must be at least 1");
    }
    let logs = Arc::new(LogCounts::default());
    let retries = Arc::new(RetryReasons::default());
    tracing_subscriber::registry()
        .with(stderr_log())
        .with(logs.layer())
        .with(
            RetryLayer(retries.clone()).with_filter(
                tracing_subscriber::filter::Targets::new()
                    .with_target("kentongan::federation::process", Level::INFO),
            ),
        )
        .init();

    let (figures, mut samples) = run(&args, &logs, &retries).await?;
    let verify_samples = args.verify_samples.unwrap_or(samples.len()).max(1);
    samples.truncate(verify_samples);
    eprintln!("verifying {} signatures on one thread...", samples.len());
    let public_pem = common::villages::keys().await?.public_pem.clone();
    let verify = tokio::task::spawn_blocking(move || measure_verification(&samples, &public_pem))
        .await
        .context("the verification thread")??;
    print!("{}", render(&args, &figures, &verify));
    Ok(())
}
