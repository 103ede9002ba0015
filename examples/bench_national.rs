//! A national portal (issue 15 point 7): 75,000 villages, the pages a person opens and
//! the exports, and how fast one process's sweep goes through the villages.
//!
//! ```sh
//! CARGO_TARGET_DIR=/work/release-target cargo build --release --example bench_national
//! TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test \
//!   /work/release-target/release/examples/bench_national --backend postgres
//! /work/release-target/release/examples/bench_national --backend sqlite
//! ```
//!
//! 1. A portal is made by `kentongan init`. Before it starts, the villages are written
//!    straight into its database (500 a statement), with Kemendagri-shaped codes: 10
//!    villages a district, 14 districts a regency, 14 regencies a province. Each is a
//!    feed parked far in the future, so that the portal's worker leaves them alone.
//!    Their posts go in through `Store::bulk_insert_village_posts`: 26 % of villages are
//!    active (5 posts in 30 days), 15 % less active (2 posts 31 to 90 days old), the
//!    rest inactive (one post 200 days old, or none). PostgreSQL then gets
//!    `VACUUM ANALYZE`.
//! 2. The portal starts on a loopback port. Each case gets one unmeasured request (its
//!    size), 3 warm-ups, then `--requests` measured requests from 2 clients. `/robots.txt`
//!    and `/healthz` through the same server are the floor.
//! 3. After the portal stops, the sweep: every village made due, then one loop claims 8
//!    at a time (`Store::claim_due_villages`, as the portal worker does) and finishes each
//!    (`Store::finish_village_job`) until none is due: the database's side of a sweep,
//!    without the network (a feed poll or an outbox read is on top, per village), for
//!    at most `--sweep-secs`.
//!
//! Prints Markdown tables on stdout; progress on stderr.

mod common;

use anyhow::{Context, Result};
use clap::Parser;
use common::{NodeDir, PgDb, Raw, load_average, quantile, stderr_log};
use kentongan::{
    clock::now_ms,
    config::Role,
    store::{NewVillagePost, Store},
};
use std::time::{Duration, Instant};
use tracing_subscriber::layer::SubscriberExt;

#[derive(Parser)]
struct Args {
    #[arg(long, value_enum, default_value = "postgres")]
    backend: common::BackendArg,
    #[arg(long, default_value_t = 75_000)]
    villages: usize,
    /// Measured requests per page case (exports: a tenth, at least 3).
    #[arg(long, default_value_t = 200)]
    requests: usize,
    /// The sweep stops after this long if villages are still due.
    #[arg(long, default_value_t = 120)]
    sweep_secs: u64,
    /// Keep the database after the pages are measured (no sweep), printing its URL, to
    /// read query plans by hand (`EXPLAIN ANALYZE`; `EXPLAIN QUERY PLAN` on SQLite, whose
    /// data directory is then left for you to remove).
    #[arg(long)]
    keep_database: bool,
}

const DAY: i64 = 86_400_000;
/// Parked: the portal's worker must not poll feeds that do not exist.
const FAR_FUTURE: i64 = 4_000_000_000_000;

/// Village `i`'s district, regency and province numbers (all from 0).
fn region(i: usize) -> (usize, usize, usize) {
    let district = i / 10;
    let regency = district / 14;
    (district, regency, regency / 14)
}

fn code(i: usize) -> String {
    let (district, regency, province) = region(i);
    format!(
        "{:02}.{:02}.{:02}.{:04}",
        11 + province,
        regency % 14 + 1,
        district % 14 + 1,
        2001 + i % 10
    )
}

fn district_name(i: usize) -> String {
    format!("Kecamatan {:05}", region(i).0)
}

/// Post ages in days that give village `i` its status.
fn post_ages(i: usize) -> &'static [i64] {
    match i % 100 {
        0..26 => &[1, 6, 12, 18, 25],
        26..41 => &[40, 75],
        41..70 => &[200],
        _ => &[],
    }
}

async fn seed(args: &Args, raw: &Raw, store: &Store) -> Result<(usize, Duration)> {
    let started = Instant::now();
    let now = now_ms();
    for start in (0..args.villages).step_by(500) {
        let end = (start + 500).min(args.villages);
        macro_rules! insert {
            ($pool:expr) => {{
                let mut query = sqlx::QueryBuilder::new(
                    "INSERT INTO villages (name, district, code, source_kind, feed_url, \
                       follow_state, next_attempt_at, created_at) ",
                );
                query.push_values(start..end, |mut row, i| {
                    row.push_bind(format!("Desa Uji {i:05}"))
                        .push_bind(district_name(i))
                        .push_bind(code(i))
                        .push_bind("feed")
                        .push_bind(format!("https://desa{i}.invalid/feed"))
                        .push_bind("feed")
                        .push_bind(FAR_FUTURE)
                        .push_bind(now);
                });
                query
                    .build()
                    .execute($pool)
                    .await
                    .context("inserting villages")?;
            }};
        }
        match raw {
            Raw::Sqlite(pool) => insert!(pool),
            Raw::Postgres(pool) => insert!(pool),
        }
    }
    let ids: Vec<i64> = store
        .villages()
        .await?
        .into_iter()
        .map(|village| village.id)
        .collect();
    let mut posts = Vec::new();
    let mut stored = 0;
    for (i, &id) in ids.iter().enumerate() {
        for (n, age) in post_ages(i).iter().enumerate() {
            let ap_id = format!("https://desa{i}.invalid/p/{n}");
            posts.push(NewVillagePost {
                ap_id: ap_id.clone(),
                village_id: id,
                title: format!("Kabar {n}"),
                summary: String::new(),
                content_html: "<p>Kerja bakti di balai desa.</p>".into(),
                url: ap_id,
                image_url: None,
                from_feed: true,
                published_at: now - age * DAY + 3_600_000,
                updated_at: None,
                tags: vec!["pengumuman".into()],
            });
        }
        if posts.len() >= 10_000 {
            stored += store.bulk_insert_village_posts(&posts, now).await? as usize;
            posts.clear();
        }
    }
    stored += store.bulk_insert_village_posts(&posts, now).await? as usize;
    Ok((stored, started.elapsed()))
}

struct Measured {
    case: String,
    status: u16,
    bytes: usize,
    p50: Duration,
    p99: Duration,
    /// Until the first bytes of the body: what a person waits for before a streamed
    /// export starts to arrive.
    first_byte_p50: Duration,
    per_second: f64,
}

async fn measure(
    client: &reqwest::Client,
    base: &str,
    path: &str,
    requests: usize,
) -> Result<Measured> {
    let url = format!("{base}{path}");
    let first = client.get(&url).send().await.context("GET")?;
    let status = first.status().as_u16();
    let bytes = first.bytes().await.context("body")?.len();
    for _ in 0..3 {
        client.get(&url).send().await?.bytes().await?;
    }
    let started = Instant::now();
    let mut times = Vec::with_capacity(requests);
    let per_client = requests.div_ceil(2);
    let clients: Vec<_> = (0..2)
        .map(|_| {
            let client = client.clone();
            let url = url.clone();
            tokio::spawn(async move {
                let mut times = Vec::with_capacity(per_client);
                for _ in 0..per_client {
                    let at = Instant::now();
                    let mut response = client.get(&url).send().await?;
                    let mut first = None;
                    while response.chunk().await?.is_some() {
                        first.get_or_insert_with(|| at.elapsed());
                    }
                    let whole = at.elapsed();
                    times.push((whole, first.unwrap_or(whole)));
                }
                Ok::<_, reqwest::Error>(times)
            })
        })
        .collect();
    for handle in clients {
        times.extend(handle.await.context("client")??);
    }
    let took = started.elapsed();
    let mut first_bytes: Vec<Duration> = times.iter().map(|&(_, first)| first).collect();
    let mut times: Vec<Duration> = times.into_iter().map(|(whole, _)| whole).collect();
    times.sort();
    first_bytes.sort();
    Ok(Measured {
        case: path.to_string(),
        status,
        bytes,
        p50: quantile(&times, 0.5),
        p99: quantile(&times, 0.99),
        first_byte_p50: quantile(&first_bytes, 0.5),
        per_second: times.len() as f64 / took.as_secs_f64(),
    })
}

/// One process's sweep without the network: claims of 8, each village finished.
async fn sweep(store: &Store, villages: usize, limit: Duration) -> Result<(usize, Duration)> {
    let now = now_ms();
    let mut claimed = 0;
    let started = Instant::now();
    loop {
        let batch = store.claim_due_villages(now, now + 600_000, 8).await?;
        if batch.is_empty() {
            break;
        }
        for village in &batch {
            store
                .finish_village_job(village.id, FAR_FUTURE, false, None, None, now)
                .await?;
        }
        claimed += batch.len();
        if started.elapsed() > limit {
            break;
        }
        if claimed % 10_000 < 8 {
            eprintln!("  sweep: {claimed} of {villages}");
        }
    }
    Ok((claimed, started.elapsed()))
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(stderr_log()))
        .context("logging")?;
    let backend = args.backend.name();
    // The database is ours, not the node's: the sweep runs on it after the node stops.
    let pg = PgDb::for_backend(args.backend).await?;
    let dir = NodeDir::init_on(
        pg.as_ref().map(|pg| pg.url.clone()),
        "portal",
        "Portal Nasional Uji",
        Role::Portal,
    )
    .await?;
    let config = dir.config()?;
    let database_url = config.database_url().to_string();
    let raw = Raw::open(&database_url).await?;
    let store = Store::connect(&database_url).await?;
    eprintln!("seeding {} villages ({backend})...", args.villages);
    let (posts, seeding) = seed(&args, &raw, &store).await?;
    store.close().await;
    eprintln!("seeded {posts} posts in {:.0} s", seeding.as_secs_f64());
    if let Raw::Postgres(pool) = &raw {
        sqlx::raw_sql("VACUUM ANALYZE villages, village_posts")
            .execute(pool)
            .await
            .context("VACUUM ANALYZE")?;
    }
    let load_before = load_average();
    let node = dir.start(config).await?;
    let client = reqwest::Client::new();
    let mid = args.villages / 2;
    let (_, _, province) = region(mid);
    let exports = (args.requests / 10).max(3);
    let cases: Vec<(String, usize)> = vec![
        ("/robots.txt".into(), args.requests),
        ("/healthz".into(), args.requests),
        ("/".into(), args.requests),
        (
            format!("/?district={}", district_name(mid).replace(' ', "+")),
            args.requests,
        ),
        ("/?village_q=Desa+Uji+0370".into(), args.requests),
        ("/monitoring".into(), args.requests),
        ("/monitoring?page=700".into(), args.requests),
        (
            format!(
                "/monitoring?district={}",
                district_name(mid).replace(' ', "+")
            ),
            args.requests,
        ),
        (
            format!("/monitoring?region={}", &code(mid)[..5]),
            args.requests,
        ),
        ("/monitoring?status=less_active".into(), args.requests),
        ("/monitoring?status=active&page=300".into(), args.requests),
        ("/monitoring?q=uji+0370".into(), args.requests),
        ("/monitoring/chart.svg".into(), args.requests),
        (format!("/monitoring.csv?region={}", 11 + province), exports),
        ("/monitoring.csv".into(), exports),
        ("/monitoring.json".into(), exports),
    ];
    let mut rows = Vec::new();
    for (path, requests) in &cases {
        eprintln!("  {path}");
        rows.push(measure(&client, &node.base, path, *requests).await?);
    }
    let load_after = load_average();
    println!(
        "## National portal, {} villages, {backend}\n",
        args.villages
    );
    println!(
        "{posts} posts seeded in {:.0} s; load average before / after measuring: {load_before} / {load_after}\n",
        seeding.as_secs_f64()
    );
    let floor_p50 = rows[0].p50;
    println!(
        "| request (2 clients) | status | bytes | p50 ms | p99 ms | first byte p50 ms | req/s | p50 × floor's (`/robots.txt`) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for row in &rows {
        println!(
            "| `{}` | {} | {} | {} | {} | {} | {:.0} | {:.1} |",
            row.case,
            row.status,
            row.bytes,
            ms(row.p50),
            ms(row.p99),
            ms(row.first_byte_p50),
            row.per_second,
            row.p50.as_secs_f64() / floor_p50.as_secs_f64()
        );
    }
    // The sweep runs on the database alone, after the portal stopped, so that its
    // worker does not share the claims.
    // Stopped by hand: `BenchNode::stop` would also delete the data directory.
    let common::BenchNode {
        node: running,
        dir: data_dir,
        ..
    } = node;
    running.stop().await;
    if args.keep_database {
        raw.close().await;
        match &pg {
            Some(pg) => println!("\nThe database is kept: {}", pg.url),
            None => {
                let kept = data_dir.keep();
                println!(
                    "\nThe database is kept: {database_url} (in {})",
                    kept.display()
                );
            }
        }
        return Ok(());
    }
    let store = Store::connect(&database_url).await?;
    let made_due = match &raw {
        Raw::Sqlite(pool) => sqlx::query("UPDATE villages SET next_attempt_at = 0")
            .execute(pool)
            .await?
            .rows_affected(),
        Raw::Postgres(pool) => sqlx::query("UPDATE villages SET next_attempt_at = 0")
            .execute(pool)
            .await?
            .rows_affected(),
    };
    eprintln!("sweep over {made_due} villages...");
    let (swept, sweep_took) =
        sweep(&store, args.villages, Duration::from_secs(args.sweep_secs)).await?;
    store.close().await;
    raw.close().await;
    if let Some(pg) = &pg {
        pg.drop_database().await;
    }

    let per_second = swept as f64 / sweep_took.as_secs_f64();
    println!(
        "\nSweep, one process, claims of 8, no network: {swept} villages in {:.1} s = {per_second:.0} villages/s = {:.0} villages/hour\n",
        sweep_took.as_secs_f64(),
        per_second * 3600.0
    );
    Ok(())
}
