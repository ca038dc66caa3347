// Bursts of `state-changed` (a refresh-all touches every server) become one fetch: a trigger
// waits `delayMs` for the burst to settle, and a trigger during a fetch queues exactly one more.

export function coalesce(run: () => Promise<void>, delayMs: number): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let running = false;
  let again = false;

  const fire = async () => {
    timer = null;
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      await run();
    } finally {
      running = false;
      if (again) {
        again = false;
        trigger();
      }
    }
  };

  function trigger() {
    if (timer !== null) return;
    timer = setTimeout(() => void fire(), delayMs);
  }
  return trigger;
}
