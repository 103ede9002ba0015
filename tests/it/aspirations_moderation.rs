//! Moderation of residents' messages: a reply is shown under its post only once an
//! operator approves it, with the village's public answers (never a direct one) and
//! NIK-like numbers masked; blocked accounts and servers open no ticket and vanish from
//! the page; floods from one server or account are held to the hourly limits; bad input
//! (replies to missing posts, another author's Delete, huge or hostile HTML) is contained.

use crate::{
    support::session::signed_in,
    support::{
        Backend, TestNode, WAIT, client, eventually, on_every_backend,
        peer::Peer,
        residents::{PUBLIC, activity, deliver, note, open_ticket, public_reply, ticket_of_note},
    },
};
use kentongan::{
    auth::Role,
    clock::now_ms,
    config::Role as NodeRole,
    publishing::PostInput,
    store::{BlockKind, InboxState, PostRecord},
};
use serde_json::{Value, json};

/// Waits until the inbox worker finished an activity; its state and reason.
async fn outcome(node: &TestNode, activity_id: &str) -> (String, String) {
    eventually(&format!("{activity_id} processed"), WAIT, || async {
        match node
            .state()
            .store
            .inbox_outcome(activity_id)
            .await
            .expect("outcome")
        {
            Some((state, reason)) if state != InboxState::Pending => {
                Some((state.to_string(), reason.unwrap_or_default()))
            }
            _ => None,
        }
    })
    .await
}

async fn ticket_count(node: &TestNode) -> usize {
    node.state()
        .store
        .tickets(500)
        .await
        .expect("tickets")
        .len()
}

async fn publish(node: &TestNode, title: &str) -> (PostRecord, String) {
    let post = node
        .publish(&PostInput {
            title: title.into(),
            body_markdown: "Warga dipersilakan menanggapi.".into(),
            ..Default::default()
        })
        .await;
    let url = format!("{}/p/{}", node.base, post.public_id);
    (post, url)
}

/// A JSON-LD document, fetched as another server would.
async fn get_json(url: &str) -> (u16, Value) {
    let response = client()
        .get(url)
        .header("accept", crate::support::AP)
        .send()
        .await
        .expect("GET");
    let status = response.status().as_u16();
    (
        status,
        response.json::<Value>().await.unwrap_or(Value::Null),
    )
}

/// The ids in a post's `replies` collection, as the post's Note embeds it; the
/// collection served at its id must say the same.
async fn replies_collection(post_url: &str) -> Vec<String> {
    let (_, post) = get_json(post_url).await;
    let embedded = &post["replies"];
    assert_eq!(embedded["type"], "Collection", "{embedded}");
    let (status, served) = get_json(embedded["id"].as_str().expect("replies id")).await;
    assert_eq!(status, 200);
    assert_eq!(served["first"], embedded["first"], "served as embedded");
    embedded["first"]["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

/// The post's web page, as a browser gets it.
async fn page(url: &str) -> String {
    let response = client().get(url).send().await.expect("GET post");
    assert_eq!(response.status().as_u16(), 200);
    response.text().await.expect("body")
}

async fn approval_before_display(backend: Backend) {
    let node = TestNode::start(&backend, "desa-sukamaju").await;
    let peer = Peer::start(true).await;
    let other_server = Peer::start(true).await;
    let (post, post_url) = publish(&node, "Jalan desa rusak").await;
    let village = node.actor_id();

    // A public reply with a NIK (in the text and in a link), a telephone number, a
    // script, an image and an event handler.
    let reply = note(
        &peer,
        "budi",
        "<p onclick=\"alert(1)\">Jalan RT 03 berlubang. NIK saya 3201 0123 4567 0001, \
         telepon 0812-3456-7890. <a href=\"https://lapor.example/?nik=3201012345670001\">bukti</a>\
         <img src=\"https://tracker.example/p.gif\"><script>alert('xss')</script></p>",
        vec![PUBLIC.into(), village.clone()],
        Some(&post_url),
        Some(&village),
    );
    let ticket = open_ticket(&node, &peer, "budi", &reply).await;
    assert_eq!(ticket.channel, kentongan::store::TicketChannel::Reply);

    // A private reply to the same post: a direct ticket on that post.
    let private = note(
        &peer,
        "budi",
        "<p>Secara pribadi: rumah saya di ujung gang.</p>",
        vec![village.clone()],
        Some(&post_url),
        Some(&village),
    );
    let private_ticket = open_ticket(&node, &peer, "budi", &private).await;
    assert!(private_ticket.is_private);

    // Nothing from residents is public before approval.
    let shown = page(&post_url).await;
    assert!(!shown.contains("berlubang"), "shown before approval");
    assert!(!shown.contains("ujung gang"));
    assert!(replies_collection(&post_url).await.is_empty());

    let (mut editor, csrf) = signed_in(&node, "editor.desa", Role::Editor).await;
    let ticket_path = format!("/admin/aspirasi/{}", ticket.number);
    let admin_page = editor.get(&ticket_path).await;
    assert_eq!(admin_page.status, 200);
    assert!(
        admin_page.body.contains("3201 0123 4567 0001"),
        "staff see the original"
    );
    assert!(
        admin_page
            .body
            .contains(&format!("{ticket_path}/tampilkan"))
    );

    // A private message can never be approved.
    let refused = editor
        .post_form(
            &format!("/admin/aspirasi/{}/tampilkan", private_ticket.number),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(refused.status, 400);
    assert!(
        refused
            .body
            .contains("Pesan pribadi tidak pernah ditampilkan"),
        "{}",
        refused.body
    );

    // Approved: the reply is a comment, cleaned and masked.
    let approved = editor
        .post_form(&format!("{ticket_path}/tampilkan"), &[("csrf", &csrf)])
        .await;
    assert_eq!(approved.status, 303, "{}", approved.body);
    let shown = page(&post_url).await;
    assert!(shown.contains("berlubang"), "approved reply not shown");
    assert!(shown.contains("Warga budi"), "the author's display name");
    let handle = format!("@budi@{}", peer.base.trim_start_matches("http://"));
    assert!(shown.contains(&handle), "the author's handle");
    assert!(
        shown.contains(&format!("href=\"{}\"", peer.actor_id("budi"))),
        "a link to the author: {}",
        &shown[shown.find("comments").unwrap_or(0)..]
    );
    assert!(
        !shown.contains("3201 0123") && !shown.contains("3201012345670001"),
        "a NIK on the page"
    );
    assert!(shown.contains("**** **** **** ****"));
    assert!(
        shown.contains("nik=****************"),
        "the NIK in the link"
    );
    assert!(
        shown.contains("0812-3456-7890"),
        "a telephone number is no NIK"
    );
    for hostile in ["<script>alert('xss')", "onclick", "tracker.example"] {
        assert!(!shown.contains(hostile), "{hostile} on the page");
    }
    assert!(
        !shown.contains("ujung gang"),
        "the private reply stays private"
    );
    assert_eq!(
        replies_collection(&post_url).await,
        vec![reply["id"].as_str().expect("id").to_string()],
        "the post's replies collection lists the approved reply alone"
    );

    // A public answer is shown under it; a direct answer to the private reply never is.
    for (number, text) in [
        (&ticket.number, "Tim desa menambal jalan RT 03 hari Senin."),
        (
            &private_ticket.number,
            "Kami akan berkunjung ke rumah Bapak.",
        ),
    ] {
        let sent = editor
            .post_form(
                &format!("/admin/aspirasi/{number}/jawab"),
                &[("csrf", &csrf), ("answer", text)],
            )
            .await;
        assert_eq!(sent.status, 303, "{}", sent.body);
    }
    let shown = page(&post_url).await;
    assert!(shown.contains("menambal jalan RT 03"), "the public answer");
    assert!(!shown.contains("berkunjung ke rumah"), "a direct answer");

    // An Update from the author takes the reply off the page until it is approved
    // again: the operator approved the text they read, not what it was edited into.
    let mut edited = reply.clone();
    edited["content"] = json!("<p>Jalan RT 03 sudah ditambal sebagian, terima kasih.</p>");
    deliver(
        &node,
        &peer,
        "budi",
        &activity(&peer, "budi", "Update", edited),
    )
    .await;
    eventually("the edited reply off the page", WAIT, || async {
        let shown = page(&post_url).await;
        (!shown.contains("Jalan RT 03") && !shown.contains("menambal jalan RT 03")).then_some(())
    })
    .await;
    assert!(replies_collection(&post_url).await.is_empty());
    let history = editor.get(&ticket_path).await;
    assert!(
        history
            .body
            .contains("Diubah oleh pengirimnya: tidak ditampilkan sampai disetujui lagi"),
        "the edit in the ticket's history"
    );
    let again = editor
        .post_form(&format!("{ticket_path}/tampilkan"), &[("csrf", &csrf)])
        .await;
    assert_eq!(again.status, 303, "{}", again.body);
    assert!(page(&post_url).await.contains("ditambal sebagian"));

    // A Delete of budi's reply by another account of his server changes nothing; from
    // another server it is refused at the door.
    public_reply(
        &node,
        &peer,
        "sari",
        "<p>Saya juga melihat lubangnya.</p>",
        &post_url,
    )
    .await;
    let forged = deliver(
        &node,
        &peer,
        "sari",
        &activity(&peer, "sari", "Delete", reply["id"].clone()),
    )
    .await;
    assert_eq!(outcome(&node, &forged).await.0, "done");
    let kept = ticket_of_note(&node, &reply).await;
    assert!(kept.withdrawn_at.is_none(), "another author withdrew it");
    assert!(
        kept.content_html
            .unwrap_or_default()
            .contains("ditambal sebagian"),
        "the note changed"
    );
    let (status, body) = other_server
        .send(
            "budi",
            &format!("{}/inbox", node.base),
            &activity(&other_server, "budi", "Delete", reply["id"].clone()),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body.contains("may only remove objects of its actor's server"),
        "{body}"
    );
    assert!(page(&post_url).await.contains("ditambal sebagian"));

    // Approval withdrawn: gone from the page; approved again: back.
    let hidden = editor
        .post_form(&format!("{ticket_path}/sembunyikan"), &[("csrf", &csrf)])
        .await;
    assert_eq!(hidden.status, 303);
    assert!(!page(&post_url).await.contains("ditambal sebagian"));
    let approved = editor
        .post_form(&format!("{ticket_path}/tampilkan"), &[("csrf", &csrf)])
        .await;
    assert_eq!(approved.status, 303);
    assert!(page(&post_url).await.contains("ditambal sebagian"));

    // The author's Delete withdraws it from the page; the ticket stays.
    deliver(
        &node,
        &peer,
        "budi",
        &activity(&peer, "budi", "Delete", reply["id"].clone()),
    )
    .await;
    eventually("the withdrawn reply gone from the page", WAIT, || async {
        (!page(&post_url).await.contains("ditambal sebagian")).then_some(())
    })
    .await;
    assert!(replies_collection(&post_url).await.is_empty());
    let kept = node.ticket(&ticket.number).await;
    assert!(kept.withdrawn_at.is_some());
    assert_eq!(
        node.state()
            .store
            .ticket_replies(kept.id)
            .await
            .expect("answers")
            .len(),
        1,
        "the answer is kept"
    );
    assert_eq!(post.title, "Jalan desa rusak");

    // The resident deletes their account: their messages are withdrawn, their tickets
    // and the answers stay.
    let gone = deliver(
        &node,
        &peer,
        "budi",
        &activity(&peer, "budi", "Delete", json!(peer.actor_id("budi"))),
    )
    .await;
    assert_eq!(outcome(&node, &gone).await.0, "done");
    let private_kept = node.ticket(&private_ticket.number).await;
    assert!(private_kept.withdrawn_at.is_some());
    assert_eq!(private_kept.content_html.as_deref(), Some(""));
    peer.stop();
    other_server.stop();
    node.stop().await;
}

#[tokio::test]
async fn replies_are_shown_under_posts_only_once_approved_with_public_answers_and_nik_masked_on_every_backend()
 {
    on_every_backend(approval_before_display).await;
}

async fn blocking(backend: Backend) {
    let node = TestNode::start(&backend, "desa-sukamaju").await;
    let peer = Peer::start(true).await;
    let (_, post_url) = publish(&node, "Kerja bakti Minggu").await;
    let village = node.actor_id();
    let inbox = format!("{}/inbox", node.base);
    let (mut editor, csrf) = signed_in(&node, "editor.desa", Role::Editor).await;

    let (_, budi_ticket) = public_reply(
        &node,
        &peer,
        "budi",
        "<p>Saya ikut kerja bakti.</p>",
        &post_url,
    )
    .await;
    let (sari, sari_ticket) =
        public_reply(&node, &peer, "sari", "<p>Saya bawa cangkul.</p>", &post_url).await;
    for number in [&budi_ticket.number, &sari_ticket.number] {
        let approved = editor
            .post_form(
                &format!("/admin/aspirasi/{number}/tampilkan"),
                &[("csrf", &csrf)],
            )
            .await;
        assert_eq!(approved.status, 303);
    }
    let shown = page(&post_url).await;
    assert!(shown.contains("ikut kerja bakti") && shown.contains("bawa cangkul"));

    // Blocks are for the whole node, so the admin's: an editor may not.
    let refused = editor
        .post_form(
            &format!("/admin/aspirasi/{}/blokir", budi_ticket.number),
            &[("csrf", &csrf), ("kind", "account")],
        )
        .await;
    assert_eq!(refused.status, 403);
    assert_eq!(editor.get("/admin/aspirasi/blokir").await.status, 403);
    assert!(
        node.state()
            .store
            .blocks()
            .await
            .expect("blocks")
            .is_empty()
    );
    let (mut operator, admin_csrf) = signed_in(&node, "operator.desa", Role::Admin).await;

    // Block the account: its comment disappears, its ticket stays, its new messages
    // are refused with the reason; the rest of its server is not affected.
    let blocked = operator
        .post_form(
            &format!("/admin/aspirasi/{}/blokir", budi_ticket.number),
            &[("csrf", &admin_csrf), ("kind", "account")],
        )
        .await;
    assert_eq!(blocked.status, 303, "{}", blocked.body);
    let shown = page(&post_url).await;
    assert!(!shown.contains("ikut kerja bakti") && shown.contains("bawa cangkul"));
    assert!(
        node.state()
            .store
            .ticket_by_number(&budi_ticket.number)
            .await
            .expect("read")
            .is_some()
    );
    let again = note(
        &peer,
        "budi",
        "<p>Pesan baru.</p>",
        vec![PUBLIC.into()],
        Some(&post_url),
        None,
    );
    let tickets_before = ticket_count(&node).await;
    let (status, body) = peer
        .send("budi", &inbox, &activity(&peer, "budi", "Create", again))
        .await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("account is blocked"), "{body}");
    let admin_page = editor
        .get(&format!("/admin/aspirasi/{}", budi_ticket.number))
        .await;
    assert!(
        admin_page.body.contains("Akun ini diblokir"),
        "{}",
        admin_page.body
    );

    // Block the whole server from Sari's ticket: her comment goes too, and nobody there
    // may write or follow; a Delete still passes (withdrawing is always allowed).
    let blocked = operator
        .post_form(
            &format!("/admin/aspirasi/{}/blokir", sari_ticket.number),
            &[("csrf", &admin_csrf), ("kind", "server")],
        )
        .await;
    assert_eq!(blocked.status, 303);
    assert!(!page(&post_url).await.contains("bawa cangkul"));
    let tono = note(
        &peer,
        "tono",
        "<p>Halo desa.</p>",
        vec![PUBLIC.into(), village.clone()],
        None,
        Some(&village),
    );
    let (status, body) = peer
        .send("tono", &inbox, &activity(&peer, "tono", "Create", tono))
        .await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("server is blocked"), "{body}");
    let (status, body) = peer
        .send("tono", &inbox, &peer.follow("tono", &village))
        .await;
    assert_eq!(status, 403, "{body}");
    // Activities stored before the block (put straight into the inbox here) open no
    // ticket and follow nothing: the worker drops them with the reason.
    let late_note = note(
        &peer,
        "tono",
        "<p>Terkirim sebelum blokir.</p>",
        vec![PUBLIC.into()],
        Some(&post_url),
        None,
    );
    for stored in [
        activity(&peer, "tono", "Create", late_note),
        peer.follow("tono", &village),
    ] {
        let id = stored["id"].as_str().expect("id").to_string();
        let kind = stored["type"].as_str().expect("type").to_string();
        node.state()
            .store
            .enqueue_inbox(
                &id,
                &peer.actor_id("tono"),
                &kind,
                &stored.to_string(),
                now_ms(),
            )
            .await
            .expect("store");
        node.state().wake_inbox.notify_one();
        let (state, reason) = outcome(&node, &id).await;
        assert_eq!(state, "dropped", "{kind}: {reason}");
        assert!(reason.contains("blocked"), "{kind}: {reason}");
    }
    let actor = kentongan::actors::find_publishing_actor(&node.state().store, None)
        .await
        .expect("actor");
    assert_eq!(
        node.state()
            .store
            .count_followers(actor.id)
            .await
            .expect("count"),
        0,
        "a blocked server's Follow is not accepted"
    );
    let withdraw = activity(&peer, "sari", "Delete", sari["id"].clone());
    let withdraw_id = deliver(&node, &peer, "sari", &withdraw).await;
    assert_eq!(outcome(&node, &withdraw_id).await.0, "done");
    assert_eq!(
        ticket_count(&node).await,
        tickets_before,
        "nothing new, nothing lost"
    );

    // The list of blocks; a bad or own address is refused; unblocking brings the
    // account's approved comment back.
    let blocks = operator.get("/admin/aspirasi/blokir").await;
    assert_eq!(blocks.status, 200);
    let host = peer.base.trim_start_matches("http://");
    assert!(blocks.body.contains(&peer.actor_id("budi")) && blocks.body.contains(host));
    for bad in ["bukan alamat", node.domain.as_str()] {
        let refused = operator
            .post_form(
                "/admin/aspirasi/blokir",
                &[("csrf", &admin_csrf), ("target", bad), ("reason", "")],
            )
            .await;
        assert_eq!(refused.status, 400, "{bad}");
    }
    let added = operator
        .post_form(
            "/admin/aspirasi/blokir",
            &[
                ("csrf", &admin_csrf),
                ("target", "https://Spam.Example/"),
                ("reason", "iklan"),
            ],
        )
        .await;
    assert_eq!(added.status, 303);
    let list = node.state().store.blocks().await.expect("blocks");
    assert_eq!(list.len(), 3);
    assert!(
        list.iter()
            .any(|b| b.kind == BlockKind::Server && b.target == "spam.example")
    );
    for block in list.iter().filter(|b| b.target != "spam.example") {
        let removed = operator
            .post_form(
                &format!("/admin/aspirasi/blokir/{}/hapus", block.id),
                &[("csrf", &admin_csrf)],
            )
            .await;
        assert_eq!(removed.status, 303);
    }
    assert!(page(&post_url).await.contains("ikut kerja bakti"));
    peer.stop();
    node.stop().await;
}

#[tokio::test]
async fn blocked_accounts_and_servers_open_no_ticket_and_vanish_from_pages_on_every_backend() {
    on_every_backend(blocking).await;
}

async fn floods_and_bad_input(backend: Backend) {
    let node = TestNode::start_configured(
        &backend,
        "desa-sukamaju",
        NodeRole::Village,
        &[(
            "[moderation]",
            "tickets_per_server_per_hour = 3\ntickets_per_account_per_hour = 2",
        )],
    )
    .await;
    let flood = Peer::start(true).await;
    let other = Peer::start(true).await;
    let (_, post_url) = publish(&node, "Posyandu bulan ini").await;
    let village = node.actor_id();

    // One account: two tickets, then held back.
    let mut ids = Vec::new();
    for n in 0..3 {
        let reply = note(
            &flood,
            "budi",
            &format!("<p>Pesan ke-{n}</p>"),
            vec![PUBLIC.into()],
            Some(&post_url),
            None,
        );
        ids.push(
            deliver(
                &node,
                &flood,
                "budi",
                &activity(&flood, "budi", "Create", reply),
            )
            .await,
        );
    }
    let mut states = Vec::new();
    for id in &ids {
        states.push(outcome(&node, id).await);
    }
    assert_eq!(ticket_count(&node).await, 2, "{states:?}");
    let dropped: Vec<_> = states.iter().filter(|(s, _)| s == "dropped").collect();
    assert_eq!(dropped.len(), 1, "{states:?}");
    assert!(
        dropped[0].1.contains("this account opened 2 tickets"),
        "{states:?}"
    );

    // The same server, another account: one more ticket, then the server's limit.
    let mut states = Vec::new();
    for n in 0..2 {
        let reply = note(
            &flood,
            "sari",
            &format!("<p>Pesan Sari ke-{n}</p>"),
            vec![PUBLIC.into()],
            Some(&post_url),
            None,
        );
        let id = deliver(
            &node,
            &flood,
            "sari",
            &activity(&flood, "sari", "Create", reply),
        )
        .await;
        states.push(outcome(&node, &id).await);
    }
    assert_eq!(ticket_count(&node).await, 3);
    assert_eq!(states[0].0, "done");
    assert_eq!(states[1].0, "dropped");
    assert!(
        states[1].1.contains("this server opened 3 tickets"),
        "{states:?}"
    );

    // Another server is not held back by the first one's flood. A reply to a post that
    // does not exist, addressed to nobody here, opens nothing, with the reason kept...
    let missing = format!("{}/p/tidak-ada", node.base);
    let stray = note(
        &other,
        "tono",
        "<p>Balasan nyasar.</p>",
        vec![PUBLIC.into()],
        Some(&missing),
        None,
    );
    let id = deliver(
        &node,
        &other,
        "tono",
        &activity(&other, "tono", "Create", stray),
    )
    .await;
    let (state, reason) = outcome(&node, &id).await;
    assert_eq!(state, "dropped");
    assert!(reason.contains("replies to no post"), "{reason}");
    assert_eq!(ticket_count(&node).await, 3);
    // ...but one that also names the village is a mention of it, on no post.
    let named = note(
        &other,
        "tono",
        "<p>@desa balasan untuk kabar yang sudah dihapus.</p>",
        vec![PUBLIC.into(), village.clone()],
        Some(&missing),
        Some(&village),
    );
    let mention = open_ticket(&node, &other, "tono", &named).await;
    assert_eq!(mention.channel, kentongan::store::TicketChannel::Mention);
    assert!(mention.post_public_id.is_none());

    // A huge message is kept bounded; one beyond the inbox's size is refused.
    let huge = note(
        &other,
        "wati",
        &format!("<p>{}</p>", "jalan rusak ".repeat(60_000)),
        vec![PUBLIC.into()],
        Some(&post_url),
        None,
    );
    let kept = open_ticket(&node, &other, "wati", &huge).await;
    let length = kept.content_html.unwrap_or_default().chars().count();
    assert!(length > 1_000 && length <= 100_100, "{length}");
    let too_big = note(
        &other,
        "wati",
        &"x".repeat(1_100_000),
        vec![PUBLIC.into()],
        Some(&post_url),
        None,
    );
    let (status, body) = other
        .send(
            "wati",
            &format!("{}/inbox", node.base),
            &activity(&other, "wati", "Create", too_big),
        )
        .await;
    assert_eq!(status, 413, "{body}");
    // Approved, the huge reply shows a bounded text on the page.
    let (mut editor, csrf) = signed_in(&node, "editor.desa", Role::Editor).await;
    let approved = editor
        .post_form(
            &format!("/admin/aspirasi/{}/tampilkan", kept.number),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(approved.status, 303, "{}", approved.body);
    let shown = page(&post_url).await;
    let shown_words = shown.matches("jalan rusak").count();
    assert!(shown_words > 100 && shown_words < 600, "{shown_words}");
    // A mention is not a reply under a post: it cannot be approved.
    let refused = editor
        .post_form(
            &format!("/admin/aspirasi/{}/tampilkan", mention.number),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(refused.status, 400);
    flood.stop();
    other.stop();
    node.stop().await;
}

#[tokio::test]
async fn floods_from_one_server_or_account_and_bad_input_are_contained_on_every_backend() {
    on_every_backend(floods_and_bad_input).await;
}

/// A post's `replies` as Mastodon sends it and GoToSocial needs it: an embedded
/// `Collection` whose `first` page lists the approved replies, in the Note served, in
/// the activities sent and in the outbox; `/p/ID/replies` and its pages serve the same.
async fn replies_embedded(backend: Backend) {
    let node = TestNode::start(&backend, "desa-sukamaju").await;
    let follower = crate::admin::followed_by_peer(&node).await;
    let resident = Peer::start(true).await;
    let (post, post_url) = publish(&node, "Musyawarah dusun").await;
    let replies_id = format!("{post_url}/replies");
    let first_id = format!("{replies_id}?page=1");
    let expected_first = |items: Vec<String>| json!({ "id": first_id, "type": "CollectionPage", "partOf": replies_id, "items": items });

    let created = eventually("the Create at the follower", WAIT, || async {
        follower
            .received_of("Create")
            .into_iter()
            .find(|r| r.activity["object"]["id"] == post_url.as_str())
    })
    .await;
    assert_eq!(
        created.activity["object"]["replies"],
        json!({ "id": replies_id, "type": "Collection", "totalItems": 0, "first": expected_first(vec![]) }),
        "a new post: an empty first page"
    );

    let (reply, ticket) =
        public_reply(&node, &resident, "budi", "<p>Saya datang.</p>", &post_url).await;
    let reply_id = reply["id"].as_str().expect("id").to_string();
    let (mut editor, csrf) = signed_in(&node, "editor.desa", Role::Editor).await;
    let approved = editor
        .post_form(
            &format!("/admin/aspirasi/{}/tampilkan", ticket.number),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(approved.status, 303, "{}", approved.body);

    let (_, note) = get_json(&post_url).await;
    assert_eq!(
        note["replies"],
        json!({ "id": replies_id, "type": "Collection", "totalItems": 1, "first": expected_first(vec![reply_id.clone()]) })
    );
    let (status, collection) = get_json(&replies_id).await;
    assert_eq!(status, 200);
    assert_eq!(
        collection["@context"],
        "https://www.w3.org/ns/activitystreams"
    );
    assert_eq!(collection["first"], note["replies"]["first"]);
    let (status, first) = get_json(&first_id).await;
    assert_eq!(status, 200);
    assert_eq!(first["@context"], "https://www.w3.org/ns/activitystreams");
    assert_eq!(first["items"], json!([reply_id]));
    assert!(first.get("next").is_none(), "one page: {first}");
    let (status, second) = get_json(&format!("{replies_id}?page=2")).await;
    assert_eq!(status, 200);
    assert_eq!(second["items"], json!([]));
    assert_eq!(second["partOf"], replies_id.as_str());
    for bad in ["0", "x", "-1", "1001"] {
        let response = client()
            .get(format!("{replies_id}?page={bad}"))
            .header("accept", crate::support::AP)
            .send()
            .await
            .expect("GET");
        assert_eq!(response.status().as_u16(), 400, "page={bad}");
        let reason = response.text().await.expect("body");
        assert_eq!(reason.trim().lines().count(), 1, "{reason}");
    }

    // The outbox and an edit's Update carry it too.
    let (_, outbox) = get_json(&format!("{}/outbox?page=true", node.actor_id())).await;
    assert_eq!(
        outbox["orderedItems"][0]["object"]["replies"]["first"]["items"],
        json!([reply_id])
    );
    let actor = kentongan::actors::find_publishing_actor(&node.state().store, None)
        .await
        .expect("actor");
    kentongan::publishing::edit(
        &node.state().store,
        &actor,
        &post,
        &kentongan::publishing::PostChanges {
            title: Some("Musyawarah dusun, Kamis malam".into()),
            ..Default::default()
        },
    )
    .await
    .expect("edit");
    node.state().wake_delivery.notify_one();
    let updated = eventually("the Update at the follower", WAIT, || async {
        follower
            .received_of("Update")
            .into_iter()
            .find(|r| r.activity["object"]["id"] == post_url.as_str())
    })
    .await;
    assert_eq!(
        updated.activity["object"]["replies"]["first"]["items"],
        json!([reply_id]),
        "the Update sent embeds the approved reply"
    );
    follower.stop();
    resident.stop();
    node.stop().await;
}

#[tokio::test]
async fn a_post_embeds_its_approved_replies_as_mastodon_and_gotosocial_send_them_on_every_backend()
{
    on_every_backend(replies_embedded).await;
}
