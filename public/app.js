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
