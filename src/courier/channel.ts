import type { MessageType, OutgoingMessage } from './message.js';

/**
 * A way out for messages: SMTP, an HTTP API, Microsoft Graph, the dev mailbox. A channel delivers
 * one message per call or throws (DeliveryError for expected failures). It must be safe to call
 * concurrently and must never log message bodies (they carry codes and links).
 */
export interface Channel {
  /** `courier.channels[].id`: `email` and `sms` are the defaults flows use. */
  readonly id: string;
  readonly type: MessageType;
  send(message: OutgoingMessage): Promise<void>;
  /** Releases pooled connections. */
  close(): Promise<void>;
  /**
   * Connects and authenticates without sending anything (SMTP: EHLO, STARTTLS, AUTH; Graph: a
   * token); throws a DeliveryError saying what failed. Channels that cannot check leave it out.
   */
  verify?(): Promise<void>;
}

/** Where a worker looks channels up by id: a Map, or channels that change at run time. */
export interface ChannelLookup {
  get(id: string): Channel | undefined;
}
