-- The national directory of places (lieux de médiation numérique): every column of the national
-- standard (data/standards/schema.json, v1.0.2) under its own name, then what tremplin adds.
-- Multi-valued columns hold the standard's '|'-separated values.

CREATE TABLE places (
	id TEXT PRIMARY KEY,
	pivot TEXT NOT NULL,
	nom TEXT NOT NULL,
	commune TEXT NOT NULL,
	code_postal TEXT NOT NULL,
	code_insee TEXT,
	adresse TEXT NOT NULL,
	complement_adresse TEXT,
	latitude @REAL@,
	longitude @REAL@,
	typologie TEXT,
	telephone TEXT,
	courriels TEXT,
	site_web TEXT,
	horaires TEXT,
	presentation_resume TEXT,
	presentation_detail TEXT,
	source TEXT,
	itinerance TEXT,
	structure_parente TEXT,
	date_maj TEXT NOT NULL,
	services TEXT,
	publics_specifiquement_adresses TEXT,
	prise_en_charge_specifique TEXT,
	frais_a_charge TEXT,
	dispositif_programmes_nationaux TEXT,
	formations_labels TEXT,
	autres_formations_labels TEXT,
	modalites_acces TEXT,
	modalites_accompagnement TEXT,
	fiche_acces_libre TEXT,
	prise_rdv TEXT,
	-- Beyond the standard.
	organisation_id BIGINT REFERENCES organisations (id),
	netpublic INTEGER NOT NULL DEFAULT 0,
	listed_national INTEGER NOT NULL DEFAULT 0,
	networks TEXT NOT NULL DEFAULT '',
	coords_approx INTEGER NOT NULL DEFAULT 0,
	departement_code TEXT,
	region_code TEXT,
	search_key TEXT NOT NULL DEFAULT '',
	merged_into TEXT,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX places_latitude ON places (latitude);
CREATE INDEX places_code_insee ON places (code_insee);
CREATE INDEX places_code_postal ON places (code_postal);
CREATE INDEX places_departement ON places (departement_code);
CREATE INDEX places_region ON places (region_code);
CREATE INDEX places_organisation ON places (organisation_id);

-- Networks a place belongs to (Points Cyb, Cyber-bases, EPI…): a vocabulary national officers extend.
CREATE TABLE place_networks (
	code TEXT PRIMARY KEY,
	label TEXT NOT NULL,
	created_at BIGINT NOT NULL
);
INSERT INTO place_networks (code, label, created_at) VALUES
	('points-cyb', 'Points Cyb – Espace Jeune Numérique', 0),
	('cyber-base', 'Cyber-base (Caisse des Dépôts)', 0),
	('epi', 'Espace public internet (EPI)', 0),
	('netpublic', 'Espace labellisé NetPublic', 0);

-- Likely duplicates found on import or creation, until an admin merges them or marks them distinct.
CREATE TABLE place_duplicates (
	a TEXT NOT NULL,
	b TEXT NOT NULL,
	reason TEXT NOT NULL,
	status TEXT NOT NULL DEFAULT 'open',
	created_at BIGINT NOT NULL,
	decided_at BIGINT,
	decided_by BIGINT,
	PRIMARY KEY (a, b)
);
CREATE INDEX place_duplicates_status ON place_duplicates (status);

-- Bumped by every change to places, so that each server refreshes its in-memory search index.
INSERT INTO settings (key, value) VALUES ('places_version', '0');
