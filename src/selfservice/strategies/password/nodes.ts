import { nodeToJSON, type UiNode } from '../../../ui/node.js';
import type { UiNodeJson } from '../../flow/ui-json.js';

/** A node as stored in a flow's UI. */
export const toJson = (n: UiNode): UiNodeJson => nodeToJSON(n) as unknown as UiNodeJson;
