/**
 * The documented keys of every JSON document `tsbgpctl -j` prints (and the control socket answers),
 * as data: a description per key, its type, and whether it is always there. checkJson() holds an
 * answer against it strictly (no undocumented key passes), so tests keep code and documentation
 * in step; schemaMarkdown() renders it, and src/control/json-schema.md is that rendering (a test
 * compares them).
 *
 * The keys are stable: new keys may be added, existing ones keep their name, type and meaning.
 */

export type Schema =
  | { type: 'string' | 'number' | 'boolean'; doc: string; optional?: boolean; values?: readonly string[] }
  | { type: 'object'; doc: string; optional?: boolean; fields: Readonly<Record<string, Schema>> }
  | { type: 'array'; doc: string; optional?: boolean; items: Schema };

const str = (doc: string, optional = false, values?: readonly string[]): Schema => ({ type: 'string', doc, optional, ...(values ? { values } : {}) });
const num = (doc: string, optional = false): Schema => ({ type: 'number', doc, optional });
const bool = (doc: string, optional = false): Schema => ({ type: 'boolean', doc, optional });
const obj = (doc: string, fields: Record<string, Schema>, optional = false): Schema => ({ type: 'object', doc, fields, optional });
const arr = (doc: string, items: Schema, optional = false): Schema => ({ type: 'array', doc, items, optional });

const STATES = ['Idle', 'Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established'];

const messageCounts = (dir: string): Schema =>
  obj(`messages ${dir}`, {
    open: num('OPEN messages'),
    notifications: num('NOTIFICATION messages'),
    updates: num('UPDATE messages'),
    keepalives: num('KEEPALIVE messages'),
    route_refresh: num('ROUTE-REFRESH messages'),
    total: num('all of them'),
    notification: num('older name of notifications'),
    update: num('older name of updates'),
    keepalive: num('older name of keepalives'),
    routeRefresh: num('older name of route_refresh'),
  });

const updateCounts = (dir: string): Schema =>
  obj(`UPDATE contents ${dir}`, {
    updates: num('UPDATE messages that announced prefixes'),
    withdraws: num('prefixes withdrawn'),
    eor: num('End-of-RIB markers'),
  });

const errorRecord = (dir: string): Schema =>
  obj(
    `the last NOTIFICATION ${dir} (absent: none)`,
    {
      code: num('error code (RFC 4271 sec. 4.5)'),
      subcode: num('error subcode'),
      name: str('the name used in the logs, e.g. cease/administrative-shutdown'),
      text: str("bgpctl's wording, e.g. \"Cease, administratively down\""),
      shutdownCommunication: str('RFC 8203/9003 Shutdown Communication it carried', true),
      at: num('when, in ms since the epoch'),
    },
    true,
  );

const capabilities = (doc: string): Schema =>
  obj(
    doc,
    {
      as4byte: bool('4-octet AS numbers (RFC 6793)'),
      refresh: bool('Route Refresh (RFC 2918)'),
      enhanced_refresh: bool('Enhanced Route Refresh (RFC 7313)'),
      extended_message: bool('Extended Message (RFC 8654)'),
      multiprotocol: arr('families, e.g. "IPv4 unicast"', str('family'), true),
      graceful_restart: obj(
        'Graceful Restart (RFC 4724)',
        {
          eor: bool('End-of-RIB supported (always true with the capability)'),
          restart: bool('the R bit: the peer has just restarted'),
          timeout: num('restart time in seconds', true),
          graceful_notification: bool('the N bit (RFC 8538)', true),
          protocols: arr('families covered', obj('family', { family: str('e.g. "IPv4 unicast"'), preserved: bool('forwarding state preserved (F bit)') }), true),
        },
        true,
      ),
      'add-path': arr('ADD-PATH (RFC 7911) per family', obj('family', { family: str('family'), mode: str('direction', false, ['recv', 'send', 'bidir']) }), true),
      open_policy: str('BGP role (RFC 9234)', true),
    },
    true,
  );

const NEIGHBOR: Schema = obj('one configured neighbour', {
  remote_as: num('the neighbour AS (a number; bgpctl prints a string)'),
  description: str('configured description', true),
  group: str('configured [[group]]', true),
  remote_addr: str('neighbour address'),
  bgpid: str('its BGP Identifier (Established only)', true),
  state: str('session state (RFC 4271 sec. 8.2.2)', false, STATES),
  last_updown: str('time since the session last went up or down, bgpctl style ("Never" if it never came up)'),
  last_updown_sec: num('the same in seconds (0 if never)'),
  config: obj('configured session settings', {
    passive: bool('only accepts connections'),
    down: bool('administratively down (config or tsbgpctl neighbor down)'),
    multihop: bool('eBGP multihop configured'),
    multihop_distance: num('its TTL', true),
    ttl_security: bool('GTSM (RFC 5082)'),
    holdtime: num('configured hold time, seconds'),
    connect_retry: num('ConnectRetryTime, seconds'),
    max_prefix: num('max-prefix limit in', true),
    max_prefix_restart: num('minutes before a session cut by max-prefix comes back', true),
    max_out_prefix: num('max-prefix limit out', true),
    max_out_prefix_restart: num('minutes, as max_prefix_restart', true),
    authentication: str('"md5sig" when TCP-MD5 is configured (the key is never shown)', true),
  }),
  stats: obj('counters', {
    last_read: str('time since the last message was read, or "Never"'),
    last_read_sec: num('the same in seconds (0 if never)'),
    last_write: str('time since the last message was written, or "Never"'),
    last_write_sec: num('the same in seconds (0 if never)'),
    prefixes: obj('prefixes now', { sent: num('in the Adj-RIB-Out'), received: num('in the Adj-RIB-In') }),
    message: obj('messages since the daemon started', { sent: messageCounts('sent'), received: messageCounts('received') }),
    update: obj('UPDATE contents since the daemon started', { sent: updateCounts('sent'), received: updateCounts('received') }),
  }),
  my_shutdown_reason: str('our shutdown reason when we took it down', true),
  last_shutdown_reason: str('the Shutdown Communication in the last NOTIFICATION received', true),
  last_error_sent: errorRecord('sent'),
  last_error_received: errorRecord('received'),
  session: obj(
    'the TCP connection (OpenSent and later)',
    {
      holdtime: num('negotiated hold time, seconds'),
      keepalive: num('keepalive interval, seconds'),
      local: obj('our end', { address: str('address'), port: num('port') }),
      remote: obj('their end', { address: str('address'), port: num('port'), capabilities: capabilities('capabilities in their OPEN') }),
      capabilities: capabilities('negotiated capabilities (Established)'),
    },
    true,
  ),
  timers: arr(
    'running session timers, estimated from the last read and write (Established only)',
    obj('timer', { name: str('KeepaliveTimer, HoldTimer or SendHoldTimer'), due: num('seconds until it fires (negative: overdue)') }),
  ),
  holdtime: num('older field: negotiated (else configured) hold time'),
  keepalive: num('older field: keepalive interval'),
  families: arr('older field: negotiated families ("ipv4-unicast")', str('family')),
  local: obj('older field: our end of the connection', { address: str('address'), port: num('port') }, true),
  remote: obj('older field: their end of the connection', { address: str('address'), port: num('port') }, true),
  md5: bool('older field: TCP-MD5 configured'),
  admin_down_reason: str('older field: why we took it down ("" without a reason)', true),
  outq: num('bytes waiting to be written'),
});

const RIB_ENTRY: Schema = obj('one path', {
  prefix: str('the prefix, e.g. 192.0.2.0/24'),
  aspath: str('AS path, bgpctl style ("" when empty; { } AS_SET, ( ) [ ] confederation segments)'),
  exit_nexthop: str('next hop (0.0.0.0 or :: for our own networks without one)'),
  true_nexthop: str('the same (tsbgpd resolves no next hops through an IGP)'),
  neighbor: obj('where the path comes from (show rib out: where it goes)', {
    description: str('neighbour description ("LOCAL" for our own networks)', true),
    remote_addr: str('neighbour address (0.0.0.0 or :: for our own networks)'),
    bgp_id: str("neighbour's BGP Identifier (ours for our own networks)"),
  }),
  path_id: num('ADD-PATH path identifier, when not 0', true),
  valid: bool('eligible for selection (flag *)'),
  best: bool('the selected path (flag >)'),
  filtered: bool('denied by import policy (flag F)'),
  invalid: bool('RFC 7606 treat-as-withdraw (flag E)'),
  stale: bool('kept across a graceful restart (flag S)'),
  announced: bool('one of our own networks (flag A)'),
  source: str('internal (iBGP-learned, or our own network as in bgpctl: flag I) or external', false, ['internal', 'external']),
  ovs: str('origin validation state: tsbgpd does no RPKI, always not-found', false, ['not-found', 'valid', 'invalid']),
  avs: str('ASPA validation state: always unknown', false, ['unknown', 'valid', 'invalid']),
  origin: str('ORIGIN', false, ['IGP', 'EGP', 'incomplete', 'bad origin']),
  metric: num('MED (0 when absent)'),
  localpref: num('LOCAL_PREF (100 when absent)'),
  weight: num('always 0'),
  last_update: str('time since the path last changed, bgpctl style'),
  last_update_sec: num('the same in seconds'),
  communities: arr('detail: RFC 1997 communities ("65000:1", well-known ones by name)', str('community'), true),
  large_communities: arr('detail: RFC 8092 large communities ("65000:1:2")', str('community'), true),
  extended_communities: arr('detail: RFC 4360 extended communities ("rt 65000:1", else hex)', str('community'), true),
  attributes: arr('detail: other attributes (Aggregator, Originator Id, Cluster Id List, OTC, unknown ones)', obj('attribute', { type: str('name'), value: str('value') }), true),
  decision: obj(
    'detail: the best-path decision for this path (show rib and show rib in)',
    {
      selected: bool('this is the selected path'),
      over: arr(
        'selected: each other path and the step that decided against it',
        obj('other path', {
          remote_addr: str('its neighbour (0.0.0.0 or :: for our own network)'),
          description: str('its description ("LOCAL" for our own network)', true),
          step: str('decision step name (decision.ts)'),
          step_number: num('decision step number'),
          reason: str('why, e.g. "shorter AS_PATH (1 over 2)"'),
        }),
        true,
      ),
      lost_to: obj('not selected: the neighbour of the selected path', { remote_addr: str('its address'), description: str('its description', true) }, true),
      step: str('not selected: the step that decided', true),
      step_number: num('not selected: its number', true),
      reason: str('not selected: why the selected path won', true),
    },
    true,
  ),
});

const RIB_COUNTS = {
  paths: num('paths'),
  selected: num('paths selected as best'),
  filtered: num('paths denied by import policy'),
  invalid: num('treat-as-withdraw paths'),
  stale: num('stale paths (graceful restart)'),
};

/** Every JSON document tsbgpctl prints, by its top-level key. */
export const JSON_DOCUMENTS: Readonly<Record<string, { commands: string; schema: Schema }>> = {
  neighbors: {
    commands: 'show, show summary, show neighbor',
    schema: obj('show / show neighbor', { neighbors: arr('one entry per neighbour', NEIGHBOR) }),
  },
  rib: {
    commands: 'show rib (streamed in chunks: the daemon answers with the entries, tsbgpctl wraps them)',
    schema: obj('show rib', { rib: arr('one entry per path, by prefix; the selected path first', RIB_ENTRY) }),
  },
  rib_summary: {
    commands: 'show rib summary',
    schema: obj('show rib summary', {
      rib_summary: obj('path counts', {
        families: arr('per address family', obj('family', { family: str('e.g. "IPv4 unicast"'), prefixes: num('prefixes with a selected path'), ...RIB_COUNTS })),
        sources: arr(
          'per source: each neighbour with paths, and our own networks',
          obj('source', {
            remote_addr: str('neighbour address (0.0.0.0 for our own networks)'),
            description: str('neighbour description ("LOCAL" for our own networks)', true),
            remote_as: num('neighbour AS (ours for our own networks)'),
            source: str('kind', false, ['internal', 'external', 'local']),
            ...RIB_COUNTS,
          }),
        ),
      }),
    }),
  },
  memory: {
    commands: 'show rib memory',
    schema: obj('show rib memory', {
      memory: obj('RIB memory, approximate bytes', {
        ipv4: obj('IPv4 unicast table', { prefixes: num('prefixes'), paths: num('paths'), bytes: num('bytes of paths and index') }),
        ipv6: obj('IPv6 unicast table', { prefixes: num('prefixes'), paths: num('paths'), bytes: num('bytes of paths and index') }),
        attributes: obj('interned attribute sets', { sets: num('sets'), references: num('references held'), bytes: num('bytes') }),
        total: obj('all of it', { bytes: num('bytes') }),
      }),
    }),
  },
  sets: {
    commands: 'show sets',
    schema: obj('show sets', {
      sets: arr(
        'the built-in sets (bogons, bogon-asns), then [[prefix-set]], [[as-set]] and [[community-set]] in file order',
        obj('set', {
          name: str('name'),
          type: str('PREFIX, ASNUM or COMMUNITY', false, ['PREFIX', 'ASNUM', 'COMMUNITY']),
          last_change: str('time since it changed'),
          last_change_sec: num('seconds'),
          num_IPv4: num('IPv4 prefixes', true),
          num_IPv6: num('IPv6 prefixes', true),
          num_ASnum: num('AS numbers', true),
        }),
      ),
    }),
  },
  networks: {
    commands: 'show network, network show',
    schema: obj('our networks', {
      networks: arr(
        'each network we originate',
        obj('network', {
          prefix: str('the prefix'),
          family: str('"IPv4 unicast" or "IPv6 unicast"'),
          nexthop: str('next hop it is announced with (0.0.0.0 or ::: next hop self)'),
          origin: str('ORIGIN', false, ['IGP', 'EGP', 'incomplete']),
          source: str('where it is configured', false, ['config', 'runtime']),
          med: num('MED', true),
          localpref: num('LOCAL_PREF', true),
          communities: arr('communities', str('community')),
          large_communities: arr('large communities', str('community')),
        }),
      ),
    }),
  },
  interfaces: {
    commands: 'show interfaces',
    schema: obj('show interfaces', { interfaces: arr('always empty', str('unused')), note: str('why: tsbgpd has no FIB and tracks no interfaces') }),
  },
  health: {
    commands: 'show health, health NAME recheck',
    schema: obj('health checks bound to originated networks, and drains in progress', {
      health: arr(
        'one per [[health-check]], by name',
        obj('a health check', {
          name: str('the [[health-check]] name'),
          type: str('probe kind', false, ['exec', 'tcp', 'http']),
          state: str('init: no result yet (its networks are not announced); up; down', false, ['init', 'up', 'down']),
          since: str('when the current state began (ISO 8601)'),
          since_seconds: num('seconds in the current state'),
          last_result: str('the last evaluation (disabled: the disable file was there)', true, ['pass', 'fail', 'disabled']),
          last_output: str("the probe's account: the command's last output, the HTTP status, the error", true),
          last_duration_ms: num('how long the last probe took', true),
          passes: num('consecutive passes up to the last result'),
          failures: num('consecutive failures up to the last result'),
          total_failures: num('failed probes since the check started'),
          checks: num('evaluations since the check started'),
          networks: arr('configured networks bound to the check', str('prefix'), true),
        }),
      ),
      drains: arr(
        'drains in progress (tsbgpctl drain)',
        obj('a drain', {
          neighbor: str('a neighbour address, or all'),
          state: str('graceful-shutdown: announced with GRACEFUL_SHUTDOWN; withdrawn: after drain-wait', false, ['graceful-shutdown', 'withdrawn']),
          withdraw_at: str('while graceful-shutdown: when the withdrawal follows (ISO 8601)', true),
        }),
      ),
    }),
  },
  result: {
    commands: 'neighbor ... up|down|clear|refresh, reload, network add|delete|flush, log verbose|brief|updates|no-updates, drain, undrain',
    schema: obj('the answer of a command that changes state (failures are an error line on stderr and exit status 1)', {
      status: str('always OK', false, ['OK']),
      ok: bool('always true'),
      message: str('what was done'),
      changes: arr('reload: what the new configuration changed', str('change'), true),
    }),
  },
};

const MONITOR_PREFIX = (announce: boolean): Schema =>
  obj('prefix', {
    prefix: str('the prefix, e.g. 192.0.2.0/24'),
    family: str('"IPv4 unicast" or "IPv6 unicast"'),
    path_id: num('ADD-PATH path identifier, when the session uses ADD-PATH for the family', true),
    ...(announce ? { nexthop: str('the next hop it is announced with (NEXT_HOP, or that of MP_REACH_NLRI)', true) } : {}),
  });

const MONITOR_EVENT: Schema = obj('one event', {
  time: str('when, ISO 8601 UTC with milliseconds'),
  type: str('update: an UPDATE; eor: an End-of-RIB marker; state: a session state change; dropped: events this reader missed', false, ['update', 'eor', 'state', 'dropped']),
  direction: str('update, eor: received from or sent to the neighbour', true, ['received', 'sent']),
  neighbor: obj(
    'the neighbour (absent only for dropped)',
    { remote_addr: str('neighbour address'), description: str('configured description', true), remote_as: num('neighbour AS') },
    true,
  ),
  update: obj(
    'update: what the UPDATE carried',
    {
      announce: arr('prefixes announced (NLRI and MP_REACH_NLRI), in message order', MONITOR_PREFIX(true)),
      withdraw: arr('prefixes withdrawn (Withdrawn Routes and MP_UNREACH_NLRI), in message order', MONITOR_PREFIX(false)),
      attributes: obj(
        'path attributes (when it announces), with the keys of show rib detail',
        {
          origin: str('ORIGIN', true, ['IGP', 'EGP', 'incomplete', 'bad origin']),
          aspath: str('AS path, bgpctl style (AS4_PATH merged in on a 2-octet session)'),
          metric: num('MED, when present', true),
          localpref: num('LOCAL_PREF, when present', true),
          communities: arr('RFC 1997 communities', str('community')),
          large_communities: arr('RFC 8092 large communities', str('community')),
          extended_communities: arr('RFC 4360 extended communities', str('community')),
          attributes: arr('other attributes (Aggregator, Originator Id, Cluster Id List, OTC, unknown ones)', obj('attribute', { type: str('name'), value: str('value') })),
        },
        true,
      ),
      error: obj(
        'RFC 7606 outcome short of a session reset',
        { action: str('what was done', false, ['attribute-discard', 'treat-as-withdraw']), problems: arr('what was wrong', str('problem')) },
        true,
      ),
    },
    true,
  ),
  family: str('eor: the family, e.g. "IPv4 unicast"', true),
  from: str('state: the state left', true, STATES),
  to: str('state: the state entered', true, STATES),
  reason: str('state: why (the event, e.g. "notification-received: ...")', true),
  dropped: num('dropped: how many events were dropped because this reader did not keep up', true),
});

/**
 * Output that is a stream of JSON objects, one per line (JSON Lines), rather than one document:
 * `tsbgpctl monitor -j`.
 */
export const JSON_STREAMS: Readonly<Record<string, { commands: string; schema: Schema }>> = {
  monitor: {
    commands: 'monitor [neighbor PEER | group NAME] (one event per line, until interrupted)',
    schema: MONITOR_EVENT,
  },
};

/** Problems of `value` against `schema`, each as "path: what"; empty when it conforms. */
export function checkJson(value: unknown, schema: Schema, path = '$'): string[] {
  const out: string[] = [];
  const kind = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
  if (kind !== schema.type) return [`${path}: expected ${schema.type}, got ${kind}`];
  if (schema.type === 'string' && schema.values && !schema.values.includes(value as string)) out.push(`${path}: ${JSON.stringify(value)} is not one of ${schema.values.join(', ')}`);
  if (schema.type === 'number' && !Number.isFinite(value as number)) out.push(`${path}: not a finite number`);
  if (schema.type === 'array') (value as unknown[]).forEach((v, i) => out.push(...checkJson(v, schema.items, `${path}[${i}]`)));
  if (schema.type === 'object') {
    const o = value as Record<string, unknown>;
    for (const [k, s] of Object.entries(schema.fields)) {
      if (o[k] === undefined) {
        if (!s.optional) out.push(`${path}.${k}: missing`);
      } else out.push(...checkJson(o[k], s, `${path}.${k}`));
    }
    for (const k of Object.keys(o)) if (!(k in schema.fields) && o[k] !== undefined) out.push(`${path}.${k}: not documented`);
  }
  return out;
}

function render(name: string, s: Schema, depth: number, lines: string[]): void {
  const type = s.type === 'array' ? `array of ${s.items.type}` : s.type;
  const values = s.type === 'string' && s.values ? ` (${s.values.map((v) => `\`${v}\``).join(', ')})` : '';
  lines.push(`${'  '.repeat(depth)}- \`${name}\` ${type}${s.optional ? ', optional' : ''}: ${s.doc}${values}`);
  const inner = s.type === 'array' ? s.items : s;
  if (inner.type === 'object') for (const [k, f] of Object.entries(inner.fields)) render(k, f, depth + 1, lines);
}

/** The documentation of every document, as Markdown (the content of json-schema.md). */
export function schemaMarkdown(): string {
  const lines = [
    '# tsbgpctl -j: JSON keys',
    '',
    'Generated from src/control/json-schema.ts (test/control/json-schema.test.ts checks that this file',
    'matches it; TSBGPD_UPDATE_GOLDEN=1 rewrites it). Keys follow bgpctl -j where bgpctl has them. They',
    'are stable: keys may be added, none is renamed or changes type. "optional" keys are left out when',
    'they do not apply.',
  ];
  for (const [key, d] of Object.entries(JSON_DOCUMENTS)) {
    lines.push('', `## ${key}`, '', `Printed by: ${d.commands}.`, '');
    const top = d.schema;
    if (top.type === 'object') for (const [k, f] of Object.entries(top.fields)) render(k, f, 0, lines);
  }
  for (const [key, d] of Object.entries(JSON_STREAMS)) {
    lines.push('', `## ${key} (one object per line)`, '', `Printed by: ${d.commands}.`, '');
    const top = d.schema;
    if (top.type === 'object') for (const [k, f] of Object.entries(top.fields)) render(k, f, 0, lines);
  }
  return lines.join('\n') + '\n';
}
