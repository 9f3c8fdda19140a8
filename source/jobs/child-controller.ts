/**
 * A controller of one's own (a screen's Ctrl-C key aborts it) that the run's signal aborts too.
 * `dispose` unlinks it.
 */
export function childController(parent: AbortSignal | undefined): {
  controller: AbortController;
  dispose(): void;
} {
  const controller = new AbortController();
  if (!parent) return { controller, dispose: () => {} };
  const onAbort = () => {
    if (!controller.signal.aborted) controller.abort(parent.reason);
  };
  if (parent.aborted) onAbort();
  else parent.addEventListener('abort', onAbort, { once: true });
  return { controller, dispose: () => parent.removeEventListener('abort', onAbort) };
}
