//! Hosting benchmark: what one process serving many sites costs (issue 13 point 3):
//! the time until every site is served, resident memory after each site answered a few
//! requests, and CPU while idle.
//!
//! ```text
//! cargo run --release --example bench_hosting -- [--sites 40] [--idle-secs 20]
//! ```
//!
//! 1. Makes a hosting node's directory as the README says (SQLite): `init` for a portal,
//!    then `site add` for each village (`desa-N.localhost:PORT`, local mode). Every site
//!    gets its own keys and admin account for real, so 500 sites take minutes to make.
//! 2. Runs the node in a fresh child process (this same program, `--measure`), so that
//!    the making does not count: starts serving the directory, asks every site for its
//!    home page and a WebFinger answer, then stays idle: once with every site still open,
//!    once after the quiet villages closed (two minutes, `hosting::IDLE_CLOSE`).
//! 3. Does the same with a directory of one site, in another child: the floor (what one
//!    village's node costs alone), measured in the same run.
//!
//! This is a command that prints Markdown, not a test.

mod common;

use anyhow::{Context, Result, bail};
use clap::Parser;
use futures::StreamExt;
use kentongan::{
    cli::{InitArgs, init},
    config::Role,
    hosting::{HostingNode, SiteAddArgs, add},
};
use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

#[derive(Parser, Debug)]
#[command(about = "Hosting benchmark for Kentongan: many sites in one process")]
struct Args {
    /// Sites in the hosting node: one portal and the rest villages.
    #[arg(long, default_value_t = 40)]
    sites: usize,
    /// Seconds of idleness measured (after as many seconds of settling).
    #[arg(long, default_value_t = 20)]
    idle_secs: u64,
    /// Internal: measure the node in this directory, listening on this port.
    #[arg(long, hide = true, num_args = 2, value_names = ["DIR", "PORT"])]
    measure: Option<Vec<String>>,
}

/// What a measuring child reports, one `key=value` per line.
#[derive(Debug, Default)]
struct Figures {
    sites: usize,
    start_ms: u128,
    rss_started_kib: u64,
    rss_after_requests_kib: u64,
    rss_idle_kib: u64,
    idle_cpu_ms: u128,
    /// After every quiet village's site closed.
    rss_closed_kib: u64,
    closed_cpu_ms: u128,
    requests: usize,
}

/// The process's threads (each SQLite connection of sqlx has one).
fn threads() -> Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status").context("/proc/self/status")?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("Threads:"))
        .map(str::trim)
        .context("no Threads line")?
        .parse()
        .context("Threads is not a number")
}

fn rss_kib() -> Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status").context("/proc/self/status")?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .context("no VmRSS line")?
        .parse()
        .context("VmRSS is not a number")
}

fn village_name(index: usize, port: u16) -> String {
    format!("desa-{index}.localhost:{port}")
}

/// A hosting directory of `sites` sites on `port`.
async fn make_directory(dir: &Path, sites: usize, port: u16) -> Result<()> {
    init(InitArgs {
        dir: dir.to_path_buf(),
        domain: format!("localhost:{port}"),
        username: "kabupaten".into(),
        name: "Portal Kabupaten".into(),
        role: Role::Portal,
        listen: format!("127.0.0.1:{port}"),
        database_url: None,
        insecure_local: true,
        admin_username: "admin".into(),
    })
    .await
    .context("init")?;
    // Two at a time: key generation and password hashing keep both cores busy.
    let mut made = futures::stream::iter(1..sites)
        .map(|index| {
            add(SiteAddArgs {
                dir: dir.to_path_buf(),
                domain: village_name(index, port),
                username: format!("desa{index}"),
                name: format!("Desa {index}"),
                role: Role::Village,
                admin_username: "admin".into(),
            })
        })
        .buffer_unordered(2);
    while let Some(outcome) = made.next().await {
        outcome.context("site add")?;
    }
    Ok(())
}

/// The child: serve `dir` on `port`, ask every site, stay idle, report.
async fn measure(dir: PathBuf, port: u16, idle: Duration) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .context("binding the port chosen by the parent")?;
    let started = Instant::now();
    let node = HostingNode::start(&dir, listener).await?;
    let start_ms = started.elapsed().as_millis();
    let rss_started_kib = rss_kib()?;
    let addresses = node.sites.addresses().await;
    let loopback = SocketAddr::from(([127, 0, 0, 1], port));
    let client = addresses
        .iter()
        .filter_map(|(_, url)| url.host_str().map(str::to_string))
        .fold(reqwest::Client::builder(), |builder, host| {
            builder.resolve(&host, loopback)
        })
        .build()?;
    let mut requests = 0;
    for (domain, url) in &addresses {
        let username = if url.host_str() == Some("localhost") {
            "kabupaten".to_string()
        } else {
            domain
                .split('.')
                .next()
                .unwrap_or_default()
                .replace('-', "")
        };
        for path in [
            String::new(),
            format!(".well-known/webfinger?resource=acct:{username}@{domain}"),
        ] {
            let response = client.get(format!("{url}{path}")).send().await?;
            if !response.status().is_success() {
                bail!("{url}{path} answered {}", response.status());
            }
            response.bytes().await?;
            requests += 1;
        }
    }
    let rss_after_requests_kib = rss_kib()?;
    eprintln!("threads after the requests: {}", threads()?);
    // Settle (first worker rounds, connection pools), then measure the idle time.
    tokio::time::sleep(idle).await;
    let cpu_before = common::process_cpu()?;
    tokio::time::sleep(idle).await;
    let idle_cpu_ms = (common::process_cpu()? - cpu_before).as_millis();
    let rss_idle_kib = rss_kib()?;
    // Then the quiet villages close (after `IDLE_CLOSE`); measure again.
    let deadline = Instant::now() + kentongan::hosting::IDLE_CLOSE + Duration::from_secs(60);
    let villages: Vec<String> = addresses
        .iter()
        .map(|(domain, _)| domain.clone())
        .filter(|domain| domain.starts_with("desa-"))
        .collect();
    common::wait_until(
        "the quiet villages to close",
        deadline,
        Duration::from_secs(1),
        || {
            let open = villages.iter().any(|domain| node.sites.is_open(domain));
            async move { Ok(!open) }
        },
    )
    .await?;
    let cpu_before = common::process_cpu()?;
    tokio::time::sleep(idle).await;
    let closed_cpu_ms = (common::process_cpu()? - cpu_before).as_millis();
    let rss_closed_kib = rss_kib()?;
    eprintln!("threads once the quiet villages closed: {}", threads()?);
    let figures = Figures {
        sites: addresses.len(),
        start_ms,
        rss_started_kib,
        rss_after_requests_kib,
        rss_idle_kib,
        idle_cpu_ms,
        rss_closed_kib,
        closed_cpu_ms,
        requests,
    };
    println!("sites={}", figures.sites);
    println!("start_ms={}", figures.start_ms);
    println!("rss_started_kib={}", figures.rss_started_kib);
    println!("rss_after_requests_kib={}", figures.rss_after_requests_kib);
    println!("rss_idle_kib={}", figures.rss_idle_kib);
    println!("idle_cpu_ms={}", figures.idle_cpu_ms);
    println!("rss_closed_kib={}", figures.rss_closed_kib);
    println!("closed_cpu_ms={}", figures.closed_cpu_ms);
    println!("requests={}", figures.requests);
    node.stop().await;
    Ok(())
}

/// Makes a directory of `sites` sites and measures it in a child process.
async fn run(sites: usize, idle_secs: u64) -> Result<(Figures, Duration)> {
    let dir = tempfile::tempdir().context("a data directory")?;
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").context("a free port")?;
        probe.local_addr()?.port()
    };
    let making = Instant::now();
    make_directory(dir.path(), sites, port).await?;
    let made_in = making.elapsed();
    let output = std::process::Command::new(std::env::current_exe()?)
        .arg("--idle-secs")
        .arg(idle_secs.to_string())
        .arg("--measure")
        .arg(dir.path())
        .arg(port.to_string())
        .stderr(std::process::Stdio::inherit())
        .output()
        .context("running the measuring child")?;
    if !output.status.success() {
        bail!("the measuring child failed: {}", output.status);
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let value = |key: &str| -> Result<u128> {
        text.lines()
            .find_map(|line| line.strip_prefix(&format!("{key}=")))
            .with_context(|| format!("the child reported no {key}"))?
            .parse()
            .with_context(|| format!("{key} is not a number"))
    };
    let figures = Figures {
        sites: value("sites")? as usize,
        start_ms: value("start_ms")?,
        rss_started_kib: value("rss_started_kib")? as u64,
        rss_after_requests_kib: value("rss_after_requests_kib")? as u64,
        rss_idle_kib: value("rss_idle_kib")? as u64,
        idle_cpu_ms: value("idle_cpu_ms")?,
        rss_closed_kib: value("rss_closed_kib")? as u64,
        closed_cpu_ms: value("closed_cpu_ms")?,
        requests: value("requests")? as usize,
    };
    Ok((figures, made_in))
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let idle = Duration::from_secs(args.idle_secs);
    if let Some(measured) = args.measure {
        let [dir, port] = measured.as_slice() else {
            bail!("--measure DIR PORT");
        };
        return measure(PathBuf::from(dir), port.parse()?, idle).await;
    }
    if args.sites < 1 {
        bail!("--sites must be at least 1");
    }
    let (floor, _) = run(1, args.idle_secs).await?;
    let (many, made_in) = run(args.sites, args.idle_secs).await?;
    println!(
        "## Hosting: {} sites in one process\n\n\
         Machine: {} cores, load average {}. Directory made in {:.1} s (not counted).\n\n\
         | figure | one site (floor) | {} sites | per added site |\n|---|---|---|---|",
        many.sites,
        std::thread::available_parallelism().map_or(0, usize::from),
        common::load_average(),
        made_in.as_secs_f64(),
        many.sites,
    );
    let per_site = |a: u64, b: u64| -> String {
        let extra = b.saturating_sub(a) as f64 / (many.sites.max(2) - 1) as f64;
        format!("{extra:.0} KiB")
    };
    println!(
        "| until every site is served | {} ms | {} ms | {:.1} ms |",
        floor.start_ms,
        many.start_ms,
        many.start_ms.saturating_sub(floor.start_ms) as f64 / (many.sites.max(2) - 1) as f64
    );
    for (label, a, b) in [
        (
            "RSS once serving",
            floor.rss_started_kib,
            many.rss_started_kib,
        ),
        (
            "RSS after a home page and a WebFinger answer per site",
            floor.rss_after_requests_kib,
            many.rss_after_requests_kib,
        ),
        (
            "RSS idle, every site still open",
            floor.rss_idle_kib,
            many.rss_idle_kib,
        ),
        (
            "RSS idle, quiet villages closed",
            floor.rss_closed_kib,
            many.rss_closed_kib,
        ),
    ] {
        println!("| {label} | {} | {} | {} |", mib(a), mib(b), per_site(a, b));
    }
    println!(
        "| CPU while idle, per {} s | {} ms | {} ms | {:.1} ms |",
        args.idle_secs,
        floor.idle_cpu_ms,
        many.idle_cpu_ms,
        many.idle_cpu_ms.saturating_sub(floor.idle_cpu_ms) as f64 / (many.sites.max(2) - 1) as f64
    );
    println!(
        "| CPU while idle once the quiet villages closed, per {} s | {} ms | {} ms | {:.1} ms |",
        args.idle_secs,
        floor.closed_cpu_ms,
        many.closed_cpu_ms,
        many.closed_cpu_ms.saturating_sub(floor.closed_cpu_ms) as f64
            / (many.sites.max(2) - 1) as f64
    );
    println!(
        "\n{} requests answered; every one 2xx.",
        floor.requests + many.requests
    );
    Ok(())
}
