import { csrfNode } from '../../../ui/csrf.js';
import type { FlowService } from '../../flow/service.js';
import { toJson } from '../../flow/ui-json.js';
import type { CreateSettingsFlow } from './strategy.js';

/**
 * A bare settings flow (CSRF node and the recovery message only), for wiring where the settings
 * flow does not provide its own `CreateSettingsFlow` yet. The settings flow's factory replaces it.
 */
export function bareSettingsFlow(flows: FlowService): CreateSettingsFlow {
  return async (req, reply, o) => {
    const flow = await flows.create(req, reply, {
      kind: 'settings',
      type: o.type,
      state: 'show_form',
      returnTo: o.returnTo,
      identityId: o.identity.id,
      data: {},
      nodes: (csrf) => [toJson(csrfNode(csrf))],
      messages: o.messages,
    });
    return { id: flow.id, url: flows.uiUrl('settings', flow.id) };
  };
}
