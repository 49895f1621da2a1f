// The award page's share buttons, shown only when the browser can do what they say: copying (done by app.js's
// data-copy-target handler) needs the clipboard, "Share…" the system share sheet. Without them the plain link stays.
(() => {
  for (const button of document.querySelectorAll('button[data-copy-target][hidden]')) {
    if (navigator.clipboard) button.hidden = false;
  }
  for (const button of document.querySelectorAll('button[data-share-url][hidden]')) {
    if (!navigator.share) continue;
    button.hidden = false;
    button.addEventListener('click', () => {
      navigator.share({ title: button.getAttribute('data-share-title') || document.title, url: button.getAttribute('data-share-url') }).catch(() => {});
    });
  }
})();
