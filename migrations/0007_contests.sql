ALTER TABLE `boards` ADD `contest_start` integer;--> statement-breakpoint
ALTER TABLE `boards` ADD `contest_end` integer;