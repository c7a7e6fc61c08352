import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { scriptNode, UiNodeGroup } from '../../../ui/node.js';

export const SCRIPT_PATH = '/.well-known/ory/webauthn.js';

/**
 * The browser half of the WebAuthn and passkey methods, at the path and with the `window` functions
 * Kratos's UIs call (`onclickTrigger` / `onloadTrigger` name them). Each function reads the
 * options from its trigger node (or takes them as argument), runs the ceremony, puts the JSON
 * result into the hidden result input and submits that input's form. Buttons rendered with a
 * `data-ory-trigger` attribute are bound on load, for pages whose CSP forbids inline handlers.
 */
export const WEBAUTHN_JS = `;(function () {
  'use strict';
  if (typeof window === 'undefined' || window.__oryWebAuthnInitialized) return;
  window.__oryWebAuthnInitialized = true;

  function decode(value) {
    var b64 = String(value).replace(/-/g, '+').replace(/_/g, '/');
    while (b64.length % 4) b64 += '=';
    var bin = atob(b64);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  function encode(buffer) {
    if (!buffer) return '';
    var bytes = new Uint8Array(buffer);
    var bin = '';
    for (var i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
  }

  function byName(name) {
    return document.querySelector('[name="' + name + '"]');
  }

  function supported() {
    if (window.PublicKeyCredential) return true;
    alert('This browser does not support WebAuthn!');
    return false;
  }

  // The options: given by the caller (Kratos's onclick passes them), else the trigger's value.
  function optionsFrom(given, el) {
    var opt = given;
    if (typeof opt === 'string') opt = JSON.parse(opt);
    if (!opt && el) opt = JSON.parse(el.value);
    // A passkey sign-up form's create data: the options, and the field whose value names the passkey.
    if (opt && opt.credentialOptions) {
      var field = opt.displayNameFieldName ? byName(opt.displayNameFieldName) : null;
      opt = JSON.parse(JSON.stringify(opt.credentialOptions));
      if (field && field.value && opt.publicKey && opt.publicKey.user) {
        opt.publicKey.user.name = field.value;
        opt.publicKey.user.displayName = field.value;
      }
    }
    if (!opt || !opt.publicKey) throw new Error('No WebAuthn options found.');
    opt = JSON.parse(JSON.stringify(opt));
    var pk = opt.publicKey;
    pk.challenge = decode(pk.challenge);
    if (pk.user && pk.user.id) pk.user.id = decode(pk.user.id);
    ['allowCredentials', 'excludeCredentials'].forEach(function (key) {
      if (Array.isArray(pk[key])) {
        pk[key] = pk[key].map(function (c) { return Object.assign({}, c, { id: decode(c.id) }); });
      }
    });
    return opt;
  }

  function attestationJson(credential) {
    var r = credential.response;
    return JSON.stringify({
      id: credential.id,
      rawId: encode(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      response: {
        attestationObject: encode(r.attestationObject),
        clientDataJSON: encode(r.clientDataJSON),
        transports: typeof r.getTransports === 'function' ? r.getTransports() : undefined
      },
      clientExtensionResults: credential.getClientExtensionResults ? credential.getClientExtensionResults() : {}
    });
  }

  function assertionJson(credential) {
    var r = credential.response;
    return JSON.stringify({
      id: credential.id,
      rawId: encode(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      response: {
        authenticatorData: encode(r.authenticatorData),
        clientDataJSON: encode(r.clientDataJSON),
        signature: encode(r.signature),
        userHandle: encode(r.userHandle)
      },
      clientExtensionResults: credential.getClientExtensionResults ? credential.getClientExtensionResults() : {}
    });
  }

  function deliver(resultEl, value) {
    resultEl.value = value;
    var form = resultEl.closest('form');
    if (form) form.submit();
  }

  function create(options, resultName, triggerName) {
    if (!supported()) return;
    var trigger = byName(triggerName);
    var result = byName(resultName);
    var opt = optionsFrom(options, trigger);
    return navigator.credentials.create(opt).then(function (credential) {
      deliver(result, attestationJson(credential));
    }).catch(function (err) { alert(err); });
  }

  function get(options, resultName, triggerName) {
    if (!supported()) return;
    var trigger = byName(triggerName);
    var result = byName(resultName);
    var opt = optionsFrom(options, trigger);
    abortConditional('A security key sign-in was started.');
    return navigator.credentials.get(opt).then(function (credential) {
      deliver(result, assertionJson(credential));
    }).catch(function (err) { alert(err); });
  }

  function abortConditional(reason) {
    if (window.abortPasskeyConditionalUI) {
      window.abortPasskeyConditionalUI.abort(reason);
      window.abortPasskeyConditionalUI = undefined;
    }
  }

  window.oryWebAuthnRegistration = function (options, resultSelector, triggerSelector) {
    return create(options, 'webauthn_register', 'webauthn_register_trigger');
  };
  window.oryWebAuthnLogin = function (options) {
    return get(options, 'webauthn_login', 'webauthn_login_trigger');
  };
  window.oryPasskeyRegistration = function (options) {
    var data = byName('passkey_create_data');
    return create(options || (data && data.value), 'passkey_register', 'passkey_register_trigger');
  };
  window.oryPasskeySettingsRegistration = function (options) {
    var data = byName('passkey_create_data');
    return create(options || (data && data.value), 'passkey_settings_register', 'passkey_register_trigger');
  };
  window.oryPasskeyLogin = function (options) {
    var data = byName('passkey_challenge');
    return get(options || (data && data.value), 'passkey_login', 'passkey_login_trigger');
  };
  window.oryPasskeyLoginAutocompleteInit = function () {
    var data = byName('passkey_challenge');
    var result = byName('passkey_login');
    if (!data || !result || !window.PublicKeyCredential || !PublicKeyCredential.isConditionalMediationAvailable) return;
    return PublicKeyCredential.isConditionalMediationAvailable().then(function (available) {
      if (!available) return;
      var opt = optionsFrom(data.value);
      abortConditional('A new passkey autofill was started.');
      window.abortPasskeyConditionalUI = new AbortController();
      return navigator.credentials.get({ publicKey: opt.publicKey, mediation: 'conditional', signal: window.abortPasskeyConditionalUI.signal })
        .then(function (credential) { deliver(result, assertionJson(credential)); })
        .catch(function (err) { if (!err || err.name !== 'AbortError') console.log(err); });
    });
  };
  // The names Kratos's older UIs call.
  window.__oryWebAuthnRegistration = window.oryWebAuthnRegistration;
  window.__oryWebAuthnLogin = window.oryWebAuthnLogin;
  window.__oryPasskeyLogin = window.oryPasskeyLogin;
  window.__oryPasskeyLoginAutocompleteInit = window.oryPasskeyLoginAutocompleteInit;
  window.__oryPasskeyRegistration = window.oryPasskeyRegistration;

  function bind() {
    var els = document.querySelectorAll('[data-ory-trigger]');
    for (var i = 0; i < els.length; i++) {
      (function (el) {
        var fn = window[el.getAttribute('data-ory-trigger')];
        if (typeof fn !== 'function' || el.__oryBound) return;
        el.__oryBound = true;
        if (el.getAttribute('data-ory-on') === 'load') fn();
        else el.addEventListener('click', function (ev) { ev.preventDefault(); fn(); });
      })(els[i]);
    }
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', bind);
  else bind();
})();
`;

/** Subresource integrity of the script, as Kratos puts it on its script node. */
export const WEBAUTHN_JS_INTEGRITY = `sha512-${createHash('sha512').update(WEBAUTHN_JS).digest('base64')}`;

/** The `webauthn_script` node that loads the script from the public URL. */
export function webAuthnScriptNode(publicBaseUrl: URL) {
  return scriptNode(UiNodeGroup.WebAuthn, 'webauthn_script', new URL(SCRIPT_PATH.slice(1), withSlash(publicBaseUrl)).toString(), { integrity: WEBAUTHN_JS_INTEGRITY });
}

function withSlash(u: URL): URL {
  const c = new URL(u);
  if (!c.pathname.endsWith('/')) c.pathname += '/';
  return c;
}

export function registerWebAuthnScriptRoute(app: FastifyInstance): void {
  app.get(SCRIPT_PATH, async (_req, reply) =>
    reply
      .header('content-type', 'text/javascript; charset=utf-8')
      .header('cache-control', 'public, max-age=300')
      // UIs on other origins load it with crossorigin="anonymous" (and check its integrity).
      .header('access-control-allow-origin', '*')
      .send(WEBAUTHN_JS),
  );
}
