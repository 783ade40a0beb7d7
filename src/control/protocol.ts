/**
 * The control protocol between tsbgpctl and tsbgpd: JSON lines over a Unix socket.
 *
 * Request:  {"v":1,"id":7,"cmd":"show.neighbors","args":{...}}
 * Response: {"v":1,"id":7,"ok":true,"result":...}            (one line)
 *      or   {"v":1,"id":7,"chunk":[...]} ... then {"v":1,"id":7,"ok":true,"done":true}   (streamed)
 *      or   {"v":1,"id":7,"ok":false,"error":"no such neighbor: 192.0.2.9"}
 * A client may send several requests on one connection; answers carry the request's id.
 * A streamed answer may have no end (`monitor`): it stops when the client closes the connection.
 * The commands and their arguments are listed in commands.ts; the answers' keys in json-schema.ts.
 */

export const PROTOCOL_VERSION = 1;

export interface ControlRequest {
  v: number;
  id: number;
  cmd: string;
  args?: Record<string, unknown>;
}

export type ControlResponse =
  | { v: number; id: number; ok: true; result?: unknown; done?: boolean }
  | { v: number; id: number; chunk: unknown[] }
  | { v: number; id: number; ok: false; error: string };

/** Commands that change state (commands.ts); refused on the restricted (read-only) socket. */
export const MUTATING_COMMANDS = new Set([
  'neighbor.up',
  'neighbor.down',
  'neighbor.clear',
  'neighbor.refresh',
  'reload',
  'network.add',
  'network.delete',
  'network.flush',
  'log.level',
  'log.updates',
  'drain',
  'undrain',
  'health.recheck',
]);
