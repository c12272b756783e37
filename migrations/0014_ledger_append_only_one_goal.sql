-- The points ledger is append-only: a balance is the sum of its movements, and a movement once
-- entered is never changed or taken back (a correction is a new movement).
CREATE TRIGGER `points_ledger_no_update` BEFORE UPDATE ON `points_ledger`
BEGIN
  SELECT RAISE(ABORT, 'points_ledger is append-only');
END;
--> statement-breakpoint
CREATE TRIGGER `points_ledger_no_delete` BEFORE DELETE ON `points_ledger`
BEGIN
  SELECT RAISE(ABORT, 'points_ledger is append-only');
END;
--> statement-breakpoint
-- One active goal per metric, period and agent or team (two requests at once cannot both create one).
CREATE UNIQUE INDEX `goals_one_active` ON `goals` (`org_id`, `metric_key`, `period`, IFNULL(`agent_id`, ''), IFNULL(`team_id`, '')) WHERE `active` = 1;
