//! Looked at as a person would: in Debian's headless Chromium, an operator logs in to a
//! village node's admin, writes a post with a photo, publishes it and finds it on the
//! public site, in a phone-sized and a desktop-sized window (`tests/browser/publish.mjs`,
//! driven with playwright-core). Then the store and a follower are checked from here: each
//! post is there with its one photo and the alt text that was typed, and its Create went
//! out to the follower with the photo attached. And a portal's monitoring table, as a
//! regency officer reads it (`tests/browser/monitoring.mjs`): it fits a 1366-pixel screen,
//! and on a phone it scrolls sideways inside its own box.
//!
//! Needs `node` and `npm` on PATH (npm installs the pinned playwright-core, never a
//! browser) and Chromium at /usr/bin/chromium (or `KENTONGAN_CHROMIUM`); without them the
//! test prints one `SKIPPED browser: ...` line and passes. With
//! `KENTONGAN_SCREENSHOTS=DIR` the script also saves the screenshots shown in README.md.
//!
//! Run alone: `cargo test --test it browser -- --nocapture`.

use crate::support::{Backend, TestNode, WAIT, eventually, peer::Peer};
use image::{ImageEncoder, Rgb, RgbImage, codecs::jpeg::JpegEncoder};
use kentongan::{
    actors::{self, ProfileChanges},
    auth::{self, Role},
    clock::now_ms,
    media::{MediaStore, process_upload},
    publishing::{self, EventDetails, PostImage, PostInput, PostKind, images_of},
    site,
};
use serde_json::Value;
use std::{
    path::{Path, PathBuf},
    process::Stdio,
    time::Duration,
};
use tokio::process::Command;

const OPERATOR: &str = "operator";
const PASSWORD: &str = "kata-sandi-uji-1";
/// `npm ci` may download playwright-core (a few MB) on a clean clone.
const NPM_DEADLINE: Duration = Duration::from_secs(600);
/// The script runs two whole visits; each of its own waits has a 60 s deadline.
const SCRIPT_DEADLINE: Duration = Duration::from_secs(600);
const DAY_MS: i64 = 24 * 3600 * 1000;

/// What the test needs from the machine, or why it is skipped.
struct Tools {
    chromium: PathBuf,
}

fn find_tools() -> Result<Tools, String> {
    let chromium = std::env::var_os("KENTONGAN_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    if !chromium.is_file() {
        return Err(format!(
            "Chromium not found at {} (apt-get install chromium, or set KENTONGAN_CHROMIUM)",
            chromium.display()
        ));
    }
    for tool in ["node", "npm"] {
        let found = std::process::Command::new(tool)
            .arg("--version")
            .stdin(Stdio::null())
            .output()
            .is_ok_and(|out| out.status.success());
        if !found {
            return Err(format!("{tool} not found on PATH"));
        }
    }
    Ok(Tools { chromium })
}

fn browser_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser")
}

/// Output of a finished command, or a panic naming what timed out.
async fn run(what: &str, command: &mut Command, deadline: Duration) -> std::process::Output {
    let child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
    match tokio::time::timeout(deadline, child.wait_with_output()).await {
        Ok(out) => out.unwrap_or_else(|e| panic!("{what}: {e}")),
        Err(_) => panic!("{what} did not finish within {deadline:?}"),
    }
}

/// The tools, with playwright-core installed; `None` (and one `SKIPPED browser:` line)
/// when the machine lacks them.
async fn browser_tools() -> Option<Tools> {
    match find_tools() {
        Ok(tools) => {
            ensure_playwright().await;
            Some(tools)
        }
        Err(why) => {
            println!("SKIPPED browser: {why}");
            None
        }
    }
}

/// Runs `node SCRIPT ARGS… --chromium PATH` in tests/browser and prints what it said. When
/// it fails, the test fails and `work` (with the script's `out` directory: screenshots,
/// pages) is kept for whoever reads the failure; otherwise it is handed back.
/// Runs a browser script signed in as the operator, with `photo` to attach; what it
/// wrote to `out/result.json`.
async fn as_operator(
    script: &str,
    node: &TestNode,
    photo: &Path,
    tools: &Tools,
    work: tempfile::TempDir,
) -> Value {
    let out_dir = work.path().join("out");
    // Kept while `out_dir` is read.
    let _work = node_script(
        script,
        &[
            "--base".as_ref(),
            node.base.as_ref(),
            "--username".as_ref(),
            OPERATOR.as_ref(),
            "--password".as_ref(),
            PASSWORD.as_ref(),
            "--photo".as_ref(),
            photo.as_os_str(),
            "--out".as_ref(),
            out_dir.as_os_str(),
        ],
        tools,
        work,
    )
    .await;
    serde_json::from_slice(&std::fs::read(out_dir.join("result.json")).expect("result.json"))
        .expect("result.json is JSON")
}

async fn node_script(
    script: &str,
    args: &[&std::ffi::OsStr],
    tools: &Tools,
    work: tempfile::TempDir,
) -> tempfile::TempDir {
    let out = run(
        &format!("node {script}"),
        Command::new("node")
            .arg(script)
            .args(args)
            .arg("--chromium")
            .arg(&tools.chromium)
            .env("NO_COLOR", "1")
            .current_dir(browser_dir()),
        SCRIPT_DEADLINE,
    )
    .await;
    let said = format!(
        "--- stdout of {script}\n{}\n--- stderr\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if !out.status.success() {
        let kept = work.keep();
        panic!(
            "{script} failed ({}); what it saved is in {}\n{said}",
            out.status,
            kept.join("out").display()
        );
    }
    println!("{said}");
    work
}

/// Installs the pinned playwright-core from the lock file when it is missing.
async fn ensure_playwright() {
    let dir = browser_dir();
    if dir
        .join("node_modules/playwright-core/package.json")
        .is_file()
    {
        return;
    }
    let out = run(
        "npm ci in tests/browser",
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
            .current_dir(&dir),
        NPM_DEADLINE,
    )
    .await;
    assert!(
        out.status.success(),
        "npm ci in {} failed ({})\n--- stdout\n{}\n--- stderr\n{}",
        dir.display(),
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A photo-like picture: morning sky, sun, two rows of hills, rice terraces and a palm.
/// Smooth on purpose: grain would make every screenshot of it weigh a megabyte.
fn village_photo(width: u32, height: u32, seed: u32) -> Vec<u8> {
    photo_with_grain(width, height, seed, 0.0, 88)
}

/// The same landscape as a phone's camera takes it: 12 megapixels with sensor grain, so
/// that it weighs what such a photo weighs (3–5 MB).
fn camera_photo(seed: u32) -> Vec<u8> {
    photo_with_grain(4000, 3000, seed, 18.0, 92)
}

fn photo_with_grain(width: u32, height: u32, seed: u32, grain: f32, quality: u8) -> Vec<u8> {
    let (w, h) = (width as f32, height as f32);
    let shift = seed as f32;
    let horizon = h * 0.48;
    let image = RgbImage::from_fn(width, height, |x, y| {
        let (fx, fy) = (x as f32, y as f32);
        let far_hill = horizon - 70.0 + 45.0 * (fx / w * 5.0 + shift).sin();
        let near_hill = horizon + 10.0 + 35.0 * (fx / w * 3.0 + 1.7 + shift).cos();
        let sun = ((fx - w * 0.72).powi(2) + (fy - h * 0.22).powi(2)).sqrt();
        let palm_x = w * (0.18 + 0.5 * (shift * 0.37).sin().abs());
        let trunk =
            (fx - palm_x - (fy - h * 0.25) * 0.08).abs() < 7.0 && fy > h * 0.25 && fy < h * 0.72;
        let frond = {
            let (dx, dy) = (fx - palm_x, fy - h * 0.25);
            let r = (dx * dx + dy * dy).sqrt();
            let angle = dy.atan2(dx);
            r < 150.0 && (angle * 5.0 + r * 0.01).sin() > 0.2 && dy < 70.0 - r * 0.3
        };
        let (r, g, b) = if trunk {
            (96.0, 70.0, 45.0)
        } else if frond {
            let shade = (fx - palm_x) / 300.0;
            (40.0 + 30.0 * shade, 110.0 + 30.0 * shade, 45.0)
        } else if sun < 55.0 {
            (255.0, 236.0, 170.0)
        } else if fy < far_hill {
            let t = fy / horizon;
            let glow = (1.0 - (sun / (w * 0.5)).min(1.0)) * 60.0;
            (
                120.0 + 110.0 * t + glow,
                170.0 + 60.0 * t + glow * 0.7,
                235.0 - 20.0 * t,
            )
        } else if fy < near_hill {
            let t = (fy - far_hill) / 120.0;
            (60.0 + 25.0 * t, 110.0 + 20.0 * t, 90.0 - 10.0 * t)
        } else {
            // Terraces: bands that widen towards the viewer, with darker bunds.
            let t = (fy - near_hill) / (h - near_hill);
            let band = (fy - near_hill) / (18.0 + 70.0 * t) + 0.4 * (fx / w * 4.0 + shift).sin();
            let bund = band.fract() < 0.08;
            let ripe = (0.5 + 0.5 * (band.floor() * 1.3 + shift).sin()) * (1.0 - 0.6 * t);
            if bund {
                (92.0, 96.0, 48.0)
            } else {
                (
                    110.0 + 110.0 * ripe + 20.0 * t,
                    160.0 + 30.0 * ripe,
                    55.0 - 10.0 * ripe,
                )
            }
        };
        // A cheap hash of the pixel's place: the same grain every run.
        let hash = (x.wrapping_mul(73_856_093) ^ y.wrapping_mul(19_349_663) ^ seed)
            .wrapping_mul(2_654_435_761);
        let noise = ((hash >> 24) as f32 / 255.0 - 0.5) * grain;
        let px = |v: f32| (v + noise).clamp(0.0, 255.0) as u8;
        Rgb([px(r), px(g), px(b)])
    });
    let mut jpeg = Vec::new();
    JpegEncoder::new_with_quality(&mut jpeg, quality)
        .write_image(
            image.as_raw(),
            width,
            height,
            image::ExtendedColorType::Rgb8,
        )
        .expect("encode the JPEG");
    jpeg
}

/// Stores a photo as the admin would, for the posts written before the browser comes.
async fn stored_photo(node: &TestNode, seed: u32, alt: &str) -> PostImage {
    let bytes = village_photo(1200, 800, seed);
    let dir = node.state().config.dir.clone();
    let stored = tokio::task::spawn_blocking(move || {
        let processed = process_upload(&bytes).expect("process the photo");
        MediaStore::new(&dir)
            .save(&processed)
            .expect("store the photo")
    })
    .await
    .expect("photo task");
    PostImage {
        key: stored.key,
        extension: stored.extension.into(),
        mime: stored.mime.into(),
        width: stored.width,
        height: stored.height,
        alt: alt.into(),
    }
}

/// A village site as an operator would have it a few weeks in: a name, a tagline, a
/// contact, and some earlier posts of each kind (so that the screenshots show a site
/// in use, not an empty one).
async fn furnish(node: &TestNode) {
    let store = &node.state().store;
    let actor = actors::publishing_actors(store)
        .await
        .expect("actors")
        .into_iter()
        .next()
        .expect("the village actor");
    actors::edit_profile(
        store,
        &actor,
        &ProfileChanges {
            name: Some("Desa Sukamaju".into()),
            summary: Some(
                "Desa di lereng bukit, dikelilingi sawah dan kebun kopi. \
                 Kabar resmi dari Pemerintah Desa Sukamaju."
                    .into(),
            ),
            ..Default::default()
        },
    )
    .await
    .expect("profile");
    let settings = site::SiteSettings {
        tagline: "Guyub, rukun, dan terbuka untuk semua warga".into(),
        contact_address: "Jl. Raya Sukamaju No. 1, Kec. Cibeber".into(),
        contact_phone: "0812-3456-7890".into(),
        contact_email: "pemdes@sukamaju.desa.id".into(),
        banner: Some(
            kentongan::demo::pictures::stored_landscape(
                node.dir(),
                &kentongan::demo::pictures::FIELDS,
                "Sawah dan perbukitan Desa Sukamaju",
            )
            .expect("banner"),
        ),
        ..site::load(store).await.expect("site settings")
    };
    site::save(store, &settings)
        .await
        .expect("save the tagline");

    let actor = actors::publishing_actors(store)
        .await
        .expect("actors")
        .into_iter()
        .next()
        .expect("the village actor");
    let now = now_ms();
    // Five days from now at 08.00 WIB (UTC+7), as an agenda would be set.
    const WIB_MS: i64 = 7 * 3600 * 1000;
    let posyandu = ((now + WIB_MS) / DAY_MS + 5) * DAY_MS - WIB_MS + 8 * 3600 * 1000;
    let market = stored_photo(node, 7, "Lapak-lapak UMKM di lapangan desa").await;
    let earlier = [
        PostInput {
            title: "Pelayanan KTP elektronik di balai desa".into(),
            summary: "Perekaman KTP-el untuk warga yang baru berusia 17 tahun.".into(),
            body_markdown: "Petugas Disdukcapil hadir di balai desa setiap Selasa, \
                            pukul 08.00–12.00. Bawa kartu keluarga."
                .into(),
            categories: vec!["Pengumuman".into()],
            kind: PostKind::Pengumuman,
            pinned: true,
            published_at: Some(now - 9 * DAY_MS),
            ..Default::default()
        },
        PostInput {
            title: "Bazar UMKM Sukamaju di lapangan desa".into(),
            summary: "Dua puluh lapak keripik, batik, dan kopi dari warga sendiri.".into(),
            body_markdown: "Bazar dibuka Bapak Camat dan ramai dikunjungi warga \
                            dari desa tetangga."
                .into(),
            categories: vec!["UMKM".into(), "Berita".into()],
            images: vec![market],
            published_at: Some(now - 6 * DAY_MS),
            ..Default::default()
        },
        PostInput {
            title: "Posyandu balita dan lansia".into(),
            summary: "Penimbangan, imunisasi dan cek tekanan darah.".into(),
            body_markdown: "Ajak balita dan orang tua kita ke posyandu.".into(),
            categories: vec!["Agenda".into()],
            kind: PostKind::Agenda,
            event: Some(EventDetails {
                starts_at: posyandu,
                ends_at: Some(posyandu + 3 * 3600 * 1000),
                place: "Balai Dusun Krajan".into(),
                organiser: "Kader Posyandu Melati".into(),
                ..Default::default()
            }),
            published_at: Some(now - 3 * DAY_MS),
            ..Default::default()
        },
    ];
    for input in &earlier {
        publishing::publish(store, &actor, input)
            .await
            .expect("an earlier post");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_publishes_a_post_with_a_photo_and_sees_it_on_the_site() {
    let Some(tools) = browser_tools().await else {
        return;
    };

    let node = TestNode::start(&Backend::Sqlite, "desa-sukamaju").await;
    let store = &node.state().store;
    furnish(&node).await;
    let operator = auth::create_user(store, OPERATOR, "Operator Desa", Role::Admin, PASSWORD)
        .await
        .expect("the operator's account");

    // A resident on another server follows the village before anything is published.
    let peer = Peer::start(true).await;
    let follow = peer.follow("warga", &node.actor_id());
    let (status, body) = peer
        .send("warga", &format!("{}/inbox", node.base), &follow)
        .await;
    assert_eq!(status, 202, "{body}");
    eventually("the resident to be a follower", WAIT, || async {
        let actor = actors::publishing_actors(store)
            .await
            .ok()?
            .into_iter()
            .next()?;
        (store.count_followers(actor.id).await.ok()? == 1).then_some(())
    })
    .await;

    let work = tempfile::tempdir().expect("temp dir");
    let photo = work.path().join("sawah.jpg");
    std::fs::write(&photo, village_photo(1200, 800, 1)).expect("write the photo");
    let result = as_operator("publish.mjs", &node, &photo, &tools, work).await;
    let posts = result["posts"].as_array().expect("posts");
    assert_eq!(posts.len(), 2, "one post per window size: {result}");
    for seen in posts {
        let public_id = seen["public_id"].as_str().expect("public_id");
        let alt = seen["alt"].as_str().expect("alt");
        let post = store
            .post_by_public_id(public_id)
            .await
            .expect("read")
            .unwrap_or_else(|| panic!("post {public_id} is not in the store"));
        assert_eq!(post.title, seen["title"].as_str().expect("title"));
        assert_eq!(post.kind, PostKind::Berita);
        assert_eq!(post.category_list(), vec!["Berita".to_string()]);
        assert_eq!(post.author_user_id, Some(operator.id));
        assert!(post.deleted_at.is_none());
        let images = images_of(&post.images_json);
        assert_eq!(images.len(), 1, "one photo: {images:?}");
        assert_eq!(images[0].alt, alt, "the alt text typed in the editor");
        assert_eq!(images[0].mime, "image/jpeg");

        // Queued with the post (rendered to a Note only when it is delivered).
        let create = store
            .create_activity_of_post(post.id)
            .await
            .expect("read")
            .expect("the Create was queued with the post");
        assert_eq!(create.kind, kentongan::store::ActivityKind::Create);

        let url = node.state().urls.post(&post.public_id).to_string();
        let delivered = eventually("the Create at the follower's server", WAIT, || async {
            peer.received_of("Create")
                .into_iter()
                .find(|r| r.activity["object"]["id"] == url.as_str())
        })
        .await;
        assert!(delivered.signature_verified);
        assert_has_photos(&delivered.activity, &[alt], "the delivered Create");
    }
    peer.stop();
    node.stop().await;
}

/// A Create whose Note carries one Image attachment per alt text, in this order.
fn assert_has_photos(activity: &Value, alts: &[&str], what: &str) {
    let note = &activity["object"];
    let images: Vec<&Value> = note["attachment"]
        .as_array()
        .map(|list| list.iter().filter(|a| a["type"] == "Image").collect())
        .unwrap_or_default();
    assert_eq!(
        images.len(),
        alts.len(),
        "{what}: {} Image attachments in {note}",
        alts.len()
    );
    for (image, alt) in images.iter().zip(alts) {
        assert_eq!(image["name"], *alt, "{what}: the Image's alt text");
    }
}

/// A portal in production shape for its monitoring page: villages with long names,
/// handles and feed addresses, posts over twelve weeks, published aspiration figures, and
/// the errors of villages whose servers cannot be reached (`.invalid` hosts).
async fn furnish_portal(portal: &TestNode) {
    use kentongan::store::{NewVillage, NewVillagePost, VillageTicketFigures};
    let store = &portal.state().store;
    let now = now_ms();
    let villages = [
        (
            "Desa Sumber Makmur Jaya Abadi Sentosa",
            "Kelapa Kampit Selatan",
            false,
        ),
        ("Desa Jangkarasam", "Manggar", false),
        ("Kelurahan Padang Kandis Baru", "Membalong", true),
        ("Desa Lalang Jaya", "Manggar", false),
        ("Desa Mekar Sari Tanjung Batu Itam", "Simpang Pesak", false),
        ("Desa Limbongan", "Gantung", true),
    ];
    for (n, (name, district, feed)) in villages.iter().enumerate() {
        let slug: String = name
            .to_ascii_lowercase()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join("");
        let village = store
            .insert_village(
                &NewVillage {
                    name: (*name).into(),
                    district: (*district).into(),
                    code: format!("19.06.01.20{n:02}"),
                    source_kind: if *feed {
                        kentongan::store::SourceKind::Feed
                    } else {
                        kentongan::store::SourceKind::Actor
                    },
                    handle: (!feed).then(|| format!("{slug}@{slug}.desa.invalid")),
                    feed_url: feed
                        .then(|| format!("https://{slug}.desa.invalid/index.php/feed/rss")),
                },
                now,
            )
            .await
            .expect("village")
            .expect("a new village");
        for week in 0..(n as i64 * 3) {
            let ap_id = format!("https://{slug}.desa.invalid/p/{week}");
            store
                .ingest_village_post(
                    &NewVillagePost {
                        ap_id: ap_id.clone(),
                        village_id: village.id,
                        title: format!("Kabar minggu ke-{week}"),
                        summary: String::new(),
                        content_html: "<p>Isi</p>".into(),
                        url: ap_id,
                        image_url: None,
                        from_feed: *feed,
                        published_at: now - week * 5 * DAY_MS,
                        updated_at: None,
                        tags: vec!["berita".into()],
                    },
                    now,
                )
                .await
                .expect("post");
        }
        if n % 2 == 0 {
            store
                .record_village_ticket_figures(&VillageTicketFigures {
                    village_id: village.id,
                    open_tickets: 12,
                    overdue_tickets: 3,
                    received: 140,
                    answered: 120,
                    median_first_response_secs: Some(3 * 24 * 3600 + 1800),
                    median_answer_secs: Some(11 * 24 * 3600),
                    window_days: 365,
                    computed_at: now,
                    fetched_at: now,
                })
                .await
                .expect("figures");
        }
    }
    portal.state().wake_portal.notify_one();
    // Each village by handle fails its lookup once: an error on the dashboard.
    eventually("the unreachable villages' errors", WAIT, || async {
        let villages = store.villages().await.ok()?;
        villages
            .iter()
            .filter(|v| v.source_kind != kentongan::store::SourceKind::Feed)
            .all(|v| v.last_error.is_some())
            .then_some(())
    })
    .await;
}

/// Regression: the portal's monitoring table was wider than a 1366-pixel screen. It fits
/// one, and on a phone it scrolls inside its own box (tests/browser/monitoring.mjs).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_monitoring_table_fits_a_1366_pixel_screen_and_scrolls_in_its_box_on_a_phone() {
    let Some(tools) = browser_tools().await else {
        return;
    };
    let portal = TestNode::start_with_role(
        &Backend::Sqlite,
        "portal-beltim",
        kentongan::config::Role::Portal,
    )
    .await;
    furnish_portal(&portal).await;
    let work = tempfile::tempdir().expect("temp dir");
    let out_dir = work.path().join("out");
    node_script(
        "monitoring.mjs",
        &[
            "--base".as_ref(),
            portal.base.as_ref(),
            "--out".as_ref(),
            out_dir.as_os_str(),
        ],
        &tools,
        work,
    )
    .await;
    portal.stop().await;
}

/// Issue 16 in a real browser, on a 360×640 phone (`tests/browser/editor.mjs`): the
/// toolbar, WhatsApp text pasted, a 12-megapixel camera photo made smaller before it is
/// sent, the connection lost before publishing and the draft recovered, a session that
/// ended and gave the text back after signing in, and a photo chosen after it ended, kept
/// on the phone and sent once the operator signed in again; then the post is in the store as typed
/// and its Create reaches a follower formatted and with both photos. The figures of
/// docs/benchmarks.md ("Menulis dari ponsel") are printed as `MEASURED` lines.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_writes_on_a_phone_on_a_bad_connection_and_the_post_reaches_a_follower() {
    let Some(tools) = browser_tools().await else {
        return;
    };
    let node = TestNode::start(&Backend::Sqlite, "desa-sukamaju").await;
    let store = &node.state().store;
    let operator = auth::create_user(store, OPERATOR, "Sekretaris Desa", Role::Admin, PASSWORD)
        .await
        .expect("the operator's account");
    let peer = Peer::start(true).await;
    let follow = peer.follow("warga", &node.actor_id());
    let (status, body) = peer
        .send("warga", &format!("{}/inbox", node.base), &follow)
        .await;
    assert_eq!(status, 202, "{body}");

    let work = tempfile::tempdir().expect("temp dir");
    let photo = work.path().join("IMG_20250301_071502.jpg");
    let bytes = tokio::task::spawn_blocking(|| camera_photo(3))
        .await
        .expect("photo task");
    assert!(
        bytes.len() >= 3_000_000,
        "a camera photo: {} bytes",
        bytes.len()
    );
    std::fs::write(&photo, &bytes).expect("write the photo");
    let result = as_operator("editor.mjs", &node, &photo, &tools, work).await;
    let public_id = result["public_id"].as_str().expect("public_id");
    let alt = result["alt"].as_str().expect("alt");
    let post = store
        .post_by_public_id(public_id)
        .await
        .expect("read")
        .expect("the published post");
    assert_eq!(post.title, result["title"].as_str().expect("title"));
    assert_eq!(post.author_user_id, Some(operator.id));
    for typed in [
        "**kerja bakti**",
        "## Perlengkapan",
        "- cangkul",
        "~~Sabtu~~",
        "Ditulis saat sinyal hilang.",
        "Setelah sesi berakhir.",
    ] {
        assert!(
            post.body_markdown.contains(typed),
            "{typed} in {}",
            post.body_markdown
        );
    }
    // The second photo was chosen after the session ended, kept on the phone and sent
    // once the operator signed in again.
    let kept_alt = result["kept_alt"].as_str().expect("kept_alt");
    let images = images_of(&post.images_json);
    assert_eq!(images.len(), 2, "{images:?}");
    assert_eq!(images[0].alt, alt);
    assert_eq!(images[1].alt, kept_alt);
    assert!(
        store.drafts().await.expect("drafts").is_empty(),
        "the draft saved while typing became the post"
    );

    let url = node.state().urls.post(&post.public_id).to_string();
    let delivered = eventually("the Create at the follower's server", WAIT, || async {
        peer.received_of("Create")
            .into_iter()
            .find(|r| r.activity["object"]["id"] == url.as_str())
    })
    .await;
    assert!(delivered.signature_verified);
    assert_has_photos(
        &delivered.activity,
        &[alt, kept_alt],
        "the delivered Create",
    );
    let content = delivered.activity["object"]["content"]
        .as_str()
        .unwrap_or_default();
    assert!(
        content.contains("<strong>kerja bakti</strong>"),
        "{content}"
    );

    let page = &result["page"];
    println!(
        "MEASURED photo: {} bytes chosen, {} bytes sent",
        result["photo_bytes"], result["uploaded_bytes"]
    );
    for kind in ["html", "js", "css"] {
        println!(
            "MEASURED {kind}: {} bytes, {} bytes gzip (served as {})",
            page[kind]["raw"], page[kind]["gzip"], page[kind]["encoding"]
        );
    }
    peer.stop();
    node.stop().await;
}
