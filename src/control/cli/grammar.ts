/**
 * tsbgpctl's command language, bgpctl's words: from the words of the command line to the control
 * request to send (protocol.ts, commands.ts) and how to print its answer.
 *
 *   show [summary [terse]]
 *   show neighbor [PEER | group NAME] [timers | messages | terse]
 *   show rib [in | out] [detail] [best | filtered | error] [inet | inet6]
 *            [ADDR | ADDR/LEN [all | or-longer | or-shorter]] [neighbor PEER]
 *            [as | source-as | transit-as | peer-as ASN] [community C] [large-community C]
 *   show rib summary | show rib memory
 *   show sets | show network [inet | inet6] | show interfaces
 *   neighbor PEER | group NAME  up | down [REASON] | clear [REASON] | refresh
 *   reload
 *   network add PREFIX [community C]... [large-community C]... [localpref N] [med N] [nexthop ADDR]
 *                      [origin igp | egp | incomplete]
 *   network delete PREFIX | network flush | network show [inet | inet6]
 *   log verbose | log brief
 *   log updates | no-updates  neighbor PEER | group NAME
 *   monitor [neighbor PEER | group NAME]
 *   show health | health NAME recheck
 *   drain [neighbor PEER | all] | undrain [neighbor PEER | all]
 *
 * Every keyword may be abbreviated to any unambiguous prefix (`s` = show, `sh rib`, `nei X down`);
 * an exact keyword wins over longer ones (`in` is not `inet`). A word with a dot, colon or slash is
 * an address or prefix, never a keyword. A reason is the rest of the line (quotes optional).
 */

import { AS_FILTER_TYPES, parseAsn, parseCommunity, parseLargeCommunity } from '../rib-filter';

export type OutputKind =
  | 'summary'
  | 'summary-terse'
  | 'neighbor'
  | 'neighbor-timers'
  | 'neighbor-terse'
  | 'rib'
  | 'rib-detail'
  | 'rib-summary'
  | 'rib-memory'
  | 'sets'
  | 'networks'
  | 'interfaces'
  | 'result'
  | 'health'
  | 'help';

export interface ParsedCommand {
  /** The control command (commands.ts). */
  cmd: string;
  args: Record<string, unknown>;
  /** How to print the answer; `monitor`: an endless stream of events (cli/main.ts, monitor-text.ts). */
  output: OutputKind | 'monitor';
  /** The answer comes in chunks (show rib): print each as it arrives. */
  streamed: boolean;
}

/** A command line that is not a command: one line for the operator. */
export class UsageError extends Error {}

export const USAGE = `usage: tsbgpctl [-jn] [-s socket] command [argument ...]
commands:
  show [summary [terse]]
  show neighbor [peer | group name] [timers | messages | terse]
  show rib [in | out] [detail] [best | filtered | error] [inet | inet6]
           [address[/len] [all | or-longer | or-shorter]] [neighbor peer]
           [as | source-as | transit-as | peer-as asn] [community c] [large-community c]
  show rib summary | show rib memory
  show sets | show network [inet | inet6] | show interfaces
  neighbor peer | group name  up | down [reason] | clear [reason] | refresh
  reload
  network add prefix [community c] [large-community c] [localpref n] [med n] [nexthop addr]
                     [origin igp | egp | incomplete]
  network delete prefix | network flush | network show [inet | inet6]
  log verbose | log brief
  log updates | no-updates  neighbor peer | group name
  monitor [neighbor peer | group name]   (UPDATEs and state changes as they happen; Ctrl-C ends)
  show health | health name recheck
  drain [neighbor peer | all] | undrain [neighbor peer | all]
options:
  -s socket  control socket (default /run/tsbgpd/tsbgpd.sock)
  -j         print JSON (keys: src/control/json-schema.md)
  -n         show neighbor addresses instead of descriptions
Keywords may be abbreviated: tsbgpctl s, tsbgpctl sh rib, tsbgpctl nei 192.0.2.1 down,
tsbgpctl mon nei 192.0.2.1 -j.`;

/** The keyword `word` abbreviates among `choices`: exact, else the only one it prefixes. */
export function matchKeyword(word: string, choices: readonly string[]): { match?: string; candidates: string[] } {
  if (choices.includes(word)) return { match: word, candidates: [word] };
  const candidates = word === '' ? [] : choices.filter((c) => c.startsWith(word));
  return candidates.length === 1 ? { match: candidates[0]!, candidates } : { candidates };
}

function keyword(word: string, choices: readonly string[], what: string): string {
  const m = matchKeyword(word, choices);
  if (m.match) return m.match;
  if (m.candidates.length > 1) throw new UsageError(`ambiguous ${what} "${word}": could be ${m.candidates.join(', ')}`);
  throw new UsageError(`unknown ${what} "${word}" (expected ${choices.join(', ')})`);
}

/** An address or prefix, never a keyword. */
export const looksLikeAddress = (w: string): boolean => /[.:/]/.test(w);

class Words {
  private i = 0;
  constructor(private readonly words: readonly string[]) {}
  done(): boolean {
    return this.i >= this.words.length;
  }
  peek(): string | undefined {
    return this.words[this.i];
  }
  next(what: string): string {
    const w = this.words[this.i++];
    if (w === undefined) throw new UsageError(`missing ${what}`);
    return w;
  }
  rest(): string[] {
    const r = this.words.slice(this.i);
    this.i = this.words.length;
    return r;
  }
  end(context: string): void {
    if (!this.done()) throw new UsageError(`unexpected argument "${this.peek()}" after ${context}`);
  }
}

export function parseCommand(words: readonly string[]): ParsedCommand {
  const w = new Words(words);
  if (w.done()) throw new UsageError('missing command (try tsbgpctl help)');
  const top = keyword(w.next('command'), ['show', 'neighbor', 'network', 'reload', 'log', 'help', 'monitor', 'drain', 'undrain', 'health'], 'command');
  switch (top) {
    case 'show':
      return parseShow(w);
    case 'neighbor':
      return parseNeighborAction(w);
    case 'network':
      return parseNetwork(w);
    case 'reload':
      w.end('reload');
      return { cmd: 'reload', args: {}, output: 'result', streamed: false };
    case 'log': {
      const level = keyword(w.next('log level (verbose or brief), or updates | no-updates'), ['verbose', 'brief', 'updates', 'no-updates'], 'log argument');
      if (level === 'updates' || level === 'no-updates') {
        const args = neighborOrGroup(w, `log ${level}`, true);
        return { cmd: 'log.updates', args: { ...args, enable: level === 'updates' }, output: 'result', streamed: false };
      }
      w.end(`log ${level}`);
      return { cmd: 'log.level', args: { level }, output: 'result', streamed: false };
    }
    case 'monitor':
      return { cmd: 'monitor', args: neighborOrGroup(w, 'monitor', false), output: 'monitor', streamed: true };
    case 'drain':
    case 'undrain':
      return { cmd: top, args: drainTarget(w, top), output: 'result', streamed: false };
    case 'health': {
      const name = w.next('health check name');
      keyword(w.next(`health ${name} action (recheck)`), ['recheck'], 'health action');
      w.end(`health ${name} recheck`);
      return { cmd: 'health.recheck', args: { name }, output: 'health', streamed: false };
    }
    default:
      return { cmd: '', args: {}, output: 'help', streamed: false };
  }
}

function parseShow(w: Words): ParsedCommand {
  if (w.done()) return { cmd: 'show.neighbors', args: {}, output: 'summary', streamed: false };
  const what = keyword(w.next('show'), ['summary', 'neighbor', 'rib', 'sets', 'network', 'interfaces', 'health'], 'show argument');
  switch (what) {
    case 'summary': {
      let output: OutputKind = 'summary';
      if (!w.done()) {
        keyword(w.next('summary'), ['terse'], 'show summary argument');
        output = 'summary-terse';
      }
      w.end('show summary');
      return { cmd: 'show.neighbors', args: {}, output, streamed: false };
    }
    case 'neighbor':
      return parseShowNeighbor(w);
    case 'rib':
      return parseShowRib(w);
    case 'network':
      return { cmd: 'show.network', args: familyArg(w, 'show network'), output: 'networks', streamed: false };
    case 'health':
      w.end('show health');
      return { cmd: 'show.health', args: {}, output: 'health', streamed: false };
    case 'sets':
      w.end('show sets');
      return { cmd: 'show.sets', args: {}, output: 'sets', streamed: false };
    default:
      w.end('show interfaces');
      return { cmd: 'show.interfaces', args: {}, output: 'interfaces', streamed: false };
  }
}

function familyArg(w: Words, context: string): Record<string, unknown> {
  if (w.done()) return {};
  const family = keyword(w.next('family'), ['inet', 'inet6'], 'family');
  w.end(`${context} ${family}`);
  return { family };
}

function parseShowNeighbor(w: Words): ParsedCommand {
  const args: Record<string, unknown> = {};
  let output: OutputKind = 'neighbor';
  let view: string | undefined;
  while (!w.done()) {
    const word = w.next('neighbor');
    const m = looksLikeAddress(word) ? { candidates: [] } : matchKeyword(word, ['group', 'timers', 'messages', 'terse']);
    if (m.match === 'group') {
      if (args.peer !== undefined || args.group !== undefined) throw new UsageError('show neighbor takes one neighbor or one group');
      args.group = w.next('group name');
    } else if (m.match !== undefined) {
      if (view !== undefined) throw new UsageError(`show neighbor: "${view}" and "${m.match}" do not go together`);
      view = m.match;
      output = m.match === 'timers' ? 'neighbor-timers' : m.match === 'terse' ? 'neighbor-terse' : 'neighbor';
    } else if (m.candidates.length > 1) {
      throw new UsageError(`ambiguous show neighbor argument "${word}": could be ${m.candidates.join(', ')}`);
    } else {
      if (args.peer !== undefined || args.group !== undefined) throw new UsageError(`unexpected argument "${word}": show neighbor takes one neighbor or one group`);
      args.peer = word;
    }
  }
  return { cmd: 'show.neighbors', args, output, streamed: false };
}

const RIB_WORDS = [
  'in',
  'out',
  'detail',
  'best',
  'filtered',
  'error',
  'inet',
  'inet6',
  'all',
  'or-longer',
  'or-shorter',
  'neighbor',
  ...AS_FILTER_TYPES,
  'community',
  'large-community',
  'summary',
  'memory',
] as const;

function check<T>(parse: (s: string) => T, s: string): void {
  try {
    parse(s);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

function parseShowRib(w: Words): ParsedCommand {
  const args: Record<string, unknown> = {};
  let detail = false;
  const once = (key: string, value: unknown, word: string) => {
    if (args[key] !== undefined) throw new UsageError(`show rib: "${word}" conflicts with an earlier argument`);
    args[key] = value;
  };
  let first = true;
  while (!w.done()) {
    const word = w.next('show rib');
    if (looksLikeAddress(word)) {
      once('prefix', word, word);
      first = false;
      continue;
    }
    const kw = keyword(word, RIB_WORDS, 'show rib argument');
    if ((kw === 'summary' || kw === 'memory') && first) {
      w.end(`show rib ${kw}`);
      return { cmd: `show.rib.${kw}`, args: {}, output: kw === 'summary' ? 'rib-summary' : 'rib-memory', streamed: false };
    }
    first = false;
    switch (kw) {
      case 'summary':
      case 'memory':
        throw new UsageError(`show rib ${kw} takes no other argument`);
      case 'in':
      case 'out':
        once('table', kw, word);
        break;
      case 'detail':
        detail = true;
        break;
      case 'best':
      case 'filtered':
      case 'error':
        once('select', kw, word);
        break;
      case 'inet':
      case 'inet6':
        once('family', kw, word);
        break;
      case 'all':
      case 'or-longer':
      case 'or-shorter':
        if (args.prefix === undefined) throw new UsageError(`show rib: "${kw}" follows an address or prefix`);
        once('match', kw === 'all' ? 'or-longer' : kw, word);
        break;
      case 'neighbor':
        once('peer', w.next('neighbor after "neighbor"'), word);
        break;
      case 'community': {
        const c = w.next('community after "community"');
        check(parseCommunity, c);
        once('community', c, word);
        break;
      }
      case 'large-community': {
        const c = w.next('large community after "large-community"');
        check(parseLargeCommunity, c);
        once('large_community', c, word);
        break;
      }
      default: {
        const asn = w.next(`AS number after "${kw}"`);
        check(parseAsn, asn);
        once('as', { type: kw, asn: parseAsn(asn) }, word);
      }
    }
  }
  if (args.table === 'out' && (args.select === 'filtered' || args.select === 'error')) throw new UsageError(`show rib: "out" and "${String(args.select)}" do not go together`);
  if (detail) args.detail = true;
  return { cmd: 'show.rib', args, output: detail ? 'rib-detail' : 'rib', streamed: true };
}

function parseNeighborAction(w: Words): ParsedCommand {
  const args: Record<string, unknown> = {};
  const first = w.next('neighbor (an address, a description, or group NAME)');
  if (!looksLikeAddress(first) && matchKeyword(first, ['group']).match && w.peek() !== undefined && matchKeyword(w.peek()!, ['up', 'down', 'clear', 'refresh']).match === undefined) {
    args.group = w.next('group name');
  } else {
    args.peer = first;
  }
  const action = keyword(w.next('neighbor action (up, down, clear or refresh)'), ['up', 'down', 'clear', 'refresh'], 'neighbor action');
  if (action === 'down' || action === 'clear') {
    const reason = w.rest().join(' ');
    if (reason !== '') args.reason = reason;
  } else {
    w.end(`neighbor ${action}`);
  }
  return { cmd: `neighbor.${action}`, args, output: 'result', streamed: false };
}

function parseNetwork(w: Words): ParsedCommand {
  const what = keyword(w.next('network action (add, delete, flush or show)'), ['add', 'delete', 'flush', 'show'], 'network action');
  if (what === 'flush') {
    w.end('network flush');
    return { cmd: 'network.flush', args: {}, output: 'result', streamed: false };
  }
  if (what === 'show') return { cmd: 'network.show', args: familyArg(w, 'network show'), output: 'networks', streamed: false };
  const prefix = w.next('prefix');
  if (!looksLikeAddress(prefix)) throw new UsageError(`not a prefix: ${prefix}`);
  if (what === 'delete') {
    w.end('network delete PREFIX');
    return { cmd: 'network.delete', args: { prefix }, output: 'result', streamed: false };
  }
  const args: Record<string, unknown> = { prefix };
  const communities: string[] = [];
  const large: string[] = [];
  while (!w.done()) {
    const kw = keyword(w.next('network add'), ['community', 'large-community', 'localpref', 'med', 'nexthop', 'origin'], 'network add argument');
    const value = w.next(`value after "${kw}"`);
    if (kw === 'community') {
      check(parseCommunity, value);
      communities.push(value);
    } else if (kw === 'large-community') {
      check(parseLargeCommunity, value);
      large.push(value);
    } else if (kw === 'origin') {
      args.origin = keyword(value, ['igp', 'egp', 'incomplete'], 'origin');
    } else if (kw === 'nexthop') {
      args.nexthop = value;
    } else {
      if (!/^\d+$/.test(value)) throw new UsageError(`not a number: ${value}`);
      args[kw] = Number(value);
    }
  }
  if (communities.length > 0) args.communities = communities;
  if (large.length > 0) args.large_communities = large;
  return { cmd: 'network.add', args, output: 'result', streamed: false };
}

/** `neighbor PEER` or `group NAME` (monitor, log updates): nothing else after it. */
function neighborOrGroup(w: Words, context: string, required: boolean): Record<string, unknown> {
  if (w.done()) {
    if (required) throw new UsageError(`${context}: missing neighbor PEER or group NAME`);
    return {};
  }
  const kw = keyword(w.next(context), ['neighbor', 'group'], `${context} argument`);
  const key = kw === 'group' ? 'group' : 'peer';
  const value = w.next(kw === 'group' ? 'group name' : 'neighbor after "neighbor"');
  w.end(`${context} ${kw} ${value}`);
  return { [key]: value };
}

/** `drain` / `undrain` [neighbor PEER | all]: no argument is all. */
function drainTarget(w: Words, context: string): Record<string, unknown> {
  if (w.done()) return {};
  const kw = keyword(w.next(context), ['neighbor', 'all'], `${context} argument`);
  if (kw === 'all') {
    w.end(`${context} all`);
    return {};
  }
  const peer = w.next('neighbor after "neighbor"');
  w.end(`${context} neighbor ${peer}`);
  return { peer };
}
