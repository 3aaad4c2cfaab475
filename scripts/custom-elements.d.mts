/** Types of scripts/custom-elements.mjs (used by vite.config.ts). */
export function generateManifest(source?: string): Record<string, unknown>;
export function writeManifest(file?: string): string;
