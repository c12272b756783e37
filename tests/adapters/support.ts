/** What the adapter tests share: reading a refusal, and checking a platform's end-to-end sample against its adapter. */
import { expect } from "vitest";
import type { Adapter, PlatformEvent, WebhookDelivery } from "../../worker/adapters/types.ts";
import { ProblemError } from "../../worker/problem.ts";
import type { Delivery, DeliveryInput, PlatformSample } from "../platforms/types.ts";

/** What a refusal names: its status and the paths of its errors (anything but a ProblemError fails the test). */
export async function refusal(run: () => unknown): Promise<{ status: number; paths: string[] }> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(ProblemError);
    const problem = error as ProblemError;
    return { status: problem.status, paths: (problem.errors ?? []).map((e) => e.path) };
  }
  return expect.unreachable("expected a refusal");
}

/** Events as a sample's `expected` writes them: metric (or `metric:part`) -> value. */
export const tally = (events: readonly PlatformEvent[]) =>
  Object.fromEntries(events.map((e) => [e.part ? `${e.metric}:${e.part}` : e.metric, e.value]));

/**
 * Checks a sample the way the end-to-end webhook tests use it: `countable` is verified and gives
 * exactly `expected` for the agent, `uncountable` is verified and gives nothing, `missingField` is
 * verified and refused (422) at its `path`, a tampered signature header and (with a replay window)
 * a stale signature are refused (401). Returns the countable delivery's events.
 */
export async function checkSample<O>(adapter: Adapter<O>, sample: PlatformSample, input: DeliveryInput): Promise<PlatformEvent[]> {
  const context = { secrets: [sample.secret], options: adapter.options.parse(sample.options ?? {}), now: input.now };
  const received = (d: Delivery): WebhookDelivery => ({ url: input.url, ...d });

  const countable = received(await sample.countable(input));
  await adapter.verify(countable, context);
  const events = adapter.toEvents(countable, context);
  expect(tally(events)).toEqual(sample.expected);
  expect(events.filter((e) => e.agent !== input.agent)).toEqual([]);

  const uncountable = received(await sample.uncountable(input));
  await adapter.verify(uncountable, context);
  expect(adapter.toEvents(uncountable, context)).toEqual([]);

  const { path, ...missing } = await sample.missingField(input);
  await adapter.verify(received(missing), context);
  expect(await refusal(() => adapter.toEvents(received(missing), context))).toEqual({ status: 422, paths: [path] });

  if (sample.signatureHeader) {
    const tampered = { ...countable, headers: { ...countable.headers, [sample.signatureHeader]: "AAAA" } };
    expect((await refusal(() => adapter.verify(tampered, context))).status).toBe(401);
  }
  if (sample.signedAt) {
    await adapter.verify(received(await sample.signedAt(input, 60_000)), context);
    expect((await refusal(async () => adapter.verify(received(await sample.signedAt!(input, 6 * 60_000)), context))).status).toBe(401);
  }
  return events;
}
