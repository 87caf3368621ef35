import { EventLogError, LOG_ERROR_CODES } from '../errors.js';

/** Translates a NATS client or JetStream API failure into the log's stable codes. */
export function translateNatsError(error: unknown, doing: string): EventLogError {
  if (error instanceof EventLogError) return error;
  const name = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? error.message : String(error);
  const say = (what: string) => `${what} (${doing})`;
  if (name === 'TimeoutError' || /timeout/i.test(message)) {
    return new EventLogError(
      LOG_ERROR_CODES.LOG_PUBLISH_TIMEOUT,
      say('NATS did not answer in time'),
      { cause: error },
    );
  }
  if (
    name === 'ConnectionError' ||
    name === 'ClosedConnectionError' ||
    name === 'NoRespondersError' ||
    /closed|disconnect|no responders|ECONNREFUSED/i.test(message)
  ) {
    return new EventLogError(
      LOG_ERROR_CODES.LOG_UNREACHABLE,
      say(`NATS is unreachable: ${message}`),
      { cause: error },
    );
  }
  if (/insufficient storage|maximum bytes|storage/i.test(message)) {
    return new EventLogError(
      LOG_ERROR_CODES.LOG_DISK_FULL,
      say(`JetStream storage is full: ${message}`),
      { cause: error },
    );
  }
  return new EventLogError(LOG_ERROR_CODES.LOG_IO_FAILED, say(`JetStream failed: ${message}`), {
    cause: error,
  });
}
