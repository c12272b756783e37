import { talkdeskSample } from "../platforms/talkdesk.ts";
import { webhookSuite } from "../webhook-suite.ts";

webhookSuite(talkdeskSample);
