//! The matrix of roles (docs/roles.md), cell by cell, on SQLite and PostgreSQL: every
//! admin route and every admin API endpoint, requested as each role and as nobody, GET
//! pages and POST actions with a valid CSRF token and a form that works. Allowed: a 2xx or
//! a redirect, but not the one to the login form that remembers where to come back;
//! refused: a 403 page; nobody: that redirect to the login form; the API without its token: 401. The routes come from the code's own
//! table (`web::admin::matrix`, `web::api::matrix`), so a new route is tried here as soon
//! as it exists, and this file fails until it knows the new route's address and form.

use crate::{
    documents::{pdf, this_year, upload},
    support::session::{Browser, PASSWORD, Page, Part, png, signed_in, text, user},
    support::{Backend, TestNode, client, on_every_backend, peer::Peer, residents::public_reply},
};
use kentongan::{
    actors::find_publishing_actor,
    aspirations::{
        TicketClass,
        intake::{self, PhotoUpload, WebMessage},
        moderation::{self, BlockKind},
    },
    auth::{self, Role},
    clock::now_ms,
    config::Role as NodeRole,
    publishing::{
        self, PostInput,
        drafts::{self, DraftStatus},
        templates::{self, TemplateInput},
    },
    strings,
    web::{
        access::{Access, Row},
        admin, api,
    },
};

/// Who asks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    Nobody,
    Signed(Role),
}

/// What a cell of the matrix says the answer is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    Allowed,
    Forbidden,
    ToLogin,
    Unauthorized,
}

fn expect(who: Who, access: Access) -> Expect {
    match (access, who) {
        (Access::Public, _) => Expect::Allowed,
        (Access::Signed(_), Who::Nobody) => Expect::ToLogin,
        (Access::Signed(permission), Who::Signed(role)) if auth::allows(role, permission) => {
            Expect::Allowed
        }
        (Access::Signed(_), Who::Signed(_)) => Expect::Forbidden,
        (Access::ApiToken, _) => Expect::Unauthorized,
    }
}

fn check(page: &Page, expected: Expect, what: &str) {
    match expected {
        Expect::Allowed => assert!(
            (200..400).contains(&page.status) && !page.location.starts_with("/admin/login?next="),
            "{what}: allowed, got {} {}: {}",
            page.status,
            page.location,
            page.body
        ),
        Expect::Forbidden => {
            assert_eq!(page.status, 403, "{what}: {}", page.body);
            assert!(page.body.contains(strings::ADMIN_FORBIDDEN.id), "{what}");
        }
        Expect::ToLogin => {
            assert_eq!(page.status, 303, "{what}");
            assert!(page.location.starts_with("/admin/login?next="), "{what}");
        }
        Expect::Unauthorized => assert_eq!(page.status, 401, "{what}"),
    }
}

/// What one sweep works on, made afresh for each role, so that each deletes its own.
struct Fixtures {
    label: String,
    /// Posts and drafts written by the sweep's account.
    post: String,
    post_to_delete: String,
    draft: i64,
    draft_to_delete: i64,
    /// A public reply from the fediverse to a village post, and a website message with
    /// a photo.
    ticket: String,
    photo_ticket: String,
    photo_file: String,
    block_to_delete: i64,
    page: String,
    page_to_delete: String,
    category: i64,
    category_name: String,
    category_to_delete: i64,
    /// Post templates (`/admin/templates`).
    template: i64,
    template_to_delete: i64,
    document: i64,
    document_to_delete: i64,
    /// Another staff account.
    account: i64,
}

fn post_input(title: &str) -> PostInput {
    PostInput {
        title: title.to_string(),
        body_markdown: "Isi kabar untuk uji peran.".into(),
        categories: vec!["Berita".into()],
        ..Default::default()
    }
}

fn year() -> String {
    this_year().to_string()
}

/// A document uploaded as the setup account would; its id.
async fn document(node: &TestNode, setup: &mut Browser, title: &str) -> i64 {
    let file = ("uji.pdf", "application/pdf", pdf(title));
    let page = upload(setup, title, "berkala", this_year(), "", Some(file)).await;
    assert_eq!(page.status, 303, "{}", page.body);
    node.state()
        .store
        .documents()
        .await
        .expect("documents")
        .into_iter()
        .find(|d| d.title == title)
        .expect("the uploaded document")
        .id
}

async fn fixtures(
    node: &TestNode,
    peer: &Peer,
    setup: &mut Browser,
    author: Option<i64>,
    label: &str,
) -> Fixtures {
    let store = &node.state().store;
    let actor = find_publishing_actor(store, None).await.expect("actor");
    let publish = async |title: String| {
        publishing::publish_as(store, &actor, &post_input(&title), author, None, None)
            .await
            .expect("publish")
    };
    let post = publish(format!("Kabar {label}")).await;
    let post_to_delete = publish(format!("Kabar dihapus {label}")).await;
    let draft = async |title: String| {
        drafts::save(
            store,
            &actor,
            author,
            None,
            DraftStatus::Draft,
            &post_input(&title),
            None,
        )
        .await
        .expect("draft")
        .id
    };
    let (draft, draft_to_delete) = (
        draft(format!("Draf {label}")).await,
        draft(format!("Draf dihapus {label}")).await,
    );

    let post_url = format!("{}/p/{}", node.base, post.public_id);
    let (_, ticket) = public_reply(
        node,
        peer,
        &format!("warga-{label}"),
        "<p>Kapan kerja bakti berikutnya?</p>",
        &post_url,
    )
    .await;
    let photo_ticket = intake::receive_web(
        store,
        &node.state().config.aspirations,
        node.dir(),
        actor.id,
        WebMessage {
            name: format!("Warga {label}"),
            contact: "0812-0000-1111".into(),
            class: Some(TicketClass::Pengaduan),
            message: "Lampu jalan mati.".into(),
            photo: Some(PhotoUpload {
                bytes: png(64, 48),
                too_large: false,
            }),
        },
    )
    .await
    .expect("a website message");
    let photo_row = node.ticket(&photo_ticket).await;
    let photo_file = store
        .ticket_photos(photo_row.id)
        .await
        .expect("photos")
        .first()
        .expect("a photo")
        .file_name("medium");

    let blocked = format!("spam-{label}.example");
    moderation::block(
        store,
        &node.state().config.domain,
        BlockKind::Server,
        &blocked,
        "uji",
        None,
    )
    .await
    .expect("block");
    let block_to_delete = store
        .blocks()
        .await
        .expect("blocks")
        .into_iter()
        .find(|b| b.target == blocked)
        .expect("the block")
        .id;

    let (page, page_to_delete) = (format!("halaman-{label}"), format!("dihapus-{label}"));
    for slug in [&page, &page_to_delete] {
        store
            .save_page(slug, "Halaman uji", "Isi.", "<p>Isi.</p>", 9, now_ms())
            .await
            .expect("page");
    }
    let category_name = format!("Uji{}", label.replace('-', ""));
    let deleted_name = format!("Hapus{}", label.replace('-', ""));
    for name in [&category_name, &deleted_name] {
        store.upsert_category(name, "", 50).await.expect("category");
    }
    let categories = store.categories().await.expect("categories");
    let id_of = |name: &str| {
        categories
            .iter()
            .find(|c| c.name == name)
            .expect("the category")
            .id
    };
    let (category, category_to_delete) = (id_of(&category_name), id_of(&deleted_name));

    let template = async |name: String| {
        templates::add(
            store,
            TemplateInput {
                name,
                ..Default::default()
            },
        )
        .await
        .expect("template")
        .id
    };
    let (template, template_to_delete) = (
        template(format!("Templat {label}")).await,
        template(format!("Templat dihapus {label}")).await,
    );
    let document_id = document(node, setup, &format!("Dokumen {label}")).await;
    let document_to_delete = document(node, setup, &format!("Dokumen dihapus {label}")).await;
    let account = auth::create_user(
        store,
        &format!("sasaran-{label}"),
        "",
        Role::Kontributor,
        PASSWORD,
    )
    .await
    .expect("account")
    .id;
    Fixtures {
        label: label.to_string(),
        post: post.public_id,
        post_to_delete: post_to_delete.public_id,
        draft,
        draft_to_delete,
        ticket: ticket.number,
        photo_ticket,
        photo_file,
        block_to_delete,
        page,
        page_to_delete,
        category,
        category_name,
        category_to_delete,
        template,
        template_to_delete,
        document: document_id,
        document_to_delete,
        account,
    }
}

/// What a POST sends.
enum Body {
    Form(Vec<(&'static str, String)>),
    Multipart(Vec<Part>),
}

fn editor_parts(title: &str, action: &str) -> Body {
    Body::Multipart(vec![
        text("title", title),
        text("summary", "Ringkasan."),
        text("body", "Isi kabar."),
        text("kind", "berita"),
        text("categories", "Berita"),
        text("action", action),
    ])
}

fn form(pairs: &[(&'static str, &str)]) -> Body {
    Body::Form(pairs.iter().map(|(k, v)| (*k, v.to_string())).collect())
}

/// The concrete address of a row for this sweep, and for a POST what it sends: a form
/// that works, so that an allowed POST is answered as a success.
fn request_of(row: &Row, fx: &Fixtures) -> (String, Option<Body>) {
    let label = fx.label.as_str();
    let path = |id: &str| row.path.replace("{id}", id);
    let ticket = |number: &str| row.path.replace("{number}", number);
    let get = |path: String| (path, None);
    match (row.method, row.path) {
        ("GET", "/admin" | "/admin/" | "/admin/login" | "/admin/account") => {
            get(row.path.to_string())
        }
        ("POST", "/admin/account") => (
            row.path.into(),
            Some(form(&[("display_name", &format!("Petugas {label}"))])),
        ),
        ("GET", "/admin/posts/new") => get(row.path.into()),
        ("GET", "/admin/static/{file}") => get(row.path.replace("{file}", "editor.js")),
        ("POST", "/admin/editor/upload") => (
            row.path.into(),
            Some(Body::Multipart(vec![Part::File(
                "photo",
                "foto.png",
                "image/png",
                png(64, 48),
            )])),
        ),
        ("POST", "/admin/editor/autosave") => (
            row.path.into(),
            Some(form(&[
                ("title", &format!("Draf otomatis {label}")),
                ("body", "Isi yang sedang ditulis."),
                ("kind", "berita"),
            ])),
        ),
        ("POST", "/admin/editor/preview") => (
            row.path.into(),
            Some(form(&[("title", "Pratinjau"), ("body", "Isi **tebal**.")])),
        ),
        ("POST", "/admin/posts/new") => (
            row.path.into(),
            Some(editor_parts(&format!("Draf baru {label}"), "save_draft")),
        ),
        ("GET", "/admin/drafts/{id}/edit") => get(path(&fx.draft.to_string())),
        ("POST", "/admin/drafts/{id}/edit") => (
            path(&fx.draft.to_string()),
            Some(editor_parts(&format!("Draf {label}"), "save_draft")),
        ),
        ("GET", "/admin/drafts/{id}/delete") => get(path(&fx.draft_to_delete.to_string())),
        ("POST", "/admin/drafts/{id}/delete") => (
            path(&fx.draft_to_delete.to_string()),
            Some(form(&[("confirm", "yes")])),
        ),
        ("GET", "/admin/posts/{id}" | "/admin/posts/{id}/edit") => get(path(&fx.post)),
        ("POST", "/admin/posts/{id}/edit") => (
            path(&fx.post),
            Some(editor_parts(&format!("Kabar {label} diubah"), "publish")),
        ),
        ("GET", "/admin/posts/{id}/delete") => get(path(&fx.post_to_delete)),
        ("POST", "/admin/posts/{id}/delete") => {
            (path(&fx.post_to_delete), Some(form(&[("confirm", "yes")])))
        }
        ("GET", "/admin/followers" | "/admin/aspirasi" | "/admin/aspirasi/libur") => {
            get(row.path.into())
        }
        ("POST", "/admin/aspirasi/libur") => {
            let day = match label {
                "kontributor" => "2031-01-02",
                "editor" => "2031-01-03",
                _ => "2031-01-04",
            };
            (
                row.path.into(),
                Some(form(&[("day", day), ("name", "Libur uji")])),
            )
        }
        ("GET", "/admin/aspirasi/{number}") => get(ticket(&fx.ticket)),
        ("POST", "/admin/aspirasi/{number}/jawab") => (
            ticket(&fx.ticket),
            Some(form(&[("answer", "Terima kasih, akan kami jadwalkan.")])),
        ),
        ("POST", "/admin/aspirasi/{number}/status") => (
            ticket(&fx.ticket),
            Some(form(&[
                ("status", "diverifikasi"),
                ("class", "aspirasi"),
                ("resolution", ""),
            ])),
        ),
        ("POST", "/admin/aspirasi/{number}/petugas") => {
            (ticket(&fx.ticket), Some(form(&[("assignee", "saya")])))
        }
        ("POST", "/admin/aspirasi/{number}/catatan") => (
            ticket(&fx.ticket),
            Some(form(&[("note", "Catatan internal uji.")])),
        ),
        ("GET", "/admin/aspirasi/{number}/foto/{file}") => {
            get(ticket(&fx.photo_ticket).replace("{file}", &fx.photo_file))
        }
        ("POST", "/admin/aspirasi/{number}/tampilkan" | "/admin/aspirasi/{number}/sembunyikan") => {
            (ticket(&fx.ticket), Some(form(&[])))
        }
        ("POST", "/admin/aspirasi/{number}/blokir") => {
            (ticket(&fx.ticket), Some(form(&[("kind", "account")])))
        }
        ("GET", "/admin/aspirasi/blokir") => get(row.path.into()),
        ("POST", "/admin/aspirasi/blokir") => (
            row.path.into(),
            Some(form(&[
                ("target", &format!("iklan-{label}.example")),
                ("reason", "iklan"),
            ])),
        ),
        ("POST", "/admin/aspirasi/blokir/{id}/hapus") => {
            (path(&fx.block_to_delete.to_string()), Some(form(&[])))
        }
        ("GET", "/admin/pages" | "/admin/pages/new") => get(row.path.into()),
        ("POST", "/admin/pages/new") => (
            row.path.into(),
            Some(form(&[
                ("slug", &format!("baru-{label}")),
                ("title", "Halaman baru"),
                ("body", "Isi."),
                ("position", "8"),
            ])),
        ),
        ("GET", "/admin/pages/{slug}") => get(row.path.replace("{slug}", &fx.page)),
        ("POST", "/admin/pages/{slug}") => (
            row.path.replace("{slug}", &fx.page),
            Some(form(&[
                ("title", "Halaman uji diubah"),
                ("body", "Isi baru."),
                ("position", "9"),
            ])),
        ),
        ("POST", "/admin/pages/{slug}/delete") => (
            row.path.replace("{slug}", &fx.page_to_delete),
            Some(form(&[("confirm", "yes")])),
        ),
        ("GET", "/admin/categories") => get(row.path.into()),
        ("POST", "/admin/categories") => (
            row.path.into(),
            Some(form(&[
                ("name", &format!("Baru{}", label.replace('-', ""))),
                ("position", "60"),
            ])),
        ),
        ("POST", "/admin/categories/{id}") => (
            path(&fx.category.to_string()),
            Some(form(&[("name", &fx.category_name), ("position", "61")])),
        ),
        ("POST", "/admin/categories/{id}/delete") => (
            path(&fx.category_to_delete.to_string()),
            Some(form(&[("confirm", "yes")])),
        ),
        ("GET", "/admin/templates") => get(row.path.into()),
        ("POST", "/admin/templates") => (
            row.path.into(),
            Some(form(&[
                ("name", &format!("Templat baru {label}")),
                ("kind", "agenda"),
                ("categories", "Agenda"),
                ("body", "Isi templat."),
            ])),
        ),
        ("GET", "/admin/templates/{id}") => get(path(&fx.template.to_string())),
        ("POST", "/admin/templates/{id}") => (
            path(&fx.template.to_string()),
            Some(form(&[
                ("name", &format!("Templat {label} diubah")),
                ("kind", "berita"),
            ])),
        ),
        ("POST", "/admin/templates/{id}/delete") => (
            path(&fx.template_to_delete.to_string()),
            Some(form(&[("confirm", "yes")])),
        ),
        ("GET", "/admin/dokumen" | "/admin/dokumen/kelengkapan") => get(row.path.into()),
        ("POST", "/admin/dokumen") => {
            let title = format!("Dokumen baru {label}");
            (
                row.path.into(),
                Some(Body::Multipart(vec![
                    text("title", title.clone()),
                    text("description", "Dokumen uji."),
                    text("category", "berkala"),
                    text("year", year()),
                    text("doc_type", ""),
                    Part::File("file", "baru.pdf", "application/pdf", pdf(&title)),
                ])),
            )
        }
        ("GET", "/admin/dokumen/{id}" | "/admin/dokumen/{id}/berkas") => {
            get(path(&fx.document.to_string()))
        }
        ("POST", "/admin/dokumen/{id}") => (
            path(&fx.document.to_string()),
            Some(form(&[
                ("title", &format!("Dokumen {label} diubah")),
                ("description", "Dokumen uji."),
                ("category", "berkala"),
                ("year", &year()),
                ("doc_type", ""),
            ])),
        ),
        ("POST", "/admin/dokumen/{id}/hapus") => (
            path(&fx.document_to_delete.to_string()),
            Some(form(&[("confirm", "yes")])),
        ),
        ("GET", "/admin/settings" | "/admin/users") => get(row.path.into()),
        ("POST", "/admin/settings") => (
            row.path.into(),
            Some(Body::Multipart(vec![
                text("name", "Desa Uji Peran"),
                text("description", "Kabar resmi desa."),
                text("tagline", "Guyub rukun"),
                text("village_word", "desa"),
                text("language", "id"),
                text("time_zone", "WIB"),
                text("colour_primary", "#7a3b10"),
                text("colour_accent", "#0b5394"),
                text("contact_address", "Jl. Balai Desa 1"),
                text("contact_phone", "0812-0000-0000"),
                text("contact_email", "desa@example.id"),
            ])),
        ),
        ("POST", "/admin/users") => (
            row.path.into(),
            Some(form(&[
                ("username", &format!("baru-{label}")),
                ("display_name", ""),
                ("role", "kontributor"),
            ])),
        ),
        ("GET", "/admin/users/{id}") => get(path(&fx.account.to_string())),
        ("POST", "/admin/users/{id}") => (
            path(&fx.account.to_string()),
            Some(form(&[
                ("display_name", "Sasaran"),
                ("role", "kontributor"),
            ])),
        ),
        ("POST", "/admin/users/{id}/reset") => (path(&fx.account.to_string()), Some(form(&[]))),
        (method, path) => panic!(
            "the roles test does not know how to request {method} {path}: add its address \
             and a form that works to request_of"
        ),
    }
}

async fn send(browser: &mut Browser, path: &str, body: Body, csrf: &str) -> Page {
    match body {
        Body::Form(mut pairs) => {
            pairs.push(("csrf", csrf.to_string()));
            let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
            browser.post_form(path, &pairs).await
        }
        Body::Multipart(mut parts) => {
            parts.push(text("csrf", csrf));
            browser.post_multipart(path, &parts, None).await
        }
    }
}

/// Every admin route as `who`, on fixtures of its own.
async fn sweep(node: &TestNode, peer: &Peer, setup: &mut Browser, who: Who) {
    let label = match who {
        Who::Nobody => "publik",
        Who::Signed(role) => role.as_str(),
    };
    let account = match who {
        Who::Signed(role) => Some(user(node, &format!("peran-{label}"), role).await),
        Who::Nobody => None,
    };
    let fx = fixtures(node, peer, setup, account.as_ref().map(|a| a.id), label).await;
    let mut browser = Browser::new(node);
    let mut csrf = "bukan-sesi".to_string();
    if let Some(account) = &account {
        browser.login(&account.username, PASSWORD).await;
        csrf = browser.csrf().await;
    }
    let mut logout = None;
    for row in admin::matrix() {
        let expected = expect(who, row.access);
        let what = format!("{label} {} {}", row.method, row.path);
        if (row.method, row.path) == ("POST", "/admin/logout") {
            logout = Some(expected);
            continue;
        }
        if (row.method, row.path) == ("POST", "/admin/login") {
            // The form's own token: signed in, the form redirects, so take it from a
            // fresh visit. Nobody signs in as the setup account (in a browser of its own,
            // which stays nobody's).
            let page = match &account {
                Some(account) => {
                    let token = browser.login_form_token().await;
                    let pairs = [
                        ("csrf", token.as_str()),
                        ("username", account.username.as_str()),
                        ("password", PASSWORD),
                    ];
                    let page = browser.post_form(row.path, &pairs).await;
                    csrf = browser.csrf().await;
                    page
                }
                None => {
                    let mut fresh = Browser::new(node);
                    fresh.try_login("penyiap", PASSWORD).await
                }
            };
            check(&page, expected, &what);
            continue;
        }
        if (row.method, row.path) == ("GET", "/admin/hosting-sign-in") {
            // Public, and a link without its one-time token is refused the same to all
            // (hosting_staff tests the link itself).
            let page = browser.get(row.path).await;
            assert_eq!(page.status, 400, "{what}: {}", page.body);
            continue;
        }
        let (path, body) = request_of(&row, &fx);
        let page = match body {
            None => browser.get(&path).await,
            Some(body) => send(&mut browser, &path, body, &csrf).await,
        };
        check(&page, expected, &what);
    }

    // Own means own: a contributor's own post shows without its delivery report, and
    // what someone else wrote is refused.
    if who == Who::Signed(Role::Kontributor) {
        let own = browser.get(&format!("/admin/posts/{}", fx.post)).await;
        assert_eq!(own.status, 200);
        assert!(!own.body.contains("id=\"delivery\""), "{}", own.body);
        let other = fixtures(node, peer, setup, None, "lain").await;
        for path in [
            format!("/admin/posts/{}", other.post),
            format!("/admin/drafts/{}/edit", other.draft),
            format!("/admin/drafts/{}/delete", other.draft),
        ] {
            let page = browser.get(&path).await;
            check(&page, Expect::Forbidden, &path);
        }
        // Nor does the editor offer publishing, or the menu what answers 403.
        let publish = editor_parts("Langsung terbit", "publish");
        let page = send(&mut browser, "/admin/posts/new", publish, &csrf).await;
        check(&page, Expect::Forbidden, "a contributor publishing");
        let dashboard = browser.get("/admin").await;
        for hidden in ["/admin/followers", "/admin/aspirasi", "/admin/settings"] {
            assert!(
                !dashboard.body.contains(&format!("href=\"{hidden}\"")),
                "{hidden}"
            );
        }
    }
    // The bug of issue 11 and the node-wide pages, pinned here whatever the tables say:
    // a contributor never reads the followers, the residents' messages or the documents,
    // and only an admin reaches settings, accounts and blocks.
    let pinned: &[(&str, Role, Expect)] = &[
        ("/admin/followers", Role::Kontributor, Expect::Forbidden),
        ("/admin/aspirasi", Role::Kontributor, Expect::Forbidden),
        ("/admin/dokumen", Role::Kontributor, Expect::Forbidden),
        ("/admin/pages", Role::Kontributor, Expect::Forbidden),
        ("/admin/settings", Role::Kontributor, Expect::Forbidden),
        ("/admin/users", Role::Kontributor, Expect::Forbidden),
        ("/admin/followers", Role::Editor, Expect::Allowed),
        ("/admin/aspirasi", Role::Editor, Expect::Allowed),
        ("/admin/settings", Role::Editor, Expect::Forbidden),
        ("/admin/users", Role::Editor, Expect::Forbidden),
        ("/admin/aspirasi/blokir", Role::Editor, Expect::Forbidden),
        ("/admin/aspirasi/blokir", Role::Admin, Expect::Allowed),
    ];
    for (path, role, expected) in pinned {
        if who == Who::Signed(*role) {
            let page = browser.get(path).await;
            check(&page, *expected, &format!("{label} {path} (pinned)"));
        }
    }
    if who == Who::Signed(Role::Admin) {
        let report = browser.get(&format!("/admin/posts/{}", fx.post)).await;
        assert!(report.body.contains("id=\"delivery\""), "{}", report.body);
    }

    let expected = logout.expect("a logout row");
    let page = send(&mut browser, "/admin/logout", Body::Form(Vec::new()), &csrf).await;
    check(&page, expected, &format!("{label} POST /admin/logout"));
}

/// The API with a session of each role (and none) but no token: 401 everywhere; with
/// the token: each endpoint works. On a portal node, where every endpoint exists.
async fn api_sweep(backend: &Backend) {
    let portal = TestNode::start_with_role(backend, "portal-uji", NodeRole::Portal).await;
    let village = portal
        .register_village("Desa Uji", "desa-uji@desa-uji.example")
        .await;
    let request = |row: &Row, cookie: Option<String>, token: Option<&str>| {
        let path = row.path.replace("{id}", &village.id.to_string());
        let url = format!("{}{path}", portal.base);
        let mut request = match row.method {
            "GET" => client().get(url),
            "POST" => client().post(url),
            "DELETE" => client().delete(url),
            other => panic!("the roles test does not send {other} to the API"),
        };
        let body = match row.path {
            "/api/v1/posts" => Some(r#"{"title":"Kabar dari API","body":"Isi."}"#),
            "/api/v1/villages" if row.method == "POST" => {
                Some(r#"{"source":"desa-baru@desa-baru.example","name":"Desa Baru"}"#)
            }
            _ => None,
        };
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body);
        }
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        request
    };
    let mut sessions = vec![(Who::Nobody, None)];
    for &role in Role::ALL {
        let account = user(&portal, &format!("api-{}", role.as_str()), role).await;
        let browser = Browser::signed_in_as(&portal, &account.username).await;
        sessions.push((Who::Signed(role), Some(browser.cookie_header())));
    }
    for row in api::matrix() {
        for (who, cookie) in &sessions {
            let response = request(&row, cookie.clone(), None)
                .send()
                .await
                .expect("API request");
            assert_eq!(
                expect(*who, row.access),
                Expect::Unauthorized,
                "{} {}",
                row.method,
                row.path
            );
            assert_eq!(
                response.status().as_u16(),
                401,
                "{who:?} {} {}",
                row.method,
                row.path
            );
        }
    }
    // The portal's worker is at work on the villages meanwhile (desa-uji is due, and
    // adding desa-baru wakes it): the removal must not depend on it being idle.
    for row in api::matrix() {
        let route = format!("{} {} with the token", row.method, row.path);
        let response = request(&row, None, Some(&portal.token))
            .send()
            .await
            .unwrap_or_else(|err| panic!("{route}: no answer: {err:#}"));
        let status = response.status().as_u16();
        // The request's id names its lines in the node's log (KENTONGAN_LOG).
        let request_id = response
            .headers()
            .get("x-request-id")
            .and_then(|id| id.to_str().ok())
            .unwrap_or("none")
            .to_string();
        let body = response.text().await.unwrap_or_default();
        assert!(
            (200..300).contains(&status),
            "{route}: {status}, request {request_id}: {body}"
        );
    }
    portal.stop().await;
}

async fn every_cell(backend: Backend) {
    let node = TestNode::start(&backend, "desa-sukamaju").await;
    let peer = Peer::start(true).await;
    let (mut setup, _) = signed_in(&node, "penyiap", Role::Admin).await;
    for who in [
        Who::Nobody,
        Who::Signed(Role::Kontributor),
        Who::Signed(Role::Editor),
        Who::Signed(Role::Admin),
    ] {
        sweep(&node, &peer, &mut setup, who).await;
    }
    peer.stop();
    node.stop().await;
    api_sweep(&backend).await;
}

#[tokio::test]
async fn every_admin_route_answers_every_role_as_the_matrix_says() {
    on_every_backend(every_cell).await;
}
