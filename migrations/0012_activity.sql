-- Activity reports (comptes rendus d'activité): the vocabularies as data, the reports with their source,
-- the rollups maintained in the same transaction as each write, the batches of the bulk API, the mediators
-- an employer declares, the reminders sent. Portable SQL (see 0001).

-- One row per code of a vocabulary. family: type, place, gender, age, age_h (the harmonised grid), status,
-- theme, equipment, autonomy, level, followup, redirect, duration (the statistics ranges). grp: for themes the
-- family of themes (numerique, administratif, historique), for ages the grid (actuelle, premiere), for
-- durations the lower bound in minutes. harmonised: an age's code in the harmonised grid. A code is valid
-- from valid_from to valid_to (inclusive; NULL: unbounded); retiring sets valid_to, a code is never deleted.
CREATE TABLE activity_vocab (
	family TEXT NOT NULL,
	code TEXT NOT NULL,
	label TEXT NOT NULL,
	grp TEXT NOT NULL DEFAULT '',
	harmonised TEXT NOT NULL DEFAULT '',
	valid_from TEXT,
	valid_to TEXT,
	position BIGINT NOT NULL DEFAULT 0,
	-- Set (never cleared) in the transaction of the first report that uses the code: a code in use is never
	-- deleted.
	in_use INTEGER NOT NULL DEFAULT 0,
	updated_at BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (family, code)
);

-- The reports. Territories are recorded at write time: the session's commune (from the place of the
-- directory, or given) and the employer's. Breakdowns are "code:n|code:n". source: entry, api, import;
-- raw: the line as received (JSON), so that an import can be redone with a better mapping. notes are private
-- (never exported). A deletion is soft (deleted_at) and moves updated_at, so that the export's cursor sees it.
CREATE TABLE activity_reports (
	id @ID@,
	adviser_id BIGINT NOT NULL REFERENCES people (id),
	organisation_id BIGINT NOT NULL REFERENCES organisations (id),
	source TEXT NOT NULL,
	source_id TEXT,
	raw TEXT,
	session_on TEXT NOT NULL,
	type TEXT NOT NULL,
	place_kind TEXT NOT NULL,
	place_id TEXT,
	commune_code TEXT NOT NULL REFERENCES communes (code),
	departement_code TEXT NOT NULL,
	region_code TEXT NOT NULL,
	org_commune_code TEXT NOT NULL DEFAULT '',
	org_departement_code TEXT NOT NULL DEFAULT '',
	org_region_code TEXT NOT NULL DEFAULT '',
	duration_min BIGINT NOT NULL,
	participants BIGINT NOT NULL,
	already BIGINT NOT NULL DEFAULT 0,
	genders TEXT NOT NULL DEFAULT '',
	ages TEXT NOT NULL DEFAULT '',
	statuses TEXT NOT NULL DEFAULT '',
	themes TEXT NOT NULL,
	equipment TEXT,
	autonomy TEXT,
	workshop_title TEXT,
	workshop_level TEXT,
	followups TEXT,
	redirect_kind TEXT,
	redirect_body TEXT,
	notes TEXT,
	batch_id BIGINT,
	deleted_at BIGINT,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	version BIGINT NOT NULL DEFAULT 1
);
-- Finding a report by its source's id (redoing an import); uniqueness is activity_sources'.
CREATE INDEX activity_reports_source ON activity_reports (source, source_id);
-- The export's cursor.
CREATE INDEX activity_reports_updated ON activity_reports (updated_at, id);
-- An adviser's own list, the last report (reminders, « dupliquer »).
CREATE INDEX activity_reports_adviser ON activity_reports (adviser_id, session_on);

-- Idempotent ingestion: one report per (source, source id), claimed here first in the report's transaction (a
-- table of its own, so that the reports can be partitioned by month on PostgreSQL: 0012_activity.pg.sql). Two
-- ingestions of one line at once: the second waits for the first's key, then finds it and writes nothing.
CREATE TABLE activity_sources (
	source TEXT NOT NULL,
	source_id TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	PRIMARY KEY (source, source_id)
);

-- Rollups: day × adviser × structure × commune of the session × type × commune of the structure, with the
-- territories of both sides copied so that a page filters without a join. Rows at zero are removed.
CREATE TABLE activity_rollup (
	day TEXT NOT NULL,
	adviser_id BIGINT NOT NULL,
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
	PRIMARY KEY (day, adviser_id, organisation_id, commune_code, type, org_commune_code)
);
CREATE INDEX activity_rollup_adviser ON activity_rollup (adviser_id, day);
CREATE INDEX activity_rollup_org ON activity_rollup (organisation_id, day);
CREATE INDEX activity_rollup_dep ON activity_rollup (departement_code, day);
CREATE INDEX activity_rollup_org_dep ON activity_rollup (org_departement_code, day);

-- Every breakdown of the same cells: dim is a vocabulary family (gender, age, status: participants; theme,
-- place, duration, equipment, autonomy, level, followup, redirect: sessions).
CREATE TABLE activity_rollup_counts (
	day TEXT NOT NULL,
	adviser_id BIGINT NOT NULL,
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
	PRIMARY KEY (day, adviser_id, organisation_id, commune_code, type, org_commune_code, dim, code)
);
CREATE INDEX activity_rollup_counts_adviser ON activity_rollup_counts (adviser_id, day);
CREATE INDEX activity_rollup_counts_org ON activity_rollup_counts (organisation_id, day);
CREATE INDEX activity_rollup_counts_dep ON activity_rollup_counts (departement_code, day);
CREATE INDEX activity_rollup_counts_org_dep ON activity_rollup_counts (org_departement_code, day);

-- The national level of the same rollups: day × type, and day × type × (family, code). About 180 rows a day: the
-- national pages read these (a year is one index range), the territory and adviser pages the tables above.
CREATE TABLE activity_rollup_national (
	day TEXT NOT NULL,
	type TEXT NOT NULL,
	reports BIGINT NOT NULL,
	participants BIGINT NOT NULL,
	already BIGINT NOT NULL,
	minutes BIGINT NOT NULL,
	PRIMARY KEY (day, type)
);
CREATE TABLE activity_rollup_national_counts (
	day TEXT NOT NULL,
	type TEXT NOT NULL,
	dim TEXT NOT NULL,
	code TEXT NOT NULL,
	n BIGINT NOT NULL,
	PRIMARY KEY (day, type, dim, code)
);

-- A batch of the bulk API or of an import: journaled as one entry carrying the SHA-256 of its content.
CREATE TABLE activity_batches (
	id @ID@,
	source TEXT NOT NULL,
	sha256 TEXT NOT NULL,
	lines BIGINT NOT NULL,
	inserted BIGINT NOT NULL,
	unchanged BIGINT NOT NULL,
	rejected BIGINT NOT NULL,
	person_id BIGINT REFERENCES people (id),
	created_at BIGINT NOT NULL
);

-- Employer staff declared as mediators (they report like recruits, for their structure).
CREATE TABLE activity_mediators (
	organisation_id BIGINT NOT NULL REFERENCES organisations (id),
	person_id BIGINT NOT NULL REFERENCES people (id),
	since_on TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	PRIMARY KEY (organisation_id, person_id)
);

-- Reminders sent: once per adviser, threshold (30, 45 days) and last report (or none: '').
CREATE TABLE activity_reminders (
	adviser_id BIGINT NOT NULL REFERENCES people (id),
	days BIGINT NOT NULL,
	last_on TEXT NOT NULL,
	sent_at BIGINT NOT NULL,
	PRIMARY KEY (adviser_id, days, last_on)
);

-- The settings of the activity reports, editable by national officers: the edit window (days after the
-- session during which its adviser may edit or delete it) and the first day a report may be dated.
INSERT INTO settings (key, value) VALUES ('activity_edit_window_days', '90');
INSERT INTO settings (key, value) VALUES ('activity_first_day', '2013-09-14');

INSERT INTO activity_vocab (family, code, label, grp, harmonised, valid_from, valid_to, position) VALUES
('type', 'individuel', 'Accompagnement individuel', '', '', NULL, NULL, 1),
('type', 'collectif', 'Atelier collectif', '', '', NULL, NULL, 2),
('type', 'ponctuel', 'Demande ponctuelle', '', '', NULL, '2024-10-31', 3),
('place', 'lieu_activite', 'Lieu d''activité', '', '', NULL, NULL, 1),
('place', 'domicile', 'À domicile', '', '', NULL, NULL, 2),
('place', 'a_distance', 'À distance', '', '', NULL, NULL, 3),
('place', 'autre', 'Autre lieu', '', '', NULL, NULL, 4),
('duration', 'd_0_30', 'Moins de 30 min', '0', '', NULL, NULL, 1),
('duration', 'd_30_60', '30 min à 1 h', '30', '', NULL, NULL, 2),
('duration', 'd_60_120', '1 h à 2 h', '60', '', NULL, NULL, 3),
('duration', 'd_120_plus', '2 h et plus', '120', '', NULL, NULL, 4),
('gender', 'masculin', 'Masculin', '', '', NULL, NULL, 1),
('gender', 'feminin', 'Féminin', '', '', NULL, NULL, 2),
('gender', 'non_communique', 'Non communiqué', '', '', NULL, NULL, 3),
('age', 'moins_12', 'Moins de 12 ans', 'actuelle', 'h_moins_12', NULL, NULL, 1),
('age', '12_17', '12 - 17 ans', 'actuelle', 'h_12_18', NULL, NULL, 2),
('age', '18_24', '18 - 24 ans', 'actuelle', 'h_18_60', NULL, NULL, 3),
('age', '25_39', '25 - 39 ans', 'actuelle', 'h_18_60', NULL, NULL, 4),
('age', '40_59', '40 - 59 ans', 'actuelle', 'h_18_60', NULL, NULL, 5),
('age', '60_69', '60 - 69 ans', 'actuelle', 'h_60_plus', NULL, NULL, 6),
('age', '70_plus', '70 ans et plus', 'actuelle', 'h_60_plus', NULL, NULL, 7),
('age', 'non_communique', 'Non communiqué', 'actuelle', 'non_communique', NULL, NULL, 8),
('age', 'p1_moins_12', 'Moins de 12 ans (première plateforme)', 'premiere', 'h_moins_12', NULL, '2024-10-31', 11),
('age', 'p1_12_18', '12 - 18 ans (première plateforme)', 'premiere', 'h_12_18', NULL, '2024-10-31', 12),
('age', 'p1_18_35', '18 - 35 ans (première plateforme)', 'premiere', 'h_18_60', NULL, '2024-10-31', 13),
('age', 'p1_35_60', '35 - 60 ans (première plateforme)', 'premiere', 'h_18_60', NULL, '2024-10-31', 14),
('age', 'p1_plus_60', 'Plus de 60 ans (première plateforme)', 'premiere', 'h_60_plus', NULL, '2024-10-31', 15),
('age_h', 'h_moins_12', 'Moins de 12 ans', '', '', NULL, NULL, 1),
('age_h', 'h_12_18', '12 à 17 ou 18 ans', '', '', NULL, NULL, 2),
('age_h', 'h_18_60', '18 à 59 ou 60 ans', '', '', NULL, NULL, 3),
('age_h', 'h_60_plus', '60 ans et plus', '', '', NULL, NULL, 4),
('age_h', 'non_communique', 'Non communiqué', '', '', NULL, NULL, 5),
('status', 'scolarise', 'Scolarisé', '', '', NULL, NULL, 1),
('status', 'sans_emploi', 'Sans emploi', '', '', NULL, NULL, 2),
('status', 'en_emploi', 'En emploi', '', '', NULL, NULL, 3),
('status', 'retraite', 'Retraité', '', '', NULL, NULL, 4),
('status', 'non_communique', 'Non communiqué ou hétérogène', '', '', NULL, NULL, 5),
('theme', 'diagnostic_numerique', 'Diagnostic numérique', 'numerique', '', NULL, NULL, 1),
('theme', 'prendre_en_main_du_materiel', 'Prendre en main du matériel', 'numerique', '', NULL, NULL, 2),
('theme', 'maintenance_de_materiel', 'Maintenance de matériel', 'numerique', '', NULL, NULL, 3),
('theme', 'gerer_ses_contenus_numeriques', 'Gérer ses contenus numériques', 'numerique', '', NULL, NULL, 4),
('theme', 'navigation_sur_internet', 'Navigation sur internet', 'numerique', '', NULL, NULL, 5),
('theme', 'email', 'E-mail', 'numerique', '', NULL, NULL, 6),
('theme', 'bureautique', 'Bureautique', 'numerique', '', NULL, NULL, 7),
('theme', 'reseaux_sociaux', 'Réseaux sociaux, communication', 'numerique', '', NULL, NULL, 8),
('theme', 'sante', 'Santé', 'numerique', '', NULL, NULL, 9),
('theme', 'banque_et_achats_en_ligne', 'Banque et achats en ligne', 'numerique', '', NULL, NULL, 10),
('theme', 'entrepreneuriat', 'Accompagner un professionnel', 'numerique', '', NULL, NULL, 11),
('theme', 'insertion_professionnelle', 'Insertion professionnelle', 'numerique', '', NULL, NULL, 12),
('theme', 'securite_numerique', 'Prévention en sécurité numérique', 'numerique', '', NULL, NULL, 13),
('theme', 'parentalite', 'Parentalité', 'numerique', '', NULL, NULL, 14),
('theme', 'scolarite_et_numerique', 'Scolarité et numérique', 'numerique', '', NULL, NULL, 15),
('theme', 'creer_avec_le_numerique', 'Créer avec le numérique', 'numerique', '', NULL, NULL, 16),
('theme', 'culture_numerique', 'Culture numérique', 'numerique', '', NULL, NULL, 17),
('theme', 'intelligence_artificielle', 'Intelligence artificielle (IA)', 'numerique', '', NULL, NULL, 18),
('theme', 'aide_aux_demarches_administratives', 'Aide aux démarches administratives', 'numerique', '', NULL, NULL, 19),
('theme', 'papiers_elections_citoyennete', 'Papiers - Élections - Citoyenneté', 'administratif', '', NULL, NULL, 21),
('theme', 'famille_scolarite', 'Famille - Scolarité', 'administratif', '', NULL, NULL, 22),
('theme', 'social_sante', 'Social - Santé', 'administratif', '', NULL, NULL, 23),
('theme', 'travail_formation', 'Travail - Formation - Entreprise', 'administratif', '', NULL, NULL, 24),
('theme', 'logement', 'Logement', 'administratif', '', NULL, NULL, 25),
('theme', 'transports_mobilite', 'Transports - Mobilité', 'administratif', '', NULL, NULL, 26),
('theme', 'argent_impots', 'Argent - Impôts', 'administratif', '', NULL, NULL, 27),
('theme', 'justice', 'Justice', 'administratif', '', NULL, NULL, 28),
('theme', 'etrangers_europe', 'Étrangers - Europe', 'administratif', '', NULL, NULL, 29),
('theme', 'loisirs_sports_culture', 'Loisirs - Sports - Culture', 'administratif', '', NULL, NULL, 30),
('theme', 'associations', 'Associations', 'administratif', '', NULL, NULL, 31),
('theme', 'budget', 'Budget', 'historique', '', NULL, '2024-10-31', 41),
('theme', 'smartphone', 'Applications smartphone', 'historique', '', NULL, '2024-10-31', 42),
('theme', 'echanger', 'Échanger avec ses proches', 'historique', '', NULL, '2024-10-31', 43),
('theme', 'fraude_harcelement', 'Prévenir les fraudes et le harcèlement', 'historique', '', NULL, '2024-10-31', 44),
('theme', 'autre', 'Autre', 'historique', '', NULL, '2024-10-31', 45),
('equipment', 'ordinateur', 'Ordinateur', '', '', NULL, NULL, 1),
('equipment', 'telephone', 'Téléphone', '', '', NULL, NULL, 2),
('equipment', 'tablette', 'Tablette', '', '', NULL, NULL, 3),
('equipment', 'autre', 'Autre', '', '', NULL, NULL, 4),
('equipment', 'aucun', 'Pas de matériel', '', '', NULL, NULL, 5),
('autonomy', 'entierement_accompagne', 'Avec guidage', '', '', NULL, NULL, 1),
('autonomy', 'partiellement_autonome', 'Autonome avec guidage en cas de besoin', '', '', NULL, NULL, 2),
('autonomy', 'autonome', 'Autonome', '', '', NULL, NULL, 3),
('level', 'debutant', 'Débutant', '', '', NULL, NULL, 1),
('level', 'intermediaire', 'Intermédiaire', '', '', NULL, NULL, 2),
('level', 'avance', 'Avancé', '', '', NULL, NULL, 3),
('followup', 'individuel', 'Poursuivi en accompagnement individuel', '', '', NULL, NULL, 1),
('followup', 'atelier', 'Poursuivi en atelier collectif', '', '', NULL, NULL, 2),
('followup', 'redirige', 'Redirigé vers une autre structure', '', '', NULL, NULL, 3),
('redirect', 'administration', 'Administration (mairie, préfecture…)', '', '', NULL, NULL, 1),
('redirect', 'mediation_numerique', 'Autre structure de médiation numérique', '', '', NULL, NULL, 2),
('redirect', 'operateur_ou_organisme_en_charge', 'Opérateur ou organisme en charge de la démarche administrative', '', '', NULL, NULL, 3),
('redirect', 'aide_sociale', 'Structure d''aide sociale (maison des solidarités, centre social…)', '', '', NULL, NULL, 4),
('redirect', 'insertion_professionnelle', 'Structure d''insertion professionnelle (France Travail, mission locale, chambre de commerce…)', '', '', NULL, NULL, 5),
('redirect', 'aide_aux_demarches_administratives', 'Structure d''aide aux démarches administratives (France Services…)', '', '', NULL, NULL, 6),
('redirect', 'autre', 'Autre', '', '', NULL, NULL, 7);
