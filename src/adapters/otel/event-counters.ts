import type { Attributes, Counter, Meter } from '@opentelemetry/api';
import type { OAuthEvent } from '../../events.ts';
import { ATTRIBUTE, errorAttributes } from './attributes.ts';

type EventOfType<Type extends OAuthEvent['type']> = Extract<OAuthEvent, { type: Type }>;

/** A counter that one kind of event adds 1 to. */
interface EventCounter<Event extends OAuthEvent> {
  readonly name: string;
  readonly unit: string;
  readonly description: string;
  /** What the event says that may be an attribute: never a token, a secret or a message. */
  readonly attributes?: (event: Event) => Attributes;
}

/**
 * The counter of each event, by its type; `undefined` for the two events that only mark a token request's
 * attempts (measured by `TokenRequestTelemetry`). Keyed by every event type, so that an event added to
 * the library does not compile until it is given a counter here, or none on purpose.
 */
const EVENT_COUNTERS: { readonly [Type in OAuthEvent['type']]: EventCounter<EventOfType<Type>> | undefined } = {
  'token-request': undefined,
  'token-request-retry': undefined,
  'token-updated': {
    name: 'oauth_ccg.token.updates',
    unit: '{token}',
    description: 'New tokens put in use, by where they came from: the token endpoint, oAuthTokenProvider, or the shared token store.',
    attributes: (event) => ({ [ATTRIBUTE.tokenSource]: event.source }),
  },
  'token-wait': {
    name: 'oauth_ccg.token.waits',
    unit: '{call}',
    description: 'Calls that found no usable token and waited for a token request. With renewal ahead of expiry, none in steady state.',
  },
  'renewal-started': {
    name: 'oauth_ccg.token.renewals',
    unit: '{renewal}',
    description: 'Background renewals started ahead of expiry, while the current token is still used.',
  },
  'renewal-failed': {
    name: 'oauth_ccg.token.renewal.failures',
    unit: '{failure}',
    description: 'Background renewals that failed; the current token is still used and the renewal is tried again.',
    attributes: (event) => errorAttributes(event.error),
  },
  'token-failed': {
    name: 'oauth_ccg.token.failures',
    unit: '{failure}',
    description: 'Times no valid token could be had: the calls waiting for one failed.',
    attributes: (event) => errorAttributes(event.error),
  },
  'token-rejected': {
    name: 'oauth_ccg.token.rejections',
    unit: '{rejection}',
    description: 'Tokens the API refused with a 401: each is dropped, and the call is replayed with a new one.',
  },
  'token-rejected-repeatedly': {
    name: 'oauth_ccg.token.repeated_rejections',
    unit: '{rejection}',
    description: "Fresh tokens the API refused too: its 401s are returned without a token request for a while. Check the tokens' scopes and audience.",
  },
  'dpop-proof-rejected': {
    name: 'oauth_ccg.dpop.proof_rejections',
    unit: '{rejection}',
    description: 'DPoP proofs the API refused (401 invalid_dpop_proof); the response is returned as it is.',
  },
  'dpop-nonce-retry': {
    name: 'oauth_ccg.dpop.nonce_retries',
    unit: '{retry}',
    description: 'Requests sent again at once with the DPoP nonce a server asked for, by which server asked: the token endpoint or the API.',
    attributes: (event) => ({ [ATTRIBUTE.dpopServer]: event.server }),
  },
  'store-failed': {
    name: 'oauth_ccg.store.fallbacks',
    unit: '{failure}',
    description: 'Failures of the shared token store, by operation; the client carries on without it for a while.',
    attributes: (event) => ({ [ATTRIBUTE.storeOperation]: event.operation, ...errorAttributes(event.error) }),
  },
  'store-resumed': {
    name: 'oauth_ccg.store.resumptions',
    unit: '{resumption}',
    description: 'Times the shared token store answered again after a failure.',
  },
  'store-value-ignored': {
    name: 'oauth_ccg.store.ignored_values',
    unit: '{value}',
    description: 'Values in the shared token store that could not be used, by reason (malformed, undecryptable, foreign, unusable-token).',
    attributes: (event) => ({ [ATTRIBUTE.storeReason]: event.reason }),
  },
  'callback-error': {
    name: 'oauth_ccg.callback.errors',
    unit: '{error}',
    description: 'Throws and rejections of a user callback (oAuthOnTokenUpdate), which the library carried on past.',
    attributes: (event) => ({ [ATTRIBUTE.callback]: event.callback, ...errorAttributes(event.error) }),
  },
};

/** Creates the counters on `meter` and returns what adds each event to its counter, with `attributes` on every data point. */
export function eventCounters(meter: Meter, attributes: Attributes): (event: OAuthEvent) => void {
  const counters = new Map<OAuthEvent['type'], { counter: Counter; attributesOf?: (event: OAuthEvent) => Attributes }>();
  // The table's type pairs each definition with its own event type, which iterating over it loses.
  for (const [type, definition] of Object.entries(EVENT_COUNTERS) as [OAuthEvent['type'], EventCounter<OAuthEvent> | undefined][]) {
    if (!definition) continue;
    const counter = meter.createCounter(definition.name, { unit: definition.unit, description: definition.description });
    counters.set(type, { counter, attributesOf: definition.attributes });
  }
  return (event) => {
    const counted = counters.get(event.type);
    counted?.counter.add(1, { ...attributes, ...counted.attributesOf?.(event) });
  };
}
