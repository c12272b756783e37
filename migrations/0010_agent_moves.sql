CREATE TABLE `agent_memberships` (
	`org_id` text NOT NULL,
	`agent_id` text NOT NULL,
	`team_id` text NOT NULL,
	`from_at` integer NOT NULL,
	PRIMARY KEY(`org_id`, `agent_id`, `from_at`),
	FOREIGN KEY (`org_id`) REFERENCES `orgs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `agent_memberships_team` ON `agent_memberships` (`org_id`,`team_id`);--> statement-breakpoint
-- backfill
-- Every existing agent gets one stint: their current team, from the beginning of time.
INSERT INTO `agent_memberships` (`org_id`, `agent_id`, `team_id`, `from_at`) SELECT `org_id`, `id`, `team_id`, 0 FROM `agents`;
