-- Places, import and editing: commune coordinates (GeoNames, where known) for places given without any,
-- and per place the folded keys that find likely duplicates and the fingerprint of its standard values
-- (an import row with the same fingerprint is unchanged).

ALTER TABLE communes ADD COLUMN latitude @REAL@;
ALTER TABLE communes ADD COLUMN longitude @REAL@;

ALTER TABLE places ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
ALTER TABLE places ADD COLUMN address_key TEXT NOT NULL DEFAULT '';
ALTER TABLE places ADD COLUMN fingerprint TEXT NOT NULL DEFAULT '';
CREATE INDEX places_name_key ON places (code_postal, name_key);
CREATE INDEX places_address_key ON places (code_postal, address_key);
CREATE INDEX place_duplicates_b ON place_duplicates (b);
