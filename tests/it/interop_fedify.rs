//! Interop test against an independent ActivityPub implementation: Fedify.
//!
//! `tests/interop/fedify/resident.mjs` is a small Fedify server playing a
//! resident ("warga") on a Mastodon-like server.  It looks the village up by
//! WebFinger, sends a signed `Follow`, and reports on stdout (one JSON object
//! a line) what reaches its inbox after Fedify has verified the HTTP
//! Signature.  This test drives a real `kentongan` node against it:
//! init -> serve -> follow/accept -> post (Fedify reads its `interactionPolicy`) ->
//! the resident asks to quote it (FEP-044f `QuoteRequest`, Fedify's own vocabulary)
//! and fetches the `QuoteAuthorization` the village's Accept names -> the resident
//! replies, the operator answers from the admin and the answer reaches the resident's
//! thread -> edit -> delete (the stamp's Delete arrives and its URL answers 410) ->
//! Undo(Follow).
//!
//! HTTP signatures, both ways, checked by Fedify: on loopback the resident plays a
//! server that reads draft-cavage only (Mastodon before 4.5: it answers 401 to an RFC
//! 9421 POST and signs draft-cavage first), so the node's first RFC 9421 knock is
//! refused once, every activity arrives draft-cavage, and the node, having learnt, never
//! knocks with RFC 9421 again. In production shape it is a server of today (Fedify's
//! defaults, as Mastodon 4.5): it signs its Follow with RFC 9421, which the node accepts
//! on the first knock, and verifies the node's RFC 9421 signatures.
//!
//! It runs twice: on loopback (`--insecure-local`, http, ports) and in production
//! shape: the node in production mode as the README sets it up, with the test CA in
//! `extra_ca_certificates` and `DANGER_FEDERATION_ALLOW_LOCAL_IP=1` in its environment
//! (every test name resolves to 127.0.0.1), the node and the resident each behind the
//! test nginx with TLS and HTTP/2, reached by names without ports; the resident then
//! requires signed fetches of its actor (authorized fetch, as GoToSocial does) and
//! signs its own lookups.
//!
//! Needs `npm` (for `npm ci`, which also installs a Node 22 binary into
//! `tests/interop/fedify/node_modules/node/bin/node`); without `npm` on PATH
//! the test prints "SKIPPED interop_fedify: npm not found" and passes.
//!
//! Run alone: `cargo test --test it interop_fedify -- --nocapture`.

use crate::{
    support::session::Browser,
    support::{Shape, address, production},
};
use serde_json::Value;
use std::fs::{self, File};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The kinds of HTTP signature, as Fedify names them.
const CAVAGE: &str = "draft-cavage-http-signatures-12";
const RFC9421: &str = "rfc9421";

/// Every wait in this test is a poll bounded by this deadline.
const DEADLINE: Duration = Duration::from_secs(60);
/// `npm ci` downloads packages (and a Node binary); allow it longer.
const NPM_DEADLINE: Duration = Duration::from_secs(600);
/// Interval between two polls of a condition (not a synchronisation sleep).
const POLL: Duration = Duration::from_millis(100);

const USERNAME: &str = "desa-jangkarasam";
const TITLE: &str = "Kerja bakti";
const BODY: &str = "Warga diundang **kerja bakti** hari Minggu.";
const CATEGORY: &str = "Pengumuman";
const NEW_TITLE: &str = "Kerja bakti (diubah)";
const REPLY: &str = "Lampu jalan di RT 03 mati sejak minggu lalu.";
const ANSWER: &str = "Terima kasih, petugas memperbaikinya besok pagi.";
const QUOTE: &str = "Ayo ikut kerja bakti!";

#[test]
fn interop_fedify_resident_follows_and_receives_posts() {
    interop(Shape::Loopback);
}

#[test]
fn interop_fedify_resident_follows_and_receives_posts_in_production_shape() {
    if let Err(reason) = production::proxy() {
        println!("SKIPPED interop_fedify in production shape: {reason}");
        return;
    }
    interop(Shape::Production);
}

fn interop(shape: Shape) {
    if !npm_available() {
        println!("SKIPPED interop_fedify: npm not found");
        return;
    }
    let fedify_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/fedify");
    ensure_node_modules(&fedify_dir);
    let node = fedify_dir.join("node_modules/node/bin/node");
    assert!(
        node.is_file(),
        "{} missing after npm ci (the `node` npm package should provide it)",
        node.display()
    );

    // What the resident is on each shape (see the module's comment).
    let (resident_flags, expected_spec): (&[&str], &str) = match shape {
        Shape::Loopback => (&["--refuse-rfc9421"], CAVAGE),
        Shape::Production => (&["--first-knock", RFC9421], RFC9421),
    };
    let mut h = Harness::new(expected_spec);
    let kentongan = env!("CARGO_BIN_EXE_kentongan");
    let port = free_port();
    let resident_port = free_port();
    let (domain, origin) = address(shape, USERNAME, port);
    let (resident_domain, resident_origin) = address(shape, "warga", resident_port);
    let village_actor = format!("{origin}/u/{USERNAME}");
    let resident_actor = format!("{resident_origin}/users/warga");
    let data_dir = h.dir.join("node");
    let dir = data_dir.to_str().expect("utf-8 temp path").to_owned();

    // --- kentongan init + serve -------------------------------------------
    let listen = format!("127.0.0.1:{port}");
    let mut init = Command::new(kentongan);
    init.args([
        "init",
        "--dir",
        &dir,
        "--domain",
        &domain,
        "--username",
        USERNAME,
        "--name",
        "Desa Jangkarasam",
        "--listen",
        &listen,
    ]);
    if shape == Shape::Loopback {
        init.arg("--insecure-local");
    }
    let out = h.run("kentongan init", &mut init);
    h.expect_success("kentongan init", &out);
    if shape == Shape::Production {
        // As a regency trusts its own CA: the one setting, in the file init wrote.
        let proxy = production::proxy().expect("the production shape is available");
        let path = data_dir.join("kentongan.toml");
        let text = fs::read_to_string(&path).expect("read kentongan.toml");
        let text = text.replacen(
            "\n[delivery]\n",
            &format!(
                "extra_ca_certificates = [{:?}]\n\n[delivery]\n",
                proxy.ca_file().display().to_string()
            ),
            1,
        );
        fs::write(&path, text).expect("write kentongan.toml");
    }
    let init_stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let admin_password = init_stdout
        .lines()
        .find(|line| line.contains("password (shown only once)"))
        .and_then(|line| line.rsplit(": ").next())
        .unwrap_or_else(|| h.fail(&format!("init printed no admin password: {init_stdout}")))
        .trim()
        .to_owned();

    let node_log = h.dir.join("kentongan-serve.log");
    let mut serve = Command::new(kentongan);
    serve
        .args(["serve", "--dir", &dir])
        .stdin(Stdio::null())
        .stdout(Stdio::from(
            File::create(&node_log).expect("create serve log"),
        ))
        .stderr(Stdio::from(
            File::create(node_log.with_extension("err")).expect("create serve log"),
        ));
    // Logs go to files shown on failure; the node reads KENTONGAN_LOG itself.
    serve.env("NO_COLOR", "1");
    if shape == Shape::Production {
        serve.env("DANGER_FEDERATION_ALLOW_LOCAL_IP", "1");
    }
    let child = serve
        .spawn()
        .unwrap_or_else(|e| panic!("spawn kentongan serve: {e}"));
    h.children.push(("kentongan serve".into(), child));
    h.logs
        .push(("kentongan serve stdout".into(), node_log.clone()));
    h.logs.push((
        "kentongan serve stderr".into(),
        node_log.with_extension("err"),
    ));
    // Through the proxy in production shape: the name, TLS and HTTP/2 all work.
    h.wait_http_ok(&format!("{origin}/.well-known/nodeinfo"));

    // --- the Fedify resident follows the village ---------------------------
    let resident_err = h.dir.join("resident.err");
    let mut resident = Command::new(&node);
    resident.current_dir(&fedify_dir).args([
        "resident.mjs",
        "--port",
        &resident_port.to_string(),
        "--follow",
        &format!("{USERNAME}@{domain}"),
        "--origin",
        &resident_origin,
    ]);
    resident.args(resident_flags);
    if shape == Shape::Production {
        let proxy = production::proxy().expect("the production shape is available");
        resident
            .arg("--require-signed-fetch")
            .env("NODE_EXTRA_CA_CERTS", proxy.ca_file());
    }
    let mut child = resident
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::from(
            File::create(&resident_err).expect("create resident log"),
        ))
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {} resident.mjs: {e}", node.display()));
    h.logs
        .push(("resident.mjs stderr (Fedify logs)".into(), resident_err));
    h.resident_stdin = child.stdin.take();
    h.events = Some(Events::new(child.stdout.take().expect("resident stdout")));
    h.children.push(("resident.mjs".into(), child));

    let listening = h.wait_event("listening", |_| true);
    assert_eq!(listening["port"], resident_port, "{listening}");
    let accepted = h.wait_event("accepted", |_| true);
    h.check(
        accepted["actor"] == village_actor.as_str(),
        "Accept actor is the village actor",
        &accepted,
    );
    let sent = h.wait_event("follow_sent", |_| true);
    h.check(
        sent["actor"] == village_actor.as_str(),
        "Follow went to the village actor",
        &sent,
    );
    // Fedify keeps the kind that got a 2xx; with RFC 9421 first, a fallback would
    // have kept draft-cavage.
    h.check(
        sent["signatureSpec"] == expected_spec,
        &format!("the resident's Follow was accepted signed {expected_spec}"),
        &sent,
    );
    h.check_http_signature(&accepted);

    // --- the node lists the resident as a follower --------------------------
    let handle = format!("warga@{resident_domain}");
    h.poll_command(
        "kentongan followers lists the resident",
        Command::new(kentongan).args(["followers", "--dir", &dir]),
        |out| {
            let text = String::from_utf8_lossy(&out.stdout);
            out.status.success() && (text.contains(&resident_actor) || text.contains(&handle))
        },
    );

    // --- post -> Create ------------------------------------------------------
    let out = h.run(
        "kentongan post",
        Command::new(kentongan).args([
            "post",
            "--dir",
            &dir,
            "--title",
            TITLE,
            "--body",
            BODY,
            "--category",
            CATEGORY,
        ]),
    );
    h.expect_success("kentongan post", &out);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let post_url = stdout
        .lines()
        .map(str::trim)
        .rfind(|l| l.starts_with("http://") || l.starts_with("https://"))
        .unwrap_or_else(|| {
            h.fail(&format!(
                "kentongan post printed no URL on stdout: {stdout:?}"
            ))
        })
        .to_owned();
    h.check(
        post_url.starts_with(&format!("{origin}/")),
        &format!("post URL {post_url} is under {origin}/"),
        &Value::Null,
    );

    let create = h.wait_event("create", |_| true);
    let content = create["content"].as_str().unwrap_or_default();
    h.check(
        create["type"] == "Note",
        "Create object type is Note",
        &create,
    );
    h.check(
        create["signatureVerified"] == true,
        "signatureVerified",
        &create,
    );
    h.check_http_signature(&create);
    h.check(
        create["actor"] == village_actor.as_str(),
        "Create actor is the village",
        &create,
    );
    h.check(
        create["attributedTo"] == village_actor.as_str(),
        "Note attributedTo is the village actor",
        &create,
    );
    h.check(
        create["url"] == post_url.as_str(),
        "Note url equals the printed post URL",
        &create,
    );
    h.check(
        content.contains("<strong>Kerja bakti</strong>"),
        "content has the title as <strong>Kerja bakti</strong>",
        &create,
    );
    h.check(
        content.contains("Warga diundang")
            && content.contains("kerja bakti")
            && content.contains("hari Minggu."),
        "content has the body text",
        &create,
    );
    h.check(
        !content.contains("**"),
        "body Markdown is rendered (no literal **)",
        &create,
    );
    h.check(
        content.contains(&format!("href=\"{post_url}\"")),
        "content links to the post URL",
        &create,
    );
    let has_hashtag = create["tags"].as_array().is_some_and(|tags| {
        tags.iter().any(|t| {
            t["type"] == "Hashtag"
                && t["name"]
                    .as_str()
                    .is_some_and(|n| n.trim_start_matches('#').eq_ignore_ascii_case(CATEGORY))
        })
    });
    h.check(has_hashtag, "a Hashtag tag for Pengumuman", &create);
    h.check(
        create["attachment"].is_array(),
        "attachment is a list",
        &create,
    );
    let note_id = create["id"].as_str().unwrap_or_default().to_owned();
    h.check(!note_id.is_empty(), "the Note has an id", &create);
    h.check(
        create["canQuote"] == serde_json::json!(["https://www.w3.org/ns/activitystreams#Public"]),
        "Fedify reads interactionPolicy.canQuote: anyone may quote the post",
        &create,
    );

    // --- the resident asks to quote the post (FEP-044f) -----------------------
    h.send_to_resident(&format!("quote {note_id} {QUOTE}"));
    let request = h.wait_event("quote_request_sent", |_| true);
    let request_id = request["id"].as_str().unwrap_or_default().to_owned();
    let quote_id = request["note"].as_str().unwrap_or_default().to_owned();
    let accepted = h.wait_event("quote_accepted", |e| e["request"] == request_id.as_str());
    h.check(
        accepted["actor"] == village_actor.as_str(),
        "the village accepts the quote",
        &accepted,
    );
    h.check_http_signature(&accepted);
    let stamp_url = accepted["result"].as_str().unwrap_or_default().to_owned();
    let stamp = &accepted["authorization"];
    h.check(
        stamp["id"] == stamp_url.as_str()
            && stamp["attributedTo"] == village_actor.as_str()
            && stamp["interactingObject"] == quote_id.as_str()
            && stamp["interactionTarget"] == note_id.as_str(),
        "Fedify fetched and read the QuoteAuthorization: the village approves this quote of this post",
        &accepted,
    );

    // --- the resident replies; the operator answers in the resident's thread ---
    h.send_to_resident(&format!("reply {note_id} {REPLY}"));
    let reply = h.wait_event("reply_sent", |_| true);
    let reply_id = reply["id"].as_str().unwrap_or_default().to_owned();
    operator_answers(&mut h, &origin, &admin_password);
    let answer = h.wait_event("create", |e| e["inReplyTo"] == reply_id.as_str());
    h.check(answer["type"] == "Note", "the answer is a Note", &answer);
    h.check(
        answer["attributedTo"] == village_actor.as_str(),
        "the answer is the village's",
        &answer,
    );
    h.check(
        answer["content"]
            .as_str()
            .is_some_and(|c| c.contains(ANSWER)),
        "the answer carries the operator's text",
        &answer,
    );
    let mentions_resident = answer["tags"].as_array().is_some_and(|tags| {
        tags.iter()
            .any(|t| t["type"] == "Mention" && t["href"] == resident_actor.as_str())
    });
    h.check(
        mentions_resident,
        "the answer mentions the resident (a notification on Mastodon)",
        &answer,
    );
    h.check(
        answer["to"].as_array().is_some_and(|to| {
            to.iter()
                .any(|a| a == "https://www.w3.org/ns/activitystreams#Public")
        }),
        "an answer to a public reply is public",
        &answer,
    );
    h.check(
        answer["signatureVerified"] == true,
        "signatureVerified",
        &answer,
    );
    h.check_http_signature(&answer);

    // --- edit -> Update ------------------------------------------------------
    let out = h.run(
        "kentongan edit",
        Command::new(kentongan).args(["edit", "--dir", &dir, &post_url, "--title", NEW_TITLE]),
    );
    h.expect_success("kentongan edit", &out);
    let update = h.wait_event("update", |_| true);
    h.check(
        update["type"] == "Note",
        "Update object type is Note",
        &update,
    );
    h.check(
        update["id"] == note_id.as_str(),
        "Update is about the same Note",
        &update,
    );
    h.check(
        update["signatureVerified"] == true,
        "signatureVerified",
        &update,
    );
    h.check_http_signature(&update);
    h.check(
        update["content"]
            .as_str()
            .unwrap_or_default()
            .contains(NEW_TITLE),
        "updated content has the new title",
        &update,
    );
    h.check(
        update["url"] == post_url.as_str(),
        "updated Note keeps its url",
        &update,
    );

    // --- delete -> Delete ----------------------------------------------------
    let out = h.run(
        "kentongan delete",
        Command::new(kentongan).args(["delete", "--dir", &dir, &post_url]),
    );
    h.expect_success("kentongan delete", &out);
    let delete = h.wait_event("delete", |e| e["object"] == note_id.as_str());
    h.check(
        delete["object"] == note_id.as_str(),
        "Delete is about the same Note",
        &delete,
    );
    // Deleting the post revokes its quote: a Delete of the stamp reaches the quoter,
    // and the stamp's URL answers 410.
    let revoked = h.wait_event("delete", |e| e["object"] == stamp_url.as_str());
    h.check(
        revoked["actor"] == village_actor.as_str(),
        "the stamp's Delete is the village's",
        &revoked,
    );
    h.check_http_signature(&revoked);
    let status = h.http_status(&stamp_url);
    h.check(
        status == 410,
        "a revoked QuoteAuthorization answers 410",
        &Value::from(status),
    );
    h.check(
        delete["actor"] == village_actor.as_str(),
        "Delete actor is the village",
        &delete,
    );
    h.check(
        delete["signatureVerified"] == true,
        "signatureVerified",
        &delete,
    );
    h.check_http_signature(&delete);

    // --- Undo(Follow): the node drops the follower ----------------------------
    h.send_to_resident("unfollow");
    h.wait_event("unfollow_sent", |_| true);
    h.poll_command(
        "kentongan followers no longer lists the resident after Undo(Follow)",
        Command::new(kentongan).args(["followers", "--dir", &dir]),
        |out| {
            let text = String::from_utf8_lossy(&out.stdout);
            out.status.success() && !text.contains(&resident_actor) && !text.contains(&handle)
        },
    );

    // --- the node knocked with RFC 9421 once at most -------------------------
    let refused = h.events.as_ref().map_or(0, |e| {
        e.seen
            .iter()
            .filter(|e| e["event"] == "refused_rfc9421")
            .count()
    });
    let expected_refusals = usize::from(shape == Shape::Loopback);
    h.check(
        refused == expected_refusals,
        &format!(
            "the node's RFC 9421 knocks refused: {refused}, expected {expected_refusals} (it remembers)"
        ),
        &Value::Null,
    );

    // --- the resident exits cleanly when its stdin closes ---------------------
    h.stop_resident_cleanly();
    println!(
        "interop_fedify: OK (follow, accept, followers, create, reply and answer, update, delete, undo follow)"
    );
}

/// The operator logs in to the village's admin, waits for the resident's reply to
/// show up as a ticket, checks its clock is shown, and sends a final public answer.
fn operator_answers(h: &mut Harness, origin: &str, password: &str) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let mut browser = Browser::at(origin);
    rt.block_on(browser.login("admin", password));
    let until = Instant::now() + DEADLINE;
    let number = loop {
        let list = rt.block_on(browser.get("/admin/aspirasi"));
        let marker = "/admin/aspirasi/ASP-";
        if let Some(at) = list.body.find(marker) {
            let rest = &list.body[at + "/admin/aspirasi/".len()..];
            let end = rest.find(['"', '/', '#']).unwrap_or(rest.len());
            break rest[..end].to_owned();
        }
        h.ensure_children_alive();
        if Instant::now() >= until {
            h.fail(&format!(
                "the resident's reply did not become a ticket within {DEADLINE:?}\n{}",
                list.body
            ));
        }
        thread::sleep(POLL);
    };
    let ticket = rt.block_on(browser.get(&format!("/admin/aspirasi/{number}")));
    h.check(
        ticket.status == 200 && ticket.body.contains(REPLY),
        "the ticket page shows the resident's reply",
        &Value::String(ticket.body.clone()),
    );
    h.check(
        ticket.body.contains("Jawaban paling lambat"),
        "the ticket page shows the answer's deadline",
        &Value::String(ticket.body.clone()),
    );
    let csrf = ticket.csrf();
    let sent = rt.block_on(browser.post_form(
        &format!("/admin/aspirasi/{number}/jawab"),
        &[("csrf", &csrf), ("answer", ANSWER), ("final", "1")],
    ));
    h.check(
        sent.status == 303,
        "the answer form is accepted",
        &Value::String(format!("{} {}", sent.status, sent.body)),
    );
}

// ------------------------------------------------------------------ helpers

fn npm_available() -> bool {
    match Command::new("npm")
        .arg("--version")
        .stdin(Stdio::null())
        .output()
    {
        Ok(out) => out.status.success(),
        Err(_) => false,
    }
}

/// Held while `npm ci` runs: the loopback and production-shaped tests run at once, and
/// two `npm ci` in one folder remove each other's files (ENOTEMPTY, a missing binary).
static NPM_INSTALL: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Runs `npm ci` when the dependencies (or the Node 22 binary) are missing.
fn ensure_node_modules(fedify_dir: &Path) {
    let _only_one = NPM_INSTALL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let installed = fedify_dir.join("node_modules/node/bin/node").is_file()
        && fedify_dir
            .join("node_modules/@fedify/fedify/package.json")
            .is_file();
    if installed {
        return;
    }
    let mut child = Command::new("npm")
        .arg("ci")
        .arg("--no-audit")
        .arg("--no-fund")
        .current_dir(fedify_dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn npm ci: {e}"));
    let out = wait_output(&mut child, NPM_DEADLINE).unwrap_or_else(|(stdout, stderr)| {
        panic!("npm ci in {} did not finish within {NPM_DEADLINE:?}\n--- stdout\n{stdout}\n--- stderr\n{stderr}", fedify_dir.display())
    });
    if !out.status.success() {
        panic!(
            "npm ci in {} failed ({})\n--- stdout\n{}\n--- stderr\n{}",
            fedify_dir.display(),
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local addr").port()
}

/// Waits for a child (whose stdout/stderr are piped) with a deadline; kills it
/// when the deadline passes and returns what it printed so far as the error.
fn wait_output(child: &mut Child, deadline: Duration) -> Result<Output, (String, String)> {
    let out_reader = spawn_reader(child.stdout.take());
    let err_reader = spawn_reader(child.stderr.take());
    let until = Instant::now() + deadline;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() < until => thread::sleep(POLL / 2),
            _ => break None,
        }
    };
    if status.is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
    let stdout = out_reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    match status {
        Some(status) => Ok(Output {
            status,
            stdout,
            stderr,
        }),
        None => Err((
            String::from_utf8_lossy(&stdout).into_owned(),
            String::from_utf8_lossy(&stderr).into_owned(),
        )),
    }
}

fn spawn_reader<R: Read + Send + 'static>(pipe: Option<R>) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut buf);
        }
        buf
    })
}

/// The resident's stdout, one JSON event per line, read on a thread.
struct Events {
    rx: Receiver<Value>,
    /// Every event received so far, in order (for diagnostics).
    seen: Vec<Value>,
    /// Indices into `seen` already returned by a wait.
    consumed: Vec<bool>,
}

impl Events {
    fn new(stdout: impl Read + Send + 'static) -> Self {
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if line.trim().is_empty() {
                    continue;
                }
                let event = serde_json::from_str::<Value>(&line)
                    .unwrap_or_else(|_| serde_json::json!({ "event": "non-json", "line": line }));
                if tx.send(event).is_err() {
                    break;
                }
            }
        });
        Events {
            rx,
            seen: Vec::new(),
            consumed: Vec::new(),
        }
    }
}

/// Owns everything the test started; its Drop kills the processes (also when
/// the test panics) and removes the temp dir unless the test failed.
struct Harness {
    dir: PathBuf,
    children: Vec<(String, Child)>,
    resident_stdin: Option<ChildStdin>,
    events: Option<Events>,
    logs: Vec<(String, PathBuf)>,
    /// The kind of signature the node's deliveries must reach the resident with.
    expected_spec: &'static str,
}

impl Harness {
    fn new(expected_spec: &'static str) -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock after 1970")
            .as_nanos();
        let dir = std::env::temp_dir().join(format!(
            "kentongan-interop-fedify-{}-{nanos}",
            std::process::id()
        ));
        fs::create_dir_all(&dir).expect("create temp dir");
        Harness {
            dir,
            children: Vec::new(),
            resident_stdin: None,
            events: None,
            logs: Vec::new(),
            expected_spec,
        }
    }

    /// Panics with `msg` plus everything that helps to see why.
    fn fail(&self, msg: &str) -> ! {
        let mut report = format!("interop_fedify FAILED: {msg}\n");
        if let Some(events) = &self.events {
            report.push_str("\n--- resident events (stdout of resident.mjs)\n");
            for e in &events.seen {
                report.push_str(&e.to_string());
                report.push('\n');
            }
        }
        for (name, path) in &self.logs {
            let text = fs::read_to_string(path).unwrap_or_default();
            report.push_str(&format!(
                "\n--- {name} ({})\n{}\n",
                path.display(),
                tail(&text, 12_000)
            ));
        }
        report.push_str(&format!("\n(temp dir kept: {})\n", self.dir.display()));
        panic!("{report}");
    }

    fn check(&self, ok: bool, what: &str, event: &Value) {
        if !ok {
            self.fail(&format!("check failed: {what}\nevent: {}", pretty(event)));
        }
    }

    /// The resident's own check of the HTTP Signature (Fedify's
    /// verifyRequestDetailed) agrees: of the kind this resident reads, verified.
    fn check_http_signature(&self, event: &Value) {
        let sig = &event["httpSignature"];
        self.check(
            sig["verified"] == true,
            "HTTP Signature verified by Fedify",
            event,
        );
        self.check(
            sig["spec"] == self.expected_spec,
            &format!("HTTP Signature is {}", self.expected_spec),
            event,
        );
    }

    fn run(&self, what: &str, cmd: &mut Command) -> Output {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| self.fail(&format!("spawn {what}: {e}")));
        wait_output(&mut child, DEADLINE).unwrap_or_else(|(stdout, stderr)| {
            self.fail(&format!(
                "{what} did not finish within {DEADLINE:?}\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
            ))
        })
    }

    fn expect_success(&self, what: &str, out: &Output) {
        if !out.status.success() {
            self.fail(&format!(
                "{what} failed ({})\n--- stdout\n{}\n--- stderr\n{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }

    /// Re-runs `cmd` until `ok(output)` holds or the deadline passes.
    fn poll_command(&mut self, what: &str, cmd: &mut Command, ok: impl Fn(&Output) -> bool) {
        let until = Instant::now() + DEADLINE;
        loop {
            let out = self.run(what, cmd);
            if ok(&out) {
                return;
            }
            self.ensure_children_alive();
            if Instant::now() >= until {
                self.fail(&format!(
                    "{what}: not true within {DEADLINE:?}; last run ({})\n--- stdout\n{}\n--- stderr\n{}",
                    out.status,
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
            thread::sleep(POLL * 2);
        }
    }

    fn ensure_children_alive(&mut self) {
        let mut dead = None;
        for (name, child) in &mut self.children {
            if let Ok(Some(status)) = child.try_wait() {
                dead = Some(format!("{name} exited early ({status})"));
                break;
            }
        }
        if let Some(msg) = dead {
            self.fail(&msg);
        }
    }

    /// What `url` answers a GET with, as ActivityPub JSON.
    fn http_status(&mut self, url: &str) -> u16 {
        let (rt, client) = http_client();
        let _in_runtime = rt.enter();
        let answer = rt.block_on(
            client
                .get(url)
                .header("accept", "application/activity+json")
                .send(),
        );
        match answer {
            Ok(response) => response.status().as_u16(),
            Err(e) => self.fail(&format!("GET {url} failed: {e}")),
        }
    }

    /// Polls `url` until it answers 200.
    fn wait_http_ok(&mut self, url: &str) {
        let (rt, client) = http_client();
        let _in_runtime = rt.enter();
        let until = Instant::now() + DEADLINE;
        loop {
            let last = match rt.block_on(client.get(url).send()) {
                Ok(resp) if resp.status().as_u16() == 200 => return,
                Ok(resp) => format!("HTTP {}", resp.status()),
                Err(e) => format!("{e}"),
            };
            self.ensure_children_alive();
            if Instant::now() >= until {
                self.fail(&format!(
                    "GET {url} did not answer 200 within {DEADLINE:?} (last: {last})"
                ));
            }
            thread::sleep(POLL);
        }
    }

    /// Waits for the next not-yet-consumed event named `name` that matches
    /// `pred`, in any order relative to other events.  An `error` event from
    /// the resident fails the test at once.
    fn wait_event(&mut self, name: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let until = Instant::now() + DEADLINE;
        let mut scanned = 0;
        loop {
            let events = self.events.as_mut().expect("resident started");
            while scanned < events.seen.len() {
                let i = scanned;
                scanned += 1;
                let e = &events.seen[i];
                if e["event"] == "error" {
                    let msg = format!("resident reported an error: {}", pretty(e));
                    self.fail(&msg);
                }
                if !events.consumed[i] && e["event"] == name && pred(e) {
                    events.consumed[i] = true;
                    return e.clone();
                }
            }
            let now = Instant::now();
            if now >= until {
                self.fail(&format!(
                    "no `{name}` event from the resident within {DEADLINE:?}"
                ));
            }
            match events.rx.recv_timeout(until - now) {
                Ok(e) => {
                    events.seen.push(e);
                    events.consumed.push(false);
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => self.fail(&format!(
                    "resident.mjs closed its stdout (exited) before a `{name}` event"
                )),
            }
        }
    }

    /// Writes one command line to the resident's stdin.
    fn send_to_resident(&mut self, line: &str) {
        let result = match self.resident_stdin.as_mut() {
            Some(stdin) => writeln!(stdin, "{line}").and_then(|()| stdin.flush()),
            None => Ok(()),
        };
        if let Err(e) = result {
            self.fail(&format!("write {line:?} to resident.mjs stdin: {e}"));
        }
    }

    /// Closes the resident's stdin and polls until it has exited with status 0.
    fn stop_resident_cleanly(&mut self) {
        drop(self.resident_stdin.take());
        let until = Instant::now() + DEADLINE;
        let Some(pos) = self.children.iter().position(|(n, _)| n == "resident.mjs") else {
            return;
        };
        loop {
            match self.children[pos].1.try_wait() {
                Ok(Some(status)) => {
                    self.children.remove(pos);
                    if !status.success() {
                        self.fail(&format!(
                            "resident.mjs exited with {status} after stdin closed"
                        ));
                    }
                    return;
                }
                Ok(None) if Instant::now() < until => thread::sleep(POLL),
                other => self.fail(&format!(
                    "resident.mjs did not exit after stdin closed: {other:?}"
                )),
            }
        }
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        drop(self.resident_stdin.take());
        for (_, child) in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
        if !thread::panicking() {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

fn pretty(v: &Value) -> String {
    // The raw activity is long; show it last so the interesting fields lead.
    let mut v = v.clone();
    let raw = v.as_object_mut().and_then(|o| o.remove("raw"));
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    if let Some(raw) = raw {
        s.push_str(&format!("\nraw activity as received: {raw}"));
    }
    s
}

fn tail(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut start = text.len() - max;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}

/// A runtime and an HTTP client for the harness's few requests (it runs outside
/// tokio), trusting the test CA.
fn http_client() -> (tokio::runtime::Runtime, reqwest::Client) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let client = {
        let _in_runtime = rt.enter();
        reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(5))
            .tls_certs_merge(production::ca_certificate())
            .build()
            .expect("reqwest client")
    };
    (rt, client)
}
