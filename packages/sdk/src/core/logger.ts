/**
 * The injectable logger of the SDK. It is silent by default. Callers of the logger pass Call-IDs,
 * methods, status codes, content types and sizes, never bodies, keys or tokens.
 *
 * @module
 */

/** Structured fields of one log record. */
export type LogContext = Readonly<Record<string, string | number | boolean | undefined>>;

/**
 * A logger with one method per level. `category` follows the scheme `mcptt:sdk:<module>`, for
 * example `mcptt:sdk:socket`.
 */
export interface SdkLogger {
  debug(category: string, message: string, context?: LogContext): void;
  info(category: string, message: string, context?: LogContext): void;
  warn(category: string, message: string, context?: LogContext): void;
  error(category: string, message: string, context?: LogContext): void;
}

const ignore = (): void => undefined;

/** The default logger, which drops every record. */
export const silentLogger: SdkLogger = { debug: ignore, info: ignore, warn: ignore, error: ignore };

/** The methods of {@link SdkLogger}, one per level. */
const LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/**
 * Returns a logger that passes each record to `logger` and drops what it throws, so that a
 * failing log sink costs only its records and never a message. Raises TypeError naming
 * `option` when `logger` lacks one of the four methods.
 */
export function guardedLogger(logger: SdkLogger, option = 'logger'): SdkLogger {
  const methods = logger as Partial<Record<(typeof LEVELS)[number], unknown>> | null;
  if (
    typeof methods !== 'object' ||
    methods === null ||
    !LEVELS.every((level) => typeof methods[level] === 'function')
  ) {
    throw new TypeError(`${option} must have debug, info, warn and error methods`);
  }
  const guard =
    (level: (typeof LEVELS)[number]) =>
    (category: string, message: string, context?: LogContext): void => {
      try {
        logger[level](category, message, context);
      } catch {
        // A record is lost, and the message that it describes goes on.
      }
    };
  return { debug: guard('debug'), info: guard('info'), warn: guard('warn'), error: guard('error') };
}
