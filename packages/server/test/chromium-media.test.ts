import { createServer, type Server } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium } from '../../../tools/chromium.js';
import { runsWithTool } from '../../../tools/required-tool.js';
import { MediaLeg } from '../src/media-leg.js';

interface BrowserPeer {
  pc: RTCPeerConnection;
}

describe.skipIf(!runsWithTool(chromiumAvailable))('media leg with Chromium', () => {
  let http: Server;
  let browser: Browser;
  let page: Page;
  let leg: MediaLeg | undefined;

  beforeAll(async () => {
    // getUserMedia needs a secure context, which http://127.0.0.1 is.
    http = createServer((_request, response) => response.end('<!doctype html><title>t</title>'));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const { port } = http.address() as { port: number };
    browser = await launchChromium({ media: true });
    page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${String(port)}/`);
  });

  afterAll(async () => {
    await leg?.close();
    await browser?.close();
    http?.close();
  });

  it('exchanges audio with a browser', async () => {
    const offer = await page.evaluate(async () => {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      const pc = new RTCPeerConnection();
      (globalThis as unknown as BrowserPeer).pc = pc;
      stream.getTracks().forEach((track) => pc.addTrack(track, stream));
      await pc.setLocalDescription(await pc.createOffer());
      await new Promise<void>((resolve) => {
        const done = () => pc.iceGatheringState === 'complete' && resolve();
        pc.addEventListener('icegatheringstatechange', done);
        done();
      });
      return pc.localDescription?.sdp ?? '';
    });
    leg = await MediaLeg.answer(offer, pino({ level: 'silent' }));
    let received = 0;
    const echo = leg;
    // The leg sends the browser's own audio back, to exercise both directions.
    leg.onRtp = (packet) => {
      received += 1;
      echo.forward(packet, echo);
    };
    await page.evaluate(async (sdp) => {
      await (globalThis as unknown as BrowserPeer).pc.setRemoteDescription({ type: 'answer', sdp });
    }, leg.localSdp);
    const inbound = () =>
      page.evaluate(async () => {
        const stats = await (globalThis as unknown as BrowserPeer).pc.getStats();
        let packets = 0;
        stats.forEach((report: { type: string; packetsReceived?: number }) => {
          if (report.type === 'inbound-rtp') {
            packets += report.packetsReceived ?? 0;
          }
        });
        return packets;
      });

    await expect.poll(() => received, { timeout: 10_000 }).toBeGreaterThan(10);
    await expect.poll(inbound, { timeout: 10_000 }).toBeGreaterThan(10);
  });
});
