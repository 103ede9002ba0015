//! `kentongan admin ...`: the website's accounts from the command line, for the first
//! steps and for when an operator forgot their password or their sign-ins are being
//! slowed down after failures (their own, or a stranger's from the same address).

use super::{SiteDir, open};
use crate::auth::{self, Role};
use anyhow::Context;
use clap::Subcommand;
use std::io::BufRead;

#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Add an account; its password is generated and shown once.
    Add {
        #[command(flatten)]
        dir: SiteDir,
        #[arg(long)]
        username: String,
        /// The name shown as a post's author.
        #[arg(long, default_value = "")]
        name: String,
        /// admin, editor or kontributor.
        #[arg(long, default_value = "editor")]
        role: String,
        /// A hosting administrator of the node (its `[hosting] domain` pages: every
        /// site's health, new sites, password resets), kept in the node's hosting store
        /// rather than in a site's; `--site` and `--role` do not apply.
        #[arg(long, conflicts_with_all = ["site", "role"])]
        hosting: bool,
    },
    /// List the accounts with their role and state.
    List {
        #[command(flatten)]
        dir: SiteDir,
    },
    /// Set a new password (generated and shown once, or read from standard input with
    /// --stdin); lifts any slowing of its sign-ins and ends the account's sessions.
    Password {
        #[command(flatten)]
        dir: SiteDir,
        #[arg(long)]
        username: String,
        /// Read the new password from the first line of standard input.
        #[arg(long)]
        stdin: bool,
    },
    /// Let an account sign in again at once after repeated failed logins, keeping the
    /// password: forgets the failures counted against it and against the addresses they
    /// came from.
    Unlock {
        #[command(flatten)]
        dir: SiteDir,
        #[arg(long)]
        username: String,
    },
}

fn read_password_line() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

pub async fn run(command: AdminCommand) -> anyhow::Result<()> {
    match command {
        AdminCommand::Add {
            dir,
            username,
            name,
            hosting: true,
            ..
        } => {
            let config = crate::config::Config::load(&dir.path)?;
            let (user, password) =
                crate::regency_staff::add_staff(&config.hosting_database_url()?, &username, &name)
                    .await?;
            println!(
                "Admin hosting dibuat / hosting administrator created: {}\nKata sandi (hanya ditampilkan sekali) / password (shown only once): {password}",
                user.username
            );
            if config.hosting_domain.is_none() {
                println!(
                    "Halaman hosting belum ada: tulis [hosting] domain = \"…\" di {0}/kentongan.toml lalu jalankan ulang serve / \
                     There are no hosting pages yet: set [hosting] domain = \"…\" in {0}/kentongan.toml and restart serve",
                    dir.path.display()
                );
            }
        }
        AdminCommand::Add {
            dir,
            username,
            name,
            role,
            hosting: false,
        } => {
            let role = Role::parse(&role).with_context(|| {
                format!("unknown role {role:?}: use admin, editor or kontributor")
            })?;
            let (_, store, _) = open(&dir).await?;
            let password = auth::password::generate();
            let user = auth::create_user(&store, &username, &name, role, &password).await?;
            store.close().await;
            println!(
                "Akun dibuat / account created: {} ({})\nKata sandi (hanya ditampilkan sekali) / password (shown only once): {password}",
                user.username,
                role.as_str()
            );
        }
        AdminCommand::List { dir } => {
            let (_, store, _) = open(&dir).await?;
            let slowed = auth::slowed_accounts(&store).await?;
            for user in store.users().await? {
                let state = if user.disabled {
                    "disabled"
                } else if slowed.contains_key(&user.username) {
                    "slowed"
                } else {
                    "active"
                };
                println!(
                    "{}\t{}\t{}\t{}",
                    user.username, user.role, state, user.display_name
                );
            }
            store.close().await;
        }
        AdminCommand::Password {
            dir,
            username,
            stdin,
        } => {
            let (_, store, _) = open(&dir).await?;
            let user = store
                .user_by_username(&username.trim().to_lowercase())
                .await?
                .with_context(|| format!("there is no account {username:?}"))?;
            let password = if stdin {
                read_password_line()?
            } else {
                auth::password::generate()
            };
            auth::set_password(&store, &user, &password).await?;
            store.close().await;
            if stdin {
                println!("Kata sandi diganti / password changed: {}", user.username);
            } else {
                println!(
                    "Kata sandi baru (hanya ditampilkan sekali) / new password (shown only once) for {}: {password}",
                    user.username
                );
            }
        }
        AdminCommand::Unlock { dir, username } => {
            let (_, store, _) = open(&dir).await?;
            let user = store
                .user_by_username(&username.trim().to_lowercase())
                .await?
                .with_context(|| format!("there is no account {username:?}"))?;
            let addresses = auth::lift_slowdown(&store, &user).await?;
            store.close().await;
            println!(
                "Akun dibuka / unlocked: {} ({addresses} alamat dilupakan / addresses forgotten)",
                user.username
            );
        }
    }
    Ok(())
}
