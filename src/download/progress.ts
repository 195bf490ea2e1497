/**
 * A download's progress: a cli-progress bar of bytes on a terminal; elsewhere (CI logs, pipes) a
 * plain line every ~5 s or 25 %, so a log shows it moving without filling with redraws.
 */
import cliProgress from "cli-progress";
import { formatBytes } from "../text/bytes.js";

export interface ByteProgress {
  /** A new attempt: where it starts and the total, when known. */
  start(total: number | undefined, onDisk: number): void;
  update(onDisk: number): void;
  stop(): void;
}

export interface ByteProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export function createByteProgress(
  label: string,
  stream: ByteProgressStream,
  intervalMs = 5000,
): ByteProgress {
  return stream.isTTY === true ? barProgress(label, stream) : lineProgress(label, stream, intervalMs);
}

function barProgress(label: string, stream: ByteProgressStream): ByteProgress {
  const bar = new cliProgress.SingleBar(
    {
      stream: stream as NodeJS.WritableStream,
      format: `${label} {bar} {got} of {size} | {speed}/s | ETA {eta_formatted}`,
      hideCursor: true,
      fps: 10,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  let running = false;
  let began = performance.now();
  let first = 0;
  const speed = (onDisk: number) =>
    formatBytes(Math.round((onDisk - first) / Math.max((performance.now() - began) / 1000, 1e-3)));
  return {
    start(total, onDisk) {
      began = performance.now();
      first = onDisk;
      const size = total === undefined ? "?" : formatBytes(total);
      const payload = { got: formatBytes(onDisk), size, speed: "0 B" };
      if (running) bar.setTotal(total ?? 0);
      else bar.start(total ?? 0, onDisk, payload);
      bar.update(onDisk, payload);
      running = true;
    },
    update(onDisk) {
      if (running) bar.update(onDisk, { got: formatBytes(onDisk), speed: speed(onDisk) });
    },
    stop() {
      if (running) bar.stop();
      running = false;
    },
  };
}

function lineProgress(label: string, stream: ByteProgressStream, intervalMs: number): ByteProgress {
  let total: number | undefined;
  let lastAt = 0;
  let lastQuarter = 0;
  let latest = 0;
  let began = performance.now();
  let first = 0;
  const line = () => {
    const seconds = Math.max((performance.now() - began) / 1000, 1e-3);
    const pct = total ? ` (${Math.floor((100 * latest) / total)}%)` : "";
    stream.write(
      `${label}: ${formatBytes(latest)}${total ? ` of ${formatBytes(total)}` : ""}${pct}, ` +
        `${formatBytes(Math.round((latest - first) / seconds))}/s\n`,
    );
  };
  return {
    start(t, onDisk) {
      total = t;
      latest = first = onDisk;
      began = lastAt = performance.now();
      lastQuarter = total ? Math.floor((4 * onDisk) / total) : 0;
    },
    update(onDisk) {
      latest = onDisk;
      const now = performance.now();
      const quarter = total ? Math.floor((4 * onDisk) / total) : 0;
      if (now - lastAt >= intervalMs || quarter > lastQuarter) {
        lastAt = now;
        lastQuarter = quarter;
        line();
      }
    },
    stop() {},
  };
}
