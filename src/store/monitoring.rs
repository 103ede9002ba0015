//! What the monitoring report needs beyond the village registry: each village's status
//! (so that a national portal's page is filtered and paged in the database), and for the
//! villages of one page or export batch their posts' dates, recent errors, last failed
//! delivery and aspiration figures, each in one query for the batch rather than one per
//! village.
//!
//! A status never counts posts at read time: every village keeps the two dates its
//! status depends on (`last_post_at`, `active_post_at`), which triggers on
//! `village_posts` maintain on every write (migration 0024), so the summary over 75,000
//! villages reads the villages alone, and every portal process sharing the database sees
//! the same figures the moment a post is committed. Days passing change a status
//! without any write: the dates are compared with the clock of each request.

use super::{
    Backend, BeginWrite, Store, VillageRecord, VillageTicketFigures, on_pool,
    villages::village_columns,
};
use anyhow::Context;

/// Which villages a monitoring page or export lists. Every field narrows the list; none
/// set lists every village.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MonitoringFilter {
    /// A prefix of the Kemendagri code `PP.RR.DD.VVVV`: `33` a province, `33.01` a
    /// regency, `33.01.02` a district.
    pub code_prefix: Option<String>,
    /// A district's name, compared without case.
    pub district: Option<String>,
    /// `active`, `less_active` or `inactive`, as [`ActivityRule`] decides them.
    pub status: Option<&'static str>,
    /// Part of the village's name, or the start of its code.
    pub search: Option<String>,
}

/// The activity rule in the terms of the SQL: a village is `active` with at least
/// `active_min_posts` live posts published since `active_since`, `less_active` with one
/// since `less_active_since`, `inactive` otherwise. The domain gives the bounds (it owns
/// the rule and the clock); the store only compares them with each village's dates.
#[derive(Clone, Copy, Debug)]
pub struct ActivityRule {
    pub active_since: i64,
    pub less_active_since: i64,
    pub active_min_posts: i64,
}

/// A village's place in the listing order (district, name, id): where a batch of an
/// export ended, and the next one starts after.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ListingPlace {
    pub id: i64,
    pub district: String,
    pub name: String,
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
    /// statements built with it are made from constants only: every value is bound.
    pub(super) fn ids_in_json(&self) -> &'static str {
        match self {
            Backend::Sqlite(_) => "IN (SELECT value FROM json_each($1))",
            Backend::Postgres(_) => "IN (SELECT jsonb_array_elements_text($1::jsonb)::bigint)",
        }
    }

    /// The column a search by name compares with its lowercased pattern: the stored
    /// lowercased name on PostgreSQL, whose `LIKE` minds case; the name itself on SQLite,
    /// whose `LIKE` ignores ASCII case just as its `lower()` folds only ASCII, so both find
    /// the same villages there, and SQLite's virtual `name_key` would work `lower()` out
    /// for every village searched.
    fn name_search_column(&self) -> &'static str {
        match self {
            Backend::Sqlite(_) => "name",
            Backend::Postgres(_) => "name_key",
        }
    }

    /// ` ORDER BY …` of a list of villages that `filter` keeps, in the listing order:
    /// district, name, id, the text compared byte by byte (the order of the `villages_listing`
    /// index on both backends).
    ///
    /// - PostgreSQL compares in the "C" collation, as SQLite's BINARY does, rather than in
    ///   the database's: sorting the 19,500 aktif villages of a deep `status=active` page
    ///   by the locale's rules took 12 of its 25 ms at 75,000 villages, 8.5 in "C"; and
    ///   with the index in the same collation the planner can walk it in order instead.
    ///   For the usual `C.UTF-8` databases the order is the same.
    /// - With a search, SQLite sorts what it found: without statistics to tell a rare name
    ///   from a common one, it walked the listing index in order and read every village
    ///   for a rare one (55 ms at 75,000, against 20 ms to read them once and sort the few
    ///   found). `+` keeps the index from giving the order; a district filter's index is
    ///   still used.
    pub(super) fn listing_order(&self, filter: &MonitoringFilter) -> &'static str {
        match self {
            Backend::Sqlite(_) if filter.search.is_some() => " ORDER BY +district, +name, +id",
            Backend::Sqlite(_) => " ORDER BY district, name, id",
            Backend::Postgres(_) => r#" ORDER BY district COLLATE "C", name COLLATE "C", id"#,
        }
    }

    /// The listing order's columns as a row, compared as [`Backend::listing_order`] sorts
    /// them: `(…) > ($district, $name, $id)` starts after a village's place.
    fn listing_row(&self) -> &'static str {
        match self {
            Backend::Sqlite(_) => "(district, name, id)",
            Backend::Postgres(_) => r#"(district COLLATE "C", name COLLATE "C", id)"#,
        }
    }

    /// The summary's counts of villages, `$1` the aktif bound and `$2` the kurang aktif
    /// one: all, aktif (`active_post_at` within its bound), recent (`last_post_at` within
    /// its), and, unless `overlap_is_active`, those both aktif and recent (else NULL).
    ///
    /// - SQLite counts each as a range of its own index (all villages from its smallest
    ///   index), which it does without reading a row.
    /// - PostgreSQL counts all villages and the recent ones in one pass over the
    ///   `last_post_at` index: 4.6 ms at 75,000 villages against 10.9 for four separate
    ///   counts (docs/benchmarks-portal.md §3).
    fn status_counts(&self, overlap_is_active: bool) -> &'static str {
        match (self, overlap_is_active) {
            (Backend::Sqlite(_), true) => {
                "SELECT (SELECT COUNT(*) FROM villages), \
                   (SELECT COUNT(*) FROM villages WHERE active_post_at >= $1), \
                   (SELECT COUNT(*) FROM villages WHERE last_post_at >= $2), NULL"
            }
            (Backend::Sqlite(_), false) => {
                "SELECT (SELECT COUNT(*) FROM villages), \
                   (SELECT COUNT(*) FROM villages WHERE active_post_at >= $1), \
                   (SELECT COUNT(*) FROM villages WHERE last_post_at >= $2), \
                   (SELECT COUNT(*) FROM villages WHERE active_post_at >= $1 AND last_post_at >= $2)"
            }
            (Backend::Postgres(_), true) => {
                "SELECT COUNT(*), \
                   (SELECT COUNT(*) FROM villages WHERE active_post_at >= $1), \
                   COUNT(*) FILTER (WHERE last_post_at >= $2), CAST(NULL AS BIGINT) \
                 FROM villages"
            }
            (Backend::Postgres(_), false) => {
                "SELECT COUNT(*), \
                   (SELECT COUNT(*) FROM villages WHERE active_post_at >= $1), \
                   COUNT(*) FILTER (WHERE last_post_at >= $2), \
                   (SELECT COUNT(*) FROM villages WHERE active_post_at >= $1 AND last_post_at >= $2) \
                 FROM villages"
            }
        }
    }

    /// A setting for the one transaction of a page of villages that `filter` keeps, when
    /// the planner would otherwise choose the slower plan. PostgreSQL lists the villages
    /// of a status alone (no region, district or search) by sorting every village of
    /// that status (19,500 aktif at 75,000 villages: 14.5 ms for page 300), where walking
    /// the listing index, which carries both dates, takes 6 ms; its costs say the
    /// opposite. Without sorting it can only walk the index.
    fn listing_setting(&self, filter: &MonitoringFilter) -> Option<&'static str> {
        let status_alone = filter.status.is_some()
            && filter.code_prefix.is_none()
            && filter.district.is_none()
            && filter.search.is_none();
        match self {
            Backend::Postgres(_) if status_alone => Some("SET LOCAL enable_sort = off"),
            _ => None,
        }
    }

    /// Computes every village's two activity dates again from its live posts, with the
    /// stored rule's N: the refresh that migration 0024's triggers run per village (a
    /// function on PostgreSQL, a view's INSTEAD OF trigger on SQLite).
    fn refresh_every_village(&self) -> &'static str {
        match self {
            Backend::Sqlite(_) => {
                "INSERT INTO refresh_village_activity (village_id) SELECT id FROM villages"
            }
            Backend::Postgres(_) => {
                "SELECT refresh_village_activity(ARRAY(SELECT id FROM villages))"
            }
        }
    }
}

pub(super) fn ids_json(ids: &[i64]) -> String {
    serde_json::to_string(ids).unwrap_or_else(|_| "[]".to_string())
}

/// Pushes ` AND …` keeping the villages in `status` under `rule`: their dates against
/// the rule's bounds (a post dated in the future is newer than any bound, as the domain
/// counts it). Written as ranges of the two dates rather than as each village's status
/// worked out, so the planner can read the aktif or kurang aktif villages from the
/// indexes of migration 0026 instead of walking every village in listing order.
macro_rules! push_status_filter {
    ($query:ident, $rule:expr, $status:expr) => {{
        let rule: ActivityRule = $rule;
        match $status {
            "active" => {
                $query
                    .push(" AND active_post_at >= ")
                    .push_bind(rule.active_since);
            }
            "less_active" => {
                $query
                    .push(" AND (active_post_at IS NULL OR active_post_at < ")
                    .push_bind(rule.active_since)
                    .push(") AND last_post_at >= ")
                    .push_bind(rule.less_active_since);
            }
            "inactive" => {
                $query
                    .push(" AND (active_post_at IS NULL OR active_post_at < ")
                    .push_bind(rule.active_since)
                    .push(") AND (last_post_at IS NULL OR last_post_at < ")
                    .push_bind(rule.less_active_since)
                    .push(")");
            }
            // No village is in a status the rule does not have.
            _ => {
                $query.push(" AND FALSE");
            }
        }
    }};
}

/// Pushes ` AND …` for each filter in use but the status, over `villages`, as `backend`
/// writes it.
macro_rules! push_village_filters {
    ($query:ident, $filter:expr, $backend:expr) => {{
        let filter: &MonitoringFilter = $filter;
        let backend: &Backend = $backend;
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
        if let Some(search) = &filter.search {
            let escaped = like_escaped(&search.to_lowercase());
            // A code is digits and dots, which lowercasing does not change.
            $query
                .push(" AND (")
                .push(backend.name_search_column())
                .push(" LIKE ")
                .push_bind(format!("%{escaped}%"))
                .push(" ESCAPE '\\' OR code LIKE ")
                .push_bind(format!("{escaped}%"))
                .push(" ESCAPE '\\')");
        }
    }};
}

/// Pushes `FROM villages WHERE …` with every filter of `filter`, its status by `rule`.
macro_rules! push_filtered_villages {
    ($query:ident, $rule:expr, $filter:expr, $backend:expr) => {{
        let filter: &MonitoringFilter = $filter;
        $query.push(" FROM villages WHERE TRUE");
        push_village_filters!($query, filter, $backend);
        if let Some(status) = filter.status {
            push_status_filter!($query, $rule, status);
        }
    }};
}

impl Store {
    /// Makes the villages' `active_post_at` count `active_min_posts` posts, as the
    /// portal's settings say: when the stored rule says otherwise (the setting changed),
    /// it is written and every village's dates are computed again, in one transaction.
    /// Every process of a portal must have the same setting (the pages would differ
    /// anyway); two that disagree would take turns recomputing.
    pub async fn use_activity_rule(&self, active_min_posts: i64) -> anyhow::Result<()> {
        const STORED: &str = "SELECT active_min_posts FROM village_activity_rule WHERE id = 1";
        const CHANGE: &str = "UPDATE village_activity_rule SET active_min_posts = $1 \
                              WHERE id = 1 AND active_min_posts <> $1";
        let refresh = self.backend.refresh_every_village();
        on_pool!(self, pool => {
            let stored: i64 = sqlx::query_scalar(STORED)
                .fetch_one(pool)
                .await
                .context("reading the stored activity rule")?;
            if stored != active_min_posts {
                let mut tx = pool.begin_write().await.context("starting a transaction")?;
                let changed = sqlx::query(CHANGE)
                    .bind(active_min_posts)
                    .execute(&mut *tx)
                    .await
                    .context("storing the activity rule")?
                    .rows_affected();
                // Another process may have done it meanwhile.
                if changed > 0 {
                    sqlx::query(refresh)
                        .execute(&mut *tx)
                        .await
                        .context("computing every village's activity dates")?;
                    tracing::info!(active_min_posts, "village activity dates recomputed");
                }
                tx.commit().await.context("committing the activity rule")?;
            }
        });
        Ok(())
    }

    /// How many villages are in each status, over every village: `(status, count)`.
    /// Three range counts over the indexes of migration 0026 and the number of villages:
    /// none over the posts, and no status worked out village by village (at 75,000
    /// villages that pass was most of a monitoring page's time). The same rule as
    /// `push_status_filter!`: aktif is `active_post_at` within its bound; kurang aktif is
    /// `last_post_at` within its bound, less those of them aktif; tidak aktif the rest.
    pub async fn village_status_counts(
        &self,
        rule: ActivityRule,
    ) -> anyhow::Result<Vec<(String, i64)>> {
        // Every aktif village is among the recent ones when the less-active bound is the
        // older (the settings make it so: `less_active_days` ≥ `active_days`), since the
        // date of a village's Nth newest post is never after its newest: no fourth count.
        let overlap_is_active = rule.less_active_since <= rule.active_since;
        let counts = self.backend.status_counts(overlap_is_active);
        self.use_activity_rule(rule.active_min_posts).await?;
        let (total, active, recent, overlap): (i64, i64, i64, Option<i64>) = on_pool!(self, pool => {
            sqlx::query_as(counts)
                .bind(rule.active_since)
                .bind(rule.less_active_since)
                .fetch_one(pool)
                .await
                .context("counting villages by status")?
        });
        let recent_active = overlap.unwrap_or(active);
        let less_active = recent - recent_active;
        Ok(vec![
            ("active".to_string(), active),
            ("less_active".to_string(), less_active),
            ("inactive".to_string(), total - active - less_active),
        ])
    }

    /// The ids of the villages that `filter` keeps, in the monitoring order (district,
    /// name, id), `limit` of them from `offset` (`None`: all), and with `count` how many
    /// match in all. Only `villages` is read, the status filter included. A caller that
    /// knows the count (from the summary) does not ask: counting reads every match.
    pub async fn monitored_village_ids(
        &self,
        rule: ActivityRule,
        filter: &MonitoringFilter,
        page: Option<(i64, i64)>,
        count: bool,
    ) -> anyhow::Result<(Vec<i64>, Option<i64>)> {
        if filter.status.is_some() {
            self.use_activity_rule(rule.active_min_posts).await?;
        }
        Ok(on_pool!(self, pool => {
            let mut query = sqlx::QueryBuilder::new(if count {
                "SELECT id, COUNT(*) OVER ()"
            } else {
                "SELECT id, CAST(0 AS BIGINT)"
            });
            push_filtered_villages!(query, rule, filter, &self.backend);
            query.push(self.backend.listing_order(filter));
            if let Some((limit, offset)) = page {
                query.push(" LIMIT ").push_bind(limit).push(" OFFSET ").push_bind(offset);
            }
            let rows: Vec<(i64, i64)> = match self.backend.listing_setting(filter) {
                Some(setting) => {
                    let mut tx = pool.begin().await.context("starting a transaction")?;
                    sqlx::query(setting)
                        .execute(&mut *tx)
                        .await
                        .context("choosing the plan of a listing")?;
                    let rows = query
                        .build_query_as()
                        .fetch_all(&mut *tx)
                        .await
                        .context("listing monitored villages")?;
                    tx.commit().await.context("ending a listing")?;
                    rows
                }
                None => query
                    .build_query_as()
                    .fetch_all(pool)
                    .await
                    .context("listing monitored villages")?,
            };
            let total = match rows.first() {
                _ if !count => None,
                Some(&(_, total)) => Some(total),
                // Past the last page `COUNT(*) OVER ()` has no row to ride on.
                None if page.is_some_and(|(_, offset)| offset > 0) => {
                    let mut count = sqlx::QueryBuilder::new("SELECT COUNT(*)");
                    push_filtered_villages!(count, rule, filter, &self.backend);
                    Some(
                        count
                            .build_query_scalar::<i64>()
                            .fetch_one(pool)
                            .await
                            .context("counting monitored villages")?,
                    )
                }
                None => Some(0),
            };
            (rows.into_iter().map(|(id, _)| id).collect(), total)
        }))
    }

    /// The places of at most `limit` villages that `filter` keeps, in the listing order,
    /// after `after` (from the first without it): one batch of an export. Read from a
    /// place rather than a position, a batch costs the same wherever it is, and the first
    /// one does not wait for every match to be listed. The plain listing order even with
    /// a search: walking the index from a place stops once the batch is full.
    pub async fn monitored_villages_after(
        &self,
        rule: ActivityRule,
        filter: &MonitoringFilter,
        after: Option<&ListingPlace>,
        limit: i64,
    ) -> anyhow::Result<Vec<ListingPlace>> {
        if filter.status.is_some() {
            self.use_activity_rule(rule.active_min_posts).await?;
        }
        Ok(on_pool!(self, pool => {
            let mut query = sqlx::QueryBuilder::new("SELECT id, district, name");
            push_filtered_villages!(query, rule, filter, &self.backend);
            if let Some(place) = after {
                query
                    .push(" AND ")
                    .push(self.backend.listing_row())
                    .push(" > (")
                    .push_bind(place.district.clone())
                    .push(", ")
                    .push_bind(place.name.clone())
                    .push(", ")
                    .push_bind(place.id)
                    .push(")");
            }
            query
                .push(self.backend.listing_order(&MonitoringFilter::default()))
                .push(" LIMIT ")
                .push_bind(limit);
            query
                .build_query_as::<ListingPlace>()
                .fetch_all(pool)
                .await
                .context("listing a batch of monitored villages")?
        }))
    }

    /// At most `limit` villages that `filter` keeps, in the monitoring order, its status
    /// aside: a search or a district's villages for a form.
    pub async fn villages_matching(
        &self,
        filter: &MonitoringFilter,
        limit: i64,
    ) -> anyhow::Result<Vec<VillageRecord>> {
        Ok(on_pool!(self, pool => {
            let mut query = sqlx::QueryBuilder::new(concat!(
                "SELECT ",
                village_columns!(),
                " FROM villages WHERE TRUE"
            ));
            push_village_filters!(query, filter, &self.backend);
            query
                .push(self.backend.listing_order(filter))
                .push(" LIMIT ")
                .push_bind(limit);
            query
                .build_query_as::<VillageRecord>()
                .fetch_all(pool)
                .await
                .context("finding villages")?
        }))
    }

    /// The rows `sql` gives for the villages of `ids`: `{ids}` in `sql` stands for the
    /// test `IN (…)` on the ids, bound as `$1`; `extra`, if any, is bound as `$2`. One
    /// statement for a page or export batch, whatever its size.
    async fn rows_of_villages<Row>(
        &self,
        sql: &str,
        ids: &[i64],
        extra: Option<i64>,
        what: &'static str,
    ) -> anyhow::Result<Vec<Row>>
    where
        Row: Send
            + Unpin
            + for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
            + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>,
    {
        let sql = sql.replace("{ids}", self.backend.ids_in_json());
        let ids = ids_json(ids);
        Ok(on_pool!(self, pool => {
            let mut query = sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(sql)).bind(ids);
            if let Some(extra) = extra {
                query = query.bind(extra);
            }
            query
                .fetch_all(pool)
                .await
                .with_context(|| format!("reading {what} of villages"))?
        }))
    }

    /// The villages of `ids`, in the monitoring order.
    pub async fn villages_by_ids(&self, ids: &[i64]) -> anyhow::Result<Vec<VillageRecord>> {
        let sql = format!(
            concat!(
                "SELECT ",
                village_columns!(),
                " FROM villages WHERE id {{ids}}{}"
            ),
            self.backend.listing_order(&MonitoringFilter::default())
        );
        self.rows_of_villages(&sql, ids, None, "the records").await
    }

    /// `(village_id, published_at)` of the live posts of `ids` published since `since`.
    pub async fn post_dates_of_villages(
        &self,
        ids: &[i64],
        since: i64,
    ) -> anyhow::Result<Vec<(i64, i64)>> {
        const SQL: &str = "SELECT village_id, published_at FROM village_posts \
             WHERE village_id {ids} AND deleted_at IS NULL AND published_at >= $2";
        self.rows_of_villages(SQL, ids, Some(since), "the post dates")
            .await
    }

    /// The newest `published_at` of the live posts of each village of `ids` that has
    /// one (kept on the village by migration 0024's triggers).
    pub async fn last_post_dates_of_villages(
        &self,
        ids: &[i64],
    ) -> anyhow::Result<Vec<(i64, i64)>> {
        const SQL: &str = "SELECT id, last_post_at FROM villages \
             WHERE id {ids} AND last_post_at IS NOT NULL";
        self.rows_of_villages(SQL, ids, None, "the last post dates")
            .await
    }

    /// The newest `per_village` logged errors of each village of `ids`, as
    /// `(village_id, at, message)`, newest first within a village.
    pub async fn recent_errors_of_villages(
        &self,
        ids: &[i64],
        per_village: i64,
    ) -> anyhow::Result<Vec<(i64, i64, String)>> {
        const SQL: &str = "SELECT village_id, at, message FROM ( \
               SELECT village_id, at, message, id, \
                 ROW_NUMBER() OVER (PARTITION BY village_id ORDER BY at DESC, id DESC) AS n \
               FROM village_errors WHERE village_id {ids}) e \
             WHERE n <= $2 ORDER BY village_id, at DESC, id DESC";
        self.rows_of_villages(SQL, ids, Some(per_village), "the recent errors")
            .await
    }

    /// For each village followed as an actor, the newest delivery to its server that
    /// failed for good or is being retried after an error, as `(village_id, at,
    /// error)`. `at` is when it was given up, or when it was queued if it is still
    /// retried (the time of each attempt is not kept). Only the servers of `ids` are
    /// read, not every failed delivery of the portal.
    pub async fn last_failed_deliveries_to_villages(
        &self,
        ids: &[i64],
    ) -> anyhow::Result<Vec<(i64, i64, String)>> {
        const SQL: &str = "WITH hosts AS ( \
                   SELECT v.id, a.host FROM villages v JOIN actors a ON a.id = v.actor_id \
                   WHERE v.id {ids}) \
             SELECT h.id, d.at, d.last_error FROM hosts h \
             JOIN ( \
               SELECT host, COALESCE(finished_at, created_at) AS at, last_error, \
                 ROW_NUMBER() OVER (PARTITION BY host \
                   ORDER BY COALESCE(finished_at, created_at) DESC, id DESC) AS n \
               FROM deliveries \
               WHERE last_error IS NOT NULL \
                 AND (state = 'failed' OR (state = 'pending' AND attempts > 0)) \
                 AND host IN (SELECT host FROM hosts) \
             ) d ON d.host = h.host AND d.n = 1 \
             ORDER BY h.id";
        self.rows_of_villages(SQL, ids, None, "the failed deliveries")
            .await
    }

    /// The aspiration figures of the villages of `ids` that publish them.
    pub async fn ticket_figures_of_villages(
        &self,
        ids: &[i64],
    ) -> anyhow::Result<Vec<VillageTicketFigures>> {
        const SQL: &str = "SELECT village_id, open_tickets, overdue_tickets, received, \
               answered, median_first_response_secs, median_answer_secs, window_days, \
               computed_at, fetched_at \
             FROM village_ticket_figures WHERE village_id {ids}";
        self.rows_of_villages(SQL, ids, None, "the aspiration figures")
            .await
    }
}
