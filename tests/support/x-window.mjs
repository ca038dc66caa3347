// An X11 window, as the tests and benchmarks see it under Xvfb (no window manager): whether a
// window of that title is mapped, and closing it the way a window manager's close button does.
import { execFileSync } from 'node:child_process';
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** 'viewable', 'hidden' (exists, not mapped) or 'none'. */
export function windowState(title) {
  try {
    const out = execFileSync('xwininfo', ['-name', title], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return /Map State: IsViewable/.test(out) ? 'viewable' : 'hidden';
  } catch {
    return 'none';
  }
}

/**
 * Send the window WM_DELETE_WINDOW (tests/support/close_window.py, with the system's Python and
 * python3-xlib) and wait until no window has that title. GTK under a Tauri window sometimes
 * drops a close that comes while the window is still starting (a bare Tauri window drops it
 * too: 3 of 25 closes sent as soon as it was mapped); a person clicks again, and so does this,
 * every `againMs`. Returns how many closes were sent.
 */
export async function closeWindow(title, { againMs = 3000, tries = 3 } = {}) {
  for (let sent = 1; sent <= tries; sent++) {
    try {
      execFileSync('/usr/bin/python3', [resolve(here, 'close_window.py'), title], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (e) {
      if (windowState(title) === 'none') return sent; // gone between the look and the close
      throw e;
    }
    const started = Date.now();
    while (Date.now() - started < againMs) {
      if (windowState(title) === 'none') return sent;
      await sleep(50);
    }
  }
  throw new Error(`the window "${title}" did not close after ${tries} close requests`);
}

