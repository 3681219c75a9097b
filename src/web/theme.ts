import type { Theme } from "./frame-document.js";

/**
 * Light or dark: the system's preference until the user picks one with the toggle (remembered in local
 * storage). The theme is the `data-theme` attribute of <html>, which the CSS reads.
 */
const THEME_STORAGE_NAME = "spark.theme";

export class ThemeSwitch {
  private listeners: ((theme: Theme) => void)[] = [];

  constructor(private readonly storage: Storage, private readonly button: HTMLButtonElement) {
    this.apply(this.initial());
    button.addEventListener("click", () => {
      const next: Theme = this.current() === "dark" ? "light" : "dark";
      storage.setItem(THEME_STORAGE_NAME, next);
      this.apply(next);
    });
  }

  current(): Theme {
    return document.documentElement.dataset.theme === "dark" ? "dark" : "light";
  }

  onChange(listener: (theme: Theme) => void): void {
    this.listeners.push(listener);
  }

  private initial(): Theme {
    const saved = this.storage.getItem(THEME_STORAGE_NAME);
    if (saved === "dark" || saved === "light") return saved;
    return window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }

  private apply(theme: Theme): void {
    document.documentElement.dataset.theme = theme;
    this.button.setAttribute("aria-label", theme === "dark" ? "Switch to the light theme" : "Switch to the dark theme");
    for (const listener of this.listeners) listener(theme);
  }
}
