import { twilioSample } from "../platforms/twilio.ts";
import { webhookSuite } from "../webhook-suite.ts";

webhookSuite(twilioSample);
