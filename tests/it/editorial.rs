//! The editorial side below the admin pages: the first admin from `init`, accounts from
//! the command line, drafts that never federate, scheduled posts, pins that expire, and
//! what a post with photos and an agenda looks like on the wire.

use crate::support::{AP, Backend, TestNode, WAIT, client, eventually, on_every_backend};
use kentongan::{
    auth::{self, LoginRefusal, Role},
    clock::now_ms,
    media::{MediaStore, process_upload},
    publishing::{self, EventDetails, PostImage, PostInput, PostKind, drafts},
};
use serde_json::Value;
use std::process::Command;

/// The address the command-line logins here come from.
const OFFICE: &str = "192.0.2.10";

fn kentongan(args: &[&str], stdin: Option<&str>) -> (bool, String) {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_kentongan"))
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run kentongan");
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(text.as_bytes())
            .expect("write stdin");
    }
    drop(child.stdin.take());
    let output = child.wait_with_output().expect("wait");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

/// The value after `label` on the line that holds it.
fn value_after<'a>(text: &'a str, label: &str) -> &'a str {
    let line = text
        .lines()
        .find(|l| l.contains(label))
        .unwrap_or_else(|| panic!("no line with {label:?} in {text}"));
    line.rsplit(": ").next().expect("value").trim()
}

#[tokio::test]
async fn init_creates_the_first_admin_and_the_command_line_manages_accounts() {
    let dir = tempfile::tempdir().expect("temp dir");
    let node = dir.path().join("node");
    let node = node.to_str().expect("utf-8");
    let (ok, out) = kentongan(
        &[
            "init",
            "--dir",
            node,
            "--domain",
            "desa.example",
            "--username",
            "desa",
            "--name",
            "Desa Contoh",
        ],
        None,
    );
    assert!(ok, "{out}");
    let password = value_after(&out, "password (shown only once)").to_string();
    let config =
        kentongan::config::Config::load(dir.path().join("node").as_path()).expect("config");
    let store = kentongan::store::Store::connect(config.database_url())
        .await
        .expect("store");
    let admin = auth::login(&store, "admin", &password, OFFICE)
        .await
        .expect("login")
        .expect("the printed password logs in");
    assert_eq!(admin.role, Role::Admin);
    // The site has its default categories and profile pages from the start.
    let categories: Vec<String> = store
        .categories()
        .await
        .expect("categories")
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(categories, kentongan::site::DEFAULT_CATEGORIES);
    let pages: Vec<String> = store
        .pages()
        .await
        .expect("pages")
        .into_iter()
        .map(|p| p.slug)
        .collect();
    assert_eq!(
        pages,
        [
            "sejarah",
            "visi-misi",
            "perangkat",
            "kontak",
            "kebijakan-privasi"
        ]
    );

    // A contributor added from the command line gets a working generated password.
    let (ok, out) = kentongan(
        &[
            "admin",
            "add",
            "--dir",
            node,
            "--username",
            "kim.sukamaju",
            "--role",
            "kontributor",
        ],
        None,
    );
    assert!(ok, "{out}");
    let kim_password = value_after(&out, "password (shown only once)").to_string();
    assert!(
        auth::login(&store, "kim.sukamaju", &kim_password, OFFICE)
            .await
            .expect("login")
            .is_ok()
    );
    let (ok, out) = kentongan(
        &[
            "admin",
            "add",
            "--dir",
            node,
            "--username",
            "x",
            "--role",
            "raja",
        ],
        None,
    );
    assert!(!ok && out.contains("role"), "{out}");

    // Slowed down after repeated failures from one address: the right password is refused
    // there until the pause ends, or until `admin unlock` forgets the failures.
    for _ in 0..=auth::throttle::FREE_FAILURES_PER_NAME {
        let _ = auth::login(&store, "admin", "salah-salah-salah", OFFICE)
            .await
            .expect("login");
    }
    assert!(matches!(
        auth::login(&store, "admin", &password, OFFICE)
            .await
            .expect("login"),
        Err(LoginRefusal::Slowed(_))
    ));
    let (ok, out) = kentongan(
        &["admin", "unlock", "--dir", node, "--username", "admin"],
        None,
    );
    assert!(ok && out.contains("(1 alamat"), "{out}");
    assert!(
        auth::login(&store, "admin", &password, OFFICE)
            .await
            .expect("login")
            .is_ok()
    );

    // A password set from standard input replaces the old one.
    let (ok, out) = kentongan(
        &[
            "admin",
            "password",
            "--dir",
            node,
            "--username",
            "admin",
            "--stdin",
        ],
        Some("kata-sandi-baru-panjang\n"),
    );
    assert!(ok, "{out}");
    assert!(
        auth::login(&store, "admin", &password, OFFICE)
            .await
            .expect("login")
            .is_err()
    );
    assert!(
        auth::login(&store, "admin", "kata-sandi-baru-panjang", OFFICE)
            .await
            .expect("login")
            .is_ok()
    );
    let (ok, out) = kentongan(&["admin", "list", "--dir", node], None);
    assert!(
        ok && out.contains("kim.sukamaju\tkontributor\tactive"),
        "{out}"
    );
    store.close().await;
}

fn photo() -> Vec<u8> {
    let picture = image::RgbImage::from_fn(900, 600, |x, y| {
        image::Rgb([(x / 4) as u8, (y / 3) as u8, 120])
    });
    let mut bytes = Vec::new();
    picture
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .expect("encode");
    bytes
}

async fn get_json(url: &str) -> Value {
    client()
        .get(url)
        .header("accept", AP)
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("json")
}

async fn photos_and_agenda_go_out_as_attachments_and_text(backend: Backend) {
    let node = TestNode::start(&backend, "desa-sukamaju").await;
    let store = &node.state().store;
    let actor = kentongan::actors::find_publishing_actor(store, None)
        .await
        .expect("actor");
    let stored = MediaStore::new(node.dir())
        .save(&process_upload(&photo()).expect("process"))
        .expect("save");
    let starts_at = now_ms() + 3 * 24 * 3600 * 1000;
    let post = publishing::publish(
        store,
        &actor,
        &PostInput {
            title: "Posyandu balita".into(),
            body_markdown: "Bawa buku KIA.".into(),
            kind: PostKind::Agenda,
            event: Some(EventDetails {
                starts_at,
                ends_at: Some(starts_at + 2 * 3600 * 1000),
                place: "Balai Desa".into(),
                organiser: "Kader Posyandu".into(),
                ..Default::default()
            }),
            images: vec![PostImage::from_stored(&stored, "Ibu-ibu menimbang balita")],
            ..Default::default()
        },
    )
    .await
    .expect("publish");
    let note = get_json(&format!("{}/p/{}", node.base, post.public_id)).await;
    let attachment = &note["attachment"][0];
    assert_eq!(attachment["type"], "Image");
    assert_eq!(attachment["name"], "Ibu-ibu menimbang balita");
    let url = attachment["url"].as_str().expect("url");
    assert!(url.starts_with(&format!("{}/media/", node.base)), "{url}");
    let image = client().get(url).send().await.expect("GET image");
    assert_eq!(image.status().as_u16(), 200);
    assert_eq!(
        image.headers()["content-type"],
        attachment["mediaType"].as_str().expect("type")
    );
    let content = note["content"].as_str().expect("content");
    assert!(
        content.contains("Balai Desa") && content.contains("Kader Posyandu"),
        "{content}"
    );
    assert!(
        content.contains(" WIB"),
        "the time is written in the village's zone: {content}"
    );
    assert_eq!(note["location"]["name"], "Balai Desa");
    assert!(note["startTime"].is_string());
    node.stop().await;
}

async fn drafts_stay_home_and_scheduled_posts_publish_themselves(backend: Backend) {
    let node = TestNode::start(&backend, "desa-sukamaju").await;
    let store = &node.state().store;
    let actor = kentongan::actors::find_publishing_actor(store, None)
        .await
        .expect("actor");
    let input = PostInput {
        title: "Rapat RT".into(),
        body_markdown: "Rapat RT malam Jumat.".into(),
        ..Default::default()
    };
    let draft = drafts::save(
        store,
        &actor,
        None,
        None,
        drafts::DraftStatus::Draft,
        &input,
        None,
    )
    .await
    .expect("draft");
    let outbox = get_json(&format!("{}/u/desa-sukamaju/outbox", node.base)).await;
    assert_eq!(outbox["totalItems"], 0, "a draft is not in the outbox");

    // A scheduled time in the past is refused, and the draft stays as it was.
    let refused = drafts::save(
        store,
        &actor,
        None,
        Some(&draft),
        drafts::DraftStatus::Scheduled,
        &input,
        Some(now_ms() - 1_000),
    )
    .await;
    assert!(refused.is_err());
    assert_eq!(
        store
            .draft_by_id(draft.id)
            .await
            .expect("read")
            .expect("kept")
            .status,
        kentongan::store::DraftStatus::Draft
    );
    drafts::save(
        store,
        &actor,
        None,
        Some(&draft),
        drafts::DraftStatus::Scheduled,
        &input,
        Some(now_ms() + 1_500),
    )
    .await
    .expect("schedule");
    node.state().wake_scheduler.notify_one();
    let outbox = eventually("the scheduled post is published", WAIT, || async {
        let outbox = get_json(&format!("{}/u/desa-sukamaju/outbox", node.base)).await;
        (outbox["totalItems"] == 1).then_some(outbox)
    })
    .await;
    assert!(store.draft_by_id(draft.id).await.expect("read").is_none());
    assert_eq!(outbox["totalItems"], 1);
    node.stop().await;
}

async fn a_pin_ends_at_its_end_date(backend: Backend) {
    let node = TestNode::start(&backend, "desa-sukamaju").await;
    let store = &node.state().store;
    let post = node
        .publish(&PostInput {
            title: "Pembagian beras".into(),
            body_markdown: "Di kantor desa.".into(),
            kind: PostKind::Pengumuman,
            pinned: true,
            pinned_until: Some(now_ms() + 1_500),
            ..Default::default()
        })
        .await;
    let featured_url = format!("{}/u/desa-sukamaju/featured", node.base);
    let featured = get_json(&featured_url).await;
    assert_eq!(featured["totalItems"], 1, "{featured}");
    eventually("the pin expires", WAIT, || async {
        (get_json(&featured_url).await["totalItems"] == 0).then_some(())
    })
    .await;
    let post = store
        .post_by_id(post.id)
        .await
        .expect("read")
        .expect("post");
    assert!(!post.is_pinned_at(now_ms()));
    node.stop().await;
}

#[tokio::test]
async fn photos_and_agenda_go_out_as_attachments_and_text_on_every_backend() {
    on_every_backend(photos_and_agenda_go_out_as_attachments_and_text).await;
}

#[tokio::test]
async fn drafts_stay_home_and_scheduled_posts_publish_themselves_on_every_backend() {
    on_every_backend(drafts_stay_home_and_scheduled_posts_publish_themselves).await;
}

#[tokio::test]
async fn a_pin_ends_at_its_end_date_on_every_backend() {
    on_every_backend(a_pin_ends_at_its_end_date).await;
}
