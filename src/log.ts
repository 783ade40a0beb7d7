/**
 * The logger interface the daemon's parts take (pino's shape, so a pino logger fits as is; tests pass
 * a silent or capturing one). Passwords never go through it: callers log peers by address/description.
 */

export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: object): Logger;
  /**
   * The level (pino's: 'debug', 'info', ...), when the logger has an adjustable one; `tsbgpctl log
   * verbose|brief` sets it. pino's children follow their parent's level.
   */
  level?: string;
}

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};
