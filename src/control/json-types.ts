/**
 * The shapes of the control answers, which are also what `tsbgpctl -j` prints. Keys follow bgpctl's
 * JSON output (usr.sbin/bgpctl/output_json.c) where bgpctl has them; json-schema.ts describes every
 * key for users and checks answers against the description in tests.
 *
 * Departures from bgpctl, kept on purpose: numbers are JSON numbers (bgpctl prints `remote_as` as a
 * string); `last_error_sent` / `last_error_received` are objects (code, subcode, text) rather than
 * text alone, since earlier callers read the codes; message counters also carry their older names
 * (`keepalive` beside `keepalives`).
 */

export interface MessageCountsJson {
  open: number;
  notifications: number;
  updates: number;
  keepalives: number;
  route_refresh: number;
  total: number;
  // Older names of the same counters (kept for earlier callers).
  notification: number;
  update: number;
  keepalive: number;
  routeRefresh: number;
}

export interface UpdateCountsJson {
  updates: number;
  withdraws: number;
  eor: number;
}

export interface ErrorJson {
  code: number;
  subcode: number;
  /** `cease/administrative-shutdown` (as in the logs). */
  name: string;
  /** `Cease, administratively down` (as bgpctl says it). */
  text: string;
  /** RFC 8203/9003 Shutdown Communication, when the NOTIFICATION carried one. */
  shutdownCommunication?: string;
  /** When it was sent or received, ms since the epoch. */
  at: number;
}

export interface CapabilitiesJson {
  as4byte: boolean;
  refresh: boolean;
  enhanced_refresh: boolean;
  extended_message: boolean;
  multiprotocol?: string[];
  graceful_restart?: {
    eor: boolean;
    restart: boolean;
    timeout?: number;
    graceful_notification?: boolean;
    protocols?: { family: string; preserved: boolean }[];
  };
  'add-path'?: { family: string; mode: string }[];
  open_policy?: string;
}

export interface TimerJson {
  name: string;
  /** Seconds until it fires (negative: overdue). */
  due: number;
}

export interface NeighborJson {
  remote_as: number;
  description?: string;
  group?: string;
  remote_addr: string;
  bgpid?: string;
  state: string;
  last_updown: string;
  last_updown_sec: number;
  config: {
    passive: boolean;
    down: boolean;
    multihop: boolean;
    multihop_distance?: number;
    ttl_security: boolean;
    holdtime: number;
    connect_retry: number;
    max_prefix?: number;
    max_prefix_restart?: number;
    max_out_prefix?: number;
    max_out_prefix_restart?: number;
    authentication?: string;
  };
  stats: {
    last_read: string;
    last_read_sec: number;
    last_write: string;
    last_write_sec: number;
    prefixes: { sent: number; received: number };
    message: { sent: MessageCountsJson; received: MessageCountsJson };
    update: { sent: UpdateCountsJson; received: UpdateCountsJson };
  };
  my_shutdown_reason?: string;
  last_shutdown_reason?: string;
  last_error_sent?: ErrorJson;
  last_error_received?: ErrorJson;
  session?: {
    holdtime: number;
    keepalive: number;
    local: { address: string; port: number };
    remote: { address: string; port: number; capabilities?: CapabilitiesJson };
    capabilities?: CapabilitiesJson;
  };
  timers: TimerJson[];
  // Older fields (kept for earlier callers).
  holdtime: number;
  keepalive: number;
  families: string[];
  local?: { address: string; port: number };
  remote?: { address: string; port: number };
  md5: boolean;
  admin_down_reason?: string;
  outq: number;
}

export interface NeighborsJson {
  neighbors: NeighborJson[];
}

export interface DecisionPeerJson {
  remote_addr: string;
  description?: string;
}

export interface DecisionJson {
  selected: boolean;
  /** selected: the other paths it was preferred over, each with the step that decided. */
  over?: (DecisionPeerJson & { step: string; step_number: number; reason: string })[];
  /** not selected: the selected path's neighbour and why it won. */
  lost_to?: DecisionPeerJson;
  step?: string;
  step_number?: number;
  reason?: string;
}

export interface RibEntryJson {
  prefix: string;
  aspath: string;
  exit_nexthop: string;
  true_nexthop: string;
  neighbor: { description?: string; remote_addr: string; bgp_id: string };
  path_id?: number;
  valid: boolean;
  best: boolean;
  filtered: boolean;
  invalid: boolean;
  stale: boolean;
  announced: boolean;
  source: 'internal' | 'external';
  ovs: string;
  avs: string;
  origin: string;
  metric: number;
  localpref: number;
  weight: number;
  last_update: string;
  last_update_sec: number;
  // `detail` only:
  communities?: string[];
  large_communities?: string[];
  extended_communities?: string[];
  attributes?: { type: string; value: string }[];
  decision?: DecisionJson;
}

export interface RibJson {
  rib: RibEntryJson[];
}

export interface RibCountsJson {
  paths: number;
  selected: number;
  filtered: number;
  invalid: number;
  stale: number;
}

export interface RibSummaryJson {
  rib_summary: {
    families: (RibCountsJson & { family: string; prefixes: number })[];
    sources: (RibCountsJson & { remote_addr: string; description?: string; remote_as: number; source: 'internal' | 'external' | 'local' })[];
  };
}

export interface MemoryJson {
  memory: {
    ipv4: { prefixes: number; paths: number; bytes: number };
    ipv6: { prefixes: number; paths: number; bytes: number };
    attributes: { sets: number; references: number; bytes: number };
    total: { bytes: number };
  };
}

export interface SetsJson {
  sets: { name: string; type: string; last_change: string; last_change_sec: number; num_IPv4?: number; num_IPv6?: number; num_ASnum?: number }[];
}

export interface NetworkJson {
  prefix: string;
  family: string;
  nexthop: string;
  origin: string;
  /** `config` (bgpd.toml) or `runtime` (`tsbgpctl network add`). */
  source: 'config' | 'runtime';
  med?: number;
  localpref?: number;
  communities: string[];
  large_communities: string[];
}

export interface NetworksJson {
  networks: NetworkJson[];
}

export interface InterfacesJson {
  interfaces: never[];
  note: string;
}

/** The answer of a command that changes state. */
export interface ResultJson {
  status: 'OK';
  ok: true;
  message: string;
  changes?: string[];
}

/** A neighbour as a monitor event names it. */
export interface MonitorNeighborJson {
  remote_addr: string;
  description?: string;
  remote_as: number;
}

/** One prefix of a monitored UPDATE. */
export interface MonitorPrefixJson {
  prefix: string;
  /** `IPv4 unicast`, `IPv6 unicast`. */
  family: string;
  /** ADD-PATH Path Identifier, when the session uses ADD-PATH for the family. */
  path_id?: number;
  /** Announced prefixes: the next hop they are announced with. */
  nexthop?: string;
}

/** The path attributes of a monitored UPDATE, with `show rib detail`'s keys. */
export interface MonitorAttributesJson {
  origin?: string;
  aspath: string;
  metric?: number;
  localpref?: number;
  communities: string[];
  large_communities: string[];
  extended_communities: string[];
  attributes: { type: string; value: string }[];
}

export interface MonitorUpdateJson {
  announce: MonitorPrefixJson[];
  withdraw: MonitorPrefixJson[];
  /** When the UPDATE carries path attributes (announcements). */
  attributes?: MonitorAttributesJson;
  /** RFC 7606 outcome short of a session reset: what was wrong and what was done about it. */
  error?: { action: 'attribute-discard' | 'treat-as-withdraw'; problems: string[] };
}

/**
 * One event of `tsbgpctl monitor` (one JSON object per line): an UPDATE received or sent, an
 * End-of-RIB marker, a session state change, or a count of events a slow reader missed.
 */
export interface MonitorEventJson {
  /** ISO 8601, ms resolution, UTC. */
  time: string;
  type: 'update' | 'eor' | 'state' | 'dropped';
  /** update, eor. */
  direction?: 'received' | 'sent';
  /** Absent only for `dropped`. */
  neighbor?: MonitorNeighborJson;
  update?: MonitorUpdateJson;
  /** eor: the family. */
  family?: string;
  /** state. */
  from?: string;
  to?: string;
  reason?: string;
  /** dropped: how many events this reader missed. */
  dropped?: number;
}

/** One health check (`show health`, `health NAME recheck`). */
export interface HealthCheckJson {
  name: string;
  type: 'exec' | 'tcp' | 'http';
  /** init (no result yet), up, down. */
  state: 'init' | 'up' | 'down';
  /** When the current state began (ISO 8601) and how long ago, in seconds. */
  since: string;
  since_seconds: number;
  last_result?: 'pass' | 'fail' | 'disabled';
  last_output?: string;
  last_duration_ms?: number;
  /** Consecutive passes / failures up to the last result. */
  passes: number;
  failures: number;
  total_failures: number;
  checks: number;
  /** Networks bound to the check (configured [[network]] entries). */
  networks?: string[];
}

/** A drain in progress (`tsbgpctl drain`). */
export interface DrainJson {
  /** A neighbour address, or "all". */
  neighbor: string;
  state: 'graceful-shutdown' | 'withdrawn';
  /** While graceful-shutdown: when the withdrawal follows (ISO 8601). */
  withdraw_at?: string;
}

export interface HealthJson {
  health: HealthCheckJson[];
  drains: DrainJson[];
}
