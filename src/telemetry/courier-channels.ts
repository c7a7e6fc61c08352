import type { Channel, ChannelLookup } from '../courier/channel.js';
import type { Metrics } from './metrics.js';
import type { Tracing } from './tracing.js';

/**
 * Wraps each channel a worker looks up, so every delivery attempt is counted in
 * `tessera_courier_messages_total{channel,status}` and traced as a client span (SMTP, HTTP, Graph);
 * outbound HTTP made by the channel becomes the span's child. The worker looks channels up by id
 * for each message, and the lookup hands out one stable channel per id (rebuilt channels behind
 * it), so wrapping the lookup before the worker starts is enough.
 */
export function instrumentChannels(channels: ChannelLookup, t: { metrics: Metrics; tracing: Tracing }): void {
  const lookup = channels.get.bind(channels);
  const wrapped = new WeakMap<Channel, Channel>();
  channels.get = (id: string) => {
    const ch = lookup(id);
    if (!ch) return ch;
    let w = wrapped.get(ch);
    if (!w) wrapped.set(ch, (w = instrumentChannel(ch, t)));
    return w;
  };
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
