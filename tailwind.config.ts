// Tailwind 4 reads its theme from app/globals.css; this file (loaded there with @config)
// holds the settings that are easier to keep in code: dark mode by class and the font stacks.
import type { Config } from "tailwindcss";

export default {
  darkMode: "class",
  theme: {
    extend: {
      fontFamily: {
        sans: ["var(--font-geist-sans)", "ui-sans-serif", "system-ui", "sans-serif"],
        mono: ["var(--font-geist-mono)", "ui-monospace", "monospace"],
      },
    },
  },
} satisfies Config;
