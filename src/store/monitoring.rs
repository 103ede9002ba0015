//! What the monitoring report needs beyond the village registry: each village's status
//! counted in SQL (so that a national portal's page is filtered and paged in the
//! database), and for the villages of one page or export batch their posts' dates,
//! recent errors, last failed delivery and aspiration figures, each in one query for the
//! batch rather than one per village.

use super::{
    Backend, Store, VillageRecord, VillageTicketFigures, on_pool, villages::village_columns,
};
use anyhow::Context;

impl Store {
    /// The newest `per_village` logged errors of each village of `ids`, as
    /// `(village_id, at, message)`, newest first within a village.
    pub async fn recent_errors_of_villages(
        &self,
        ids: &[i64],
        per_village: i64,
    ) -> anyhow::Result<Vec<(i64, i64, String)>> {
        let sql = format!(
            "SELECT village_id, at, message FROM ( \
               SELECT village_id, at, message, id, \
                 ROW_NUMBER() OVER (PARTITION BY village_id ORDER BY at DESC, id DESC) AS n \
               FROM village_errors WHERE village_id {}) e \
             WHERE n <= $2 ORDER BY village_id, at DESC, id DESC",
            self.backend.ids_in_json()
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ids_json(ids))
            .bind(per_village)
            .fetch_all(pool)
            .await
            .context("reading recent errors of villages")?
        }))
    }

    /// For each village followed as an actor, the newest delivery to its server that
    /// failed for good or is being retried after an error, as `(village_id, at,
    /// error)`. `at` is when it was given up, or when it was queued if it is still
    /// retried (the time of each attempt is not kept).
    pub async fn last_failed_deliveries_to_villages(
        &self,
        ids: &[i64],
    ) -> anyhow::Result<Vec<(i64, i64, String)>> {
        let sql = format!(
            "SELECT v.id, d.at, d.last_error \
                 FROM villages v JOIN actors a ON a.id = v.actor_id \
                 JOIN ( \
                   SELECT host, COALESCE(finished_at, created_at) AS at, last_error, \
                     ROW_NUMBER() OVER (PARTITION BY host \
                       ORDER BY COALESCE(finished_at, created_at) DESC, id DESC) AS n \
                   FROM deliveries \
                   WHERE last_error IS NOT NULL \
                     AND (state = 'failed' OR (state = 'pending' AND attempts > 0)) \
                 ) d ON d.host = a.host AND d.n = 1 \
                 WHERE v.id {} ORDER BY v.id",
            self.backend.ids_in_json()
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ids_json(ids))
            .fetch_all(pool)
            .await
            .context("reading failed deliveries to villages")?
        }))
    }
}

/// Which villages a monitoring page or export lists. Every field narrows the list; none
/// set lists every village.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MonitoringFilter {
    /// A prefix of the Kemendagri code `PP.RR.DD.VVVV`: `33` a province, `33.01` a
    /// regency, `33.01.02` a district.
    pub code_prefix: Option<String>,
    /// A district's name, compared without case.
    pub district: Option<String>,
    /// `active`, `less_active` or `inactive`, as [`STATUS_CASE`] computes them.
    pub status: Option<&'static str>,
    /// Part of the village's name, or the start of its code.
    pub search: Option<String>,
}

/// The activity rule in the terms of the SQL: a village is `active` with at least
/// `active_min_posts` live posts published since `active_since`, `less_active` with one
/// since `less_active_since`, `inactive` otherwise. The domain gives the bounds (it owns
/// the rule and the clock); the store only counts.
#[derive(Clone, Copy, Debug)]
pub struct ActivityRule {
    pub active_since: i64,
    pub less_active_since: i64,
    pub active_min_posts: i64,
}

/// `LIKE` treats `%`, `_` and the escape itself as special: a search for `10%` must
/// find the text `10%`.
fn like_escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

impl Backend {
    /// `IN (…)` over the ids of a JSON array bound as text: one statement text for any
    /// number of ids (a list of placeholders would prepare one per length). The
    /// statements built with it are `format!`ed from constants only: every value is bound.
    fn ids_in_json(&self) -> &'static str {
        match self {
            Backend::Sqlite(_) => "IN (SELECT value FROM json_each($1))",
            Backend::Postgres(_) => "IN (SELECT jsonb_array_elements_text($1::jsonb)::bigint)",
        }
    }
}

fn ids_json(ids: &[i64]) -> String {
    serde_json::to_string(ids).unwrap_or_else(|_| "[]".to_string())
}

/// Pushes the status of each village as `status`, from the live posts of the window
/// (one pass over the posts of the last `max(active, less active)` days, grouped by
/// village, through the covering index `village_posts_live_dates`).
macro_rules! push_rated_villages {
    ($query:ident, $rule:expr) => {{
        let rule: ActivityRule = $rule;
        $query
            .push(
                "WITH recent AS (SELECT village_id, \
                   SUM(CASE WHEN published_at >= ",
            )
            .push_bind(rule.active_since)
            .push(" THEN 1 ELSE 0 END) AS in_active, SUM(CASE WHEN published_at >= ")
            .push_bind(rule.less_active_since)
            .push(
                " THEN 1 ELSE 0 END) AS in_less FROM village_posts \
                 WHERE deleted_at IS NULL AND published_at >= ",
            )
            .push_bind(rule.active_since.min(rule.less_active_since))
            .push(
                " GROUP BY village_id), \
                 rated AS (SELECT v.id, v.district, v.name, v.code, \
                   CASE WHEN COALESCE(r.in_active, 0) >= ",
            )
            .push_bind(rule.active_min_posts)
            .push(
                " THEN 'active' WHEN COALESCE(r.in_less, 0) > 0 THEN 'less_active' \
                   ELSE 'inactive' END AS status \
                 FROM villages v LEFT JOIN recent r ON r.village_id = v.id) ",
            );
    }};
}

/// Pushes ` AND …` for each filter in use, over a relation with `district`, `name`,
/// `code` (and `status` when `rated`).
macro_rules! push_village_filters {
    ($query:ident, $filter:expr) => {{
        let filter: &MonitoringFilter = $filter;
        if let Some(prefix) = &filter.code_prefix {
            $query
                .push(" AND code LIKE ")
                .push_bind(format!("{}%", like_escaped(prefix)))
                .push(" ESCAPE '\\'");
        }
        if let Some(district) = &filter.district {
            $query
                .push(" AND lower(district) = lower(")
                .push_bind(district.clone())
                .push(")");
        }
        if let Some(status) = filter.status {
            $query.push(" AND status = ").push_bind(status);
        }
        if let Some(search) = &filter.search {
            let escaped = like_escaped(&search.to_lowercase());
            $query
                .push(" AND (lower(name) LIKE ")
                .push_bind(format!("%{escaped}%"))
                .push(" ESCAPE '\\' OR lower(code) LIKE ")
                .push_bind(format!("{escaped}%"))
                .push(" ESCAPE '\\')");
        }
    }};
}

impl Store {
    /// How many villages are in each status, over every village: `(status, count)`.
    pub async fn village_status_counts(
        &self,
        rule: ActivityRule,
    ) -> anyhow::Result<Vec<(String, i64)>> {
        Ok(on_pool!(self, pool => {
            let mut query = sqlx::QueryBuilder::new("");
            push_rated_villages!(query, rule);
            query.push("SELECT status, COUNT(*) FROM rated GROUP BY status");
            query
                .build_query_as::<(String, i64)>()
                .fetch_all(pool)
                .await
                .context("counting villages by status")?
        }))
    }

    /// The ids of the villages that `filter` keeps, in the monitoring order (district,
    /// name, id), `limit` of them from `offset` (`None`: all), with how many match in
    /// all. Without a status filter only `villages` is read; with one, every village's
    /// status is computed first (one pass over the window's posts).
    pub async fn monitored_village_ids(
        &self,
        rule: ActivityRule,
        filter: &MonitoringFilter,
        page: Option<(i64, i64)>,
    ) -> anyhow::Result<(Vec<i64>, i64)> {
        Ok(on_pool!(self, pool => {
            let mut query = sqlx::QueryBuilder::new("");
            if filter.status.is_some() {
                push_rated_villages!(query, rule);
                query.push("SELECT id, COUNT(*) OVER () FROM rated WHERE TRUE");
            } else {
                query.push("SELECT id, COUNT(*) OVER () FROM villages WHERE TRUE");
            }
            push_village_filters!(query, filter);
            query.push(" ORDER BY district, name, id");
            if let Some((limit, offset)) = page {
                query.push(" LIMIT ").push_bind(limit).push(" OFFSET ").push_bind(offset);
            }
            let rows: Vec<(i64, i64)> = query
                .build_query_as()
                .fetch_all(pool)
                .await
                .context("listing monitored villages")?;
            let total = match rows.first() {
                Some(&(_, total)) => total,
                // Past the last page `COUNT(*) OVER ()` has no row to ride on.
                None if page.is_some_and(|(_, offset)| offset > 0) => {
                    let mut count = sqlx::QueryBuilder::new("");
                    if filter.status.is_some() {
                        push_rated_villages!(count, rule);
                        count.push("SELECT COUNT(*) FROM rated WHERE TRUE");
                    } else {
                        count.push("SELECT COUNT(*) FROM villages WHERE TRUE");
                    }
                    push_village_filters!(count, filter);
                    count
                        .build_query_scalar::<i64>()
                        .fetch_one(pool)
                        .await
                        .context("counting monitored villages")?
                }
                None => 0,
            };
            (rows.into_iter().map(|(id, _)| id).collect(), total)
        }))
    }

    /// At most `limit` villages that `filter` keeps, in the monitoring order, its status
    /// aside (no posts are read): a search or a district's villages for a form.
    pub async fn villages_matching(
        &self,
        filter: &MonitoringFilter,
        limit: i64,
    ) -> anyhow::Result<Vec<VillageRecord>> {
        let filter = MonitoringFilter {
            status: None,
            ..filter.clone()
        };
        Ok(on_pool!(self, pool => {
            let mut query = sqlx::QueryBuilder::new(concat!(
                "SELECT ",
                village_columns!(),
                " FROM villages WHERE TRUE"
            ));
            push_village_filters!(query, &filter);
            query.push(" ORDER BY district, name, id LIMIT ").push_bind(limit);
            query
                .build_query_as::<VillageRecord>()
                .fetch_all(pool)
                .await
                .context("finding villages")?
        }))
    }

    /// The villages of `ids`, in the monitoring order.
    pub async fn villages_by_ids(&self, ids: &[i64]) -> anyhow::Result<Vec<VillageRecord>> {
        let sql = format!(
            "SELECT {} FROM villages WHERE id {} ORDER BY district, name, id",
            village_columns!(),
            self.backend.ids_in_json()
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(ids_json(ids))
                .fetch_all(pool)
                .await
                .context("reading villages by id")?
        }))
    }

    /// `(village_id, published_at)` of the live posts of `ids` published since `since`.
    pub async fn post_dates_of_villages(
        &self,
        ids: &[i64],
        since: i64,
    ) -> anyhow::Result<Vec<(i64, i64)>> {
        let sql = format!(
            "SELECT village_id, published_at FROM village_posts \
             WHERE village_id {} AND deleted_at IS NULL AND published_at >= $2",
            self.backend.ids_in_json()
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(ids_json(ids))
                .bind(since)
                .fetch_all(pool)
                .await
                .context("reading post dates of villages")?
        }))
    }

    /// The newest `published_at` of the live posts of each village of `ids`.
    pub async fn last_post_dates_of_villages(
        &self,
        ids: &[i64],
    ) -> anyhow::Result<Vec<(i64, i64)>> {
        let sql = format!(
            "SELECT v.id, (SELECT MAX(p.published_at) FROM village_posts p \
               WHERE p.village_id = v.id AND p.deleted_at IS NULL) \
             FROM villages v WHERE v.id {}",
            self.backend.ids_in_json()
        );
        let rows: Vec<(i64, Option<i64>)> = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(ids_json(ids))
                .fetch_all(pool)
                .await
                .context("reading last post dates of villages")?
        });
        Ok(rows
            .into_iter()
            .filter_map(|(id, at)| at.map(|at| (id, at)))
            .collect())
    }

    /// The aspiration figures of the villages of `ids` that publish them.
    pub async fn ticket_figures_of_villages(
        &self,
        ids: &[i64],
    ) -> anyhow::Result<Vec<VillageTicketFigures>> {
        let sql = format!(
            "SELECT village_id, open_tickets, overdue_tickets, received, answered, \
               median_first_response_secs, median_answer_secs, window_days, \
               computed_at, fetched_at \
             FROM village_ticket_figures WHERE village_id {}",
            self.backend.ids_in_json()
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(ids_json(ids))
                .fetch_all(pool)
                .await
                .context("reading aspiration figures of villages")?
        }))
    }
}
