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
