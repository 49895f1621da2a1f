// The learner's waiting page changes by itself once the facilitator decides: it polls a small JSON status and then
// swaps in the page's own new outcome (the award's links, or the refusal). Without this file the page still works:
// its "Check again" link reloads it.
(() => {
  const waiting = document.querySelector('[data-claim-status]');
  const outcome = document.querySelector('[data-claim-outcome]');
  if (!waiting || !outcome) return;
  const url = waiting.getAttribute('data-claim-status');
  const hint = waiting.querySelector('[data-claim-waiting]');
  if (hint) hint.textContent = 'This page changes by itself as soon as they do.';
  const EVERY_MS = 4000;

  async function showOutcome() {
    try {
      const res = await fetch(window.location.href, { credentials: 'same-origin', cache: 'no-store' });
      const fresh = res.ok ? new DOMParser().parseFromString(await res.text(), 'text/html').querySelector('[data-claim-outcome]') : null;
      // Still waiting in the page (a race with the JSON): keep polling.
      if (fresh && !fresh.querySelector('[data-claim-status]')) {
        outcome.replaceChildren(...[...fresh.childNodes].map((n) => document.importNode(n, true)));
        return;
      }
      if (!fresh) return window.location.reload();
    } catch {
      return window.location.reload();
    }
    setTimeout(check, EVERY_MS);
  }

  async function check() {
    try {
      const res = await fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin', cache: 'no-store' });
      if (res.ok && (await res.json()).status !== 'pending') return showOutcome();
    } catch {
      // Offline for a moment: try again at the next tick.
    }
    setTimeout(check, EVERY_MS);
  }

  setTimeout(check, EVERY_MS);
})();
