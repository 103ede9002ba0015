//! Privacy of residents' messages, searched for everywhere at once: every page in the
//! sitemap, the feeds, the form and status pages, the published figures, the actor,
//! every page of the outbox, each post's ActivityPub object and replies collection, and
//! every activity a follower received. None may hold a web contact, a direct message or
//! its answer, an internal note, a reply not approved, or a NIK; what is public (an
//! approved reply, masked, and the village's public answer) must be there, so that the
//! search is known to have looked in the right places.

use crate::{
    admin::followed_by_peer,
    support::session::signed_in,
    support::{
        Backend, TestNode, client, on_every_backend,
        peer::Peer,
        residents::{note, open_ticket, public_reply},
    },
};
use kentongan::{
    actors::find_publishing_actor,
    aspirations::intake::{self, WebMessage},
    auth::Role,
};
use serde_json::Value;

/// What must never be public.
const SECRETS: [&str; 7] = [
    "0857-PRIVAT-1234",
    "PESAN-WEB-RAHASIA",
    "PESAN-LANGSUNG-RAHASIA",
    "JAWABAN-PRIBADI",
    "CATATAN-INTERNAL",
    "BALASAN-BELUM-DISETUJUI",
    "3201012345670001",
];

async fn fetch(url: &str, accept: &str) -> String {
    let response = client()
        .get(url)
        .header("accept", accept)
        .send()
        .await
        .expect("GET");
    response.text().await.expect("body")
}

/// Every `<loc>` of the sitemap.
fn sitemap_urls(xml: &str) -> Vec<String> {
    xml.split("<loc>")
        .skip(1)
        .filter_map(|rest| rest.split("</loc>").next())
        .map(|url| url.replace("&amp;", "&"))
        .collect()
}

/// The outbox and every page of it, following `first` and `next`.
async fn outbox_pages(actor_url: &str) -> Vec<String> {
    const AP: &str = "application/activity+json";
    let actor: Value = serde_json::from_str(&fetch(actor_url, AP).await).expect("actor");
    let outbox = actor["outbox"].as_str().expect("outbox").to_string();
    let first_doc = fetch(&outbox, AP).await;
    let collection: Value = serde_json::from_str(&first_doc).expect("outbox json");
    let mut pages = vec![first_doc];
    let mut next = collection["first"].as_str().map(str::to_string);
    while let Some(url) = next.take() {
        let text = fetch(&url, AP).await;
        let page: Value = serde_json::from_str(&text).expect("outbox page");
        next = page["next"].as_str().map(str::to_string);
        pages.push(text);
        assert!(pages.len() < 50, "the outbox pages end");
    }
    pages
}

async fn nothing_private_is_public(backend: Backend) {
    let node = TestNode::start(&backend, "desa-sukamaju").await;
    let follower = followed_by_peer(&node).await;
    let resident = Peer::start(true).await;
    let post = node
        .publish_text("Perbaikan jalan desa", "Sampaikan titik jalan yang rusak.")
        .await;
    let post_url = format!("{}/p/{}", node.base, post.public_id);

    // A public reply with a NIK (to be approved), one never approved, and a direct
    // message; a web message with a private contact.
    let (_, approved) = public_reply(
        &node,
        &resident,
        "budi",
        "<p>Jalan RT 03 berlubang. NIK saya 3201012345670001.</p>",
        &post_url,
    )
    .await;
    public_reply(
        &node,
        &resident,
        "sari",
        "<p>BALASAN-BELUM-DISETUJUI di gang lima.</p>",
        &post_url,
    )
    .await;
    let direct = note(
        &resident,
        "budi",
        "<p>PESAN-LANGSUNG-RAHASIA: rumah saya di ujung gang.</p>",
        vec![node.actor_id()],
        None,
        Some(&node.actor_id()),
    );
    let direct = open_ticket(&node, &resident, "budi", &direct).await;
    let store = &node.state().store;
    let actor = find_publishing_actor(store, None).await.expect("actor");
    let web_number = intake::receive_web(
        store,
        &node.state().config.aspirations,
        node.dir(),
        actor.id,
        WebMessage {
            name: "Bu Rahmah".into(),
            contact: "0857-PRIVAT-1234".into(),
            class: Some(kentongan::aspirations::TicketClass::Pengaduan),
            message: "PESAN-WEB-RAHASIA: lampu jalan mati.".into(),
            ..Default::default()
        },
    )
    .await
    .expect("web message");

    // The desk: a note, the approval, a public answer, a direct answer, a web answer.
    let (mut editor, csrf) = signed_in(&node, "editor.desa", Role::Editor).await;
    let approved_path = format!("/admin/aspirasi/{}", approved.number);
    for (path, form) in [
        (
            format!("{approved_path}/catatan"),
            vec![("note", "CATATAN-INTERNAL: cek dengan Pak RT.")],
        ),
        (format!("{approved_path}/tampilkan"), vec![]),
        (
            format!("{approved_path}/jawab"),
            vec![("answer", "JAWABAN-UMUM: jalan ditambal Senin.")],
        ),
        (
            format!("/admin/aspirasi/{}/jawab", direct.number),
            vec![("answer", "JAWABAN-PRIBADI: kami berkunjung besok.")],
        ),
        (
            format!("/admin/aspirasi/{web_number}/jawab"),
            vec![("answer", "JAWABAN-WEB: lampu diganti hari ini.")],
        ),
    ] {
        let mut pairs = vec![("csrf", csrf.as_str())];
        pairs.extend(form);
        let sent = editor.post_form(&path, &pairs).await;
        assert_eq!(sent.status, 303, "{path}: {}", sent.body);
    }

    // Everything the public can read, as a browser or as a fediverse server.
    let html = "text/html";
    let ap = "application/activity+json";
    let mut public: Vec<(String, String)> = Vec::new();
    let sitemap = fetch(&format!("{}/sitemap.xml", node.base), "*/*").await;
    let mut urls = sitemap_urls(&sitemap);
    assert!(urls.contains(&post_url), "the sitemap lists the post");
    for path in [
        "/",
        "/feed.rss",
        "/feed.atom",
        "/aspirasi",
        "/aspirasi/angka.json",
        "/informasi-publik",
    ] {
        urls.push(format!("{}{path}", node.base));
    }
    urls.push(format!("{}/aspirasi/status?nomor={web_number}", node.base));
    for url in urls {
        public.push((url.clone(), fetch(&url, html).await));
    }
    public.push((post_url.clone(), fetch(&post_url, ap).await));
    public.push((
        format!("{post_url}/replies"),
        fetch(&format!("{post_url}/replies"), ap).await,
    ));
    public.push((node.actor_id(), fetch(&node.actor_id(), ap).await));
    for (at, page) in outbox_pages(&node.actor_id()).await.into_iter().enumerate() {
        public.push((format!("outbox page {at}"), page));
    }
    for received in follower.received() {
        public.push((
            format!("delivered to a follower: {}", received.activity["type"]),
            received.activity.to_string(),
        ));
    }

    for (place, text) in &public {
        for secret in SECRETS {
            assert!(!text.contains(secret), "{place} shows {secret:?}");
        }
        assert!(!text.contains("3201 0123"), "{place} shows a NIK");
    }
    // What is public is there: the search looked where it matters.
    let shown = |needle: &str| public.iter().any(|(_, text)| text.contains(needle));
    assert!(shown("Jalan RT 03 berlubang"), "the approved reply");
    assert!(shown("****************"), "the masked NIK");
    assert!(shown("JAWABAN-UMUM"), "the public answer");
    assert!(shown("JAWABAN-WEB"), "the web answer on the status page");
    assert!(
        follower
            .received()
            .iter()
            .any(|r| r.activity.to_string().contains("JAWABAN-UMUM")),
        "followers get the public answer"
    );

    follower.stop();
    resident.stop();
    node.stop().await;
}

#[tokio::test]
async fn nothing_private_reaches_a_public_page_feed_or_federated_json_on_every_backend() {
    on_every_backend(nothing_private_is_public).await;
}
