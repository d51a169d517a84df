-- Who gives the regional opinion on a programme's dossiers is data of the programme, as decided_by is for the
-- national decision (0019): the protocol PDF and the dossier page title the opinion block from it (dossiers.opinion_by
-- is the person who gave it). The 2013 circular names the SGAR's ICT officer; the 2020 programme's opinions came from
-- the State's services in the region (the préfecture). data/programmes.json carries it for new databases; national
-- officers edit it with the programme.
ALTER TABLE programmes ADD COLUMN opinion_authority TEXT;
UPDATE programmes SET opinion_authority = 'Chargé de mission TIC du SGAR' WHERE code = 'EAV-EPN-2013';
UPDATE programmes SET opinion_authority = 'Services de l''État en région (préfecture)' WHERE code = 'CNFS-2020';
