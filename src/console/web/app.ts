/** Shell services shared by the views: status and alert regions, navigation, the current view. */
import { ApiError } from './api.js';
import { byId } from './dom.js';

export interface View {
  render(): Promise<void>;
  /** Handles a single-key shortcut; true when it was used. */
  onKey?(key: string, e: KeyboardEvent): boolean;
}

/**
 * Counts route changes: a view that finished loading after the steward moved on must not
 * draw over the new view (`isStale`).
 */
let routeGeneration = 0;
export function nextRoute(): number {
  routeGeneration += 1;
  return routeGeneration;
}
export function currentRoute(): number {
  return routeGeneration;
}
export function isStale(generation: number): boolean {
  return generation !== routeGeneration;
}

/** Polite announcement (aria-live="polite"): what just happened. */
export function announce(message: string): void {
  const el = byId('status');
  // Re-setting the same text would not be announced again.
  el.textContent = '';
  window.setTimeout(() => {
    el.textContent = message;
  }, 20);
}

/** Assertive error (role="alert"); shown until cleared. */
export function showError(e: unknown, context?: string): void {
  const el = byId('alert');
  const text = e instanceof ApiError ? e.describe() : e instanceof Error ? e.message : String(e);
  el.textContent = context ? `${context}: ${text}` : text;
  el.hidden = false;
}

export function clearError(): void {
  const el = byId('alert');
  el.textContent = '';
  el.hidden = true;
}

export function navigate(hash: string): void {
  if (location.hash === hash) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = hash;
}

/** Marks a button busy while an action runs, so it is not sent twice. */
export async function busy<T>(button: HTMLButtonElement | null, run: () => Promise<T>): Promise<T> {
  if (button) {
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
  }
  try {
    return await run();
  } finally {
    if (button) {
      button.disabled = false;
      button.removeAttribute('aria-busy');
    }
  }
}

export function personLink(personId: string | null | undefined, text?: string): HTMLAnchorElement | string {
  if (!personId) return '–';
  const a = document.createElement('a');
  a.href = `#/person/${encodeURIComponent(personId)}`;
  a.textContent = text ?? personId;
  a.className = 'id';
  return a;
}
