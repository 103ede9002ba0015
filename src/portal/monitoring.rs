//! Which villages are active: a status per village (aktif, kurang aktif, tidak aktif)
//! from the `published` dates of its posts, with counts, follow state, last contact,
//! recent errors, posts per week and the aspiration figures the village publishes (open
//! and overdue tickets, median response times: counts only, never a resident's data),
//! and the same report as CSV, JSON, a plain-text
//! table and an SVG chart. No HTTP and no SQL: the web pages and the command line both
//! call [`report`], which reads the store in a handful of queries for all villages.
//!
//! The few words in the CSV header, the table and the chart live here rather than in
//! `strings` because the command line prints them too and the domain must not
//! import the web room.

use crate::{
    clock::{to_datetime, to_rfc3339},
    config::PortalSettings,
    store::{Store, VillageRecord, VillageTicketFigures},
    text::escape_markup,
};
use anyhow::Context;
use serde_json::{Value, json};
use std::{collections::HashMap, fmt::Write as _};

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
    pub fn label_id(self) -> &'static str {
        match self {
            Self::Aktif => "aktif",
            Self::KurangAktif => "kurang aktif",
            Self::TidakAktif => "tidak aktif",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::Aktif => "active",
            Self::KurangAktif => "less active",
            Self::TidakAktif => "inactive",
        }
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
    /// `pending`, `accepted`, `rejected`, `unreachable`, or `feed`.
    pub follow_state: String,
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

/// The status of every registered village at `now_ms`, in the store's order (district,
/// then name). Five queries whatever the number of villages.
#[tracing::instrument(skip_all)]
pub async fn report(
    store: &Store,
    settings: &PortalSettings,
    now_ms: i64,
) -> anyhow::Result<(Summary, Vec<VillageStatus>)> {
    let villages = store.villages().await.context("reading the villages")?;
    let window_ms = (i64::from(settings.active_days.max(settings.less_active_days)) * DAY_MS)
        .max(WEEKS as i64 * WEEK_MS);
    let mut dates: HashMap<i64, Vec<i64>> = HashMap::new();
    for (village_id, published_at) in store
        .village_post_dates(now_ms - window_ms)
        .await
        .context("reading the dates of village posts")?
    {
        dates.entry(village_id).or_default().push(published_at);
    }
    let last_posts: HashMap<i64, i64> = store
        .last_village_post_dates()
        .await
        .context("reading the last post of each village")?
        .into_iter()
        .collect();
    let mut errors: HashMap<i64, Vec<(i64, String)>> = HashMap::new();
    for (village_id, at, message) in store
        .recent_errors_of_villages(RECENT_ERRORS)
        .await
        .context("reading village errors")?
    {
        errors.entry(village_id).or_default().push((at, message));
    }
    for (village_id, at, message) in store
        .last_failed_deliveries_to_villages()
        .await
        .context("reading failed deliveries to villages")?
    {
        errors
            .entry(village_id)
            .or_default()
            .push((at, format!("delivery: {message}")));
    }

    let mut tickets: HashMap<i64, VillageTicketFigures> = store
        .village_ticket_figures()
        .await
        .context("reading the villages' aspiration figures")?
        .into_iter()
        .map(|figures| (figures.village_id, figures))
        .collect();

    let statuses: Vec<VillageStatus> = villages
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
                follow_state: village.follow_state.clone(),
                last_contact_at: village.last_contact_at,
                recent_errors,
                weekly: weekly_counts(&posts, now_ms),
                tickets: tickets.remove(&village.id),
                village,
            }
        })
        .collect();
    let summary = Summary::of(&statuses);
    tracing::debug!(
        villages = summary.total,
        aktif = summary.aktif,
        "monitoring report"
    );
    Ok((summary, statuses))
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

/// Column names of [`to_csv`], in order.
pub const CSV_COLUMNS: [&str; 16] = [
    "nama",
    "kecamatan",
    "kode",
    "sumber",
    "status",
    "posting_terakhir",
    "posting_30_hari",
    "posting_90_hari",
    "status_ikuti",
    "kontak_terakhir",
    "galat_terakhir",
    "aspirasi_terbuka",
    "aspirasi_lewat_tenggat",
    "median_tanggapan_pertama_jam",
    "median_jawaban_jam",
    "angka_aspirasi_per",
];

/// Seconds as hours with one decimal, for the CSV and the pages.
pub fn hours(seconds: i64) -> String {
    format!("{:.1}", seconds as f64 / 3600.0)
}

/// Appends one RFC 4180 field. A cell starting with `=`, `+`, `-` or `@` gets a leading
/// `'`: spreadsheets would run it as a formula, and names and error texts come from
/// outside the portal.
fn push_csv_field(out: &mut String, value: &str) {
    let guarded;
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        guarded = format!("'{value}");
        guarded.as_str()
    } else {
        value
    };
    if value.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(value);
    }
}

fn push_csv_row<'a>(out: &mut String, fields: impl IntoIterator<Item = &'a str>) {
    for (i, field) in fields.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_csv_field(out, field);
    }
    out.push('\n');
}

/// The report as CSV (UTF-8, a header row, one row per village). Dates are RFC 3339,
/// empty when unknown; `galat_terakhir` is the newest error.
pub fn to_csv(statuses: &[VillageStatus]) -> String {
    let mut out = String::new();
    push_csv_row(&mut out, CSV_COLUMNS);
    for v in statuses {
        let last_post = v.last_post_at.map(to_rfc3339).unwrap_or_default();
        let posts_30d = v.posts_30d.to_string();
        let posts_90d = v.posts_90d.to_string();
        let last_contact = v.last_contact_at.map(to_rfc3339).unwrap_or_default();
        let last_error = v
            .recent_errors
            .first()
            .map(|(_, message)| message.as_str())
            .unwrap_or_default();
        let tickets = v.tickets.as_ref();
        let count = |f: fn(&VillageTicketFigures) -> i64| {
            tickets.map(|t| f(t).to_string()).unwrap_or_default()
        };
        let median = |f: fn(&VillageTicketFigures) -> Option<i64>| {
            tickets.and_then(f).map(hours).unwrap_or_default()
        };
        let open = count(|t| t.open_tickets);
        let overdue = count(|t| t.overdue_tickets);
        let first_response = median(|t| t.median_first_response_secs);
        let answer = median(|t| t.median_answer_secs);
        let figures_at = tickets
            .map(|t| to_rfc3339(t.computed_at))
            .unwrap_or_default();
        push_csv_row(
            &mut out,
            [
                v.village.name.as_str(),
                &v.village.district,
                &v.village.code,
                v.source(),
                v.status.label_id(),
                &last_post,
                &posts_30d,
                &posts_90d,
                &v.follow_state,
                &last_contact,
                last_error,
                &open,
                &overdue,
                &first_response,
                &answer,
                &figures_at,
            ],
        );
    }
    out
}

/// The report as JSON with English keys. Only what villages publish and how the portal
/// reaches them: no person's data.
pub fn to_json(summary: &Summary, statuses: &[VillageStatus]) -> Value {
    let villages: Vec<Value> = statuses
        .iter()
        .map(|v| {
            json!({
                "name": v.village.name,
                "district": v.village.district,
                "code": v.village.code,
                "source_kind": v.village.source_kind,
                "source": v.source(),
                "status": v.status.key(),
                "status_label": v.status.label_id(),
                "last_post_at": v.last_post_at.map(to_rfc3339),
                "posts_30d": v.posts_30d,
                "posts_90d": v.posts_90d,
                "follow_state": v.follow_state,
                "last_contact_at": v.last_contact_at.map(to_rfc3339),
                "recent_errors": v.recent_errors.iter().map(|(at, message)| json!({
                    "at": to_rfc3339(*at),
                    "message": message,
                })).collect::<Vec<_>>(),
                "weekly_posts": v.weekly,
                "aspirations": v.tickets.as_ref().map(|t| json!({
                    "open": t.open_tickets,
                    "overdue": t.overdue_tickets,
                    "received": t.received,
                    "answered": t.answered,
                    "median_first_response_seconds": t.median_first_response_secs,
                    "median_answer_seconds": t.median_answer_secs,
                    "window_days": t.window_days,
                    "computed_at": to_rfc3339(t.computed_at),
                    "fetched_at": to_rfc3339(t.fetched_at),
                })),
            })
        })
        .collect();
    json!({
        "summary": {
            "active": summary.aktif,
            "less_active": summary.kurang_aktif,
            "inactive": summary.tidak_aktif,
            "total": summary.total,
            "line": summary.line_id(),
        },
        "villages": villages,
    })
}

/// A cell of the plain-text table: one line, at most `max` characters.
fn table_cell(text: &str, max: usize) -> String {
    let flat: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if flat.chars().count() > max {
        let mut cut: String = flat.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    } else {
        flat
    }
}

fn day_label(ms: Option<i64>) -> String {
    ms.map(|ms| to_datetime(ms).format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| "-".to_string())
}

/// The report as an aligned plain-text table for a terminal, ending with the summary
/// line.
pub fn table(statuses: &[VillageStatus]) -> String {
    const HEADER: [&str; 11] = [
        "NAMA",
        "KECAMATAN",
        "STATUS",
        "POSTING TERAKHIR",
        "30 HARI",
        "90 HARI",
        "STATUS IKUTI",
        "KONTAK TERAKHIR",
        "ASPIRASI TERBUKA",
        "LEWAT TENGGAT",
        "GALAT TERAKHIR",
    ];
    // Numbers are right-aligned so that columns of counts read at a glance.
    const NUMERIC: [bool; 11] = [
        false, false, false, false, true, true, false, false, true, true, false,
    ];
    let mut rows: Vec<[String; 11]> = vec![HEADER.map(str::to_string)];
    for v in statuses {
        rows.push([
            table_cell(&v.village.name, 40),
            table_cell(&v.village.district, 24),
            v.status.label_id().to_string(),
            day_label(v.last_post_at),
            v.posts_30d.to_string(),
            v.posts_90d.to_string(),
            table_cell(&v.follow_state, 12),
            day_label(v.last_contact_at),
            v.tickets
                .as_ref()
                .map_or_else(|| "-".to_string(), |t| t.open_tickets.to_string()),
            v.tickets
                .as_ref()
                .map_or_else(|| "-".to_string(), |t| t.overdue_tickets.to_string()),
            v.recent_errors
                .first()
                .map(|(_, message)| table_cell(message, 60))
                .unwrap_or_else(|| "-".to_string()),
        ]);
    }
    let mut widths = [0usize; 11];
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in &rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            let width = widths[i];
            if NUMERIC[i] {
                let _ = write!(line, "{cell:>width$}");
            } else {
                let _ = write!(line, "{cell:<width$}");
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&Summary::of(statuses).line_id());
    out.push('\n');
    out
}

/// Bar height for `count` out of `max`, with a 1-pixel stub for an empty week so that
/// "no posts" is visible, not a gap.
fn bar_height(count: i64, max: i64, full: i64) -> i64 {
    if count <= 0 {
        1
    } else {
        ((count * full) / max.max(1)).clamp(2, full)
    }
}

/// The largest weekly count of any village, to draw every village on one scale.
pub fn weekly_max(statuses: &[VillageStatus]) -> i64 {
    statuses
        .iter()
        .flat_map(|v| v.weekly.iter().copied())
        .max()
        .unwrap_or(0)
        .max(1)
}

/// A small inline chart of one village's posts per week, scaled to `max`, for a table
/// cell; its accessible name lists the counts.
pub fn sparkline_svg(weekly: &[i64], max: i64) -> String {
    const BAR: i64 = 5;
    const STEP: i64 = 7;
    const HEIGHT: i64 = 20;
    let width = STEP * weekly.len() as i64;
    let counts: Vec<String> = weekly.iter().map(i64::to_string).collect();
    let label = format!(
        "Kabar per minggu, {} minggu terakhir: {} (posts per week, oldest first)",
        weekly.len(),
        counts.join(", ")
    );
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"sparkline\" role=\"img\" \
         width=\"{width}\" height=\"{HEIGHT}\" viewBox=\"0 0 {width} {HEIGHT}\" \
         aria-label=\"{label}\"><title>{label}</title>",
        label = escape_markup(&label)
    );
    for (i, &count) in weekly.iter().enumerate() {
        let h = bar_height(count, max, HEIGHT - 2);
        let _ = write!(
            svg,
            "<rect x=\"{x}\" y=\"{y}\" width=\"{BAR}\" height=\"{h}\" fill=\"{fill}\"/>",
            x = i as i64 * STEP,
            y = HEIGHT - h,
            fill = if count > 0 { "#0b5394" } else { "#bbb" },
        );
    }
    svg.push_str("</svg>");
    svg
}

/// A chart of posts per week for every village: one row per village with its name,
/// [`WEEKS`] bars (oldest on the left, all villages on one scale), its total and its
/// status in words. A standalone SVG document with a title and description for screen
/// readers; every name is escaped.
pub fn weekly_chart_svg(statuses: &[VillageStatus]) -> String {
    const FONT: &str = "font-family=\"system-ui, sans-serif\" font-size=\"12\"";
    const LABEL_W: i64 = 230;
    const LABEL_CHARS: usize = 30;
    const BAR_W: i64 = 10;
    const STEP: i64 = 13;
    const ROW_H: i64 = 24;
    const TOP: i64 = 62;
    let max = weekly_max(statuses);
    let rows = statuses.len().max(1) as i64;
    let bars_end = LABEL_W + STEP * WEEKS as i64;
    let width = bars_end + 130;
    let height = TOP + rows * ROW_H + 8;
    let summary = Summary::of(statuses);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"{width}\" \
         height=\"{height}\" viewBox=\"0 0 {width} {height}\" \
         aria-labelledby=\"chart-title chart-desc\">\
         <title id=\"chart-title\">Kabar per minggu per desa (posts per week per village)</title>\
         <desc id=\"chart-desc\">{desc}</desc>\
         <rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\
         <text x=\"0\" y=\"15\" {FONT} font-weight=\"bold\">Kabar per minggu, {WEEKS} minggu terakhir</text>\
         <text x=\"0\" y=\"31\" {FONT}>{line}</text>\
         <text x=\"0\" y=\"47\" {FONT} fill=\"#555\">Posts per week, last {WEEKS} weeks, oldest on the left</text>\
         <text x=\"{total_x}\" y=\"{head_y}\" {FONT} fill=\"#555\">jumlah</text>\
         <text x=\"{status_x}\" y=\"{head_y}\" {FONT} fill=\"#555\">status</text>",
        desc = escape_markup(&format!(
            "{} desa, satu baris per desa dengan {WEEKS} batang, minggu terlama di kiri, \
             skala bersama hingga {max} kabar per minggu; {}. \
             {} villages, one row per village with {WEEKS} bars, oldest week on the left, \
             one scale up to {max} posts a week; {}.",
            summary.total,
            summary.line_id(),
            summary.total,
            summary.line_en()
        )),
        line = escape_markup(&summary.line_id()),
        total_x = bars_end + 6,
        status_x = bars_end + 50,
        head_y = TOP - 4,
    );
    if statuses.is_empty() {
        let _ = write!(
            svg,
            "<text x=\"0\" y=\"{y}\" {FONT}>Belum ada desa (no villages yet)</text>",
            y = TOP + 16
        );
    }
    for (row, v) in statuses.iter().enumerate() {
        let y0 = TOP + row as i64 * ROW_H;
        let text_y = y0 + 17;
        let total: i64 = v.weekly.iter().sum();
        let counts: Vec<String> = v.weekly.iter().map(i64::to_string).collect();
        let _ = write!(
            svg,
            "<g><title>{title}</title><text x=\"0\" y=\"{text_y}\" {FONT}>{name}</text>",
            title = escape_markup(&format!(
                "{}: {} ({})",
                v.village.name,
                counts.join(", "),
                v.status.label_id()
            )),
            name = escape_markup(&table_cell(&v.village.name, LABEL_CHARS)),
        );
        for (i, &count) in v.weekly.iter().enumerate() {
            let h = bar_height(count, max, ROW_H - 6);
            let _ = write!(
                svg,
                "<rect x=\"{x}\" y=\"{y}\" width=\"{BAR_W}\" height=\"{h}\" fill=\"{fill}\"/>",
                x = LABEL_W + i as i64 * STEP,
                y = y0 + ROW_H - 2 - h,
                fill = if count > 0 { "#0b5394" } else { "#bbb" },
            );
        }
        let _ = write!(
            svg,
            "<text x=\"{x}\" y=\"{text_y}\" {FONT}>{total}</text>\
             <text x=\"{status_x}\" y=\"{text_y}\" {FONT} fill=\"#555\">{status}</text></g>",
            x = bars_end + 6,
            status_x = bars_end + 50,
            status = v.status.label_id(),
        );
    }
    svg.push_str("</svg>\n");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
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
                source_kind: "actor".to_string(),
                handle: Some("desa@desa.example".to_string()),
                feed_url: None,
                actor_id: None,
                follow_state: "accepted".to_string(),
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
            follow_state: "accepted".to_string(),
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
