ALTER TABLE `metrics` ADD `components` text;--> statement-breakpoint
ALTER TABLE `metrics` ADD `cap` real;