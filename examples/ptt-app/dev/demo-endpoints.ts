/**
 * A Vite plugin that serves the demo's dev-only endpoints beside the app:
 *
 * - `GET /demo-config.json`: the connection settings, users and groups of the running demo;
 * - `POST /enrol`: forwards a certificate request to the MCPTT server's enrolment endpoint, so
 *   that the browser stays on one origin;
 * - `GET /__sip-core/bodies?call-id=…`: the bodies that the SIP core logged for one Call-ID.
 *
 * The core's body log is the evidence of what an untrusted core saw, so it is served in dev mode
 * only, and only on the loopback address that the dev server listens on.
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BodyRecord } from '@mcptt-smime/sip-core';
import type { Plugin, ViteDevServer } from 'vite';
import { buildAppConfig } from './app-config.js';

/** Path of the enrolment proxy, which the published configuration points the app to. */
export const ENROL_PATH = '/enrol';

/** Path of the body-log endpoint. */
export const CORE_LOG_PATH = '/__sip-core/bodies';

/** Options of {@link demoEndpoints}. */
export interface DemoEndpointsOptions {
  /** The MCPTT server's JSON configuration file, re-read on each request. */
  readonly serverConfigFile: string;
  /** WebSocket URL of the SIP core. */
  readonly coreUrl: string;
  /** URL of the server's enrolment endpoint. */
  readonly enrolUrl: string;
  /** The SIP core's body log. */
  readonly bodyLogFile: string;
}

/** Largest certificate request body forwarded to the enrolment endpoint, in bytes. */
const MAX_ENROL_BODY = 64 * 1024;

/** Creates the plugin. */
export function demoEndpoints(options: DemoEndpointsOptions): Plugin {
  return {
    name: 'mcptt-demo-endpoints',
    configureServer(server) {
      server.middlewares.use((request, response, next) => {
        const path = (request.url ?? '/').split('?')[0];
        const handler =
          path === '/demo-config.json'
            ? serveConfig
            : path === ENROL_PATH
              ? forwardEnrolment
              : path === CORE_LOG_PATH
                ? serveCoreLog
                : undefined;
        if (handler === undefined) {
          next();
          return;
        }
        handler(request, response, options, server).catch((error: unknown) => {
          sendJson(response, 500, { error: error instanceof Error ? error.message : 'failed' });
        });
      });
    },
  };
}

async function serveConfig(
  _request: IncomingMessage,
  response: ServerResponse,
  options: DemoEndpointsOptions,
): Promise<void> {
  // The browser talks to the proxies on this origin, not to the server's ports.
  const config = await buildAppConfig({
    serverConfigFile: options.serverConfigFile,
    coreUrl: options.coreUrl,
    enrolPath: ENROL_PATH,
    coreLogPath: CORE_LOG_PATH,
  });
  sendJson(response, 200, config);
}

async function forwardEnrolment(
  request: IncomingMessage,
  response: ServerResponse,
  options: DemoEndpointsOptions,
): Promise<void> {
  if (request.method !== 'POST') {
    sendJson(response, 405, { error: 'Use POST' });
    return;
  }
  const body = await readBody(request, MAX_ENROL_BODY);
  const upstream = await fetch(options.enrolUrl, {
    method: 'POST',
    headers: { 'content-type': request.headers['content-type'] ?? 'application/octet-stream' },
    body: new Uint8Array(body),
  });
  response.statusCode = upstream.status;
  response.setHeader('content-type', upstream.headers.get('content-type') ?? 'text/plain');
  response.end(Buffer.from(await upstream.arrayBuffer()));
}

async function serveCoreLog(
  request: IncomingMessage,
  response: ServerResponse,
  options: DemoEndpointsOptions,
  server: ViteDevServer,
): Promise<void> {
  const callId = new URL(request.url ?? '/', 'http://127.0.0.1').searchParams.get('call-id');
  if (callId === null || callId === '') {
    sendJson(response, 400, { error: 'call-id query parameter missing' });
    return;
  }
  let text = '';
  try {
    text = await readFile(options.bodyLogFile, 'utf8');
  } catch {
    sendJson(response, 404, { error: 'SIP core body log not found' });
    return;
  }
  // The sip-core package exports TypeScript sources, which Vite's module loader can run and the
  // config loader cannot.
  const sipCore = (await server.ssrLoadModule('@mcptt-smime/sip-core')) as {
    parseBodyLog(text: string): BodyRecord[];
  };
  const records = sipCore.parseBodyLog(text).filter((record) => record.callId === callId);
  sendJson(response, 200, records);
}

function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new Error(`Enrolment request larger than ${String(limit)} bytes`));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function sendJson(response: ServerResponse, status: number, value: unknown): void {
  response.statusCode = status;
  response.setHeader('content-type', 'application/json');
  response.setHeader('cache-control', 'no-store');
  response.end(JSON.stringify(value));
}
