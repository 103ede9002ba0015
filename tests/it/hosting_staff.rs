//! The regency's hosting staff (issue 13 point 4, docs/adr/0002 decision 7): a hosting
//! administrator made with `kentongan admin add --hosting` signs in on the node's hosting
//! host name, sees every site's health, adds a site, gives a village admin a new
//! password, and writes for a village that allowed it, through the village's own
//! editor, recorded in the village's history as on its behalf. Village credentials do
//! nothing on the hosting host, and hosting ones nothing on a village's.

use crate::support::{
    Backend, TestDb, WAIT, eventually, loopback_listener, on_every_backend,
    post_from_the_command_line,
    session::{Browser, Page, Part, text},
};
use kentongan::{
    cli::{InitArgs, InitOutcome, init},
    config::{Config, Role},
    hosting::{HostingNode, SiteAddArgs, add},
    store::{NewTicket, NewWebMessage, Store, TicketChannel, TicketClass},
    strings,
};
use std::{net::SocketAddr, path::Path};

/// A hosting node of three sites (the regency's portal at the root, two villages) with
/// hosting pages at `hosting.localhost`, and a hosting administrator.
struct Hosted {
    node: HostingNode,
    dir: tempfile::TempDir,
    db: TestDb,
    port: u16,
    first: InitOutcome,
    village: InitOutcome,
    staff_password: String,
}

const STAFF: &str = "diskominfo";
const VILLAGE: &str = "desa-a";
const OTHER: &str = "desa-b";

impl Hosted {
    async fn start(backend: &Backend) -> Self {
        Self::start_with(backend, true).await
    }

    async fn start_with(backend: &Backend, hosting_pages: bool) -> Self {
        let db = TestDb::create(backend).await;
        let dir = tempfile::tempdir().expect("data directory");
        let (listener, port) = loopback_listener().await;
        let first = init(InitArgs {
            dir: dir.path().to_path_buf(),
            domain: format!("localhost:{port}"),
            username: "kabupaten".into(),
            name: "Portal Kabupaten".into(),
            role: Role::Portal,
            listen: format!("127.0.0.1:{port}"),
            database_url: db.url.clone(),
            insecure_local: true,
            admin_username: "admin".into(),
        })
        .await
        .expect("init");
        let mut sites = Vec::new();
        for name in [VILLAGE, OTHER] {
            sites.push(
                add(SiteAddArgs {
                    dir: dir.path().to_path_buf(),
                    domain: format!("{name}.localhost:{port}"),
                    username: name.replace('-', ""),
                    name: format!("Desa {name}"),
                    role: Role::Village,
                    admin_username: "admin".into(),
                })
                .await
                .expect("site add"),
            );
        }
        if hosting_pages {
            let config = dir.path().join("kentongan.toml");
            // As an operator does: the commented line `init` wrote, filled in.
            let text = std::fs::read_to_string(&config).expect("config");
            let commented = "# domain = \"hosting.kabupaten.go.id\"";
            assert!(text.contains(commented), "{text}");
            let text = text.replace(commented, &format!("domain = \"hosting.localhost:{port}\""));
            std::fs::write(&config, text).expect("config written");
        }
        let staff_password = if hosting_pages {
            admin_add_hosting(dir.path(), STAFF).await
        } else {
            String::new()
        };
        let node = kentongan::node::start(dir.path(), listener)
            .await
            .expect("serve");
        Self {
            node,
            dir,
            db,
            port,
            first,
            village: sites.remove(0),
            staff_password,
        }
    }

    fn client(&self) -> reqwest::Client {
        let address = SocketAddr::from(([127, 0, 0, 1], self.port));
        [
            "hosting.localhost",
            "desa-a.localhost",
            "desa-b.localhost",
            "desa-c.localhost",
        ]
        .iter()
        .fold(reqwest::Client::builder(), |builder, name| {
            builder.resolve(name, address)
        })
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
    }

    fn base(&self, name: &str) -> String {
        format!("http://{name}.localhost:{}", self.port)
    }

    fn host(&self, name: &str) -> String {
        format!("{name}.localhost:{}", self.port)
    }

    fn browser(&self, name: &str) -> Browser {
        Browser::with_client(&self.base(name), self.client())
    }

    /// A browser signed in on the hosting pages.
    async fn staff(&self) -> Browser {
        let mut browser = self.browser("hosting");
        let page = staff_login(&mut browser, STAFF, &self.staff_password).await;
        assert_eq!(page.status, 303, "{}", page.body);
        assert_eq!(page.location, "/");
        browser
    }

    /// The store of a hosted site, opened beside the running node.
    async fn store_of(&self, name: &str) -> Store {
        let host = self.host(name);
        let dir = kentongan::hosting::find(self.dir.path(), Some(&host)).expect("site");
        let config = Config::load(&dir).expect("config");
        Store::connect(config.database_url()).await.expect("store")
    }

    async fn stop(self) {
        self.node.stop().await;
        self.db.drop_database().await;
    }
}

/// `kentongan admin add --hosting`, as an operator runs it: the password it prints once.
async fn admin_add_hosting(dir: &Path, username: &str) -> String {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_kentongan"))
        .args(["admin", "add", "--hosting", "--dir"])
        .arg(dir)
        .args(["--username", username, "--name", "Diskominfo Beltim"])
        .output()
        .await
        .expect("kentongan admin add --hosting");
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
        .lines()
        .find_map(|line| line.split("(shown only once): ").nth(1))
        .unwrap_or_else(|| panic!("a password in {stdout:?}"))
        .trim()
        .to_string()
}

async fn staff_login(browser: &mut Browser, username: &str, password: &str) -> Page {
    let form = browser.get("/login").await;
    assert_eq!(form.status, 200, "{}", form.body);
    let csrf = form.csrf();
    browser
        .post_form(
            "/login",
            &[
                ("csrf", &csrf),
                ("username", username),
                ("password", password),
            ],
        )
        .await
}

/// The text between `start` and the next `end` after it, in `body`.
fn between<'a>(body: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = body.find(start)? + start.len();
    let len = body[from..].find(end)?;
    Some(&body[from..from + len])
}

/// The overview's row of `host`.
fn row<'a>(body: &'a str, host: &str) -> &'a str {
    let marker = format!("data-host=\"{host}\"");
    let from = body
        .find(&marker)
        .unwrap_or_else(|| panic!("a row of {host}"));
    let len = body[from..].find("</tr>").expect("end of the row");
    &body[from..from + len]
}

fn figure(row: &str, name: &str) -> i64 {
    between(row, &format!("data-figure=\"{name}\">"), "<")
        .unwrap_or_else(|| panic!("{name} in {row}"))
        .parse()
        .expect("a number")
}

/// The password a page shows once.
fn shown_password(page: &Page) -> String {
    between(&page.body, "data-password>", "<")
        .unwrap_or_else(|| panic!("a password in {}", page.body))
        .to_string()
}

async fn open_late_ticket(store: &Store) {
    let actor = kentongan::actors::find_publishing_actor(store, None)
        .await
        .expect("actor");
    let now = kentongan::clock::now_ms();
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
                suffix: "HOST".into(),
            },
            &NewWebMessage {
                author_name: "Warga".into(),
                contact: String::new(),
                message_html: "<p>Jalan berlubang.</p>".into(),
                photo: None,
            },
            now,
        )
        .await
        .expect("a ticket");
}

#[tokio::test]
async fn a_hosting_admin_added_on_the_command_line_signs_in_and_sees_every_sites_health() {
    on_every_backend(health).await;
}

async fn health(backend: Backend) {
    let hosted = Hosted::start(&backend).await;
    let mut anonymous = hosted.browser("hosting");
    let page = anonymous.get("/").await;
    assert_eq!(page.status, 303, "signed out: to the login form");
    assert_eq!(page.location, "/login");
    let wrong = staff_login(&mut anonymous, STAFF, "kata-sandi-yang-salah").await;
    assert_eq!(wrong.status, 401, "{}", wrong.body);

    // A post and a late ticket in the first village; the second village left alone.
    post_from_the_command_line(hosted.dir.path(), &hosted.host(VILLAGE), "Kerja bakti").await;
    let store = hosted.store_of(VILLAGE).await;
    open_late_ticket(&store).await;
    let counts = store
        .operation_counts(kentongan::clock::now_ms(), 0)
        .await
        .expect("counts");
    store.close().await;

    let mut staff = hosted.staff().await;
    let page = staff.get("/").await;
    assert_eq!(page.status, 200, "{}", page.body);
    for host in [
        format!("localhost:{}", hosted.port),
        hosted.host(VILLAGE),
        hosted.host(OTHER),
    ] {
        assert!(
            page.body.contains(&format!("data-host=\"{host}\"")),
            "{host}"
        );
    }
    let village = row(&page.body, &hosted.host(VILLAGE));
    assert!(village.contains("Desa desa-a"), "{village}");
    assert_eq!(figure(village, "tickets_open"), 1);
    assert_eq!(figure(village, "tickets_overdue"), 1);
    assert_eq!(
        figure(village, "deliveries_pending"),
        counts.deliveries_pending
    );
    assert_eq!(
        figure(village, "deliveries_failed"),
        counts.deliveries_failed_recently
    );
    assert!(
        !village.contains(strings::STAFF_NEVER_POSTED.id),
        "the post's date is shown: {village}"
    );
    let quiet = row(&page.body, &hosted.host(OTHER));
    assert_eq!(figure(quiet, "tickets_open"), 0);
    assert!(quiet.contains(strings::STAFF_NEVER_POSTED.id), "{quiet}");
    // Reading a closed site's figures leaves it closed.
    assert!(quiet.contains("data-state=\"closed\""), "{quiet}");
    assert!(!hosted.node.sites.is_open(&hosted.host(OTHER)));
    // Disk use is measured, not left at nothing.
    assert!(!quiet.contains("<td>0 B</td>"), "{quiet}");

    // The command line refuses a name already taken, clearly.
    let again = tokio::process::Command::new(env!("CARGO_BIN_EXE_kentongan"))
        .args(["admin", "add", "--hosting", "--dir"])
        .arg(hosted.dir.path())
        .args(["--username", STAFF])
        .output()
        .await
        .expect("kentongan admin add --hosting");
    assert!(!again.status.success());
    let said = String::from_utf8_lossy(&again.stderr);
    assert!(said.contains(strings::USERNAME_TAKEN.en), "{said}");

    // Signed out, the session is gone.
    let csrf = page.csrf();
    let out = staff.post_form("/logout", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, 303);
    assert_eq!(staff.get("/").await.status, 303);
    hosted.stop().await;
}

#[tokio::test]
async fn a_site_created_from_the_hosting_pages_is_served_within_seconds() {
    on_every_backend(create_site).await;
}

async fn create_site(backend: Backend) {
    let hosted = Hosted::start(&backend).await;
    let mut staff = hosted.staff().await;
    let form = staff.get("/sites/new").await;
    assert_eq!(form.status, 200, "{}", form.body);
    let csrf = form.csrf();
    let new_host = hosted.host("desa-c");
    let fields = |domain: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("domain", domain.to_string()),
            ("username", "desac".to_string()),
            ("name", "Desa Cahaya".to_string()),
            ("role", "village".to_string()),
            ("admin_username", "operator".to_string()),
        ]
    };
    let post = |pairs: Vec<(&'static str, String)>| {
        let mut staff = staff.clone();
        async move {
            let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
            staff.post_form("/sites/new", &pairs).await
        }
    };

    // A form sent from another site's page is refused.
    let foreign = staff
        .clone()
        .post_multipart(
            "/sites/new",
            &[text("csrf", csrf.clone()), text("domain", new_host.clone())],
            Some(&hosted.base(VILLAGE)),
        )
        .await;
    assert_eq!(foreign.status, 403, "{}", foreign.body);
    assert!(foreign.body.contains(strings::ADMIN_FOREIGN_ORIGIN.id));

    // Bad input: a clear refusal, nothing made.
    let bad = post(fields("http://desa c/")).await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    assert!(bad.body.contains(strings::STAFF_SITE_DOMAIN_INVALID.id));
    let taken = post(fields(&hosted.host(VILLAGE))).await;
    assert_eq!(taken.status, 400, "{}", taken.body);
    assert!(taken.body.contains(strings::STAFF_SITE_TAKEN.id));

    let created = post(fields(&new_host)).await;
    assert_eq!(created.status, 200, "{}", created.body);
    let password = shown_password(&created);
    let mut village = hosted.browser("desa-c");
    eventually("the new site to be served", WAIT, || {
        let mut village = village.clone();
        async move { (village.get("/").await.status == 200).then_some(()) }
    })
    .await;
    village.login("operator", &password).await;
    assert!(
        hosted
            .node
            .sites
            .addresses()
            .await
            .iter()
            .any(|(host, _)| *host == new_host),
        "listed among the node's sites"
    );
    let overview = staff.get("/").await;
    assert!(overview.body.contains(&format!("data-host=\"{new_host}\"")));
    hosted.stop().await;
}

#[tokio::test]
async fn a_password_reset_from_the_hosting_pages_ends_the_old_password_and_sessions() {
    on_every_backend(reset).await;
}

async fn reset(backend: Backend) {
    let hosted = Hosted::start(&backend).await;
    let old_password = hosted.village.admin_password.clone();
    let mut village = hosted.browser(VILLAGE);
    village.login("admin", &old_password).await;
    assert_eq!(village.get("/admin").await.status, 200);

    let mut staff = hosted.staff().await;
    let form = staff
        .get(&format!("/sites/{}/password", hosted.host(VILLAGE)))
        .await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(form.body.contains("value=\"admin\""), "{}", form.body);
    let csrf = form.csrf();
    let path = format!("/sites/{}/password", hosted.host(VILLAGE));
    let unknown = staff
        .post_form(&path, &[("csrf", &csrf), ("username", "tidak-ada")])
        .await;
    assert_eq!(unknown.status, 404, "{}", unknown.body);
    let forged = staff
        .post_form(&path, &[("csrf", "palsu"), ("username", "admin")])
        .await;
    assert_eq!(forged.status, 403, "a form without the session's token");
    let done = staff
        .post_form(&path, &[("csrf", &csrf), ("username", "admin")])
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    let new_password = shown_password(&done);
    assert_ne!(new_password, old_password);

    let ended = village.get("/admin").await;
    assert_eq!(ended.status, 303, "the old session ended");
    let mut fresh = hosted.browser(VILLAGE);
    let refused = fresh.try_login("admin", &old_password).await;
    assert_eq!(refused.status, 401, "the old password fails");
    fresh.login("admin", &new_password).await;

    hosted.stop().await;
}

#[tokio::test]
async fn writing_for_a_village_needs_its_leave_and_is_recorded_as_on_its_behalf() {
    on_every_backend(on_behalf).await;
}

async fn on_behalf(backend: Backend) {
    let hosted = Hosted::start(&backend).await;
    let mut staff = hosted.staff().await;
    let write_path = format!("/sites/{}/write", hosted.host(VILLAGE));
    let overview = staff.get("/").await;
    assert!(
        !row(&overview.body, &hosted.host(VILLAGE)).contains(&write_path),
        "no button for a village that has not allowed it"
    );
    let csrf = overview.csrf();
    let refused = staff.post_form(&write_path, &[("csrf", &csrf)]).await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(
        refused.body.contains("belum mengizinkan"),
        "{}",
        refused.body
    );

    // The village's own admin allows it in the settings page.
    let mut village_admin = hosted.browser(VILLAGE);
    village_admin
        .login("admin", &hosted.village.admin_password)
        .await;
    let settings = village_admin.get("/admin/settings").await;
    assert_eq!(settings.status, 200);
    assert!(
        !settings
            .body
            .contains("name=\"hosting_may_write\" value=\"1\" checked"),
        "off by default"
    );
    let allow = |allowed: bool| {
        let mut parts = vec![
            text("csrf", settings.csrf()),
            text("name", "Desa desa-a"),
            text("description", ""),
            text("tagline", ""),
            text("village_word", "desa"),
            text("language", "id"),
            text("time_zone", "WIB"),
            text("colour_primary", "#7a3b10"),
            text("colour_accent", "#0b5394"),
            text("contact_address", ""),
            text("contact_phone", ""),
            text("contact_email", ""),
        ];
        if allowed {
            parts.push(text("hosting_may_write", "1"));
        }
        parts
    };
    let saved = village_admin
        .post_multipart("/admin/settings", &allow(true), None)
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);

    let overview = staff.get("/").await;
    assert!(row(&overview.body, &hosted.host(VILLAGE)).contains(&write_path));
    let granted = staff.post_form(&write_path, &[("csrf", &csrf)]).await;
    assert_eq!(granted.status, 303, "{}", granted.body);
    let link = granted.location.clone();
    let prefix = format!("{}/admin/hosting-sign-in?token=", hosted.base(VILLAGE));
    assert!(link.starts_with(&prefix), "{link}");
    let path = link.trim_start_matches(&hosted.base(VILLAGE)).to_string();

    // The link signs in once, into the village's editor, marked as on its behalf.
    let mut regency = hosted.browser(VILLAGE);
    let landed = regency.get(&path).await;
    assert_eq!(landed.status, 303, "{}", landed.body);
    assert_eq!(landed.location, "/admin/posts/new");
    let again = hosted.browser(VILLAGE).get(&path).await;
    assert_eq!(again.status, 400, "a one-time link works once");
    let editor = regency.get("/admin/posts/new").await;
    assert_eq!(editor.status, 200, "{}", editor.body);
    assert!(
        editor.body.contains("Diskominfo Beltim (diskominfo)"),
        "the banner names the hosting admin"
    );
    // Posts, not the village's settings or its admin's account.
    assert_eq!(regency.get("/admin/settings").await.status, 403);
    assert_eq!(regency.get("/admin/users").await.status, 403);
    let mut parts: Vec<Part> = vec![
        text("title", "Jadwal vaksinasi"),
        text("summary", "Ringkasan."),
        text("body", "Vaksinasi di puskesmas hari Senin."),
        text("kind", "berita"),
        text("categories", "Berita"),
    ];
    parts.push(text("csrf", editor.csrf()));
    // Scheduling would publish later, unattended: such sessions publish at once.
    let mut scheduling: Vec<Part> = vec![
        text("title", "Nanti saja"),
        text("body", "Isi."),
        text("kind", "berita"),
        text("csrf", editor.csrf()),
        text("action", "schedule"),
    ];
    scheduling.push(text("publish_at", "2099-01-01T08:00:00"));
    let refused = regency
        .post_multipart("/admin/posts/new", &scheduling, None)
        .await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(refused.body.contains(strings::ON_BEHALF_NO_SCHEDULE.id));
    parts.push(text("action", "publish"));
    let published = regency
        .post_multipart("/admin/posts/new", &parts, None)
        .await;
    assert_eq!(published.status, 303, "{}", published.body);
    let public_id = published
        .location
        .trim_start_matches("/admin/posts/")
        .split('?')
        .next()
        .expect("the post's id")
        .to_string();
    let post = village_admin
        .get(&format!("/admin/posts/{public_id}"))
        .await;
    assert_eq!(post.status, 200);
    let on_the_post = between(&post.body, "class=\"box on-behalf\"", "</div>")
        .unwrap_or_else(|| panic!("the post's page says on whose behalf: {}", post.body));
    assert!(on_the_post.contains("data-action=\"published\""));
    assert!(on_the_post.contains("Diskominfo Beltim (diskominfo)"));

    // Published on the village's site, and in its history as written on its behalf.
    let public = hosted.browser(VILLAGE).get("/").await;
    assert!(public.body.contains("Jadwal vaksinasi"));
    let dashboard = village_admin.get("/admin").await;
    let history = between(&dashboard.body, "id=\"on-behalf\"", "</table>")
        .unwrap_or_else(|| panic!("a history of writing on behalf: {}", dashboard.body));
    assert!(history.contains(&format!(
        "data-post=\"{public_id}\" data-action=\"published\""
    )));
    assert!(history.contains("Diskominfo Beltim (diskominfo)"));

    // Deleting is recorded too.
    let delete_page = regency
        .get(&format!("/admin/posts/{public_id}/delete"))
        .await;
    assert_eq!(delete_page.status, 200);
    let deleted = regency
        .post_form(
            &format!("/admin/posts/{public_id}/delete"),
            &[("csrf", &delete_page.csrf())],
        )
        .await;
    assert_eq!(deleted.status, 303, "{}", deleted.body);
    let dashboard = village_admin.get("/admin").await;
    assert!(dashboard.body.contains(&format!(
        "data-post=\"{public_id}\" data-action=\"deleted\""
    )));

    // The village's own posts are not marked.
    let store = hosted.store_of(VILLAGE).await;
    let writes = store.recent_on_behalf_writes(10).await.expect("history");
    assert_eq!(writes.len(), 2);
    store.close().await;

    // Withdrawn: no new sign-in, and an unused link stops working.
    let unused = staff.post_form(&write_path, &[("csrf", &csrf)]).await;
    assert_eq!(unused.status, 303);
    let unused_path = unused
        .location
        .trim_start_matches(&hosted.base(VILLAGE))
        .to_string();
    let saved = village_admin
        .post_multipart("/admin/settings", &allow(false), None)
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let refused = staff.post_form(&write_path, &[("csrf", &csrf)]).await;
    assert_eq!(refused.status, 400);
    let late = hosted.browser(VILLAGE).get(&unused_path).await;
    assert_eq!(late.status, 403, "{}", late.body);
    hosted.stop().await;
}

#[tokio::test]
async fn a_post_written_on_a_villages_behalf_is_never_kept_without_its_line_of_history() {
    on_every_backend(history_in_the_posts_transaction).await;
}

/// The line of the village's history is written in the post's own transaction: when it
/// cannot be written (here its table is gone, as a crash between two writes would lose
/// it), the post, its activity and its deliveries are not kept either.
async fn history_in_the_posts_transaction(backend: Backend) {
    use sqlx::Connection;
    let hosted = Hosted::start(&backend).await;
    let store = hosted.store_of(VILLAGE).await;
    let actor = kentongan::actors::find_publishing_actor(&store, None)
        .await
        .expect("actor");
    let by = Some("Diskominfo Beltim (diskominfo)");
    let input = |title: &str| kentongan::publishing::PostInput {
        title: title.into(),
        body_markdown: "Isi kabar.".into(),
        ..Default::default()
    };
    let post = kentongan::publishing::publish_as(
        &store,
        &actor,
        &input("Jadwal posyandu"),
        None,
        None,
        by,
    )
    .await
    .expect("publish on the village's behalf");
    let post =
        kentongan::publishing::replace(&store, &actor, &post, &input("Jadwal posyandu baru"), by)
            .await
            .expect("edit on the village's behalf");
    let actions: Vec<String> = store
        .on_behalf_writes_of(post.id)
        .await
        .expect("history")
        .into_iter()
        .map(|write| write.action)
        .collect();
    assert_eq!(actions, ["published", "updated"]);

    let url = Config::load(
        &kentongan::hosting::find(hosted.dir.path(), Some(&hosted.host(VILLAGE))).expect("site"),
    )
    .expect("config")
    .database_url()
    .to_string();
    sqlx::any::install_default_drivers();
    let mut raw = sqlx::AnyConnection::connect(&url).await.expect("connect");
    sqlx::query("DROP TABLE on_behalf_writes")
        .execute(&mut raw)
        .await
        .expect("drop the history's table");
    raw.close().await.expect("close");
    let refused = kentongan::publishing::publish_as(
        &store,
        &actor,
        &input("Tidak tersimpan"),
        None,
        None,
        by,
    )
    .await;
    assert!(refused.is_err(), "no history, no post");
    let deleted = kentongan::publishing::delete(&store, &actor, &post, by).await;
    assert!(deleted.is_err(), "no history, no deletion");
    let kept = store
        .post_by_public_id(&post.public_id)
        .await
        .expect("read")
        .expect("the post is still there");
    assert!(kept.deleted_at.is_none(), "the deletion was rolled back");
    let titles: Vec<String> = store
        .posts_page(actor.id, None, 50)
        .await
        .expect("posts")
        .into_iter()
        .map(|post| post.title)
        .collect();
    assert!(
        !titles.iter().any(|title| title == "Tidak tersimpan"),
        "{titles:?}"
    );
    // The village's own writing needs no history line, and goes on.
    kentongan::publishing::publish_as(
        &store,
        &actor,
        &input("Kabar desa sendiri"),
        None,
        None,
        None,
    )
    .await
    .expect("the village's own post");
    store.close().await;
    hosted.stop().await;
}

#[tokio::test]
async fn village_credentials_are_refused_on_the_hosting_host_and_hosting_ones_on_a_village() {
    on_every_backend(credentials).await;
}

async fn credentials(backend: Backend) {
    let hosted = Hosted::start(&backend).await;
    let client = hosted.client();
    let hosting = hosted.base("hosting");

    // A village admin's session cookie and the sites' API tokens open nothing there.
    let mut village = hosted.browser(VILLAGE);
    village.login("admin", &hosted.village.admin_password).await;
    let dashboard = village.get("/admin").await;
    assert_eq!(dashboard.status, 200);
    assert!(
        !dashboard.body.contains("hosting.localhost"),
        "no village page links the hosting pages"
    );
    let answer = client
        .get(format!("{hosting}/"))
        .header("cookie", village.cookie_header())
        .send()
        .await
        .expect("request");
    assert_eq!(answer.status(), 303);
    for token in [&hosted.village.token, &hosted.first.token] {
        for path in ["/", "/api/v1/posts", "/sites/new"] {
            let answer = client
                .get(format!("{hosting}{path}"))
                .bearer_auth(token)
                .send()
                .await
                .expect("request");
            assert!(
                [303, 404].contains(&answer.status().as_u16()),
                "{path}: {}",
                answer.status()
            );
        }
    }
    let api = client
        .post(format!("{hosting}/api/v1/posts"))
        .bearer_auth(&hosted.village.token)
        .json(&serde_json::json!({ "title": "Bukan di sini", "body": "x" }))
        .send()
        .await
        .expect("request");
    assert_eq!(api.status(), 404, "the hosting host has no API");

    // The hosting session's cookie is the hosting host's alone, and opens nothing on a
    // village.
    let mut staff = hosted.browser("hosting");
    let signed = staff_login(&mut staff, STAFF, &hosted.staff_password).await;
    assert_eq!(signed.status, 303);
    let set_cookie = signed.header("set-cookie").to_ascii_lowercase();
    assert!(set_cookie.starts_with("kentongan_hosting="), "{set_cookie}");
    assert!(!set_cookie.contains("domain="), "host-only: {set_cookie}");
    for name in [VILLAGE, OTHER] {
        let answer = client
            .get(format!("{}/admin", hosted.base(name)))
            .header("cookie", staff.cookie_header())
            .send()
            .await
            .expect("request");
        assert_eq!(answer.status(), 303, "{name}: to its own login form");
        let location = answer
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        assert!(location.starts_with("/admin/login"), "{location}");
    }
    // Nor does the hosting administrator's password sign in to a village.
    let mut village_login = hosted.browser(VILLAGE);
    let page = village_login.try_login(STAFF, &hosted.staff_password).await;
    assert_eq!(page.status, 401);
    hosted.stop().await;
}

#[tokio::test]
async fn the_hosting_pages_speak_bahasa_indonesia_first_and_english_when_chosen() {
    on_every_backend(languages).await;
}

async fn languages(backend: Backend) {
    let hosted = Hosted::start(&backend).await;
    let mut browser = hosted.browser("hosting");
    let login = browser.get("/login").await;
    assert!(login.body.contains("<html lang=\"id\">"), "{}", login.body);
    assert!(login.body.contains(strings::STAFF_LOGIN.id));
    assert!(
        login.body.contains("href=\"/login?lang=en\""),
        "a link to English"
    );
    let english = browser.get("/login?lang=en").await;
    assert!(english.body.contains("<html lang=\"en\">"));
    assert!(
        english.body.contains(strings::STAFF_LOGIN.en),
        "{}",
        english.body
    );
    // A refusal on the English form stays in English.
    let refused = browser
        .post_form(
            "/login",
            &[
                ("csrf", &english.csrf()),
                ("lang", "en"),
                ("username", STAFF),
                ("password", "salah-sekali"),
            ],
        )
        .await;
    assert_eq!(refused.status, 401);
    assert!(
        refused.body.contains(strings::ADMIN_LOGIN_WRONG.en),
        "{}",
        refused.body
    );

    // Signed in: Bahasa Indonesia until the administrator chooses English.
    let mut staff = hosted.staff().await;
    let overview = staff.get("/").await;
    assert!(overview.body.contains(strings::STAFF_SITES_HINT.id));
    let account = staff.get("/account").await;
    assert_eq!(account.status, 200, "{}", account.body);
    let unreadable = staff
        .post_form("/account", &[("csrf", &account.csrf()), ("language", "fr")])
        .await;
    assert_eq!(unreadable.status, 400, "{}", unreadable.body);
    let saved = staff
        .post_form("/account", &[("csrf", &account.csrf()), ("language", "en")])
        .await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert!(
        saved.body.contains(strings::STAFF_ACCOUNT_SAVED.en),
        "{}",
        saved.body
    );
    let overview = staff.get("/").await;
    assert!(overview.body.contains("<html lang=\"en\">"));
    assert!(
        overview.body.contains(strings::STAFF_SITES_HINT.en),
        "{}",
        overview.body
    );
    assert!(
        overview.body.contains(strings::STAFF_COL_LAST_POST.en),
        "the table's words in English too"
    );
    hosted.stop().await;
}

#[tokio::test]
async fn without_a_hosting_domain_there_are_no_hosting_pages() {
    on_every_backend(no_pages).await;
}

async fn no_pages(backend: Backend) {
    let hosted = Hosted::start_with(&backend, false).await;
    let answer = hosted
        .client()
        .get(format!("{}/login", hosted.base("hosting")))
        .send()
        .await
        .expect("request");
    assert_eq!(answer.status(), 421, "a host the node does not serve");
    assert!(!hosted.dir.path().join("hosting.db").exists());
    hosted.stop().await;
}

#[tokio::test]
async fn a_restored_node_keeps_its_hosting_pages_name_and_each_villages_leave() {
    on_every_backend(restored).await;
}

async fn restored(backend: Backend) {
    let hosted = Hosted::start(&backend).await;
    let store = hosted.store_of(VILLAGE).await;
    let mut settings = kentongan::site::load(&store).await.expect("settings");
    settings.hosting_may_write = true;
    kentongan::site::save(&store, &settings)
        .await
        .expect("allowed");
    store.close().await;
    let work = tempfile::tempdir().expect("work");
    let file = work.path().join("node.tar");
    kentongan::hosting::backup(kentongan::hosting::BackupArgs {
        dir: hosted.dir.path().to_path_buf(),
        to: file.clone(),
    })
    .await
    .expect("backup");
    let db = TestDb::create(&backend).await;
    let dir = work.path().join("restored");
    kentongan::hosting::restore(kentongan::hosting::RestoreArgs {
        from: file,
        dir: dir.clone(),
        database_url: Some(db.url.clone().unwrap_or_else(|| "sqlite".into())),
        listen: None,
    })
    .await
    .expect("restore");
    let config = Config::load(&dir).expect("the restored node's config");
    assert_eq!(
        config.hosting_domain.as_deref(),
        Some(format!("hosting.localhost:{}", hosted.port).as_str())
    );
    let village_dir = kentongan::hosting::find(&dir, Some(&hosted.host(VILLAGE))).expect("site");
    let village = Store::connect(Config::load(&village_dir).expect("config").database_url())
        .await
        .expect("store");
    assert!(
        kentongan::site::load(&village)
            .await
            .expect("settings")
            .hosting_may_write
    );
    village.close().await;
    // The hosting administrators come with the backup: on the restored node, served on
    // the same address, they sign in with the same password.
    let port = hosted.port;
    let client = hosted.client();
    let password = hosted.staff_password.clone();
    hosted.stop().await;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("bind the node's port again");
    let node = kentongan::node::start(&dir, listener)
        .await
        .expect("serve the restored node");
    let mut staff =
        Browser::with_client(&format!("http://hosting.localhost:{port}"), client.clone());
    let page = staff_login(&mut staff, STAFF, &password).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let overview = staff.get("/").await;
    assert_eq!(overview.status, 200, "{}", overview.body);
    assert!(
        overview
            .body
            .contains(&format!("data-host=\"{VILLAGE}.localhost:{port}\""))
    );
    let mut stranger = Browser::with_client(&format!("http://hosting.localhost:{port}"), client);
    let wrong = staff_login(&mut stranger, STAFF, "bukan-kata-sandinya").await;
    assert_eq!(wrong.status, 401, "only the same password");
    node.stop().await;
    db.drop_database().await;
}
