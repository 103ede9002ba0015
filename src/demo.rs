//! `kentongan demo`: a regency portal and three villages on loopback, with sample posts
//! in Bahasa Indonesia and a mix of activity levels (one active, one less active, one
//! inactive), so that the timeline and the monitoring dashboard have something to show.
//! Created once under the demo directory, then served on every run.

use crate::{
    actors::find_publishing_actor,
    app::Node,
    cli::{DemoArgs, InitArgs, init},
    clock::now_ms,
    config::{CONFIG_FILE, Config, Role},
    portal::registry::{self, VillageInput},
    publishing::{self, PostInput},
    store::Store,
};
use anyhow::Context;
use std::path::Path;
use tokio::net::TcpListener;

const DAY: i64 = 24 * 3600 * 1000;

/// A sample post: title, Markdown body, category, days ago, pinned.
type Sample = (&'static str, &'static str, &'static str, i64, bool);

struct DemoVillage {
    username: &'static str,
    name: &'static str,
    district: &'static str,
    posts: &'static [Sample],
}

const VILLAGES: [DemoVillage; 3] = [
    DemoVillage {
        username: "desa-jangkarasam",
        name: "Desa Jangkarasam",
        district: "Manggar",
        posts: &[
            (
                "Kerja bakti membersihkan saluran air",
                "Warga RT 01 sampai RT 04 diundang **kerja bakti** hari Minggu pukul 07.00 WIB, berkumpul di balai desa. Bawa cangkul dan karung.",
                "Pengumuman",
                1,
                true,
            ),
            (
                "Posyandu balita bulan ini",
                "Posyandu Melati buka hari Selasa di rumah Ibu Kader RT 02. Jangan lupa membawa **buku KIA**.",
                "Agenda",
                4,
                false,
            ),
            (
                "Kopi robusta BUMDes kini dijual daring",
                "BUMDes memasarkan kopi robusta hasil petani desa. Pesan melalui kantor desa atau WhatsApp pengurus.",
                "UMKM",
                9,
                false,
            ),
            (
                "Pantai di ujung desa ramai dikunjungi saat libur",
                "Pokdarwis mencatat kenaikan pengunjung. Mari jaga kebersihan pantai bersama.\n\n- Buang sampah di tempatnya\n- Parkir di lahan yang disediakan",
                "Wisata",
                15,
                false,
            ),
            (
                "Musyawarah desa membahas RKPDes",
                "Musyawarah desa digelar di balai desa untuk menyusun **RKPDes** tahun depan. Semua warga boleh hadir dan menyampaikan usulan.",
                "Berita",
                22,
                false,
            ),
        ],
    },
    DemoVillage {
        username: "desa-lalang",
        name: "Desa Lalang",
        district: "Manggar",
        posts: &[
            (
                "Penyaluran BLT Dana Desa tahap kedua",
                "Penyaluran BLT Dana Desa tahap kedua dilaksanakan di kantor desa. Penerima diminta membawa KTP dan KK asli.",
                "Pengumuman",
                45,
                false,
            ),
            (
                "Turnamen voli antar-RT",
                "Karang Taruna menggelar turnamen voli antar-RT di lapangan desa. Pendaftaran di sekretariat Karang Taruna.",
                "Pemuda",
                70,
                false,
            ),
        ],
    },
    DemoVillage {
        username: "desa-mempaya",
        name: "Desa Mempaya",
        district: "Damar",
        posts: &[(
            "Jadwal pelayanan kantor desa",
            "Kantor desa melayani warga Senin sampai Jumat pukul 08.00–15.00 WIB.",
            "Pengumuman",
            150,
            false,
        )],
    },
];

async fn create_village(dir: &Path, port: u16, village: &DemoVillage) -> anyhow::Result<()> {
    init(InitArgs {
        dir: dir.to_path_buf(),
        domain: format!("localhost:{port}"),
        username: village.username.into(),
        name: village.name.into(),
        role: Role::Village,
        listen: format!("127.0.0.1:{port}"),
        database_url: None,
        insecure_local: true,
    })
    .await?;
    let config = Config::load(dir)?;
    let store = Store::connect(config.database_url()).await?;
    let actor = find_publishing_actor(&store, None).await?;
    let now = now_ms();
    for (title, body, category, days_ago, pinned) in village.posts {
        let input = PostInput {
            title: (*title).into(),
            body_markdown: (*body).into(),
            categories: vec![(*category).into()],
            pinned: *pinned,
            published_at: Some(now - days_ago * DAY),
            ..Default::default()
        };
        publishing::publish(&store, &actor, &input).await?;
    }
    store.close().await;
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
    })
    .await?;
    eprintln!("Token API portal / portal API token: {token}");
    let config = Config::load(dir)?;
    let store = Store::connect(config.database_url()).await?;
    for (offset, village) in VILLAGES.iter().enumerate() {
        let input = VillageInput {
            name: village.name.into(),
            source: format!(
                "{}@localhost:{}",
                village.username,
                port + 1 + offset as u16
            ),
            district: village.district.into(),
            code: String::new(),
        };
        registry::add(&store, &input).await?;
    }
    store.close().await;
    Ok(())
}

async fn serve(dir: &Path) -> anyhow::Result<Node> {
    let config = Config::load(dir)?;
    let listener = TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    Node::start(config, listener).await
}

/// Creates the demo on first run, then serves the portal and the three villages.
pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    let portal_dir = args.dir.join("portal");
    let village_dirs: Vec<_> = VILLAGES.iter().map(|v| args.dir.join(v.username)).collect();
    for (offset, (village, dir)) in VILLAGES.iter().zip(&village_dirs).enumerate() {
        if !dir.join(CONFIG_FILE).exists() {
            create_village(dir, args.port + 1 + offset as u16, village).await?;
        }
    }
    if !portal_dir.join(CONFIG_FILE).exists() {
        create_portal(&portal_dir, args.port).await?;
    }
    // Villages first, so the portal finds them when it starts following.
    let mut nodes = Vec::new();
    for dir in &village_dirs {
        nodes.push(serve(dir).await?);
    }
    let portal = serve(&portal_dir).await?;
    println!("Kentongan demo (data in {}):", args.dir.display());
    println!(
        "  Portal kabupaten / regency portal: http://127.0.0.1:{}/",
        args.port
    );
    println!(
        "  Pemantauan / monitoring:           http://127.0.0.1:{}/monitoring",
        args.port
    );
    for (offset, village) in VILLAGES.iter().enumerate() {
        println!(
            "  {:<33} http://127.0.0.1:{}/",
            village.name,
            args.port + 1 + offset as u16
        );
    }
    println!("Tekan Ctrl+C untuk berhenti / press Ctrl+C to stop.");
    portal.wait().await;
    drop(nodes);
    Ok(())
}
