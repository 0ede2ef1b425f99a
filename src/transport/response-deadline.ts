/**
 * The timeout of an API request: how long its response headers may take. Once they arrive the body is
 * the caller's to read, bounded by the caller's own signal and, on undici, by the same timeout for each
 * silence between its chunks.
 *
 * It is enforced in one of two ways, the cheaper where the fetch allows it:
 * - **undici's own per-request `headersTimeout` and `bodyTimeout`** (Node's `fetch` is undici): the
 *   request goes through a `dispatcher` that sets them and hands the request on to the global dispatcher,
 *   so proxies and mocks set with `setGlobalDispatcher` keep working. It costs no timer of its own per
 *   call, and on expiry undici closes the connection. It counts from when the request is written to its
 *   connection; opening the connection is bounded apart, by undici's connect timeout (10 s).
 * - **an `AbortSignal` and a timer**, cleared when the headers arrive, for any other fetch. Undici charges
 *   a large share of a loopback call for following any signal (the benchmark's "fetch + timeout" row),
 *   which is why it is not the first choice.
 *
 * A fetch's first requests carry both; once a response has come back through the dispatcher, the signal
 * is dropped. A fetch that answers without calling the dispatcher (any runtime but undici) keeps the signal.
 */

/** The one method undici's fetch calls on a `dispatcher`. */
interface Dispatcher {
  dispatch(options: Record<string, unknown>, handler: unknown): boolean;
}

/** What a deadline adds to a request's init. `dispatcher` is undici's option, ignored by other runtimes. */
export interface DeadlineInit {
  signal?: AbortSignal;
  dispatcher?: Dispatcher;
}

/** The caller's own options that a deadline must respect. */
export interface CallerInit {
  signal?: AbortSignal | null;
  dispatcher?: unknown;
}

/** Sends a request with `init` spread into its own. */
export type SendWithDeadline = (init: DeadlineInit) => Promise<Response>;

export type ResponseDeadline = (caller: CallerInit, send: SendWithDeadline) => Promise<Response>;

/** Where undici (Node's built-in copy and npm's alike) keeps the global dispatcher. */
const GLOBAL_DISPATCHER = Symbol.for('undici.globalDispatcher.1');

/** Bounds each request sent through it by `timeout` milliseconds, each as cheaply as its fetch allows. */
export function responseDeadline(timeout: number): ResponseDeadline {
  /** Whether the fetch calls the dispatcher: unknown until a response says so. */
  let dispatcherHonoured: boolean | undefined;
  const timeoutError = () => new DOMException(`No response within ${timeout} ms (the timeout option).`, 'TimeoutError');

  const dispatcher: Dispatcher = {
    dispatch(options, handler) {
      dispatcherHonoured = true;
      const target = (globalThis as Record<symbol, Dispatcher | undefined>)[GLOBAL_DISPATCHER];
      if (!target) throw new TypeError('This fetch calls a dispatcher but no global undici dispatcher is set.');
      // undici's fetch builds `options` afresh for each request; setting the fields spares a copy per call.
      // The body's silences get the same bound as the headers' wait: besides bounding a stalled body, equal
      // values let undici refresh the one timer it keeps per connection, where two different values make
      // it replace that timer with a new one twice a call.
      options.headersTimeout = timeout;
      options.bodyTimeout = timeout;
      return target.dispatch(options, handler);
    },
  };

  /** undici reports its headers timeout as a network error; the caller gets the same error as from the signal. */
  const translate = (error: unknown): unknown =>
    error instanceof TypeError && (error.cause as { code?: unknown } | undefined)?.code === 'UND_ERR_HEADERS_TIMEOUT' ? timeoutError() : error;

  const rethrowTranslated = (error: unknown): never => {
    throw translate(error);
  };

  // `then` rather than `async`: this is every request's path once the dispatcher is proven, and an
  // async function costs a promise and a turn more. A send that throws rejects, as on the other path.
  function viaDispatcher(signal: AbortSignal | undefined, send: SendWithDeadline): Promise<Response> {
    try {
      return send({ signal, dispatcher }).then(undefined, rethrowTranslated);
    } catch (error) {
      return Promise.reject(translate(error));
    }
  }

  async function viaSignal(signal: AbortSignal | undefined, send: SendWithDeadline, alsoDispatcher: boolean): Promise<Response> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(timeoutError()), timeout);
    try {
      const combined = signal ? AbortSignal.any([signal, controller.signal]) : controller.signal;
      const response = await send(alsoDispatcher ? { signal: combined, dispatcher } : { signal: combined });
      // A response that came back without the dispatcher being called: this fetch ignores it.
      if (alsoDispatcher) dispatcherHonoured ??= false;
      return response;
    } catch (error) {
      // Without our dispatcher, a headers timeout is the caller's own dispatcher's, not ours to rename.
      throw alsoDispatcher ? translate(error) : error;
    } finally {
      clearTimeout(timer);
    }
  }

  return (caller, send) => {
    const signal = caller.signal ?? undefined;
    // A caller's own dispatcher is theirs to configure; the signal then does the timing.
    if (caller.dispatcher !== undefined) return viaSignal(signal, send, false);
    if (dispatcherHonoured) return viaDispatcher(signal, send);
    return viaSignal(signal, send, dispatcherHonoured === undefined);
  };
}
