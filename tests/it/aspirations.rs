//! Residents' replies, mentions and direct messages from the fediverse become tickets
//! with a registration number and clocks, listed for editors in the admin.

use crate::{
    support::session::signed_in,
    support::{
        Backend, Shape, TestNode, WAIT, eventually, on_every_backend, on_every_setup,
        peer::Peer,
        residents::{PUBLIC, activity, note},
    },
};
use kentongan::{
    auth::Role,
    clock::now_ms,
    store::{TicketClass, TicketRow, TicketStatus},
};
use serde_json::{Value, json};

const DAY_MS: i64 = 24 * 3600 * 1000;

/// A Create of `object` by budi.
fn create(peer: &Peer, object: &Value) -> Value {
    activity(peer, "budi", "Create", object.clone())
}

async fn tickets(node: &TestNode, count: usize) -> Vec<TicketRow> {
    eventually(&format!("{count} tickets"), WAIT, || async {
        let tickets = node.state().store.tickets(100).await.expect("tickets");
        (tickets.len() == count).then_some(tickets)
    })
    .await
}

async fn messages_become_tickets(backend: Backend, shape: Shape) {
    let node = TestNode::start_in(&backend, shape, "desa-sukamaju").await;
    let peer = Peer::start_in(shape, true).await;
    let post = node
        .publish_text("Jalan desa rusak", "Laporkan titik jalan yang rusak.")
        .await;
    let post_url = format!("{}/p/{}", node.base, post.public_id);
    let inbox = format!("{}/inbox", node.base);

    // A public reply to the post.
    let reply = note(
        &peer,
        "budi",
        "<p>Jalan di RT 03 berlubang besar.<script>alert(1)</script></p>",
        vec![PUBLIC.to_string(), node.actor_id()],
        Some(&post_url),
        Some(&node.actor_id()),
    );
    let (status, body) = peer.send("budi", &inbox, &create(&peer, &reply)).await;
    assert_eq!(status, 202, "{body}");
    let first = tickets(&node, 1).await.remove(0);
    assert!(first.number.starts_with("ASP-20"), "{}", first.number);
    assert_eq!(first.channel, kentongan::store::TicketChannel::Reply);
    assert_eq!(first.class, TicketClass::Aspirasi);
    assert_eq!(first.status, TicketStatus::Baru);
    assert!(!first.is_private);
    assert_eq!(first.post_title.as_deref(), Some("Jalan desa rusak"));
    let content = first.content_html.clone().unwrap_or_default();
    assert!(
        content.contains("berlubang") && !content.contains("<script"),
        "{content}"
    );
    // Clocks: first response within 3 days, answer within 5 (end of the local day).
    assert!(
        first.first_response_due > now_ms() + 2 * DAY_MS
            && first.first_response_due < now_ms() + 4 * DAY_MS
    );
    assert!(first.answer_due > now_ms() + 4 * DAY_MS && first.answer_due < now_ms() + 6 * DAY_MS);

    // The same Create again opens nothing new.
    let (status, _) = peer.send("budi", &inbox, &create(&peer, &reply)).await;
    assert!(status == 202 || status == 200, "{status}");

    // A direct message (not public) is private.
    let mut direct = note(
        &peer,
        "budi",
        "<p>Saya ingin melapor secara pribadi.</p>",
        vec![node.actor_id()],
        None,
        Some(&node.actor_id()),
    );
    // The thread of the resident's own server (FEP-7888), which the answer must keep:
    // the message is under no post of the village.
    let resident_thread = format!("{}/contexts/budi-1", peer.base);
    direct["context"] = json!(resident_thread);
    let (status, body) = peer.send("budi", &inbox, &create(&peer, &direct)).await;
    assert_eq!(status, 202, "{body}");
    let all = tickets(&node, 2).await;
    let private = all
        .iter()
        .find(|t| t.channel == kentongan::store::TicketChannel::Direct)
        .expect("the direct message");
    assert!(private.is_private);
    assert_ne!(private.number, first.number);

    // Editors see both on /admin/aspirasi; contributors may not.
    let (mut editor, _) = signed_in(&node, "editor.desa", Role::Editor).await;
    let page = editor.get("/admin/aspirasi").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(&first.number) && page.body.contains(&private.number));
    let (mut contributor, _) = signed_in(&node, "kim.desa", Role::Kontributor).await;
    assert_eq!(contributor.get("/admin/aspirasi").await.status, 403);

    // Verified as an information request: its answer now runs on 10 working days (at
    // least 12 calendar days), and verifying is its first response.
    let csrf = editor.csrf().await;
    let status_path = format!("/admin/aspirasi/{}/status", first.number);
    let refused = editor
        .post_form(
            &status_path,
            &[
                ("csrf", &csrf),
                ("status", "ditolak"),
                ("class", "aspirasi"),
                ("resolution", ""),
            ],
        )
        .await;
    assert_eq!(refused.status, 400, "a refusal needs its reason");
    let verified = editor
        .post_form(
            &status_path,
            &[
                ("csrf", &csrf),
                ("status", "diverifikasi"),
                ("class", "permintaan_informasi"),
                ("resolution", ""),
            ],
        )
        .await;
    assert_eq!(verified.status, 303, "{}", verified.body);
    let ticket = node.ticket(&first.number).await;
    assert_eq!(
        (ticket.status.as_str(), ticket.class.as_str()),
        ("diverifikasi", "permintaan_informasi")
    );
    assert!(
        ticket.answer_due >= first.created_at + 12 * DAY_MS,
        "{} vs {}",
        ticket.answer_due,
        first.created_at
    );
    assert!(ticket.first_response_at.is_some());
    let extended = editor
        .post_form(
            &status_path,
            &[
                ("csrf", &csrf),
                ("status", "diproses"),
                ("class", "permintaan_informasi"),
                ("extended", "1"),
            ],
        )
        .await;
    assert_eq!(extended.status, 303);
    let later = node.ticket(&first.number).await;
    assert!(
        later.answer_due >= ticket.answer_due + 7 * DAY_MS,
        "seven more working days"
    );

    // The editor answers the public reply: a Note in the resident's thread, mentioning
    // them, public; the ticket gets its first response.
    let csrf = editor.csrf().await;
    let empty = editor
        .post_form(
            &format!("/admin/aspirasi/{}/jawab", first.number),
            &[("csrf", &csrf), ("answer", "  ")],
        )
        .await;
    assert_eq!(empty.status, 400);
    let sent = editor
        .post_form(
            &format!("/admin/aspirasi/{}/jawab", first.number),
            &[
                ("csrf", &csrf),
                (
                    "answer",
                    "Terima kasih, Pak Budi. Tim desa memeriksa jalan RT 03 besok.",
                ),
            ],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    node.state().wake_delivery.notify_one();
    let public_answer = eventually(
        "the public answer at the resident's server",
        WAIT,
        || async {
            peer.received_of("Create")
                .into_iter()
                .find(|r| r.activity["object"]["inReplyTo"] == reply["id"])
        },
    )
    .await;
    assert!(public_answer.signature_verified);
    let object = &public_answer.activity["object"];
    assert_eq!(
        object["context"],
        format!("{post_url}/context"),
        "an answer under a post is in the post's thread"
    );
    assert!(
        object["content"]
            .as_str()
            .unwrap_or_default()
            .contains("memeriksa jalan RT 03")
    );
    assert_eq!(object["tag"][0]["type"], "Mention");
    assert_eq!(object["tag"][0]["href"], peer.actor_id("budi"));
    assert!(
        object["to"]
            .as_array()
            .expect("to")
            .iter()
            .any(|v| v == PUBLIC)
    );
    let answered = node.ticket(&first.number).await;
    assert!(answered.first_response_at.is_some());
    assert_eq!(
        answered.status,
        TicketStatus::Diproses,
        "a first answer does not close the ticket"
    );
    // Its id answers with the Note.
    let fetched: Value = crate::support::client()
        .get(object["id"].as_str().expect("id"))
        .header("accept", crate::support::AP)
        .send()
        .await
        .expect("GET answer")
        .json()
        .await
        .expect("json");
    assert_eq!(fetched["inReplyTo"], reply["id"]);

    // The direct message gets a direct, final answer: to the resident alone, never
    // served to anyone else.
    let sent = editor
        .post_form(
            &format!("/admin/aspirasi/{}/jawab", private.number),
            &[
                ("csrf", &csrf),
                ("answer", "Silakan datang ke kantor desa hari Senin."),
                ("final", "1"),
            ],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    node.state().wake_delivery.notify_one();
    let direct_answer = eventually(
        "the direct answer at the resident's server",
        WAIT,
        || async {
            peer.received_of("Create")
                .into_iter()
                .find(|r| r.activity["object"]["inReplyTo"] == direct["id"])
        },
    )
    .await;
    let object = &direct_answer.activity["object"];
    assert_eq!(
        object["context"], resident_thread,
        "an answer to a message under no post keeps the resident's thread"
    );
    assert_eq!(object["to"], json!([peer.actor_id("budi")]));
    assert_eq!(object["cc"], json!([]));
    assert_eq!(direct_answer.activity["to"], json!([peer.actor_id("budi")]));
    let status = crate::support::client()
        .get(object["id"].as_str().expect("id"))
        .header("accept", crate::support::AP)
        .send()
        .await
        .expect("GET answer")
        .status()
        .as_u16();
    assert_eq!(
        status, 404,
        "a direct answer is not served to anyone who asks"
    );
    let activity_status = crate::support::client()
        .get(direct_answer.activity["id"].as_str().expect("id"))
        .header("accept", crate::support::AP)
        .send()
        .await
        .expect("GET activity")
        .status()
        .as_u16();
    assert_eq!(activity_status, 404);
    let closed = node.ticket(&private.number).await;
    assert_eq!(closed.status, TicketStatus::Selesai);
    assert!(closed.answered_at.is_some());

    // The public site never shows the private message.
    let home = crate::support::client()
        .get(format!("{}/", node.base))
        .send()
        .await
        .expect("GET /")
        .text()
        .await
        .expect("body");
    assert!(!home.contains("melapor secara pribadi"));

    // A Delete from the author withdraws the message; the ticket stays.
    let delete = activity(&peer, "budi", "Delete", reply["id"].clone());
    let (status, body) = peer.send("budi", &inbox, &delete).await;
    assert_eq!(status, 202, "{body}");
    eventually("the reply withdrawn", WAIT, || async {
        let ticket = node.ticket(&first.number).await;
        ticket.withdrawn_at.map(|_| ticket)
    })
    .await;
    peer.stop();
    node.stop().await;
}

#[tokio::test]
async fn replies_and_direct_messages_become_tickets_with_clocks_on_every_backend_and_in_production_shape()
 {
    on_every_setup(messages_become_tickets).await;
}

async fn submit(node: &TestNode, pairs: &[(&str, &str)]) -> (u16, String) {
    let response = crate::support::client()
        .post(format!("{}/aspirasi", node.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs)
                .finish(),
        )
        .send()
        .await
        .expect("POST /aspirasi");
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

async fn get_text(node: &TestNode, path: &str) -> (u16, String) {
    let response = crate::support::client()
        .get(format!("{}{path}", node.base))
        .send()
        .await
        .expect("GET");
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

async fn website_form(backend: Backend) {
    let node = TestNode::start(&backend, "desa-sukamaju").await;
    let store = &node.state().store;
    let (status, page) = get_text(&node, "/aspirasi").await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("name=\"message\""));

    const CONTACT: &str = "0812-9999-4242";
    let (status, page) = submit(
        &node,
        &[
            ("name", "Ibu Sari"),
            ("contact", CONTACT),
            ("class", "pengaduan"),
            (
                "message",
                "Lampu jalan di depan <b>balai</b> RT 02 mati sejak seminggu.",
            ),
        ],
    )
    .await;
    assert_eq!(status, 200, "{page}");
    let number = crate::aspirations_desk::number_on(&page);
    let ticket = node.ticket(&number).await;
    assert_eq!(
        (ticket.channel.as_str(), ticket.class.as_str()),
        ("web", "pengaduan")
    );
    assert_eq!(ticket.contact, CONTACT);
    assert!(ticket.is_private);
    let html = ticket.content_html.clone().unwrap_or_default();
    assert!(
        html.contains("&lt;b&gt;balai"),
        "a message is text, never markup: {html}"
    );

    // Bad input is refused with a reason and opens nothing; a script filling the hidden
    // field is refused too.
    let (status, page) = submit(
        &node,
        &[
            ("name", "Budi"),
            ("class", "aspirasi"),
            ("message", "pendek"),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert!(page.contains("Pesan terlalu pendek"), "{page}");
    let (status, _) = submit(
        &node,
        &[
            ("name", "Bot"),
            ("class", "aspirasi"),
            ("message", "Beli obat murah di sini sekarang"),
            ("website", "x"),
        ],
    )
    .await;
    assert_eq!(status, 400);
    let (status, _) = submit(
        &node,
        &[
            ("name", "Pak Ahmad"),
            ("class", "aspirasi"),
            ("message", "Mohon jadwal posyandu diumumkan lebih awal."),
        ],
    )
    .await;
    assert_eq!(status, 200);
    // A flood from one address is held back.
    let (status, page) = submit(
        &node,
        &[
            ("name", "Pak Ahmad"),
            ("class", "aspirasi"),
            (
                "message",
                "Mohon jadwal posyandu diumumkan lebih awal lagi.",
            ),
        ],
    )
    .await;
    assert_eq!(status, 429, "{page}");
    assert_eq!(store.tickets(100).await.expect("tickets").len(), 2);

    // The status page shows where it stands, never the message or the contact.
    let (status, page) = get_text(&node, &format!("/aspirasi/status?nomor={number}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Baru"), "{page}");
    assert!(!page.contains(CONTACT) && !page.contains("Lampu jalan"));
    let (status, _) = get_text(&node, "/aspirasi/status?nomor=ASP-2026-999999-XXXX").await;
    assert_eq!(status, 404);

    // The operator answers; the resident reads it on the status page.
    let actor = kentongan::actors::find_publishing_actor(store, None)
        .await
        .expect("actor");
    kentongan::aspirations::answer::send(
        store,
        &actor,
        &ticket,
        None,
        "Lampu sudah diganti hari ini. Terima kasih, Bu.",
        true,
    )
    .await
    .expect("answer");
    let (_, page) = get_text(&node, &format!("/aspirasi/status?nomor={number}")).await;
    assert!(
        page.contains("Lampu sudah diganti") && page.contains("Selesai"),
        "{page}"
    );

    // The contact is nowhere public: pages, feeds, ActivityPub documents.
    for path in [
        "/",
        "/feed.rss",
        "/feed.atom",
        "/sitemap.xml",
        "/u/desa-sukamaju/outbox",
        "/aspirasi",
    ] {
        let (_, body) = get_text(&node, path).await;
        assert!(!body.contains(CONTACT), "{path} shows the contact");
    }
    node.stop().await;
}

#[tokio::test]
async fn residents_without_an_account_write_through_the_website_on_every_backend() {
    on_every_backend(website_form).await;
}

/// Regression: a ticket sent elsewhere read "Bukan wewenang {desa}" on the desk, in its
/// history and on the public status page. It names the village by the site's own word.
#[tokio::test]
async fn a_ticket_not_ours_names_the_village_by_the_sites_word() {
    let node = TestNode::start(&Backend::Sqlite, "kelurahan-sukamaju").await;
    let store = &node.state().store;
    let settings = kentongan::site::SiteSettings {
        village_word: "kelurahan".into(),
        ..kentongan::site::load(store).await.expect("settings")
    };
    kentongan::site::save(store, &settings)
        .await
        .expect("save the village word");
    let (status, page) = submit(
        &node,
        &[
            ("name", "Pak Ahmad"),
            ("class", "pengaduan"),
            ("message", "Jembatan provinsi di perbatasan retak."),
        ],
    )
    .await;
    assert_eq!(status, 200, "{page}");
    let number = crate::aspirations_desk::number_on(&page);

    let (mut editor, csrf) = signed_in(&node, "editor.desa", Role::Editor).await;
    let decided = editor
        .post_form(
            &format!("/admin/aspirasi/{number}/status"),
            &[
                ("csrf", &csrf),
                ("status", "bukan_wewenang"),
                ("class", "pengaduan"),
                ("resolution", "Diteruskan ke Dinas PUPR provinsi."),
            ],
        )
        .await;
    assert_eq!(decided.status, 303, "{}", decided.body);

    let label = "Bukan wewenang kelurahan";
    let (status, public) = get_text(&node, &format!("/aspirasi/status?nomor={number}")).await;
    assert_eq!(status, 200);
    let desk = editor.get("/admin/aspirasi").await;
    let ticket = editor.get(&format!("/admin/aspirasi/{number}")).await;
    for (place, body) in [
        ("the public status page", &public),
        ("the desk", &desk.body),
        ("the ticket page", &ticket.body),
    ] {
        assert!(body.contains(label), "{place} says {label:?}: {body}");
        for placeholder in ["{desa}", "{Desa}", "{village}", "{Village}"] {
            assert!(!body.contains(placeholder), "{place} shows {placeholder}");
        }
    }
    // The history line, and the status among the choices of the form.
    assert!(
        ticket.body.contains(&format!("Status: Baru → {label}")),
        "the history: {}",
        ticket.body
    );
    assert!(
        ticket
            .body
            .contains(&format!("value=\"bukan_wewenang\" selected>{label}")),
        "the status choices: {}",
        ticket.body
    );
    node.stop().await;
}

async fn holidays_move_deadlines(backend: Backend) {
    let node = TestNode::start(&backend, "desa-sukamaju").await;
    let store = &node.state().store;
    let (mut editor, csrf) = signed_in(&node, "editor.desa", Role::Editor).await;
    let bad = editor
        .post_form(
            "/admin/aspirasi/libur",
            &[("csrf", &csrf), ("day", "31-12-2026"), ("name", "x")],
        )
        .await;
    assert_eq!(bad.status, 400);
    assert!(store.holidays().await.expect("holidays").is_empty());

    // An information request timed without holidays...
    let (status, page) = submit(
        &node,
        &[
            ("name", "Ibu Sari"),
            ("class", "permintaan_informasi"),
            ("message", "Mohon salinan APBDes tahun ini."),
        ],
    )
    .await;
    assert_eq!(status, 200, "{page}");
    let ticket = store.tickets(10).await.expect("tickets").remove(0);
    // ...then every working day of the next three weeks is declared a holiday: the
    // recomputed deadline moves past them.
    let tz = kentongan::site::TimeZone::Wib;
    let mut day = chrono::DateTime::from_timestamp_millis(ticket.created_at)
        .expect("time")
        .with_timezone(&tz.offset())
        .date_naive();
    for _ in 0..21 {
        day = day.succ_opt().expect("next day");
        let text = day.format("%Y-%m-%d").to_string();
        let added = editor
            .post_form(
                "/admin/aspirasi/libur",
                &[("csrf", &csrf), ("day", &text), ("name", "Libur uji")],
            )
            .await;
        assert_eq!(added.status, 303, "{}", added.body);
    }
    assert_eq!(store.holidays().await.expect("holidays").len(), 21);
    let page = editor.get("/admin/aspirasi/libur").await;
    assert!(page.body.contains("Libur uji"));
    let decided = editor
        .post_form(
            &format!("/admin/aspirasi/{}/status", ticket.number),
            &[
                ("csrf", &csrf),
                ("status", "diverifikasi"),
                ("class", "permintaan_informasi"),
            ],
        )
        .await;
    assert_eq!(decided.status, 303);
    let later = node.ticket(&ticket.number).await;
    assert!(
        later.answer_due >= ticket.answer_due + 14 * DAY_MS,
        "{} vs {}",
        later.answer_due,
        ticket.answer_due
    );
    let first = day.format("%Y-%m-%d").to_string();
    let removed = editor
        .post_form(
            "/admin/aspirasi/libur",
            &[("csrf", &csrf), ("day", &first), ("delete", "1")],
        )
        .await;
    assert_eq!(removed.status, 303);
    assert_eq!(store.holidays().await.expect("holidays").len(), 20);
    node.stop().await;
}

#[tokio::test]
async fn holidays_from_the_admin_move_working_day_deadlines_on_every_backend() {
    on_every_backend(holidays_move_deadlines).await;
}
