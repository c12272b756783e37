ALTER TABLE `boards` ADD `scope` text DEFAULT 'team' NOT NULL;--> statement-breakpoint
ALTER TABLE `boards` ADD `department_id` text;--> statement-breakpoint
ALTER TABLE `boards` ADD `ranks` text DEFAULT 'agents' NOT NULL;--> statement-breakpoint
ALTER TABLE `boards` ADD `team_score` text;