//! The admin at /admin, driven as a browser would drive it (cookies, hidden CSRF fields,
//! multipart forms with real images) against a running node, on SQLite and PostgreSQL:
//! login and lock-out, CSRF and Origin, roles, the editor with images, publishing,
//! editing and deleting (federated to a peer that follows the village), scheduling,
//! delivery reports, settings, accounts.

use crate::support::session::{Browser, PASSWORD, Page, Part, png, signed_in, text, user};
use crate::support::{Backend, TestNode, WAIT, client, eventually, on_every_backend, peer::Peer};
use kentongan::{
    auth::{self, Role},
    store::PostRecord,
    strings,
};

fn post_parts(title: &str, body: &str) -> Vec<Part> {
    vec![
        text("title", title),
        text("summary", "Ringkasan singkat."),
        text("body", body),
        text("kind", "berita"),
        text("categories", "Berita"),
    ]
}

async fn main_actor(node: &TestNode) -> kentongan::store::ActorRecord {
    kentongan::actors::find_publishing_actor(&node.state().store, None)
        .await
        .expect("actor")
}

async fn live_posts(node: &TestNode) -> Vec<PostRecord> {
    let actor = main_actor(node).await;
    node.state()
        .store
        .posts_page(actor.id, None, 100)
        .await
        .expect("posts")
}

/// The public id in `/admin/posts/{id}?ok=...`.
fn public_id_of(location: &str) -> String {
    let rest = location
        .strip_prefix("/admin/posts/")
        .unwrap_or_else(|| panic!("not a post page: {location}"));
    rest.split('?').next().expect("id").to_string()
}

/// The address of the editor's script that an admin page links.
fn script_address(body: &str) -> String {
    let marker = "<script src=\"";
    let start = body.find(marker).expect("a script element") + marker.len();
    let len = body[start..].find('"').expect("end of the src");
    body[start..start + len].replace("&amp;", "&")
}

/// A peer follows the village, so publishing has somewhere to deliver.
pub(crate) async fn followed_by_peer(node: &TestNode) -> Peer {
    let peer = Peer::start(true).await;
    let follow = peer.follow("warga", &node.actor_id());
    let (status, body) = peer
        .send(
            "warga",
            &format!("{}/u/{}/inbox", node.base, node.username),
            &follow,
        )
        .await;
    assert_eq!(status, 202, "{body}");
    eventually("the Accept of the follow", WAIT, || async {
        peer.received_of("Accept").into_iter().next()
    })
    .await;
    peer
}

async fn login_lock_out(backend: Backend) {
    let node = TestNode::start(&backend, "desa-sukamaju").await;
    let operator = user(&node, "operator", Role::Admin).await;
    let victim = user(&node, "korban", Role::Editor).await;
    let mut browser = Browser::new(&node);

    // No session: sent to the login form, which remembers where to come back.
    let page = browser.get("/admin/posts/new").await;
    assert_eq!(page.status, 303);
    assert_eq!(page.location, "/admin/login?next=%2Fadmin%2Fposts%2Fnew");

    let form = browser.get("/admin/login").await;
    assert!(form.body.contains("name=\"username\""));
    assert!(form.body.contains("name=\"password\""));
    let login_cookie = form.header("set-cookie").to_string();
    assert!(
        login_cookie.contains("HttpOnly") && login_cookie.contains("SameSite=Strict"),
        "{login_cookie}"
    );

    let wrong = browser.try_login("operator", "bukan-kata-sandinya").await;
    assert_eq!(wrong.status, 401);
    assert!(
        wrong.body.contains(strings::ADMIN_LOGIN_WRONG.id),
        "{}",
        wrong.body
    );
    assert!(wrong.body.contains("role=\"alert\""));
    assert!(!browser.has_cookie("kentongan_session"));

    let ok = browser.try_login("operator", PASSWORD).await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    assert_eq!(ok.location, "/admin");
    let session_cookie = ok
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("kentongan_session="))
        .expect("a session cookie")
        .to_string();
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=1209600"] {
        assert!(
            session_cookie.contains(attribute),
            "{session_cookie} lacks {attribute}"
        );
    }
    let dashboard = browser.get("/admin").await;
    assert_eq!(dashboard.status, 200);
    assert!(dashboard.body.contains(strings::ADMIN_WRITE_POST.id));
    assert!(dashboard.body.contains("Desa desa-sukamaju"));
    assert_eq!(dashboard.header("cache-control"), "no-store");
    assert_eq!(dashboard.header("x-frame-options"), "DENY");
    assert_eq!(dashboard.header("referrer-policy"), "same-origin");
    // The admin may run the node's own script file, never inline script or eval.
    assert_eq!(
        dashboard.header("content-security-policy"),
        kentongan::web::safety::ADMIN_CSP
    );
    let directives: Vec<&str> = dashboard
        .header("content-security-policy")
        .split(';')
        .map(str::trim)
        .collect();
    assert!(directives.contains(&"script-src 'self'"), "{directives:?}");
    assert!(
        directives.contains(&"frame-ancestors 'none'"),
        "{directives:?}"
    );
    // The editor's script and style are the node's own, cached for a year by hash.
    let script = browser.get(&script_address(&dashboard.body)).await;
    assert_eq!(script.status, 200);
    assert!(script.header("content-type").starts_with("text/javascript"));
    assert_eq!(
        script.header("cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert!(!script.header("etag").is_empty());
    assert_eq!(dashboard.body.matches("<h1").count(), 1);

    // The victim is signed in elsewhere and has a published post.
    let mut victim_browser = Browser::signed_in_as(&node, "korban").await;
    let published = victim_browser
        .editor(
            "/admin/posts/new",
            "publish",
            post_parts("Kabar korban", "Isi kabar."),
        )
        .await;
    assert_eq!(published.status, 303, "{}", published.body);
    let before = node
        .state()
        .store
        .user_by_id(victim.id)
        .await
        .expect("read")
        .expect("user");

    // A stranger guesses the victim's password from one address: a few wrong guesses
    // are answered as such, then that address must wait, longer after every failure.
    let mut attacker = Browser::new(&node).coming_from(STRANGER);
    for _ in 0..=auth::throttle::FREE_FAILURES_PER_NAME {
        let page = attacker.try_login("korban", "tebakan-salah").await;
        assert_eq!(page.status, 401, "{}", page.body);
        assert!(page.header("retry-after").is_empty());
    }
    let first = attacker.try_login("korban", "tebakan-salah").await;
    assert_eq!(first.status, 429, "{}", first.body);
    assert_eq!(retry_after(&first), 1);
    assert!(
        first.body.contains(strings::ADMIN_LOGIN_SLOWED_MOMENT.id),
        "{}",
        first.body
    );
    let page = wait_out_the_pause(&mut attacker, "korban", "tebakan-salah").await;
    assert_eq!(page.status, 401, "{}", page.body);
    let second = attacker.try_login("korban", "tebakan-salah").await;
    assert_eq!(second.status, 429);
    assert_eq!(retry_after(&second), 2, "the pause doubled");
    // Over a second of the pause is left: the admin's list of accounts says so, and even
    // the right password waits.
    let list = browser.get("/admin/users").await;
    assert!(
        list.body.contains(strings::ADMIN_SLOWED_UNTIL.id),
        "{}",
        list.body
    );
    let during = attacker.try_login("korban", PASSWORD).await;
    assert_eq!(during.status, 429, "the right password waits out the pause");
    assert!(!attacker.has_cookie("kentongan_session"));

    // Meanwhile the victim signs in from their own address, at once.
    let mut at_home = Browser::new(&node).coming_from(OPERATOR_HOME);
    at_home.login("korban", PASSWORD).await;
    assert_eq!(at_home.get("/admin").await.status, 200);

    // A hundred more guesses change nothing but the attacker's wait.
    for attempt in 0..100 {
        let page = attacker
            .try_login("korban", &format!("tebakan-{attempt}"))
            .await;
        assert!(matches!(page.status, 401 | 429), "{}", page.status);
    }
    assert!(!attacker.has_cookie("kentongan_session"));
    let after = node
        .state()
        .store
        .user_by_id(victim.id)
        .await
        .expect("read")
        .expect("user");
    assert_eq!(after.password_hash, before.password_hash);
    assert_eq!(after.role, before.role);
    assert!(!after.disabled);
    assert_eq!(
        live_posts(&node).await.len(),
        1,
        "the account's posts are untouched"
    );
    let still = victim_browser.get("/admin").await;
    assert_eq!(still.status, 200, "the account's session is untouched");
    assert!(still.body.contains("Kabar korban"));
    let mut again_at_home = Browser::new(&node).coming_from(OPERATOR_HOME);
    again_at_home.login("korban", PASSWORD).await;

    // `kentongan admin unlock` forgets the failures: the right password works from that
    // address too, at once.
    let unlock = unlock(&node, "korban").await;
    assert!(unlock.contains("korban"), "{unlock}");
    let page = attacker.try_login("korban", PASSWORD).await;
    assert_eq!(page.status, 303, "unlocked: {}", page.body);

    // Logout ends the session.
    let csrf = browser.csrf().await;
    let out = browser.post_form("/admin/logout", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, 303);
    assert_eq!(browser.get("/admin").await.status, 303);
    let _ = operator;
    node.stop().await;
}

/// A stranger's address, and the operator's own (documentation ranges, RFC 5737).
const STRANGER: &str = "203.0.113.66";
const OPERATOR_HOME: &str = "198.51.100.20";

fn retry_after(page: &Page) -> i64 {
    page.header("retry-after")
        .parse()
        .unwrap_or_else(|_| panic!("a Retry-After on a {}", page.status))
}

/// Tries again until the pause is over (a try during it is not counted) and returns
/// the first answer that is not a 429.
async fn wait_out_the_pause(browser: &mut Browser, username: &str, password: &str) -> Page {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let page = browser.try_login(username, password).await;
        if page.status != 429 {
            return page;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the pause never ended"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// `kentongan admin unlock` on the node's data directory, from another process as an
/// operator would run it; its output.
async fn unlock(node: &TestNode, username: &str) -> String {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_kentongan"))
        .args(["admin", "unlock", "--dir"])
        .arg(node.dir())
        .args(["--username", username])
        .output()
        .await
        .expect("run kentongan admin unlock");
    let text = String::from_utf8_lossy(&output.stdout).to_string()
        + &String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{text}");
    text
}

#[tokio::test]
async fn login_is_slowed_per_address_and_never_locks_the_operator_out() {
    on_every_backend(login_lock_out).await;
}

/// A login page as it compares between two names: without its fresh CSRF token and
/// the name typed back into the form.
fn comparable(page: &Page, typed: &str) -> (u16, bool, String) {
    let body = page
        .body
        .replace(&page.csrf(), "CSRF")
        .replace(&format!("value=\"{typed}\""), "value=\"NAME\"");
    (page.status, page.header("retry-after").is_empty(), body)
}

async fn missing_like_real(backend: Backend) {
    let node = TestNode::start(&backend, "desa-sukamaju").await;
    user(&node, "operator", Role::Admin).await;
    let mut real = Browser::new(&node).coming_from("203.0.113.1");
    let mut missing = Browser::new(&node).coming_from("203.0.113.2");
    let both = async |real: &mut Browser, missing: &mut Browser| {
        let a = real.try_login("operator", "tebakan-salah").await;
        let b = missing.try_login("tidak-ada", "tebakan-salah").await;
        assert_eq!(
            comparable(&a, "operator"),
            comparable(&b, "tidak-ada"),
            "a name without an account is answered differently"
        );
        a.status
    };

    // Every step of the throttle: the free failures, the first pause, the failure after
    // it and the longer pause, answered alike.
    let mut statuses = Vec::new();
    for _ in 0..=auth::throttle::FREE_FAILURES_PER_NAME + 1 {
        statuses.push(both(&mut real, &mut missing).await);
    }
    let a = wait_out_the_pause(&mut real, "operator", "tebakan-salah").await;
    let b = wait_out_the_pause(&mut missing, "tidak-ada", "tebakan-salah").await;
    assert_eq!(comparable(&a, "operator"), comparable(&b, "tidak-ada"));
    statuses.push(a.status);
    statuses.push(both(&mut real, &mut missing).await);
    assert_eq!(statuses, [401, 401, 401, 401, 429, 401, 429]);

    // One address guessing many names is capped too, whether the names exist or not,
    // while any other address may still try them.
    let mut guesser = Browser::new(&node).coming_from("2001:db8:77:1::1");
    for n in 0..auth::throttle::FREE_FAILURES_PER_ADDRESS + 1 {
        let name = if n == 0 {
            "operator".to_string()
        } else {
            format!("nama-{n}")
        };
        let page = guesser.try_login(&name, "tebakan-salah").await;
        assert_eq!(page.status, 401, "{name}: {}", page.body);
    }
    // Another address of the same IPv6 /64 is the same guesser.
    let mut same_block = Browser::new(&node).coming_from("2001:db8:77:1:abcd::9");
    for name in ["operator", "nama-baru"] {
        let page = same_block.try_login(name, "tebakan-salah").await;
        assert_eq!(page.status, 429, "{name}");
        assert!(retry_after(&page) >= 1);
    }
    let mut elsewhere = Browser::new(&node).coming_from("2001:db8:78:1::1");
    let page = elsewhere.try_login("nama-baru", "tebakan-salah").await;
    assert_eq!(page.status, 401);
    elsewhere.login("operator", PASSWORD).await;

    // Guesses sent all at once are weighed one after another: only the free ones (and,
    // on a machine stalled for a second, one more) are checked, not all of them.
    let burst = (0..20).map(|_| async {
        let mut browser = Browser::new(&node).coming_from("192.0.2.200");
        browser.try_login("operator", "tebakan-salah").await.status
    });
    let statuses = futures::future::join_all(burst).await;
    let checked = statuses.iter().filter(|status| **status == 401).count();
    let free = usize::try_from(auth::throttle::FREE_FAILURES_PER_NAME).expect("small");
    assert!(
        (free + 1..=free + 2).contains(&checked),
        "{checked} checked of {statuses:?}"
    );
    assert!(statuses.iter().all(|status| matches!(status, 401 | 429)));
    node.stop().await;
}

#[tokio::test]
async fn a_missing_username_is_answered_like_a_real_one_at_every_step_of_the_throttle() {
    on_every_backend(missing_like_real).await;
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

async fn timing(backend: Backend) {
    let node = TestNode::start(&backend, "desa-sukamaju").await;
    user(&node, "operator", Role::Admin).await;
    // One POST timed; each try from its own address, so no pause is ever involved.
    let timed = async |n: usize, username: &str| {
        let mut browser = Browser::new(&node).coming_from(&format!("192.0.2.{n}"));
        let form = browser.get("/admin/login").await;
        let csrf = form.csrf();
        let started = std::time::Instant::now();
        let page = browser
            .post_form(
                "/admin/login",
                &[
                    ("csrf", &csrf),
                    ("username", username),
                    ("password", "tebakan-salah"),
                ],
            )
            .await;
        let took = started.elapsed().as_secs_f64();
        assert_eq!(page.status, 401);
        took
    };
    // Warm up both paths, then alternate which goes first.
    timed(1, "operator").await;
    timed(2, "tidak-ada").await;
    let (mut real, mut missing) = (Vec::new(), Vec::new());
    for round in 0..15 {
        let n = 10 + 2 * round;
        if round % 2 == 0 {
            real.push(timed(n, "operator").await);
            missing.push(timed(n + 1, &format!("tidak-ada-{round}")).await);
        } else {
            missing.push(timed(n, &format!("tidak-ada-{round}")).await);
            real.push(timed(n + 1, "operator").await);
        }
    }
    let ratio = median(missing) / median(real);
    assert!(
        (0.5..=2.0).contains(&ratio),
        "a missing name takes {ratio:.2}× the time of a wrong password"
    );
    node.stop().await;
}

/// Argon2 dominates a login: without the dummy verification a missing name would be
/// answered in a fraction of the time.
#[tokio::test]
async fn a_missing_username_takes_as_long_as_a_wrong_password() {
    on_every_backend(timing).await;
}

async fn csrf_and_origin(backend: Backend) {
    let node = TestNode::start(&backend, "desa-sukamaju").await;
    let (mut browser, csrf) = signed_in(&node, "operator", Role::Admin).await;
    let categories_before = node
        .state()
        .store
        .categories()
        .await
        .expect("categories")
        .len();

    let mut without = post_parts("Tanpa token", "Isi.");
    without.push(text("action", "publish"));
    let page = browser
        .post_multipart("/admin/posts/new", &without, None)
        .await;
    assert_eq!(page.status, 403);
    assert!(
        page.body.contains(strings::ADMIN_CSRF_MISMATCH.id),
        "{}",
        page.body
    );

    let mut wrong = post_parts("Token salah", "Isi.");
    wrong.push(text("action", "publish"));
    wrong.push(text("csrf", "bukan-token-sesi-ini"));
    let page = browser
        .post_multipart("/admin/posts/new", &wrong, None)
        .await;
    assert_eq!(page.status, 403);

    let mut foreign = post_parts("Dari situs lain", "Isi.");
    foreign.push(text("action", "publish"));
    foreign.push(text("csrf", csrf.clone()));
    let page = browser
        .post_multipart("/admin/posts/new", &foreign, Some("https://evil.example"))
        .await;
    assert_eq!(page.status, 403);
    assert!(
        page.body.contains(strings::ADMIN_FOREIGN_ORIGIN.id),
        "{}",
        page.body
    );

    let page = browser
        .post_form("/admin/categories", &[("name", "Bocor"), ("position", "9")])
        .await;
    assert_eq!(page.status, 403);
    let page = browser.post_form("/admin/logout", &[]).await;
    assert_eq!(page.status, 403);

    assert!(live_posts(&node).await.is_empty());
    assert!(
        node.state()
            .store
            .drafts()
            .await
            .expect("drafts")
            .is_empty()
    );
    assert_eq!(
        node.state()
            .store
            .categories()
            .await
            .expect("categories")
            .len(),
        categories_before
    );
    assert_eq!(browser.get("/admin").await.status, 200, "still signed in");

    // Our own Origin passes.
    let page = browser
        .post_multipart("/admin/posts/new", &foreign, Some(&node.base))
        .await;
    assert_eq!(page.status, 303, "{}", page.body);

    // The login form's own token: a post without its cookie is refused.
    let mut stranger = Browser::new(&node);
    let page = stranger
        .post_form(
            "/admin/login",
            &[
                ("csrf", "tebakan"),
                ("username", "operator"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(page.status, 403);
    assert!(!stranger.has_cookie("kentongan_session"));
    node.stop().await;
}

#[tokio::test]
async fn posts_without_the_csrf_token_or_from_another_origin_change_nothing() {
    on_every_backend(csrf_and_origin).await;
}

async fn contributor_and_editor(backend: Backend) {
    let node = TestNode::start(&backend, "desa-sukamaju").await;
    let writer = user(&node, "kim.warga", Role::Kontributor).await;
    user(&node, "editor.desa", Role::Editor).await;
    let mut kim = Browser::signed_in_as(&node, "kim.warga").await;

    let form = kim.get("/admin/posts/new").await;
    assert!(form.body.contains("value=\"submit_review\""));
    assert!(
        !form.body.contains("value=\"publish\""),
        "no publish button for a contributor"
    );

    let saved = kim
        .editor(
            "/admin/posts/new",
            "save_draft",
            post_parts("Kerja bakti RT 03", "Ayo kerja bakti."),
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let draft_path = saved.location.split('?').next().expect("path").to_string();
    assert!(draft_path.starts_with("/admin/drafts/"), "{draft_path}");
    let submitted = kim
        .editor(
            &draft_path,
            "submit_review",
            post_parts("Kerja bakti RT 03", "Ayo kerja bakti Minggu pagi."),
        )
        .await;
    assert_eq!(submitted.status, 303, "{}", submitted.body);
    let drafts = node.state().store.drafts().await.expect("drafts");
    assert_eq!(drafts.len(), 1);
    assert_eq!(drafts[0].status, kentongan::store::DraftStatus::Review);
    assert_eq!(drafts[0].author_user_id, Some(writer.id));

    for page in [
        kim.editor(
            "/admin/posts/new",
            "publish",
            post_parts("Langsung terbit", "Isi."),
        )
        .await,
        kim.editor(
            "/admin/posts/new",
            "schedule",
            post_parts("Dijadwalkan", "Isi."),
        )
        .await,
        kim.editor(
            &draft_path,
            "publish",
            post_parts("Kerja bakti RT 03", "Isi."),
        )
        .await,
        kim.get("/admin/settings").await,
        kim.get("/admin/users").await,
        kim.get("/admin/categories").await,
        kim.get("/admin/pages").await,
    ] {
        assert_eq!(page.status, 403, "{}", page.body);
        assert!(page.body.contains(strings::ADMIN_FORBIDDEN.id));
    }
    let csrf = kim.csrf().await;
    let page = kim
        .post_form(
            "/admin/users",
            &[("csrf", &csrf), ("username", "penyusup"), ("role", "admin")],
        )
        .await;
    assert_eq!(page.status, 403);
    assert!(live_posts(&node).await.is_empty());
    assert_eq!(node.state().store.users().await.expect("users").len(), 3);

    let mut editor = Browser::signed_in_as(&node, "editor.desa").await;
    let dashboard = editor.get("/admin").await;
    assert!(dashboard.body.contains(strings::ADMIN_NEEDS_REVIEW.id));
    assert!(dashboard.body.contains("Kerja bakti RT 03"));
    let review = editor.get(&draft_path).await;
    assert_eq!(review.status, 200);
    assert!(review.body.contains("Ayo kerja bakti Minggu pagi."));
    let published = editor
        .editor(
            &draft_path,
            "publish",
            post_parts("Kerja bakti RT 03", "Ayo kerja bakti Minggu pagi."),
        )
        .await;
    assert_eq!(published.status, 303, "{}", published.body);
    assert!(published.location.ends_with("?ok=published"));
    let id = public_id_of(&published.location);
    let post = node
        .state()
        .store
        .post_by_public_id(&id)
        .await
        .expect("read")
        .expect("published");
    assert_eq!(
        post.author_user_id,
        Some(writer.id),
        "the contributor stays the author"
    );
    assert!(
        node.state()
            .store
            .drafts()
            .await
            .expect("drafts")
            .is_empty()
    );
    let page = editor.get(&published.location).await;
    assert!(page.body.contains(strings::ADMIN_OK_PUBLISHED.id));

    // The contributor cannot touch the published post.
    assert_eq!(
        kim.get(&format!("/admin/posts/{id}/edit")).await.status,
        403
    );
    let csrf = kim.csrf().await;
    let page = kim
        .post_form(&format!("/admin/posts/{id}/delete"), &[("csrf", &csrf)])
        .await;
    assert_eq!(page.status, 403);
    assert_eq!(live_posts(&node).await.len(), 1);
    node.stop().await;
}

#[tokio::test]
async fn a_contributor_submits_for_review_and_an_editor_publishes() {
    on_every_backend(contributor_and_editor).await;
}

async fn publish_with_cover(backend: Backend) {
    let node = TestNode::start(&backend, "desa-sukamaju").await;
    let peer = followed_by_peer(&node).await;
    let (mut browser, _) = signed_in(&node, "operator", Role::Editor).await;

    // Preview keeps the upload: it comes back as an existing image with its thumb.
    let mut parts = post_parts("Panen raya di sawah timur", "Panen tahun ini **melimpah**.");
    parts.push(Part::File("cover", "panen.png", "image/png", png(640, 480)));
    parts.push(text("cover_alt", "Petani memanen padi di sawah timur"));
    let preview = browser.editor("/admin/posts/new", "preview", parts).await;
    assert_eq!(preview.status, 200, "{}", preview.body);
    assert!(preview.body.contains("<strong>melimpah</strong>"));
    assert!(preview.body.contains("name=\"image_key_0\""));
    assert!(
        live_posts(&node).await.is_empty(),
        "a preview publishes nothing"
    );
    let field = |name: &str| {
        let marker = format!("name=\"{name}\" value=\"");
        let start = preview.body.find(&marker).expect(name) + marker.len();
        preview.body[start..]
            .split('"')
            .next()
            .expect("value")
            .to_string()
    };
    let (key, extension) = (field("image_key_0"), field("image_ext_0"));
    assert_eq!(key.len(), 32);
    assert!(
        preview.body.contains(&format!("{key}-thumb.{extension}")),
        "{}",
        preview.body
    );

    let mut parts = post_parts("Panen raya di sawah timur", "Panen tahun ini **melimpah**.");
    parts.extend([
        text("image_key_0", key.clone()),
        text("image_ext_0", extension.clone()),
        text("image_width_0", "640"),
        text("image_height_0", "480"),
        text("image_alt_0", "Petani memanen padi di sawah timur"),
    ]);
    let published = browser.editor("/admin/posts/new", "publish", parts).await;
    assert_eq!(published.status, 303, "{}", published.body);
    let id = public_id_of(&published.location);
    let post = node
        .state()
        .store
        .post_by_public_id(&id)
        .await
        .expect("read")
        .expect("post");
    let images = kentongan::publishing::images_of(&post.images_json);
    assert_eq!(images.len(), 1);
    assert_eq!(images[0].key, key);
    assert_eq!(images[0].alt, "Petani memanen padi di sawah timur");

    // The Create reaches the follower with the image and its alt text.
    let create = eventually("the Create at the follower", WAIT, || async {
        peer.received_of("Create").into_iter().next()
    })
    .await;
    let attachment = &create.activity["object"]["attachment"];
    assert!(attachment.to_string().contains(&key), "{attachment}");
    assert!(
        attachment.to_string().contains("Petani memanen padi"),
        "{attachment}"
    );

    // The public page shows the image.
    let public = client()
        .get(format!("{}/p/{id}", node.base))
        .send()
        .await
        .expect("public page");
    assert_eq!(public.status().as_u16(), 200);
    let html = public.text().await.expect("html");
    // minijinja escapes '/' in attributes as &#x2f;
    let unescaped = html.replace("&#x2f;", "/");
    assert!(unescaped.contains(&format!("/media/{key}-")), "{html}");
    let file = client()
        .get(format!("{}/media/{key}-large.{extension}", node.base))
        .send()
        .await
        .expect("media");
    assert_eq!(file.status().as_u16(), 200);

    // The delivery report counts the server that has it.
    let report = eventually("the delivery report counting the delivery", WAIT, || {
        let mut browser = browser.clone();
        let path = format!("/admin/posts/{id}");
        async move {
            let page = browser.get(&path).await;
            page.body.contains("<strong>1</strong> / 1").then_some(page)
        }
    })
    .await;
    assert!(report.body.contains(strings::ADMIN_DELIVERY_REPORT.id));
    assert!(report.body.contains(strings::ADMIN_ACTIVITY_CREATE.id));
    peer.stop();
    node.stop().await;
}

#[tokio::test]
async fn publishing_with_a_cover_image_federates_it_and_shows_it() {
    on_every_backend(publish_with_cover).await;
}

async fn bad_uploads(backend: Backend) {
    let node = TestNode::start(&backend, "desa-sukamaju").await;
    let (mut browser, _) = signed_in(&node, "operator", Role::Editor).await;

    let image = png(800, 600);
    let mut too_large = image.clone();
    too_large.resize(10 * 1024 * 1024 + 1, 0);
    let cases: Vec<(Vec<u8>, &str, u16, strings::Text)> = vec![
        (
            b"Ini bukan gambar, hanya teks.".to_vec(),
            "text/plain",
            415,
            strings::UPLOAD_NOT_IMAGE,
        ),
        (
            image[..image.len() / 2].to_vec(),
            "image/png",
            400,
            strings::UPLOAD_CORRUPT,
        ),
        (too_large, "image/png", 413, strings::UPLOAD_TOO_LARGE),
    ];
    for (bytes, content_type, status, message) in cases {
        let mut parts = post_parts("Judul yang diketik operator", "Isi yang diketik operator.");
        parts.push(Part::File("cover", "foto.png", content_type, bytes));
        parts.push(text("cover_alt", "Keterangan foto"));
        let page = browser.editor("/admin/posts/new", "publish", parts).await;
        assert_eq!(page.status, status, "{}", page.body);
        assert!(page.body.contains(message.id), "{}", page.body);
        assert!(page.body.contains("role=\"alert\""));
        assert!(
            page.body.contains("Judul yang diketik operator"),
            "what was typed survives"
        );
        assert!(page.body.contains("Isi yang diketik operator."));
    }
    assert!(live_posts(&node).await.is_empty());
    assert!(
        node.state()
            .store
            .drafts()
            .await
            .expect("drafts")
            .is_empty()
    );
    node.stop().await;
}

#[tokio::test]
async fn uploads_that_are_not_images_truncated_or_too_large_are_refused() {
    on_every_backend(bad_uploads).await;
}

async fn long_title_and_scripts(backend: Backend) {
    let node = TestNode::start(&backend, "desa-sukamaju").await;
    let (mut browser, _) = signed_in(&node, "operator", Role::Admin).await;

    let long = "a".repeat(10_000);
    for action in ["publish", "save_draft"] {
        let page = browser
            .editor("/admin/posts/new", action, post_parts(&long, "Isi."))
            .await;
        assert_eq!(page.status, 400, "{action}");
        assert!(
            page.body.contains(strings::TITLE_TOO_LONG.id),
            "{}",
            page.body
        );
        assert!(page.body.contains("Isi."));
    }
    assert!(live_posts(&node).await.is_empty());
    assert!(
        node.state()
            .store
            .drafts()
            .await
            .expect("drafts")
            .is_empty()
    );

    let hostile = "Halo\n\n<script>alert('x')</script>\n\n<img src=x onerror=\"alert(1)\">\n\n<a href=\"javascript:alert(1)\">klik</a>";
    let preview = browser
        .editor(
            "/admin/posts/new",
            "preview",
            post_parts("Uji skrip", hostile),
        )
        .await;
    assert_eq!(preview.status, 200);
    // The page's only scripts are the node's own file and the editor's words as data.
    let own = [
        "<script src=\"/admin/static/editor.js?v=",
        "<script type=\"application/json\" id=\"editor-texts\">",
    ];
    let foreign = preview
        .body
        .match_indices("<script")
        .filter(|(at, _)| !own.iter().any(|o| preview.body[*at..].starts_with(o)))
        .count();
    assert_eq!(foreign, 0, "{}", preview.body);
    assert!(!preview.body.contains("onerror=\""));
    let published = browser
        .editor(
            "/admin/posts/new",
            "publish",
            post_parts("Uji skrip", hostile),
        )
        .await;
    assert_eq!(published.status, 303, "{}", published.body);
    let id = public_id_of(&published.location);
    let html = client()
        .get(format!("{}/p/{id}", node.base))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(html.contains("Uji skrip"));
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("onerror"));
    assert!(!html.contains("javascript:"));
    node.stop().await;
}

#[tokio::test]
async fn a_huge_title_is_refused_and_script_in_markdown_never_reaches_a_page() {
    on_every_backend(long_title_and_scripts).await;
}

async fn edit_delete_schedule(backend: Backend) {
    let node = TestNode::start(&backend, "desa-sukamaju").await;
    let peer = followed_by_peer(&node).await;
    let (mut browser, _) = signed_in(&node, "operator", Role::Editor).await;

    let published = browser
        .editor(
            "/admin/posts/new",
            "publish",
            post_parts("Musyawarah desa", "Rapat di balai."),
        )
        .await;
    assert_eq!(published.status, 303, "{}", published.body);
    let id = public_id_of(&published.location);

    let form = browser.get(&format!("/admin/posts/{id}/edit")).await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("Rapat di balai."));
    assert!(!form.body.contains("value=\"save_draft\""));
    let edited = browser
        .editor(
            &format!("/admin/posts/{id}/edit"),
            "publish",
            post_parts("Musyawarah desa (diundur)", "Rapat diundur ke Kamis."),
        )
        .await;
    assert_eq!(edited.status, 303, "{}", edited.body);
    assert!(edited.location.ends_with("?ok=updated"));
    let post = node
        .state()
        .store
        .post_by_public_id(&id)
        .await
        .expect("read")
        .expect("post");
    assert_eq!(post.title, "Musyawarah desa (diundur)");
    let update = eventually("the Update at the follower", WAIT, || async {
        peer.received_of("Update").into_iter().next()
    })
    .await;
    assert!(
        update.activity["object"]["content"]
            .to_string()
            .contains("Kamis")
    );

    let confirm = browser.get(&format!("/admin/posts/{id}/delete")).await;
    assert_eq!(confirm.status, 200);
    let csrf = confirm.csrf();
    let deleted = browser
        .post_form(
            &format!("/admin/posts/{id}/delete"),
            &[("csrf", &csrf), ("confirm", "yes")],
        )
        .await;
    assert_eq!(deleted.status, 303, "{}", deleted.body);
    let post = node
        .state()
        .store
        .post_by_public_id(&id)
        .await
        .expect("read")
        .expect("post");
    assert!(post.deleted_at.is_some());
    eventually("the Delete at the follower", WAIT, || async {
        peer.received_of("Delete").into_iter().next()
    })
    .await;

    // Scheduled a few seconds ahead, in the village's time zone: the scheduler publishes it.
    let at = kentongan::clock::now_ms() + 3_000;
    let local = kentongan::clock::to_datetime(at)
        .with_timezone(&kentongan::site::TimeZone::Wib.offset())
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string();
    let mut parts = post_parts("Posyandu balita", "Posyandu buka pukul delapan.");
    parts.push(text("publish_at", local));
    let scheduled = browser.editor("/admin/posts/new", "schedule", parts).await;
    assert_eq!(scheduled.status, 303, "{}", scheduled.body);
    assert_eq!(scheduled.location, "/admin?ok=scheduled");
    let dashboard = browser.get("/admin").await;
    assert!(dashboard.body.contains("Posyandu balita"));
    assert!(dashboard.body.contains(strings::ADMIN_SCHEDULED.id));
    let post = eventually("the scheduled post published", WAIT, || async {
        live_posts(&node)
            .await
            .into_iter()
            .find(|p| p.title == "Posyandu balita")
    })
    .await;
    assert!(post.published_at >= at - 1_000);
    assert!(
        node.state()
            .store
            .drafts()
            .await
            .expect("drafts")
            .is_empty()
    );
    peer.stop();
    node.stop().await;
}

#[tokio::test]
async fn editing_federates_an_update_deleting_a_delete_and_scheduled_posts_publish() {
    on_every_backend(edit_delete_schedule).await;
}

async fn settings_users_account(backend: Backend) {
    let node = TestNode::start(&backend, "desa-sukamaju").await;
    let operator = user(&node, "operator", Role::Admin).await;
    let mut browser = Browser::signed_in_as(&node, "operator").await;

    // Settings: the actor's name and the site's tagline.
    let csrf = browser.csrf().await;
    let parts = vec![
        text("csrf", csrf.clone()),
        text("name", "Pemerintah Desa Sukamaju"),
        text("description", "Kabar resmi desa."),
        text("tagline", "Guyub rukun, maju bersama"),
        text("village_word", "kelurahan"),
        text("language", "id"),
        text("time_zone", "WITA"),
        text("colour_primary", "#7a3b10"),
        text("colour_accent", "#0b5394"),
        text("contact_address", "Jl. Balai Desa 1"),
        text("contact_phone", "0812-0000-0000"),
        text("contact_email", "desa@example.id"),
        Part::File("logo", "logo.png", "image/png", png(200, 200)),
    ];
    let saved = browser
        .post_multipart("/admin/settings", &parts, None)
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let actor = main_actor(&node).await;
    assert_eq!(actor.name, "Pemerintah Desa Sukamaju");
    let settings = kentongan::site::load(&node.state().store)
        .await
        .expect("settings");
    assert_eq!(settings.tagline, "Guyub rukun, maju bersama");
    assert_eq!(settings.village_word, "kelurahan");
    assert_eq!(settings.time_zone, kentongan::site::TimeZone::Wita);
    assert_eq!(
        settings.logo.as_ref().map(|l| l.alt.as_str()),
        Some("Pemerintah Desa Sukamaju")
    );
    let page = browser.get("/admin/settings?ok=settings").await;
    assert!(page.body.contains(strings::ADMIN_OK_SETTINGS.id));
    let mut bad = parts;
    bad[8] = text("colour_accent", "red;}");
    bad.pop();
    let refused = browser.post_multipart("/admin/settings", &bad, None).await;
    assert_eq!(refused.status, 400);
    assert!(refused.body.contains(strings::SETTINGS_COLOUR_INVALID.id));

    // A new account gets a password shown once, that signs in.
    let added = browser
        .post_form(
            "/admin/users",
            &[
                ("csrf", &csrf),
                ("username", "kim.desa"),
                ("display_name", "KIM Sukamaju"),
                ("role", "kontributor"),
            ],
        )
        .await;
    assert_eq!(added.status, 200, "{}", added.body);
    let marker = "id=\"new-password\">";
    let start = added.body.find(marker).expect("the password") + marker.len();
    let password = added.body[start..]
        .split('<')
        .next()
        .expect("password")
        .to_string();
    assert!(password.len() >= 20, "{password}");
    let list = browser.get("/admin/users").await;
    assert!(list.body.contains("kim.desa"));
    assert!(!list.body.contains(&password), "shown only once");
    let mut kim = Browser::new(&node);
    kim.login("kim.desa", &password).await;

    // An admin cannot demote themselves.
    let demote = browser
        .post_form(
            &format!("/admin/users/{}", operator.id),
            &[
                ("csrf", &csrf),
                ("role", "editor"),
                ("display_name", "Operator"),
            ],
        )
        .await;
    assert_eq!(demote.status, 400);
    assert!(demote.body.contains(strings::ADMIN_NOT_YOURSELF.id));

    // A reset gives a new password and ends the old sessions.
    let kim_id = node
        .state()
        .store
        .user_by_username("kim.desa")
        .await
        .expect("read")
        .expect("kim")
        .id;
    let reset = browser
        .post_form(&format!("/admin/users/{kim_id}/reset"), &[("csrf", &csrf)])
        .await;
    assert_eq!(reset.status, 200);
    let start = reset.body.find(marker).expect("the new password") + marker.len();
    let new_password = reset.body[start..]
        .split('<')
        .next()
        .expect("password")
        .to_string();
    assert_ne!(new_password, password);
    assert_eq!(kim.get("/admin").await.status, 303, "the old session ended");
    assert_eq!(
        Browser::new(&node)
            .try_login("kim.desa", &password)
            .await
            .status,
        401
    );
    kim.login("kim.desa", &new_password).await;

    // Each account changes its own password and language.
    let kim_csrf = kim.csrf().await;
    let wrong = kim
        .post_form(
            "/admin/account",
            &[
                ("csrf", &kim_csrf),
                ("form", "password"),
                ("current_password", "salah-sekali-1"),
                ("new_password", "sandi-baru-kim-2026"),
                ("repeat_password", "sandi-baru-kim-2026"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 400);
    assert!(
        wrong
            .body
            .contains(strings::ADMIN_PASSWORD_CURRENT_WRONG.id)
    );
    let changed = kim
        .post_form(
            "/admin/account",
            &[
                ("csrf", &kim_csrf),
                ("form", "password"),
                ("current_password", &new_password),
                ("new_password", "sandi-baru-kim-2026"),
                ("repeat_password", "sandi-baru-kim-2026"),
            ],
        )
        .await;
    assert_eq!(changed.status, 303, "{}", changed.body);
    assert_eq!(
        kim.get("/admin").await.status,
        200,
        "this browser stays signed in"
    );
    assert_eq!(
        Browser::new(&node)
            .try_login("kim.desa", &new_password)
            .await
            .status,
        401
    );
    Browser::new(&node)
        .login("kim.desa", "sandi-baru-kim-2026")
        .await;

    let kim_csrf = kim.csrf().await;
    let english = kim
        .post_form(
            "/admin/account",
            &[
                ("csrf", &kim_csrf),
                ("form", "profile"),
                ("language", "en"),
                ("display_name", "KIM"),
            ],
        )
        .await;
    assert_eq!(english.status, 303);
    let dashboard = kim.get("/admin").await;
    assert!(
        dashboard.body.contains(strings::ADMIN_WRITE_POST.en),
        "{}",
        dashboard.body
    );
    assert!(dashboard.body.contains("lang=\"en\""));
    node.stop().await;
}

#[tokio::test]
async fn settings_accounts_and_passwords_are_managed_from_the_admin() {
    on_every_backend(settings_users_account).await;
}

async fn pages_and_categories(backend: Backend) {
    let node = TestNode::start(&backend, "desa-sukamaju").await;
    let (mut browser, csrf) = signed_in(&node, "editor.desa", Role::Editor).await;

    let bad = browser
        .post_form(
            "/admin/pages/new",
            &[
                ("csrf", &csrf),
                ("slug", "Bukan Alamat!"),
                ("title", "Sejarah"),
                ("body", "Isi"),
            ],
        )
        .await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains(strings::ADMIN_SLUG_INVALID.id));
    let saved = browser
        .post_form(
            "/admin/pages/new",
            &[
                ("csrf", &csrf),
                ("slug", "potensi-desa"),
                ("title", "Potensi Desa"),
                ("body", "Sawah dan **kebun**.\n\n<script>alert(1)</script>"),
                ("position", "5"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let page = node
        .state()
        .store
        .page_by_slug("potensi-desa")
        .await
        .expect("read")
        .expect("page");
    assert!(page.body_html.contains("<strong>kebun</strong>"));
    assert!(!page.body_html.contains("<script"));
    let deleted = browser
        .post_form(
            "/admin/pages/potensi-desa/delete",
            &[("csrf", &csrf), ("confirm", "yes")],
        )
        .await;
    assert_eq!(deleted.status, 303);
    assert!(
        node.state()
            .store
            .page_by_slug("potensi-desa")
            .await
            .expect("read")
            .is_none()
    );

    let invalid = browser
        .post_form(
            "/admin/categories",
            &[
                ("csrf", &csrf),
                ("name", "bukan kategori!"),
                ("position", "1"),
            ],
        )
        .await;
    assert_eq!(invalid.status, 400);
    assert!(invalid.body.contains(strings::CATEGORY_INVALID.id));
    let added = browser
        .post_form(
            "/admin/categories",
            &[("csrf", &csrf), ("name", "Pertanian"), ("position", "7")],
        )
        .await;
    assert_eq!(added.status, 303, "{}", added.body);
    let categories = node.state().store.categories().await.expect("categories");
    let farming = categories
        .iter()
        .find(|c| c.name == "Pertanian")
        .expect("added");
    let renamed = browser
        .post_form(
            &format!("/admin/categories/{}", farming.id),
            &[("csrf", &csrf), ("name", "Tani"), ("position", "0")],
        )
        .await;
    assert_eq!(renamed.status, 303, "{}", renamed.body);
    let categories = node.state().store.categories().await.expect("categories");
    let farming = categories
        .iter()
        .find(|c| c.id == farming.id)
        .expect("kept");
    assert_eq!((farming.name.as_str(), farming.position), ("Tani", 0));
    let removed = browser
        .post_form(
            &format!("/admin/categories/{}/delete", farming.id),
            &[("csrf", &csrf), ("confirm", "yes")],
        )
        .await;
    assert_eq!(removed.status, 303);
    let categories = node.state().store.categories().await.expect("categories");
    assert!(categories.iter().all(|c| c.name != "Tani"));
    node.stop().await;
}

#[tokio::test]
async fn editors_manage_pages_and_categories() {
    on_every_backend(pages_and_categories).await;
}
