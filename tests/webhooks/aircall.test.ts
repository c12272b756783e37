import { aircallSample } from "../platforms/aircall.ts";
import { webhookSuite } from "../webhook-suite.ts";

webhookSuite(aircallSample);
