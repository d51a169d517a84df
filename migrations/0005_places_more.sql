-- Places, continued: each place's own timeline in the journal, and a lighter table for bulk imports.

-- Entities whose ids are text (places) are named by entity_key; entity_id stays for the others. The hash of an
-- entry covers entity_key only when it is not NULL, so that the entries written before this column keep theirs.
ALTER TABLE journal ADD COLUMN entity_key TEXT;
CREATE INDEX journal_entity_key ON journal (entity, entity_key);

-- No query reads places by these columns: the search runs over an in-memory index and the likely duplicates are
-- found in memory over one scan, so each index only cost an insert per imported row (a quarter of an import of
-- 50,000 places on SQLite). The primary key and places_organisation (the organisations' foreign key) stay.
DROP INDEX places_latitude;
DROP INDEX places_code_insee;
DROP INDEX places_code_postal;
DROP INDEX places_departement;
DROP INDEX places_region;
DROP INDEX places_name_key;
DROP INDEX places_address_key;
