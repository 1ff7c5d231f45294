/**
 * How the dev server reports what happens: one line per delivery and per step of its events (human), or one JSON
 * object per line (`--json`). Never a secret: the events carry none (a secret's source, never its value).
 */
import type { DevEvent } from './engine';

const pad = (text: string | undefined, width: number) => (text ?? '-').padEnd(width);

function clock(now: Date): string {
  return now.toISOString().slice(11, 19);
}

/** One event as a line of text, or undefined for events that are not shown to humans. */
export function formatEvent(event: DevEvent, now: Date = new Date()): string | undefined {
  const t = clock(now);
  const head = (provider: string | undefined, deliveryId: string | undefined, eventType: string | undefined) =>
    `${t} ${pad(provider, 10)} ${pad(deliveryId, 38)} ${pad(eventType, 30)}`;
  switch (event.type) {
    case 'secret':
      return `${t} secret of ${event.provider} (receiver ${event.receiver}): ${
        event.source === 'generated' ? 'generated and saved in the secrets file' : event.source === 'environment' ? 'from the environment' : event.source === 'file' ? 'from the secrets file' : 'given'
      }`;
    case 'route':
      return `${t} ${pad(event.provider, 10)} ${event.url}   (receiver ${event.receiver})`;
    case 'listening':
      return `${t} listening on ${event.url}; queue visibility timeout shortened to ${event.visibilityTimeoutSeconds} s (a failing event reaches the dead-letter queue in seconds)`;
    case 'delivery': {
      const verdict = event.verdict === 'rejected' || event.verdict === 'error' ? `${event.verdict} ${event.status} ${event.code}` : `${event.verdict} (${event.status})`;
      return `${head(event.provider, event.deliveryId, event.eventType)} ${verdict}`;
    }
    case 'processed':
      return `${head(event.provider, event.deliveryId, event.eventType)} processed (receive ${event.receiveCount})`;
    case 'skipped':
      return `${head(event.provider, event.deliveryId, event.eventType)} skipped: ${event.detail ?? ''}`;
    case 'failed':
      return `${head(event.provider, event.deliveryId, event.eventType)} failed (receive ${event.receiveCount} of ${event.maxReceiveCount}): ${event.error}`;
    case 'dead-lettered':
      return `${head(event.provider, event.deliveryId, event.eventType)} moved to the dead-letter queue after ${event.receiveCount} receives`;
    case 'status':
      return `${t} [${event.receiver}] queue ${event.queued} · in flight ${event.inFlight} · dead-letter queue ${event.deadLettered}`;
    case 'reloaded':
      return `${t} [${event.receiver}] processor code changed: the next batch loads ${event.codeDir}`;
    case 'log':
      return `${t}   | ${event.line}`;
  }
}

/** One event as a JSON line. */
export function jsonEvent(event: DevEvent, now: Date = new Date()): string {
  return JSON.stringify({ time: now.toISOString(), ...event });
}
