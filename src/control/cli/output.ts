/**
 * From a control answer to what tsbgpctl prints: the text layout the command asks for, or with -j
 * the JSON itself, indented with tabs as bgpctl -j does. A streamed `show rib` is printed a chunk at
 * a time, and its JSON is written as it comes yet reads exactly as JSON.stringify({rib: [...]},
 * null, '\t') would.
 */

import type { HealthJson, InterfacesJson, MemoryJson, NeighborsJson, NetworksJson, ResultJson, RibEntryJson, RibSummaryJson, SetsJson } from '../json-types';
import { formatNeighbors, formatNeighborTerse, formatSummary, formatSummaryTerse } from './format-neighbor';
import { formatHealth, formatInterfaces, formatNetworks, formatResult, formatSets } from './format-other';
import { formatRibDetail, formatRibMemory, formatRibRows, formatRibSummary, RIB_LEGEND } from './format-rib';
import { OutputKind, USAGE } from './grammar';

export interface PrintOptions {
  json: boolean;
  /** -n: addresses instead of descriptions. */
  numeric: boolean;
}

/** Which JSON document (json-schema.ts) -j prints for each kind of output. */
export const JSON_DOCUMENT_OF: Readonly<Record<Exclude<OutputKind, 'help'>, string>> = {
  summary: 'neighbors',
  'summary-terse': 'neighbors',
  neighbor: 'neighbors',
  'neighbor-timers': 'neighbors',
  'neighbor-terse': 'neighbors',
  rib: 'rib',
  'rib-detail': 'rib',
  'rib-summary': 'rib_summary',
  'rib-memory': 'memory',
  sets: 'sets',
  networks: 'networks',
  interfaces: 'interfaces',
  result: 'result',
  health: 'health',
};

/** The text of a whole (not streamed) answer. */
export function render(output: OutputKind, result: unknown, o: PrintOptions): string {
  if (output === 'help') return USAGE + '\n';
  if (o.json) return JSON.stringify(result, null, '\t') + '\n';
  switch (output) {
    case 'summary':
      return formatSummary(result as NeighborsJson, o);
    case 'summary-terse':
      return formatSummaryTerse(result as NeighborsJson, o);
    case 'neighbor':
      return formatNeighbors(result as NeighborsJson);
    case 'neighbor-timers':
      return formatNeighbors(result as NeighborsJson, true);
    case 'neighbor-terse':
      return formatNeighborTerse(result as NeighborsJson);
    case 'rib':
      return RIB_LEGEND + formatRibRows(result as RibEntryJson[]);
    case 'rib-detail':
      return formatRibDetail(result as RibEntryJson[], o);
    case 'rib-summary':
      return formatRibSummary(result as RibSummaryJson, o);
    case 'rib-memory':
      return formatRibMemory(result as MemoryJson);
    case 'sets':
      return formatSets(result as SetsJson);
    case 'networks':
      return formatNetworks(result as NetworksJson);
    case 'interfaces':
      return formatInterfaces(result as InterfacesJson);
    case 'result':
      return formatResult(result as ResultJson);
    case 'health':
      return formatHealth(result as HealthJson);
  }
}

/** Prints a streamed `show rib`: begin(), chunk() per chunk, end(). */
export interface RibPrinter {
  begin(): string;
  chunk(entries: readonly RibEntryJson[]): string;
  end(): string;
}

export function ribPrinter(output: OutputKind, o: PrintOptions): RibPrinter {
  if (o.json) {
    let n = 0;
    return {
      begin: () => '{\n\t"rib": [',
      chunk: (entries) =>
        entries
          .map((e) => (n++ === 0 ? '\n' : ',\n') + JSON.stringify(e, null, '\t').replace(/^/gm, '\t\t'))
          .join(''),
      end: () => (n > 0 ? '\n\t]' : ']') + '\n}\n',
    };
  }
  const detail = output === 'rib-detail';
  return {
    begin: () => (detail ? '' : RIB_LEGEND),
    chunk: (entries) => (detail ? formatRibDetail(entries, o) : formatRibRows(entries)),
    end: () => '',
  };
}
