//! `kentongan demo`: a regency portal and three villages on loopback, with sample posts
//! in Bahasa Indonesia and a mix of activity levels (one active, one less active, one
//! inactive), so that the timeline and the monitoring dashboard have something to show.
//! Created once under the demo directory, then served on every run. It is a regency's
//! hosting node in small (docs/adr/0002): the portal is the directory's first site, the
//! villages are sites added to it, and one process serves them all, each village also on
//! a port of its own.

use crate::{
    actors::find_publishing_actor,
    aspirations::{
        TicketClass, answer,
        intake::{self, WebMessage},
        workflow::{self, Decision, Status},
    },
    clock::now_ms,
    config::{CONFIG_FILE, Config, Role},
    hosting::{self, SiteAddArgs},
    portal::registry::{self, VillageInput},
    publishing::{self, EventDetails, PostInput, PostKind},
    setup::{InitArgs, init},
    site,
    store::{ActorRecord, Store},
};
use anyhow::Context;
use std::path::Path;
use tokio::net::TcpListener;

pub mod pictures;

const DAY: i64 = 24 * 3600 * 1000;
const HOUR: i64 = 3600 * 1000;

/// A sample post.
struct Sample {
    title: &'static str,
    body: &'static str,
    category: &'static str,
    kind: PostKind,
    days_ago: i64,
    /// Pinned for this many more days.
    pinned_days: Option<i64>,
    /// An agenda: in how many days, at which hour (local), where, by whom.
    event: Option<(i64, i64, &'static str, &'static str)>,
    cover: Option<(&'static pictures::Palette, &'static str)>,
}

const fn news(
    title: &'static str,
    body: &'static str,
    category: &'static str,
    days_ago: i64,
) -> Sample {
    Sample {
        title,
        body,
        category,
        kind: PostKind::Berita,
        days_ago,
        pinned_days: None,
        event: None,
        cover: None,
    }
}

struct DemoVillage {
    username: &'static str,
    name: &'static str,
    district: &'static str,
    tagline: &'static str,
    posts: &'static [Sample],
    /// Residents' messages through the website form.
    messages: &'static [SampleMessage],
}

/// A resident's message: received so many days ago, and what the village did with it.
struct SampleMessage {
    days_ago: i64,
    name: &'static str,
    class: TicketClass,
    text: &'static str,
    handling: Handling,
}

enum Handling {
    /// Not looked at yet.
    Waiting,
    /// Verified (the first response), not answered yet.
    Verified,
    /// Answered and closed, with this answer.
    Answered(&'static str),
}

const VILLAGES: [DemoVillage; 3] = [
    DemoVillage {
        username: "desa-jangkarasam",
        name: "Desa Jangkarasam",
        district: "Manggar",
        tagline: "Desa pesisir penghasil kopi robusta di Belitung Timur",
        posts: &[
            Sample {
                kind: PostKind::Pengumuman,
                pinned_days: Some(7),
                ..news(
                    "Kerja bakti membersihkan saluran air",
                    "Warga RT 01 sampai RT 04 diundang **kerja bakti** hari Minggu pukul 07.00 WIB, berkumpul di balai desa. Bawa cangkul dan karung.",
                    "Pengumuman",
                    1,
                )
            },
            Sample {
                kind: PostKind::Agenda,
                event: Some((3, 8, "Rumah Ibu Kader RT 02", "Kader Posyandu Melati")),
                ..news(
                    "Posyandu balita bulan ini",
                    "Posyandu Melati buka untuk penimbangan balita dan imunisasi. Jangan lupa membawa **buku KIA**.",
                    "Agenda",
                    4,
                )
            },
            Sample {
                cover: Some((
                    &pictures::FIELDS,
                    "Kebun kopi robusta di bawah langit cerah",
                )),
                ..news(
                    "Kopi robusta BUMDes kini dijual daring",
                    "BUMDes memasarkan kopi robusta hasil petani desa. Pesan melalui kantor desa atau WhatsApp pengurus.",
                    "UMKM",
                    9,
                )
            },
            Sample {
                cover: Some((
                    &pictures::COAST,
                    "Pantai berpasir putih dengan laut biru kehijauan",
                )),
                ..news(
                    "Pantai di ujung desa ramai dikunjungi saat libur",
                    "Pokdarwis mencatat kenaikan pengunjung. Mari jaga kebersihan pantai bersama.\n\n- Buang sampah di tempatnya\n- Parkir di lahan yang disediakan",
                    "Wisata",
                    15,
                )
            },
            news(
                "Musyawarah desa membahas RKPDes",
                "Musyawarah desa digelar di balai desa untuk menyusun **RKPDes** tahun depan. Semua warga boleh hadir dan menyampaikan usulan.",
                "Berita",
                22,
            ),
        ],
        messages: &[
            SampleMessage {
                days_ago: 9,
                name: "Bu Sari",
                class: TicketClass::Pengaduan,
                text: "Lampu jalan di depan SD Negeri 2 mati sejak dua minggu. Anak-anak pulang mengaji dalam gelap.",
                handling: Handling::Answered(
                    "Terima kasih, Bu. Lampu sudah diganti petugas desa hari ini.",
                ),
            },
            SampleMessage {
                days_ago: 6,
                name: "Pak Darto",
                class: TicketClass::PermintaanInformasi,
                text: "Mohon informasi rincian APBDes tahun ini untuk bidang pembangunan jalan usaha tani.",
                handling: Handling::Answered(
                    "Rincian APBDes bidang pembangunan sudah kami unggah di halaman Informasi Publik.",
                ),
            },
            SampleMessage {
                days_ago: 2,
                name: "Karang Taruna",
                class: TicketClass::Aspirasi,
                text: "Usul agar lapangan voli di dekat balai desa diberi lampu supaya bisa dipakai latihan malam.",
                handling: Handling::Verified,
            },
            SampleMessage {
                days_ago: 0,
                name: "Warga RT 04",
                class: TicketClass::Pengaduan,
                text: "Saluran air di RT 04 tersumbat sampah setelah hujan deras kemarin sore.",
                handling: Handling::Waiting,
            },
        ],
    },
    DemoVillage {
        username: "desa-lalang",
        name: "Desa Lalang",
        district: "Manggar",
        tagline: "Bersama membangun desa",
        posts: &[
            Sample {
                kind: PostKind::Pengumuman,
                ..news(
                    "Penyaluran BLT Dana Desa tahap kedua",
                    "Penyaluran BLT Dana Desa tahap kedua dilaksanakan di kantor desa. Penerima diminta membawa KTP dan KK asli.",
                    "Pengumuman",
                    45,
                )
            },
            Sample {
                cover: Some((&pictures::DUSK, "Lapangan desa saat senja")),
                ..news(
                    "Turnamen voli antar-RT",
                    "Karang Taruna menggelar turnamen voli antar-RT di lapangan desa. Pendaftaran di sekretariat Karang Taruna.",
                    "Pemuda",
                    70,
                )
            },
        ],
        messages: &[
            SampleMessage {
                days_ago: 20,
                name: "Pak Usman",
                class: TicketClass::Pengaduan,
                text: "Jembatan kayu menuju kebun di dusun dua sudah lapuk dan berbahaya dilewati motor.",
                handling: Handling::Answered(
                    "Jembatan masuk rencana perbaikan bulan depan; sementara kami pasang tanda peringatan.",
                ),
            },
            SampleMessage {
                days_ago: 8,
                name: "Ibu Nurhayati",
                class: TicketClass::Aspirasi,
                text: "Mohon jadwal posyandu lansia diumumkan juga lewat pengeras suara masjid.",
                handling: Handling::Waiting,
            },
        ],
    },
    DemoVillage {
        username: "desa-mempaya",
        name: "Desa Mempaya",
        district: "Damar",
        tagline: "",
        posts: &[Sample {
            kind: PostKind::Pengumuman,
            ..news(
                "Jadwal pelayanan kantor desa",
                "Kantor desa melayani warga Senin sampai Jumat pukul 08.00–15.00 WIB.",
                "Pengumuman",
                150,
            )
        }],
        messages: &[SampleMessage {
            days_ago: 30,
            name: "Warga Dusun Satu",
            class: TicketClass::PermintaanInformasi,
            text: "Kapan pendaftaran bantuan bibit lada dibuka dan apa saja syaratnya?",
            handling: Handling::Waiting,
        }],
    },
];

/// Where a demo village keeps its admin password, so every run can print it again.
const ADMIN_PASSWORD_FILE: &str = "demo-admin-password.txt";
/// The demo's log, in its directory: the terminal keeps only its summary and warnings.
pub const LOG_FILE: &str = "kentongan-demo.log";

/// Profile pages of a demo village, by slug.
const PAGES: &[(&str, &str)] = &[
    (
        "sejarah",
        "Desa ini berdiri pada masa tambang timah. Nama desa berasal dari pohon yang dulu tumbuh di tepi sungai.\n\nKini sebagian besar warga bertani kopi dan lada, serta melaut.",
    ),
    (
        "visi-misi",
        "**Visi:** desa yang mandiri, sehat dan terbuka.\n\n**Misi:**\n\n1. Melayani warga dengan cepat dan ramah\n2. Mengembangkan BUMDes dan wisata pantai\n3. Membuka informasi desa untuk semua warga",
    ),
    (
        "perangkat",
        "| Jabatan | Nama |\n|---|---|\n| Kepala Desa | Bapak Contoh |\n| Sekretaris Desa | Ibu Contoh |\n| Kaur Keuangan | Bapak Contoh |",
    ),
    ("kontak", "Kantor desa buka Senin–Jumat, 08.00–15.00 WIB."),
];

/// A village of the demo: a site of the hosting node in `node_dir` (`site add`), with
/// its pages, sample posts and residents' messages.
async fn create_village(node_dir: &Path, port: u16, village: &DemoVillage) -> anyhow::Result<()> {
    let outcome = hosting::add(SiteAddArgs {
        dir: node_dir.to_path_buf(),
        domain: format!("localhost:{port}"),
        username: village.username.into(),
        name: village.name.into(),
        role: Role::Village,
        admin_username: "admin".into(),
    })
    .await?;
    let dir = &hosting::find(node_dir, Some(&format!("localhost:{port}")))?;
    std::fs::write(dir.join(ADMIN_PASSWORD_FILE), &outcome.admin_password)
        .context("writing the demo admin password")?;
    let config = Config::load(dir)?;
    let store = Store::connect(config.database_url()).await?;
    let actor = find_publishing_actor(&store, None).await?;
    let settings = site::SiteSettings {
        tagline: village.tagline.into(),
        contact_address: format!(
            "Kantor {}, Kecamatan {}, Kabupaten Belitung Timur",
            village.name, village.district
        ),
        contact_phone: "0719 000 000".into(),
        contact_email: format!("kantor@{}.example", village.username),
        banner: Some(pictures::stored_landscape(
            dir,
            &pictures::COAST,
            "Pemandangan pantai desa",
        )?),
        ..site::load(&store).await?
    };
    site::save(&store, &settings).await?;
    for (slug, body) in PAGES {
        if let Some(page) = store.page_by_slug(slug).await? {
            let html = publishing::markdown::render(body);
            store
                .save_page(slug, &page.title, body, &html, page.position, now_ms())
                .await?;
        }
    }
    let now = now_ms();
    for sample in village.posts {
        let published_at = now - sample.days_ago * DAY;
        // Agenda times fall on the hour in WIB.
        let event = sample.event.map(|(in_days, hour, place, organiser)| {
            let day_start = (now + in_days * DAY) / DAY * DAY - 7 * HOUR;
            EventDetails {
                starts_at: day_start + hour * HOUR,
                ends_at: Some(day_start + (hour + 3) * HOUR),
                place: place.into(),
                organiser: organiser.into(),
                ..Default::default()
            }
        });
        let images = match sample.cover {
            Some((palette, alt)) => vec![pictures::stored_landscape(dir, palette, alt)?],
            None => Vec::new(),
        };
        let input = PostInput {
            title: sample.title.into(),
            body_markdown: sample.body.into(),
            categories: vec![sample.category.into()],
            kind: sample.kind,
            pinned: sample.pinned_days.is_some(),
            pinned_until: sample.pinned_days.map(|days| now + days * DAY),
            event,
            images,
            published_at: Some(published_at),
            ..Default::default()
        };
        publishing::publish(&store, &actor, &input).await?;
    }
    receive_messages(dir, &config, &store, &actor, village.messages).await?;
    store.close().await;
    Ok(())
}

/// Residents' messages through the website form, received days ago, some verified or
/// answered now, so the admin's desk and the portal's response times have something
/// to show.
async fn receive_messages(
    dir: &Path,
    config: &Config,
    store: &Store,
    actor: &ActorRecord,
    messages: &[SampleMessage],
) -> anyhow::Result<()> {
    let time_zone = site::load(store).await?.time_zone;
    for message in messages {
        let number = intake::receive_web_at(
            store,
            &config.aspirations,
            dir,
            actor.id,
            WebMessage {
                name: message.name.into(),
                class: Some(message.class),
                message: message.text.into(),
                ..Default::default()
            },
            now_ms() - message.days_ago * DAY,
        )
        .await?;
        let ticket = store
            .ticket_by_number(&number)
            .await?
            .context("the sample ticket just opened")?;
        match message.handling {
            Handling::Waiting => {}
            Handling::Verified => {
                let decision = Decision {
                    status: Status::Diverifikasi,
                    class: message.class,
                    resolution: String::new(),
                    extended: false,
                };
                workflow::decide(
                    store,
                    &config.aspirations,
                    &ticket,
                    &decision,
                    time_zone,
                    None,
                )
                .await?;
            }
            Handling::Answered(text) => {
                answer::send(store, actor, &ticket, None, text, true).await?;
            }
        }
    }
    Ok(())
}

async fn create_portal(dir: &Path, port: u16) -> anyhow::Result<()> {
    let token = init(InitArgs {
        dir: dir.to_path_buf(),
        domain: format!("localhost:{port}"),
        username: "portal-beltim".into(),
        name: "Portal Desa Kabupaten Belitung Timur".into(),
        role: Role::Portal,
        listen: format!("127.0.0.1:{port}"),
        database_url: None,
        insecure_local: true,
        admin_username: "admin".into(),
    })
    .await?
    .token;
    eprintln!("Token API portal / portal API token: {token}");
    let config = Config::load(dir)?;
    let store = Store::connect(config.database_url()).await?;
    for (offset, village) in VILLAGES.iter().enumerate() {
        let input = VillageInput {
            name: village.name.into(),
            source: format!(
                "{}@localhost:{}",
                village.username,
                village_port(port, offset)
            ),
            district: village.district.into(),
            code: String::new(),
        };
        registry::add(&store, &input).await?;
    }
    store.close().await;
    Ok(())
}

/// Creates the demo on first run, then serves the portal and the three villages.
#[derive(clap::Args, Debug)]
pub struct DemoArgs {
    /// Where the demo keeps its data.
    #[arg(long, default_value = "kentongan-demo")]
    pub dir: std::path::PathBuf,
    /// The portal's port; the villages take the next three.
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
}

pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    let dir = &args.dir;
    if !dir.join(CONFIG_FILE).exists() && dir.join("portal").join(CONFIG_FILE).exists() {
        anyhow::bail!(
            "{0} berisi demo versi lama (satu proses per desa): hapus atau pindahkan dulu / \
             {0} holds a demo of an older version (a process per village): remove or move it first",
            dir.display()
        );
    }
    // The portal is the node's first site, at the root; the villages are its hosted sites.
    if !dir.join(CONFIG_FILE).exists() {
        create_portal(dir, args.port).await?;
    }
    let hosted: Vec<String> = hosting::list(dir)?
        .into_iter()
        .map(|site| site.domain)
        .collect();
    for (offset, village) in VILLAGES.iter().enumerate() {
        let port = village_port(args.port, offset);
        if !hosted.contains(&format!("localhost:{port}")) {
            create_village(dir, port, village).await?;
        }
    }

    // One process serves them all (docs/adr/0002), each village also on its own port as
    // the demo has always shown them.
    let listener = TcpListener::bind(("127.0.0.1", args.port))
        .await
        .with_context(|| format!("cannot listen on 127.0.0.1:{}", args.port))?;
    let node = crate::node::start(dir, listener).await?;
    let mut village_servers = Vec::new();
    for offset in 0..VILLAGES.len() {
        let port = village_port(args.port, offset);
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .with_context(|| format!("cannot listen on 127.0.0.1:{port}"))?;
        village_servers.push(crate::app::spawn_server(listener, node.sites.router()));
    }
    tracing::info!(local_addr = %node.local_addr, sites = VILLAGES.len() + 1, "kentongan is serving the demo");
    println!("Kentongan demo (data in {}):", dir.display());
    println!(
        "  Portal kabupaten / regency portal: http://127.0.0.1:{}/",
        args.port
    );
    println!(
        "  Pemantauan / monitoring:           http://127.0.0.1:{}/monitoring",
        args.port
    );
    for (offset, village) in VILLAGES.iter().enumerate() {
        let port = village_port(args.port, offset);
        let password = hosting::find(dir, Some(&format!("localhost:{port}")))
            .and_then(|site| Ok(std::fs::read_to_string(site.join(ADMIN_PASSWORD_FILE))?))
            .unwrap_or_default();
        println!("  {:<33} http://127.0.0.1:{port}/", village.name);
        println!(
            "  {:<33} http://127.0.0.1:{port}/admin (admin / {})",
            "",
            password.trim()
        );
    }
    println!(
        "Satu proses melayani portal dan ketiga desa / one process serves the portal and the three villages \
         (kentongan site list --dir {})",
        dir.display()
    );
    println!(
        "Catatan kerja / log: {} (di layar hanya peringatan / only warnings on screen)",
        dir.join(LOG_FILE).display()
    );
    println!("Tekan Ctrl+C untuk berhenti / press Ctrl+C to stop.");
    node.wait().await;
    for server in village_servers {
        server.abort();
    }
    Ok(())
}

/// The port of the demo's `offset`-th village: those after the portal's.
fn village_port(portal_port: u16, offset: usize) -> u16 {
    portal_port + 1 + offset as u16
}
