//! The monitoring report as the other programs and people read it: CSV for a
//! spreadsheet, JSON with English keys, an aligned table for a terminal, and SVG charts
//! of posts per week. Column names of the CSV and the table are the data's own names, in
//! Bahasa Indonesia as the regency's spreadsheets use them.

use super::{Summary, VillageStatus, WEEKS};
use crate::{
    clock::{to_datetime, to_rfc3339},
    store::VillageTicketFigures,
    text::escape_markup,
};
use serde_json::{Value, json};
use std::fmt::Write as _;

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
    let mut out = csv_header();
    push_csv_rows(&mut out, statuses);
    out
}

/// The header row of [`to_csv`], for a CSV written in parts.
pub fn csv_header() -> String {
    let mut out = String::new();
    push_csv_row(&mut out, CSV_COLUMNS);
    out
}

/// Appends the rows of [`to_csv`] for `statuses`, without the header.
pub fn push_csv_rows(out: &mut String, statuses: &[VillageStatus]) {
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
            out,
            [
                v.village.name.as_str(),
                &v.village.district,
                &v.village.code,
                v.source(),
                v.status.label_id(),
                &last_post,
                &posts_30d,
                &posts_90d,
                v.follow_state.as_str(),
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
}

/// The report as JSON with English keys. Only what villages publish and how the portal
/// reaches them: no person's data.
pub fn to_json(summary: &Summary, statuses: &[VillageStatus]) -> Value {
    json!({
        "summary": summary_json(summary),
        "villages": statuses.iter().map(village_json).collect::<Vec<_>>(),
    })
}

/// The `summary` member of [`to_json`].
pub fn summary_json(summary: &Summary) -> Value {
    json!({
        "active": summary.aktif,
        "less_active": summary.kurang_aktif,
        "inactive": summary.tidak_aktif,
        "total": summary.total,
        "line": summary.line_id(),
    })
}

/// One village of [`to_json`]'s `villages`.
pub fn village_json(v: &VillageStatus) -> Value {
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
            v.follow_state.to_string(),
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
