/**
 * The FSM against fixtures/fsm/transitions.json, a table written from RFC 4271 sec. 8.2.2, RFC 6608
 * and RFC 9687; then invariants every transition must keep, and a few walks through a session.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { REPO_ROOT } from '../helpers/fixtures';
import {
  Action,
  EVENT_NAMES,
  EventName,
  EventNumber,
  FsmEvent,
  SessionAttributes,
  State,
  STATES,
  transition,
} from '../../src/session/fsm';

type Flag = 'dampPeerOscillations' | 'sendNotificationWithoutOpen';
const TOGGLES: readonly Flag[] = ['dampPeerOscillations', 'sendNotificationWithoutOpen'];

interface TableAction {
  readonly type: string;
  readonly if?: Flag;
  readonly [field: string]: unknown;
}
interface Row {
  readonly state: State;
  readonly events: readonly EventName[];
  readonly when?: Partial<SessionAttributes>;
  readonly next: State;
  readonly actions: readonly (string | TableAction)[];
  readonly kind: 'rfc' | 'rfc-any-other' | 'local' | 'departure' | 'extension';
  readonly why: string;
}
interface Table {
  readonly defaults: SessionAttributes;
  readonly payloads: Record<string, Record<string, unknown>>;
  readonly rows: readonly Row[];
}

const table: Table = JSON.parse(readFileSync(join(REPO_ROOT, 'fixtures', 'fsm', 'transitions.json'), 'utf8'));

/** JSON byte arrays become Uint8Array, as the FSM's events carry them. */
function bytesIn(v: unknown): unknown {
  if (Array.isArray(v)) return Uint8Array.from(v as number[]);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, bytesIn(x)]));
  }
  return v;
}

function eventOf(name: EventName): FsmEvent {
  const payload = table.payloads[name];
  return { name, ...(payload ? (bytesIn(payload) as object) : {}) } as FsmEvent;
}

/** Actions as plain data, so that t.same compares bytes, not Buffer vs Uint8Array. */
function plain(actions: readonly Action[]): Record<string, unknown>[] {
  return actions.map((a) => ('data' in a ? { ...a, data: Array.from(a.data) } : { ...a }));
}

function expected(row: Row, flags: Record<Flag, boolean>): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const a of row.actions) {
    if (typeof a === 'string') {
      out.push({ type: a });
      continue;
    }
    const { if: cond, ...rest } = a;
    if (cond === undefined || flags[cond]) out.push(rest);
  }
  return out;
}

/** Every combination of the toggles a row does not pin with `when`. */
function flagCombinations(row: Row): Record<Flag, boolean>[] {
  let combos: Record<Flag, boolean>[] = [{ dampPeerOscillations: false, sendNotificationWithoutOpen: false }];
  for (const f of TOGGLES) {
    const pinned = row.when?.[f];
    if (pinned !== undefined) combos = combos.map((c) => ({ ...c, [f]: pinned }));
    else combos = combos.flatMap((c) => [{ ...c, [f]: false }, { ...c, [f]: true }]);
  }
  return combos;
}

const matchesDefaults = (row: Row): boolean =>
  Object.entries(row.when ?? {}).every(([k, v]) => table.defaults[k as keyof SessionAttributes] === v);

t.test('events carry the RFC 4271 sec. 8.1 names and numbers, and RFC 9687 Event 29', (t) => {
  const rfc = [
    'ManualStart',
    'ManualStop',
    'AutomaticStart',
    'ManualStart_with_PassiveTcpEstablishment',
    'AutomaticStart_with_PassiveTcpEstablishment',
    'AutomaticStart_with_DampPeerOscillations',
    'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment',
    'AutomaticStop',
    'ConnectRetryTimer_Expires',
    'HoldTimer_Expires',
    'KeepaliveTimer_Expires',
    'DelayOpenTimer_Expires',
    'IdleHoldTimer_Expires',
    'TcpConnection_Valid',
    'Tcp_CR_Invalid',
    'Tcp_CR_Acked',
    'TcpConnectionConfirmed',
    'TcpConnectionFails',
    'BGPOpen',
    'BGPOpen_with_DelayOpenTimer_running',
    'BGPHeaderErr',
    'BGPOpenMsgErr',
    'OpenCollisionDump',
    'NotifMsgVerErr',
    'NotifMsg',
    'KeepAliveMsg',
    'UpdateMsg',
    'UpdateMsgErr',
    'SendHoldTimer_Expires',
  ];
  t.same(EventNumber, Object.fromEntries(rfc.map((name, i) => [name, i + 1])));
  t.same(STATES, ['Idle', 'Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established']);
  t.same(EVENT_NAMES, [...rfc, 'RouteRefreshMsg', 'RouteRefreshMsgErr'], 'RFC events then the extensions');
  t.end();
});

t.test('the table covers every state x event pair, unambiguously', (t) => {
  for (const row of table.rows) {
    t.ok(STATES.includes(row.state), `row state ${row.state} exists`);
    for (const e of row.events) t.ok(EVENT_NAMES.includes(e), `row event ${e} exists`);
  }
  const problems: string[] = [];
  for (const state of STATES) {
    for (const event of EVENT_NAMES) {
      const rows = table.rows.filter((r) => r.state === state && r.events.includes(event));
      // Exactly one row applies to the default session; any other row must name the attribute
      // that selects it, so no two rows can claim the same situation.
      const byDefault = rows.filter(matchesDefaults);
      if (byDefault.length !== 1) problems.push(`${state} x ${event}: ${byDefault.length} rows match the defaults`);
      const keys = rows.map((r) => JSON.stringify(r.when ?? {}));
      if (new Set(keys).size !== keys.length) problems.push(`${state} x ${event}: two rows with the same conditions`);
      if (rows.length > 1 && rows.some((r) => r.when === undefined)) {
        problems.push(`${state} x ${event}: an unconditional row among several`);
      }
    }
  }
  t.same(problems, [], 'each of the 6 x 31 pairs has exactly one row for the defaults');
  t.end();
});

t.test('every row of the table', (t) => {
  let cases = 0;
  for (const row of table.rows) {
    for (const name of row.events) {
      for (const flags of flagCombinations(row)) {
        const session: SessionAttributes = { ...table.defaults, ...row.when, ...flags };
        const got = transition(row.state, eventOf(name), session);
        const label = `${row.state} x ${name} ${JSON.stringify({ ...row.when, ...flags })} [${row.kind}: ${row.why}]`;
        t.equal(got.next, row.next, `${label}: next state`);
        t.same(plain(got.actions), expected(row, flags), `${label}: actions`);
        cases++;
      }
    }
  }
  t.ok(cases > 600, `${cases} cases run`);
  t.end();
});

/** A session in each of the situations the table distinguishes, for the invariants below. */
const SESSIONS: SessionAttributes[] = (() => {
  const d = table.defaults;
  const out: SessionAttributes[] = [];
  for (const holdTime of [0, 90]) {
    for (const delayOpen of [false, true]) {
      for (const delayOpenTimerRunning of [false, true]) {
        for (const dampPeerOscillations of [false, true]) {
          const sendNotificationWithoutOpen = true;
          out.push({ ...d, holdTime, delayOpen, delayOpenTimerRunning, dampPeerOscillations, sendNotificationWithoutOpen });
        }
      }
    }
  }
  return out;
})();

function* everyTransition(): Generator<[State, EventName, SessionAttributes, ReturnType<typeof transition>]> {
  for (const s of SESSIONS) {
    for (const state of STATES) for (const e of EVENT_NAMES) yield [state, e, s, transition(state, eventOf(e), s)];
  }
}

t.test('no timer outlives the state that needs it', (t) => {
  // release-resources stops these (the FSM's documented contract with the peer layer).
  const released = ['hold', 'keepalive', 'delay-open', 'send-hold'];
  const problems: string[] = [];
  for (const [state, e, s, got] of everyTransition()) {
    if (state === 'Idle' || got.next !== 'Idle') continue;
    const running = new Set(['connect-retry', 'hold', 'keepalive', 'delay-open', 'send-hold']);
    for (const a of got.actions) {
      const m = /^(start|stop)-(.*)-timer$/.exec(a.type);
      if (m) running[m[1] === 'start' ? 'add' : 'delete'](m[2]!);
      if (a.type === 'release-resources') released.forEach((x) => running.delete(x));
    }
    if (running.size) problems.push(`${state} x ${e} (hold ${s.holdTime}) enters Idle with ${[...running]} running`);
  }
  t.same(problems, []);
  t.end();
});

t.test('a NOTIFICATION always goes out before the connection is dropped', (t) => {
  const problems: string[] = [];
  for (const [state, e, , got] of everyTransition()) {
    const types = got.actions.map((a) => a.type);
    const n = types.indexOf('send-notification');
    if (n >= 0 && types.indexOf('drop-connection') >= 0 && types.indexOf('drop-connection') < n) {
      problems.push(`${state} x ${e}: drop before NOTIFICATION`);
    }
    if (types.filter((x) => x === 'send-notification').length > 1) problems.push(`${state} x ${e}: two NOTIFICATIONs`);
  }
  t.same(problems, []);
  t.end();
});

t.test('leaving Established always releases its routes; entering OpenSent arms the 240 s HoldTimer', (t) => {
  const problems: string[] = [];
  let intoOpenSent = 0;
  for (const [state, e, , got] of everyTransition()) {
    if (state === 'Established' && got.next !== 'Established' && !got.actions.some((a) => a.type === 'release-resources')) {
      problems.push(`Established x ${e} leaves without release-resources`);
    }
    if (state !== 'OpenSent' && got.next === 'OpenSent') {
      intoOpenSent++;
      if (!got.actions.some((a) => a.type === 'start-hold-timer' && a.seconds === 240)) {
        problems.push(`${state} x ${e}: no large HoldTimer value of 4 minutes (RFC 4271 sec. 10)`);
      }
    }
  }
  t.same(problems, []);
  t.ok(intoOpenSent > 0, 'some transitions enter OpenSent');
  t.end();
});

t.test('an operator stop carries its own Cease subcode and RFC 8203 message', (t) => {
  const message = Uint8Array.from([4, 0x62, 0x79, 0x65, 0x21]); // length-prefixed "bye!"
  const got = transition('Established', { name: 'ManualStop', cease: { subcode: 4, data: message } }, table.defaults);
  t.same(plain(got.actions)[0], { type: 'send-notification', code: 6, subcode: 4, data: [4, 0x62, 0x79, 0x65, 0x21] });
  t.end();
});

t.test('timer values follow the session: ConnectRetryTime, DelayOpenTime, KeepaliveTime = HoldTime / 3', (t) => {
  const s = { ...table.defaults, connectRetryTime: 37, delayOpen: true, delayOpenTime: 11, holdTime: 10 };
  t.same(plain(transition('Idle', { name: 'ManualStart' }, s).actions)[2], { type: 'start-connect-retry-timer', seconds: 37 });
  t.same(plain(transition('Connect', { name: 'Tcp_CR_Acked' }, s).actions)[1], { type: 'start-delay-open-timer', seconds: 11 });
  const open = plain(transition('OpenSent', { name: 'BGPOpen' }, s).actions);
  t.same(open.slice(-2), [
    { type: 'start-keepalive-timer', seconds: 3 },
    { type: 'start-hold-timer', seconds: 10 },
  ]);
  t.end();
});

/** Applies counter and DelayOpenTimer actions the way the peer layer will, to walk a session. */
function walk(start: State, session: SessionAttributes, events: FsmEvent[]) {
  let state = start;
  let counter = 7;
  let s = session;
  const states: State[] = [];
  for (const e of events) {
    const got = transition(state, e, s);
    for (const a of got.actions) {
      if (a.type === 'reset-connect-retry-counter') counter = 0;
      if (a.type === 'increment-connect-retry-counter') counter++;
      if (a.type === 'start-delay-open-timer') s = { ...s, delayOpenTimerRunning: true };
      if (a.type === 'stop-delay-open-timer' || a.type === 'release-resources') s = { ...s, delayOpenTimerRunning: false };
    }
    state = got.next;
    states.push(state);
  }
  return { states, counter };
}

t.test('walk: active open to Established, then a hold timer expiry', (t) => {
  const { states, counter } = walk('Idle', table.defaults, [
    { name: 'ManualStart' },
    { name: 'Tcp_CR_Acked' },
    { name: 'BGPOpen' },
    { name: 'KeepAliveMsg' },
    { name: 'UpdateMsg' },
    { name: 'HoldTimer_Expires' },
  ]);
  t.same(states, ['Connect', 'OpenSent', 'OpenConfirm', 'Established', 'Established', 'Idle']);
  t.equal(counter, 1, 'the start zeroed the ConnectRetryCounter, the expiry counted one failure');
  t.end();
});

t.test('walk: DelayOpen, the peer speaks first (RFC 4271 Event 20)', (t) => {
  const s = { ...table.defaults, delayOpen: true };
  const { states } = walk('Idle', s, [
    { name: 'ManualStart_with_PassiveTcpEstablishment' },
    { name: 'TcpConnectionConfirmed' },
    { name: 'BGPOpen_with_DelayOpenTimer_running' },
    { name: 'KeepAliveMsg' },
  ]);
  t.same(states, ['Active', 'Active', 'OpenConfirm', 'Established']);
  t.end();
});

t.test('walk: DelayOpen, our OPEN goes when the timer expires', (t) => {
  const s = { ...table.defaults, delayOpen: true };
  const { states } = walk('Idle', s, [
    { name: 'ManualStart' },
    { name: 'Tcp_CR_Acked' },
    { name: 'DelayOpenTimer_Expires' },
    { name: 'BGPOpen' },
  ]);
  t.same(states, ['Connect', 'Connect', 'OpenSent', 'OpenConfirm']);
  t.end();
});

t.test('walk: a manual stop zeroes the counter, a collision dump counts', (t) => {
  t.equal(walk('Established', table.defaults, [{ name: 'ManualStop' }]).counter, 0);
  const dumped = walk('OpenConfirm', table.defaults, [{ name: 'OpenCollisionDump' }]);
  t.same(dumped, { states: ['Idle'], counter: 8 });
  t.end();
});
