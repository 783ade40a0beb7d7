/**
 * What happens to attributes this speaker does not recognize when it passes a route on
 * (RFC 4271 sec. 5 and 9.1.3): an unrecognized optional transitive attribute goes along with its
 * Partial bit set; an unrecognized optional non-transitive one is quietly dropped. (Unrecognized
 * well-known attributes never get this far: they reset the session at decode.)
 *
 * Recognized attributes are the export policy's business (MED and LOCAL_PREF scope, next hop,
 * AS_PATH prepend); this module touches only `unknown`.
 */

import { AttrFlag } from '../iana';
import type { PathAttributes, RawAttribute } from './types';

/**
 * The attributes as they should go to another peer. Returns the input itself when it has nothing
 * to change, so interned attribute objects stay shared; never modifies the input.
 */
export function prepareForTransit(a: PathAttributes): PathAttributes {
  const unknown = a.unknown;
  if (unknown === undefined || unknown.length === 0) return a;
  let changed = false;
  for (const r of unknown) {
    if ((r.flags & AttrFlag.TRANSITIVE) === 0 || (r.flags & AttrFlag.PARTIAL) === 0) {
      changed = true;
      break;
    }
  }
  if (!changed) return a;
  const kept: RawAttribute[] = [];
  for (const r of unknown) {
    if ((r.flags & AttrFlag.TRANSITIVE) === 0) continue;
    kept.push((r.flags & AttrFlag.PARTIAL) !== 0 ? r : { flags: r.flags | AttrFlag.PARTIAL, code: r.code, value: r.value });
  }
  return { ...a, unknown: kept.length > 0 ? kept : undefined };
}
