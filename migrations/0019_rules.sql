-- Rules of issue 19 held as data. Who takes a programme's national decisions is data of the programme: the protocol
-- PDF and the pages name it from this column. The 2013 programme was decided by the Délégation aux usages de l'Internet, the 2020 one
-- by the Agence nationale de la cohésion des territoires; data/programmes.json carries it for new databases.
ALTER TABLE programmes ADD COLUMN decided_by TEXT;
UPDATE programmes SET decided_by = 'Délégation aux usages de l''Internet' WHERE code = 'EAV-EPN-2013';
UPDATE programmes SET decided_by = 'Agence nationale de la cohésion des territoires (ANCT)' WHERE code = 'CNFS-2020';

-- An interview proposed on an application (issue 19, item 5): its day, time and place, and the candidate's answer
-- ('pending', 'accepted', or 'other' with what they asked instead).
ALTER TABLE applications ADD COLUMN interview_on TEXT;
ALTER TABLE applications ADD COLUMN interview_time TEXT;
ALTER TABLE applications ADD COLUMN interview_place TEXT;
ALTER TABLE applications ADD COLUMN interview_note TEXT;
ALTER TABLE applications ADD COLUMN interview_answer TEXT;
ALTER TABLE applications ADD COLUMN interview_reply TEXT;
