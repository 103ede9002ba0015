//! One-click follow from anywhere: our WebFinger publishes the remote-follow template and
//! the FEP-3b86 Follow intent, and the node answers its own template; the follow page
//! sends a visitor to where their own server (a test peer's WebFinger) starts a follow
//! and their browser remembers it; our Notes carry a FEP-7888 `context` that resolves.
//! Hostile or unknown input gets a 4xx with a reason. Every test runs on each backend.

use crate::support::{AP, Backend, TestNode, client, on_every_backend, peer::Peer};
use serde_json::Value;

async fn start(backend: &Backend) -> TestNode {
    TestNode::start(backend, "desa-sukamaju").await
}

/// GETs `path` of `node` as a browser (with `cookie`, if any): status, headers, body.
async fn visit(
    node: &TestNode,
    path: &str,
    cookie: Option<&str>,
) -> (u16, reqwest::header::HeaderMap, String) {
    let mut request = client()
        .get(format!("{}{path}", node.base))
        .header("accept", "text/html");
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    let response = request.send().await.expect("GET");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.text().await.expect("body").replace("&#x2f;", "/");
    (status, headers, body)
}

async fn fetch_json(url: &str, accept: &str) -> (u16, Value) {
    let response = client()
        .get(url)
        .header("accept", accept)
        .send()
        .await
        .expect("GET");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn location(headers: &reqwest::header::HeaderMap) -> String {
    headers
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

fn encoded(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

#[tokio::test]
async fn webfinger_publishes_where_a_follow_starts_and_the_node_answers_it() {
    on_every_backend(|backend| async move {
        let node = start(&backend).await;
        let acct = format!("acct:desa-sukamaju@{}", node.domain);
        let (status, jrd) = fetch_json(
            &format!(
                "{}/.well-known/webfinger?resource={}",
                node.base,
                encoded(&acct)
            ),
            "application/jrd+json",
        )
        .await;
        assert_eq!(status, 200);
        let links = jrd["links"].as_array().expect("links");
        let link = |rel: &str| {
            links
                .iter()
                .find(|l| l["rel"] == rel)
                .unwrap_or_else(|| panic!("a {rel} link in {jrd}"))
                .clone()
        };
        let subscribe = link("http://ostatus.org/schema/1.0/subscribe");
        assert_eq!(
            subscribe["template"],
            format!("{}/authorize_interaction?uri={{uri}}", node.base).as_str()
        );
        let intent = link("https://w3id.org/fep/3b86/Follow");
        assert_eq!(
            intent["href"],
            format!("{}/authorize_interaction?uri={{object}}", node.base).as_str()
        );

        // Filled in as a remote site would, both lead to the follow page.
        let filled = [
            subscribe["template"]
                .as_str()
                .expect("template")
                .replace("{uri}", &encoded(&acct)),
            intent["href"]
                .as_str()
                .expect("href")
                .replace("{object}", &encoded(&node.actor_id())),
        ];
        for url in filled {
            let url = url::Url::parse(&url).expect("a well-formed URL");
            let response = client().get(url.clone()).send().await.expect("GET");
            assert_eq!(response.status().as_u16(), 303, "{url}");
            assert_eq!(location(response.headers()), "/ikuti", "{url}");
        }
        for uri in [
            format!("@desa-sukamaju@{}", node.domain),
            format!("desa-sukamaju@{}", node.domain.to_uppercase()),
        ] {
            let (status, headers, _) = visit(
                &node,
                &format!("/authorize_interaction?uri={}", encoded(&uri)),
                None,
            )
            .await;
            assert_eq!(status, 303, "{uri}");
            assert_eq!(location(&headers), "/ikuti", "{uri}");
        }

        // Unknown and hostile input: a 4xx and a reason, never a redirect.
        let long = "a".repeat(3000);
        for (uri, expected, reason) in [
            (
                format!("acct:orang-lain@{}", node.domain),
                404,
                "Akun itu tidak ada di sini.",
            ),
            (
                format!("{}/u/orang-lain", node.base),
                404,
                "Akun itu tidak ada di sini.",
            ),
            (
                "acct:budi@mastodon.social".to_string(),
                400,
                "bukan akun warga",
            ),
            (
                "https://mastodon.social/@budi".to_string(),
                400,
                "bukan akun warga",
            ),
            ("javascript:alert(1)".to_string(), 400, "tidak dikenali"),
            ("<script>x</script>".to_string(), 400, "tidak dikenali"),
            (format!("{long}@{long}"), 400, "tidak dikenali"),
            (String::new(), 400, "tidak menyebut akun"),
        ] {
            let (status, headers, body) = visit(
                &node,
                &format!("/authorize_interaction?uri={}", encoded(&uri)),
                None,
            )
            .await;
            assert_eq!(status, expected, "{uri:.80}");
            assert!(!headers.contains_key("location"), "{uri:.80}");
            assert!(body.contains(reason), "{uri:.80}: {body:.300}");
        }
        let (status, _, body) = visit(&node, "/authorize_interaction", None).await;
        assert_eq!(status, 400);
        assert!(body.contains("tidak menyebut akun"));
        node.stop().await;
    })
    .await;
}

#[tokio::test]
async fn the_follow_page_sends_visitors_to_their_own_servers_template_and_remembers_it() {
    on_every_backend(|backend| async move {
        let node = start(&backend).await;
        let peer = Peer::start(false).await;
        let server = peer.base.trim_start_matches("http://").to_string();
        let acct = encoded(&format!("acct:desa-sukamaju@{}", node.domain));
        let object = encoded(&node.actor_id());
        for (typed, expected) in [
            // Mastodon 4.5: the FEP-3b86 intent first, unknown placeholders emptied.
            (
                format!("@budi@{server}"),
                format!("{}/intents/follow?object={object}&then=", peer.base),
            ),
            // Only a server: its own account's WebFinger.
            (
                server.clone(),
                format!("{}/intents/follow?object={object}&then=", peer.base),
            ),
            // Misskey: the oStatus template only.
            (
                format!("ostatus@{server}"),
                format!("{}/authorize-follow?acct={acct}", peer.base),
            ),
            // Neither, or a template that is no web address: Mastodon's path.
            (
                format!("nolinks@{server}"),
                format!("{}/authorize_interaction?uri={acct}", peer.base),
            ),
            (
                format!("hostile@{server}"),
                format!("{}/authorize_interaction?uri={acct}", peer.base),
            ),
            // A server that never answers is waited for a few seconds only.
            (
                format!("hang@{server}"),
                format!("{}/authorize_interaction?uri={acct}", peer.base),
            ),
        ] {
            let (status, headers, _) =
                visit(&node, &format!("/ikuti?server={}", encoded(&typed)), None).await;
            assert_eq!(status, 303, "{typed}");
            assert_eq!(location(&headers), expected, "{typed}");
            let cookie = headers["set-cookie"].to_str().expect("cookie");
            let remembered = typed.trim_start_matches('@');
            assert!(
                cookie.starts_with(&format!(
                    "ikuti_server={remembered}; HttpOnly; SameSite=Lax; Path=/ikuti; Max-Age="
                )),
                "{cookie}"
            );
        }

        // Nobody can make the node hammer a server: past a burst, visitors get
        // Mastodon's path without the node asking.
        let intent = format!("{}/intents/follow?object={object}&then=", peer.base);
        let fallback = format!("{}/authorize_interaction?uri={acct}", peer.base);
        let mut locations = Vec::new();
        for _ in 0..60 {
            let (status, headers, _) =
                visit(&node, &format!("/ikuti?server=budi%40{server}"), None).await;
            assert_eq!(status, 303);
            locations.push(location(&headers));
        }
        assert_eq!(locations[0], intent);
        assert!(locations.iter().all(|l| *l == intent || *l == fallback));
        assert!(locations.contains(&fallback), "the look-ups are limited");

        // The browser brings it back: the page offers it, private to that browser.
        let cookie = format!("ikuti_server=budi@{server}");
        let (status, headers, page) = visit(&node, "/ikuti", Some(&cookie)).await;
        assert_eq!(status, 200);
        assert!(page.contains(&format!("<strong class=\"handle\">budi@{server}</strong>")));
        assert!(page.contains(&format!(
            "name=\"server\" value=\"budi@{server}\">Ikuti lewat server ini</button>"
        )));
        assert_eq!(headers["cache-control"], "private, no-cache");
        assert!(
            page.contains("name=\"server\" value=\"mastodon.social\""),
            "app buttons"
        );
        assert!(
            page.contains("name=\"server\" value=\"misskey.io\""),
            "app buttons"
        );
        let (_, _, fresh) = visit(&node, "/ikuti", None).await;
        assert!(!fresh.contains("Ikuti lewat server ini"));
        let (_, _, spoiled) = visit(&node, "/ikuti", Some("ikuti_server=\"><script>")).await;
        assert!(!spoiled.contains("<script>") && !spoiled.contains("Ikuti lewat server ini"));
        let (status, headers, _) = visit(&node, "/ikuti?lupakan=1", Some(&cookie)).await;
        assert_eq!(status, 303);
        assert_eq!(location(&headers), "/ikuti");
        assert!(
            headers["set-cookie"]
                .to_str()
                .expect("cookie")
                .contains("ikuti_server=; ")
        );
        assert!(
            headers["set-cookie"]
                .to_str()
                .expect("cookie")
                .contains("Max-Age=0")
        );

        // What is not a server is refused with the reason, and nothing is remembered.
        for typed in [
            "javascript:alert(1)",
            "budi@",
            "evil.com/x?y",
            "localhost:99999",
        ] {
            let (status, headers, body) =
                visit(&node, &format!("/ikuti?server={}", encoded(typed)), None).await;
            assert_eq!(status, 400, "{typed}");
            assert!(!headers.contains_key("set-cookie"), "{typed}");
            assert!(body.contains("Nama server tidak dikenali"), "{typed}");
        }
        peer.stop();
        node.stop().await;
    })
    .await;
}

#[tokio::test]
async fn notes_carry_a_thread_context_that_resolves() {
    on_every_backend(|backend| async move {
        let node = start(&backend).await;
        let post = node
            .publish_text("Kerja bakti", "Minggu pagi di balai desa.")
            .await;
        let note_url = format!("{}/p/{}", node.base, post.public_id);
        let (status, note) = fetch_json(&note_url, AP).await;
        assert_eq!(status, 200);
        let context = note["context"].as_str().expect("a context").to_string();
        assert_eq!(context, format!("{note_url}/context"));
        let (status, thread) = fetch_json(&context, AP).await;
        assert_eq!(status, 200);
        assert_eq!(thread["id"], context.as_str());
        assert_eq!(thread["type"], "OrderedCollection");
        assert_eq!(thread["attributedTo"], node.actor_id().as_str());
        assert_eq!(thread["orderedItems"][0], note_url.as_str());

        for path in ["/p/tidak-ada/context", "/p/%3Cscript%3E/context"] {
            let (status, _) = fetch_json(&format!("{}{path}", node.base), AP).await;
            assert_eq!(status, 404, "{path}");
        }
        node.stop().await;
    })
    .await;
}
