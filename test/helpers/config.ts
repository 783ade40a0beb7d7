/** Configuration snippets shared by tests that write bgpd.toml. */

/**
 * Filter rules that allow every route from and to every neighbour. RFC 8212 (ebgp-requires-policy,
 * on by default) denies eBGP both ways without a rule; tests about something else use these.
 */
export const ALLOW_ALL_FILTERS: readonly string[] = ['[[filter]]', 'action = "allow"', 'direction = "from"', '[[filter]]', 'action = "allow"', 'direction = "to"'];

/** `[global]` for a test daemon on loopback, quick to retry, then `[control]` with its socket. */
export function globalToml(me: string, as: number, port: number, sock: string, global: string[] = []): string[] {
  return ['[global]', `local-as = ${as}`, `router-id = "${me}"`, `listen = [{ address = "${me}", port = ${port} }]`, 'hold-time = 30', 'connect-retry = 1', ...global, '[control]', `socket = "${sock}"`];
}

/** A `[[health-check]]` that is up while `flag` exists, polled every `interval` seconds. */
export function execHealthCheck(name: string, flag: string, t: { interval: number; rise: number; fall: number }, extra: string[] = []): string[] {
  return [
    '[[health-check]]',
    `name = "${name}"`,
    'type = "exec"',
    `command = "test -e ${flag}"`,
    `interval = ${t.interval}`,
    `fast-interval = ${t.interval}`,
    'timeout = 1',
    `rise = ${t.rise}`,
    `fall = ${t.fall}`,
    ...extra,
  ];
}
