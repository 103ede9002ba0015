//! Portal timeline benchmark: latency of the front page and of `GET /api/timeline` with
//! a million village posts, and the query plans behind them.
//!
//! ```text
//! cargo run --release --example bench_timeline -- [--posts 1000000] [--villages 500] \
//!     [--districts 20] [--backend sqlite|postgres] [--requests 2000] [--concurrency 4]
//! ```
//!
//! 1. Seeds a portal's database as fast as it can: the villages through
//!    `portal::registry::add` (then parked: their next job is far in the future, so the
//!    portal's worker does not try to follow villages that do not exist), the posts
//!    through `Store::bulk_insert_village_posts` (many rows per statement, one
//!    transaction per `--batch` posts). Posts are spread over 3 years, oldest first, over
//!    the villages of `--districts` districts; a few villages are quiet (5 old posts
//!    each); each post has 1–3 hashtags from a small vocabulary, and 1 post in 5 000 the
//!    rare tag `gempa`. PostgreSQL gets `VACUUM ANALYZE` afterwards (as autovacuum would
//!    soon do); SQLite gets nothing, like a real node (Kentongan never runs `ANALYZE`).
//! 2. Starts the portal in-process and measures each request with `--concurrency`
//!    clients: `--requests` requests, or fewer when a case takes longer than
//!    `--case-secs`.
//! 3. Shows, for each filter, the query plan of the statement `Store::timeline_page` runs
//!    (its SQL taken from sqlx's own log of it, so it is the code measured; the values
//!    bound are rebuilt here and checked: same rows as the store), on SQLite with
//!    `EXPLAIN QUERY PLAN` and on PostgreSQL with `EXPLAIN (ANALYZE, BUFFERS)`, both as
//!    a custom plan (the values known) and as the generic plan a prepared statement may
//!    switch to after five executions.
//!
//! `--backend postgres` takes its server from `TEST_POSTGRES_URL` and creates (then
//! drops) a fresh database. This is a command that prints Markdown, not a test.

mod common;

use anyhow::{Context, Result, bail};
use clap::Parser;
use futures::{StreamExt, stream};
use kentongan::{
    clock::{now_ms, to_datetime},
    config::Role,
    portal::registry::{self, VillageInput},
    store::{NewVillagePost, Store, TimelineFilter},
};
use rand::{Rng, SeedableRng, rngs::StdRng};
use std::{
    fmt::Write as _,
    sync::Mutex,
    time::{Duration, Instant},
};
use tracing_subscriber::{Layer as _, layer::SubscriberExt as _, util::SubscriberInitExt as _};

use common::{BackendArg, NodeDir, PgDb, Raw, load_average, quantile, stderr_log};

#[derive(Parser, Debug)]
#[command(about = "Portal timeline benchmark for Kentongan (1 million posts)")]
struct Args {
    #[arg(long, default_value_t = 1_000_000)]
    posts: usize,
    #[arg(long, default_value_t = 500)]
    villages: usize,
    #[arg(long, default_value_t = 20)]
    districts: usize,
    /// Posts are published over this many years, up to now.
    #[arg(long, default_value_t = 3)]
    years: i64,
    #[arg(long, value_enum, default_value = "sqlite")]
    backend: BackendArg,
    /// Requests per case (fewer when the case passes `--case-secs`).
    #[arg(long, default_value_t = 2_000)]
    requests: usize,
    /// Concurrent clients.
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// Time budget of one case, in seconds.
    #[arg(long, default_value_t = 60)]
    case_secs: u64,
    /// Posts per seeding transaction.
    #[arg(long, default_value_t = 10_000)]
    batch: usize,
    /// Stop seeding after this many seconds and go on with what is stored (reported).
    #[arg(long, default_value_t = 900)]
    seed_deadline_secs: u64,
    /// Seed of the random data, so that two runs hold the same posts.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Diagnostic, PostgreSQL only: `ALTER DATABASE … SET plan_cache_mode =
    /// force_custom_plan` before the portal starts. Kentongan now opens every connection
    /// with that setting (`Store::connect`), so this changes nothing for the portal; it
    /// is kept so that older commands still run.
    #[arg(long)]
    pg_force_custom_plan: bool,
}

// ---------------------------------------------------------------------------------------
// The data.

const DAY_MS: i64 = 24 * 3600 * 1000;

/// Hashtags and how often they appear (weights), as village news is tagged.
const TAGS: [(&str, u32); 11] = [
    ("pengumuman", 30),
    ("berita", 25),
    ("agenda", 15),
    ("umkm", 10),
    ("kesehatan", 8),
    ("pertanian", 8),
    ("wisata", 6),
    ("pendidikan", 6),
    ("olahraga", 4),
    ("budaya", 4),
    ("bencana", 2),
];
const RARE_TAG: &str = "gempa";
const RARE_EVERY: usize = 5_000;
const QUIET_POSTS: usize = 5;

const TITLES: [&str; 8] = [
    "Kerja bakti membersihkan saluran air",
    "Musyawarah desa rencana pembangunan",
    "Posyandu balita dan lansia",
    "Penyaluran bantuan langsung tunai",
    "Pelatihan pengolahan hasil pertanian",
    "Lomba kebersihan antar dusun",
    "Festival budaya dan kuliner desa",
    "Jadwal vaksinasi ternak",
];

const PARAGRAPHS: [&str; 4] = [
    "<p>Diberitahukan kepada seluruh warga bahwa kegiatan ini akan dilaksanakan di balai desa mulai pukul 07.30 WIB. Warga diharapkan hadir tepat waktu dan membawa peralatan masing-masing.</p>",
    "<p>Pemerintah desa mengucapkan terima kasih kepada seluruh warga, karang taruna dan kelompok PKK yang telah membantu terselenggaranya kegiatan ini dengan baik dan lancar.</p>",
    "<p>Informasi lebih lanjut dapat ditanyakan kepada kepala dusun atau perangkat desa pada jam kerja, Senin sampai Jumat, di kantor desa.</p>",
    "<p>Dana kegiatan bersumber dari Dana Desa tahun anggaran berjalan dan swadaya masyarakat, sesuai hasil musyawarah desa yang telah disepakati bersama.</p>",
];

struct Village {
    id: i64,
    host: String,
    district: String,
}

fn pick_tags(rng: &mut StdRng) -> Vec<String> {
    let total: u32 = TAGS.iter().map(|(_, w)| w).sum();
    let count = rng.gen_range(1..=3);
    let mut tags: Vec<String> = Vec::with_capacity(count + 1);
    while tags.len() < count {
        let mut roll = rng.gen_range(0..total);
        for (tag, weight) in TAGS {
            if roll < weight {
                if !tags.iter().any(|t| t == tag) {
                    tags.push(tag.to_string());
                }
                break;
            }
            roll -= weight;
        }
    }
    tags
}

fn make_post(
    rng: &mut StdRng,
    index: usize,
    village: &Village,
    published_at: i64,
) -> NewVillagePost {
    let ap_id = format!("https://{}/p/{index:08x}", village.host);
    let title = format!("{} ({index})", TITLES[index % TITLES.len()]);
    let mut content_html = String::with_capacity(700);
    for k in 0..3 {
        content_html.push_str(PARAGRAPHS[(index + k) % PARAGRAPHS.len()]);
    }
    let mut tags = pick_tags(rng);
    if index % RARE_EVERY == RARE_EVERY / 2 {
        tags.push(RARE_TAG.to_string());
    }
    let summary = if rng.gen_bool(0.2) {
        "Ringkasan kegiatan desa untuk warga yang tidak sempat hadir.".to_string()
    } else {
        String::new()
    };
    NewVillagePost {
        url: ap_id.clone(),
        image_url: rng
            .gen_bool(0.3)
            .then(|| format!("https://{}/m/{index:08x}.jpg", village.host)),
        ap_id,
        village_id: village.id,
        title,
        summary,
        content_html,
        from_feed: false,
        published_at,
        updated_at: None,
        tags,
    }
}

struct Seeded {
    villages: Vec<Village>,
    posts: u64,
    took: Duration,
    stopped_early: bool,
    /// Oldest and newest `published_at` seeded.
    span: (i64, i64),
}

async fn seed(args: &Args, store: &Store) -> Result<Seeded> {
    let now = now_ms();
    let mut villages = Vec::with_capacity(args.villages);
    for index in 0..args.villages {
        let host = format!("desa-{index:03}.kab-uji.invalid");
        let village = registry::add(
            store,
            &VillageInput {
                name: format!("Desa Uji {index:03}"),
                source: format!("desa@{host}"),
                district: format!("Kecamatan {:02}", index % args.districts.max(1) + 1),
                code: String::new(),
            },
        )
        .await?;
        // Parked: the worker would otherwise look these made-up villages up.
        store
            .finish_village_job(village.id, i64::MAX / 4, false, None, None, now)
            .await?;
        villages.push(Village {
            id: village.id,
            host,
            district: village.district,
        });
    }
    let quiet = (args.villages / 50)
        .max(1)
        .min(args.villages.saturating_sub(1));
    let active = args.villages - quiet;
    let quiet_posts = (quiet * QUIET_POSTS).min(args.posts);
    let main_posts = args.posts - quiet_posts;
    let span_ms = args.years * 365 * DAY_MS;
    let oldest = now - span_ms;
    let mut rng = StdRng::seed_from_u64(args.seed);
    let started = Instant::now();
    let deadline = started + Duration::from_secs(args.seed_deadline_secs);
    let mut stored = 0u64;
    let mut stopped_early = false;
    let mut newest = oldest;
    // The quiet villages' few posts first: they are old.
    let mut batch: Vec<NewVillagePost> = Vec::with_capacity(args.batch.max(1));
    for k in 0..quiet_posts {
        let village = &villages[active + k % quiet];
        let at = oldest + rng.gen_range(0..span_ms / 3);
        batch.push(make_post(&mut rng, main_posts + k, village, at));
    }
    stored += store.bulk_insert_village_posts(&batch, now).await?;
    batch.clear();
    let mut last_report = Instant::now();
    for index in 0..main_posts {
        // Oldest first, as posts arrive, with up to a day of disorder.
        let at = (oldest
            + (index as i64 * span_ms) / main_posts.max(1) as i64
            + rng.gen_range(-DAY_MS / 2..DAY_MS / 2))
        .min(now);
        newest = newest.max(at);
        let village = &villages[rng.gen_range(0..active)];
        batch.push(make_post(&mut rng, index, village, at));
        if batch.len() >= args.batch.max(1) || index + 1 == main_posts {
            stored += store.bulk_insert_village_posts(&batch, now).await?;
            batch.clear();
            if last_report.elapsed() >= Duration::from_secs(15) {
                last_report = Instant::now();
                eprintln!(
                    "  {stored} posts after {:.0} s",
                    started.elapsed().as_secs_f64()
                );
            }
            if Instant::now() > deadline && index + 1 < main_posts {
                stopped_early = true;
                break;
            }
        }
    }
    Ok(Seeded {
        villages,
        posts: stored,
        took: started.elapsed(),
        stopped_early,
        span: (oldest, newest),
    })
}

// ---------------------------------------------------------------------------------------
// The requests.

struct Case {
    label: String,
    path: String,
    /// What the store is asked, for the query plan (None: no plan shown for this case).
    filter: Option<PlanCase>,
}

#[derive(Clone)]
struct PlanCase {
    label: String,
    filter: TimelineFilter,
    before: Option<(i64, i64)>,
    limit: i64,
}

struct CaseResult {
    label: String,
    path: String,
    done: usize,
    failed: usize,
    statuses: String,
    latencies: Vec<Duration>,
    wall: Duration,
    items: Option<usize>,
    bytes: usize,
}

fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 10.0 {
        format!("{ms:.2}")
    } else {
        format!("{ms:.0}")
    }
}

async fn measure(
    client: &reqwest::Client,
    base: &str,
    case: &Case,
    args: &Args,
) -> Result<CaseResult> {
    let url = format!("{base}{}", case.path);
    // The first answer tells what a page holds; a few more warm caches (not measured).
    let first = client.get(&url).send().await.context("first request")?;
    let status = first.status();
    let body = first.bytes().await.context("first body")?;
    if !status.is_success() {
        bail!(
            "{} answered {status}: {}",
            case.path,
            String::from_utf8_lossy(&body)
        );
    }
    let items = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v["items"].as_array().map(Vec::len));
    // Warm-up, bounded: a case whose requests take seconds gets none.
    let warm = Instant::now();
    for _ in 0..args.concurrency.max(1) * 2 {
        if warm.elapsed() > Duration::from_secs(2) {
            break;
        }
        let _ = client.get(&url).send().await?.bytes().await;
    }
    let budget = Duration::from_secs(args.case_secs);
    let started = Instant::now();
    let results: Vec<Option<(u16, Duration)>> = stream::iter(0..args.requests)
        .map(|_| {
            let url = url.clone();
            async move {
                if started.elapsed() > budget {
                    return None;
                }
                let sent = Instant::now();
                let status = match client.get(&url).send().await {
                    Ok(response) => {
                        let status = response.status().as_u16();
                        match response.bytes().await {
                            Ok(_) => status,
                            Err(_) => 0,
                        }
                    }
                    Err(_) => 0,
                };
                Some((status, sent.elapsed()))
            }
        })
        .buffer_unordered(args.concurrency.max(1))
        .collect()
        .await;
    let wall = started.elapsed();
    let done: Vec<(u16, Duration)> = results.into_iter().flatten().collect();
    let failed = done.iter().filter(|(s, _)| *s != 200).count();
    let mut statuses = std::collections::BTreeMap::new();
    for (status, _) in &done {
        *statuses.entry(*status).or_insert(0usize) += 1;
    }
    let mut latencies: Vec<Duration> = done.iter().map(|(_, d)| *d).collect();
    latencies.sort();
    Ok(CaseResult {
        label: case.label.clone(),
        path: case.path.clone(),
        done: done.len(),
        failed,
        statuses: statuses
            .iter()
            .map(|(s, n)| format!("{n}×{s}"))
            .collect::<Vec<_>>()
            .join(" "),
        latencies,
        wall,
        items,
        bytes: body.len(),
    })
}

// ---------------------------------------------------------------------------------------
// Query plans. The SQL is not copied here: it is taken from sqlx's own log line of each
// statement `Store::timeline_page` runs (target `sqlx::query`, field `db.statement`),
// captured only while the plans are made, so the plans are those of the code measured.

/// The statements captured while capturing is switched on.
static CAPTURED: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct CaptureLayer;

#[derive(Default)]
struct StatementVisitor(Option<String>);

impl tracing::field::Visit for StatementVisitor {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        if field.name() == "db.statement" {
            self.0 = Some(value.to_string());
        }
    }

    fn record_debug(&mut self, _field: &tracing::field::Field, _value: &dyn std::fmt::Debug) {}
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for CaptureLayer {
    fn on_event(
        &self,
        event: &tracing::Event<'_>,
        _ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        let mut visitor = StatementVisitor::default();
        event.record(&mut visitor);
        if let Some(sql) = visitor.0
            && let Ok(mut captured) = CAPTURED.lock()
        {
            captured.push(sql.trim().to_string());
        }
    }
}

/// Switches statement capture on (`true`) or off.
type CaptureSwitch = Box<dyn Fn(bool) -> Result<()> + Send + Sync>;

/// The SQL `Store::timeline_page` runs for `case` (it writes only the filters in use, so
/// each case has its own statement), as sqlx logged it.
async fn timeline_sql(store: &Store, switch: &CaptureSwitch, case: &PlanCase) -> Result<String> {
    if let Ok(mut captured) = CAPTURED.lock() {
        captured.clear();
    }
    switch(true)?;
    let read = store
        .timeline_page(&case.filter, case.before, case.limit)
        .await;
    switch(false)?;
    read?;
    let captured = CAPTURED.lock().map(|c| c.clone()).unwrap_or_default();
    captured
        .into_iter()
        .rev()
        .find(|sql| sql.contains("village_posts p") && sql.contains("ORDER BY"))
        .context("the timeline statement was not seen in sqlx's log")
}

/// A value bound to the statement.
#[derive(Clone, Debug)]
enum Param {
    Text(String),
    Int(i64),
}

impl Param {
    fn literal(&self) -> String {
        match self {
            Self::Text(text) => format!("'{}'", text.replace('\'', "''")),
            Self::Int(n) => n.to_string(),
        }
    }
}

/// The values `Store::timeline_page` binds for `case`, in the order it binds them (tag,
/// village, district, since, until, cursor time twice and id, limit). The run checks
/// this against the statement (number of placeholders, and the same rows as the store),
/// so a change in the store is noticed rather than explained wrongly.
fn params_of(case: &PlanCase) -> Vec<Param> {
    let f = &case.filter;
    let mut params = Vec::new();
    if let Some(tag) = &f.tag {
        params.push(Param::Text(tag.clone()));
    }
    if let Some(village) = f.village_id {
        params.push(Param::Int(village));
    }
    if let Some(district) = &f.district {
        params.push(Param::Text(district.clone()));
    }
    if let Some(since) = f.since {
        params.push(Param::Int(since));
    }
    if let Some(until) = f.until {
        params.push(Param::Int(until));
    }
    if let Some((at, id)) = case.before {
        params.extend([Param::Int(at), Param::Int(at), Param::Int(id)]);
    }
    params.push(Param::Int(case.limit));
    params
}

/// How many values `sql` takes: its highest `$n` (PostgreSQL), or its `?`s (SQLite).
fn placeholders(sql: &str) -> usize {
    let numbered = sql
        .split('$')
        .skip(1)
        .filter_map(|rest| {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse::<usize>().ok()
        })
        .max()
        .unwrap_or(0);
    numbered.max(sql.matches('?').count())
}

struct Plan {
    label: String,
    sql: String,
    /// SQLite: the plan; PostgreSQL: the custom plan with the values known.
    plan: Vec<String>,
    /// PostgreSQL only: the generic plan of the prepared statement.
    generic: Vec<String>,
    /// Time of the query alone (SQLite: one run, or the median of 3 when under a
    /// second; PostgreSQL: EXPLAIN ANALYZE's execution time).
    query_ms: Option<f64>,
    generic_ms: Option<f64>,
    /// Whether the statement run here with `params_of` gave the store's rows.
    same_rows: bool,
}

/// How long PostgreSQL may run one EXPLAIN ANALYZE before the plan is shown unrun.
const PLAN_TIMEOUT_SECS: u64 = 180;

async fn run_ids(raw: &Raw, sql: &str, params: &[Param]) -> Result<(Vec<i64>, f64)> {
    let wrapped = format!("SELECT id FROM ({sql}) AS page");
    let started = Instant::now();
    let rows: Vec<(i64,)> = match raw {
        Raw::Sqlite(pool) => {
            let mut query = sqlx::query_as(sqlx::AssertSqlSafe(wrapped));
            for param in params {
                query = match param {
                    Param::Text(text) => query.bind(text.clone()),
                    Param::Int(n) => query.bind(*n),
                };
            }
            query.fetch_all(pool).await
        }
        Raw::Postgres(pool) => {
            let mut query = sqlx::query_as(sqlx::AssertSqlSafe(wrapped));
            for param in params {
                query = match param {
                    Param::Text(text) => query.bind(text.clone()),
                    Param::Int(n) => query.bind(*n),
                };
            }
            query.fetch_all(pool).await
        }
    }
    .context("running the timeline statement")?;
    let took = started.elapsed().as_secs_f64() * 1000.0;
    let mut ids: Vec<i64> = rows.into_iter().map(|(id,)| id).collect();
    ids.sort_unstable();
    Ok((ids, took))
}

async fn plans(
    raw: &Raw,
    store: &Store,
    switch: &CaptureSwitch,
    cases: &[PlanCase],
) -> Result<Vec<Plan>> {
    let mut out = Vec::new();
    for case in cases {
        eprintln!("  plan: {}", case.label);
        let sql = timeline_sql(store, switch, case).await?;
        let params = params_of(case);
        if placeholders(&sql) != params.len() {
            bail!(
                "the timeline statement for {:?} has {} placeholders, the example binds {}: \
                 update params_of to match Store::timeline_page",
                case.label,
                placeholders(&sql),
                params.len()
            );
        }
        let mut expected: Vec<i64> = store
            .timeline_page(&case.filter, case.before, case.limit)
            .await?
            .iter()
            .map(|p| p.id)
            .collect();
        expected.sort_unstable();
        let (ids, first_ms) = run_ids(raw, &sql, &params).await?;
        let same_rows = ids == expected;
        match raw {
            Raw::Sqlite(pool) => {
                let mut query = sqlx::query_as::<_, (i64, i64, i64, String)>(sqlx::AssertSqlSafe(
                    format!("EXPLAIN QUERY PLAN {sql}"),
                ));
                for param in &params {
                    query = match param {
                        Param::Text(text) => query.bind(text.clone()),
                        Param::Int(n) => query.bind(*n),
                    };
                }
                let rows = query.fetch_all(pool).await.context("EXPLAIN QUERY PLAN")?;
                let mut times = vec![first_ms];
                while times.len() < 3 && first_ms < 1000.0 {
                    times.push(run_ids(raw, &sql, &params).await?.1);
                }
                times.sort_by(f64::total_cmp);
                out.push(Plan {
                    label: case.label.clone(),
                    sql,
                    plan: rows
                        .into_iter()
                        .map(|(id, parent, _, detail)| format!("{id}<-{parent}: {detail}"))
                        .collect(),
                    generic: Vec::new(),
                    query_ms: Some(times[times.len() / 2]),
                    generic_ms: None,
                    same_rows,
                });
            }
            Raw::Postgres(pool) => {
                let mut conn = pool.acquire().await.context("a connection")?;
                let prepare =
                    format!("SET statement_timeout = '{PLAN_TIMEOUT_SECS}s'; PREPARE tl AS {sql}");
                sqlx::raw_sql(sqlx::AssertSqlSafe(prepare))
                    .execute(&mut *conn)
                    .await
                    .context("PREPARE")?;
                let values = params
                    .iter()
                    .map(Param::literal)
                    .collect::<Vec<_>>()
                    .join(", ");
                let mut results = Vec::new();
                for mode in ["force_custom_plan", "force_generic_plan"] {
                    let explain = |options: &str| {
                        format!(
                            "SET plan_cache_mode = {mode}; EXPLAIN ({options}) EXECUTE tl({values})"
                        )
                    };
                    let analyzed = sqlx::raw_sql(sqlx::AssertSqlSafe(explain(
                        "ANALYZE, BUFFERS, COSTS OFF, TIMING OFF",
                    )))
                    .fetch_all(&mut *conn)
                    .await;
                    let (rows, ran) = match analyzed {
                        Ok(rows) => (rows, true),
                        // Too slow to run: show the plan without running it.
                        Err(_) => (
                            sqlx::raw_sql(sqlx::AssertSqlSafe(explain("COSTS OFF")))
                                .fetch_all(&mut *conn)
                                .await
                                .context("EXPLAIN")?,
                            false,
                        ),
                    };
                    let mut lines: Vec<String> = {
                        use sqlx::Row;
                        rows.iter()
                            .filter_map(|row| row.try_get::<String, _>(0).ok())
                            .collect()
                    };
                    let ms = lines
                        .iter()
                        .find_map(|line| line.trim().strip_prefix("Execution Time: "))
                        .and_then(|rest| rest.trim_end_matches(" ms").parse::<f64>().ok());
                    if !ran {
                        lines.push(format!(
                            "(not run: EXPLAIN ANALYZE passed the {PLAN_TIMEOUT_SECS} s statement timeout)"
                        ));
                    }
                    results.push((lines, ms));
                }
                sqlx::raw_sql("DEALLOCATE tl; RESET plan_cache_mode; RESET statement_timeout")
                    .execute(&mut *conn)
                    .await
                    .context("DEALLOCATE")?;
                let (generic, generic_ms) = results.pop().unwrap_or_default();
                let (custom, custom_ms) = results.pop().unwrap_or_default();
                out.push(Plan {
                    label: case.label.clone(),
                    sql,
                    plan: custom,
                    generic,
                    query_ms: custom_ms,
                    generic_ms,
                    same_rows,
                });
            }
        }
    }
    Ok(out)
}

/// PostgreSQL settings that shape the plans (the server's defaults unless changed).
async fn pg_settings(raw: &Raw) -> Result<Option<String>> {
    let Raw::Postgres(pool) = raw else {
        return Ok(None);
    };
    let rows: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT name, setting, unit FROM pg_settings WHERE name IN ('shared_buffers', 'work_mem', \
           'effective_cache_size', 'random_page_cost', 'jit', 'max_parallel_workers_per_gather', \
           'plan_cache_mode') ORDER BY name",
    )
    .fetch_all(pool)
    .await
    .context("reading PostgreSQL settings")?;
    Ok(Some(
        rows.into_iter()
            .map(|(name, setting, unit)| match unit {
                // `shared_buffers` is counted in pages of `8kB`.
                Some(unit) if unit.starts_with(|c: char| c.is_ascii_digit()) => {
                    format!("{name}={setting}×{unit}")
                }
                Some(unit) => format!("{name}={setting}{unit}"),
                None => format!("{name}={setting}"),
            })
            .collect::<Vec<_>>()
            .join(", "),
    ))
}

/// Whether a plan reads a table without an index somewhere, or sorts the whole set.
fn plan_verdict(lines: &[String]) -> String {
    let mut notes = Vec::new();
    let mut indexes: Vec<String> = Vec::new();
    for line in lines {
        let line = line.trim().trim_start_matches("->").trim();
        // A sequential scan of the small `villages` table (one row per village) is fine;
        // one of the posts or their tags is what matters.
        for table in ["village_posts", "village_post_tags"] {
            if line.contains(&format!("Seq Scan on {table} ")) {
                notes.push(format!("**full scan of {table}**"));
            }
        }
        // `Index Scan using NAME on …`, `Index Only Scan using NAME`, `Bitmap Index Scan on NAME`.
        let index = if line.contains("Bitmap Index Scan on ") {
            line.split("Bitmap Index Scan on ").nth(1)
        } else if line.contains("Index") {
            line.split(" using ").nth(1)
        } else {
            None
        };
        if let Some(rest) = index {
            let name = rest
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_string();
            if !indexes.contains(&name) {
                indexes.push(name);
            }
        }
        if line.starts_with("Sort Key") {
            notes.push(format!("sorts ({line})"));
        }
        if line.starts_with("Sort Method") {
            notes.push(line.to_string());
        }
    }
    let removed: i64 = lines
        .iter()
        .filter_map(|l| {
            l.trim()
                .strip_prefix("Rows Removed by Filter: ")
                .and_then(|n| n.trim().parse::<i64>().ok())
        })
        .sum();
    if removed > 0 {
        notes.push(format!("{removed} rows read and dropped by filters"));
    }
    // The top node's buffers: pages touched in all.
    if let Some(buffers) = lines
        .iter()
        .find_map(|l| l.trim().strip_prefix("Buffers: shared "))
    {
        let pages: i64 = buffers
            .split_whitespace()
            .filter_map(|part| part.split('=').nth(1))
            .filter_map(|n| n.parse::<i64>().ok())
            .sum();
        notes.push(format!("{pages} pages"));
    }
    let mut verdict = if indexes.is_empty() {
        "no index".to_string()
    } else {
        format!("index {}", indexes.join(", "))
    };
    if !notes.is_empty() {
        verdict.push_str("; ");
        verdict.push_str(&notes.join("; "));
    }
    verdict
}

// ---------------------------------------------------------------------------------------

fn db_size_text(bytes: i64) -> String {
    format!("{:.0} MiB", bytes as f64 / (1024.0 * 1024.0))
}

async fn database_size(raw: &Raw, sqlite_dir: &std::path::Path) -> Result<i64> {
    Ok(match raw {
        Raw::Sqlite(_) => {
            let mut total = 0i64;
            for name in ["kentongan.db", "kentongan.db-wal"] {
                if let Ok(meta) = std::fs::metadata(sqlite_dir.join(name)) {
                    total += meta.len() as i64;
                }
            }
            total
        }
        Raw::Postgres(pool) => sqlx::query_scalar("SELECT pg_database_size(current_database())")
            .fetch_one(pool)
            .await
            .context("database size")?,
    })
}

fn date(ms: i64) -> String {
    to_datetime(ms).format("%Y-%m-%d").to_string()
}

#[allow(clippy::too_many_arguments)]
fn render(
    args: &Args,
    backend: &str,
    seeded: &Seeded,
    size: i64,
    load_before: &str,
    load_after_seed: &str,
    results: &[CaseResult],
    plans: &[Plan],
    settings: Option<&str>,
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### Timeline: backend {backend}{}, {} posts, {} villages in {} districts, {} concurrent clients\n",
        if args.pg_force_custom_plan {
            " with plan_cache_mode = force_custom_plan (diagnostic)"
        } else {
            ""
        },
        seeded.posts,
        args.villages,
        args.districts,
        args.concurrency
    );
    let _ = writeln!(out, "| seeding | value |\n|---|---:|");
    let _ = writeln!(
        out,
        "| posts stored{} | {} (published {} to {}) |",
        if seeded.stopped_early {
            " (**stopped early at the seeding deadline**)"
        } else {
            ""
        },
        seeded.posts,
        date(seeded.span.0),
        date(seeded.span.1)
    );
    let _ = writeln!(
        out,
        "| seeding time (bulk inserts, {} posts per transaction) | {:.0} s ({:.0} posts/s) |",
        args.batch,
        seeded.took.as_secs_f64(),
        seeded.posts as f64 / seeded.took.as_secs_f64().max(1e-9)
    );
    let _ = writeln!(
        out,
        "| database size after seeding | {} |",
        db_size_text(size)
    );
    let _ = writeln!(
        out,
        "| load average before seeding / before measuring | {load_before} / {load_after_seed} |\n"
    );
    let _ = writeln!(
        out,
        "| request | requests | p50 ms | p99 ms | max ms | requests/s | page |\n|---|---:|---:|---:|---:|---:|---|"
    );
    for r in results {
        let page = match r.items {
            Some(items) => format!("{items} items, {} kB", r.bytes / 1024),
            None => format!("{} kB HTML", r.bytes / 1024),
        };
        let failures = if r.failed > 0 {
            format!(" (**{} not 200: {}**)", r.failed, r.statuses)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "| {} `{}` | {}{} | {} | **{}** | {} | {:.0} | {} |",
            r.label,
            r.path,
            r.done,
            failures,
            ms(quantile(&r.latencies, 0.5)),
            ms(quantile(&r.latencies, 0.99)),
            ms(quantile(&r.latencies, 1.0)),
            r.done as f64 / r.wall.as_secs_f64().max(1e-9),
            page
        );
    }
    let _ = writeln!(
        out,
        "\nQuery plans of `Store::timeline_page` for each filter (its statement as sqlx ran it, \
         in the details below; \"same rows\": the statement run here gave the store's page):\n"
    );
    let ms_or = |ms: Option<f64>| ms.map_or_else(|| "not run".to_string(), |ms| format!("{ms:.1}"));
    let same = |p: &Plan| if p.same_rows { "yes" } else { "**NO**" };
    if backend == "postgres" {
        if let Some(settings) = settings {
            let _ = writeln!(out, "PostgreSQL settings: {settings}.\n");
        }
        let _ = writeln!(
            out,
            "| filter | custom plan (values known) | query ms | generic plan (prepared, values unknown) | query ms | same rows |\n|---|---|---:|---|---:|---|"
        );
        for p in plans {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                p.label,
                plan_verdict(&p.plan),
                ms_or(p.query_ms),
                plan_verdict(&p.generic),
                ms_or(p.generic_ms),
                same(p),
            );
        }
    } else {
        let _ = writeln!(
            out,
            "| filter | plan (`EXPLAIN QUERY PLAN`) | query ms (median of 3, or 1 run when over 1 s) | same rows |\n|---|---|---:|---|"
        );
        for p in plans {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                p.label,
                p.plan.join("<br>"),
                ms_or(p.query_ms),
                same(p),
            );
        }
    }
    let _ = writeln!(
        out,
        "\n<details><summary>Statements{}</summary>\n",
        if backend == "postgres" {
            " and full PostgreSQL plans"
        } else {
            ""
        }
    );
    for p in plans {
        let _ = writeln!(out, "**{}**:\n\n```sql\n{}\n```\n", p.label, p.sql);
        if backend == "postgres" {
            let _ = writeln!(
                out,
                "custom:\n\n```text\n{}\n```\n\ngeneric:\n\n```text\n{}\n```\n",
                p.plan.join("\n"),
                p.generic.join("\n")
            );
        }
    }
    let _ = writeln!(out, "</details>");
    out
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    if args.villages < 2 || args.posts == 0 || args.districts == 0 {
        bail!("--villages must be at least 2, --posts and --districts at least 1");
    }
    let (capture_filter, handle) =
        tracing_subscriber::reload::Layer::new(tracing_subscriber::filter::Targets::new());
    tracing_subscriber::registry()
        .with(stderr_log())
        .with(CaptureLayer.with_filter(capture_filter))
        .init();
    let switch: CaptureSwitch = Box::new(move |on| {
        handle
            .modify(|targets| {
                *targets = if on {
                    tracing_subscriber::filter::Targets::new()
                        .with_target("sqlx::query", tracing::Level::TRACE)
                } else {
                    tracing_subscriber::filter::Targets::new()
                }
            })
            .context("switching statement capture")
    });
    let backend = args.backend.name();
    let pg = PgDb::for_backend(args.backend).await?;
    let result = run(&args, backend, pg.as_ref(), &switch).await;
    if let Some(pg) = &pg {
        pg.drop_database().await;
    }
    print!("{}", result?);
    Ok(())
}

async fn run(
    args: &Args,
    backend: &str,
    pg: Option<&PgDb>,
    switch: &CaptureSwitch,
) -> Result<String> {
    let load_before = load_average();
    let dir = NodeDir::init_on(
        pg.map(|pg| pg.url.clone()),
        "portal",
        "Portal Kabupaten Uji",
        Role::Portal,
    )
    .await?;
    let config = dir.config()?;
    let database_url = config.database_url().to_string();

    eprintln!(
        "seeding {} posts over {} villages ({backend})...",
        args.posts, args.villages
    );
    let store = Store::connect(&database_url).await?;
    let seeded = seed(args, &store).await?;
    store.close().await;
    eprintln!(
        "seeded {} posts in {:.0} s",
        seeded.posts,
        seeded.took.as_secs_f64()
    );
    let raw = Raw::open(&database_url).await?;
    if let Raw::Postgres(pool) = &raw {
        eprintln!("VACUUM ANALYZE...");
        sqlx::raw_sql("VACUUM ANALYZE village_posts, village_post_tags, villages")
            .execute(pool)
            .await
            .context("VACUUM ANALYZE")?;
    }
    if args.pg_force_custom_plan {
        let Some(pg) = pg else {
            bail!("--pg-force-custom-plan needs --backend postgres");
        };
        if let Raw::Postgres(pool) = &raw {
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "ALTER DATABASE {} SET plan_cache_mode = force_custom_plan",
                pg.name
            )))
            .execute(pool)
            .await
            .context("ALTER DATABASE … SET plan_cache_mode")?;
        }
    }
    let size = database_size(&raw, dir.dir.path()).await?;
    let load_after_seed = load_average();

    let node = dir.start(config).await?;
    let store = node.node.state.store.clone();
    let base = node.base.clone();
    let quiet_village = seeded.villages.last().context("no villages")?;
    let active_village = &seeded.villages[seeded.villages.len() / 2];
    let district = seeded.villages[seeded.villages.len() / 3].district.clone();
    let middle = (seeded.span.0 + seeded.span.1) / 2;
    let deep = (middle, i64::MAX);
    let deep_cursor = format!("{}.{}", deep.0, deep.1);
    let common_tag = TAGS[0].0;
    let absent_tag = "tidakada";
    let plan = |label: &str, filter: TimelineFilter, before: Option<(i64, i64)>, limit: i64| {
        Some(PlanCase {
            label: label.to_string(),
            filter,
            before,
            limit,
        })
    };
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let cases = vec![
        Case {
            label: "front page".into(),
            path: "/".into(),
            filter: plan(
                "none (first page, 21 rows)",
                TimelineFilter::default(),
                None,
                21,
            ),
        },
        Case {
            label: "front page, its featured block".into(),
            path: String::new(),
            filter: plan(
                "featured only (front page's block, 6 rows)",
                TimelineFilter {
                    featured_only: true,
                    ..TimelineFilter::default()
                },
                None,
                6,
            ),
        },
        Case {
            label: "front page, deep page".into(),
            path: format!("/?before={deep_cursor}"),
            filter: plan(
                "none, cursor in the middle (deep page)",
                TimelineFilter::default(),
                Some(deep),
                21,
            ),
        },
        Case {
            label: "API".into(),
            path: "/api/timeline".into(),
            filter: None,
        },
        Case {
            label: "API, deep page".into(),
            path: format!("/api/timeline?cursor={deep_cursor}"),
            filter: None,
        },
        Case {
            label: "API, district".into(),
            path: format!("/api/timeline?district={}", enc(&district)),
            filter: plan(
                &format!("district = {district}"),
                TimelineFilter {
                    district: Some(district.clone()),
                    ..TimelineFilter::default()
                },
                None,
                21,
            ),
        },
        Case {
            label: "API, common tag".into(),
            path: format!("/api/timeline?tag={common_tag}"),
            filter: plan(
                &format!("tag = {common_tag} (~35 % of posts)"),
                TimelineFilter {
                    tag: Some(common_tag.into()),
                    ..TimelineFilter::default()
                },
                None,
                21,
            ),
        },
        Case {
            label: "API, rare tag".into(),
            path: format!("/api/timeline?tag={RARE_TAG}"),
            filter: plan(
                &format!("tag = {RARE_TAG} (1 post in {RARE_EVERY})"),
                TimelineFilter {
                    tag: Some(RARE_TAG.into()),
                    ..TimelineFilter::default()
                },
                None,
                21,
            ),
        },
        Case {
            label: "API, tag no post has".into(),
            path: format!("/api/timeline?tag={absent_tag}"),
            filter: plan(
                "tag no post has",
                TimelineFilter {
                    tag: Some(absent_tag.into()),
                    ..TimelineFilter::default()
                },
                None,
                21,
            ),
        },
        Case {
            label: "API, active village".into(),
            path: format!("/api/timeline?village={}", active_village.id),
            filter: plan(
                &format!(
                    "village = {} (active, ~1/{} of posts)",
                    active_village.id, args.villages
                ),
                TimelineFilter {
                    village_id: Some(active_village.id),
                    ..TimelineFilter::default()
                },
                None,
                21,
            ),
        },
        Case {
            label: "API, quiet village".into(),
            path: format!("/api/timeline?village={}", quiet_village.id),
            filter: plan(
                &format!(
                    "village = {} (quiet: {QUIET_POSTS} posts, 2+ years old)",
                    quiet_village.id
                ),
                TimelineFilter {
                    village_id: Some(quiet_village.id),
                    ..TimelineFilter::default()
                },
                None,
                21,
            ),
        },
    ];
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .context("building the HTTP client")?;
    let mut results = Vec::new();
    for case in cases.iter().filter(|c| !c.path.is_empty()) {
        eprintln!("measuring {} ...", case.path);
        results.push(measure(&client, &base, case, args).await?);
    }
    eprintln!("query plans...");
    let plan_cases: Vec<PlanCase> = cases.iter().filter_map(|c| c.filter.clone()).collect();
    // One statement per filter shape: each case's is captured as the store runs it.
    let plans = plans(&raw, &store, switch, &plan_cases).await?;
    let settings = pg_settings(&raw).await?;
    raw.close().await;
    node.stop().await;
    Ok(render(
        args,
        backend,
        &seeded,
        size,
        &load_before,
        &load_after_seed,
        &results,
        &plans,
        settings.as_deref(),
    ))
}
