//! A village publishes its aspiration figures (open and overdue tickets, median times to
//! a first response and to an answer) and the portal shows them per village in its
//! monitoring page, CSV and JSON, with no resident's name, contact or message anywhere.

use crate::support::{Backend, TestNode, WAIT, client, eventually, on_every_backend};
use kentongan::{
    actors::find_publishing_actor,
    aspirations::answer,
    clock::now_ms,
    config::Role,
    portal::registry::{self, VillageInput},
    store::{NewTicket, NewWebMessage, TicketRow},
};
use serde_json::Value;

const DAY_MS: i64 = 24 * 3600 * 1000;

/// Opens a web ticket as if it had been received `age_days` ago, with its deadlines
/// `first_response_in` and `answer_in` days after receipt.
async fn ticket_received(
    village: &TestNode,
    age_days: i64,
    first_response_in: i64,
    answer_in: i64,
    marker: &str,
) -> TicketRow {
    let store = &village.state().store;
    let actor = find_publishing_actor(store, None).await.expect("actor");
    let received = now_ms() - age_days * DAY_MS;
    let number = store
        .open_web_ticket(
            &NewTicket {
                local_actor_id: actor.id,
                channel: kentongan::store::TicketChannel::Web,
                class: kentongan::store::TicketClass::Aspirasi,
                is_private: false,
                source_post_id: None,
                first_response_due: received + first_response_in * DAY_MS,
                answer_due: received + answer_in * DAY_MS,
                year: 2026,
                suffix: "TEST".into(),
            },
            &NewWebMessage {
                author_name: format!("Warga {marker}"),
                contact: format!("0812-{marker}"),
                message_html: format!("<p>Pesan rahasia {marker}</p>"),
                photo: None,
            },
            received,
        )
        .await
        .expect("ticket");
    store
        .ticket_by_number(&number)
        .await
        .expect("read")
        .expect("ticket exists")
}

async fn get_text(url: &str) -> (u16, String) {
    let response = client().get(url).send().await.expect("request");
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

async fn village_figures_reach_the_portal(backend: Backend) {
    let village = TestNode::start(&backend, "desa").await;
    let store = &village.state().store;
    // Received 10 days ago and never touched: overdue on both clocks.
    ticket_received(&village, 10, 3, 5, "SATU").await;
    // Received 2 days ago: open, on time.
    ticket_received(&village, 2, 3, 5, "DUA").await;
    // Received 4 days ago and answered now: the answer is its first response too.
    let answered = ticket_received(&village, 4, 3, 5, "TIGA").await;
    let actor = find_publishing_actor(store, None).await.expect("actor");
    answer::send(store, &actor, &answered, None, "Sudah kami perbaiki.", true)
        .await
        .expect("answer");
    let answered = store
        .ticket_by_number(&answered.number)
        .await
        .expect("read")
        .expect("ticket");
    let took_secs = (answered.answered_at.expect("answered") - answered.created_at) / 1000;
    assert_eq!(answered.first_response_at, answered.answered_at);

    // What the village publishes.
    let (status, body) = get_text(&format!("{}/aspirasi/angka.json", village.base)).await;
    assert_eq!(status, 200, "{body}");
    let published: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(published["version"], 1);
    assert_eq!(published["open"], 2);
    assert_eq!(published["overdue"], 1);
    assert_eq!(published["received"], 3);
    assert_eq!(published["answered"], 1);
    assert_eq!(published["median_answer_seconds"], took_secs);
    assert_eq!(published["median_first_response_seconds"], took_secs);

    // And in words on the village's own form page, with a link to the data.
    let (status, form) = get_text(&format!("{}/aspirasi", village.base)).await;
    assert_eq!(status, 200);
    assert!(form.contains("Bagaimana kami menjawab"), "{form}");
    assert!(form.contains("3 pesan diterima, 1 sudah dijawab"), "{form}");
    assert!(form.contains("lewat tenggat: 1"), "{form}");
    let days = (took_secs + 43_200) / 86_400;
    assert!(form.contains(&format!("{days} hari")), "{form}");
    assert!(form.contains("href=\"/aspirasi/angka.json\""));

    // The portal follows the village and reads them on its sweep.
    let portal = TestNode::start_with_role(&backend, "portal", Role::Portal).await;
    let (status, _) = get_text(&format!("{}/aspirasi/angka.json", portal.base)).await;
    assert_eq!(status, 404, "a portal has no tickets to publish");
    registry::add(
        &portal.state().store,
        &VillageInput {
            name: "Desa Lalang".into(),
            source: format!("desa@{}", village.domain),
            district: "Manggar".into(),
            code: String::new(),
        },
    )
    .await
    .expect("register");
    portal.state().wake_portal.notify_one();
    let kept = eventually("the portal to read the village's figures", WAIT, || async {
        portal
            .state()
            .store
            .village_ticket_figures()
            .await
            .ok()?
            .into_iter()
            .next()
    })
    .await;
    assert_eq!(kept.open_tickets, 2);
    assert_eq!(kept.overdue_tickets, 1);
    assert_eq!(kept.median_answer_secs, Some(took_secs));

    // In the monitoring JSON, CSV and page.
    let (status, json) = get_text(&format!("{}/monitoring.json", portal.base)).await;
    assert_eq!(status, 200);
    let report: Value = serde_json::from_str(&json).expect("json");
    let figures = &report["villages"][0]["aspirations"];
    assert_eq!(figures["open"], 2);
    assert_eq!(figures["overdue"], 1);
    assert_eq!(figures["median_answer_seconds"], took_secs);
    assert_eq!(figures["median_first_response_seconds"], took_secs);

    let (status, csv) = get_text(&format!("{}/monitoring.csv", portal.base)).await;
    assert_eq!(status, 200);
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let row: Vec<&str> = lines.next().expect("a village row").split(',').collect();
    let cell = |name: &str| {
        let at = header.iter().position(|h| *h == name).expect(name);
        row[at].to_string()
    };
    assert_eq!(cell("aspirasi_terbuka"), "2");
    assert_eq!(cell("aspirasi_lewat_tenggat"), "1");
    assert_eq!(
        cell("median_jawaban_jam"),
        format!("{:.1}", took_secs as f64 / 3600.0)
    );

    let (status, page) = get_text(&format!("{}/monitoring", portal.base)).await;
    assert_eq!(status, 200);
    assert!(page.contains("1 lewat tenggat"), "{page}");

    // No resident's data anywhere on the way.
    for marker in ["SATU", "DUA", "TIGA", "Warga ", "0812", "rahasia"] {
        for (what, text) in [
            ("the village's figures", &body),
            ("the village's form page", &form),
            ("the monitoring JSON", &json),
            ("the monitoring CSV", &csv),
            ("the monitoring page", &page),
        ] {
            assert!(!text.contains(marker), "{what} shows {marker:?}");
        }
    }

    portal.stop().await;
    village.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_portal_shows_each_villages_open_tickets_and_response_times_on_every_backend() {
    on_every_backend(village_figures_reach_the_portal).await;
}
