/**
 * Interop test harness: network namespaces, daemons inside them, BIRD 2 / GoBGP / OpenBGPD as
 * peers with one control surface, bounded waits, packet capture. See lab.ts for the usual entry.
 */

export * from './availability';
export * from './capture';
export * from './lab';
export * from './netns';
export * from './peers/index';
export * from './process';
export * from './run';
export * from './wait';
