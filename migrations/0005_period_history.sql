CREATE TABLE `period_closures` (
	`org_id` text NOT NULL,
	`board_id` text NOT NULL,
	`period_start` integer NOT NULL,
	`period_end` integer NOT NULL,
	`kind` text NOT NULL,
	`team_id` text NOT NULL,
	`metric_key` text NOT NULL,
	`direction` text NOT NULL,
	`ranked` integer NOT NULL,
	`revision` integer NOT NULL,
	`closed_at` integer NOT NULL,
	PRIMARY KEY(`org_id`, `board_id`, `period_start`)
);
--> statement-breakpoint
CREATE TABLE `period_standings` (
	`org_id` text NOT NULL,
	`board_id` text NOT NULL,
	`period_start` integer NOT NULL,
	`agent_id` text NOT NULL,
	`rank` integer NOT NULL,
	`place` integer NOT NULL,
	`score` real NOT NULL,
	PRIMARY KEY(`org_id`, `board_id`, `period_start`, `agent_id`)
);
--> statement-breakpoint
CREATE INDEX `period_standings_agent` ON `period_standings` (`org_id`,`agent_id`,`board_id`,`period_start`);