// Walls on a projector refresh themselves every few seconds; anyone watching may pause that (WCAG 2.2.1: a timed
// refresh must be adjustable, which a <meta http-equiv="refresh"> is not). The choice lasts for this browser tab.
(() => {
  const button = document.querySelector('[data-wall-refresh]');
  if (!button) return;
  const seconds = Number(button.getAttribute('data-wall-refresh')) || 20;
  const key = 'kiln.wall.paused';
  const read = () => { try { return sessionStorage.getItem(key) === '1'; } catch { return false; } };
  const write = (value) => { try { sessionStorage.setItem(key, value ? '1' : '0'); } catch { /* private mode: pause for this page only */ } };
  let paused = read();
  const show = () => { button.textContent = paused ? 'Resume updates' : 'Pause updates'; };
  button.addEventListener('click', () => { paused = !paused; write(paused); show(); });
  show();
  button.hidden = false;
  setInterval(() => { if (!paused) window.location.reload(); }, seconds * 1000);
})();
