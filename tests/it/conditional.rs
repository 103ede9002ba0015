//! Conditional requests: a page, a feed or an ActivityPub document fetched again with the
//! `ETag` it carried answers `304 Not Modified` with no body, until what it shows changes;
//! the admin's pages are never tagged.

use crate::support::{AP, Backend, TestNode, client, on_every_backend};

#[tokio::test]
async fn pages_feeds_and_documents_answer_304_until_they_change_on_every_backend() {
    on_every_backend(conditional_requests).await;
}

/// GETs `url` with `accept` (and `If-None-Match` when given): status, ETag, body length.
async fn get(url: &str, accept: &str, tag: Option<&str>) -> (u16, Option<String>, usize) {
    let mut request = client().get(url).header("accept", accept);
    if let Some(tag) = tag {
        request = request.header("if-none-match", tag);
    }
    let response = request.send().await.expect("GET");
    let status = response.status().as_u16();
    let etag = response
        .headers()
        .get("etag")
        .and_then(|value| value.to_str().ok())
        .map(str::to_string);
    let body = response.bytes().await.expect("body");
    (status, etag, body.len())
}

async fn conditional_requests(backend: Backend) {
    let node = TestNode::start(&backend, "desa-hemat").await;
    let first = node
        .publish_text("Kerja bakti", "Minggu pagi di balai desa.")
        .await;
    let post = format!("{}/p/{}", node.base, first.public_id);
    let home = format!("{}/", node.base);
    let feed = format!("{}/feed.rss", node.base);
    for (url, accept) in [
        (home.clone(), "text/html"),
        (post.clone(), "text/html"),
        (post.clone(), AP),
        (feed.clone(), "application/rss+xml"),
        (node.actor_id(), AP),
    ] {
        let (status, tag, length) = get(&url, accept, None).await;
        assert_eq!(status, 200, "{url} as {accept}");
        assert!(length > 0);
        let tag = tag.unwrap_or_else(|| panic!("{url} as {accept} carries an ETag"));
        let (again, same_tag, empty) = get(&url, accept, Some(&tag)).await;
        assert_eq!(again, 304, "{url} as {accept} again");
        assert_eq!(same_tag.as_deref(), Some(tag.as_str()));
        assert_eq!(empty, 0, "a 304 has no body");
        let (other, _, _) = get(&url, accept, Some("W/\"0000000000000000\"")).await;
        assert_eq!(other, 200, "another tag gets the whole answer");
    }
    // The HTML and the JSON of one address are different answers with different tags.
    let (_, html_tag, _) = get(&post, "text/html", None).await;
    let (_, json_tag, _) = get(&post, AP, None).await;
    assert_ne!(html_tag, json_tag);

    // A new post changes the home page and the feed: the old tag no longer matches.
    let (_, home_tag, _) = get(&home, "text/html", None).await;
    let (_, feed_tag, _) = get(&feed, "application/rss+xml", None).await;
    node.publish_text("Posyandu", "Kamis di polindes.").await;
    assert_eq!(get(&home, "text/html", home_tag.as_deref()).await.0, 200);
    assert_eq!(
        get(&feed, "application/rss+xml", feed_tag.as_deref())
            .await
            .0,
        200
    );

    // The admin's pages carry no tag.
    let (_, admin_tag, _) = get(&format!("{}/admin/login", node.base), "text/html", None).await;
    assert_eq!(admin_tag, None);
    node.stop().await;
}
