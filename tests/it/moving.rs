//! Moving house: a village's account moves to another domain (a new village node) and
//! loses no follower. The new account names the old one (`actor alias --add`), the old
//! one moves (`actor move --to`): its profile says `movedTo`, its followers get a `Move`,
//! its website sends visitors to the new account, and the regency portal that followed
//! it follows the new account on the same registry entry, so the village's monitoring
//! history (its posts at the portal) stays whole — with no operator action at the
//! portal. A move to an account that does not name the old one is refused by the command
//! line, and a Move sent anyway is refused by the portal. On every backend, on loopback
//! (through the command line) and in production shape (the same functions, with the
//! running node's network settings, which let it reach the test names on 127.0.0.1).

use crate::support::{
    Backend, Shape, TestNode, WAIT, client, eventually, get_json, on_every_setup,
};
use kentongan::{
    config::Role,
    federation::{self, moving},
    portal::registry::{self, VillageInput},
    publishing::PostInput,
    store::{FollowState, TimelineFilter, VillageRecord},
};

#[tokio::test]
async fn a_village_moves_to_a_new_domain_and_the_portal_follows_it_there() {
    on_every_setup(village_moves).await;
}

async fn publish(node: &TestNode, title: &str) -> String {
    let post = node
        .publish(&PostInput {
            title: title.into(),
            body_markdown: format!("Isi kabar *{title}*."),
            ..Default::default()
        })
        .await;
    node.state().wake_delivery.notify_one();
    node.state().urls.post(&post.public_id).to_string()
}

async fn village(portal: &TestNode) -> VillageRecord {
    let villages = portal.state().store.villages().await.expect("villages");
    assert_eq!(
        villages.len(),
        1,
        "one registry entry, kept through the move"
    );
    villages.into_iter().next().expect("the village")
}

async fn timeline_urls(portal: &TestNode, village_id: i64) -> Vec<String> {
    let filter = TimelineFilter {
        village_id: Some(village_id),
        ..Default::default()
    };
    portal
        .state()
        .store
        .timeline_page(&filter, None, 100)
        .await
        .expect("timeline")
        .into_iter()
        .map(|post| post.ap_id)
        .collect()
}

async fn follower_ids(node: &TestNode) -> Vec<String> {
    let store = &node.state().store;
    let actor = kentongan::actors::find_publishing_actor(store, None)
        .await
        .expect("actor");
    store
        .followers_of(actor.id)
        .await
        .expect("followers")
        .into_iter()
        .map(|follower| follower.ap_id)
        .collect()
}

/// `kentongan actor alias --add` (`add`) or `kentongan actor move --to` on `node`: on
/// loopback through the command line, in production shape through the same functions
/// with the running node's settings. The error, as one line, when it is refused.
async fn actor_command(node: &TestNode, command: &str, account: &str) -> Result<(), String> {
    if node.shape == Shape::Loopback {
        let flag = if command == "alias" { "--add" } else { "--to" };
        let arguments = [
            "kentongan",
            "actor",
            command,
            "--dir",
            node.dir().to_str().expect("path"),
            flag,
            account,
        ];
        let cli =
            <kentongan::cli::Cli as clap::Parser>::try_parse_from(arguments).expect("arguments");
        return kentongan::cli::run(cli)
            .await
            .map_err(|err| kentongan::cli::one_line(&err));
    }
    let data = federation::federation_config(node.state().clone())
        .await
        .expect("federation data")
        .to_request_data();
    let actor = kentongan::actors::find_publishing_actor(&node.state().store, None)
        .await
        .expect("actor");
    let outcome = if command == "alias" {
        moving::change_alias(&data, &actor, account, true)
            .await
            .map(drop)
    } else {
        moving::move_to(&data, &actor, account).await.map(drop)
    };
    outcome.map_err(|err| kentongan::cli::one_line(&err))
}

async fn village_moves(backend: Backend, shape: Shape) {
    let old = TestNode::start_in(&backend, shape, "desa-lama").await;
    let new = TestNode::start_in(&backend, shape, "desa-baru").await;
    let portal = TestNode::start_shaped(&backend, shape, "portal-beltim", Role::Portal, &[]).await;
    let old_handle = format!("{}@{}", old.username, old.domain);
    let new_handle = format!("@{}@{}", new.username, new.domain);

    // The portal follows the old account and keeps its post.
    let old_post = publish(&old, "Kabar dari alamat lama").await;
    registry::add(
        &portal.state().store,
        &VillageInput {
            name: "Desa Contoh".into(),
            source: old_handle.clone(),
            district: "Gantung".into(),
            code: String::new(),
        },
    )
    .await
    .expect("register the village");
    portal.state().wake_portal.notify_one();
    let registered = eventually("the portal to follow the old account", WAIT, || async {
        let village = village(&portal).await;
        (village.follow_state == FollowState::Accepted).then_some(village)
    })
    .await;
    eventually("the old post at the portal", WAIT, || async {
        timeline_urls(&portal, registered.id)
            .await
            .contains(&old_post)
            .then_some(())
    })
    .await;
    assert!(follower_ids(&old).await.contains(&portal.actor_id()));

    // Moving to an account that does not name the old one is refused, and nothing is sent.
    let refused = actor_command(&old, "move", &new_handle)
        .await
        .expect_err("a move to an account without the alias is refused");
    assert!(refused.contains("alsoKnownAs"), "{refused}");
    let old_actor = kentongan::actors::find_publishing_actor(&old.state().store, None)
        .await
        .expect("actor");
    assert_eq!(old_actor.moved_to, None, "a refused move changes nothing");

    // A Move sent anyway (as a careless or hostile server would) is refused by the
    // portal, which keeps following the old account.
    let received_before = portal.state().store.count_inbox().await.expect("count");
    kentongan::actors::record_move(&old.state().store, &old_actor, &new.actor_id())
        .await
        .expect("queue an unchecked Move");
    old.state().wake_delivery.notify_one();
    eventually("the portal to act on the unchecked Move", WAIT, || async {
        let store = &portal.state().store;
        // The profile Update and the Move, both acted on.
        let received = store.count_inbox().await.ok()?;
        let pending = store.count_pending_inbox().await.ok()?;
        (received >= received_before + 2 && pending == 0).then_some(())
    })
    .await;
    let unmoved = village(&portal).await;
    assert_eq!(unmoved.handle.as_deref(), Some(old_handle.as_str()));
    assert_eq!(unmoved.actor_id, registered.actor_id);
    assert_eq!(unmoved.follow_state, FollowState::Accepted);

    // The new account names the old one; the old one moves.
    actor_command(&new, "alias", &format!("@{old_handle}"))
        .await
        .expect("alias --add");
    let (status, new_profile) = get_json(&new.actor_id()).await;
    assert_eq!(status, 200);
    assert_eq!(
        new_profile["alsoKnownAs"],
        serde_json::json!([old.actor_id()])
    );
    actor_command(&old, "move", &new_handle)
        .await
        .expect("actor move");
    let (status, old_profile) = get_json(&old.actor_id()).await;
    assert_eq!(status, 200, "the old account's document stays readable");
    assert_eq!(old_profile["movedTo"], new.actor_id());

    // The portal follows the new account on the same entry, without anyone's help.
    let moved = eventually("the portal to follow the new account", WAIT, || async {
        let village = village(&portal).await;
        (village.handle.as_deref() == Some(new_handle.trim_start_matches('@'))
            && village.follow_state == FollowState::Accepted)
            .then_some(village)
    })
    .await;
    assert_eq!(moved.id, registered.id, "the same registry entry");
    assert_ne!(moved.actor_id, registered.actor_id);
    assert!(follower_ids(&new).await.contains(&portal.actor_id()));
    eventually(
        "the old account to lose the portal's follow",
        WAIT,
        || async { (!follower_ids(&old).await.contains(&portal.actor_id())).then_some(()) },
    )
    .await;

    // History kept: the old post is still the village's; what the new account
    // publishes arrives under the same village.
    let new_post = publish(&new, "Kabar dari alamat baru").await;
    eventually("the new account's post at the portal", WAIT, || async {
        timeline_urls(&portal, registered.id)
            .await
            .contains(&new_post)
            .then_some(())
    })
    .await;
    assert!(
        timeline_urls(&portal, registered.id)
            .await
            .contains(&old_post),
        "the village's history at the portal is kept"
    );

    // The old website sends its visitors to the new account; its documents for servers
    // stay where they were.
    let new_home = kentongan::actors::find_publishing_actor(&new.state().store, None)
        .await
        .expect("actor")
        .profile_url
        .unwrap_or_else(|| new.actor_id());
    for page in [format!("{}/", old.base), old_post.clone(), old.actor_id()] {
        let response = client()
            .get(&page)
            .header("accept", "text/html")
            .send()
            .await
            .expect("GET");
        assert_eq!(response.status().as_u16(), 301, "{page}");
        assert_eq!(
            response
                .headers()
                .get("location")
                .and_then(|value| value.to_str().ok()),
            Some(new_home.as_str()),
            "{page}"
        );
    }
    let (status, _) = get_json(&old_post).await;
    assert_eq!(
        status, 200,
        "the old post's object is still served to servers"
    );

    portal.stop().await;
    new.stop().await;
    old.stop().await;
}
