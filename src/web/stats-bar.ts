import { describeQuota, type BucketQuota } from "./quota.js";

/**
 * Speed of the current answer (TTFT, tokens/s) and what is left of each family's bucket, side by side (the
 * fast and the standard model each draw from their own), the current model's family marked.
 */
export class StatsBar {
  private readonly quotas = new Map<string, BucketQuota>();
  private activeFamily: string | undefined;

  constructor(private readonly ttft: HTMLElement, private readonly speed: HTMLElement, private readonly quota: HTMLElement) {}

  reset(): void {
    this.ttft.textContent = "TTFT …";
    this.speed.textContent = "… tok/s";
  }

  showTtft(ms: number): void {
    this.ttft.textContent = `TTFT ${Math.round(ms)} ms`;
    this.ttft.dataset.value = String(Math.round(ms));
  }

  showSpeed(tokens: number, seconds: number): void {
    if (seconds <= 0 || tokens <= 0) return;
    const perSecond = tokens / seconds;
    // Plain number formatting: Intl's toLocaleString costs more than the rest of a stats update.
    this.speed.textContent = `${perSecond >= 100 ? Math.round(perSecond) : perSecond.toFixed(1)} tok/s · ${tokens} tokens`;
    this.speed.dataset.value = perSecond.toFixed(1);
  }

  showQuota(quota: BucketQuota): void {
    this.quotas.set(quota.family, quota);
    this.drawQuotas();
  }

  /** The family the chosen model draws from. */
  markFamily(family: string | undefined): void {
    this.activeFamily = family;
    this.drawQuotas();
  }

  private drawQuotas(): void {
    this.quota.replaceChildren(
      ...[...this.quotas.values()].map((quota) => {
        const part = document.createElement("span");
        part.className = "quota-family";
        part.dataset.family = quota.family;
        if (quota.family === this.activeFamily) part.setAttribute("aria-current", "true");
        part.textContent = describeQuota(quota);
        return part;
      }),
    );
  }
}
