//! The portal's registry of villages: adding one by fediverse handle (`name@host`) or by
//! RSS/Atom feed URL, importing a CSV file of them, removing one (and unfollowing it),
//! listing them. Following, backfilling and polling are the [worker](super::worker)'s.

use crate::{
    clock::now_ms,
    publishing::new_public_id,
    store::{ActorRecord, NewActivity, NewVillage, SourceKind, Store, VillageRecord},
};
use anyhow::Context;
use url::Url;

/// The fediverse actor of a village registered by handle, once the worker found it.
pub async fn village_actor(store: &Store, village: &VillageRecord) -> anyhow::Result<ActorRecord> {
    let actor_id = village
        .actor_id
        .context("the village's actor is not known yet")?;
    store
        .actor_by_id(actor_id)
        .await?
        .context("the village's actor is gone")
}

/// Where a village's posts come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A fediverse account, `name@host` (lower case).
    Handle(String),
    /// An RSS or Atom feed.
    Feed(String),
}

impl Source {
    /// Reads `desa@desa.example`, `@desa@desa.example` or `https://desa.example/feed`.
    pub fn parse(input: &str) -> anyhow::Result<Self> {
        let input = input.trim();
        if input.starts_with("https://") || input.starts_with("http://") {
            let url = Url::parse(input)
                .map_err(|_| anyhow::anyhow!("{input:?} is not a valid feed URL"))?;
            return Ok(Self::Feed(url.to_string()));
        }
        let handle = input.trim_start_matches('@').to_ascii_lowercase();
        let Some((name, host)) = handle.split_once('@') else {
            anyhow::bail!("{input:?} is neither a handle like desa@desa.example nor a feed URL");
        };
        let host_ok = !host.is_empty()
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'))
            && Url::parse(&format!("https://{host}/")).is_ok();
        let name_ok = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if !host_ok || !name_ok {
            anyhow::bail!("{input:?} is not a valid handle like desa@desa.example");
        }
        Ok(Self::Handle(handle))
    }
}

/// A Kemendagri village code: `PP.KK.CC.DDDD` (province, regency, district, village),
/// with or without dots.
pub fn parse_code(input: &str) -> anyhow::Result<String> {
    let code = input.trim();
    if code.is_empty() {
        return Ok(String::new());
    }
    let digits: String = code.chars().filter(|c| *c != '.').collect();
    if digits.len() != 10 || !digits.chars().all(|c| c.is_ascii_digit()) {
        anyhow::bail!("{code:?} is not a Kemendagri village code like 19.06.01.2001");
    }
    Ok(format!(
        "{}.{}.{}.{}",
        &digits[0..2],
        &digits[2..4],
        &digits[4..6],
        &digits[6..10]
    ))
}

/// A village as an operator describes it.
#[derive(Clone, Debug, Default)]
pub struct VillageInput {
    pub name: String,
    pub source: String,
    pub district: String,
    pub code: String,
}

fn validate(input: &VillageInput) -> anyhow::Result<NewVillage> {
    let source = Source::parse(&input.source)?;
    let name = input.name.trim();
    let name = if name.is_empty() {
        match &source {
            Source::Handle(handle) => handle.clone(),
            Source::Feed(_) => anyhow::bail!("a village registered by its feed needs a name"),
        }
    } else {
        name.to_string()
    };
    if name.chars().count() > 200 {
        anyhow::bail!("the village name is longer than 200 characters");
    }
    let district = input.district.trim().to_string();
    if district.chars().count() > 200 {
        anyhow::bail!("the district name is longer than 200 characters");
    }
    let (source_kind, handle, feed_url) = match source {
        Source::Handle(handle) => (SourceKind::Actor, Some(handle), None),
        Source::Feed(url) => (SourceKind::Feed, None, Some(url)),
    };
    Ok(NewVillage {
        name,
        district,
        code: parse_code(&input.code)?,
        source_kind,
        handle,
        feed_url,
    })
}

/// Registers a village; the worker follows or polls it right away.
/// Why a village was not registered.
#[derive(Debug, thiserror::Error)]
pub enum NotRegistered {
    /// The input breaks a rule; the reason is one line.
    #[error("{0:#}")]
    Invalid(anyhow::Error),
    /// A village with this handle or feed is in the registry already.
    #[error("{0} is registered already")]
    AlreadyRegistered(String),
    /// The database failed; trying again may work.
    #[error("{0:#}")]
    Store(anyhow::Error),
}

pub async fn add(store: &Store, input: &VillageInput) -> Result<VillageRecord, NotRegistered> {
    let village = validate(input).map_err(NotRegistered::Invalid)?;
    let source = village
        .handle
        .as_deref()
        .or(village.feed_url.as_deref())
        .unwrap_or_default()
        .to_string();
    store
        .insert_village(&village, now_ms())
        .await
        .map_err(NotRegistered::Store)?
        .ok_or(NotRegistered::AlreadyRegistered(source))
}

/// What an import did: rows read, villages added, and the rows refused with their line
/// number. A count rather than the villages: a national list has tens of thousands.
#[derive(Debug, Default)]
pub struct ImportReport {
    pub rows: u64,
    pub added: u64,
    pub errors: Vec<(u64, String)>,
}

/// Rows between two progress reports of [`import_csv_reporting`].
pub const IMPORT_PROGRESS_EVERY: u64 = 1_000;

/// Which column holds what, from the header row (Indonesian or English names).
struct Columns {
    name: usize,
    source: usize,
    district: Option<usize>,
    code: Option<usize>,
}

fn columns(header: &csv::StringRecord) -> anyhow::Result<Columns> {
    let find = |names: &[&str]| {
        header.iter().position(|h| {
            let h = h.trim().to_ascii_lowercase();
            names.iter().any(|n| h == *n)
        })
    };
    Ok(Columns {
        name: find(&["name", "nama", "desa", "village"])
            .context("the header row has no name (nama) column")?,
        source: find(&["handle", "akun", "feed", "source", "sumber", "url"])
            .context("the header row has no handle (akun) or feed column")?,
        district: find(&["district", "kecamatan"]),
        code: find(&["code", "kode", "kode_desa", "kode desa"]),
    })
}

/// Imports villages from CSV (UTF-8, header row). A bad row is reported with its line
/// number and the others are still imported.
pub async fn import_csv(store: &Store, reader: impl std::io::Read) -> anyhow::Result<ImportReport> {
    import_csv_reporting(store, reader, |_| {}).await
}

/// [`import_csv`], showing `progress` the report so far after every
/// [`IMPORT_PROGRESS_EVERY`] rows, so that a long import says how far it is.
pub async fn import_csv_reporting(
    store: &Store,
    reader: impl std::io::Read,
    mut progress: impl FnMut(&ImportReport),
) -> anyhow::Result<ImportReport> {
    let mut csv = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(reader);
    let header = csv
        .headers()
        .context("the file has no readable header row")?
        .clone();
    let columns = columns(&header)?;
    let mut report = ImportReport::default();
    for record in csv.records() {
        report.rows += 1;
        if report.rows % IMPORT_PROGRESS_EVERY == 0 {
            progress(&report);
        }
        let record = match record {
            Ok(record) => record,
            Err(err) => {
                let line = err.position().map(|p| p.line()).unwrap_or_default();
                report.errors.push((line, format!("unreadable row: {err}")));
                continue;
            }
        };
        let line = record.position().map(|p| p.line()).unwrap_or_default();
        let field = |index: Option<usize>| {
            index
                .and_then(|i| record.get(i))
                .unwrap_or_default()
                .to_string()
        };
        let input = VillageInput {
            name: field(Some(columns.name)),
            source: field(Some(columns.source)),
            district: field(columns.district),
            code: field(columns.code),
        };
        if input.name.is_empty() && input.source.is_empty() {
            continue;
        }
        match add(store, &input).await {
            Ok(_) => report.added += 1,
            Err(err) => report.errors.push((line, format!("{err:#}"))),
        }
    }
    Ok(report)
}

/// Finds a village by id, handle or feed URL.
pub async fn find(store: &Store, key: &str) -> anyhow::Result<VillageRecord> {
    let key = key.trim();
    if let Ok(id) = key.parse::<i64>()
        && let Some(village) = store.village_by_id(id).await?
    {
        return Ok(village);
    }
    let normalized = match Source::parse(key) {
        Ok(Source::Handle(handle)) => handle,
        Ok(Source::Feed(url)) => url,
        Err(_) => key.to_string(),
    };
    store
        .village_by_key(&normalized)
        .await?
        .with_context(|| format!("no village {key:?} is registered"))
}

/// The Undo of our Follow of a village's account, with that account's inbox and host;
/// `None` while no Follow was sent (or the account is gone).
pub async fn undo_of_follow(
    store: &Store,
    portal_actor_id: i64,
    village: &VillageRecord,
) -> anyhow::Result<Option<(NewActivity, String, String)>> {
    let (Some(follow_ap_id), Some(actor_id)) = (&village.follow_ap_id, village.actor_id) else {
        return Ok(None);
    };
    let follow_public_id = follow_ap_id
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string();
    let target = store.actor_by_id(actor_id).await?;
    Ok(target.map(|target| {
        let activity = NewActivity {
            public_id: new_public_id(),
            actor_id: portal_actor_id,
            kind: crate::store::ActivityKind::Undo,
            post_id: None,
            object_json: Some(follow_public_id),
        };
        (activity, target.inbox_url, target.host)
    }))
}

/// Removes a village and its posts from the portal; a followed village gets an
/// Undo of our Follow.
pub async fn remove(
    store: &Store,
    portal_actor_id: i64,
    village: &VillageRecord,
) -> anyhow::Result<()> {
    let undo = undo_of_follow(store, portal_actor_id, village).await?;
    let undo_ref = undo
        .as_ref()
        .map(|(activity, inbox, host)| (activity, inbox.as_str(), host.as_str()));
    store.remove_village(village.id, undo_ref, now_ms()).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_are_handles_or_feeds() {
        assert_eq!(
            Source::parse("@Desa-A@Desa.Example").ok(),
            Some(Source::Handle("desa-a@desa.example".into()))
        );
        assert_eq!(
            Source::parse("desa@localhost:8081").ok(),
            Some(Source::Handle("desa@localhost:8081".into()))
        );
        assert_eq!(
            Source::parse("https://desa.example/feed").ok(),
            Some(Source::Feed("https://desa.example/feed".into()))
        );
        assert!(Source::parse("desa").is_err());
        assert!(Source::parse("desa@bad host").is_err());
    }

    #[test]
    fn codes_are_normalised() {
        assert_eq!(parse_code("1906012001").ok(), Some("19.06.01.2001".into()));
        assert_eq!(
            parse_code("19.06.01.2001").ok(),
            Some("19.06.01.2001".into())
        );
        assert!(parse_code("19.06").is_err());
        assert_eq!(parse_code("").ok(), Some(String::new()));
    }
}
