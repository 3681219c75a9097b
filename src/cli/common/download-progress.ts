import type { DownloadProgress } from "../../models/index.js";

const mb = (bytes: number) => (bytes / 1_048_576).toFixed(1);

/**
 * Draws a download as a progress bar on a terminal; when stderr is not a terminal it prints a line per
 * 10% so logs stay short.
 */
export function downloadProgressPrinter(stderr: NodeJS.WriteStream = process.stderr): (file: string, progress: DownloadProgress) => void {
  let lastDecile = -1;
  return (file, { receivedBytes, totalBytes }) => {
    const fraction = totalBytes ? receivedBytes / totalBytes : null;
    const amount = totalBytes ? `${mb(receivedBytes)}/${mb(totalBytes)} MB` : `${mb(receivedBytes)} MB`;
    if (stderr.isTTY) {
      const width = 30;
      const filled = fraction === null ? 0 : Math.round(fraction * width);
      const bar = fraction === null ? "" : `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${Math.floor(fraction * 100)}% `;
      stderr.write(`\rdownloading ${file} ${bar}${amount}${fraction === 1 ? "\n" : ""}`);
      return;
    }
    const decile = fraction === null ? 0 : Math.floor(fraction * 10);
    if (decile === lastDecile) return;
    lastDecile = decile;
    stderr.write(`downloading ${file}: ${fraction === null ? "" : `${decile * 10}% `}${amount}\n`);
  };
}
