import { genericSample } from "../platforms/generic.ts";
import { webhookSuite } from "../webhook-suite.ts";

webhookSuite(genericSample);
