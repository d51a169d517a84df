-- Subsidies at national size (issue 12, `tremplin gen contracts` and bench/subsidies.sh): the lines a payment
-- request or a recovery holds are found by these columns (paying an order of 10,000 requests marks each one's
-- lines paid; a rejection frees them; the ledger joins them), which scanned the whole table of schedule lines
-- for each request without an index.
CREATE INDEX schedule_lines_request ON schedule_lines (request_id);
CREATE INDEX schedule_lines_recovery ON schedule_lines (recovery_id);
-- The ledger (every line paid or claimed back, by period): a few percent of the lines, read in period order; its
-- condition is written as is in ledger_list (payment.c) so that both engines' planners see the index applies.
CREATE INDEX schedule_lines_ledger ON schedule_lines (period_from, id) WHERE paid = 1 OR recovery_id IS NOT NULL;
-- The decisions' list, newest first (its default order) and paged: read from this index, the sums of the current
-- page only are computed instead of every decision's before the sort.
CREATE INDEX aid_decisions_recent ON aid_decisions (created_at, id);
