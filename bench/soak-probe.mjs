/**
 * Preloaded into the server by bench/soak.mjs (`node --expose-gc --import`):
 * answers the IPC message `mem` with process.memoryUsage() after full GCs, so
 * the soak samples the real CLI's memory without changing it.
 */
if (process.send) {
  process.on('message', (msg) => {
    if (msg !== 'mem') return;
    for (let i = 0; i < 2; i++) globalThis.gc?.();
    process.send(process.memoryUsage());
  });
  process.channel?.unref(); // the probe must not keep the server alive
}
