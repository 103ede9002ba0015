//! Fan-out delivery benchmark: how long ONE post takes to reach F followers spread over
//! I servers, all simulated on loopback in this process, with one request per shared
//! inbox. Also measures the cost of one HTTP signature, the idle RSS of a freshly
//! started `kentongan serve` and the size of the release binary.
//!
//! ```text
//! cargo build --release                      # the binary whose RSS and size are measured
//! cargo run --release --example bench_fanout -- [--followers 10000] [--servers 500] \
//!     [--slow-ms 200] [--dead 5] [--backend sqlite|postgres] [--scenario both|fast|slow]
//! ```
//!
//! `--from-command-line` serves the node as `kentongan serve` does (its wake socket
//! bound) and publishes with the release binary's `kentongan post` in a child process,
//! timed from the moment it is started; `--command-elsewhere` (PostgreSQL) runs that
//! command on a copy of the data directory, as on another machine sharing the database,
//! so that only PostgreSQL's notification can wake the node.
//!
//! Scenario `fast`: every server answers 202 at once. Scenario `slow`: every server
//! answers after `--slow-ms`, and `--dead` of them accept the connection, read the
//! request and never answer (the node gives up on each after its 10 s request timeout
//! and schedules a retry). `--backend postgres` takes its server from
//! `TEST_POSTGRES_URL` and creates (then drops) a fresh database per node.
//!
//! This is a command that prints Markdown tables, not a test: nothing here fails on a
//! slow figure, only on a broken scenario (a deadline passed, a server never reached).

mod common;

use anyhow::{Context, Result, bail};
use axum::{
    Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    routing::post,
};
use clap::{Parser, ValueEnum};
use futures::{StreamExt, stream};
use kentongan::{
    actors::find_publishing_actor,
    clock::now_ms,
    config::Role,
    federation::signing,
    publishing::{PostInput, publish},
    store::{NewActor, Store},
};
use rsa::Pkcs1v15Sign;
use sha2::{Digest, Sha256};
use std::{
    fmt::Write as _,
    path::{Path, PathBuf},
    sync::{
        Arc, OnceLock,
        atomic::{AtomicU64, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};
use tokio::net::TcpListener;
use tracing_subscriber::{layer::SubscriberExt, util::SubscriberInitExt};
use url::Url;

use common::{
    BackendArg, BenchNode, BenchServe, LogCounts, NodeDir, PgDb, load_average, process_cpu,
    stderr_log, wait_until,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum ScenarioArg {
    Both,
    Fast,
    Slow,
}

#[derive(Parser, Debug)]
#[command(about = "Fan-out delivery benchmark for Kentongan (one post, F followers, I servers)")]
struct Args {
    /// Followers of the publishing actor.
    #[arg(long, default_value_t = 10_000)]
    followers: usize,
    /// Simulated servers; followers are spread evenly over them.
    #[arg(long, default_value_t = 500)]
    servers: usize,
    /// In the slow scenario, how long every live server takes to answer.
    #[arg(long, default_value_t = 200)]
    slow_ms: u64,
    /// In the slow scenario, how many servers accept the request and never answer.
    #[arg(long, default_value_t = 5)]
    dead: usize,
    #[arg(long, value_enum, default_value = "sqlite")]
    backend: BackendArg,
    #[arg(long, value_enum, default_value = "both")]
    scenario: ScenarioArg,
    /// Override the node's `delivery.concurrency` (default: the node's default, 64).
    #[arg(long)]
    concurrency: Option<usize>,
    /// Signatures timed for the signing cost.
    #[arg(long, default_value_t = 200)]
    sign_samples: usize,
    /// Give up a scenario after this many seconds.
    #[arg(long, default_value_t = 600)]
    deadline_secs: u64,
    /// The release binary (default: target/release/kentongan next to this example).
    #[arg(long)]
    bin: Option<PathBuf>,
    /// Skip the idle RSS and binary size measurements.
    #[arg(long)]
    skip_process: bool,
    /// Publish with `kentongan post` (the release binary) in another process, the node
    /// served as `kentongan serve` serves it.
    #[arg(long)]
    from_command_line: bool,
    /// With `--from-command-line` on PostgreSQL: run the command on a copy of the data
    /// directory, so that no wake socket reaches the node.
    #[arg(long, requires = "from_command_line")]
    command_elsewhere: bool,
}

// ---------------------------------------------------------------------------------------
// Simulated servers.

#[derive(Clone, Copy, Debug)]
enum Behaviour {
    Answer,
    Slow(Duration),
    Hang,
}

/// Shared by every simulated server of one scenario.
#[derive(Default)]
struct Totals {
    /// Set just before `publish`; arrival times are measured from it.
    start: OnceLock<Instant>,
    requests: AtomicUsize,
    /// Requests to a personal inbox (`/users/NAME/inbox`): should stay 0.
    personal_inbox_requests: AtomicUsize,
    /// Requests without a Signature or Digest header, or whose body is not a Create.
    malformed: AtomicUsize,
    live_reached: AtomicUsize,
    dead_reached: AtomicUsize,
    /// Microseconds from `start` to the first and last request of a live server.
    first_arrival_us: AtomicU64,
    last_arrival_us: AtomicU64,
    /// Microseconds from `start` to the moment the last live server answered.
    last_answer_us: AtomicU64,
}

impl Totals {
    fn new() -> Self {
        Self {
            first_arrival_us: AtomicU64::new(u64::MAX),
            ..Default::default()
        }
    }

    fn since_start_us(&self) -> u64 {
        self.start
            .get()
            .map(|start| start.elapsed().as_micros() as u64)
            .unwrap_or(0)
    }
}

struct Sim {
    behaviour: Behaviour,
    requests: AtomicUsize,
    totals: Arc<Totals>,
}

struct SimServer {
    host: String,
    dead: bool,
    sim: Arc<Sim>,
    task: tokio::task::JoinHandle<()>,
}

async fn shared_inbox(State(sim): State<Arc<Sim>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    count_request(&sim, &headers, &body);
    answer(&sim).await
}

async fn personal_inbox(
    State(sim): State<Arc<Sim>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    sim.totals
        .personal_inbox_requests
        .fetch_add(1, Ordering::SeqCst);
    count_request(&sim, &headers, &body);
    answer(&sim).await
}

fn count_request(sim: &Sim, headers: &HeaderMap, body: &[u8]) {
    let totals = &sim.totals;
    let at = totals.since_start_us();
    totals.requests.fetch_add(1, Ordering::SeqCst);
    let is_create = serde_json::from_slice::<serde_json::Value>(body)
        .map(|activity| activity["type"] == "Create")
        .unwrap_or(false);
    // Signed draft-cavage (Signature and Digest) or RFC 9421 (Signature-Input and
    // Content-Digest).
    let cavage = headers.contains_key("signature") && headers.contains_key("digest");
    let rfc9421 = headers.contains_key("signature-input") && headers.contains_key("content-digest");
    if !(cavage || rfc9421) || !is_create {
        totals.malformed.fetch_add(1, Ordering::SeqCst);
    }
    let first = sim.requests.fetch_add(1, Ordering::SeqCst) == 0;
    match sim.behaviour {
        Behaviour::Hang => {
            if first {
                totals.dead_reached.fetch_add(1, Ordering::SeqCst);
            }
        }
        _ => {
            totals.first_arrival_us.fetch_min(at, Ordering::SeqCst);
            totals.last_arrival_us.fetch_max(at, Ordering::SeqCst);
            if first {
                totals.live_reached.fetch_add(1, Ordering::SeqCst);
            }
        }
    }
}

async fn answer(sim: &Sim) -> StatusCode {
    match sim.behaviour {
        Behaviour::Answer => {}
        Behaviour::Slow(delay) => tokio::time::sleep(delay).await,
        Behaviour::Hang => std::future::pending::<()>().await,
    }
    let at = sim.totals.since_start_us();
    sim.totals.last_answer_us.fetch_max(at, Ordering::SeqCst);
    StatusCode::ACCEPTED
}

async fn start_server(behaviour: Behaviour, dead: bool, totals: Arc<Totals>) -> Result<SimServer> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .context("binding a simulated server")?;
    let port = listener.local_addr().context("server address")?.port();
    let sim = Arc::new(Sim {
        behaviour,
        requests: AtomicUsize::new(0),
        totals,
    });
    let router = Router::new()
        .route("/inbox", post(shared_inbox))
        .route("/users/{name}/inbox", post(personal_inbox))
        .with_state(sim.clone());
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Ok(SimServer {
        host: format!("localhost:{port}"),
        dead,
        sim,
        task,
    })
}

// ---------------------------------------------------------------------------------------
// The in-process node.

/// The node, started in this process or served as `kentongan serve` serves it.
enum Running {
    InProcess(Box<BenchNode>),
    Served(Box<BenchServe>),
}

impl Running {
    fn state(&self) -> &kentongan::state::AppState {
        match self {
            Running::InProcess(bench) => &bench.node.state,
            Running::Served(serve) => &serve.state,
        }
    }

    fn dir(&self) -> &Path {
        match self {
            Running::InProcess(bench) => bench.dir.path(),
            Running::Served(serve) => serve.dir.path(),
        }
    }

    async fn stop(self) {
        match self {
            Running::InProcess(bench) => bench.stop().await,
            Running::Served(serve) => serve.stop().await,
        }
    }
}

async fn start_node(args: &Args) -> Result<Running> {
    let dir = NodeDir::init(args.backend, "desa", "Desa", Role::Village).await?;
    if args.from_command_line {
        if let Some(concurrency) = args.concurrency {
            dir.configure("[delivery]", &format!("concurrency = {concurrency}"))?;
        }
        return Ok(Running::Served(Box::new(dir.serve().await?)));
    }
    let mut config = dir.config()?;
    if let Some(concurrency) = args.concurrency {
        config.delivery.concurrency = concurrency;
    }
    Ok(Running::InProcess(Box::new(dir.start(config).await?)))
}

/// When `kentongan post`, started at `start`, exited, and when it wrote the post.
struct CommandTiming {
    exited: Duration,
    written: Duration,
}

/// Publishes with the release binary's `kentongan post` on `dir` (or, `elsewhere`, on a
/// copy of its config in another directory).
async fn post_from_the_command_line(
    args: &Args,
    store: &Store,
    dir: &Path,
    start: Instant,
) -> Result<CommandTiming> {
    let bin = match &args.bin {
        Some(bin) => bin.clone(),
        None => default_bin()?,
    };
    let elsewhere = tempfile::tempdir().context("creating another directory")?;
    let command_dir = if args.command_elsewhere {
        std::fs::copy(
            dir.join("kentongan.toml"),
            elsewhere.path().join("kentongan.toml"),
        )
        .context("copying kentongan.toml")?;
        elsewhere.path()
    } else {
        dir
    };
    let started_at_ms = now_ms() - start.elapsed().as_millis() as i64;
    let output = tokio::process::Command::new(&bin)
        .arg("post")
        .arg("--dir")
        .arg(command_dir)
        .args(["--title", "Pengumuman kerja bakti"])
        .args([
            "--body",
            "Warga diharapkan hadir **Minggu pagi** di balai desa.\n\nTerima kasih.",
        ])
        .output()
        .await
        .with_context(|| format!("running {} post", bin.display()))?;
    let exited = start.elapsed();
    if !output.status.success() {
        bail!(
            "kentongan post failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let url = String::from_utf8_lossy(&output.stdout).trim().to_string();
    let public_id = url.rsplit('/').next().unwrap_or_default();
    let post = store
        .post_by_public_id(public_id)
        .await?
        .with_context(|| format!("the post {url} is not stored"))?;
    let create = store
        .create_activity_of_post(post.id)
        .await?
        .context("the post has no Create")?;
    Ok(CommandTiming {
        exited,
        written: Duration::from_millis((create.created_at - started_at_ms).max(0) as u64),
    })
}

const FAKE_PUBLIC_KEY: &str = "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAbenchmarkbenchmarkbenchmark\n-----END PUBLIC KEY-----\n";

/// Seeds `followers` remote actors spread round-robin over `servers`, all following
/// `local_actor_id`. Returns how long it took.
async fn seed(
    store: &Store,
    local_actor_id: i64,
    servers: &[SimServer],
    followers: usize,
) -> Result<Duration> {
    let started = Instant::now();
    let hosts: Vec<String> = servers.iter().map(|s| s.host.clone()).collect();
    let hosts = &hosts;
    let mut results = stream::iter(0..followers)
        .map(|i| async move {
            let host = &hosts[i % hosts.len()];
            let ap_id = format!("http://{host}/users/warga{i}");
            let now = now_ms();
            let actor = store
                .upsert_actor(
                    &NewActor {
                        ap_id: ap_id.clone(),
                        is_local: false,
                        kind: "Person".into(),
                        username: format!("warga{i}"),
                        host: host.clone(),
                        name: format!("Warga {i}"),
                        summary: String::new(),
                        icon_url: None,
                        profile_url: Some(ap_id.clone()),
                        inbox_url: format!("{ap_id}/inbox"),
                        shared_inbox_url: Some(format!("http://{host}/inbox")),
                        public_key_pem: FAKE_PUBLIC_KEY.into(),
                        private_key_pem: None,
                        fields_json: "[]".into(),
                    },
                    now,
                )
                .await?;
            store
                .add_follower(
                    local_actor_id,
                    actor.id,
                    &format!("http://{host}/activities/follow-{i}"),
                    now,
                )
                .await
        })
        .buffer_unordered(8);
    while let Some(result) = results.next().await {
        result?;
    }
    Ok(started.elapsed())
}

// ---------------------------------------------------------------------------------------
// One scenario.

struct ScenarioResult {
    name: String,
    command: Option<CommandTiming>,
    delay_ms: u64,
    dead: usize,
    followers_stored: i64,
    seed: Duration,
    queued: i64,
    publish: Duration,
    first_arrival: Duration,
    last_live_arrival: Duration,
    all_live_received_polled: Duration,
    last_live_answer: Duration,
    all_live_recorded: Duration,
    /// CPU time (user + system) of this whole process, node and simulated servers,
    /// from `publish` until every live delivery was recorded.
    cpu: Duration,
    requests: usize,
    personal_inbox_requests: usize,
    malformed: usize,
    max_requests_per_server: usize,
    pending_when_live_done: i64,
    failed_when_live_done: i64,
    dead_reached: usize,
    /// For the slow scenario: when every dead server's attempt was recorded as failed
    /// (the request timeout), and what the queue held then.
    dead_timed_out_after: Option<Duration>,
    pending_after_timeouts: Option<i64>,
    warnings: usize,
    errors: usize,
}

fn ms(d: Duration) -> String {
    format!("{:.0}", d.as_secs_f64() * 1000.0)
}

fn us_to_duration(us: u64) -> Duration {
    Duration::from_micros(if us == u64::MAX { 0 } else { us })
}

async fn run_scenario(
    args: &Args,
    logs: &Arc<LogCounts>,
    name: &str,
    delay_ms: u64,
    dead: usize,
) -> Result<ScenarioResult> {
    let servers_count = args.servers.max(1);
    let dead = dead.min(servers_count.saturating_sub(1));
    eprintln!(
        "== scenario {name}: {} followers on {servers_count} servers, delay {delay_ms} ms, {dead} dead ({:?})",
        args.followers, args.backend
    );
    let totals = Arc::new(Totals::new());
    // Dead servers spread evenly over the list, so they are not all first or last in
    // the queue.
    let dead_indices: Vec<usize> = (0..dead).map(|k| k * servers_count / dead).collect();
    let mut servers = Vec::with_capacity(servers_count);
    for j in 0..servers_count {
        let is_dead = dead_indices.contains(&j);
        let behaviour = if is_dead {
            Behaviour::Hang
        } else if delay_ms > 0 {
            Behaviour::Slow(Duration::from_millis(delay_ms))
        } else {
            Behaviour::Answer
        };
        servers.push(start_server(behaviour, is_dead, totals.clone()).await?);
    }
    let live = servers_count - dead;

    let bench = start_node(args).await?;
    let state = bench.state().clone();
    let store = state.store.clone();
    let actor = find_publishing_actor(&store, None).await?;
    eprintln!("seeding {} followers...", args.followers);
    let seed_time = seed(&store, actor.id, &servers, args.followers).await?;
    let followers_stored = store.count_followers(actor.id).await?;
    eprintln!("seeded in {:.1} s", seed_time.as_secs_f64());

    let warnings_before = logs.warnings.load(Ordering::SeqCst);
    let errors_before = logs.errors.load(Ordering::SeqCst);
    let deadline = Instant::now() + Duration::from_secs(args.deadline_secs);

    // The measured part: publish, wake the worker, wait for every live server.
    let cpu_before = process_cpu()?;
    let start = Instant::now();
    let _ = totals.start.set(start);
    let command = if args.from_command_line {
        Some(post_from_the_command_line(args, &store, bench.dir(), start).await?)
    } else {
        publish(
            &store,
            &actor,
            &PostInput {
                title: "Pengumuman kerja bakti".into(),
                body_markdown:
                    "Warga diharapkan hadir **Minggu pagi** di balai desa.\n\nTerima kasih.".into(),
                summary: "Kerja bakti hari Minggu".into(),
                categories: vec!["Pengumuman".into()],
                // Not pinned, published now, whatever fields PostInput grows.
                ..Default::default()
            },
        )
        .await?;
        state.wake_delivery.notify_one();
        None
    };
    let publish_time = start.elapsed();
    let totals_ref = &totals;
    wait_until(
        "every live server to receive the post",
        deadline,
        Duration::from_millis(2),
        || async move { Ok(totals_ref.live_reached.load(Ordering::SeqCst) >= live) },
    )
    .await?;
    let all_live_received_polled = start.elapsed();
    let mut counts = store.delivery_counts(None).await?;
    while counts.delivered < live as i64 {
        if Instant::now() > deadline {
            bail!(
                "deadline passed: {} of {live} live deliveries recorded",
                counts.delivered
            );
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
        counts = store.delivery_counts(None).await?;
    }
    let all_live_recorded = start.elapsed();
    let cpu = process_cpu()?.saturating_sub(cpu_before);
    let queued = counts.pending + counts.delivered + counts.failed;
    let pending_when_live_done = counts.pending;
    let failed_when_live_done = counts.failed;
    eprintln!(
        "all {live} live servers have the post after {} ms (recorded after {} ms)",
        ms(all_live_received_polled),
        ms(all_live_recorded)
    );

    // Not measured: let the node finish writing host health (so stopping it does not
    // cut a write), and in the slow scenario wait for the dead servers' timeouts.
    let live_hosts: Vec<&str> = servers
        .iter()
        .filter(|s| !s.dead)
        .map(|s| s.host.as_str())
        .collect();
    let dead_hosts: Vec<&str> = servers
        .iter()
        .filter(|s| s.dead)
        .map(|s| s.host.as_str())
        .collect();
    let store_ref = &store;
    let live_hosts_ref = &live_hosts;
    wait_until(
        "host health of every live server",
        deadline,
        Duration::from_millis(20),
        || async move {
            for host in live_hosts_ref {
                match store_ref.host_health(host).await? {
                    Some(health) if health.last_success_at.is_some() => {}
                    _ => return Ok(false),
                }
            }
            Ok(true)
        },
    )
    .await?;
    let (dead_timed_out_after, pending_after_timeouts) = if dead_hosts.is_empty() {
        (None, None)
    } else {
        let dead_hosts_ref = &dead_hosts;
        wait_until(
            "the dead servers' request timeouts",
            deadline,
            Duration::from_millis(50),
            || async move {
                for host in dead_hosts_ref {
                    match store_ref.host_health(host).await? {
                        Some(health) if health.consecutive_failures >= 1 => {}
                        _ => return Ok(false),
                    }
                }
                Ok(true)
            },
        )
        .await?;
        let after = start.elapsed();
        let counts = store.delivery_counts(None).await?;
        (Some(after), Some(counts.pending))
    };

    let max_requests_per_server = servers
        .iter()
        .map(|s| s.sim.requests.load(Ordering::SeqCst))
        .max()
        .unwrap_or(0);
    let result = ScenarioResult {
        name: name.to_string(),
        command,
        delay_ms,
        dead,
        followers_stored,
        seed: seed_time,
        queued,
        publish: publish_time,
        first_arrival: us_to_duration(totals.first_arrival_us.load(Ordering::SeqCst)),
        last_live_arrival: us_to_duration(totals.last_arrival_us.load(Ordering::SeqCst)),
        all_live_received_polled,
        last_live_answer: us_to_duration(totals.last_answer_us.load(Ordering::SeqCst)),
        all_live_recorded,
        cpu,
        requests: totals.requests.load(Ordering::SeqCst),
        personal_inbox_requests: totals.personal_inbox_requests.load(Ordering::SeqCst),
        malformed: totals.malformed.load(Ordering::SeqCst),
        max_requests_per_server,
        pending_when_live_done,
        failed_when_live_done,
        dead_reached: totals.dead_reached.load(Ordering::SeqCst),
        dead_timed_out_after,
        pending_after_timeouts,
        warnings: logs.warnings.load(Ordering::SeqCst) - warnings_before,
        errors: logs.errors.load(Ordering::SeqCst) - errors_before,
    };
    bench.stop().await;
    for server in servers {
        server.task.abort();
    }
    Ok(result)
}

// ---------------------------------------------------------------------------------------
// Signing cost.

struct SignCost {
    samples: usize,
    rsa_sign: Duration,
    signed_request: Duration,
}

async fn measure_signing(samples: usize) -> Result<SignCost> {
    let key = common::villages::keys().await?.private.clone();
    let samples = samples.max(1);
    let message = "(request-target): post /inbox\nhost: localhost:1\ndate: x\ndigest: y";
    let started = Instant::now();
    for _ in 0..samples {
        key.sign(
            Pkcs1v15Sign::new::<Sha256>(),
            &Sha256::digest(message.as_bytes()),
        )
        .context("signing")?;
    }
    let rsa_sign = started.elapsed() / samples as u32;

    let client = reqwest::Client::new();
    let inbox = Url::parse("http://localhost:1/inbox").context("inbox URL")?;
    let actor = Url::parse("http://localhost:2/u/desa").context("actor URL")?;
    let body = Bytes::from(vec![b'x'; 2_000]);
    let started = Instant::now();
    for _ in 0..samples {
        signing::signed_post(&client, &inbox, body.clone(), &actor, key.clone())
            .await
            .map_err(|err| anyhow::anyhow!("signing a request: {err}"))?;
    }
    let signed_request = started.elapsed() / samples as u32;
    Ok(SignCost {
        samples,
        rsa_sign,
        signed_request,
    })
}

// ---------------------------------------------------------------------------------------
// The release binary: size and idle RSS.

struct ProcessFigures {
    bin: PathBuf,
    size_bytes: u64,
    rss_kb: u64,
    hwm_kb: u64,
}

fn default_bin() -> Result<PathBuf> {
    // target/release/examples/bench_fanout -> target/release/kentongan
    let exe = std::env::current_exe().context("locating this example")?;
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .context("this example is not under target/PROFILE/examples")?;
    Ok(dir.join("kentongan"))
}

fn status_kb(pid: u32, field: &str) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("reading /proc/{pid}/status"))?;
    let line = status
        .lines()
        .find(|line| line.starts_with(field))
        .with_context(|| format!("no {field} in /proc/{pid}/status"))?;
    line.split_whitespace()
        .nth(1)
        .context("malformed status line")?
        .parse()
        .context("malformed status number")
}

async fn measure_process(args: &Args) -> Result<ProcessFigures> {
    let bin = match &args.bin {
        Some(bin) => bin.clone(),
        None => default_bin()?,
    };
    let size_bytes = std::fs::metadata(&bin)
        .with_context(|| {
            format!(
                "{} is missing: run `cargo build --release` first",
                bin.display()
            )
        })?
        .len();
    let pg = PgDb::for_backend(args.backend).await?;
    let result = run_child(&bin, pg.as_ref().map(|pg| pg.url.as_str())).await;
    if let Some(pg) = &pg {
        pg.drop_database().await;
    }
    let (rss_kb, hwm_kb) = result?;
    Ok(ProcessFigures {
        bin,
        size_bytes,
        rss_kb,
        hwm_kb,
    })
}

async fn run_child(bin: &Path, database_url: Option<&str>) -> Result<(u64, u64)> {
    let dir = tempfile::tempdir().context("creating a data directory")?;
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
        probe.local_addr().context("probe address")?.port()
    };
    let mut init = tokio::process::Command::new(bin);
    init.arg("init")
        .arg("--dir")
        .arg(dir.path())
        .args(["--domain", &format!("localhost:{port}")])
        .args(["--username", "desa", "--name", "Desa"])
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .arg("--insecure-local");
    if let Some(url) = database_url {
        init.args(["--database-url", url]);
    }
    let output = init.output().await.context("running kentongan init")?;
    if !output.status.success() {
        bail!(
            "kentongan init failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let log = std::fs::File::create(dir.path().join("serve.log")).context("creating a log")?;
    let mut child = tokio::process::Command::new(bin)
        .arg("serve")
        .arg("--dir")
        .arg(dir.path())
        .stdout(log.try_clone().context("log handle")?)
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .context("starting kentongan serve")?;
    let pid = child.id().context("the child has no pid")?;
    let client = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}/.well-known/nodeinfo");
    let deadline = Instant::now() + Duration::from_secs(60);
    let measured = loop {
        if let Ok(response) = client.get(&url).send().await
            && response.status().is_success()
        {
            break Ok((status_kb(pid, "VmRSS:")?, status_kb(pid, "VmHWM:")?));
        }
        if let Ok(Some(status)) = child.try_wait() {
            break Err(anyhow::anyhow!("kentongan serve exited early: {status}"));
        }
        if Instant::now() > deadline {
            break Err(anyhow::anyhow!(
                "kentongan serve did not answer nodeinfo in 60 s"
            ));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let _ = child.kill().await;
    measured
}

// ---------------------------------------------------------------------------------------

fn render(
    args: &Args,
    scenarios: &[ScenarioResult],
    sign: &SignCost,
    process: &Result<ProcessFigures>,
) -> String {
    let mut out = String::new();
    let backend = match args.backend {
        BackendArg::Sqlite => "sqlite",
        BackendArg::Postgres => "postgres",
    };
    let concurrency = args
        .concurrency
        .map(|c| c.to_string())
        .unwrap_or_else(|| "64 (default)".into());
    let _ = writeln!(
        out,
        "### Fan-out of one post: backend {backend}, {} followers, {} servers, delivery concurrency {concurrency}, published {}\n",
        args.followers,
        args.servers,
        if args.command_elsewhere {
            "by `kentongan post` on another directory (PostgreSQL notification only)"
        } else if args.from_command_line {
            "by `kentongan post` in another process"
        } else {
            "in process"
        }
    );
    let _ = writeln!(out, "Load average at the end: {}\n", load_average());
    let mut header = String::from("| |");
    let mut rule = String::from("|---|");
    for s in scenarios {
        let _ = write!(
            header,
            " {} ({} ms answers, {} dead) |",
            s.name, s.delay_ms, s.dead
        );
        rule.push_str("---:|");
    }
    let _ = writeln!(out, "{header}\n{rule}");
    let row = |out: &mut String, label: &str, f: &dyn Fn(&ScenarioResult) -> String| {
        let mut line = format!("| {label} |");
        for s in scenarios {
            let _ = write!(line, " {} |", f(s));
        }
        let _ = writeln!(out, "{line}");
    };
    row(
        &mut out,
        "followers stored (seeding time, not measured)",
        &|s| format!("{} ({:.1} s)", s.followers_stored, s.seed.as_secs_f64()),
    );
    row(&mut out, "deliveries queued by the post", &|s| {
        s.queued.to_string()
    });
    row(
        &mut out,
        "`publish()` (transaction + fan-out rows), ms",
        &|s| ms(s.publish),
    );
    if args.from_command_line {
        row(&mut out, "`kentongan post` wrote the post, ms", &|s| {
            s.command
                .as_ref()
                .map(|c| ms(c.written))
                .unwrap_or_default()
        });
        row(&mut out, "`kentongan post` exited, ms", &|s| {
            s.command.as_ref().map(|c| ms(c.exited)).unwrap_or_default()
        });
        row(
            &mut out,
            "**post written → first request arrived**, ms",
            &|s| {
                s.command
                    .as_ref()
                    .map(|c| format!("**{}**", ms(s.first_arrival.saturating_sub(c.written))))
                    .unwrap_or_default()
            },
        );
    }
    row(&mut out, "first server reached, ms", &|s| {
        ms(s.first_arrival)
    });
    row(
        &mut out,
        "**all live servers received the post**, ms (last arrival)",
        &|s| format!("**{}**", ms(s.last_live_arrival)),
    );
    row(&mut out, "same, seen by 2 ms polling, ms", &|s| {
        ms(s.all_live_received_polled)
    });
    row(&mut out, "last live server answered, ms", &|s| {
        ms(s.last_live_answer)
    });
    row(&mut out, "node recorded all live deliveries, ms", &|s| {
        ms(s.all_live_recorded)
    });
    row(
        &mut out,
        "CPU time of the process (node + simulated servers) until then, ms",
        &|s| ms(s.cpu),
    );
    row(&mut out, "requests sent (= servers?)", &|s| {
        let expected = args.servers;
        let mark = if s.requests == expected {
            "yes"
        } else {
            "**NO**"
        };
        format!("{} ({mark})", s.requests)
    });
    row(&mut out, "requests to personal inboxes", &|s| {
        s.personal_inbox_requests.to_string()
    });
    row(&mut out, "unsigned or non-Create requests", &|s| {
        s.malformed.to_string()
    });
    row(&mut out, "most requests to one server", &|s| {
        s.max_requests_per_server.to_string()
    });
    row(&mut out, "requests/s (live servers / last arrival)", &|s| {
        let live = (args.servers - s.dead) as f64;
        format!("{:.0}", live / s.last_live_arrival.as_secs_f64().max(1e-9))
    });
    row(
        &mut out,
        "pending / failed when all live were recorded",
        &|s| format!("{} / {}", s.pending_when_live_done, s.failed_when_live_done),
    );
    row(&mut out, "dead servers that received the request", &|s| {
        format!("{} of {}", s.dead_reached, s.dead)
    });
    row(
        &mut out,
        "dead servers' attempts timed out after, ms (still pending)",
        &|s| match (s.dead_timed_out_after, s.pending_after_timeouts) {
            (Some(after), Some(pending)) => format!("{} ({pending} pending)", ms(after)),
            _ => "-".into(),
        },
    );
    row(&mut out, "node warnings / errors logged", &|s| {
        format!("{} / {}", s.warnings, s.errors)
    });
    let _ = writeln!(out);
    let _ = writeln!(out, "| other figure | value |\n|---|---:|");
    let _ = writeln!(
        out,
        "| RSA-2048 PKCS#1 v1.5 signature (mean of {}) | {:.2} ms |",
        sign.samples,
        sign.rsa_sign.as_secs_f64() * 1000.0
    );
    let _ = writeln!(
        out,
        "| whole signed request (`signing::signed_post`: digest, headers, signature) | {:.2} ms |",
        sign.signed_request.as_secs_f64() * 1000.0
    );
    let _ = writeln!(
        out,
        "| signatures/s on one core | {:.0} |",
        1.0 / sign.rsa_sign.as_secs_f64().max(1e-9)
    );
    match process {
        Ok(p) => {
            let _ = writeln!(
                out,
                "| idle RSS of `kentongan serve` ({backend}) after it answered nodeinfo | {:.1} MiB ({} kB; peak {} kB) |",
                p.rss_kb as f64 / 1024.0,
                p.rss_kb,
                p.hwm_kb
            );
            let _ = writeln!(
                out,
                "| release binary `{}` | {:.1} MiB ({} bytes) |",
                p.bin.display(),
                p.size_bytes as f64 / (1024.0 * 1024.0),
                p.size_bytes
            );
        }
        Err(err) => {
            let _ = writeln!(out, "| idle RSS and binary size | not measured: {err:#} |");
        }
    }
    out
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    if args.servers == 0 || args.followers < args.servers {
        bail!("--followers must be at least --servers, and --servers at least 1");
    }
    let logs = Arc::new(LogCounts::default());
    tracing_subscriber::registry()
        .with(stderr_log())
        .with(logs.layer())
        .init();

    let mut scenarios = Vec::new();
    if matches!(args.scenario, ScenarioArg::Both | ScenarioArg::Fast) {
        scenarios.push(run_scenario(&args, &logs, "fast", 0, 0).await?);
    }
    if matches!(args.scenario, ScenarioArg::Both | ScenarioArg::Slow) {
        scenarios.push(run_scenario(&args, &logs, "slow", args.slow_ms, args.dead).await?);
    }
    eprintln!("timing {} signatures...", args.sign_samples);
    let sign = measure_signing(args.sign_samples).await?;
    let process = if args.skip_process {
        Err(anyhow::anyhow!("skipped (--skip-process)"))
    } else {
        eprintln!("measuring the idle RSS of kentongan serve...");
        measure_process(&args).await
    };
    print!("{}", render(&args, &scenarios, &sign, &process));
    Ok(())
}
