import { genesysCloudSample } from "../platforms/genesys-cloud.ts";
import { webhookSuite } from "../webhook-suite.ts";

webhookSuite(genesysCloudSample);
