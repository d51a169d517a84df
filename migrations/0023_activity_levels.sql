-- Activity rollups by level (docs/SCALING.md): pages read the coarsest level that answers them, so that a national
-- year or a département reads thousands of rows, not millions. Every level is maintained from the same in-memory
-- deltas in the same transaction as the reports, and checked by `tremplin activity verify`.
--
-- The adviser level (activity_rollup, activity_rollup_counts) is rebuilt leaner: its primary key starts with the
-- adviser (an adviser's page is one key range), it is the key's b-tree on SQLite (@WITHOUT_ROWID@), and it keeps
-- secondary indexes by structure, by day (the active advisers) and by département (a département's communes);
-- its counts keep the one by structure: the territorial pages read the département level. The figures are copied
-- as they are.
CREATE TABLE activity_rollup_v2 (
	adviser_id BIGINT NOT NULL,
	day TEXT NOT NULL,
	organisation_id BIGINT NOT NULL,
	commune_code TEXT NOT NULL,
	type TEXT NOT NULL,
	org_commune_code TEXT NOT NULL,
	departement_code TEXT NOT NULL,
	region_code TEXT NOT NULL,
	org_departement_code TEXT NOT NULL,
	org_region_code TEXT NOT NULL,
	reports BIGINT NOT NULL,
	participants BIGINT NOT NULL,
	already BIGINT NOT NULL,
	minutes BIGINT NOT NULL,
	PRIMARY KEY (adviser_id, day, organisation_id, commune_code, type, org_commune_code)
) @WITHOUT_ROWID@;
INSERT INTO activity_rollup_v2 (adviser_id, day, organisation_id, commune_code, type, org_commune_code,
	departement_code, region_code, org_departement_code, org_region_code, reports, participants, already, minutes)
SELECT adviser_id, day, organisation_id, commune_code, type, org_commune_code, departement_code, region_code,
	org_departement_code, org_region_code, reports, participants, already, minutes FROM activity_rollup;
DROP TABLE activity_rollup;
ALTER TABLE activity_rollup_v2 RENAME TO activity_rollup;
CREATE INDEX activity_rollup_org ON activity_rollup (organisation_id, day);
-- The active advisers (a report in the last 30 days): a range of days, the adviser read from the index.
CREATE INDEX activity_rollup_day ON activity_rollup (day, adviser_id);
-- A département's table of communes, both sides.
CREATE INDEX activity_rollup_by_dep ON activity_rollup (departement_code, day);
CREATE INDEX activity_rollup_by_org_dep ON activity_rollup (org_departement_code, day);

CREATE TABLE activity_rollup_counts_v2 (
	adviser_id BIGINT NOT NULL,
	day TEXT NOT NULL,
	organisation_id BIGINT NOT NULL,
	commune_code TEXT NOT NULL,
	type TEXT NOT NULL,
	org_commune_code TEXT NOT NULL,
	departement_code TEXT NOT NULL,
	region_code TEXT NOT NULL,
	org_departement_code TEXT NOT NULL,
	org_region_code TEXT NOT NULL,
	dim TEXT NOT NULL,
	code TEXT NOT NULL,
	n BIGINT NOT NULL,
	PRIMARY KEY (adviser_id, day, organisation_id, commune_code, type, org_commune_code, dim, code)
) @WITHOUT_ROWID@;
INSERT INTO activity_rollup_counts_v2 (adviser_id, day, organisation_id, commune_code, type, org_commune_code,
	departement_code, region_code, org_departement_code, org_region_code, dim, code, n)
SELECT adviser_id, day, organisation_id, commune_code, type, org_commune_code, departement_code, region_code,
	org_departement_code, org_region_code, dim, code, n FROM activity_rollup_counts;
DROP TABLE activity_rollup_counts;
ALTER TABLE activity_rollup_counts_v2 RENAME TO activity_rollup_counts;
CREATE INDEX activity_rollup_counts_org ON activity_rollup_counts (organisation_id, day);

-- The département level: département of the session × day × type × département of the structure (régions copied),
-- every figure and every breakdown. A département's year is one key range; its employer side goes through the
-- second index; a région reads its départements.
CREATE TABLE activity_rollup_dep (
	departement_code TEXT NOT NULL,
	day TEXT NOT NULL,
	type TEXT NOT NULL,
	org_departement_code TEXT NOT NULL,
	region_code TEXT NOT NULL,
	org_region_code TEXT NOT NULL,
	reports BIGINT NOT NULL,
	participants BIGINT NOT NULL,
	already BIGINT NOT NULL,
	minutes BIGINT NOT NULL,
	PRIMARY KEY (departement_code, day, type, org_departement_code)
) @WITHOUT_ROWID@;
CREATE INDEX activity_rollup_dep_org ON activity_rollup_dep (org_departement_code, day);
INSERT INTO activity_rollup_dep (departement_code, day, type, org_departement_code, region_code, org_region_code,
	reports, participants, already, minutes)
SELECT departement_code, day, type, org_departement_code, MIN(region_code), MIN(org_region_code), SUM(reports),
	SUM(participants), SUM(already), SUM(minutes) FROM activity_rollup
GROUP BY departement_code, day, type, org_departement_code;

CREATE TABLE activity_rollup_dep_counts (
	departement_code TEXT NOT NULL,
	day TEXT NOT NULL,
	type TEXT NOT NULL,
	org_departement_code TEXT NOT NULL,
	region_code TEXT NOT NULL,
	org_region_code TEXT NOT NULL,
	dim TEXT NOT NULL,
	code TEXT NOT NULL,
	n BIGINT NOT NULL,
	PRIMARY KEY (departement_code, day, type, org_departement_code, dim, code)
) @WITHOUT_ROWID@;
CREATE INDEX activity_rollup_dep_counts_org ON activity_rollup_dep_counts (org_departement_code, day);
INSERT INTO activity_rollup_dep_counts (departement_code, day, type, org_departement_code, region_code,
	org_region_code, dim, code, n)
SELECT departement_code, day, type, org_departement_code, MIN(region_code), MIN(org_region_code), dim, code, SUM(n)
FROM activity_rollup_counts GROUP BY departement_code, day, type, org_departement_code, dim, code;

-- The région level: day × type × région of the session × région of the structure, the figures only: the national
-- page's table of régions (both sides) reads a year of it.
CREATE TABLE activity_rollup_region (
	day TEXT NOT NULL,
	type TEXT NOT NULL,
	region_code TEXT NOT NULL,
	org_region_code TEXT NOT NULL,
	reports BIGINT NOT NULL,
	participants BIGINT NOT NULL,
	already BIGINT NOT NULL,
	minutes BIGINT NOT NULL,
	PRIMARY KEY (day, type, region_code, org_region_code)
) @WITHOUT_ROWID@;
INSERT INTO activity_rollup_region (day, type, region_code, org_region_code, reports, participants, already, minutes)
SELECT day, type, region_code, org_region_code, SUM(reports), SUM(participants), SUM(already), SUM(minutes)
FROM activity_rollup GROUP BY day, type, region_code, org_region_code;

-- The idempotency keys: the key's b-tree only on SQLite.
CREATE TABLE activity_sources_v2 (
	source TEXT NOT NULL,
	source_id TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	PRIMARY KEY (source, source_id)
) @WITHOUT_ROWID@;
INSERT INTO activity_sources_v2 (source, source_id, created_at) SELECT source, source_id, created_at
FROM activity_sources;
DROP TABLE activity_sources;
ALTER TABLE activity_sources_v2 RENAME TO activity_sources;

-- The national level by month (YYYY-MM): a national year reads twelve months of rows, and the days of a period
-- outside whole months from the day level.
CREATE TABLE activity_rollup_national_month (
	month TEXT NOT NULL,
	type TEXT NOT NULL,
	reports BIGINT NOT NULL,
	participants BIGINT NOT NULL,
	already BIGINT NOT NULL,
	minutes BIGINT NOT NULL,
	PRIMARY KEY (month, type)
) @WITHOUT_ROWID@;
INSERT INTO activity_rollup_national_month (month, type, reports, participants, already, minutes)
SELECT substr(day, 1, 7), type, SUM(reports), SUM(participants), SUM(already), SUM(minutes)
FROM activity_rollup_national GROUP BY substr(day, 1, 7), type;
CREATE TABLE activity_rollup_national_month_counts (
	month TEXT NOT NULL,
	type TEXT NOT NULL,
	dim TEXT NOT NULL,
	code TEXT NOT NULL,
	n BIGINT NOT NULL,
	PRIMARY KEY (month, type, dim, code)
) @WITHOUT_ROWID@;
INSERT INTO activity_rollup_national_month_counts (month, type, dim, code, n)
SELECT substr(day, 1, 7), type, dim, code, SUM(n) FROM activity_rollup_national_counts
GROUP BY substr(day, 1, 7), type, dim, code;

-- The région level by month: the national table of régions of a year reads twelve months of rows.
CREATE TABLE activity_rollup_region_month (
	month TEXT NOT NULL,
	type TEXT NOT NULL,
	region_code TEXT NOT NULL,
	org_region_code TEXT NOT NULL,
	reports BIGINT NOT NULL,
	participants BIGINT NOT NULL,
	already BIGINT NOT NULL,
	minutes BIGINT NOT NULL,
	PRIMARY KEY (month, type, region_code, org_region_code)
) @WITHOUT_ROWID@;
INSERT INTO activity_rollup_region_month (month, type, region_code, org_region_code, reports, participants, already,
	minutes)
SELECT substr(day, 1, 7), type, region_code, org_region_code, SUM(reports), SUM(participants), SUM(already),
	SUM(minutes) FROM activity_rollup_region GROUP BY substr(day, 1, 7), type, region_code, org_region_code;
