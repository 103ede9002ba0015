//! Moving a site (issue 13 point 5): `site export` while the village serves and keeps
//! publishing, `site import` into an empty directory (the village hosts itself) and into
//! a hosting node (a further site, served within seconds), on SQLite, on PostgreSQL and
//! from one to the other. After the move the village has the same pages, post ids, actor
//! key, followers, ticket, document and admin sign-in, and its follower gets the next
//! post, signed with the same key. An archive that was changed, that comes from a newer
//! schema, whose host is served already, or that fails half-way is refused and leaves
//! nothing behind.

use crate::support::{
    AP, Backend, TestDb, TestNode, WAIT, client, eventually,
    hosted::init_portal,
    on_every_backend,
    peer::Peer,
    session::{Browser, PASSWORD, png, user},
};
use kentongan::{
    aspirations::{TicketClass, intake},
    auth::Role,
    documents::{self, DocumentFiles, DocumentInput},
    hosting::{ExportArgs, HostingNode, ImportArgs, export, import},
    media::{MediaStore, StoredImage, process_upload},
    publishing::{self, PostImage, PostInput},
    store::PostRecord,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::{
    io::{Read, Write},
    path::{Path, PathBuf},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
};

const VILLAGE: &str = "desa-jangkarasam";

/// What the village was before it moved, to be found the same afterwards.
struct Before {
    domain: String,
    base: String,
    port: u16,
    token: String,
    public_key_pem: String,
    /// Every post published before the export began: (title, public id).
    posts: Vec<(String, String)>,
    /// The title of the newest post in the archive, first on the home page.
    newest: String,
    photo_url: String,
    photo: Vec<u8>,
    document_url: String,
    document: Vec<u8>,
    ticket_number: String,
    /// Signed in as the village's admin before the move.
    admin: Browser,
}

async fn get(url: &str) -> (u16, Vec<u8>) {
    let response = client().get(url).send().await.expect("GET");
    let status = response.status().as_u16();
    (status, response.bytes().await.expect("body").to_vec())
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
        .expect("JSON")
}

fn title_of(n: usize) -> String {
    format!("Kabar desa nomor {n}")
}

/// A post of the village's main account with a photo whose alt text is `alt`; the post
/// and the photo as stored.
async fn publish_with_photo(
    node: &TestNode,
    title: &str,
    body: &str,
    alt: &str,
) -> (PostRecord, StoredImage) {
    let store = &node.state().store;
    let actor = kentongan::actors::find_publishing_actor(store, None)
        .await
        .expect("actor");
    let stored = MediaStore::new(node.dir())
        .save(&process_upload(&png(64, 48)).expect("process"))
        .expect("save");
    let post = publishing::publish(
        store,
        &actor,
        &PostInput {
            title: title.into(),
            body_markdown: body.into(),
            images: vec![PostImage::from_stored(&stored, alt)],
            ..Default::default()
        },
    )
    .await
    .expect("publish");
    (post, stored)
}

/// A village with a follower, a post with a photo, a public document, a resident's
/// ticket with a photo and an admin signed in.
async fn village_with_history(backend: &Backend) -> (TestNode, Peer, Before) {
    let node = TestNode::start(backend, VILLAGE).await;
    let store = node.state().store.clone();
    let peer = Peer::start(true).await;
    let follow = peer.follow("warga", &node.actor_id());
    let (status, body) = peer
        .send("warga", &format!("{}/inbox", node.actor_id()), &follow)
        .await;
    assert_eq!(status, 202, "{body}");
    eventually("the village's Accept", WAIT, || async {
        peer.received_of("Accept").into_iter().next()
    })
    .await;

    let actor = kentongan::actors::find_publishing_actor(&store, None)
        .await
        .expect("actor");
    let (with_photo, stored) = publish_with_photo(
        &node,
        "Posyandu balita",
        "Bawa buku KIA.",
        "Ibu-ibu menimbang balita",
    )
    .await;
    let photo_url = format!("{}/media/{}", node.base, stored.file_name("large"));
    let (status, photo) = get(&photo_url).await;
    assert_eq!(status, 200);

    let document = crate::documents::pdf("apbdes-pindah");
    let file = documents::accept_file(&document, false).expect("a PDF");
    let key = DocumentFiles::new(node.dir())
        .save(&file.bytes, file.ext)
        .expect("save the document");
    let year = crate::documents::this_year();
    let fields = documents::validate(
        &DocumentInput {
            title: "APBDes".into(),
            description: "Anggaran desa.".into(),
            category: "berkala".into(),
            year: year.to_string(),
            doc_type: "apbdes".into(),
        },
        year,
    )
    .expect("valid document");
    let kept = documents::upload(
        &store,
        &node.state().urls,
        &actor,
        None,
        &fields,
        &file,
        &key,
    )
    .await
    .expect("upload");
    let document_url = format!("{}/informasi-publik/berkas/{}", node.base, kept.public_id);
    assert_eq!(get(&document_url).await, (200, document.clone()));

    let ticket_number = intake::receive_web(
        &store,
        &node.state().config.aspirations,
        node.dir(),
        actor.id,
        intake::WebMessage {
            name: "Ibu Wati".into(),
            contact: "0813-7777-2121".into(),
            class: Some(TicketClass::Pengaduan),
            message: "Saluran air di gang Melati tersumbat.".into(),
            photo: Some(intake::PhotoUpload {
                bytes: png(40, 30),
                too_large: false,
            }),
        },
    )
    .await
    .expect("a ticket");

    user(&node, "sekdes", Role::Admin).await;
    let mut admin = Browser::signed_in_as(&node, "sekdes").await;
    assert_eq!(admin.get("/admin").await.status, 200);

    let actor_json = get_json(&node.actor_id()).await;
    let public_key_pem = actor_json["publicKey"]["publicKeyPem"]
        .as_str()
        .expect("a public key")
        .to_string();
    let port = node
        .domain
        .rsplit(':')
        .next()
        .expect("port")
        .parse()
        .expect("port");
    let documents_post = kept.post_id.expect("a public document has a post");
    let documents_post = store
        .post_by_id(documents_post)
        .await
        .expect("read")
        .expect("the document's post");
    let before = Before {
        domain: node.domain.clone(),
        base: node.base.clone(),
        port,
        token: node.token.clone(),
        public_key_pem,
        posts: vec![
            (with_photo.title.clone(), with_photo.public_id.clone()),
            (
                documents_post.title.clone(),
                documents_post.public_id.clone(),
            ),
        ],
        newest: String::new(),
        photo_url,
        photo,
        document_url,
        document,
        ticket_number,
        admin,
    };
    (node, peer, before)
}

/// Exports the village while a writer keeps publishing; the archive holds every post
/// published before the export began, and is one moment of the database: the posts it
/// holds are the first ones published, each with its Create and its delivery.
async fn export_while_publishing(node: &TestNode, before: &mut Before, to: &Path) {
    let store = node.state().store.clone();
    let actor = kentongan::actors::find_publishing_actor(&store, None)
        .await
        .expect("actor");
    let stop = Arc::new(AtomicBool::new(false));
    let published: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let writer = tokio::spawn({
        let stop = stop.clone();
        let published = published.clone();
        async move {
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) {
                let post = publishing::publish(
                    &store,
                    &actor,
                    &PostInput {
                        title: title_of(n),
                        body_markdown: "Isi kabar.".into(),
                        ..Default::default()
                    },
                )
                .await
                .expect("publish while exporting");
                published
                    .lock()
                    .expect("lock")
                    .push((post.title, post.public_id));
                n += 1;
            }
        }
    });
    eventually("posts being published", WAIT, || async {
        (published.lock().expect("lock").len() >= 3).then_some(())
    })
    .await;
    let published_before = published.lock().expect("lock").clone();
    let exported = export(ExportArgs {
        dir: node.dir().to_path_buf(),
        site: None,
        to: to.to_path_buf(),
    })
    .await
    .expect("export while serving and publishing");
    stop.store(true, Ordering::SeqCst);
    writer.await.expect("the writer");
    assert_eq!(exported.domain, before.domain);

    let archive = Archive::read(to);
    let posts = archive.rows("posts");
    let titles: Vec<&str> = posts.iter().filter_map(|p| p["title"].as_str()).collect();
    let streamed: Vec<&str> = titles
        .iter()
        .copied()
        .filter(|t| t.starts_with("Kabar desa nomor"))
        .collect();
    let expected: Vec<String> = (0..streamed.len()).map(title_of).collect();
    assert_eq!(
        streamed, expected,
        "the first posts, in order, none missing"
    );
    assert!(
        streamed.len() >= published_before.len(),
        "every post published before the export began is in the archive"
    );
    let activities = archive.rows("activities");
    let deliveries = archive.rows("deliveries");
    for post in &posts {
        let create = activities
            .iter()
            .find(|a| a["post_id"] == post["id"] && a["kind"] == "Create")
            .unwrap_or_else(|| panic!("the Create of {} is in the same snapshot", post["title"]));
        assert!(
            deliveries.iter().any(|d| d["activity_id"] == create["id"]),
            "the delivery of {} is in the same snapshot",
            post["title"]
        );
    }
    before.posts.extend(published_before);
    let newest = posts
        .iter()
        .max_by_key(|p| p["id"].as_i64())
        .expect("posts");
    before.newest = newest["title"].as_str().expect("title").to_string();
    assert!(
        archive
            .names()
            .iter()
            .any(|name| name.starts_with("files/private/ticket-photos/")),
        "the ticket's photo travels"
    );
    assert!(
        archive
            .names()
            .iter()
            .any(|name| name.starts_with("files/documents/"))
    );
    let settings = String::from_utf8(archive.entry("site.toml")).expect("text");
    assert!(!settings.contains("listen") && !settings.contains("database_url"));
}

/// The moved village is the same village, and its follower gets its next post.
async fn assert_same_village(before: &mut Before, node: &HostingNode, peer: &Peer, title: &str) {
    let actor_id = format!("{}/u/{VILLAGE}", before.base);
    let actor = get_json(&actor_id).await;
    assert_eq!(actor["id"], actor_id);
    assert_eq!(
        actor["publicKey"]["publicKeyPem"], before.public_key_pem,
        "the same key pair"
    );
    for (title, public_id) in &before.posts {
        let (status, page) = get(&format!("{}/p/{public_id}", before.base)).await;
        assert_eq!(status, 200, "{title} keeps its address");
        assert!(String::from_utf8_lossy(&page).contains(title.as_str()));
    }
    let (status, home) = get(&format!("{}/", before.base)).await;
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&home).contains(&before.newest));
    assert_eq!(get(&before.photo_url).await, (200, before.photo.clone()));
    assert_eq!(
        get(&before.document_url).await,
        (200, before.document.clone())
    );
    let followers = get_json(&format!("{actor_id}/followers")).await;
    assert_eq!(followers["totalItems"], 1, "the follower is still one");

    let state = node.sites.state_of(&before.domain).await.expect("the site");
    let ticket = state
        .store
        .ticket_by_number(&before.ticket_number)
        .await
        .expect("read")
        .expect("the ticket moved");
    let photos = state.store.ticket_photos(ticket.id).await.expect("photos");
    assert_eq!(photos.len(), 1);
    assert!(
        state
            .config
            .dir
            .join("private/ticket-photos")
            .join(photos[0].file_name("large"))
            .exists()
    );

    assert_eq!(
        before.admin.get("/admin").await.status,
        200,
        "the admin's session still signs in"
    );
    let mut fresh = Browser::at(&before.base);
    fresh.login("sekdes", PASSWORD).await;

    let created = client()
        .post(format!("{}/api/v1/posts", before.base))
        .bearer_auth(&before.token)
        .json(&json!({ "title": title, "body": "Kami sudah pindah server." }))
        .send()
        .await
        .expect("post with the old API token");
    assert_eq!(created.status().as_u16(), 201);
    let url = created.json::<Value>().await.expect("JSON")["url"]
        .as_str()
        .expect("url")
        .to_string();
    let create = eventually("the next post at the follower", WAIT, || async {
        peer.received_of("Create")
            .into_iter()
            .find(|c| c.activity["object"]["id"] == url)
    })
    .await;
    assert!(
        create.signature_verified,
        "signed with the key the follower already knows"
    );
    assert_eq!(create.activity["actor"], actor_id);
}

/// Where a moved village goes.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Destination {
    /// An empty directory: a node of its own.
    NewNode,
    /// A hosting node whose first site is a portal: a further site.
    HostingNode,
}

async fn bind(port: u16) -> tokio::net::TcpListener {
    tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("bind the village's port again")
}

/// A village on `from` moves to `to`, into each of `into`, one after the other.
async fn move_village(from: Backend, to: Backend, into: &[Destination]) {
    let (mut node, peer, mut before) = village_with_history(&from).await;
    let work = tempfile::tempdir().expect("dir");
    let archive = work.path().join("desa.tar.gz");
    export_while_publishing(&node, &mut before, &archive).await;
    node.go_offline().await;

    for (n, target) in into.iter().enumerate() {
        let db = TestDb::create(&to).await;
        let dir = work.path().join(format!("target-{n}"));
        let served = match target {
            Destination::NewNode => {
                let imported = import(ImportArgs {
                    dir: dir.clone(),
                    from: archive.clone(),
                    domain: Some(before.domain.clone()),
                    listen: Some(format!("127.0.0.1:{}", before.port)),
                    database_url: db.url.clone(),
                })
                .await
                .expect("import into an empty directory");
                assert!(!imported.hosted);
                assert_eq!(imported.dir, dir);
                HostingNode::start(&dir, bind(before.port).await)
                    .await
                    .expect("serve the moved village")
            }
            Destination::HostingNode => {
                init_portal(
                    &dir,
                    format!("portal.localhost:{}", before.port),
                    before.port,
                    &db,
                    true,
                )
                .await;
                let hosting = HostingNode::start(&dir, bind(before.port).await)
                    .await
                    .expect("serve the hosting node");
                let imported = import(ImportArgs {
                    dir: dir.clone(),
                    from: archive.clone(),
                    domain: None,
                    listen: None,
                    database_url: None,
                })
                .await
                .expect("import into a hosting node while it serves");
                assert!(imported.hosted);
                eventually("the imported site is served", WAIT, || async {
                    let (status, _) = get(&format!("{}/u/{VILLAGE}", before.base)).await;
                    (status == 200).then_some(())
                })
                .await;
                let again = import(ImportArgs {
                    dir: dir.clone(),
                    from: archive.clone(),
                    domain: None,
                    listen: None,
                    database_url: None,
                })
                .await
                .expect_err("a host served already");
                assert!(format!("{again:#}").contains("already serves"), "{again:#}");
                hosting
            }
        };
        assert_same_village(
            &mut before,
            &served,
            &peer,
            &format!("Kabar pertama setelah pindah ({target:?})"),
        )
        .await;
        served.stop().await;
        db.drop_database().await;
    }
    peer.stop();
    node.stop().await;
}

#[tokio::test]
async fn a_village_moved_to_another_server_keeps_its_ids_keys_followers_and_admins() {
    on_every_backend(|backend| async move {
        move_village(
            backend.clone(),
            backend,
            &[Destination::NewNode, Destination::HostingNode],
        )
        .await
    })
    .await;
}

#[tokio::test]
async fn a_village_moves_between_sqlite_and_postgresql() {
    let postgres = match std::env::var("TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Backend::Postgres(url),
        _ => {
            eprintln!("SKIPPED: TEST_POSTGRES_URL is not set");
            return;
        }
    };
    move_village(Backend::Sqlite, postgres.clone(), &[Destination::NewNode]).await;
    move_village(postgres, Backend::Sqlite, &[Destination::HostingNode]).await;
}

/// An archive's entries, as `site export` wrote them (or a test changed them).
struct Archive {
    entries: Vec<(String, Vec<u8>)>,
}

impl Archive {
    fn read(path: &Path) -> Self {
        let file = std::fs::File::open(path).expect("open the archive");
        let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(file));
        let entries = tar
            .entries()
            .expect("entries")
            .map(|entry| {
                let mut entry = entry.expect("entry");
                let path = entry.path().expect("path").display().to_string();
                let mut bytes = Vec::new();
                entry.read_to_end(&mut bytes).expect("read");
                (path, bytes)
            })
            .collect();
        Self { entries }
    }

    fn names(&self) -> Vec<String> {
        self.entries.iter().map(|(name, _)| name.clone()).collect()
    }

    fn entry(&self, name: &str) -> Vec<u8> {
        self.entries
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, bytes)| bytes.clone())
            .unwrap_or_else(|| panic!("the archive has {name}"))
    }

    fn rows(&self, table: &str) -> Vec<Value> {
        String::from_utf8(self.entry(&format!("rows/{table}.jsonl")))
            .expect("text")
            .lines()
            .map(|line| serde_json::from_str(line).expect("a JSON row"))
            .collect()
    }

    fn set(&mut self, name: &str, bytes: Vec<u8>) {
        let slot = self
            .entries
            .iter_mut()
            .find(|(n, _)| n == name)
            .expect("an entry to change");
        slot.1 = bytes;
    }

    fn manifest(&self) -> Value {
        serde_json::from_slice(&self.entry("manifest.json")).expect("manifest")
    }

    fn set_manifest(&mut self, manifest: &Value) {
        self.set(
            "manifest.json",
            serde_json::to_vec_pretty(manifest).expect("JSON"),
        );
    }

    /// The manifest's sizes and SHA-256 made to match the entries again, as someone
    /// who changed the archive on purpose would.
    fn rehash(&mut self) {
        let mut manifest = self.manifest();
        for listed in manifest["entries"].as_array_mut().expect("entries") {
            let bytes = self.entry(listed["path"].as_str().expect("path"));
            listed["bytes"] = json!(bytes.len());
            listed["sha256"] = json!(hex::encode(Sha256::digest(&bytes)));
        }
        self.set_manifest(&manifest);
    }

    fn write(&self, path: &Path) {
        let file = std::fs::File::create(path).expect("create");
        let gzip = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
        let mut tar = tar::Builder::new(gzip);
        for (name, bytes) in &self.entries {
            let mut header = tar::Header::new_gnu();
            header.set_entry_type(tar::EntryType::Regular);
            header.set_size(bytes.len() as u64);
            header.set_mode(0o600);
            tar.append_data(&mut header, name, bytes.as_slice())
                .expect("append");
        }
        tar.into_inner()
            .expect("tar")
            .finish()
            .expect("gzip")
            .flush()
            .expect("flush");
    }
}

/// Imports `archive` into `dir` (a new node when it holds none); the one-line reason
/// of the refusal.
async fn refusal(dir: &Path, archive: &Path) -> String {
    let err = import(ImportArgs {
        dir: dir.to_path_buf(),
        from: archive.to_path_buf(),
        domain: None,
        listen: None,
        database_url: None,
    })
    .await
    .expect_err("refused");
    let line = kentongan::cli::one_line(&err);
    assert!(!line.contains('\n'));
    line
}

fn entries_of(dir: &Path) -> Vec<PathBuf> {
    match std::fs::read_dir(dir) {
        Ok(entries) => entries.map(|e| e.expect("entry").path()).collect(),
        Err(_) => Vec::new(),
    }
}

#[tokio::test]
async fn archives_changed_newer_or_failing_half_way_are_refused_and_leave_nothing() {
    on_every_backend(refusals).await;
}

async fn refusals(backend: Backend) {
    let node = TestNode::start(&backend, VILLAGE).await;
    publish_with_photo(&node, "Musyawarah", "Kamis malam.", "Balai desa").await;
    let work = tempfile::tempdir().expect("dir");
    let good = work.path().join("desa.tar.gz");
    export(ExportArgs {
        dir: node.dir().to_path_buf(),
        site: None,
        to: good.clone(),
    })
    .await
    .expect("export");
    let again = export(ExportArgs {
        dir: node.dir().to_path_buf(),
        site: None,
        to: good.clone(),
    })
    .await
    .expect_err("an archive is never overwritten");
    assert!(format!("{again:#}").contains("already exists"));
    let empty = work.path().join("empty");

    // A row changed after the export.
    let mut changed = Archive::read(&good);
    let posts = String::from_utf8(changed.entry("rows/posts.jsonl")).expect("text");
    changed.set(
        "rows/posts.jsonl",
        posts.replace("Musyawarah", "Musyawarah palsu").into_bytes(),
    );
    let tampered = work.path().join("tampered.tar.gz");
    changed.write(&tampered);
    let reason = refusal(&empty, &tampered).await;
    assert!(
        reason.contains("rows/posts.jsonl") && reason.contains("SHA-256"),
        "{reason}"
    );
    assert!(!empty.exists(), "a refused import leaves nothing");

    // A photo changed, bytes damaged in the gzip stream, an entry no archive has.
    let mut changed = Archive::read(&good);
    let photo = changed
        .names()
        .into_iter()
        .find(|n| n.starts_with("files/media/"))
        .expect("a photo");
    changed.set(&photo, b"not the photo".to_vec());
    changed.write(&tampered);
    let reason = refusal(&empty, &tampered).await;
    assert!(
        reason.contains(&photo) && reason.contains("SHA-256"),
        "{reason}"
    );
    let mut bytes = std::fs::read(&good).expect("read");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(&tampered, bytes).expect("write");
    let reason = refusal(&empty, &tampered).await;
    // Where the flipped byte lands decides who notices first: the gzip stream (a block
    // that no longer inflates), the manifest's SHA-256 of the entry it falls in, or,
    // when it falls in the manifest itself, the manifest no longer reading (gzip's own
    // checksum comes only at the end of the stream).
    assert!(
        reason.contains("cannot read the archive")
            || reason.contains("SHA-256")
            || reason.contains("manifest.json is damaged"),
        "{reason}"
    );
    assert!(!empty.exists(), "a refused import leaves nothing");
    let mut changed = Archive::read(&good);
    changed
        .entries
        .insert(0, ("kentongan.toml".into(), b"listen = 1".to_vec()));
    changed.write(&tampered);
    let reason = refusal(&empty, &tampered).await;
    assert!(reason.contains("kentongan.toml"), "{reason}");
    assert!(!empty.exists());

    // From a newer Kentongan.
    let mut newer = Archive::read(&good);
    let mut manifest = newer.manifest();
    manifest["schema_version"] = json!(9999);
    newer.set_manifest(&manifest);
    newer.write(&tampered);
    let reason = refusal(&empty, &tampered).await;
    assert!(
        reason.contains("newer Kentongan") && reason.contains("9999"),
        "{reason}"
    );
    assert!(!empty.exists());

    // The node that serves it already.
    let reason = refusal(node.dir(), &good).await;
    assert!(reason.contains("already serves"), "{reason}");

    // Into a hosting node: a row that breaks a foreign key, with the manifest's hashes
    // made to match, fails half-way through the rows; the node is left as it was, and
    // the good archive then imports (on PostgreSQL into the same schema, which must
    // therefore have been left empty).
    let db = TestDb::create(&backend).await;
    let hosting = work.path().join("hosting");
    init_portal(&hosting, "portal.localhost:9".into(), 9, &db, true).await;
    let mut broken = Archive::read(&good);
    let mut posts = broken.rows("posts");
    posts[0]["actor_id"] = json!(999_999);
    let lines: String = posts.iter().map(|p| format!("{p}\n")).collect();
    broken.set("rows/posts.jsonl", lines.into_bytes());
    broken.rehash();
    broken.write(&tampered);
    let reason = refusal(&hosting, &tampered).await;
    assert!(reason.contains("posts"), "{reason}");
    assert!(
        entries_of(&hosting.join("sites")).is_empty(),
        "no half site: {:?}",
        entries_of(&hosting.join("sites"))
    );
    let imported = import(ImportArgs {
        dir: hosting.clone(),
        from: good.clone(),
        domain: Some(node.domain.clone()),
        listen: None,
        database_url: None,
    })
    .await
    .expect("the good archive imports where the broken one failed");
    assert!(imported.hosted && imported.rows > 0 && imported.files >= 3);
    let wrong = import(ImportArgs {
        dir: work.path().join("elsewhere"),
        from: good.clone(),
        domain: Some("desa-lain.localhost:9".into()),
        listen: None,
        database_url: None,
    })
    .await
    .expect_err("another site's name");
    assert!(
        format!("{wrong:#}").contains("not desa-lain.localhost:9"),
        "{wrong:#}"
    );

    db.drop_database().await;
    node.stop().await;
}
