// Progressive enhancement only: every page works without this file.
document.addEventListener('click', (event) => {
  const target = event.target instanceof Element ? event.target.closest('[data-copy-target]') : null;
  if (!target) return;
  const source = document.getElementById(target.getAttribute('data-copy-target') || '');
  const text = source && ('value' in source ? source.value : source.textContent);
  if (!text || !navigator.clipboard) return;
  navigator.clipboard.writeText(text.trim()).then(() => {
    const label = target.textContent;
    target.textContent = 'Copied';
    setTimeout(() => { target.textContent = label; }, 1500);
  }, () => {});
});

document.addEventListener('submit', (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement)) return;
  const message = form.getAttribute('data-confirm');
  if (message && !window.confirm(message)) event.preventDefault();
});

document.addEventListener('click', (event) => {
  const button = event.target instanceof Element ? event.target.closest('[data-print]') : null;
  if (button) window.print();
});

// The browser's time zone goes along with sign-up and sign-in (kept while the account has none), and is offered
// on the account page while none is chosen.
(() => {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!zone) return;
  for (const input of document.querySelectorAll('input[data-browser-time-zone]')) input.value = zone;
  for (const select of document.querySelectorAll('select[data-browser-time-zone]')) {
    const option = [...select.options].find((o) => o.value === zone);
    if (!option) continue;
    option.textContent = `${zone} (this browser's)`;
    if (select.value === '') option.selected = true;
  }
})();
