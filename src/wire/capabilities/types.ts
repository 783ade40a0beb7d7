/**
 * Decoded capabilities (RFC 5492). One tagged variant per capability this speaker understands;
 * anything else is kept as raw bytes so it can be shown and re-encoded unchanged.
 *
 * Fields named `reserved*` hold bits that the RFCs reserve ("SHOULD be set to 0 by the sender and
 * ignored by the receiver"). They are present only when a peer set them, so that a decoded OPEN
 * re-encodes to the bytes it came from; nothing interprets them.
 */

export interface FamilyRef {
  afi: number;
  safi: number;
}

export interface GracefulRestartFamily extends FamilyRef {
  /** F bit (RFC 4724 sec. 3): forwarding state was preserved across the restart. */
  forwardingPreserved: boolean;
  /** The other seven bits of the per-family flags octet, when non-zero. */
  reservedFlags?: number;
}

export interface AddPathFamily extends FamilyRef {
  /** RFC 7911 sec. 4: 1 receive, 2 send, 3 both (see AddPathMode). */
  sendReceive: number;
}

export type Capability =
  | { kind: 'multiprotocol'; afi: number; safi: number; reserved?: number } // RFC 4760
  | { kind: 'route-refresh' } // RFC 2918
  | { kind: 'enhanced-route-refresh' } // RFC 7313
  | { kind: 'four-octet-as'; asn: number } // RFC 6793
  | {
      kind: 'graceful-restart'; // RFC 4724 (N bit: RFC 8538)
      /** R bit: the sender has restarted. */
      restarting: boolean;
      /** N bit (RFC 8538 sec. 2): the sender supports Graceful Restart for NOTIFICATION messages. */
      notification: boolean;
      /** Seconds, 12 bits. */
      restartTime: number;
      families: GracefulRestartFamily[];
      /** The two unassigned bits of the 4-bit Restart Flags field, when non-zero. */
      reservedFlags?: number;
    }
  | { kind: 'add-path'; families: AddPathFamily[] } // RFC 7911
  | { kind: 'extended-message' } // RFC 8654
  | { kind: 'role'; role: number } // RFC 9234
  | { kind: 'fqdn'; hostname: string; domain: string } // draft-walton-bgp-hostname-capability
  | { kind: 'unknown'; code: number; value: Buffer };

export type CapabilityKind = Capability['kind'];
export type CapabilityOfKind<K extends CapabilityKind> = Extract<Capability, { kind: K }>;

/** ADD-PATH Send/Receive values (RFC 7911 sec. 4), usable as bit masks. */
export const AddPathMode = {
  RECEIVE: 1,
  SEND: 2,
  BOTH: 3,
} as const;
