// Live preview for the badge designer. Progressive enhancement: without this file the Preview button does the same.
(function () {
  const form = document.getElementById('designer-form');
  if (!form) return;
  const previewUrl = form.getAttribute('data-preview-url');
  const iconsUrl = form.getAttribute('data-icons-url');
  const image = document.getElementById('designer-preview');
  const status = document.getElementById('designer-status');
  const warnings = document.getElementById('designer-warnings');
  const altText = form.elements.namedItem('altText');
  const palette = form.elements.namedItem('palette');
  const search = form.elements.namedItem('iconSearch');
  const icons = document.getElementById('icon-choices');
  let objectUrl = null;
  let altEdited = false;
  let timer = null;
  let sequence = 0;

  if (altText) altText.addEventListener('input', () => { altEdited = altText.value.trim() !== ''; });

  function setWarnings(items, ok) {
    warnings.replaceChildren();
    for (const item of items) {
      const li = document.createElement('li');
      li.className = ok ? 'check-ok' : 'check-warn';
      li.textContent = item;
      warnings.append(li);
    }
  }

  async function preview() {
    const mine = ++sequence;
    status.textContent = 'Updating preview…';
    const response = await fetch(previewUrl, { method: 'POST', body: new FormData(form), headers: { Accept: 'application/json' }, credentials: 'same-origin' });
    if (mine !== sequence) return;
    if (!response.ok) { status.textContent = 'The preview could not be updated. Use the Preview button.'; return; }
    const result = await response.json();
    if (!result.ok) {
      status.textContent = 'Check the highlighted values to see a preview.';
      setWarnings(Object.values(result.errors), false);
      return;
    }
    if (objectUrl) URL.revokeObjectURL(objectUrl);
    objectUrl = URL.createObjectURL(new Blob([result.svg], { type: 'image/svg+xml' }));
    image.src = objectUrl;
    if (altText && !altEdited) altText.value = result.altText;
    image.alt = (altText && altText.value) || result.altText;
    status.textContent = 'Preview up to date.';
    if (result.warnings.length === 0) setWarnings(['Text contrast and size look good.'], true);
    else setWarnings(result.warnings.map((w) => w.message), false);
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(() => { preview().catch(() => { status.textContent = 'The preview could not be updated. Use the Preview button.'; }); }, 250);
  }

  function iconChoice(name, checked) {
    const label = document.createElement('label');
    label.className = 'icon-choice';
    const input = document.createElement('input');
    input.type = 'radio';
    input.name = 'icon';
    input.value = name;
    input.checked = checked;
    label.append(input, ' ');
    if (name) {
      const img = document.createElement('img');
      img.src = '/designer/icons/' + encodeURIComponent(name) + '.svg';
      img.alt = '';
      img.width = 24;
      img.height = 24;
      label.append(img, ' ');
    }
    const span = document.createElement('span');
    span.textContent = name || 'No icon';
    label.append(span);
    return label;
  }

  async function searchIcons() {
    const response = await fetch(iconsUrl + '?q=' + encodeURIComponent(search.value), { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
    if (!response.ok) return;
    const { items } = await response.json();
    const checked = form.querySelector('input[name="icon"]:checked');
    const current = checked ? checked.value : '';
    const names = current && !items.includes(current) ? [current, ...items] : items;
    icons.replaceChildren(iconChoice('', current === ''), ...names.map((name) => iconChoice(name, name === current)));
  }

  let searchTimer = null;
  form.addEventListener('input', (event) => {
    if (event.target === search) {
      clearTimeout(searchTimer);
      searchTimer = setTimeout(() => { searchIcons().catch(() => {}); }, 200);
      return;
    }
    if (event.target === altText) return;
    if (palette && (event.target.name === 'background' || event.target.name === 'border' || event.target.name === 'textColor')) palette.value = '';
    schedule();
  });
  form.addEventListener('change', (event) => {
    if (event.target === palette && palette.value) {
      const option = palette.selectedOptions[0];
      form.elements.namedItem('background').value = option.getAttribute('data-background');
      form.elements.namedItem('border').value = option.getAttribute('data-border');
      form.elements.namedItem('textColor').value = option.getAttribute('data-text');
    }
    if (event.target === search || event.target === altText) return;
    if (event.target.type === 'radio' || event.target.type === 'file' || event.target.type === 'checkbox' || event.target.tagName === 'SELECT') schedule();
  });
  if (search) {
    search.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') { event.preventDefault(); searchIcons().catch(() => {}); }
    });
  }
  if (altText && altText.value.trim() !== '' && image.alt !== altText.value) altEdited = true;
})();
