// Worker-thread entry for bench/viewers.ts: tsx's loader hooks are registered per thread, and the
// main thread's --import does not reach worker threads, so register them here and load the TS.
import { register } from "tsx/esm/api";

register();
await import("./viewers.ts");
