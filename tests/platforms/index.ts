/** Every platform's sample sender, for the tests that run over all of them. */
import { aircallSample } from "./aircall.ts";
import { amazonConnectSample } from "./amazon-connect.ts";
import { genericSample } from "./generic.ts";
import { genesysCloudSample } from "./genesys-cloud.ts";
import { talkdeskSample } from "./talkdesk.ts";
import { twilioSample } from "./twilio.ts";
import type { PlatformSample } from "./types.ts";
import { zendeskSample } from "./zendesk.ts";

export const samples: readonly PlatformSample[] = [twilioSample, amazonConnectSample, genesysCloudSample, aircallSample, zendeskSample, talkdeskSample, genericSample];
