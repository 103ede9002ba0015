//! `kentongan init`: a new node's data directory, made whole or not at all: the config
//! file, the database, the first actor and the instance actor, an API token and the
//! first admin account with a generated password. The command line, the demo and the
//! tests make nodes through it.

use crate::{
    actors::{self, Username},
    auth,
    clock::now_ms,
    config::{
        CONFIG_FILE, Config, RawConfig, RawDelivery, RawInbox, RawModeration, RawPortal, Role,
        parse_domain, render_config_file,
    },
    store::Store,
    urls::Urls,
    web::api::hash_token,
};
use anyhow::Context;
use clap::Args;
use rand::RngCore;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct InitArgs {
    #[arg(long)]
    pub dir: PathBuf,
    /// Host name in every URL (host:port only with --insecure-local).
    #[arg(long)]
    pub domain: String,
    #[arg(long)]
    pub username: String,
    /// Display name, for example "Desa Jangkarasam".
    #[arg(long)]
    pub name: String,
    #[arg(long, value_enum, default_value = "village")]
    pub role: Role,
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// postgres://… to use PostgreSQL instead of the embedded SQLite file.
    #[arg(long)]
    pub database_url: Option<String>,
    /// Allow http, explicit ports and loopback addresses (several nodes on one machine).
    #[arg(long)]
    pub insecure_local: bool,
    /// The first account of the website's admin; its password is generated and shown once.
    #[arg(long, default_value = "admin")]
    pub admin_username: String,
}

/// What `init` made that is shown once and never stored in clear.
#[derive(Debug)]
pub struct InitOutcome {
    /// The API token (stored hashed).
    pub token: String,
    /// The first admin account of the website.
    pub admin_username: String,
    /// Its generated password (stored as an argon2 hash).
    pub admin_password: String,
    /// Where that account logs in: the node's own address, as the fediverse sees it.
    pub admin_url: url::Url,
}

/// Creates the node: config, database, the first actor, the instance actor, an API
/// token and the first admin account with a generated password.
pub async fn init(args: InitArgs) -> anyhow::Result<InitOutcome> {
    let raw = RawConfig {
        domain: parse_domain(&args.domain, args.insecure_local)?,
        listen: args.listen,
        role: args.role,
        database_url: args.database_url,
        database_schema: None,
        insecure_local: args.insecure_local,
        allow_private_addresses: false,
        extra_ca_certificates: Vec::new(),
        delivery: RawDelivery::default(),
        portal: RawPortal::default(),
        inbox: RawInbox::default(),
        aspirations: Default::default(),
        moderation: RawModeration::default(),
        metrics: Default::default(),
        hosting: Default::default(),
    };
    create(
        &args.dir,
        raw,
        &args.username,
        &args.name,
        &args.admin_username,
    )
    .await
}

/// Makes the data directory `dir` of a site configured by `raw` (`init` for a node's
/// first site, `kentongan site add` for a hosted one), whole or not at all.
pub async fn create(
    dir: &std::path::Path,
    raw: RawConfig,
    username: &str,
    name: &str,
    admin_username: &str,
) -> anyhow::Result<InitOutcome> {
    let config_path = dir.join(CONFIG_FILE);
    if config_path.exists() {
        anyhow::bail!(
            "{} already exists; this directory already holds a node",
            config_path.display()
        );
    }
    let username = Username::parse(username)?;
    let text = render_config_file(&raw);
    let config = Config::from_raw(dir, raw)?;
    crate::data_dir::create_private_dir(dir)
        .with_context(|| format!("cannot create {}", dir.display()))?;
    let store = Store::connect(config.database_url()).await?;
    let urls = Urls::new(config.base_url.clone());
    // Named and linked from the first moment: an empty profile looks abandoned.
    let bio = crate::site::profile::default_bio(
        name,
        urls.base(),
        crate::site::SiteSettings::default().village_word.as_str(),
        config.role == Role::Portal,
    );
    actors::create_local_actor(&store, &urls, &username, name, &bio).await?;
    actors::ensure_instance_actor(&store, &urls).await?;
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    store
        .insert_api_token(&hash_token(&token), "init", now_ms())
        .await?;
    crate::site::ensure_defaults(&store).await?;
    crate::site::profile::ensure(&store, &urls, config.role).await?;
    let admin_username = auth::parse_username(admin_username)?;
    let admin_password = auth::password::generate();
    auth::create_user(
        &store,
        &admin_username,
        name,
        auth::Role::Admin,
        &admin_password,
    )
    .await?;
    store.close().await;
    // Written last: a directory with a config file is a finished node.
    crate::data_dir::create_private_file(&config_path)
        .and_then(|mut file| std::io::Write::write_all(&mut file, text.as_bytes()))
        .with_context(|| format!("cannot write {}", config_path.display()))?;
    eprintln!(
        "Node created / simpul dibuat: @{}@{} at {}",
        username.as_str(),
        config.domain,
        urls.actor(username.as_str())
    );
    Ok(InitOutcome {
        token,
        admin_username,
        admin_password,
        admin_url: urls.admin(),
    })
}
