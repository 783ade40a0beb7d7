/**
 * Types shared by the health-check runtime: the configuration of one check (HealthCheckConfig, from
 * the configuration), what a probe returns,
 * and the status a check reports to the control socket and metrics.
 */

import type { HealthCheckConfig } from '../config/types';

export type { HealthCheckConfig };

/** 'init' until the first result; a service that has not been checked yet is not announced. */
export type HealthState = 'init' | 'up' | 'down';

/** The outcome of one evaluation: a probe passed or failed, or the disable file was present. */
export type HealthResult = 'pass' | 'fail' | 'disabled';

export interface ProbeResult {
  ok: boolean;
  /** A short human-readable account: the command's last output, the HTTP status, the error. */
  output: string;
  durationMs: number;
}

export interface HealthStatus {
  name: string;
  type: HealthCheckConfig['type'];
  state: HealthState;
  /** When the check entered its current state (ms since the epoch). */
  since: number;
  lastResult: HealthResult | undefined;
  lastOutput: string | undefined;
  lastDurationMs: number | undefined;
  /** Consecutive passes and failures up to the last result. */
  passes: number;
  failures: number;
  totalFailures: number;
  /** Evaluations so far, including those the disable file cut short. */
  checks: number;
}
