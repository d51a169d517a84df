-- Steering: the indexes the dashboard's sources read by (each table once a request, over the period and the
-- previous one): the schedule lines of a programme by the day their period begins, and the contracts of an offer
-- (the posts returned by a closed offer).
CREATE INDEX schedule_lines_programme ON schedule_lines (programme_id, period_from);
CREATE INDEX contracts_offer ON contracts (offer_id);
