/**
 * The metrics HTTP endpoint (bgpd.toml `[metrics] listen`, documented default 127.0.0.1:9179; no
 * [metrics] section, no endpoint: the caller decides):
 *   GET /metrics  Prometheus text exposition format 0.0.4: the bgp_* families (bgp-metrics.ts,
 *                 event-loop.ts) and prom-client's default process_* / nodejs_* metrics
 *   GET /healthz  200 {"status":"ok","peers":N,"established":M} while the daemon serves,
 *                 503 {"status":"stopping",...} once shutdown has begun (markStopping)
 *
 * Each server has its own Registry, so two daemons in one process (tests) never share series.
 * Values are read from the daemon at scrape time; the only thing pushed is the route engine's
 * per-slice decision latency (RouteEngine.onDecided -> bgp_update_processing_seconds).
 *
 * prom-client's default collectors start a gc PerformanceObserver and an event-loop histogram that
 * it offers no way to stop; they are per process in practice (one startMetrics per daemon run), so
 * restarting the endpoint on a reload leaves one idle pair behind. Nothing keeps the process alive.
 */

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { MetricsConfig } from '../config/types';
import type { Logger } from '../log';
import { registerBgpMetrics } from './bgp-metrics';
import { LagWindow, monitorEventLoopLag, registerEventLoopLag } from './event-loop';
import { Census, DaemonSample, MetricsSource, sampleDaemon, takeCensusSliced } from './sample';

export type { MetricsSource } from './sample';

export interface MetricsServer {
  /** Where it listens (the port the system chose when 0 was asked for). */
  readonly address: { host: string; port: number };
  readonly registry: Registry;
  /** From now on /healthz answers 503: call it first thing on shutdown. */
  markStopping(): void;
  /** Stop listening and sampling; open scrapes are cut. */
  close(): Promise<void>;
}

/** A reading older than this is taken again when the registry is read directly (not over HTTP). */
const SAMPLE_TTL_MS = 1000;

/**
 * One reading of the daemon and the event loop per scrape: every metric family's collect() reads
 * the same one, so a scrape scans the RIB once and its series agree with each other.
 */
class Scrape {
  private taken?: { at: number; sample: DaemonSample; lag: LagWindow };
  constructor(
    private readonly src: MetricsSource,
    private readonly lag: { read(): LagWindow },
  ) {}

  refresh(census?: Census): { sample: DaemonSample; lag: LagWindow } {
    const now = Date.now();
    this.taken = { at: now, sample: sampleDaemon(this.src, now, census), lag: this.lag.read() };
    return this.taken;
  }

  /** The same, with the RIB scanned in slices (the HTTP path). */
  async refreshSliced(): Promise<void> {
    this.refresh(await takeCensusSliced(this.src.engine.store));
  }

  current(): { sample: DaemonSample; lag: LagWindow } {
    const t = this.taken;
    return t && Date.now() - t.at < SAMPLE_TTL_MS ? t : this.refresh();
  }
}

/** Health as /healthz reports it. */
export function health(src: MetricsSource, stopping: boolean): { status: 'ok' | 'stopping'; peers: number; established: number } {
  let established = 0;
  for (const p of src.peers.values()) if (p.state === 'Established') established++;
  return { status: stopping ? 'stopping' : 'ok', peers: src.peers.size, established };
}

/** Build the registry and listen on cfg.host:cfg.port (port 0: any free port). */
export async function startMetrics(daemon: MetricsSource, cfg: MetricsConfig, log: Logger): Promise<MetricsServer> {
  const registry = new Registry();
  const lag = monitorEventLoopLag();
  const scrape = new Scrape(daemon, lag);
  const bgp = registerBgpMetrics(registry, () => scrape.current().sample);
  registerEventLoopLag(registry, () => scrape.current().lag);
  collectDefaultMetrics({ register: registry });

  const engine = daemon.engine;
  const onDecided = (_prefixes: number, seconds: number) => bgp.updateProcessing.observe(seconds);
  engine.onDecided = onDecided;

  let stopping = false;
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
      res.end('method not allowed\n');
      return;
    }
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (path === '/metrics') {
      // One reading for the whole scrape: every family's collect() reads the one taken here.
      scrape
        .refreshSliced()
        .then(() => registry.metrics())
        .then(
          (text) => send(200, registry.contentType, text),
          (e: Error) => {
            log.error({ err: e.message }, 'metrics collection failed');
            send(500, 'text/plain; charset=utf-8', 'metrics collection failed\n');
          },
        );
    } else if (path === '/healthz') {
      const h = health(daemon, stopping);
      send(stopping ? 503 : 200, 'application/json', JSON.stringify(h) + '\n');
    } else if (path === '/') {
      send(200, 'text/plain; charset=utf-8', 'tsbgpd: /metrics /healthz\n');
    } else {
      send(404, 'text/plain; charset=utf-8', 'not found\n');
    }
  });
  // A scraper that opens a connection and sends nothing must not hold a socket for long.
  server.headersTimeout = 10_000;
  server.requestTimeout = 15_000;
  server.keepAliveTimeout = 5_000;

  const cleanup = () => {
    lag.stop();
    if (engine.onDecided === onDecided) engine.onDecided = undefined;
  };
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: cfg.host, port: cfg.port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    cleanup();
    throw new Error(`metrics: cannot listen on ${formatAddress(cfg.host, cfg.port)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  server.on('error', (e: Error) => log.error({ err: e.message }, 'metrics server error'));
  const bound = server.address() as AddressInfo;
  const address = { host: cfg.host, port: bound.port };
  log.info({ listen: formatAddress(address.host, address.port) }, 'metrics listening');

  let closed: Promise<void> | undefined;
  return {
    address,
    registry,
    markStopping: () => {
      stopping = true;
    },
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        stopping = true;
        cleanup();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

function formatAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
