// Focus rings meet WCAG 2.2's non-text contrast (1.4.11): 3:1 against every surface a focusable
// control sits on, in both themes, read from the tokens of app/globals.css. Rings are drawn at
// full opacity (ring-ring, border-ring) and at half (ring-ring/50, composited over the surface).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const css = readFileSync(new URL("../../app/globals.css", import.meta.url), "utf8");
const block = (selector: string) => css.slice(css.indexOf(`${selector} {`), css.indexOf("}", css.indexOf(`${selector} {`)));

/** `oklch(L C H)` → gamma-encoded sRGB channels (0…1). */
function oklchToSrgb(value: string): number[] {
  const [l, c, h = 0] = value.match(/oklch\(([^)]+)\)/)![1].split(/\s+/).map(Number);
  const a = c * Math.cos((h * Math.PI) / 180);
  const b = c * Math.sin((h * Math.PI) / 180);
  const l_ = (l + 0.3963377774 * a + 0.2158037573 * b) ** 3;
  const m_ = (l - 0.1055613458 * a - 0.0638541728 * b) ** 3;
  const s_ = (l - 0.0894841775 * a - 1.291485548 * b) ** 3;
  const linear = [
    4.0767416621 * l_ - 3.3077115913 * m_ + 0.2309699292 * s_,
    -1.2684380046 * l_ + 2.6097574011 * m_ - 0.3413193965 * s_,
    -0.0041960863 * l_ - 0.7034186147 * m_ + 1.707614701 * s_,
  ];
  return linear.map((x) => Math.min(1, Math.max(0, x <= 0.0031308 ? 12.92 * x : 1.055 * x ** (1 / 2.4) - 0.055)));
}

const luminance = (rgb: number[]) => {
  const [r, g, b] = rgb.map((c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};
const contrast = (x: number[], y: number[]) => {
  const [hi, lo] = [luminance(x), luminance(y)].sort((p, q) => q - p);
  return (hi + 0.05) / (lo + 0.05);
};
const over = (fg: number[], bg: number[], alpha: number) => fg.map((c, i) => alpha * c + (1 - alpha) * bg[i]);

const SURFACES = ["background", "card", "popover", "muted", "accent", "secondary", "sidebar", "sidebar-accent"];

describe.each([":root", ".dark"])("focus rings in %s", (theme) => {
  const token = (name: string) => oklchToSrgb(block(theme).match(new RegExp(`--${name}:\\s*(oklch\\([^)]+\\))`))![1]);

  it.each(SURFACES)("ring against %s: at least 3:1, also at half opacity", (surface) => {
    const bg = token(surface);
    for (const ring of [token("ring"), token("sidebar-ring")]) {
      expect(contrast(ring, bg)).toBeGreaterThanOrEqual(3);
      expect(contrast(over(ring, bg, 0.5), bg)).toBeGreaterThanOrEqual(3);
    }
  });
});
