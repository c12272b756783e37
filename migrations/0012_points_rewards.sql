CREATE TABLE `kudos` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`from_agent` text NOT NULL,
	`to_agent` text NOT NULL,
	`message` text NOT NULL,
	`points` integer NOT NULL,
	`day_start` integer NOT NULL,
	`at` integer NOT NULL,
	FOREIGN KEY (`org_id`) REFERENCES `orgs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `kudos_giver_day` ON `kudos` (`org_id`,`from_agent`,`day_start`);--> statement-breakpoint
CREATE INDEX `kudos_recipient` ON `kudos` (`org_id`,`to_agent`,`at`);--> statement-breakpoint
CREATE TABLE `points_ledger` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`org_id` text NOT NULL,
	`key` text NOT NULL,
	`agent_id` text NOT NULL,
	`points` integer NOT NULL,
	`kind` text NOT NULL,
	`reason` text NOT NULL,
	`actor` text NOT NULL,
	`ref` text,
	`at` integer NOT NULL,
	FOREIGN KEY (`org_id`) REFERENCES `orgs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `points_ledger_key` ON `points_ledger` (`org_id`,`key`);--> statement-breakpoint
CREATE INDEX `points_ledger_agent` ON `points_ledger` (`org_id`,`agent_id`,`seq`);--> statement-breakpoint
CREATE TABLE `redemptions` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`agent_id` text NOT NULL,
	`reward_id` text NOT NULL,
	`reward_name` text NOT NULL,
	`cost` integer NOT NULL,
	`status` text NOT NULL,
	`window_start` integer NOT NULL,
	`note` text,
	`requested_at` integer NOT NULL,
	`requested_by` text NOT NULL,
	`decided_at` integer,
	`decided_by` text,
	`decision_note` text,
	`stock_returned` integer DEFAULT false NOT NULL,
	FOREIGN KEY (`org_id`) REFERENCES `orgs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `redemptions_agent` ON `redemptions` (`org_id`,`agent_id`,`reward_id`,`window_start`);--> statement-breakpoint
CREATE INDEX `redemptions_status` ON `redemptions` (`org_id`,`status`,`requested_at`);--> statement-breakpoint
CREATE TABLE `reward_items` (
	`org_id` text NOT NULL,
	`id` text NOT NULL,
	`name` text NOT NULL,
	`description` text NOT NULL,
	`cost` integer NOT NULL,
	`category` text NOT NULL,
	`stock` integer,
	`limit_count` integer,
	`limit_window` text,
	`available_from` integer,
	`available_until` integer,
	`requires_approval` integer NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`org_id`, `id`),
	FOREIGN KEY (`org_id`) REFERENCES `orgs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
ALTER TABLE `orgs` ADD `kudos_points` integer DEFAULT 5 NOT NULL;--> statement-breakpoint
ALTER TABLE `orgs` ADD `kudos_daily_cap` integer DEFAULT 3 NOT NULL;