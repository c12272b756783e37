ALTER TABLE `boards` ADD `day_start_hour` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `boards` ADD `week_starts_on` integer DEFAULT 1 NOT NULL;