/** setTimeout's largest delay (about 24.8 days); a later deadline is checked again when the timer fires. */
const maxTimerMs = 2 ** 31 - 1;

/**
 * Calls `onDeadline` once the clock (`Date.now()`) reaches `atMs`, in epoch milliseconds: synchronously when it
 * already has, otherwise from a timer. Deadlines past setTimeout's limit (an access token valid for months) are
 * re-armed rather than overflowing, which would fire at once. The timer is unref'd: a deadline alone never keeps
 * the process alive. Returns a function that cancels the call; calling it again, or after the call, does nothing.
 */
export function atDeadline(atMs: number, onDeadline: () => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  let cancelled = false;
  const arm = () => {
    const delay = atMs - Date.now();
    if (delay <= 0) {
      cancelled = true;
      onDeadline();
      return;
    }
    timer = setTimeout(arm, Math.min(delay, maxTimerMs));
    timer.unref();
  };
  arm();
  return () => {
    if (cancelled) return;
    cancelled = true;
    clearTimeout(timer);
  };
}
