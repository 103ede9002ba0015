//! Integration tests: real nodes on loopback, on SQLite and (with TEST_POSTGRES_URL)
//! PostgreSQL. Quiet unless KENTONGAN_LOG is set.

mod support;

mod admin;
mod api_refusals;
mod aspiration_figures;
mod aspiration_privacy;
mod aspirations;
mod aspirations_desk;
mod aspirations_moderation;
mod backup;
mod bridges;
mod browser;
mod cli;
mod counts;
mod delivery;
mod dependencies;
mod doctor;
mod documents;
mod editor;
mod editorial;
mod federation;
mod feeds;
mod fuzz;
mod hardening;
mod hosting;
mod hosting_archive;
mod hosting_isolation;
mod hosting_staff;
mod interop_fedify;
mod message_signatures;
mod monitoring;
mod operations;
mod portal;
mod profile;
mod quotes;
mod remote_follow;
mod roles;
mod scale_out;
mod signatures;
mod site;
mod storage;
mod timeline;
mod wire;
mod wordpress_import;
