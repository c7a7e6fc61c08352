/** A `continue_with` entry (api.json `continueWith`): what a client should do once a flow completed. */
export type ContinueWith =
  | { action: 'set_ory_session_token'; ory_session_token: string }
  | { action: 'show_verification_ui'; flow: { id: string; verifiable_address: string; url?: string } }
  | { action: 'show_settings_ui'; flow: { id: string; url?: string } }
  | { action: 'redirect_browser_to'; redirect_browser_to: string };
