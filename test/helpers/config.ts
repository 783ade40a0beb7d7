/** Configuration snippets shared by tests that write bgpd.toml. */

/**
 * Filter rules that allow every route from and to every neighbour. RFC 8212 (ebgp-requires-policy,
 * on by default) denies eBGP both ways without a rule; tests about something else use these.
 */
export const ALLOW_ALL_FILTERS: readonly string[] = ['[[filter]]', 'action = "allow"', 'direction = "from"', '[[filter]]', 'action = "allow"', 'direction = "to"'];
