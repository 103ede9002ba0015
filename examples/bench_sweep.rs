//! A portal's sweep over the network (issue 15 point 7: how many villages one process
//! sweeps an hour): the portal's own worker reads every followed village's outbox again,
//! as it does every `backfill_every_hours` and at every start, against simulated villages
//! on loopback, some of which hang.
//!
//! ```sh
//! cargo build --release --example bench_sweep
//! target/release/examples/bench_sweep --villages 400 --silent-every 0
//! target/release/examples/bench_sweep --villages 400 --silent-every 20
//! ```
//!
//! 1. `--villages` simulated villages (`common::villages`: each its own server on a
//!    loopback port, so its own host to the portal), each with `--posts` notes on the
//!    first page of its outbox, are registered through the real flow: WebFinger, Follow,
//!    signed Accept, outbox read (the posts are stored). That first sweep is timed.
//! 2. Every `--silent-every`th village then goes silent: it takes every connection and
//!    never answers (the portal's requests give up after `[delivery]
//!    request_timeout_secs`, 10 s by default).
//! 3. Every followed village is made due at once, as at a start, and the worker is woken:
//!    the time until every live village's outbox was read again (its actor, outbox and
//!    page fetched with signed GETs, each note found already stored, the aspiration
//!    figures asked for, the outcome recorded) is the sweep; the silent ones are not
//!    waited for. A sweep that finds nothing new is the usual one.
//!
//! `--concurrency` sets `[portal] concurrency` (left unset, the build's default; builds
//! before that setting have none). Prints a Markdown table on stdout; progress on stderr.

mod common;

use anyhow::{Context, Result};
use clap::Parser;
use common::{
    BackendArg, NodeDir, load_average, stderr_log,
    villages::{self, SimShared, SimTotals, start_village},
    wait_until,
};
use kentongan::{clock::now_ms, config::Role};
use std::{
    sync::{Arc, OnceLock, atomic::Ordering},
    time::{Duration, Instant},
};
use tracing_subscriber::layer::SubscriberExt;
use url::Url;

#[derive(Parser)]
struct Args {
    #[arg(long, value_enum, default_value = "sqlite")]
    backend: BackendArg,
    /// Simulated villages, each its own server.
    #[arg(long, default_value_t = 400)]
    villages: usize,
    /// Notes on each village's outbox page.
    #[arg(long, default_value_t = 20)]
    posts: usize,
    /// Every Nth village goes silent before the sweep (0: none).
    #[arg(long, default_value_t = 20)]
    silent_every: usize,
    /// `[portal] concurrency` of the portal (unset: the build's default).
    #[arg(long)]
    concurrency: Option<usize>,
    /// Give up after this many seconds in either phase.
    #[arg(long, default_value_t = 900)]
    deadline_secs: u64,
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(stderr_log()))
        .context("logging")?;
    let deadline = Duration::from_secs(args.deadline_secs);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .build()
        .context("building the HTTP client")?;
    let shared = SimShared {
        keys: villages::keys().await?,
        portal_inbox: Arc::new(OnceLock::new()),
        client,
        totals: Arc::new(SimTotals::default()),
    };
    let newest_ms = now_ms() - 3_600_000;
    let mut sims = Vec::with_capacity(args.villages);
    for index in 0..args.villages {
        sims.push(start_village(index, shared.clone(), args.posts, newest_ms).await?);
    }

    let dir = NodeDir::init(args.backend, "portal", "Portal Kabupaten Uji", Role::Portal).await?;
    // Every simulated village's Accept comes from `localhost`: the inbox's per-server
    // limit would hold them; the sweep is what is measured.
    dir.configure("[inbox]", "burst = 1000000\nper_minute = 100000000")?;
    if let Some(concurrency) = args.concurrency {
        dir.configure("[portal]", &format!("concurrency = {concurrency}"))?;
    }
    let config = dir.config()?;
    let timeout = config.delivery.request_timeout;
    let portal = dir.start(config).await?;
    let state = portal.node.state.clone();
    let store = state.store.clone();
    let _ = shared
        .portal_inbox
        .set(Url::parse(&format!("{}/inbox", portal.base)).context("portal inbox")?);

    eprintln!("registering {} villages...", sims.len());
    let load_before = load_average();
    let started = Instant::now();
    villages::register_all(&state, &sims, Instant::now() + deadline).await?;
    let first = started.elapsed();

    let silent: Vec<usize> = match args.silent_every {
        0 => Vec::new(),
        every => (0..sims.len()).filter(|i| i % every == every - 1).collect(),
    };
    for &index in &silent {
        sims[index].go_silent();
    }
    let live: Vec<String> = (0..sims.len())
        .filter(|i| !silent.contains(i))
        .map(villages::portal_name)
        .collect();
    let reads_before = shared.totals.outbox_reads.load(Ordering::SeqCst);

    eprintln!(
        "sweeping {} villages ({} silent)...",
        sims.len(),
        silent.len()
    );
    let mark = now_ms();
    let started = Instant::now();
    store.make_followed_villages_due(mark).await?;
    state.wake_portal.notify_one();
    let (store_ref, live_ref) = (&store, &live);
    wait_until(
        "every live village's outbox read again",
        Instant::now() + deadline,
        Duration::from_millis(50),
        || async move {
            let all = store_ref.villages().await?;
            let done = all
                .iter()
                .filter(|v| live_ref.contains(&v.name))
                .filter(|v| v.backfilled_at.is_some_and(|at| at >= mark))
                .count();
            Ok(done >= live_ref.len())
        },
    )
    .await?;
    let sweep = started.elapsed();
    let load_after = load_average();
    let reads = shared.totals.outbox_reads.load(Ordering::SeqCst) - reads_before;
    let per_hour = live.len() as f64 / sweep.as_secs_f64() * 3600.0;

    println!(
        "## Sweep of {} villages ({} silent), {} notes each, {}\n",
        sims.len(),
        silent.len(),
        args.posts,
        args.backend.name()
    );
    println!(
        "`[portal] concurrency` {}, request timeout {} s; load average before / after: {load_before} / {load_after}\n",
        args.concurrency
            .map_or("default".to_string(), |c| c.to_string()),
        timeout.as_secs()
    );
    println!("| | |\n|---|---:|");
    println!(
        "| first sweep: followed, accepted, outbox read and its notes stored ({} villages) | {:.2} s |",
        sims.len(),
        first.as_secs_f64()
    );
    println!(
        "| sweep again: every live village's outbox read ({} villages) | {:.2} s |",
        live.len(),
        sweep.as_secs_f64()
    );
    println!("| outbox reads answered during it | {reads} |");
    println!("| live villages swept per hour, one process | {per_hour:.0} |");

    portal.stop().await;
    for sim in sims {
        sim.task.abort();
    }
    Ok(())
}
