ALTER TABLE `teams` ADD `shift_start` text;--> statement-breakpoint
ALTER TABLE `teams` ADD `shift_end` text;