//! What a hostile internet tries against a village node (issue 11), each tried for real:
//! links from other servers, ...

use crate::{
    support::session::{Part, png, signed_in, text},
    support::{
        Backend, TestNode, on_every_backend,
        peer::Peer,
        residents::{PUBLIC, activity, deliver, note, ticket_of_note},
    },
};
use kentongan::auth::Role;

/// A remote actor's `url` and a Note's `url` become links on the admin's ticket pages:
/// only http(s) ones are kept, so `javascript:` never reaches an `href`.
async fn links_from_other_servers_are_only_http(backend: Backend) {
    let node = TestNode::start(&backend, "desa-tautan").await;
    let peer = Peer::start(true).await;
    let post = node.publish_text("Jadwal posyandu", "Setiap Selasa.").await;
    let post_url = format!("{}/p/{}", node.base, post.public_id);
    let mut reply = note(
        &peer,
        "jsurl",
        "<p>Jam berapa mulainya?</p>",
        vec![PUBLIC.to_string()],
        Some(&post_url),
        None,
    );
    reply["url"] = serde_json::json!("javascript:alert(1)");
    deliver(
        &node,
        &peer,
        "jsurl",
        &activity(&peer, "jsurl", "Create", reply.clone()),
    )
    .await;
    let ticket = ticket_of_note(&node, &reply).await;
    assert!(
        !ticket
            .author_url
            .as_deref()
            .unwrap_or_default()
            .contains("javascript"),
        "{ticket:?}"
    );
    assert!(
        !ticket
            .note_url
            .as_deref()
            .unwrap_or_default()
            .contains("javascript"),
        "{ticket:?}"
    );
    let (mut editor, _) = signed_in(&node, "editor.desa", Role::Editor).await;
    for path in [
        "/admin/aspirasi".to_string(),
        format!("/admin/aspirasi/{}", ticket.number),
    ] {
        let page = editor.get(&path).await;
        assert_eq!(page.status, 200, "{path}");
        assert!(page.body.contains("Jam berapa"), "{path}");
        assert!(
            !page.body.to_ascii_lowercase().contains("javascript:"),
            "{path}: {}",
            page.body
        );
    }
    peer.stop();
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_from_other_servers_are_only_http_on_every_backend() {
    on_every_backend(links_from_other_servers_are_only_http).await;
}

/// Every answer carries the safety headers (a policy that runs no script and lets no
/// other site frame the page, `nosniff`, a referrer policy), from the portal's pages,
/// the village site, the admin, the feeds and objects to error pages.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_carries_the_safety_headers() {
    let village = TestNode::start(&Backend::Sqlite, "desa-aman").await;
    let post = village.publish_text("Kabar aman", "Isi.").await;
    let portal = TestNode::start_with_role(
        &Backend::Sqlite,
        "portal-aman",
        kentongan::config::Role::Portal,
    )
    .await;
    let cases = [
        (&portal, "/".to_string()),
        (&portal, "/monitoring".to_string()),
        (&portal, "/tidak-ada".to_string()),
        (&village, "/".to_string()),
        (&village, format!("/p/{}", post.public_id)),
        (&village, "/tidak-ada".to_string()),
        (&village, "/admin/login".to_string()),
        (&village, "/feed.xml".to_string()),
        (&village, "/.well-known/nodeinfo".to_string()),
    ];
    for (node, path) in cases {
        let response = crate::support::client()
            .get(format!("{}{path}", node.base))
            .header("accept", "text/html")
            .send()
            .await
            .expect("GET");
        let headers = response.headers();
        let csp = headers
            .get("content-security-policy")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        // Public pages run no script at all; the admin runs the node's own script file
        // and nothing inline (docs/security.md).
        let expected = if path.starts_with("/admin") {
            kentongan::web::safety::ADMIN_CSP
        } else {
            kentongan::web::safety::CSP
        };
        assert_eq!(csp, expected, "{path}");
        assert!(
            csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-eval"),
            "{path}: CSP {csp:?}"
        );
        if path.starts_with("/admin") {
            assert!(csp.contains("script-src 'self';"), "{path}: CSP {csp:?}");
        } else {
            assert!(csp.contains("script-src 'none'"), "{path}: CSP {csp:?}");
        }
        assert_eq!(
            headers.get("x-content-type-options").map(|v| v.as_bytes()),
            Some(&b"nosniff"[..]),
            "{path}"
        );
        assert!(headers.contains_key("x-frame-options"), "{path}");
        assert!(headers.contains_key("referrer-policy"), "{path}");
    }
    portal.stop().await;
    village.stop().await;
}

/// The data directory holds the actors' private keys and residents' personal data:
/// created 0700 with every file 0600 whatever the umask of whoever ran `init`; what the
/// node writes later (photos, PPID documents) is private too; `serve` says so when
/// something is readable by others.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_data_directory_is_private_whatever_the_umask() {
    use kentongan::data_dir::readable_by_others;
    use std::process::{Command, Stdio};
    let root = tempfile::tempdir().expect("dir");
    let dir = root.path().join("desa");
    let output = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "umask 000; exec '{}' init --dir '{}' --domain desa-privat.example --username desa-privat --name 'Desa Privat'",
            env!("CARGO_BIN_EXE_kentongan"),
            dir.display()
        ))
        .output()
        .expect("run init");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(readable_by_others(&dir), Vec::<String>::new());

    // What a running node writes: a photo (through the editor's preview, which keeps the
    // upload) and a PPID document.
    let node = TestNode::start(&Backend::Sqlite, "desa-berkas").await;
    let (mut browser, _) = signed_in(&node, "operator", Role::Editor).await;
    let parts = vec![
        text("title", "Foto balai desa"),
        text("summary", "Ringkasan."),
        text("body", "Isi."),
        text("kind", "berita"),
        text("categories", "Berita"),
        Part::File("cover", "balai.png", "image/png", png(320, 240)),
        text("cover_alt", "Balai desa"),
    ];
    let preview = browser.editor("/admin/posts/new", "preview", parts).await;
    assert_eq!(preview.status, 200, "{}", preview.body);
    let csrf = browser.csrf().await;
    let document = browser
        .post_multipart(
            "/admin/dokumen",
            &[
                text("csrf", csrf),
                text("title", "APBDes"),
                text("description", "Anggaran."),
                text("category", "berkala"),
                text("year", "2026"),
                text("doc_type", "apbdes"),
                Part::File(
                    "file",
                    "apbdes.pdf",
                    "application/pdf",
                    b"%PDF-1.4\n%%EOF\n".to_vec(),
                ),
            ],
            None,
        )
        .await;
    assert!(
        document.status < 400,
        "{} {}",
        document.status,
        document.body
    );
    assert!(node.dir().join("media").is_dir(), "a photo was stored");
    assert!(
        node.dir().join("documents").is_dir(),
        "a document was stored: {}",
        document.body
    );
    assert_eq!(readable_by_others(node.dir()), Vec::<String>::new());
    node.stop().await;

    // A config made readable by hand: `serve` warns before it serves.
    std::fs::set_permissions(
        dir.join("kentongan.toml"),
        std::os::unix::fs::PermissionsExt::from_mode(0o644),
    )
    .expect("chmod");
    let mut serve = Command::new(env!("CARGO_BIN_EXE_kentongan"))
        .args(["serve", "--dir"])
        .arg(&dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve");
    let stderr = serve.stderr.take().expect("stderr");
    let warning = std::thread::spawn(move || {
        use std::io::BufRead;
        std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
            .find(|line| line.contains("WARNING"))
    });
    let deadline = std::time::Instant::now() + crate::support::WAIT;
    while !warning.is_finished() && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let _ = serve.kill();
    let _ = serve.wait();
    let line = warning.join().expect("reader").expect("a warning line");
    assert!(line.contains("chmod -R go-rwx"), "{line}");
}
