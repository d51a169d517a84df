-- Subsidies to employers (issue 12): the SMIC table and the aid rules as rows, aid decisions on contracts,
-- conventions and their posts, schedules with versions, payment requests and orders, the paying agency's
-- programmes, bank details, recoveries, amendments and budget envelopes. Money is integer cents; rates are
-- basis points (7500 = 75 %); hours are hundredths (3500 = 35 h).

-- The gross hourly SMIC by territory, from a date (editable by national officers, journaled).
CREATE TABLE smic_rates (
	id @ID@,
	territory TEXT NOT NULL,
	valid_from TEXT NOT NULL,
	hourly_cents BIGINT NOT NULL CHECK (hourly_cents > 0),
	created_at BIGINT NOT NULL DEFAULT 0,
	updated_at BIGINT NOT NULL DEFAULT 0,
	version BIGINT NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX smic_rates_territory_from ON smic_rates (territory, valid_from);

INSERT INTO smic_rates (territory, valid_from, hourly_cents) VALUES
	('metropole', '2013-01-01', 943), ('metropole', '2014-01-01', 953), ('metropole', '2015-01-01', 961),
	('metropole', '2016-01-01', 967), ('metropole', '2017-01-01', 976), ('metropole', '2018-01-01', 988),
	('metropole', '2019-01-01', 1003), ('metropole', '2020-01-01', 1015), ('metropole', '2021-01-01', 1025),
	('metropole', '2021-10-01', 1048), ('metropole', '2022-01-01', 1057), ('metropole', '2022-05-01', 1085),
	('metropole', '2022-08-01', 1107), ('metropole', '2023-01-01', 1127), ('metropole', '2023-05-01', 1152),
	('metropole', '2024-01-01', 1165), ('metropole', '2024-11-01', 1188), ('metropole', '2026-01-01', 1202),
	('mayotte', '2026-01-01', 933);

-- The aid rules of each programme (by its code: programmes are seeded after the migrations). kind 'hourly':
-- rate × SMIC × hours, by employer sector; kind 'lump_sum': an amount per post paid in instalments.
CREATE TABLE aid_rules (
	id @ID@,
	programme_code TEXT NOT NULL,
	code TEXT NOT NULL,
	label TEXT NOT NULL,
	kind TEXT NOT NULL,
	sector TEXT,
	rate_bp BIGINT NOT NULL DEFAULT 0,
	cap_weekly_centih BIGINT NOT NULL DEFAULT 0,
	min_months BIGINT NOT NULL DEFAULT 0,
	max_months BIGINT NOT NULL DEFAULT 0,
	duration_months BIGINT NOT NULL DEFAULT 0,
	employer_kind TEXT,
	regions TEXT,
	wave BIGINT NOT NULL DEFAULT 1,
	cap_cents BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL DEFAULT 0,
	updated_at BIGINT NOT NULL DEFAULT 0,
	version BIGINT NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX aid_rules_code ON aid_rules (programme_code, code);

-- Emplois d'avenir (arrêté of 31 October 2012): 75 % non-market (CAE), 35 % market (CIE), 47 % GEIQ and
-- insertion companies; 35 h a week at most; 12 to 36 months, up to 60 with renewals to finish a training.
INSERT INTO aid_rules (programme_code, code, label, kind, sector, rate_bp, cap_weekly_centih, min_months, max_months)
VALUES
	('EAV-EPN-2013', 'eav_non_market', 'Emploi d''avenir, secteur non marchand (CAE) : 75 % du SMIC', 'hourly',
	 'non_market', 7500, 3500, 12, 60),
	('EAV-EPN-2013', 'eav_market', 'Emploi d''avenir, secteur marchand (CIE) : 35 % du SMIC', 'hourly', 'market',
	 3500, 3500, 12, 60),
	('EAV-EPN-2013', 'eav_geiq', 'Emploi d''avenir, GEIQ et structures d''insertion : 47 % du SMIC', 'hourly', 'geiq',
	 4700, 3500, 12, 60);

-- Conseillers numériques: wave 1 (2021) over 24 months (private: 18), wave 2 (reconventionnement) over 36
-- months in three dated instalments. The split of wave 1 in two halves is this project's data (the sources
-- give the totals only): national officers edit it.
INSERT INTO aid_rules (programme_code, code, label, kind, employer_kind, regions, wave, duration_months, cap_cents)
VALUES
	('CNFS-2020', 'cnfs_w1_public', 'Vague 1, employeur public : 50 000 € sur 24 mois', 'lump_sum', 'public', NULL,
	 1, 24, 0),
	('CNFS-2020', 'cnfs_w1_public_antilles',
	 'Vague 1, employeur public en Guadeloupe, Martinique, Guyane : 70 000 € sur 24 mois', 'lump_sum', 'public',
	 '01|02|03', 1, 24, 0),
	('CNFS-2020', 'cnfs_w1_public_reunion_mayotte',
	 'Vague 1, employeur public à La Réunion et Mayotte : 67 500 € sur 24 mois', 'lump_sum', 'public', '04|06', 1,
	 24, 0),
	('CNFS-2020', 'cnfs_w1_private', 'Vague 1, employeur privé : 32 000 € sur 18 mois', 'lump_sum', 'private', NULL,
	 1, 18, 0),
	('CNFS-2020', 'cnfs_w2_public',
	 'Vague 2 (reconventionnement), employeur public : 17 500 + 12 500 + 12 500 € sur 36 mois', 'lump_sum',
	 'public', NULL, 2, 36, 5000000),
	('CNFS-2020', 'cnfs_w2_private',
	 'Vague 2 (reconventionnement), employeur privé : 20 000 + 14 000 + 10 000 € sur 36 mois', 'lump_sum',
	 'private', NULL, 2, 36, 0);

-- Instalments: due DUE_MONTHS after the post's start, on a condition ('recruited': the file validated and the
-- person recruited; 'activity': the activity of the period justified).
CREATE TABLE aid_instalments (
	id @ID@,
	rule_id BIGINT NOT NULL REFERENCES aid_rules (id) ON DELETE CASCADE,
	seq BIGINT NOT NULL,
	amount_cents BIGINT NOT NULL CHECK (amount_cents >= 0),
	due_months BIGINT NOT NULL DEFAULT 0,
	condition TEXT NOT NULL DEFAULT 'recruited'
);
CREATE UNIQUE INDEX aid_instalments_seq ON aid_instalments (rule_id, seq);

INSERT INTO aid_instalments (rule_id, seq, amount_cents, due_months, condition)
SELECT r.id, 1, CASE r.code WHEN 'cnfs_w1_public' THEN 2500000 WHEN 'cnfs_w1_public_antilles' THEN 3500000
	WHEN 'cnfs_w1_public_reunion_mayotte' THEN 3375000 WHEN 'cnfs_w1_private' THEN 1600000
	WHEN 'cnfs_w2_public' THEN 1750000 ELSE 2000000 END, 0, 'recruited'
FROM aid_rules r WHERE r.kind = 'lump_sum';
INSERT INTO aid_instalments (rule_id, seq, amount_cents, due_months, condition)
SELECT r.id, 2, CASE r.code WHEN 'cnfs_w1_public' THEN 2500000 WHEN 'cnfs_w1_public_antilles' THEN 3500000
	WHEN 'cnfs_w1_public_reunion_mayotte' THEN 3375000 WHEN 'cnfs_w1_private' THEN 1600000
	WHEN 'cnfs_w2_public' THEN 1250000 ELSE 1400000 END, CASE r.code WHEN 'cnfs_w1_private' THEN 9 ELSE 12 END,
	'activity'
FROM aid_rules r WHERE r.kind = 'lump_sum';
INSERT INTO aid_instalments (rule_id, seq, amount_cents, due_months, condition)
SELECT r.id, 3, CASE r.code WHEN 'cnfs_w2_public' THEN 1250000 ELSE 1000000 END, 24, 'activity'
FROM aid_rules r WHERE r.code IN ('cnfs_w2_public', 'cnfs_w2_private');

-- Bonuses of a rule (priority areas), chosen per convention.
CREATE TABLE aid_bonuses (
	id @ID@,
	rule_id BIGINT NOT NULL REFERENCES aid_rules (id) ON DELETE CASCADE,
	code TEXT NOT NULL,
	label TEXT NOT NULL,
	amount_cents BIGINT NOT NULL CHECK (amount_cents >= 0)
);
CREATE UNIQUE INDEX aid_bonuses_code ON aid_bonuses (rule_id, code);
INSERT INTO aid_bonuses (rule_id, code, label, amount_cents)
SELECT r.id, 'qpv_zrr_2500', 'Bonification QPV ou ZRR : 2 500 €', 250000 FROM aid_rules r WHERE r.code = 'cnfs_w2_public';
INSERT INTO aid_bonuses (rule_id, code, label, amount_cents)
SELECT r.id, 'qpv_zrr_5000', 'Bonification QPV ou ZRR : 5 000 €', 500000 FROM aid_rules r WHERE r.code = 'cnfs_w2_public';

-- How long a post left vacant by a broken contract may wait to be filled again (3 months, rule of 2023; 6 from
-- 2025), else it is returned.
CREATE TABLE post_refill_delays (
	id @ID@,
	programme_code TEXT NOT NULL,
	valid_from TEXT NOT NULL,
	months BIGINT NOT NULL CHECK (months > 0)
);
CREATE UNIQUE INDEX post_refill_delays_from ON post_refill_delays (programme_code, valid_from);
INSERT INTO post_refill_delays (programme_code, valid_from, months) VALUES
	('CNFS-2020', '2023-01-01', 3), ('CNFS-2020', '2025-01-01', 6);

-- The paying agency's programmes: a payer organisation (ASP, Caisse des dépôts) pays these programmes.
CREATE TABLE payer_programmes (
	organisation_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
	programme_id BIGINT NOT NULL REFERENCES programmes (id),
	PRIMARY KEY (organisation_id, programme_id)
);
CREATE INDEX payer_programmes_programme ON payer_programmes (programme_id);

-- The aid decision of a contract (hourly aid): the rule, the rate and the hours it states, the aid period, the
-- territory of its SMIC, and what changed since (an early end and its reason, unmet commitments).
CREATE TABLE aid_decisions (
	id @ID@,
	contract_id BIGINT NOT NULL REFERENCES contracts (id),
	organisation_id BIGINT NOT NULL REFERENCES organisations (id),
	programme_id BIGINT NOT NULL REFERENCES programmes (id),
	region_code TEXT,
	rule_id BIGINT NOT NULL REFERENCES aid_rules (id),
	territory TEXT NOT NULL DEFAULT 'metropole',
	rate_bp BIGINT NOT NULL,
	weekly_centih BIGINT NOT NULL,
	aid_start TEXT NOT NULL,
	aid_end TEXT NOT NULL,
	contract_end TEXT,
	ended_on TEXT,
	end_reason TEXT,
	commitments_unmet_on TEXT,
	schedule_version BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	version BIGINT NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX aid_decisions_contract ON aid_decisions (contract_id);
CREATE INDEX aid_decisions_org ON aid_decisions (organisation_id);

-- Periods of a decision that change the aid: unpaid suspension (paid_bp 0), partly paid, other hours.
CREATE TABLE aid_periods (
	id @ID@,
	decision_id BIGINT NOT NULL REFERENCES aid_decisions (id) ON DELETE CASCADE,
	from_on TEXT NOT NULL,
	to_on TEXT NOT NULL,
	paid_bp BIGINT NOT NULL,
	weekly_centih BIGINT NOT NULL DEFAULT 0,
	reason TEXT,
	created_at BIGINT NOT NULL
);
CREATE INDEX aid_periods_decision ON aid_periods (decision_id);

-- A convention (lump sums): N posts granted to an employer under a rule, with the bonus chosen.
CREATE TABLE conventions (
	id @ID@,
	organisation_id BIGINT NOT NULL REFERENCES organisations (id),
	programme_id BIGINT NOT NULL REFERENCES programmes (id),
	region_code TEXT,
	rule_id BIGINT NOT NULL REFERENCES aid_rules (id),
	bonus_id BIGINT REFERENCES aid_bonuses (id),
	reference TEXT NOT NULL,
	posts_granted BIGINT NOT NULL CHECK (posts_granted >= 0),
	signed_on TEXT NOT NULL,
	state TEXT NOT NULL DEFAULT 'validated',
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX conventions_org ON conventions (organisation_id);

-- A post of a convention: vacant, occupied (since the person's start) or returned (with its date).
CREATE TABLE convention_posts (
	id @ID@,
	convention_id BIGINT NOT NULL REFERENCES conventions (id),
	seq BIGINT NOT NULL,
	state TEXT NOT NULL DEFAULT 'vacant',
	state_since TEXT,
	holder_name TEXT,
	started_on TEXT,
	vacant_since TEXT,
	returned_on TEXT,
	schedule_version BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	version BIGINT NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX convention_posts_seq ON convention_posts (convention_id, seq);

-- Amendments (avenants): posts added or returned; requested by the employer, opinion of the regional officer,
-- decision of the national delegation.
CREATE TABLE amendments (
	id @ID@,
	convention_id BIGINT NOT NULL REFERENCES conventions (id),
	organisation_id BIGINT NOT NULL REFERENCES organisations (id),
	region_code TEXT,
	posts_delta BIGINT NOT NULL,
	motive TEXT NOT NULL,
	opinion TEXT,
	opinion_comment TEXT,
	decision_reason TEXT,
	state TEXT NOT NULL DEFAULT 'requested',
	state_since BIGINT NOT NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX amendments_convention ON amendments (convention_id);

-- The lines of every schedule (an aid decision's or a post's). A line belongs to versions version_from up to
-- version_to (excluded; NULL: the current one). A recomputation closes the unpaid lines and adds the new ones;
-- paid lines are never rewritten.
CREATE TABLE schedule_lines (
	id @ID@,
	subject TEXT NOT NULL,
	subject_id BIGINT NOT NULL,
	organisation_id BIGINT NOT NULL REFERENCES organisations (id),
	programme_id BIGINT NOT NULL REFERENCES programmes (id),
	region_code TEXT,
	version_from BIGINT NOT NULL,
	version_to BIGINT,
	kind TEXT NOT NULL,
	period_from TEXT NOT NULL,
	period_to TEXT NOT NULL,
	month TEXT NOT NULL,
	hours_centi BIGINT NOT NULL DEFAULT 0,
	rate_bp BIGINT NOT NULL DEFAULT 0,
	smic_cents BIGINT NOT NULL DEFAULT 0,
	seq BIGINT NOT NULL DEFAULT 0,
	condition TEXT,
	amount_cents BIGINT NOT NULL,
	explain TEXT NOT NULL,
	request_id BIGINT,
	recovery_id BIGINT,
	paid INTEGER NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL
);
CREATE INDEX schedule_lines_subject ON schedule_lines (subject, subject_id, version_to);
CREATE INDEX schedule_lines_org ON schedule_lines (organisation_id);

-- Payment orders: approved requests grouped for the paying agency, then paid (date, reference).
CREATE TABLE payment_orders (
	id @ID@,
	programme_id BIGINT NOT NULL REFERENCES programmes (id),
	reference TEXT NOT NULL,
	state TEXT NOT NULL DEFAULT 'issued',
	total_cents BIGINT NOT NULL DEFAULT 0,
	paid_on TEXT,
	paid_reference TEXT,
	created_by BIGINT REFERENCES people (id),
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	version BIGINT NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX payment_orders_reference ON payment_orders (reference);

-- Payment requests: a month of an aid decision (with the attendance statement: the hours paid) or an
-- instalment of a post; checked, approved or rejected, ordered, paid.
CREATE TABLE payment_requests (
	id @ID@,
	subject TEXT NOT NULL,
	subject_id BIGINT NOT NULL,
	organisation_id BIGINT NOT NULL REFERENCES organisations (id),
	programme_id BIGINT NOT NULL REFERENCES programmes (id),
	region_code TEXT,
	month TEXT NOT NULL,
	period_from TEXT NOT NULL,
	period_to TEXT NOT NULL,
	hours_centi BIGINT NOT NULL DEFAULT 0,
	amount_cents BIGINT NOT NULL,
	reference TEXT NOT NULL,
	rejection_reason TEXT,
	order_id BIGINT REFERENCES payment_orders (id),
	holder TEXT,
	iban TEXT,
	bic TEXT,
	paid_on TEXT,
	requested_by BIGINT REFERENCES people (id),
	state TEXT NOT NULL DEFAULT 'requested',
	state_since BIGINT NOT NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	version BIGINT NOT NULL DEFAULT 1
);
-- A request holds its month's schedule lines (schedule_lines.request_id): the decision's row is locked while they
-- are taken, so two requests never hold the same line.
CREATE INDEX payment_requests_subject ON payment_requests (subject, subject_id, month);
CREATE INDEX payment_requests_org ON payment_requests (organisation_id, state);
CREATE INDEX payment_requests_order ON payment_requests (order_id);

-- The employer's bank details: one current row per organisation; every change journaled and emailed.
CREATE TABLE bank_details (
	organisation_id BIGINT PRIMARY KEY REFERENCES organisations (id),
	holder TEXT NOT NULL,
	iban TEXT NOT NULL,
	bic TEXT NOT NULL,
	updated_by BIGINT REFERENCES people (id),
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	version BIGINT NOT NULL DEFAULT 1
);

-- Recoveries (ordres de reversement): computed by the rules, notified, followed until repaid or cancelled.
CREATE TABLE recoveries (
	id @ID@,
	subject TEXT NOT NULL,
	subject_id BIGINT NOT NULL,
	organisation_id BIGINT NOT NULL REFERENCES organisations (id),
	programme_id BIGINT NOT NULL REFERENCES programmes (id),
	region_code TEXT,
	amount_cents BIGINT NOT NULL CHECK (amount_cents > 0),
	motive TEXT NOT NULL,
	reference TEXT NOT NULL,
	repaid_on TEXT,
	cancel_reason TEXT,
	state TEXT NOT NULL DEFAULT 'notified',
	state_since BIGINT NOT NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX recoveries_org ON recoveries (organisation_id, state);

-- Budget envelopes per programme × year × region (region '' : the national reserve), commitments and payment
-- credits, set by national officers.
CREATE TABLE budget_envelopes (
	id @ID@,
	programme_id BIGINT NOT NULL REFERENCES programmes (id),
	year BIGINT NOT NULL,
	region_code TEXT NOT NULL DEFAULT '',
	commitments_cents BIGINT NOT NULL DEFAULT 0,
	payments_cents BIGINT NOT NULL DEFAULT 0,
	updated_at BIGINT NOT NULL,
	version BIGINT NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX budget_envelopes_key ON budget_envelopes (programme_id, year, region_code);
