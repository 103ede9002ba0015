//! What the token API answers when a request cannot be done: the domain refuses with a
//! type (a village registered already, a post that breaks a rule), and the edge turns it
//! into the status that says why, with a one-line reason, never a 503 for a client's
//! mistake. Each answer carries the id the log names the request by.

use crate::support::{Backend, TestNode, client, on_every_backend};
use kentongan::config::Role;

async fn refusals(backend: Backend) {
    let portal = TestNode::start_with_role(&backend, "portal-uji", Role::Portal).await;
    let add_village = || {
        client()
            .post(format!("{}/api/v1/villages", portal.base))
            .bearer_auth(&portal.token)
            .header("content-type", "application/json")
            .body(r#"{"source":"desa-baru@desa-baru.example","name":"Desa Baru"}"#)
            .send()
    };
    let first = add_village().await.expect("register");
    assert_eq!(first.status().as_u16(), 201);
    let again = add_village().await.expect("register again");
    assert_eq!(
        again.status().as_u16(),
        409,
        "a second registration conflicts"
    );
    let request_id = again
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .expect("an id to quote when asking the operator about a refusal");
    assert_eq!(request_id.len(), 32, "{request_id}");
    let reason = again.text().await.expect("reason");
    assert!(
        reason.contains("desa-baru@desa-baru.example") && reason.contains("registered already"),
        "the reason names the village: {reason}"
    );
    assert_eq!(reason.trim_end().lines().count(), 1, "one line: {reason}");

    let nameless = client()
        .post(format!("{}/api/v1/villages", portal.base))
        .bearer_auth(&portal.token)
        .header("content-type", "application/json")
        .body(r#"{"source":"https://desa-lain.example/feed.xml","name":""}"#)
        .send()
        .await
        .expect("register a nameless feed");
    assert_eq!(nameless.status().as_u16(), 400);

    let untitled = client()
        .post(format!("{}/api/v1/posts", portal.base))
        .bearer_auth(&portal.token)
        .header("content-type", "application/json")
        .body(r#"{"title":"   ","body":"Isi."}"#)
        .send()
        .await
        .expect("post without a title");
    assert_eq!(
        untitled.status().as_u16(),
        400,
        "a rule broken is the client's"
    );
    let reason = untitled.text().await.expect("reason");
    assert!(reason.contains(" / "), "both languages: {reason}");
    portal.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_answers_refusals_with_their_status_on_every_backend() {
    on_every_backend(refusals).await;
}
