import { zendeskSample } from "../platforms/zendesk.ts";
import { webhookSuite } from "../webhook-suite.ts";

webhookSuite(zendeskSample);
