//! The ticket desk, on SQLite and PostgreSQL: a photo on the website form (kept private,
//! seen by staff only, refused with the typed text kept when bad), assignment and the
//! list's filters, internal notes seen by staff only, the history of each ticket, and
//! clocks taken from `[aspirations]` in kentongan.toml.

use crate::{
    support::session::{Browser, Page, Part, signed_in, text, user},
    support::{Backend, TestNode, WAIT, client, eventually, on_every_backend, peer::Peer},
};
use kentongan::{
    aspirations::{Clock, ClockSettings, Holidays, TicketClass, intake},
    auth::Role,
    clock::now_ms,
    store::TicketDecision,
    strings,
};
use serde_json::json;

/// Text hidden in the uploaded JPEG's metadata, as a phone hides its GPS position.
const GPS_MARKER: &str = "GPSLatitude-7.801234-kentongan-marker";
const CONTACT: &str = "0813-7777-2121";

/// A JPEG carrying `GPS_MARKER` in an XMP segment right after its start.
fn jpeg_with_metadata() -> Vec<u8> {
    let pixels = image::RgbImage::from_fn(320, 240, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 60])
    });
    let mut encoded = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(pixels)
        .write_to(&mut encoded, image::ImageFormat::Jpeg)
        .expect("encode jpeg");
    let encoded = encoded.into_inner();
    let mut payload = b"http://ns.adobe.com/xap/1.0/\0".to_vec();
    payload.extend_from_slice(format!("<x:xmpmeta>{GPS_MARKER}</x:xmpmeta>").as_bytes());
    let length = u16::try_from(payload.len() + 2).expect("short segment");
    let mut jpeg = encoded[..2].to_vec();
    jpeg.extend_from_slice(&[0xFF, 0xE1]);
    jpeg.extend_from_slice(&length.to_be_bytes());
    jpeg.extend_from_slice(&payload);
    jpeg.extend_from_slice(&encoded[2..]);
    jpeg
}

fn form_parts(name: &str, message: &str, photo: Option<Part>) -> Vec<Part> {
    let mut parts = vec![
        text("name", name),
        text("contact", CONTACT),
        text("class", "pengaduan"),
        text("message", message),
        text("website", ""),
    ];
    parts.extend(photo);
    parts
}

pub(crate) fn number_on(page: &str) -> String {
    page.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .find(|w| w.starts_with("ASP-"))
        .expect("a registration number on the page")
        .to_string()
}

async fn get(node: &TestNode, path: &str) -> (u16, Vec<u8>) {
    let response = client()
        .get(format!("{}{path}", node.base))
        .send()
        .await
        .expect("GET");
    let status = response.status().as_u16();
    (status, response.bytes().await.expect("body").to_vec())
}

/// Every public page, feed and ActivityPub document a visitor or server can read.
async fn public_text(node: &TestNode, number: &str) -> Vec<(String, String)> {
    let mut paths: Vec<String> = [
        "/",
        "/feed.rss",
        "/feed.atom",
        "/sitemap.xml",
        "/aspirasi",
        "/arsip",
        "/profil",
    ]
    .iter()
    .map(|p| p.to_string())
    .collect();
    paths.push(format!("/aspirasi/status?nomor={number}"));
    paths.push(format!("/u/{}", node.username));
    let mut texts = Vec::new();
    for path in paths {
        let (_, body) = get(node, &path).await;
        texts.push((path.clone(), String::from_utf8_lossy(&body).into_owned()));
    }
    for path in [
        format!("/u/{}", node.username),
        format!("/u/{}/outbox", node.username),
        format!("/u/{}/outbox?page=true", node.username),
    ] {
        let response = client()
            .get(format!("{}{path}", node.base))
            .header("accept", "application/activity+json")
            .send()
            .await
            .expect("GET json");
        texts.push((path, response.text().await.expect("body")));
    }
    texts
}

async fn photo_on_the_form(backend: Backend) {
    let node = TestNode::start(&backend, "desa-sukamaju").await;
    let store = &node.state().store;
    let mut resident = Browser::new(&node);
    let form = resident.get("/aspirasi").await;
    assert!(
        form.body.contains("enctype=\"multipart/form-data\"")
            && form
                .body
                .contains("type=\"file\" accept=\"image/jpeg,image/png,image/webp\""),
        "{}",
        form.body
    );

    // A message with a photo whose metadata holds a position.
    let message = "Saluran air di gang Melati tersumbat sampah, lihat fotonya.";
    let sent = resident
        .post_multipart(
            "/aspirasi",
            &form_parts(
                "Ibu Wati",
                message,
                Some(Part::File(
                    "photo",
                    "IMG_0042.jpg",
                    "image/jpeg",
                    jpeg_with_metadata(),
                )),
            ),
            None,
        )
        .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    let number = number_on(&sent.body);
    let kept = node.ticket(&number).await;
    let photos = store.ticket_photos(kept.id).await.expect("photos");
    assert_eq!(photos.len(), 1);
    let photo = &photos[0];
    assert_eq!(photo.mime, "image/jpeg");
    // Kept in the private folder, nothing in the public one.
    let private = node.dir().join("private/ticket-photos");
    for variant in ["large", "medium", "thumb"] {
        assert!(private.join(photo.file_name(variant)).exists(), "{variant}");
    }
    assert!(
        !node
            .dir()
            .join("media")
            .join(photo.file_name("large"))
            .exists(),
        "a ticket photo in the public media folder"
    );

    // Refusals keep what the resident typed: not an image, too large.
    let typed = "Lampu jalan <dekat> pos ronda padam sejak Senin malam.";
    let refused = resident
        .post_multipart(
            "/aspirasi",
            &form_parts(
                "Pak Joko",
                typed,
                Some(Part::File(
                    "photo",
                    "foto.jpg",
                    "image/jpeg",
                    b"ini bukan gambar sama sekali".to_vec(),
                )),
            ),
            None,
        )
        .await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(
        refused.body.contains(strings::DESK_PHOTO_REFUSED.id)
            && refused.body.contains(strings::UPLOAD_NOT_IMAGE.id),
        "{}",
        refused.body
    );
    assert!(
        refused
            .body
            .contains("Lampu jalan &lt;dekat&gt; pos ronda padam sejak Senin malam.")
            && refused.body.contains("value=\"Pak Joko\"")
            && refused.body.contains(CONTACT),
        "the typed text is kept: {}",
        refused.body
    );
    let huge = vec![0xFFu8; kentongan::media::MAX_UPLOAD_BYTES + 1];
    let too_large = resident
        .post_multipart(
            "/aspirasi",
            &form_parts(
                "Pak Joko",
                typed,
                Some(Part::File("photo", "besar.jpg", "image/jpeg", huge)),
            ),
            None,
        )
        .await;
    assert_eq!(too_large.status, 413, "{}", too_large.body);
    assert!(
        too_large.body.contains(strings::UPLOAD_TOO_LARGE.id)
            && too_large.body.contains("value=\"Pak Joko\""),
        "{}",
        too_large.body
    );
    assert_eq!(store.tickets(100).await.expect("tickets").len(), 1);

    // The hidden field still catches scripts, and the address limit still holds (3 at
    // once: the three above), keeping the text.
    let bot = resident
        .post_multipart(
            "/aspirasi",
            &[
                text("name", "Bot"),
                text("class", "aspirasi"),
                text("message", "Beli obat murah di sini sekarang juga"),
                text("website", "http://spam.example"),
            ],
            None,
        )
        .await;
    assert_eq!(bot.status, 400);
    let flood = resident
        .post_multipart("/aspirasi", &form_parts("Pak Joko", typed, None), None)
        .await;
    assert_eq!(flood.status, 429, "{}", flood.body);
    assert!(flood.body.contains("value=\"Pak Joko\""));
    assert_eq!(store.tickets(100).await.expect("tickets").len(), 1);

    // Staff see the photo on the ticket's page, re-encoded without the metadata.
    let (mut editor, _) = signed_in(&node, "editor.desa", Role::Editor).await;
    let page = editor.get(&format!("/admin/aspirasi/{number}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let photo_path = format!(
        "/admin/aspirasi/{number}/foto/{}",
        photo.file_name("medium")
    );
    assert!(page.body.contains(&photo_path), "{}", page.body);
    let response = client()
        .get(format!("{}{photo_path}", node.base))
        .header("cookie", editor.cookie_header())
        .send()
        .await
        .expect("GET photo");
    assert_eq!(response.status(), 200);
    assert_eq!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("image/jpeg")
    );
    assert_eq!(
        response
            .headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    let bytes = response.bytes().await.expect("photo");
    assert_eq!(&bytes[..2], &[0xFF, 0xD8]);
    assert!(
        !bytes
            .windows(GPS_MARKER.len())
            .any(|w| w == GPS_MARKER.as_bytes()),
        "the metadata survived"
    );

    // Nobody else reaches it: no session, a contributor, the public media route, a
    // file of another ticket, a name outside the scheme.
    let (status, body) = get(&node, &photo_path).await;
    assert!(status == 303 || status == 401, "{status}");
    assert!(!body.starts_with(&[0xFF, 0xD8]));
    let (mut contributor, _) = signed_in(&node, "kim.desa", Role::Kontributor).await;
    assert_eq!(contributor.get(&photo_path).await.status, 403);
    for variant in ["large", "medium", "thumb"] {
        let (status, _) = get(&node, &format!("/media/{}", photo.file_name(variant))).await;
        assert_eq!(status, 404, "{variant} is public");
    }
    assert_eq!(
        editor
            .get(&format!(
                "/admin/aspirasi/{number}/foto/..%2F..%2Fkentongan.toml"
            ))
            .await
            .status,
        404
    );
    let other = intake::receive_web(
        store,
        &node.state().config.aspirations,
        node.dir(),
        kept.local_actor_id,
        intake::WebMessage {
            name: "Pak Dedi".into(),
            contact: String::new(),
            class: Some(TicketClass::Aspirasi),
            message: "Mohon jadwal ronda diumumkan di balai.".into(),
            photo: None,
        },
    )
    .await
    .expect("another ticket");
    assert_eq!(
        editor
            .get(&format!(
                "/admin/aspirasi/{other}/foto/{}",
                photo.file_name("medium")
            ))
            .await
            .status,
        404,
        "a photo is only served under its own ticket"
    );

    // No public page, feed or ActivityPub document names the photo or the contact.
    for (path, body) in public_text(&node, &number).await {
        assert!(!body.contains(&photo.file_key), "{path} names the photo");
        assert!(!body.contains(CONTACT), "{path} shows the contact");
        assert!(!body.contains("/foto/"), "{path} links a photo");
    }
    node.stop().await;
}

#[tokio::test]
async fn a_photo_on_the_website_form_is_kept_private_and_seen_by_staff_only_on_every_backend() {
    on_every_backend(photo_on_the_form).await;
}

async fn open_web_ticket(node: &TestNode, name: &str, message: &str) -> String {
    let actor = kentongan::actors::find_publishing_actor(&node.state().store, None)
        .await
        .expect("actor");
    intake::receive_web(
        &node.state().store,
        &node.state().config.aspirations,
        node.dir(),
        actor.id,
        intake::WebMessage {
            name: name.into(),
            contact: CONTACT.into(),
            class: Some(TicketClass::Pengaduan),
            message: message.into(),
            photo: None,
        },
    )
    .await
    .expect("a web ticket")
}

fn numbers_in(page: &Page, numbers: &[&String]) -> Vec<bool> {
    numbers
        .iter()
        .map(|n| page.body.contains(n.as_str()))
        .collect()
}

async fn assignment_notes_and_history(backend: Backend) {
    let node = TestNode::start(&backend, "desa-sukamaju").await;
    let store = &node.state().store;
    let a = open_web_ticket(&node, "Ibu Ani", "Jembatan bambu di dusun dua mulai lapuk.").await;
    let b = open_web_ticket(
        &node,
        "Pak Budi",
        "Mohon informasi anggaran dana desa 2026.",
    )
    .await;
    let c = open_web_ticket(&node, "Ibu Cici", "Sampah menumpuk di dekat pasar pagi.").await;
    let editor_record = user(&node, "editor.desa", Role::Editor).await;
    let sari = user(&node, "sari.desa", Role::Editor).await;
    let kim = user(&node, "kim.desa", Role::Kontributor).await;
    let mut editor = Browser::signed_in_as(&node, "editor.desa").await;
    let csrf = editor.csrf().await;

    // Assign A to oneself, B to Sari; contributors and unknown values are refused.
    let assign = |number: &String| format!("/admin/aspirasi/{number}/petugas");
    let done = editor
        .post_form(&assign(&a), &[("csrf", &csrf), ("assignee", "saya")])
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(done.location, format!("/admin/aspirasi/{a}?ok=assigned"));
    let sari_id = sari.id.to_string();
    let done = editor
        .post_form(&assign(&b), &[("csrf", &csrf), ("assignee", &sari_id)])
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let kim_id = kim.id.to_string();
    for bad in [kim_id.as_str(), "abc", "999999"] {
        let refused = editor
            .post_form(&assign(&c), &[("csrf", &csrf), ("assignee", bad)])
            .await;
        assert_eq!(refused.status, 400, "{bad}");
        assert!(refused.body.contains(strings::DESK_ASSIGNEE_INVALID.id));
    }
    let forged = editor
        .post_form(&assign(&c), &[("csrf", "forged"), ("assignee", "saya")])
        .await;
    assert_eq!(forged.status, 403);
    let mut contributor = Browser::signed_in_as(&node, "kim.desa").await;
    let kim_csrf = contributor.csrf().await;
    let refused = contributor
        .post_form(&assign(&c), &[("csrf", &kim_csrf), ("assignee", "saya")])
        .await;
    assert_eq!(refused.status, 403);

    // The list shows the assignee and filters by it.
    let all = editor.get("/admin/aspirasi").await;
    assert!(
        all.body.contains("<td>sari.desa</td>") && all.body.contains("<td>editor.desa</td>"),
        "{}",
        all.body
    );
    assert_eq!(numbers_in(&all, &[&a, &b, &c]), [true, true, true]);
    let mine = editor.get("/admin/aspirasi?petugas=saya").await;
    assert_eq!(mine.status, 200);
    assert_eq!(numbers_in(&mine, &[&a, &b, &c]), [true, false, false]);
    let unassigned = editor.get("/admin/aspirasi?petugas=belum").await;
    assert_eq!(numbers_in(&unassigned, &[&a, &b, &c]), [false, false, true]);
    let of_sari = editor
        .get(&format!("/admin/aspirasi?petugas={}", sari.id))
        .await;
    assert_eq!(numbers_in(&of_sari, &[&a, &b, &c]), [false, true, false]);
    assert_eq!(
        editor.get("/admin/aspirasi?petugas=semua").await.status,
        400
    );
    assert_eq!(
        editor.get("/admin/aspirasi?status=hilang").await.status,
        400
    );

    // Status changes: B verified as an information request.
    let decided = editor
        .post_form(
            &format!("/admin/aspirasi/{b}/status"),
            &[
                ("csrf", &csrf),
                ("status", "diverifikasi"),
                ("class", "permintaan_informasi"),
                ("resolution", ""),
            ],
        )
        .await;
    assert_eq!(decided.status, 303, "{}", decided.body);
    let verified = editor.get("/admin/aspirasi?status=diverifikasi").await;
    assert_eq!(numbers_in(&verified, &[&a, &b, &c]), [false, true, false]);
    let open = editor.get("/admin/aspirasi?status=terbuka").await;
    assert_eq!(numbers_in(&open, &[&a, &b, &c]), [true, true, true]);

    // Overdue: C's deadlines are moved into the past (as if it waited a week).
    let c_row = node.ticket(&c).await;
    let past = now_ms() - 3_600_000;
    store
        .decide_ticket(
            &TicketDecision {
                ticket_id: c_row.id,
                status: kentongan::store::TicketStatus::Baru,
                class: kentongan::store::TicketClass::Pengaduan,
                resolution: "",
                extended: false,
                first_response_due: past,
                answer_due: past,
                user_id: None,
                events: &[],
            },
            now_ms(),
        )
        .await
        .expect("backdate");
    let overdue = editor.get("/admin/aspirasi?tenggat=lewat").await;
    assert_eq!(overdue.status, 200);
    assert_eq!(numbers_in(&overdue, &[&a, &b, &c]), [false, false, true]);
    let none = editor
        .get("/admin/aspirasi?tenggat=lewat&petugas=saya")
        .await;
    assert!(
        none.body.contains(strings::DESK_FILTER_NONE.id),
        "{}",
        none.body
    );

    // Internal notes: kept with author and time, shown to staff only.
    const NOTE: &str = "Sudah dicek Pak RT: <b>dua</b> tiang rapuh, perlu anggaran.";
    let note_path = format!("/admin/aspirasi/{b}/catatan");
    let noted = editor
        .post_form(&note_path, &[("csrf", &csrf), ("note", NOTE)])
        .await;
    assert_eq!(noted.status, 303, "{}", noted.body);
    let empty = editor
        .post_form(&note_path, &[("csrf", &csrf), ("note", "   ")])
        .await;
    assert_eq!(empty.status, 400);
    assert!(empty.body.contains(strings::DESK_NOTE_EMPTY.id));
    let long = "x".repeat(2_001);
    let too_long = editor
        .post_form(&note_path, &[("csrf", &csrf), ("note", &long)])
        .await;
    assert_eq!(too_long.status, 400);
    assert_eq!(
        contributor
            .post_form(&note_path, &[("csrf", &kim_csrf), ("note", "boleh?")])
            .await
            .status,
        403
    );
    let b_row = node.ticket(&b).await;
    let notes = store.ticket_notes(b_row.id).await.expect("notes");
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0].user_id, Some(editor_record.id));
    assert_eq!(notes[0].body, NOTE);

    // An answer on B is part of its history too.
    let answered = editor
        .post_form(
            &format!("/admin/aspirasi/{b}/jawab"),
            &[
                ("csrf", &csrf),
                ("answer", "Rincian anggaran kami kirim minggu ini."),
            ],
        )
        .await;
    assert_eq!(answered.status, 303, "{}", answered.body);

    // The history, oldest first: assignment, status, class, answer.
    let events = store.ticket_events(b_row.id).await.expect("history");
    let lines: Vec<(&str, &str, &str)> = events
        .iter()
        .map(|e| (e.kind.as_str(), e.from_value.as_str(), e.to_value.as_str()))
        .collect();
    assert_eq!(
        lines,
        [
            ("assignee", "", "sari.desa"),
            ("status", "baru", "diverifikasi"),
            ("class", "pengaduan", "permintaan_informasi"),
            ("answer", "", "reply"),
        ]
    );
    assert!(events.iter().all(|e| e.user_id == Some(editor_record.id)));
    let page = editor.get(&format!("/admin/aspirasi/{b}")).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains("Sudah dicek Pak RT: &lt;b&gt;dua&lt;/b&gt; tiang rapuh"),
        "the note, escaped: {}",
        page.body
    );
    for line in [
        format!(
            "{}: {} → sari.desa",
            strings::DESK_EVENT_ASSIGNEE.id,
            strings::DESK_NOBODY.id
        ),
        format!(
            "{}: {} → {}",
            strings::DESK_EVENT_STATUS.id,
            strings::ASP_STATUS_NEW.id,
            strings::ASP_STATUS_VERIFIED.id
        ),
        strings::DESK_EVENT_ANSWER.id.to_string(),
        strings::DESK_EVENT_RECEIVED.id.to_string(),
    ] {
        assert!(page.body.contains(&line), "{line}: {}", page.body);
    }
    // Who did it is named on each line.
    assert!(page.body.contains("· editor.desa"));

    // Taking the ticket back from Sari is a line too; the same assignee again is not.
    editor
        .post_form(&assign(&b), &[("csrf", &csrf), ("assignee", "")])
        .await;
    editor
        .post_form(&assign(&b), &[("csrf", &csrf), ("assignee", "")])
        .await;
    let events = store.ticket_events(b_row.id).await.expect("history");
    assert_eq!(events.len(), 5);
    assert_eq!(
        (events[4].from_value.as_str(), events[4].to_value.as_str()),
        ("sari.desa", "")
    );

    // Notes, assignees and history never leave the admin.
    for (path, body) in public_text(&node, &b).await {
        assert!(!body.contains("tiang rapuh"), "{path} shows a note");
        assert!(!body.contains("sari.desa"), "{path} names the assignee");
    }
    node.stop().await;
}

#[tokio::test]
async fn tickets_are_assigned_filtered_noted_and_their_history_kept_on_every_backend() {
    on_every_backend(assignment_notes_and_history).await;
}

async fn custom_clocks(backend: Backend) {
    let node = TestNode::start_configured(
        &backend,
        "desa-sukamaju",
        kentongan::config::Role::Village,
        &[(
            "[aspirations]",
            "first_response_days = 1\nanswer_days = 2\n\
             information_answer_working_days = 4\ninformation_extension_working_days = 2",
        )],
    )
    .await;
    let clocks = ClockSettings {
        first_response: Clock::Days(1),
        answer: Clock::Days(2),
        information_answer: Clock::WorkingDays(4),
        information_extension: Clock::WorkingDays(2),
    };
    assert_eq!(node.state().config.aspirations, clocks);
    let store = &node.state().store;
    let tz = kentongan::site::load(store).await.expect("site").time_zone;
    let none = Holidays::default();

    // A website message: the configured days, not 3 and 5.
    let mut resident = Browser::new(&node);
    let sent = resident
        .post_form(
            "/aspirasi",
            &[
                ("name", "Ibu Ani"),
                ("class", "pengaduan"),
                ("message", "Jalan ke sawah licin dan berlubang."),
            ],
        )
        .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    let number = number_on(&sent.body);
    let web = node.ticket(&number).await;
    let expected = clocks.deadlines(TicketClass::Pengaduan, web.created_at, false, tz, &none);
    assert_eq!(
        (web.first_response_due, web.answer_due),
        (expected.first_response, expected.answer)
    );

    // A decision recomputes them with the configured working days and extension.
    let (mut editor, csrf) = signed_in(&node, "editor.desa", Role::Editor).await;
    let decided = editor
        .post_form(
            &format!("/admin/aspirasi/{number}/status"),
            &[
                ("csrf", &csrf),
                ("status", "diproses"),
                ("class", "permintaan_informasi"),
                ("extended", "1"),
            ],
        )
        .await;
    assert_eq!(decided.status, 303, "{}", decided.body);
    let info = node.ticket(&number).await;
    let expected = clocks.deadlines(
        TicketClass::PermintaanInformasi,
        web.created_at,
        true,
        tz,
        &none,
    );
    assert_eq!(
        (info.first_response_due, info.answer_due),
        (expected.first_response, expected.answer)
    );
    let list = editor.get("/admin/aspirasi").await;
    assert!(
        list.body
            .contains("tanggapan pertama 1 hari, jawaban 2 hari")
            && list.body.contains("4 hari kerja")
            && list.body.contains("2 hari kerja"),
        "{}",
        list.body
    );

    // A direct message from the fediverse runs on the same clocks.
    let peer = Peer::start(true).await;
    let note = json!({
        "id": format!("{}/notes/dm-clocks", peer.base),
        "type": "Note",
        "attributedTo": peer.actor_id("budi"),
        "content": "<p>Kapan posyandu bulan ini dibuka?</p>",
        "to": [node.actor_id()],
        "tag": [{ "type": "Mention", "href": node.actor_id(), "name": "@desa" }],
        "published": kentongan::clock::to_rfc3339(now_ms()),
    });
    let create = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/activities/create-dm-clocks", peer.base),
        "type": "Create",
        "actor": peer.actor_id("budi"),
        "object": note,
    });
    let (status, body) = peer
        .send("budi", &format!("{}/inbox", node.base), &create)
        .await;
    assert_eq!(status, 202, "{body}");
    let direct = eventually("the direct message's ticket", WAIT, || async {
        store
            .tickets(10)
            .await
            .expect("tickets")
            .into_iter()
            .find(|t| t.channel == kentongan::store::TicketChannel::Direct)
    })
    .await;
    let expected = clocks.deadlines(TicketClass::Aspirasi, direct.created_at, false, tz, &none);
    assert_eq!(
        (direct.first_response_due, direct.answer_due),
        (expected.first_response, expected.answer)
    );
    peer.stop();
    node.stop().await;
}

#[tokio::test]
async fn a_node_with_its_own_clocks_computes_those_due_dates_on_every_backend() {
    on_every_backend(custom_clocks).await;
}
