import type { Channel } from '../courier/channel.js';
import type { Metrics } from './metrics.js';
import type { Tracing } from './tracing.js';

/**
 * Wraps each channel of a worker, in place, so every delivery attempt is counted in
 * `tessera_courier_messages_total{channel,status}` and traced as a client span (SMTP, HTTP, Graph);
 * outbound HTTP made by the channel becomes the span's child. The worker looks channels up by id
 * for each message, so replacing the map's entries before it starts is enough.
 */
export function instrumentChannels(channels: Map<string, Channel>, t: { metrics: Metrics; tracing: Tracing }): void {
  for (const [id, ch] of channels) channels.set(id, instrumentChannel(ch, t));
}

function instrumentChannel(ch: Channel, { metrics, tracing }: { metrics: Metrics; tracing: Tracing }): Channel {
  return {
    id: ch.id,
    type: ch.type,
    close: () => ch.close(),
    send: async (m) => {
      const span = tracing.startSpan(`courier.deliver ${ch.type}`, 'client', { 'courier.channel': ch.id, 'courier.message.id': m.id, 'courier.template_type': m.templateType }, { root: true });
      try {
        await tracing.run(span, () => ch.send(m));
        metrics.courierMessage(ch.id, 'sent');
      } catch (err) {
        metrics.courierMessage(ch.id, 'failed');
        tracing.fail(span, err);
        throw err;
      } finally {
        span?.end();
      }
    },
  };
}
