CREATE TABLE `webhook_sources` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`name` text NOT NULL,
	`platform` text NOT NULL,
	`secret` text NOT NULL,
	`previous_secret` text,
	`previous_secret_until` integer,
	`external_id_system` text NOT NULL,
	`unknown_agents` text NOT NULL,
	`unassigned_team_id` text NOT NULL,
	`metrics` text NOT NULL,
	`options` text NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`org_id`) REFERENCES `orgs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `webhook_sources_org` ON `webhook_sources` (`org_id`,`created_at`);