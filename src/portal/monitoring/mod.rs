//! Which villages are active: a status per village (aktif, kurang aktif, tidak aktif)
//! from the `published` dates of its posts, with counts, follow state, last contact,
//! recent errors, posts per week and the aspiration figures the village publishes (open
//! and overdue tickets, median response times: counts only, never a resident's data),
//! No HTTP and no SQL. A national portal follows tens of thousands of villages, so the
//! web reads a [`summary`] over all of them and one filtered [`page`] at a time (status
//! filtered in SQL by the same rule as [`classify`]); exports walk the matching villages
//! in batches through [`statuses_of`]; the command line takes the whole [`report`].
//! `formats` writes the report as CSV, JSON, a plain-text table and SVG charts.

mod formats;

pub use formats::*;

use crate::{
    config::PortalSettings,
    store::{
        ActivityRule, FollowState, ListingPlace, MonitoringFilter, Store, VillageRecord,
        VillageTicketFigures,
    },
    strings::{self, Text},
};
use anyhow::Context;
use std::collections::HashMap;

const DAY_MS: i64 = 86_400_000;
const WEEK_MS: i64 = 7 * DAY_MS;
/// Weeks in the posts-per-week series and chart.
pub const WEEKS: usize = 12;
/// Errors of a village's own log kept per village in the report (the last failed
/// delivery to its server comes on top).
const RECENT_ERRORS: i64 = 5;

/// How active a village's site is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ActivityStatus {
    Aktif,
    KurangAktif,
    TidakAktif,
}

impl ActivityStatus {
    /// The status in words, as the pages, the CSV and the table show it.
    pub fn label(self) -> Text {
        match self {
            Self::Aktif => strings::MON_STATUS_ACTIVE,
            Self::KurangAktif => strings::MON_STATUS_LESS_ACTIVE,
            Self::TidakAktif => strings::MON_STATUS_INACTIVE,
        }
    }

    pub fn label_id(self) -> &'static str {
        self.label().id
    }

    pub fn label_en(self) -> &'static str {
        self.label().en
    }

    /// A stable machine name (JSON values, CSS classes).
    pub fn key(self) -> &'static str {
        match self {
            Self::Aktif => "active",
            Self::KurangAktif => "less_active",
            Self::TidakAktif => "inactive",
        }
    }
}

/// Posts of `post_dates_ms` published in the last `days` days, counting a post dated in
/// the future as published now (a village's clock may run ahead; it posted, so it counts).
fn count_within(post_dates_ms: &[i64], now_ms: i64, days: u32) -> i64 {
    let since = now_ms.saturating_sub(i64::from(days).saturating_mul(DAY_MS));
    post_dates_ms
        .iter()
        .filter(|&&at| at.min(now_ms) >= since)
        .count() as i64
}

/// The status of a village from the `published` dates of its live posts (not when the
/// portal received them, so a backfill of old posts does not make a village active).
/// A post exactly `active_days` days old still counts.
pub fn classify(post_dates_ms: &[i64], now_ms: i64, settings: &PortalSettings) -> ActivityStatus {
    if count_within(post_dates_ms, now_ms, settings.active_days)
        >= i64::from(settings.active_min_posts)
    {
        ActivityStatus::Aktif
    } else if count_within(post_dates_ms, now_ms, settings.less_active_days) > 0 {
        ActivityStatus::KurangAktif
    } else {
        ActivityStatus::TidakAktif
    }
}

/// Posts per week for the last [`WEEKS`] weeks, oldest first; the last week ends now.
fn weekly_counts(post_dates_ms: &[i64], now_ms: i64) -> Vec<i64> {
    let mut weeks = vec![0; WEEKS];
    for &at in post_dates_ms {
        let age = now_ms - at.min(now_ms);
        let week = usize::try_from(age / WEEK_MS).unwrap_or(usize::MAX);
        if week < WEEKS {
            weeks[WEEKS - 1 - week] += 1;
        }
    }
    weeks
}

/// One village in the monitoring report.
#[derive(Clone, Debug)]
pub struct VillageStatus {
    pub village: VillageRecord,
    pub status: ActivityStatus,
    /// `published` of its newest live post (a future date shows as now).
    pub last_post_at: Option<i64>,
    /// Posts in the last `active_days` days (30 by default).
    pub posts_30d: i64,
    /// Posts in the last `less_active_days` days (90 by default).
    pub posts_90d: i64,
    pub follow_state: FollowState,
    /// The last time the village (or its feed) answered or sent something.
    pub last_contact_at: Option<i64>,
    /// `(when, message)`, newest first: the village's last errors and the last failed
    /// delivery to its server.
    pub recent_errors: Vec<(i64, String)>,
    /// Posts per week for the last [`WEEKS`] weeks, oldest first.
    pub weekly: Vec<i64>,
    /// The aspiration figures the village published at the portal's last sweep; `None`
    /// when it publishes none (or was not read yet).
    pub tickets: Option<VillageTicketFigures>,
}

impl VillageStatus {
    /// The handle (`name@host`) or the feed URL the village is registered by.
    pub fn source(&self) -> &str {
        self.village
            .handle
            .as_deref()
            .or(self.village.feed_url.as_deref())
            .unwrap_or_default()
    }
}

/// How many villages are in each status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub aktif: usize,
    pub kurang_aktif: usize,
    pub tidak_aktif: usize,
    pub total: usize,
}

impl Summary {
    pub fn of(statuses: &[VillageStatus]) -> Self {
        let mut summary = Self::default();
        for village in statuses {
            match village.status {
                ActivityStatus::Aktif => summary.aktif += 1,
                ActivityStatus::KurangAktif => summary.kurang_aktif += 1,
                ActivityStatus::TidakAktif => summary.tidak_aktif += 1,
            }
            summary.total += 1;
        }
        summary
    }

    /// How many villages `filter` keeps, when the summary says: no filter, or only a
    /// status.
    fn matching(&self, filter: &MonitoringFilter) -> Option<i64> {
        let by_status_only = MonitoringFilter {
            status: None,
            ..filter.clone()
        } == MonitoringFilter::default();
        if !by_status_only {
            return None;
        }
        let count = match filter.status.and_then(ActivityStatus::from_key) {
            None => self.total,
            Some(ActivityStatus::Aktif) => self.aktif,
            Some(ActivityStatus::KurangAktif) => self.kurang_aktif,
            Some(ActivityStatus::TidakAktif) => self.tidak_aktif,
        };
        i64::try_from(count).ok()
    }

    /// `10 aktif · 6 kurang aktif · 23 tidak aktif`, as the regency counts it.
    pub fn line_id(&self) -> String {
        format!(
            "{} {} · {} {} · {} {}",
            self.aktif,
            ActivityStatus::Aktif.label_id(),
            self.kurang_aktif,
            ActivityStatus::KurangAktif.label_id(),
            self.tidak_aktif,
            ActivityStatus::TidakAktif.label_id()
        )
    }

    pub fn line_en(&self) -> String {
        format!(
            "{} {} · {} {} · {} {}",
            self.aktif,
            ActivityStatus::Aktif.label_en(),
            self.kurang_aktif,
            ActivityStatus::KurangAktif.label_en(),
            self.tidak_aktif,
            ActivityStatus::TidakAktif.label_en()
        )
    }
}

/// The activity rule of `settings` at `now_ms`, as the store counts it in SQL: the same
/// rule as [`classify`] (a post dated in the future is newer than any bound, so counting
/// `published_at >= since` agrees with counting it as published now).
fn activity_rule(settings: &PortalSettings, now_ms: i64) -> ActivityRule {
    let since = |days: u32| now_ms.saturating_sub(i64::from(days).saturating_mul(DAY_MS));
    ActivityRule {
        active_since: since(settings.active_days),
        less_active_since: since(settings.less_active_days),
        active_min_posts: i64::from(settings.active_min_posts),
    }
}

impl ActivityStatus {
    /// The status named by its [`key`](Self::key).
    pub fn from_key(key: &str) -> Option<Self> {
        [Self::Aktif, Self::KurangAktif, Self::TidakAktif]
            .into_iter()
            .find(|status| status.key() == key)
    }
}

/// How many villages are in each status, over every registered village: one query
/// whatever the number of villages.
#[tracing::instrument(skip_all)]
pub async fn summary(
    store: &Store,
    settings: &PortalSettings,
    now_ms: i64,
) -> anyhow::Result<Summary> {
    let mut summary = Summary::default();
    for (key, count) in store
        .village_status_counts(activity_rule(settings, now_ms))
        .await
        .context("counting villages by status")?
    {
        let count = usize::try_from(count).unwrap_or_default();
        match ActivityStatus::from_key(&key) {
            Some(ActivityStatus::Aktif) => summary.aktif += count,
            Some(ActivityStatus::KurangAktif) => summary.kurang_aktif += count,
            Some(ActivityStatus::TidakAktif) | None => summary.tidak_aktif += count,
        }
        summary.total += count;
    }
    Ok(summary)
}

/// One page of the villages a filter keeps, and how many it keeps in all.
#[derive(Clone, Debug)]
pub struct VillagePage {
    pub villages: Vec<VillageStatus>,
    pub matching: i64,
}

/// The villages `filter` keeps, `per_page` of them from page `page` (the first is 1), in
/// the store's order (district, then name). A filter on status is applied in SQL, by the
/// same rule as [`classify`]. With the `summary` of the same moment, a page with no
/// filter but the status takes its count from it rather than counting again.
#[tracing::instrument(skip_all, fields(page))]
pub async fn page(
    store: &Store,
    settings: &PortalSettings,
    now_ms: i64,
    filter: &MonitoringFilter,
    summary: Option<&Summary>,
    page: i64,
    per_page: i64,
) -> anyhow::Result<VillagePage> {
    let known = summary.and_then(|summary| summary.matching(filter));
    let (ids, counted) = ids_of_page(
        store,
        settings,
        now_ms,
        filter,
        (page, per_page),
        known.is_none(),
    )
    .await?;
    let villages = statuses_of(store, settings, now_ms, &ids).await?;
    Ok(VillagePage {
        villages,
        matching: known.or(counted).unwrap_or_default(),
    })
}

/// The villages of the same page as [`page`], without how many the filter keeps in all:
/// what the chart draws. Counting reads every match (every village, without a filter),
/// which at 75,000 villages was most of the chart's time.
pub async fn villages_of_page(
    store: &Store,
    settings: &PortalSettings,
    now_ms: i64,
    filter: &MonitoringFilter,
    page: i64,
    per_page: i64,
) -> anyhow::Result<Vec<VillageStatus>> {
    let (ids, _) = ids_of_page(store, settings, now_ms, filter, (page, per_page), false).await?;
    statuses_of(store, settings, now_ms, &ids).await
}

/// The ids of page `page` (the first is 1) of `per_page` villages that `filter` keeps,
/// and, with `count`, how many it keeps in all.
async fn ids_of_page(
    store: &Store,
    settings: &PortalSettings,
    now_ms: i64,
    filter: &MonitoringFilter,
    (page, per_page): (i64, i64),
    count: bool,
) -> anyhow::Result<(Vec<i64>, Option<i64>)> {
    let offset = page.saturating_sub(1).saturating_mul(per_page);
    store
        .monitored_village_ids(
            activity_rule(settings, now_ms),
            filter,
            Some((per_page, offset)),
            count,
        )
        .await
        .context("listing the villages of a page")
}

/// One batch of an export: the statuses of at most `size` villages that `filter` keeps,
/// after `after` in the listing order, and the place of the last of them, where the next
/// batch starts. A batch shorter than `size` is the last.
pub async fn export_batch(
    store: &Store,
    settings: &PortalSettings,
    now_ms: i64,
    filter: &MonitoringFilter,
    after: Option<&ListingPlace>,
    size: i64,
) -> anyhow::Result<(Vec<VillageStatus>, Option<ListingPlace>)> {
    let mut places = store
        .monitored_villages_after(activity_rule(settings, now_ms), filter, after, size)
        .await
        .context("listing a batch of an export")?;
    let ids: Vec<i64> = places.iter().map(|place| place.id).collect();
    let villages = statuses_of(store, settings, now_ms, &ids).await?;
    Ok((villages, places.pop()))
}

/// Every village `filter` keeps, by id, in the store's order: the command line's report.
pub async fn matching_village_ids(
    store: &Store,
    settings: &PortalSettings,
    now_ms: i64,
    filter: &MonitoringFilter,
) -> anyhow::Result<Vec<i64>> {
    let (ids, _) = store
        .monitored_village_ids(activity_rule(settings, now_ms), filter, None, false)
        .await
        .context("listing the villages of an export")?;
    Ok(ids)
}

/// The status of every registered village at `now_ms`, in the store's order (district,
/// then name). For the command line; pages and exports go through [`page`] and
/// [`statuses_of`] in batches.
#[tracing::instrument(skip_all)]
pub async fn report(
    store: &Store,
    settings: &PortalSettings,
    now_ms: i64,
) -> anyhow::Result<(Summary, Vec<VillageStatus>)> {
    let ids = matching_village_ids(store, settings, now_ms, &MonitoringFilter::default()).await?;
    let statuses = statuses_of(store, settings, now_ms, &ids).await?;
    let summary = Summary::of(&statuses);
    tracing::debug!(
        villages = summary.total,
        aktif = summary.aktif,
        "monitoring report"
    );
    Ok((summary, statuses))
}

/// The status and figures of the villages of `ids`, in the store's order (district,
/// then name). Six queries for the batch, whatever its size.
pub async fn statuses_of(
    store: &Store,
    settings: &PortalSettings,
    now_ms: i64,
    ids: &[i64],
) -> anyhow::Result<Vec<VillageStatus>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let villages = store
        .villages_by_ids(ids)
        .await
        .context("reading the villages")?;
    let window_ms = (i64::from(settings.active_days.max(settings.less_active_days)) * DAY_MS)
        .max(WEEKS as i64 * WEEK_MS);
    let mut dates: HashMap<i64, Vec<i64>> = HashMap::new();
    for (village_id, published_at) in store
        .post_dates_of_villages(ids, now_ms - window_ms)
        .await
        .context("reading the dates of village posts")?
    {
        dates.entry(village_id).or_default().push(published_at);
    }
    let last_posts: HashMap<i64, i64> = store
        .last_post_dates_of_villages(ids)
        .await
        .context("reading the last post of each village")?
        .into_iter()
        .collect();
    let mut errors: HashMap<i64, Vec<(i64, String)>> = HashMap::new();
    for (village_id, at, message) in store
        .recent_errors_of_villages(ids, RECENT_ERRORS)
        .await
        .context("reading village errors")?
    {
        errors.entry(village_id).or_default().push((at, message));
    }
    for (village_id, at, message) in store
        .last_failed_deliveries_to_villages(ids)
        .await
        .context("reading failed deliveries to villages")?
    {
        errors
            .entry(village_id)
            .or_default()
            .push((at, format!("delivery: {message}")));
    }

    let mut tickets: HashMap<i64, VillageTicketFigures> = store
        .ticket_figures_of_villages(ids)
        .await
        .context("reading the villages' aspiration figures")?
        .into_iter()
        .map(|figures| (figures.village_id, figures))
        .collect();

    Ok(villages
        .into_iter()
        .map(|village| {
            let posts = dates.remove(&village.id).unwrap_or_default();
            let mut recent_errors = errors.remove(&village.id).unwrap_or_default();
            recent_errors.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
            VillageStatus {
                status: classify(&posts, now_ms, settings),
                last_post_at: last_posts.get(&village.id).map(|&at| at.min(now_ms)),
                posts_30d: count_within(&posts, now_ms, settings.active_days),
                posts_90d: count_within(&posts, now_ms, settings.less_active_days),
                follow_state: village.follow_state,
                last_contact_at: village.last_contact_at,
                recent_errors,
                weekly: weekly_counts(&posts, now_ms),
                tickets: tickets.remove(&village.id),
                village,
            }
        })
        .collect())
}

/// What the public reads in place of an error text: error texts can name the servers,
/// addresses and paths of a village's hosting, which only the portal's staff need.
pub const WITHHELD_ERROR: &str =
    "galat (isinya hanya untuk admin portal) / error (text for portal staff only)";

/// Replaces every error text with [`WITHHELD_ERROR`], keeping how many and when.
pub fn withhold_error_texts(statuses: &mut [VillageStatus]) {
    for status in statuses {
        for (_, message) in &mut status.recent_errors {
            *message = WITHHELD_ERROR.to_string();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::to_rfc3339;
    use crate::store::SourceKind;
    use std::time::Duration;

    const NOW: i64 = 1_750_000_000_000;

    fn settings() -> PortalSettings {
        PortalSettings {
            announce: true,
            active_min_posts: 4,
            active_days: 30,
            less_active_days: 90,
            backfill_every: Duration::from_secs(3600),
            feed_poll_every: Duration::from_secs(3600),
            concurrency: 8,
        }
    }

    fn days_ago(days: i64) -> i64 {
        NOW - days * DAY_MS
    }

    fn classify_now(dates: &[i64]) -> ActivityStatus {
        classify(dates, NOW, &settings())
    }

    #[test]
    fn four_posts_within_thirty_days_are_aktif_and_three_are_not() {
        let four = [days_ago(1), days_ago(5), days_ago(10), days_ago(29)];
        assert_eq!(classify_now(&four), ActivityStatus::Aktif);
        assert_eq!(classify_now(&four[..3]), ActivityStatus::KurangAktif);
    }

    #[test]
    fn the_thirty_day_boundary_is_inclusive() {
        let mut dates = vec![days_ago(1), days_ago(2), days_ago(3), days_ago(30)];
        assert_eq!(classify_now(&dates), ActivityStatus::Aktif);
        dates[3] -= 1;
        assert_eq!(classify_now(&dates), ActivityStatus::KurangAktif);
    }

    #[test]
    fn the_ninety_day_boundary_is_inclusive() {
        assert_eq!(classify_now(&[days_ago(90)]), ActivityStatus::KurangAktif);
        assert_eq!(
            classify_now(&[days_ago(90) - 1]),
            ActivityStatus::TidakAktif
        );
    }

    #[test]
    fn never_posted_is_tidak_aktif() {
        assert_eq!(classify_now(&[]), ActivityStatus::TidakAktif);
    }

    #[test]
    fn many_old_posts_do_not_make_a_village_active() {
        let old: Vec<i64> = (91..140).map(days_ago).collect();
        assert_eq!(classify_now(&old), ActivityStatus::TidakAktif);
    }

    #[test]
    fn posts_dated_in_the_future_count_as_now() {
        let dates = [NOW + DAY_MS, NOW + 400 * DAY_MS, days_ago(2), days_ago(3)];
        assert_eq!(classify_now(&dates), ActivityStatus::Aktif);
        assert_eq!(weekly_counts(&dates, NOW)[WEEKS - 1], 4);
    }

    #[test]
    fn settings_change_the_thresholds() {
        let mut strict = settings();
        strict.active_min_posts = 2;
        strict.active_days = 7;
        strict.less_active_days = 14;
        let dates = [days_ago(1), days_ago(8)];
        assert_eq!(classify(&dates, NOW, &strict), ActivityStatus::KurangAktif);
        assert_eq!(
            classify(&[days_ago(15)], NOW, &strict),
            ActivityStatus::TidakAktif
        );
        assert_eq!(
            classify(&[days_ago(1), days_ago(6)], NOW, &strict),
            ActivityStatus::Aktif
        );
    }

    #[test]
    fn weekly_counts_put_the_oldest_week_first() {
        let dates = [
            days_ago(0),
            days_ago(6),
            days_ago(7),
            days_ago(83),
            days_ago(84),
        ];
        let weeks = weekly_counts(&dates, NOW);
        assert_eq!(weeks.len(), WEEKS);
        assert_eq!(weeks[WEEKS - 1], 2);
        assert_eq!(weeks[WEEKS - 2], 1);
        assert_eq!(weeks[0], 1);
        assert_eq!(weeks.iter().sum::<i64>(), 4);
    }

    fn village_status(name: &str, status: ActivityStatus) -> VillageStatus {
        VillageStatus {
            village: VillageRecord {
                id: 1,
                name: name.to_string(),
                district: "Kec. \"Tengah\"".to_string(),
                code: "33.01".to_string(),
                source_kind: SourceKind::Actor,
                handle: Some("desa@desa.example".to_string()),
                feed_url: None,
                actor_id: None,
                follow_state: FollowState::Accepted,
                follow_ap_id: None,
                follow_attempts: 0,
                next_attempt_at: 0,
                last_contact_at: Some(NOW),
                last_error: None,
                last_error_at: None,
                accepted_at: None,
                backfilled_at: None,
                feed_etag: None,
                feed_last_modified: None,
                created_at: NOW,
            },
            status,
            last_post_at: Some(days_ago(3)),
            posts_30d: 2,
            posts_90d: 5,
            follow_state: FollowState::Accepted,
            last_contact_at: Some(NOW),
            recent_errors: vec![(NOW, "=HYPERLINK(\"x\"), gagal\nlagi".to_string())],
            weekly: vec![0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1],
            tickets: Some(VillageTicketFigures {
                village_id: 1,
                open_tickets: 3,
                overdue_tickets: 1,
                received: 9,
                answered: 5,
                median_first_response_secs: Some(7_200),
                median_answer_secs: None,
                window_days: 365,
                computed_at: NOW,
                fetched_at: NOW,
            }),
        }
    }

    #[test]
    fn summary_line_reads_like_the_regency_counts_it() {
        let summary = Summary {
            aktif: 10,
            kurang_aktif: 6,
            tidak_aktif: 23,
            total: 39,
        };
        assert_eq!(
            summary.line_id(),
            "10 aktif · 6 kurang aktif · 23 tidak aktif"
        );
        assert_eq!(summary.line_en(), "10 active · 6 less active · 23 inactive");
    }

    #[test]
    fn csv_quotes_fields_and_defuses_formulas() {
        let csv = to_csv(&[village_status("Desa A, B", ActivityStatus::KurangAktif)]);
        let mut lines = csv.lines();
        assert_eq!(lines.next(), Some(CSV_COLUMNS.join(",").as_str()));
        assert!(csv.starts_with("nama,kecamatan,"));
        assert!(csv.contains(
            "\"Desa A, B\",\"Kec. \"\"Tengah\"\"\",33.01,desa@desa.example,kurang aktif,"
        ));
        // The aspiration figures follow the error: open, overdue, median hours to a first
        // response and to an answer (none yet: empty), and when they were computed.
        let figures_at = to_rfc3339(NOW);
        assert!(csv.contains(&format!(
            ",\"'=HYPERLINK(\"\"x\"\"), gagal\nlagi\",3,1,2.0,,{figures_at}\n"
        )));
    }

    #[test]
    fn table_is_aligned_and_ends_with_the_summary() {
        let text = table(&[
            village_status("Desa Panjang Sekali", ActivityStatus::Aktif),
            village_status("Desa B", ActivityStatus::TidakAktif),
        ]);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("NAMA                 KECAMATAN"));
        let status_at = lines[0].find("STATUS").expect("status column");
        assert_eq!(&lines[1][status_at..status_at + 5], "aktif");
        assert_eq!(&lines[2][status_at..status_at + 11], "tidak aktif");
        assert_eq!(
            lines.last(),
            Some(&"1 aktif · 0 kurang aktif · 1 tidak aktif")
        );
    }

    #[test]
    fn chart_escapes_names_and_has_a_title() {
        let svg = weekly_chart_svg(&[village_status("Desa <b>&", ActivityStatus::Aktif)]);
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("role=\"img\""));
        assert!(svg.contains("<title id=\"chart-title\">"));
        assert!(svg.contains("Desa &lt;b&gt;&amp;"));
        assert!(!svg.contains("<b>"));
        assert_eq!(svg.matches("<rect x=").count(), WEEKS);
    }
}
