import { amazonConnectSample } from "../platforms/amazon-connect.ts";
import { webhookSuite } from "../webhook-suite.ts";

webhookSuite(amazonConnectSample);
