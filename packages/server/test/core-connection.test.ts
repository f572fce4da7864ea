/** One WebSocket connection to a fake SIP core on 127.0.0.1. */
import { afterEach, describe, expect, it } from 'vitest';
import { CoreConnection, MAX_FRAME_BYTES } from '../src/core-connection.js';
import { FakeCore } from './helpers/fake-core.js';

/** Records what a connection delivers, and resolves when a given frame arrives. */
class Recorder {
  readonly frames: string[] = [];
  readonly closes: number[] = [];
  #waiters: { frame: string; resolve: () => void }[] = [];

  readonly delegate = {
    onFrame: (data: Uint8Array) => {
      const frame = new TextDecoder().decode(data);
      this.frames.push(frame);
      for (const waiter of this.#waiters.filter((candidate) => candidate.frame === frame)) {
        waiter.resolve();
      }
    },
    onClose: (code: number) => this.closes.push(code),
  };

  async frame(frame: string): Promise<void> {
    if (this.frames.includes(frame)) return;
    return new Promise((resolve) => this.#waiters.push({ frame, resolve }));
  }
}

describe('CoreConnection.open', () => {
  let core: FakeCore | undefined;
  let connection: CoreConnection | undefined;

  afterEach(async () => {
    await connection?.close();
    connection = undefined;
    await core?.stop();
    core = undefined;
  });

  it('delivers a frame sent with the handshake', async () => {
    core = await FakeCore.start();
    core.greeting = ['first'];
    const recorder = new Recorder();

    connection = await CoreConnection.open(core.url, recorder.delegate);
    core.send('second');
    await recorder.frame('second');

    expect(recorder.frames).toEqual(['first', 'second']);
  });

  it('closes on an oversized frame', async () => {
    core = await FakeCore.start();
    const recorder = new Recorder();
    connection = await CoreConnection.open(core.url, recorder.delegate);

    core.send('x'.repeat(MAX_FRAME_BYTES + 1));

    // ws sends 1009 and reports the close of its own side as abnormal.
    await expect.poll(() => recorder.closes).toEqual([1006]);
    expect(recorder.frames).toEqual([]);
  });

  it('reports the close of an open connection', async () => {
    core = await FakeCore.start();
    const recorder = new Recorder();

    const opened = await CoreConnection.open(core.url, recorder.delegate);
    await opened.close();

    expect(recorder.closes).toHaveLength(1);
  });

  it('rejects at once when aborted', async () => {
    core = await FakeCore.start();
    core.holdHandshakes = true;
    const held = core.nextHeldHandshake();
    const controller = new AbortController();
    const reason = new Error('stopped by the test');

    const opening = CoreConnection.open(core.url, new Recorder().delegate, controller.signal);
    await held;
    controller.abort(reason);

    await expect(opening).rejects.toBe(reason);
  });

  it('rejects an aborted signal without connecting', async () => {
    core = await FakeCore.start();
    const controller = new AbortController();
    const reason = new Error('stopped by the test');
    controller.abort(reason);

    await expect(
      CoreConnection.open(core.url, new Recorder().delegate, controller.signal),
    ).rejects.toBe(reason);
  });

  it('reports no close of a connection that never opened', async () => {
    core = await FakeCore.start();
    const url = core.url;
    await core.stop();
    core = undefined;
    const recorder = new Recorder();

    await expect(CoreConnection.open(url, recorder.delegate)).rejects.toThrow(/ECONNREFUSED/);
    expect(recorder.closes).toEqual([]);
  });
});
