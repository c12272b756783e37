CREATE TABLE `badge_awards` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`badge_id` text NOT NULL,
	`agent_id` text NOT NULL,
	`period_start` integer NOT NULL,
	`points` integer NOT NULL,
	`reason` text NOT NULL,
	`awarded_by` text NOT NULL,
	`at` integer NOT NULL,
	FOREIGN KEY (`org_id`) REFERENCES `orgs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `badge_awards_once` ON `badge_awards` (`org_id`,`badge_id`,`agent_id`,`period_start`);--> statement-breakpoint
CREATE INDEX `badge_awards_agent` ON `badge_awards` (`org_id`,`agent_id`,`at`);--> statement-breakpoint
CREATE TABLE `badges` (
	`org_id` text NOT NULL,
	`id` text NOT NULL,
	`name` text NOT NULL,
	`description` text NOT NULL,
	`icon` text NOT NULL,
	`points` integer NOT NULL,
	`rule` text NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`org_id`, `id`),
	FOREIGN KEY (`org_id`) REFERENCES `orgs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `goals` (
	`org_id` text NOT NULL,
	`id` text NOT NULL,
	`metric_key` text NOT NULL,
	`period` text NOT NULL,
	`target` real NOT NULL,
	`agent_id` text,
	`team_id` text,
	`active` integer DEFAULT true NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`org_id`, `id`),
	FOREIGN KEY (`org_id`) REFERENCES `orgs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `goals_team` ON `goals` (`org_id`,`team_id`);--> statement-breakpoint
CREATE INDEX `goals_agent` ON `goals` (`org_id`,`agent_id`);--> statement-breakpoint
CREATE TABLE `point_rules` (
	`org_id` text NOT NULL,
	`id` text NOT NULL,
	`metric_key` text NOT NULL,
	`points` integer NOT NULL,
	`per` text NOT NULL,
	`min` real,
	`max` real,
	`active` integer DEFAULT true NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`org_id`, `id`),
	FOREIGN KEY (`org_id`) REFERENCES `orgs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
ALTER TABLE `orgs` ADD `working_days` text DEFAULT '[1,2,3,4,5]' NOT NULL;--> statement-breakpoint
ALTER TABLE `orgs` ADD `holidays` text DEFAULT '[]' NOT NULL;