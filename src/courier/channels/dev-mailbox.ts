import type { Channel } from '../channel.js';
import type { OutgoingMessage } from '../message.js';
import type { DevMailboxPersister } from '../../persistence/dev-mailbox-persister.js';

/**
 * The dev mailbox: an `email` channel that keeps every message in the database instead of sending
 * it, for the built-in UI's `/ui/mailbox`. Only `tessera serve --dev` without SMTP creates it.
 */
export function createDevMailboxChannel(store: DevMailboxPersister, id = 'email'): Channel {
  return {
    id,
    type: 'email',
    async send(message: OutgoingMessage): Promise<void> {
      await store.add({
        message_id: message.id,
        recipient: message.recipient,
        subject: message.subject,
        text: message.bodyText,
        html: message.bodyHtml ?? null,
      });
    },
    async close(): Promise<void> {},
  };
}

/** Dev mode without an SMTP server (or HTTP delivery) configured: emails go to the dev mailbox. */
export function devMailboxWanted(config: { dev: boolean; values: { courier: { smtp: { connection_uri?: string }; delivery_strategy?: string } } }): boolean {
  const c = config.values.courier;
  return config.dev && !c.smtp.connection_uri && c.delivery_strategy !== 'http';
}
