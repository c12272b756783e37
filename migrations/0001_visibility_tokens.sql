CREATE TABLE `settings_audit` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`org_id` text NOT NULL,
	`at` integer NOT NULL,
	`actor` text NOT NULL,
	`target` text NOT NULL,
	`before` text NOT NULL,
	`after` text NOT NULL,
	FOREIGN KEY (`org_id`) REFERENCES `orgs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `settings_audit_target` ON `settings_audit` (`org_id`,`target`,`at`);--> statement-breakpoint
CREATE TABLE `viewer_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`role` text NOT NULL,
	`name` text,
	`agent_id` text,
	`team_ids` text NOT NULL,
	`department_ids` text NOT NULL,
	`board_ids` text NOT NULL,
	`issued_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`revoked_at` integer,
	FOREIGN KEY (`org_id`) REFERENCES `orgs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `viewer_tokens_org` ON `viewer_tokens` (`org_id`,`created_at`);--> statement-breakpoint
ALTER TABLE `agents` ADD `opted_out` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `boards` ADD `visibility` text DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE `orgs` ADD `visibility` text DEFAULT '{}' NOT NULL;