/** Every platform's adapter, by the platform's name in a source. */
import type { Platform } from "../../protocol/index.ts";
import { aircall } from "./aircall.ts";
import { amazonConnect } from "./amazon-connect.ts";
import { generic } from "./generic.ts";
import { genesysCloud } from "./genesys-cloud.ts";
import { talkdesk } from "./talkdesk.ts";
import { twilio } from "./twilio.ts";
import type { Adapter } from "./types.ts";
import { zendesk } from "./zendesk.ts";

// Each adapter has its own options type; the route validates options with the adapter's own schema.
export const adapters: Record<Platform, Adapter<any>> = {
  twilio,
  amazon_connect: amazonConnect,
  genesys_cloud: genesysCloud,
  aircall,
  zendesk,
  talkdesk,
  generic,
};
