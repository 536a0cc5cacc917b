// Light or dark: the OS's preference unless the user picked one (stored in this browser). The
// class is set by THEME_SCRIPT in <head> before the first paint, so a dark page never flashes
// light; the toggle (theme-toggle.tsx) changes it afterwards through the same rule.

export const THEME_CHOICES = ["system", "light", "dark"] as const;
export type ThemeChoice = (typeof THEME_CHOICES)[number];

export const THEME_STORAGE_KEY = "tracecast-theme";

/**
 * Runs before the page paints (app/layout.tsx), so it is plain ES5 in a string. It applies the
 * stored choice, and follows the OS while the choice is "system" (also when the OS switches
 * while the page is open).
 */
export const THEME_SCRIPT = `(function(){try{var k=${JSON.stringify(THEME_STORAGE_KEY)},m=window.matchMedia("(prefers-color-scheme: dark)");function a(){var c=localStorage.getItem(k),d=c==="dark"||(c!=="light"&&m.matches),e=document.documentElement;e.classList.toggle("dark",d);e.style.colorScheme=d?"dark":"light"}a();m.addEventListener("change",a);window.addEventListener("storage",function(v){if(v.key===k)a()})}catch(e){}})()`;

export function isThemeChoice(value: unknown): value is ThemeChoice {
  return typeof value === "string" && (THEME_CHOICES as readonly string[]).includes(value);
}

export function storedThemeChoice(): ThemeChoice {
  try {
    const stored = localStorage.getItem(THEME_STORAGE_KEY);
    return isThemeChoice(stored) ? stored : "system";
  } catch {
    return "system"; // storage blocked: follow the OS
  }
}

/** Stores the choice and applies it now, as THEME_SCRIPT does on load. */
export function chooseTheme(choice: ThemeChoice): void {
  try {
    if (choice === "system") localStorage.removeItem(THEME_STORAGE_KEY);
    else localStorage.setItem(THEME_STORAGE_KEY, choice);
  } catch {
    // Not stored (storage blocked): it still applies to this page.
  }
  const dark = choice === "dark" || (choice === "system" && window.matchMedia("(prefers-color-scheme: dark)").matches);
  document.documentElement.classList.toggle("dark", dark);
  document.documentElement.style.colorScheme = dark ? "dark" : "light";
  // The choice can change without the class doing so ("system" while the OS is light, after "light").
  window.dispatchEvent(new Event(THEME_CHOSEN));
}

const THEME_CHOSEN = "tracecast-theme-chosen";

/** Calls `onChange` whenever the choice is made or the page turns light or dark (the OS, another tab). */
export function subscribeToTheme(onChange: () => void): () => void {
  const observer = new MutationObserver(onChange);
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ["class"] });
  window.addEventListener(THEME_CHOSEN, onChange);
  return () => {
    observer.disconnect();
    window.removeEventListener(THEME_CHOSEN, onChange);
  };
}

/** Whether the page is dark now, for components that must be told (the toasts). */
export function isDarkNow(): boolean {
  return document.documentElement.classList.contains("dark");
}
