//! What an operator's monitoring reads (issue 13 point 6): `/healthz` says whether the
//! site's database answers and its workers run, 503 naming what fails; `/metrics` gives
//! the queues, tickets and request latencies in Prometheus's text format, to this
//! machine or a scraper with the token only, never to a client passed on by the proxy.

use crate::support::{Backend, TestNode, WAIT, client, eventually, on_every_backend, peer::Peer};
use kentongan::{
    clock::now_ms,
    store::{NewTicket, NewWebMessage, TicketChannel, TicketClass},
};
use serde_json::Value;

#[tokio::test]
async fn healthz_says_ok_and_names_what_fails() {
    on_every_backend(healthz).await;
}

async fn healthz(backend: Backend) {
    let node = TestNode::start(&backend, "desa").await;
    let url = format!("{}/healthz", node.base);
    let answer = client().get(&url).send().await.expect("healthz");
    let status = answer.status().as_u16();
    let body: Value = answer.json().await.expect("JSON");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], "ok");
    for worker in ["delivery", "inbox", "retention", "scheduler"] {
        assert_eq!(body["workers"][worker], "ok", "{body}");
    }
    assert!(body.get("failing").is_none(), "{body}");

    // Health checks come often and from anywhere: never limited.
    for _ in 0..50 {
        let status = client().get(&url).send().await.expect("healthz").status();
        assert_eq!(status.as_u16(), 200);
    }

    // A worker that has stopped is named.
    let stopped = tokio::spawn(async {});
    node.state().workers.watch("test-worker", &stopped);
    let _ = stopped.await;
    let answer = client().get(&url).send().await.expect("healthz");
    assert_eq!(answer.status().as_u16(), 503);
    let body: Value = answer.json().await.expect("JSON");
    assert_eq!(body["workers"]["test-worker"], "stopped");
    assert_eq!(body["failing"], serde_json::json!(["workers.test-worker"]));
    node.state()
        .workers
        .keep_only(&["delivery", "inbox", "retention", "scheduler"]);

    // The database gone.
    node.state().store.close().await;
    let answer = client().get(&url).send().await.expect("healthz");
    assert_eq!(answer.status().as_u16(), 503);
    let body: Value = answer.json().await.expect("JSON");
    assert_eq!(body["status"], "failing");
    assert_eq!(body["database"], "failing");
    assert_eq!(body["failing"], serde_json::json!(["database"]));
    node.stop().await;
}

#[tokio::test]
async fn metrics_count_the_queues_and_requests_for_local_scrapers_only() {
    on_every_backend(metrics).await;
}

/// The value of the sample `name{labels}` (labels as written, in order).
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|value| value.parse().ok())
}

async fn scrape(base: &str) -> String {
    let answer = client()
        .get(format!("{base}/metrics"))
        .send()
        .await
        .expect("metrics");
    assert_eq!(answer.status().as_u16(), 200);
    let kind = answer
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(kind.starts_with("text/plain; version=0.0.4"), "{kind}");
    answer.text().await.expect("text")
}

async fn metrics(backend: Backend) {
    let token = "0123456789abcdef0123456789abcdef";
    let node = TestNode::start_configured(
        &backend,
        "desa",
        kentongan::config::Role::Village,
        &[("[metrics]", &format!("token = \"{token}\""))],
    )
    .await;
    let site = format!("site=\"{}\"", node.domain);
    let text = scrape(&node.base).await;
    for family in [
        "# TYPE kentongan_deliveries_pending gauge",
        "# TYPE kentongan_deliveries_retrying gauge",
        "# TYPE kentongan_deliveries_failed_last_day gauge",
        "# TYPE kentongan_inbox_pending gauge",
        "# TYPE kentongan_tickets_open gauge",
        "# TYPE kentongan_tickets_overdue gauge",
        "# TYPE kentongan_http_request_duration_seconds histogram",
        "# HELP kentongan_deliveries_pending ",
    ] {
        assert!(text.contains(family), "{family} in:\n{text}");
    }
    assert_eq!(
        sample(&text, &format!("kentongan_database_up{{{site}}}")),
        Some(1.0)
    );
    assert_eq!(
        sample(&text, &format!("kentongan_deliveries_pending{{{site}}}")),
        Some(0.0)
    );
    assert_eq!(
        sample(
            &text,
            &format!("kentongan_worker_up{{{site},worker=\"delivery\"}}")
        ),
        Some(1.0)
    );

    // A request to the home page is counted in its group.
    let home = format!(
        "kentongan_http_request_duration_seconds_count{{{site},route=\"site\",status=\"2xx\"}}"
    );
    let before = sample(&text, &home).unwrap_or(0.0);
    let status = client()
        .get(&node.base)
        .send()
        .await
        .expect("home")
        .status();
    assert_eq!(status.as_u16(), 200);
    let text = scrape(&node.base).await;
    assert_eq!(sample(&text, &home), Some(before + 1.0), "{text}");
    let inf = format!(
        "kentongan_http_request_duration_seconds_bucket{{{site},route=\"site\",status=\"2xx\",le=\"+Inf\"}}"
    );
    assert_eq!(sample(&text, &inf), Some(before + 1.0));

    // A follower whose server is gone: the post's delivery waits, then is retried.
    let peer = Peer::start(true).await;
    let follow = peer.follow("warga", &node.actor_id());
    let (status, body) = peer
        .send("warga", &format!("{}/inbox", node.base), &follow)
        .await;
    assert_eq!(status, 202, "{body}");
    let store = &node.state().store;
    eventually("the Accept to be delivered", WAIT, || async {
        (store.delivery_counts(None).await.ok()?.delivered == 1).then_some(())
    })
    .await;
    peer.stop();
    node.publish(&kentongan::publishing::PostInput {
        title: "Kabar".into(),
        body_markdown: "Isi.".into(),
        ..Default::default()
    })
    .await;
    let text = scrape(&node.base).await;
    assert_eq!(
        sample(&text, &format!("kentongan_deliveries_pending{{{site}}}")),
        Some(1.0),
        "{text}"
    );
    node.state().wake_delivery.notify_one();
    eventually("the delivery to be retried", WAIT, || async {
        let text = scrape(&node.base).await;
        (sample(&text, &format!("kentongan_deliveries_retrying{{{site}}}")) == Some(1.0))
            .then_some(())
    })
    .await;

    // A resident's message from the website, its first response already late.
    let actor = kentongan::actors::find_publishing_actor(store, None)
        .await
        .expect("actor");
    let now = now_ms();
    store
        .open_web_ticket(
            &NewTicket {
                local_actor_id: actor.id,
                channel: TicketChannel::Web,
                class: TicketClass::Aspirasi,
                is_private: true,
                source_post_id: None,
                first_response_due: now - 1_000,
                answer_due: now + 86_400_000,
                year: 2026,
                suffix: "TEST".into(),
            },
            &NewWebMessage {
                author_name: "Warga".into(),
                contact: String::new(),
                message_html: "<p>Lampu jalan mati.</p>".into(),
                photo: None,
            },
            now,
        )
        .await
        .expect("a ticket");
    let text = scrape(&node.base).await;
    assert_eq!(
        sample(&text, &format!("kentongan_tickets_open{{{site}}}")),
        Some(1.0)
    );
    assert_eq!(
        sample(&text, &format!("kentongan_tickets_overdue{{{site}}}")),
        Some(1.0)
    );

    // Who may read it: not a client named by the proxy on this machine, not a wrong
    // token; the right token from anywhere.
    let metrics_url = format!("{}/metrics", node.base);
    let forwarded = client()
        .get(&metrics_url)
        .header("x-forwarded-for", "203.0.113.7")
        .send()
        .await
        .expect("metrics through the proxy");
    assert_eq!(forwarded.status().as_u16(), 404);
    assert!(forwarded.text().await.expect("body").is_empty());
    let local_through_proxy = client()
        .get(&metrics_url)
        .header("x-forwarded-for", "127.0.0.1")
        .send()
        .await
        .expect("a local scraper through the proxy");
    assert_eq!(local_through_proxy.status().as_u16(), 200);
    let wrong = client()
        .get(&metrics_url)
        .header("x-forwarded-for", "203.0.113.7")
        .bearer_auth("not-the-token-at-all-0000")
        .send()
        .await
        .expect("a wrong token");
    assert_eq!(wrong.status().as_u16(), 404);
    let with_token = client()
        .get(&metrics_url)
        .header("x-forwarded-for", "203.0.113.7")
        .bearer_auth(token)
        .send()
        .await
        .expect("the token");
    assert_eq!(with_token.status().as_u16(), 200);
    assert!(
        with_token
            .text()
            .await
            .expect("text")
            .contains("kentongan_deliveries_pending")
    );

    // The database gone: the scrape still answers, and says so.
    store.close().await;
    let text = scrape(&node.base).await;
    assert_eq!(
        sample(&text, &format!("kentongan_database_up{{{site}}}")),
        Some(0.0)
    );
    node.stop().await;
}

#[tokio::test]
async fn metrics_refuse_a_remote_peer_without_a_token() {
    // The peer address itself, without any proxy: the in-process app with a
    // non-loopback peer as the connection's address.
    use axum::{body::Body, extract::ConnectInfo, http::Request};
    use std::net::SocketAddr;
    use tower::ServiceExt;
    let node = TestNode::start(&Backend::Sqlite, "desa").await;
    let (router, _) = kentongan::app::app(node.state().clone())
        .await
        .expect("the app");
    let ask = |peer: &str| {
        let mut request = Request::get("/metrics")
            .body(Body::empty())
            .expect("request");
        let peer: SocketAddr = peer.parse().expect("address");
        request.extensions_mut().insert(ConnectInfo(peer));
        router.clone().oneshot(request)
    };
    let remote = ask("198.51.100.2:40000").await.expect("answer");
    assert_eq!(remote.status().as_u16(), 404);
    let local = ask("127.0.0.1:40000").await.expect("answer");
    assert_eq!(local.status().as_u16(), 200);
    let mapped = ask("[::ffff:127.0.0.1]:40000").await.expect("answer");
    assert_eq!(mapped.status().as_u16(), 200);
    node.stop().await;
}
