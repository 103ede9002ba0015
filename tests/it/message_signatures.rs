//! RFC 9421 between servers, over real HTTP: two Kentongan nodes (a portal following a
//! village) sign and accept RFC 9421 on the first knock and remember it; a server that
//! reads draft-cavage only (the test peer, as Mastodon before 4.5) gets the same
//! activity signed draft-cavage at once, and from then on only that. An RFC 9421 POST
//! whose body is not the one it signed is refused with a reason. On every backend, on
//! loopback and in production shape (TLS and HTTP/2 behind nginx, where the host is
//! signed as `@authority` and sent once).

use crate::support::{
    Backend, Shape, TestNode, WAIT, client, eventually, on_every_setup, peer::Peer,
};
use bytes::Bytes;
use kentongan::{
    config::Role,
    federation::{actor::host_of, signing},
    portal::registry::{self, VillageInput},
    store::{FollowState, SignatureScheme},
};
use url::Url;

fn host(base: &str) -> String {
    host_of(&Url::parse(base).expect("base URL"))
}

async fn two_nodes(backend: Backend, shape: Shape) {
    let village = TestNode::start_in(&backend, shape, "desa-sukamaju").await;
    let portal = TestNode::start_shaped(&backend, shape, "portal-beltim", Role::Portal, &[]).await;
    registry::add(
        &portal.state().store,
        &VillageInput {
            name: "Desa Sukamaju".into(),
            source: format!("{}@{}", village.username, village.domain),
            district: String::new(),
            code: String::new(),
        },
    )
    .await
    .expect("register");
    portal.state().wake_portal.notify_one();
    eventually(
        "the village to accept the portal's follow",
        WAIT,
        || async {
            portal
                .state()
                .store
                .villages()
                .await
                .ok()?
                .into_iter()
                .find(|v| v.follow_state == FollowState::Accepted)
        },
    )
    .await;
    // The Follow went to the village and the Accept came back: each node kept that the
    // other took RFC 9421. Only a 2xx to RFC 9421 on the first knock writes that word
    // (a fallback would have written "cavage").
    let known = |node: &TestNode, other: &TestNode| {
        let store = node.state().store.clone();
        let other = host(&other.base);
        async move { store.signature_scheme(&other).await.expect("read") }
    };
    let portal_knows = eventually("the portal to remember the village", WAIT, || async {
        known(&portal, &village).await
    })
    .await;
    assert_eq!(portal_knows, SignatureScheme::Rfc9421);
    let village_knows = eventually("the village to remember the portal", WAIT, || async {
        known(&village, &portal).await
    })
    .await;
    assert_eq!(village_knows, SignatureScheme::Rfc9421);
    portal.stop().await;
    village.stop().await;
}

#[tokio::test]
async fn two_nodes_take_rfc9421_on_the_first_knock_and_remember_it_on_every_backend_and_in_production_shape()
 {
    on_every_setup(two_nodes).await;
}

async fn cavage_only_peer(backend: Backend, shape: Shape) {
    let node = TestNode::start_in(&backend, shape, "desa-jangkarasam").await;
    let peer = Peer::start_in(shape, true).await;
    let inbox = format!("{}/u/desa-jangkarasam/inbox", node.base);

    // The peer follows (draft-cavage, as it always signs); the Accept is knocked twice.
    let follow = peer.follow("warga", &node.actor_id());
    let (status, body) = peer.send("warga", &inbox, &follow).await;
    assert_eq!(status, 202, "{body}");
    let accept = eventually("an Accept at the follower", WAIT, || async {
        peer.received_of("Accept").into_iter().next()
    })
    .await;
    assert!(accept.signature_verified, "the fallback is draft-cavage");
    assert_eq!(peer.refused_rfc9421(), 1, "RFC 9421 was tried once first");
    let store = &node.state().store;
    let peer_host = host(&peer.base);
    let learned = eventually("the node to remember the peer", WAIT, || async {
        store.signature_scheme(&peer_host).await.expect("read")
    })
    .await;
    assert_eq!(learned, SignatureScheme::Cavage);

    // Remembered: the next activity goes draft-cavage at once.
    let post = node
        .publish(&kentongan::publishing::PostInput {
            title: "Kerja bakti".into(),
            body_markdown: "Hari Minggu.".into(),
            ..Default::default()
        })
        .await;
    let create = eventually("the Create at the follower", WAIT, || async {
        peer.received_of("Create").into_iter().next()
    })
    .await;
    assert!(create.signature_verified);
    assert_eq!(
        create.activity["object"]["id"],
        node.state().urls.post(&post.public_id).as_str()
    );
    assert_eq!(peer.refused_rfc9421(), 1, "no second RFC 9421 knock");

    // The other way: the peer's RFC 9421 POST is verified with its actor's key, and one
    // whose body is not the one signed is refused, saying why.
    let actor = Url::parse(&peer.actor_id("warga")).expect("actor");
    let send = |body: Bytes, sent: Bytes| {
        let inbox = Url::parse(&inbox).expect("inbox");
        let actor = actor.clone();
        async move {
            let client = client();
            let mut request = signing::signed_post_rfc9421(
                &client,
                &inbox,
                body,
                &actor,
                crate::support::peer::private_key(),
            )
            .await
            .expect("sign");
            *request.body_mut() = Some(sent.into());
            let response = client.execute(request).await.expect("send");
            (
                response.status().as_u16(),
                response.text().await.unwrap_or_default(),
            )
        }
    };
    let follow = Bytes::from(peer.follow("warga", &node.actor_id()).to_string());
    let other = Bytes::from(peer.follow("warga", &node.actor_id()).to_string());
    let (status, reason) = send(follow.clone(), other).await;
    assert_eq!(status, 401, "{reason}");
    assert!(reason.contains("Content-Digest"), "{reason}");
    assert_eq!(reason.trim().lines().count(), 1, "{reason}");
    let (status, reason) = send(follow.clone(), follow).await;
    assert_eq!(status, 202, "{reason}");
    peer.stop();
    node.stop().await;
}

#[tokio::test]
async fn a_server_that_reads_only_draft_cavage_gets_it_after_one_knock_and_from_then_on_on_every_backend_and_in_production_shape()
 {
    on_every_setup(cavage_only_peer).await;
}
