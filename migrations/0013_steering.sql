-- Steering: what the figures need and the tables did not hold yet (who ended a contract early and the coded
-- reason, the days the outcome and the six-month follow-up were recorded, the candidate's sex for the profile
-- of recruits), and the annual reports, every generated version kept with its SHA-256.
ALTER TABLE contracts ADD COLUMN ended_by TEXT;
ALTER TABLE contracts ADD COLUMN break_reason TEXT;
ALTER TABLE contracts ADD COLUMN outcome_on TEXT;
ALTER TABLE contracts ADD COLUMN followup_on TEXT;
ALTER TABLE candidates ADD COLUMN sex TEXT;

CREATE TABLE annual_reports (
	id @ID@,
	programme_id BIGINT NOT NULL REFERENCES programmes (id),
	year BIGINT NOT NULL,
	-- NULL: the national report.
	region_code TEXT,
	-- The moment of the data (the last journal entry the figures saw): the report's date and its PDF dates.
	data_at BIGINT NOT NULL,
	sha256 TEXT NOT NULL,
	size BIGINT NOT NULL,
	pdf @BLOB@ NOT NULL,
	created_by BIGINT REFERENCES people (id),
	created_at BIGINT NOT NULL
);
CREATE INDEX annual_reports_key ON annual_reports (programme_id, year, region_code);
CREATE INDEX contracts_programme ON contracts (programme_id, start_on);
CREATE INDEX offers_programme ON offers (programme_id, created_at);
-- The applications of an offer by date (the recruitment figures read them per offer of a programme).
CREATE INDEX applications_offer_created ON applications (offer_id, created_at, state);
