import { describe, expect, it } from 'vitest';
import { DemoParts } from '../src/demo-parts.js';

/** Returns a part that records its stop in `log` under `name`. */
function part(name: string, log: string[], failure?: Error) {
  return {
    stop: () => {
      log.push(name);
      return failure === undefined ? Promise.resolve() : Promise.reject(failure);
    },
  };
}

describe('DemoParts', () => {
  it('stops the parts in reverse order, then exits', async () => {
    const log: string[] = [];
    const parts = new DemoParts({ exit: (status) => log.push(`exit ${String(status)}`) });
    await parts.add(Promise.resolve(part('core', log)));
    await parts.add(Promise.resolve(part('server', log)));

    await parts.stop(0);

    expect(log).toEqual(['server', 'core', 'exit 0']);
    expect(parts.stopping).toBe(true);
  });

  it('stops a part that was still starting', async () => {
    const log: string[] = [];
    const parts = new DemoParts({ exit: (status) => log.push(`exit ${String(status)}`) });
    await parts.add(Promise.resolve(part('core', log)));
    let started: (value: ReturnType<typeof part>) => void = () => undefined;
    void parts.add(new Promise<ReturnType<typeof part>>((resolve) => (started = resolve)));

    const stopped = parts.stop(0);
    started(part('server', log));
    await stopped;

    expect(log).toEqual(['server', 'core', 'exit 0']);
  });

  it('stops a part that starts after the stop', async () => {
    const log: string[] = [];
    const parts = new DemoParts({ exit: (status) => log.push(`exit ${String(status)}`) });
    let started: (value: ReturnType<typeof part>) => void = () => undefined;
    const core = parts.add(new Promise<ReturnType<typeof part>>((resolve) => (started = resolve)));

    const stopped = parts.stop(0);
    started(part('core', log));
    await core;
    // The launcher starts its next part before it checks `stopping`.
    const server = parts.add(Promise.resolve(part('server', log)));
    await stopped;

    await expect(server).resolves.toBeDefined();
    expect(log).toEqual(['server', 'core', 'exit 0']);
  });

  it('stops the others when one fails to stop', async () => {
    const log: string[] = [];
    const reports: string[] = [];
    const parts = new DemoParts({
      exit: (status) => log.push(`exit ${String(status)}`),
      report: (text) => reports.push(text),
    });
    await parts.add(Promise.resolve(part('core', log)));
    await parts.add(Promise.resolve(part('server', log, new Error('port busy'))));

    await parts.stop(1);

    expect(log).toEqual(['server', 'core', 'exit 1']);
    expect(reports).toEqual(['stopping the demo failed: Error: port busy\n']);
  });

  it('stops once', async () => {
    const log: string[] = [];
    const parts = new DemoParts({ exit: (status) => log.push(`exit ${String(status)}`) });
    await parts.add(Promise.resolve(part('core', log)));

    await Promise.all([parts.stop(0), parts.stop(1)]);

    expect(log).toEqual(['core', 'exit 0']);
  });

  it('exits after a part that failed to start', async () => {
    const log: string[] = [];
    const parts = new DemoParts({ exit: (status) => log.push(`exit ${String(status)}`) });
    await parts.add(Promise.resolve(part('core', log)));
    await expect(parts.add(Promise.reject(new Error('state file in use')))).rejects.toThrow();

    await parts.stop(1);

    expect(log).toEqual(['core', 'exit 1']);
  });
});
