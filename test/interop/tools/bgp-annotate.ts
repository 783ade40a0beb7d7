/**
 * Field-by-field annotation of captured BGP messages, for the comments of hex fixtures.
 *
 * Written apart from src/wire on purpose: these annotations describe the fixtures that test the
 * codec, so they must not come from the codec. It covers what BIRD, GoBGP and OpenBGPD send in
 * ordinary sessions (RFC 4271 messages, RFC 4760 MP_REACH/MP_UNREACH, RFC 6793 4-octet AS paths,
 * RFC 1997 / 8092 communities, the usual capabilities, RFC 9003 shutdown communication). Anything
 * it does not know, or that runs past the end, is shown as raw bytes rather than guessed at.
 */

export interface AnnotateContext {
  /** Both sides announced 4-octet AS support: AS_PATH carries 4-byte ASNs. */
  as4: boolean;
}

/** One line of a fixture: some bytes and what they are. */
export interface Field {
  bytes: Buffer;
  comment: string;
}

class Truncated extends Error {}

/** A bounded cursor: reading past the end throws Truncated, which the caller turns into raw bytes. */
class Cursor {
  private off = 0;
  constructor(private readonly buf: Buffer) {}
  get left(): number {
    return this.buf.length - this.off;
  }
  take(n: number): Buffer {
    if (n < 0 || n > this.left) throw new Truncated(`need ${n} bytes, ${this.left} left`);
    const b = this.buf.subarray(this.off, this.off + n);
    this.off += n;
    return b;
  }
  rest(): Buffer {
    return this.take(this.left);
  }
}

const MESSAGE_TYPES: Readonly<Record<number, string>> = {
  1: 'OPEN',
  2: 'UPDATE',
  3: 'NOTIFICATION',
  4: 'KEEPALIVE',
  5: 'ROUTE-REFRESH',
};

const AFI: Readonly<Record<number, string>> = { 1: 'IPv4', 2: 'IPv6', 25: 'L2VPN' };
const SAFI: Readonly<Record<number, string>> = { 1: 'unicast', 2: 'multicast', 4: 'labeled', 128: 'vpn', 133: 'flowspec' };

function afiSafi(afi: number, safi: number): string {
  return `AFI ${afi} (${AFI[afi] ?? '?'}) SAFI ${safi} (${SAFI[safi] ?? '?'})`;
}

function ipv4(b: Buffer): string {
  return [...b].join('.');
}

function ipv6(b: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i).toString(16));
  // Compress the longest run of zero groups (RFC 5952).
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen && j - i > 1) {
      best = i;
      bestLen = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

function address(b: Buffer): string {
  if (b.length === 4) return ipv4(b);
  if (b.length === 16) return ipv6(b);
  return `0x${b.toString('hex')}`;
}

/** One NLRI prefix (length octet + significant octets) as a field. */
function prefixField(c: Cursor, family: 'ipv4' | 'ipv6'): Field {
  const lenByte = c.take(1);
  const bits = lenByte[0]!;
  const body = c.take(Math.ceil(bits / 8));
  const full = Buffer.alloc(family === 'ipv4' ? 4 : 16);
  body.copy(full, 0, 0, Math.min(body.length, full.length));
  const text = family === 'ipv4' ? ipv4(full) : ipv6(full);
  return { bytes: Buffer.concat([lenByte, body]), comment: `prefix ${text}/${bits}` };
}

function prefixes(c: Cursor, family: 'ipv4' | 'ipv6'): Field[] {
  const out: Field[] = [];
  while (c.left > 0) out.push(prefixField(c, family));
  return out;
}

function familyOfAfi(afi: number): 'ipv4' | 'ipv6' | undefined {
  return afi === 1 ? 'ipv4' : afi === 2 ? 'ipv6' : undefined;
}

function capabilityValue(code: number, v: Buffer): Field[] {
  const c = new Cursor(v);
  switch (code) {
    case 1: {
      const afi = c.take(2);
      const res = c.take(1);
      const safi = c.take(1);
      return [{ bytes: Buffer.concat([afi, res, safi]), comment: `${afiSafi(afi.readUInt16BE(0), safi[0]!)}, reserved ${res[0]}` }];
    }
    case 5: {
      const out: Field[] = [];
      while (c.left > 0) {
        const e = c.take(6);
        out.push({
          bytes: e,
          comment: `NLRI ${afiSafi(e.readUInt16BE(0), e.readUInt16BE(2))}, next hop AFI ${e.readUInt16BE(4)} (${AFI[e.readUInt16BE(4)] ?? '?'})`,
        });
      }
      return out;
    }
    case 9:
      return [{ bytes: c.take(1), comment: `role ${v[0]}` }];
    case 64: {
      const head = c.take(2);
      const word = head.readUInt16BE(0);
      const out: Field[] = [{
        bytes: head,
        comment: `restart flags R=${(word >> 15) & 1} N=${(word >> 14) & 1}, restart time ${word & 0x0fff} s`,
      }];
      while (c.left > 0) {
        const e = c.take(4);
        out.push({ bytes: e, comment: `${afiSafi(e.readUInt16BE(0), e[2]!)}, flags 0x${e[3]!.toString(16).padStart(2, '0')}` });
      }
      return out;
    }
    case 65:
      return [{ bytes: c.take(4), comment: `AS ${v.readUInt32BE(0)}` }];
    case 69: {
      const out: Field[] = [];
      const modes = ['?', 'receive', 'send', 'send/receive'];
      while (c.left > 0) {
        const e = c.take(4);
        out.push({ bytes: e, comment: `${afiSafi(e.readUInt16BE(0), e[2]!)}, ${modes[e[3]!] ?? `mode ${e[3]}`}` });
      }
      return out;
    }
    case 71: {
      const out: Field[] = [];
      while (c.left > 0) {
        const e = c.take(7);
        out.push({
          bytes: e,
          comment: `${afiSafi(e.readUInt16BE(0), e[2]!)}, flags 0x${e[3]!.toString(16).padStart(2, '0')}, long-lived stale time ${e.readUIntBE(4, 3)} s`,
        });
      }
      return out;
    }
    case 73: {
      const hl = c.take(1);
      const host = c.take(hl[0]!);
      const dl = c.take(1);
      const domain = c.take(dl[0]!);
      return [
        { bytes: hl, comment: `hostname length ${hl[0]}` },
        ...(host.length ? [{ bytes: host, comment: `hostname ${JSON.stringify(host.toString('latin1'))}` }] : []),
        { bytes: dl, comment: `domain name length ${dl[0]}` },
        ...(domain.length ? [{ bytes: domain, comment: `domain name ${JSON.stringify(domain.toString('latin1'))}` }] : []),
      ];
    }
    default:
      return v.length ? [{ bytes: c.rest(), comment: 'value' }] : [];
  }
}

const CAPABILITIES: Readonly<Record<number, string>> = {
  1: 'multiprotocol (RFC 4760)',
  2: 'route refresh (RFC 2918)',
  5: 'extended next hop encoding (RFC 8950)',
  6: 'extended message (RFC 8654)',
  9: 'BGP role (RFC 9234)',
  64: 'graceful restart (RFC 4724)',
  65: '4-octet AS number (RFC 6793)',
  69: 'ADD-PATH (RFC 7911)',
  70: 'enhanced route refresh (RFC 7313)',
  71: 'long-lived graceful restart (RFC 9494)',
  73: 'FQDN (draft-walton-bgp-hostname-capability)',
  128: 'route refresh (pre-standard, Cisco)',
};

function openBody(c: Cursor): Field[] {
  const out: Field[] = [];
  const version = c.take(1);
  out.push({ bytes: version, comment: `version ${version[0]}` });
  const myAs = c.take(2);
  const asn = myAs.readUInt16BE(0);
  out.push({ bytes: myAs, comment: `my AS ${asn}${asn === 23456 ? ' (AS_TRANS: the real AS is in the 4-octet AS capability)' : ''}` });
  const hold = c.take(2);
  out.push({ bytes: hold, comment: `hold time ${hold.readUInt16BE(0)} s` });
  const id = c.take(4);
  out.push({ bytes: id, comment: `BGP identifier ${ipv4(id)}` });
  let optLen = c.take(1);
  let extended = false;
  // RFC 9072: a non-extended length of 255 followed by type 255 announces 2-octet lengths.
  if (optLen[0] === 255 && c.left > 0) {
    const marker = c.take(1);
    const len2 = c.take(2);
    optLen = Buffer.concat([optLen, marker, len2]);
    extended = true;
    out.push({ bytes: optLen, comment: `extended optional parameters (RFC 9072), length ${len2.readUInt16BE(0)}` });
  } else {
    out.push({ bytes: optLen, comment: `optional parameters length ${optLen[0]}` });
  }
  while (c.left > 0) {
    const type = c.take(1);
    const lenB = c.take(extended ? 2 : 1);
    const len = extended ? lenB.readUInt16BE(0) : lenB[0]!;
    const param = new Cursor(c.take(len));
    if (type[0] !== 2) {
      out.push({ bytes: Buffer.concat([type, lenB]), comment: `optional parameter type ${type[0]}, length ${len}` });
      if (len) out.push({ bytes: param.rest(), comment: 'parameter value' });
      continue;
    }
    out.push({ bytes: Buffer.concat([type, lenB]), comment: `optional parameter 2 (capabilities), length ${len}` });
    while (param.left > 0) {
      const code = param.take(1);
      const capLen = param.take(1);
      const value = param.take(capLen[0]!);
      const name = CAPABILITIES[code[0]!] ?? 'unknown';
      out.push({ bytes: Buffer.concat([code, capLen]), comment: `capability ${code[0]} ${name}, length ${capLen[0]}` });
      out.push(...capabilityValue(code[0]!, value).map((f) => ({ ...f, comment: `  ${f.comment}` })));
    }
  }
  return out;
}

const ATTRIBUTES: Readonly<Record<number, string>> = {
  1: 'ORIGIN',
  2: 'AS_PATH',
  3: 'NEXT_HOP',
  4: 'MULTI_EXIT_DISC',
  5: 'LOCAL_PREF',
  6: 'ATOMIC_AGGREGATE',
  7: 'AGGREGATOR',
  8: 'COMMUNITIES',
  9: 'ORIGINATOR_ID',
  10: 'CLUSTER_LIST',
  14: 'MP_REACH_NLRI',
  15: 'MP_UNREACH_NLRI',
  16: 'EXTENDED_COMMUNITIES',
  17: 'AS4_PATH',
  18: 'AS4_AGGREGATOR',
  32: 'LARGE_COMMUNITY',
};

const WELL_KNOWN_COMMUNITIES: Readonly<Record<number, string>> = {
  0xffffff01: 'NO_EXPORT',
  0xffffff02: 'NO_ADVERTISE',
  0xffffff03: 'NO_EXPORT_SUBCONFED',
  0xffff029a: 'BLACKHOLE',
};

function flagNames(flags: number): string {
  const names = [
    flags & 0x80 ? 'optional' : 'well-known',
    flags & 0x40 ? 'transitive' : 'non-transitive',
  ];
  if (flags & 0x20) names.push('partial');
  if (flags & 0x10) names.push('extended length');
  return names.join(' ');
}

function asPath(c: Cursor, asnSize: number): Field[] {
  const out: Field[] = [];
  const segTypes: Record<number, string> = { 1: 'AS_SET', 2: 'AS_SEQUENCE', 3: 'AS_CONFED_SEQUENCE', 4: 'AS_CONFED_SET' };
  while (c.left > 0) {
    const head = c.take(2);
    out.push({ bytes: head, comment: `segment ${segTypes[head[0]!] ?? `type ${head[0]}`}, ${head[1]} AS${head[1] === 1 ? '' : 'es'}` });
    for (let i = 0; i < head[1]!; i++) {
      const a = c.take(asnSize);
      out.push({ bytes: a, comment: `AS ${asnSize === 4 ? a.readUInt32BE(0) : a.readUInt16BE(0)}` });
    }
  }
  return out;
}

function attributeValue(type: number, v: Buffer, ctx: AnnotateContext): Field[] {
  const c = new Cursor(v);
  switch (type) {
    case 1:
      return [{ bytes: c.take(1), comment: ['IGP', 'EGP', 'INCOMPLETE'][v[0]!] ?? `origin ${v[0]}` }];
    case 2:
      return asPath(c, ctx.as4 ? 4 : 2);
    case 17:
      return asPath(c, 4);
    case 3:
    case 9:
      return [{ bytes: c.take(4), comment: ipv4(v) }];
    case 4:
    case 5:
      return [{ bytes: c.take(4), comment: String(v.readUInt32BE(0)) }];
    case 7:
    case 18: {
      const asnSize = type === 18 || ctx.as4 ? 4 : 2;
      const a = c.take(asnSize);
      const ip = c.take(4);
      return [
        { bytes: a, comment: `AS ${asnSize === 4 ? a.readUInt32BE(0) : a.readUInt16BE(0)}` },
        { bytes: ip, comment: ipv4(ip) },
      ];
    }
    case 8: {
      const out: Field[] = [];
      while (c.left > 0) {
        const b = c.take(4);
        const n = b.readUInt32BE(0);
        out.push({ bytes: b, comment: WELL_KNOWN_COMMUNITIES[n] ?? `${b.readUInt16BE(0)}:${b.readUInt16BE(2)}` });
      }
      return out;
    }
    case 10: {
      const out: Field[] = [];
      while (c.left > 0) {
        const b = c.take(4);
        out.push({ bytes: b, comment: `cluster id ${ipv4(b)}` });
      }
      return out;
    }
    case 14: {
      const af = c.take(3);
      const afi = af.readUInt16BE(0);
      const family = familyOfAfi(afi);
      const out: Field[] = [{ bytes: af, comment: afiSafi(afi, af[2]!) }];
      const nhLen = c.take(1);
      out.push({ bytes: nhLen, comment: `next hop length ${nhLen[0]}` });
      const nh = c.take(nhLen[0]!);
      if (nh.length === 32) {
        out.push({ bytes: nh.subarray(0, 16), comment: `next hop ${ipv6(nh.subarray(0, 16))} (global)` });
        out.push({ bytes: nh.subarray(16), comment: `next hop ${ipv6(nh.subarray(16))} (link-local)` });
      } else if (nh.length > 0) {
        out.push({ bytes: nh, comment: `next hop ${address(nh)}` });
      }
      out.push({ bytes: c.take(1), comment: 'reserved' });
      if (family) out.push(...prefixes(c, family));
      else if (c.left > 0) out.push({ bytes: c.rest(), comment: 'NLRI' });
      return out;
    }
    case 15: {
      const af = c.take(3);
      const afi = af.readUInt16BE(0);
      const family = familyOfAfi(afi);
      const out: Field[] = [{ bytes: af, comment: `${afiSafi(afi, af[2]!)}${c.left === 0 ? ' (no prefixes: End-of-RIB, RFC 4724 sec. 2)' : ''}` }];
      if (family) out.push(...prefixes(c, family).map((f) => ({ ...f, comment: `withdrawn ${f.comment}` })));
      else if (c.left > 0) out.push({ bytes: c.rest(), comment: 'withdrawn NLRI' });
      return out;
    }
    case 32: {
      const out: Field[] = [];
      while (c.left > 0) {
        const b = c.take(12);
        out.push({ bytes: b, comment: `${b.readUInt32BE(0)}:${b.readUInt32BE(4)}:${b.readUInt32BE(8)}` });
      }
      return out;
    }
    default:
      return v.length ? [{ bytes: c.rest(), comment: 'value' }] : [];
  }
}

function updateBody(c: Cursor, ctx: AnnotateContext): Field[] {
  const out: Field[] = [];
  const wLen = c.take(2);
  out.push({ bytes: wLen, comment: `withdrawn routes length ${wLen.readUInt16BE(0)}` });
  out.push(...prefixes(new Cursor(c.take(wLen.readUInt16BE(0))), 'ipv4').map((f) => ({ ...f, comment: `withdrawn ${f.comment}` })));
  const aLen = c.take(2);
  const attrLenField: Field = { bytes: aLen, comment: `total path attribute length ${aLen.readUInt16BE(0)}` };
  out.push(attrLenField);
  const attrs = new Cursor(c.take(aLen.readUInt16BE(0)));
  while (attrs.left > 0) {
    const head = attrs.take(2);
    const flags = head[0]!;
    const type = head[1]!;
    const lenB = attrs.take(flags & 0x10 ? 2 : 1);
    const len = lenB.length === 2 ? lenB.readUInt16BE(0) : lenB[0]!;
    const value = attrs.take(len);
    out.push({
      bytes: Buffer.concat([head, lenB]),
      comment: `${ATTRIBUTES[type] ?? `attribute ${type}`} flags=0x${flags.toString(16).padStart(2, '0')} (${flagNames(flags)}) type=${type} len=${len}`,
    });
    out.push(...attributeValue(type, value, ctx).map((f) => ({ ...f, comment: `  ${f.comment}` })));
  }
  if (c.left > 0) out.push(...prefixes(c, 'ipv4').map((f) => ({ ...f, comment: `NLRI ${f.comment}` })));
  else if (wLen.readUInt16BE(0) === 0 && aLen.readUInt16BE(0) === 0) {
    attrLenField.comment += ' (empty UPDATE: End-of-RIB for IPv4 unicast, RFC 4724 sec. 2)';
  }
  return out;
}

const ERROR_CODES: Readonly<Record<number, string>> = {
  1: 'Message Header Error',
  2: 'OPEN Message Error',
  3: 'UPDATE Message Error',
  4: 'Hold Timer Expired',
  5: 'Finite State Machine Error',
  6: 'Cease',
  7: 'ROUTE-REFRESH Message Error',
};
const CEASE_SUBCODES: Readonly<Record<number, string>> = {
  1: 'Maximum Number of Prefixes Reached',
  2: 'Administrative Shutdown',
  3: 'Peer De-configured',
  4: 'Administrative Reset',
  5: 'Connection Rejected',
  6: 'Other Configuration Change',
  7: 'Connection Collision Resolution',
  8: 'Out of Resources',
  9: 'Hard Reset',
};

function notificationBody(c: Cursor): Field[] {
  const code = c.take(1);
  const sub = c.take(1);
  const out: Field[] = [
    { bytes: code, comment: `error code ${code[0]} (${ERROR_CODES[code[0]!] ?? '?'})` },
    { bytes: sub, comment: `error subcode ${sub[0]}${code[0] === 6 ? ` (${CEASE_SUBCODES[sub[0]!] ?? '?'})` : ''}` },
  ];
  if (c.left === 0) return out;
  // RFC 9003: Administrative Shutdown / Reset carry a length-prefixed UTF-8 message.
  if (code[0] === 6 && (sub[0] === 2 || sub[0] === 4)) {
    const len = c.take(1);
    out.push({ bytes: len, comment: `shutdown communication length ${len[0]} (RFC 9003)` });
    const text = c.take(len[0]!);
    if (text.length) out.push({ bytes: text, comment: `shutdown communication ${JSON.stringify(text.toString('utf8'))}` });
    if (c.left > 0) out.push({ bytes: c.rest(), comment: 'trailing data' });
    return out;
  }
  out.push({ bytes: c.rest(), comment: 'data' });
  return out;
}

function routeRefreshBody(c: Cursor): Field[] {
  const afi = c.take(2);
  const sub = c.take(1);
  const safi = c.take(1);
  return [
    { bytes: afi, comment: `AFI ${afi.readUInt16BE(0)} (${AFI[afi.readUInt16BE(0)] ?? '?'})` },
    { bytes: sub, comment: `subtype ${sub[0]} (${['normal request', 'BoRR', 'EoRR'][sub[0]!] ?? '?'})` },
    { bytes: safi, comment: `SAFI ${safi[0]} (${SAFI[safi[0]!] ?? '?'})` },
  ];
}

export interface UpdateSummary {
  /** Families with reachable prefixes (NLRI field or MP_REACH_NLRI). */
  announces: Array<'ipv4' | 'ipv6'>;
  /** Families with withdrawn prefixes (withdrawn routes field or MP_UNREACH_NLRI). */
  withdraws: Array<'ipv4' | 'ipv6'>;
  /** Set for an End-of-RIB marker (RFC 4724 sec. 2): empty UPDATE, or only an empty MP_UNREACH. */
  endOfRib?: 'ipv4' | 'ipv6';
}

/** What an UPDATE carries, for naming fixtures; undefined if it is not a well-formed UPDATE. */
export function summarizeUpdate(msg: Buffer): UpdateSummary | undefined {
  try {
    const c = new Cursor(msg);
    c.take(16);
    const len = c.take(2).readUInt16BE(0);
    if (c.take(1)[0] !== 2 || len !== msg.length) return undefined;
    const withdrawnLen = c.take(2).readUInt16BE(0);
    c.take(withdrawnLen);
    const attrLen = c.take(2).readUInt16BE(0);
    const attrs = new Cursor(c.take(attrLen));
    const nlriLen = c.left;
    const out: UpdateSummary = { announces: [], withdraws: [] };
    if (withdrawnLen > 0) out.withdraws.push('ipv4');
    if (nlriLen > 0) out.announces.push('ipv4');
    let attrCount = 0;
    let emptyUnreach: 'ipv4' | 'ipv6' | undefined;
    while (attrs.left > 0) {
      const [flags, type] = attrs.take(2);
      const vlen = flags! & 0x10 ? attrs.take(2).readUInt16BE(0) : attrs.take(1)[0]!;
      const v = attrs.take(vlen);
      attrCount++;
      const fam = v.length >= 3 ? familyOfAfi(v.readUInt16BE(0)) : undefined;
      if (type === 14 && fam && !out.announces.includes(fam)) out.announces.push(fam);
      if (type === 15 && fam) {
        if (v.length > 3) out.withdraws.push(fam);
        else emptyUnreach = fam;
      }
    }
    if (withdrawnLen === 0 && attrLen === 0 && nlriLen === 0) out.endOfRib = 'ipv4';
    else if (emptyUnreach && attrCount === 1 && withdrawnLen === 0 && nlriLen === 0) out.endOfRib = emptyUnreach;
    return out;
  } catch (e) {
    if (e instanceof Truncated) return undefined;
    throw e;
  }
}

export function messageTypeName(type: number): string {
  return MESSAGE_TYPES[type] ?? `type ${type}`;
}

/** Annotate one whole BGP message (header included). Never throws on malformed input. */
export function annotateMessage(msg: Buffer, ctx: AnnotateContext): Field[] {
  const out: Field[] = [];
  const c = new Cursor(msg);
  try {
    out.push({ bytes: c.take(16), comment: 'marker' });
    const len = c.take(2);
    out.push({ bytes: len, comment: `length ${len.readUInt16BE(0)}` });
    const type = c.take(1);
    out.push({ bytes: type, comment: `type ${type[0]} ${messageTypeName(type[0]!)}` });
    const body = new Cursor(c.take(Math.max(0, len.readUInt16BE(0) - 19)));
    switch (type[0]) {
      case 1:
        out.push(...openBody(body));
        break;
      case 2:
        out.push(...updateBody(body, ctx));
        break;
      case 3:
        out.push(...notificationBody(body));
        break;
      case 5:
        out.push(...routeRefreshBody(body));
        break;
      default:
        if (body.left > 0) out.push({ bytes: body.rest(), comment: 'body' });
    }
    if (c.left > 0) out.push({ bytes: c.rest(), comment: 'bytes after the message' });
  } catch (e) {
    if (!(e instanceof Truncated)) throw e;
    const shown = out.reduce((n, f) => n + f.bytes.length, 0);
    out.push({ bytes: msg.subarray(shown), comment: `not annotated (${e.message})` });
  }
  return out;
}

/** Hex lines: up to 16 bytes per line, spaced pairs, the comment on the first line of each field. */
export function formatFields(fields: readonly Field[]): string[] {
  const width = 16 * 3;
  const lines: string[] = [];
  for (const f of fields) {
    if (f.bytes.length === 0) continue;
    for (let i = 0; i < f.bytes.length; i += 16) {
      const hex = [...f.bytes.subarray(i, i + 16)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
      lines.push(i === 0 ? `${hex.padEnd(width)}# ${f.comment}` : hex);
    }
  }
  return lines;
}
