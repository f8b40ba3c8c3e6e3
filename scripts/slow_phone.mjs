// A slow phone in headless Chromium, shared by the time benchmarks
// (time_to_usable.mjs, time_to_account.mjs): DevTools network and CPU emulation,
// and the median and range they print.

// Throughput in bytes per second, latency in ms (round trip added per request).
export const PROFILES = [
  { name: 'Fast 3G + 4x CPU', latency: 150, down: 1.6e6 / 8, up: 0.75e6 / 8, cpu: 4 },
  { name: 'Slow 3G + 4x CPU', latency: 400, down: 0.4e6 / 8, up: 0.4e6 / 8, cpu: 4 },
];

/** Applies profile `p` to `page`; returns its DevTools session. */
export async function throttle(context, page, p) {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false, latency: p.latency, downloadThroughput: p.down, uploadThroughput: p.up,
  });
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: p.cpu });
  return cdp;
}

/** The median of `values`. */
export const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** "median 1.23 s (1.01–1.50)" for `values` in ms. */
export function summary(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const s = (ms) => (ms / 1000).toFixed(2);
  return `median ${s(median(values))} s (${s(sorted[0])}–${s(sorted[sorted.length - 1])})`;
}

