//! What we send and serve, pinned: every shape `render` makes, for records covering
//! each branch, compared byte for byte with `tests/fixtures/ours/*.json`. A deliberate
//! change of the wire is made by running the tests with `KENTONGAN_BLESS=1` (which
//! rewrites the files) and saying why in docs/federation.md; anything else that changes
//! a byte fails here.

use super::render;
use crate::{
    publishing::{EventDetails, PostImage},
    store::{
        ActivityKind, ActivityRecord, ActorRecord, PostCounts, PostRecord, ReplyPage,
        TicketReplyRecord, TicketRow,
    },
    urls::Urls,
};
use serde_json::Value;

/// 2026-11-02 08:00:00 UTC.
const AT: i64 = 1_793_606_400_000;

fn urls() -> Urls {
    Urls::new(url::Url::parse("https://desa.example/").expect("url"))
}

fn village() -> ActorRecord {
    ActorRecord {
        id: 1,
        ap_id: "https://desa.example/u/desa-jangkarasam".into(),
        is_local: true,
        kind: "Organization".into(),
        username: "desa-jangkarasam".into(),
        host: "desa.example".into(),
        name: "Desa Jangkarasam".into(),
        summary: "<p>Akun resmi Desa Jangkarasam.</p>".into(),
        icon_url: None,
        image_url: Some("https://desa.example/media/banner-large.jpg".into()),
        profile_url: Some("https://desa.example/".into()),
        inbox_url: "https://desa.example/u/desa-jangkarasam/inbox".into(),
        shared_inbox_url: None,
        public_key_pem: "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n".into(),
        private_key_pem: None,
        fields_json: r#"[{"name":"Kecamatan","value":"Gantung"},{"name":"Situs","value":"<a href=\"https://desa.example/\">desa.example</a>"}]"#.into(),
        created_at: AT,
        refreshed_at: AT,
        also_known_as: "[]".into(),
        moved_to: None,
    }
}

fn instance() -> ActorRecord {
    ActorRecord {
        id: 2,
        ap_id: "https://desa.example/actor".into(),
        kind: "Application".into(),
        username: "desa.example".into(),
        name: "desa.example".into(),
        summary: String::new(),
        image_url: None,
        profile_url: None,
        inbox_url: "https://desa.example/actor/inbox".into(),
        fields_json: "[]".into(),
        ..village()
    }
}

fn post() -> PostRecord {
    let event = EventDetails {
        starts_at: AT + 2 * 86_400_000,
        ends_at: Some(AT + 2 * 86_400_000 + 3 * 3_600_000),
        place: "Balai desa".into(),
        organiser: "Karang Taruna".into(),
        time_zone: Default::default(),
    };
    let image = PostImage {
        key: "0123456789abcdef0123".into(),
        extension: "jpg".into(),
        mime: "image/jpeg".into(),
        width: 1600,
        height: 1200,
        alt: "Warga membersihkan saluran".into(),
    };
    PostRecord {
        id: 7,
        public_id: "abc123".into(),
        actor_id: 1,
        title: "Kerja bakti & gotong royong".into(),
        summary: "Minggu pagi di saluran irigasi".into(),
        body_markdown: "Warga diundang.\n\n![Peta](https://desa.example/peta.png)".into(),
        body_html: "<p>Warga diundang.</p>\n<p><img src=\"https://desa.example/peta.png\" alt=\"Peta\"></p>\n".into(),
        categories: r#"["Pengumuman","GotongRoyong"]"#.into(),
        language: "id".into(),
        pinned: false,
        published_at: AT,
        updated_at: Some(AT + 60_000),
        deleted_at: None,
        kind: crate::store::PostKind::Agenda,
        pinned_until: None,
        event_json: Some(serde_json::to_string(&event).expect("event")),
        images_json: serde_json::to_string(&vec![image]).expect("images"),
        author_user_id: None,
        document_json: Some(
            r#"{"public_id":"doc1","media_type":"application/pdf","name":"APBDes 2026","size_bytes":1024}"#
                .into(),
        ),
        quote_policy: crate::store::QuotePolicy::Public,
        replies: ReplyPage {
            page: 1,
            ids: vec!["https://mastodon.example/users/budi/statuses/1".into()],
            more: true,
        },
        counts: PostCounts {
            likes: 3,
            shares: 1,
            replies: 2,
        },
    }
}

fn plain_post() -> PostRecord {
    PostRecord {
        id: 8,
        public_id: "def456".into(),
        title: "Kabar singkat".into(),
        summary: String::new(),
        body_markdown: "Isi.".into(),
        body_html: "<p>Isi.</p>\n".into(),
        categories: "[]".into(),
        updated_at: None,
        kind: crate::store::PostKind::Berita,
        event_json: None,
        images_json: "[]".into(),
        document_json: None,
        quote_policy: crate::store::QuotePolicy::Followers,
        replies: ReplyPage::default(),
        counts: PostCounts::default(),
        ..post()
    }
}

fn activity(kind: ActivityKind, post_id: Option<i64>, object_json: Option<&str>) -> ActivityRecord {
    ActivityRecord {
        id: 3,
        public_id: format!("{}-act", kind.as_str().to_lowercase()),
        actor_id: 1,
        kind,
        post_id,
        object_json: object_json.map(str::to_string),
        created_at: AT + 120_000,
    }
}

/// A resident's public reply that became a ticket (`is_private` for a direct message).
fn ticket(is_private: bool) -> TicketRow {
    TicketRow {
        id: 5,
        number: "ASP-2026-000005-K7QX".into(),
        channel: if is_private {
            crate::store::TicketChannel::Direct
        } else {
            crate::store::TicketChannel::Reply
        },
        class: crate::store::TicketClass::Aspirasi,
        status: crate::store::TicketStatus::Diproses,
        is_private,
        first_response_due: AT,
        answer_due: AT,
        first_response_at: None,
        answered_at: None,
        created_at: AT,
        author_username: Some("budi".into()),
        author_host: Some("mastodon.example".into()),
        author_url: Some("https://mastodon.example/@budi".into()),
        content_html: Some("<p>Lampu jalan mati.</p>".into()),
        note_url: Some("https://mastodon.example/@budi/1".into()),
        withdrawn_at: None,
        post_public_id: Some("abc123".into()),
        post_title: Some("Kerja bakti".into()),
        local_actor_id: 1,
        author_ap_id: Some("https://mastodon.example/users/budi".into()),
        author_inbox: Some("https://mastodon.example/users/budi/inbox".into()),
        note_ap_id: Some("https://mastodon.example/users/budi/statuses/1".into()),
        note_context: None,
        resolution: String::new(),
        extended: false,
        author_name: String::new(),
        contact: String::new(),
    }
}

/// The village's answer to that ticket, as kept.
fn answer_reply() -> TicketReplyRecord {
    TicketReplyRecord {
        id: 9,
        public_id: "j1".into(),
        ticket_id: 5,
        user_id: Some(1),
        is_final: false,
        object_json: r#"{"content":"<p>Lampu sudah <strong>diganti</strong> &amp; menyala.</p>"}"#
            .into(),
        created_at: AT + 120_000,
    }
}

/// Every document, by the file it is pinned in.
fn documents() -> Vec<(&'static str, Value)> {
    let urls = urls();
    let village = village();
    let post = post();
    let plain = plain_post();
    let mut deleted = plain_post();
    deleted.deleted_at = Some(AT + 600_000);
    let follow_in = r#"{"@context":"https://www.w3.org/ns/activitystreams","id":"https://mastodon.example/follows/1","type":"Follow","actor":"https://mastodon.example/users/budi","object":"https://desa.example/u/desa-jangkarasam"}"#;
    let kept_answer = r#"{"id":"https://desa.example/jawaban/j1","type":"Note","attributedTo":"https://desa.example/u/desa-jangkarasam","inReplyTo":"https://mastodon.example/users/budi/statuses/1","to":["https://www.w3.org/ns/activitystreams#Public"],"cc":["https://mastodon.example/users/budi"],"content":"<p>Terima kasih.</p>"}"#;
    let quote_request = r#"{"type":"QuoteRequest","id":"https://mastodon.example/users/budi/statuses/2/quote","actor":"https://mastodon.example/users/budi","object":"https://desa.example/p/abc123","instrument":"https://mastodon.example/users/budi/statuses/2"}"#;
    let stamp = crate::store::QuoteAuthorizationRecord {
        public_id: "accept-act".into(),
        post_id: 7,
        post_public_id: "abc123".into(),
        post_actor_id: 1,
        quoting_actor: "https://mastodon.example/users/budi".into(),
        quote_ap_id: "https://mastodon.example/users/budi/statuses/2".into(),
        created_at: AT + 120_000,
        revoked_at: None,
    };
    let render = |kind: ActivityKind, post: Option<&PostRecord>, object: Option<&str>| {
        render::activity(
            &activity(kind, post.map(|p| p.id), object),
            post,
            &village,
            &urls,
        )
        .expect("renders")
    };
    let follow_out = render(
        ActivityKind::Follow,
        None,
        Some("https://lalang.example/u/desa-lalang"),
    );
    let answer = |is_private: bool| {
        render::answer_note(&answer_reply(), &ticket(is_private), &village, &urls)
            .expect("an answer")
    };
    let answer_create = |is_private: bool| {
        render::answer_activity(
            &activity(ActivityKind::Create, None, Some("j1")),
            &answer_reply(),
            &ticket(is_private),
            &village,
            &urls,
        )
        .expect("renders")
    };
    vec![
        ("actor", render::actor(&village, &urls)),
        (
            "actor-with-icon",
            render::actor(
                &ActorRecord {
                    icon_url: Some("https://desa.example/media/logo-large.png".into()),
                    image_url: None,
                    ..village.clone()
                },
                &urls,
            ),
        ),
        (
            "actor-moved",
            render::actor(
                &ActorRecord {
                    also_known_as: r#"["https://beltim.example/u/jangkarasam"]"#.into(),
                    moved_to: Some("https://jangkarasam.desa.id/u/desa-jangkarasam".into()),
                    ..village.clone()
                },
                &urls,
            ),
        ),
        ("instance-actor", render::instance_actor(&instance(), &urls)),
        ("note", render::note(&post, &village, &urls)),
        ("note-plain", render::note(&plain, &village, &urls)),
        ("tombstone", render::tombstone(&deleted, &urls)),
        ("create", render(ActivityKind::Create, Some(&post), None)),
        (
            "create-deleted",
            render(ActivityKind::Create, Some(&deleted), None),
        ),
        ("update", render(ActivityKind::Update, Some(&plain), None)),
        ("update-profile", render(ActivityKind::Update, None, None)),
        (
            "create-answer",
            render(ActivityKind::Create, None, Some(kept_answer)),
        ),
        ("answer-public", answer(false)),
        ("answer-direct", answer(true)),
        ("create-answer-public", answer_create(false)),
        ("create-answer-direct", answer_create(true)),
        ("delete", render(ActivityKind::Delete, Some(&deleted), None)),
        ("delete-actor", render(ActivityKind::Delete, None, None)),
        (
            "actor-tombstone",
            render::actor_tombstone(&village, AT + 120_000),
        ),
        (
            "accept",
            render(ActivityKind::Accept, None, Some(follow_in)),
        ),
        (
            "quote-accept",
            render(ActivityKind::Accept, None, Some(quote_request)),
        ),
        (
            "quote-reject",
            render(ActivityKind::Reject, None, Some(quote_request)),
        ),
        (
            "quote-authorization",
            render::quote_authorization(&stamp, &village, &urls),
        ),
        (
            "quote-revoke",
            render(ActivityKind::Delete, None, Some("accept-act")),
        ),
        (
            "quote-authorization-revoked",
            render::revoked_quote_authorization(
                &crate::store::QuoteAuthorizationRecord {
                    revoked_at: Some(AT + 600_000),
                    ..stamp.clone()
                },
                &village,
                &urls,
            ),
        ),
        ("follow", follow_out.clone()),
        (
            "move",
            render(
                ActivityKind::Move,
                None,
                Some("https://jangkarasam.desa.id/u/desa-jangkarasam"),
            ),
        ),
        (
            "announce",
            render(
                ActivityKind::Announce,
                None,
                Some(
                    r#"{"object":"https://lalang.example/p/x1","attributedTo":"https://lalang.example/u/desa-lalang"}"#,
                ),
            ),
        ),
        (
            "undo",
            render::undo(
                &activity(ActivityKind::Undo, None, None),
                follow_out,
                &village,
                &urls,
            ),
        ),
        (
            "outbox",
            render::ordered_collection(
                "https://desa.example/u/desa-jangkarasam/outbox",
                2,
                Some("https://desa.example/u/desa-jangkarasam/outbox?page=1".into()),
            ),
        ),
        (
            "followers",
            render::ordered_collection(
                "https://desa.example/u/desa-jangkarasam/followers",
                0,
                None,
            ),
        ),
        (
            "outbox-page",
            render::ordered_collection_page(
                "https://desa.example/u/desa-jangkarasam/outbox?page=1",
                "https://desa.example/u/desa-jangkarasam/outbox",
                vec![render(ActivityKind::Create, Some(&plain), None)],
                Some("https://desa.example/u/desa-jangkarasam/outbox?page=2".into()),
            ),
        ),
        ("replies", render::replies(&post, &urls)),
        ("context", render::thread(&post, &village, &urls)),
        (
            "likes",
            render::counted(&post, &urls, render::Counted::Likes),
        ),
        (
            "shares",
            render::counted(&post, &urls, render::Counted::Shares),
        ),
        (
            "replies-page",
            render::replies_page("abc123", &post.replies, &urls),
        ),
    ]
}

#[test]
fn what_we_send_is_what_the_pinned_files_say() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ours");
    let bless = std::env::var_os("KENTONGAN_BLESS").is_some();
    let mut changed = Vec::new();
    for (name, document) in documents() {
        let path = dir.join(format!("{name}.json"));
        let text = serde_json::to_string_pretty(&document).expect("json") + "\n";
        if bless {
            std::fs::write(&path, &text).expect("write a pinned file");
            continue;
        }
        let pinned = std::fs::read_to_string(&path).unwrap_or_default();
        if pinned != text {
            changed.push(format!("{}:\n{text}", path.display()));
        }
    }
    assert!(
        changed.is_empty(),
        "the wire changed (KENTONGAN_BLESS=1 pins a deliberate change):\n{}",
        changed.join("\n")
    );
}
