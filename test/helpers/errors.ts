import { BgpError } from '../../src/wire/errors';

/** Run fn and return the BgpError it throws as plain fields (data as hex), or what else happened. */
export function notificationOf(fn: () => unknown): { code: number; subcode: number; data: string } | string {
  try {
    fn();
  } catch (e) {
    if (e instanceof BgpError) return { code: e.code, subcode: e.subcode, data: e.data.toString('hex') };
    return `threw ${(e as Error)?.name}: ${(e as Error)?.message}`;
  }
  return 'did not throw';
}
