ALTER TABLE `score_events` ADD `kind` text DEFAULT 'add' NOT NULL;--> statement-breakpoint
ALTER TABLE `score_events` ADD `ref` text;--> statement-breakpoint
ALTER TABLE `score_events` ADD `part` text DEFAULT 'numerator' NOT NULL;