//! Village website benchmark: requests per second and latency of the home page and of
//! a post page, and the weight of a first visit to the home page.
//!
//! ```text
//! cargo run --release --example bench_site -- [--posts 500] [--concurrency 16] [--secs 10]
//! ```
//!
//! 1. Creates a village node (SQLite, in a temporary directory) like `kentongan init`
//!    does, sets a tagline, logo and banner, and publishes `--posts` posts through
//!    `publishing::publish`: one in three with a cover photo (a 1600×900 picture run
//!    through the upload pipeline), one pinned announcement, one agenda.
//! 2. Serves it in-process and, for each page, runs `--concurrency` clients in a loop
//!    for `--secs` seconds over keep-alive connections, after a one-second warm-up;
//!    reports requests per second and p50/p90/p99 latency, and how many of the requests
//!    were rendered rather than served from the render cache (`web::cache`). The clients
//!    run in the same process as the server, on the same two cores: the figures are a
//!    floor. `/robots.txt` runs first through the same server, router and layers (a
//!    constant answer: no database, no template): the ceiling of any page here, and
//!    each page's ratio to it is printed.
//! 3. Fetches the home page as a first-time phone browser would (with
//!    `accept-encoding: gzip`), then every same-origin stylesheet and image it names
//!    (`src` only, as a browser without `srcset` support would; images marked
//!    `loading="lazy"` counted separately, since they load only when scrolled to).
//!
//! This is a command that prints Markdown, not a test.

mod common;

use anyhow::Result;
use clap::Parser;
use kentongan::{
    actors::find_publishing_actor,
    clock::now_ms,
    config::Role,
    media::{MediaStore, process_upload},
    publishing::{self, EventDetails, PostImage, PostInput, PostKind},
    site,
};
use std::time::{Duration, Instant};

use common::NodeDir;

#[derive(Parser, Debug)]
#[command(about = "Village website benchmark for Kentongan")]
struct Args {
    #[arg(long, default_value_t = 500)]
    posts: usize,
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    #[arg(long, default_value_t = 10)]
    secs: u64,
}

fn picture() -> Result<Vec<u8>> {
    let img = image::RgbImage::from_fn(1600, 900, |x, y| {
        let sky = y < 520;
        let wave = (((x as f32) / 31.0).sin() * 6.0) as i32;
        if sky {
            image::Rgb([90 + (y / 8) as u8, 160 + (y / 10) as u8, 215])
        } else {
            image::Rgb([20, (110 + (y as i32 + wave) % 40) as u8, 140])
        }
    });
    let mut bytes = Vec::new();
    img.write_to(
        &mut std::io::Cursor::new(&mut bytes),
        image::ImageFormat::Png,
    )?;
    Ok(bytes)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

/// Runs `concurrency` clients against `url` for `secs`; returns (requests/s, sorted latencies).
async fn load(url: &str, concurrency: usize, secs: u64) -> Result<(f64, Vec<Duration>)> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()?;
    // Warm-up: connections open, caches filled.
    let warm_until = Instant::now() + Duration::from_secs(1);
    while Instant::now() < warm_until {
        client.get(url).send().await?.bytes().await?;
    }
    let started = Instant::now();
    let deadline = started + Duration::from_secs(secs);
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let client = client.clone();
        let url = url.to_string();
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let start = Instant::now();
                let response = client.get(&url).send().await?;
                anyhow::ensure!(
                    response.status().is_success(),
                    "{url}: {}",
                    response.status()
                );
                response.bytes().await?;
                latencies.push(start.elapsed());
            }
            Ok::<_, anyhow::Error>(latencies)
        }));
    }
    let mut all = Vec::new();
    for worker in workers {
        all.extend(worker.await??);
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort();
    Ok((all.len() as f64 / elapsed, all))
}

/// Values of `attr="..."` in tags named `tag`, with whether the tag is lazy-loaded.
fn attribute_values(html: &str, tag: &str, attr: &str) -> Vec<(String, bool)> {
    let mut found = Vec::new();
    let open = format!("<{tag} ");
    let needle = format!(" {attr}=\"");
    let mut rest = html;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start..];
        let end = after.find('>').unwrap_or(after.len());
        let element = &after[..end];
        if let Some(at) = element.find(&needle) {
            let value = &element[at + needle.len()..];
            if let Some(close) = value.find('"') {
                found.push((
                    value[..close].replace("&amp;", "&"),
                    element.contains("loading=\"lazy\""),
                ));
            }
        }
        rest = &after[end.min(after.len())..];
        if rest.len() == after.len() {
            break;
        }
    }
    found
}

async fn transferred(client: &reqwest::Client, url: &str) -> Result<usize> {
    let response = client
        .get(url)
        .header("accept-encoding", "gzip")
        .send()
        .await?;
    anyhow::ensure!(
        response.status().is_success(),
        "{url}: {}",
        response.status()
    );
    Ok(response.bytes().await?.len())
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let dir = NodeDir::init_on(None, "desa-bench", "Desa Bench", Role::Village).await?;
    let config = dir.config()?;
    let node = dir.start(config).await?;
    let store = node.node.state.store.clone();
    let actor = find_publishing_actor(&store, None).await?;

    let stored = MediaStore::new(node.dir.path())
        .save(&process_upload(&picture()?).map_err(|e| anyhow::anyhow!("processing: {e}"))?)?;
    let image = |alt: &str| PostImage::from_stored(&stored, alt);
    site::save(
        &store,
        &site::SiteSettings {
            tagline: "Desa pesisir penghasil kopi robusta".into(),
            contact_address: "Jl. Raya Desa No. 1".into(),
            logo: Some(image("Logo desa")),
            banner: Some(image("Pantai desa")),
            ..site::load(&store).await?
        },
    )
    .await?;
    let seeding = Instant::now();
    let now = now_ms();
    let mut middle = String::new();
    for i in 0..args.posts {
        let kind = match i {
            0 => PostKind::Pengumuman,
            1 => PostKind::Agenda,
            _ => PostKind::Berita,
        };
        let input = PostInput {
            title: format!("Kabar desa nomor {i}: kerja bakti dan musyawarah warga"),
            summary: if i % 2 == 0 {
                "Ringkasan kabar untuk warga.".into()
            } else {
                String::new()
            },
            body_markdown: "Warga diundang **kerja bakti** hari Minggu pukul 07.00 WIB.\n\n\
                            - Bawa cangkul\n- Bawa karung\n\nTerima kasih atas partisipasinya."
                .repeat(3),
            categories: vec!["Berita".into(), "Pengumuman".into()],
            kind,
            pinned: i == 0,
            event: (kind == PostKind::Agenda).then(|| EventDetails {
                starts_at: now + 3 * 86_400_000,
                ends_at: None,
                place: "Balai Desa".into(),
                organiser: "Karang Taruna".into(),
                ..Default::default()
            }),
            images: if i % 3 == 0 {
                vec![image(&format!("Foto kabar {i}"))]
            } else {
                Vec::new()
            },
            published_at: Some(now - (args.posts - i) as i64 * 3_600_000),
            ..Default::default()
        };
        let post = publishing::publish(&store, &actor, &input).await?;
        if i == args.posts / 2 {
            middle = post.public_id;
        }
    }
    let base = format!("http://127.0.0.1:{}", node.port);
    println!(
        "Seeded {} posts in {:.1} s. {} clients, {} s per page, release build, SQLite.\n",
        args.posts,
        seeding.elapsed().as_secs_f64(),
        args.concurrency,
        args.secs
    );
    println!(
        "| page | requests/s | × robots.txt | p50 ms | p90 ms | p99 ms | requests | rendered |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    let cache = node.node.state.render_cache.clone();
    let mut floor = None;
    // `/robots.txt` is the floor: the same server, router and layers, a constant answer
    // with no database read and no template.
    for (label, path) in [
        ("floor `/robots.txt`", "/robots.txt".to_string()),
        ("home `/`", "/".to_string()),
        ("post `/p/ID`", format!("/p/{middle}")),
    ] {
        let renders = cache.counts().renders;
        let (rps, latencies) = load(&format!("{base}{path}"), args.concurrency, args.secs).await?;
        let floor = *floor.get_or_insert(rps);
        println!(
            "| {label} | {rps:.0} | {:.2} | {} | {} | {} | {} | {} |",
            rps / floor,
            ms(percentile(&latencies, 0.5)),
            ms(percentile(&latencies, 0.9)),
            ms(percentile(&latencies, 0.99)),
            latencies.len(),
            cache.counts().renders - renders,
        );
    }

    let client = reqwest::Client::new();
    let home = client.get(format!("{base}/")).send().await?.text().await?;
    let html_raw = home.len();
    let html_gzip = transferred(&client, &format!("{base}/")).await?;
    let mut eager = 0usize;
    let mut lazy = 0usize;
    let mut eager_count = 0usize;
    let mut lazy_count = 0usize;
    let mut css = 0usize;
    for (href, _) in attribute_values(&home, "link", "href") {
        if href.starts_with('/') && href.ends_with(".css") {
            css += transferred(&client, &format!("{base}{href}")).await?;
        }
    }
    for (src, is_lazy) in attribute_values(&home, "img", "src") {
        let url = if src.starts_with('/') {
            format!("{base}{src}")
        } else if src.starts_with(&base) {
            src.clone()
        } else {
            continue;
        };
        let bytes = transferred(&client, &url).await?;
        if is_lazy {
            lazy += bytes;
            lazy_count += 1;
        } else {
            eager += bytes;
            eager_count += 1;
        }
    }
    println!("\nFirst visit of the home page (bytes transferred):\n");
    println!("| part | bytes |");
    println!("|---|---:|");
    println!("| HTML (gzip; {html_raw} uncompressed) | {html_gzip} |");
    println!("| stylesheets | {css} |");
    println!("| images loaded at once ({eager_count}) | {eager} |");
    println!(
        "| **total at first paint** | **{}** |",
        html_gzip + css + eager
    );
    println!("| images loaded when scrolled to ({lazy_count}, `loading=lazy`) | {lazy} |");
    node.stop().await;
    Ok(())
}
